#!/usr/bin/env bash
# zabitan-vmware's vSphere session against the govmomi simulator (tests/peers/vcsim, TLS, a
# 2 s idle timeout): a new session is saved (mode 0600) and reused by the next run; --logout
# ends it; an expired session is noticed (NotAuthenticated) and replaced; the certificate is
# verified (no CA file: refused); the password never comes from argv and a readable password
# file is refused. The expiry is the simulator's own, awaited as an event it reports
# (tests/peers/vcsim/sessions wait-gone), not a guessed sleep.
# Usage: vsphere_session_test.sh ZABITAN_VMWARE VCSIM_ENV WORKDIR
set -euo pipefail
bin=$1 env_file=$2 work=$3
# shellcheck source=../lib/vcsim.sh
. "$(dirname "$0")/../lib/vcsim.sh" "$work" "$env_file"  # check.sh, $VCSIM_*, $work/pw, $sessions
vm() { "$bin" --url "$VCSIM_URL" --user "$VCSIM_USER" --ca-file "$VCSIM_CERT" --state-dir "$work/state" "$@"; }
session_key() { cat "$work"/state/session-*; }

new_then_reused() {
  vm --password-file "$work/pw" --check >"$work/c1.out"
  grep -q ': new session$' "$work/c1.out"
  [[ $(stat -c %a "$work"/state/session-*) == 600 ]]
  vm --password-file "$work/pw" --check >"$work/c2.out"
  grep -q ': reused session$' "$work/c2.out"
}
logout_forgets() {
  local key
  key=$(session_key)
  vm --logout >"$work/l.out"
  grep -q 'logged out' "$work/l.out"
  [[ -z $(find "$work/state" -name 'session-*') ]]
  # The simulator ended it too, not only the file is gone.
  "$sessions" "$env_file" list >"$work/l.sessions"
  expect_exit 1 grep -q "^$key " "$work/l.sessions"
  vm --password-file "$work/pw" --check >"$work/l2.out"
  grep -q ': new session$' "$work/l2.out"
}
expired_session_replaced() {
  local key
  vm --password-file "$work/pw" --check >"$work/e1.out"
  grep -q ': reused session$' "$work/e1.out"
  key=$(session_key)
  "$sessions" "$env_file" list >"$work/e.sessions"
  grep -q "^$key " "$work/e.sessions"  # the file holds the simulator's session key
  # The simulator expires a session idle for 2 s on a later sweep: wait until it dropped this
  # one, asking in a session of its own (asking with this one would keep it alive).
  "$sessions" "$env_file" wait-gone "$key" 30
  vm --password-file "$work/pw" --check >"$work/e2.out"
  grep -q ': new session$' "$work/e2.out"
  [[ $(session_key) != "$key" ]]
  [[ $(stat -c %a "$work"/state/session-*) == 600 ]]
}
certificate_verified() {
  expect_exit 1 "$bin" --url "$VCSIM_URL" --user "$VCSIM_USER" --password-file "$work/pw" --state-dir "$work/s2" \
    --check 2>"$work/err"
  grep -q 'certificate' "$work/err"
}
pin() { "$bin" --url "$VCSIM_URL" --user "$VCSIM_USER" --password-file "$work/pw" --state-dir "$work/s3" --check "$@"; }
thumbprint_pinned() {
  # The simulator's self-signed certificate, pinned by fingerprint instead of a CA file.
  pin --thumbprint "$VCSIM_THUMBPRINT" >"$work/t1.out"
  grep -q 'session$' "$work/t1.out"
  pin --thumbprint "$(tr -d ':' <<<"$VCSIM_THUMBPRINT" | tr 'A-F' 'a-f')" >"$work/t2.out"
  grep -q 'session$' "$work/t2.out"
  expect_exit 1 pin --thumbprint "00:${VCSIM_THUMBPRINT:3}" 2>"$work/err"
  grep -q 'certificate' "$work/err"
  pin --insecure 2>"$work/err" >"$work/t3.out"
  grep -q 'session$' "$work/t3.out"
  grep -q 'is not checked' "$work/err"
}
password_file_checked() {
  chmod 644 "$work/pw"
  local rc=0
  vm --password-file "$work/pw" --check 2>"$work/err" || rc=$?
  chmod 600 "$work/pw"
  [[ $rc == 1 ]] || { echo "a readable password file: exit $rc, expected 1"; return 1; }
  grep -q 'chmod 600' "$work/err"
  # No such option: CLI11's exit code for an unexpected argument (109), not the house's 1 (issue
  # to fix in zabitan-vmware's option parsing; this pins what it does today).
  expect_exit 109 vm --password "$VCSIM_PASSWORD" --check 2>"$work/err2"
  grep -q -- 'not expected: .*--password' "$work/err2"
}

check new-then-reused new_then_reused
check logout-forgets logout_forgets
check expired-session-replaced expired_session_replaced
check certificate-verified certificate_verified
check thumbprint-pinned thumbprint_pinned
check password-file-checked password_file_checked
check_summary
