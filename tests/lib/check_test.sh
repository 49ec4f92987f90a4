#!/usr/bin/env bash
# tests/lib/check.sh can fail: a failing middle step fails the check (also when the step is in a
# helper function, a pipeline or a command substitution), a `! cmd` or a non-final `a && b` in
# a check fails it, check called under `if`/`||` fails, expect_exit wants the exact code,
# wait_for gives up at its deadline and when the awaited process ends, and check_summary fails
# when a check failed or none ran.
# Usage: check_test.sh WORKDIR
set -euo pipefail
work=${1:?usage: check_test.sh WORKDIR}
rm -rf "$work" && mkdir -p "$work/inner"
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

# The checks under test run in a child bash of their own (so their totals stay apart); each case
# is WANT ("ok" or "FAIL") and a body; the child's output must say WANT for the check.
# shellcheck disable=SC2016  # the bodies are code for the child bash, expanded there
failures=0
expect() {  # WANT NAME BODY [REASON [CALL]]: BODY defines t(); CALL (default: check NAME t) runs;
            # the output must say WANT for NAME and, when given, match the regex REASON
  local want=$1 name=$2 body=$3 reason=${4:-} call=${5:-"check $2 t"} out
  out=$(bash -c ". '$here/check.sh'; set -euo pipefail; check_init '$work/inner'; $body
$call" 2>&1) || true
  if grep -qE "^$want +$name\b" <<<"$out" && { [[ -z $reason ]] || grep -qE -- "$reason" <<<"$out"; }; then
    echo "ok   $want $name: $(grep -E "^$want +$name\b" <<<"$out")"
  else
    echo "FAIL expected $want for $name${reason:+ ($reason)}, got:"; sed 's/^/    /' <<<"$out"
    failures=$((failures + 1))
  fi
}

lint='steps that cannot fail the check'
expect ok   all-pass          't() { true; echo fine; [[ 1 == 1 ]]; }'
expect FAIL middle-step       't() { true; false; true; }' ': false \(exit 1\)'
expect FAIL middle-in-helper  'h() { false; echo "not reached"; }; t() { h; true; }' ': h \(exit 1\)'
expect FAIL middle-pipeline   't() { false | cat; true; }' ' \(exit 1\)'
expect FAIL middle-subst      't() { local x; x=$(false); true; }' ' \(exit 1\)'
expect FAIL middle-test       't() { [[ a == b ]]; true; }' ' \(exit 1\)'
expect FAIL negated-middle    't() { ! true; true; }' "$lint|negated step"
expect FAIL negated-even-when-true 't() { ! false; true; }' 'negated step'
expect FAIL and-list-middle   't() { false && true; true; }' 'non-final a && b'
expect FAIL and-list-true-middle 't() { true && true; true; }' 'non-final a && b'
expect FAIL and-list-block    't() { { false; } && true; true; }' 'non-final a && b'
expect FAIL local-hides-status 't() { local x=$(false); true; }' 'hidden by local'
expect FAIL and-list-last-false 't() { true; true && false; }' ' \(exit 1\)'
expect ok   and-list-last-true  't() { true; true && true; }'
expect ok   and-break-in-loop 't() { for i in 1 2; do [[ $i == 1 ]] && break; done; true; }'
expect ok   if-condition      't() { if ! false && true; then :; fi; true; }'
expect ok   conditional-expr  't() { [[ ! -e /nonexistent && -n x ]]; true; }'
expect ok   heredoc-is-data   't() { cat >/dev/null <<TXT
! a && b
TXT
true; }'
expect FAIL called-under-if   't() { true; }' 'ignores set -e' 'if check called-under-if t; then :; fi'
expect FAIL called-under-or   't() { true; }' 'ignores set -e' 'check called-under-or t || true'
expect ok   expect-exit-right 't() { expect_exit 3 bash -c "exit 3"; true; }'
expect FAIL expect-exit-wrong 't() { expect_exit 3 bash -c "exit 1"; true; }' 'expected exit 3, got 1'
expect FAIL expect-exit-zero  't() { expect_exit 1 true; true; }' 'expected exit 1, got 0'
expect ok   wait-for-ready    't() { (touch "$CHECK_DIR/r") & wait_for -t 5 "[[ -e \$CHECK_DIR/r ]]"; true; }'
expect FAIL wait-for-deadline 't() { wait_for -t 1 false; true; }' 'timed out after 1s'
expect FAIL wait-for-ended    't() { bash -c "exit 0" & local p=$!; wait_for -t 20 -p "$p" false; true; }' \
  'process [0-9]+ ended'
# CHECK_CLEANUP runs when a check ends, failed too: the process it started is gone (or a zombie).
gone() { [[ $(ps -p "$1" -o stat= 2>/dev/null || true) == "" || $(ps -p "$1" -o stat=) == Z* ]]; }
expect ok   cleanup-runs      "$(declare -f gone)"'
  c() { kill "$(<"$CHECK_DIR/bg.pid")"; }; CHECK_CLEANUP=c
  t() { sleep 60 & echo $! >"$CHECK_DIR/bg.pid"; false; }
  check bg t; CHECK_CLEANUP=
  u() { local p; p=$(<"$CHECK_DIR/bg.pid"); wait_for -t 10 gone "$p"; }' '' 'check cleanup-runs u'

# The FAIL line names the failing step and its line.
out=$(bash -c ". '$here/check.sh'; check_init '$work/inner'
t() {
  true
  grep -q needle /dev/null
  true
}
check where t" 2>&1) || true
if grep -qE '^FAIL where: .*:4: grep -q needle /dev/null \(exit 1\)$' <<<"$out"; then
  echo "ok   the FAIL line names the step: $(head -n 1 <<<"$out")"
else
  echo "FAIL the FAIL line does not name the step:"; sed 's/^/    /' <<<"$out"; failures=$((failures + 1))
fi

# check_summary: non-zero after a failure, and when no check ran.
summary() { bash -c ". '$here/check.sh'; check_init '$work/inner'; $1; check_summary" >/dev/null 2>&1; }
rc=0; summary 't() { true; }; check s1 t' || rc=$?
[[ $rc == 0 ]] || { echo "FAIL summary after a passing check: exit $rc"; failures=$((failures + 1)); }
rc=0; summary 't() { true; }; u() { false; }; check s2 t; check s3 u' || rc=$?
[[ $rc != 0 ]] || { echo "FAIL summary after a failing check: exit 0"; failures=$((failures + 1)); }
rc=0; summary 'true' || rc=$?
[[ $rc != 0 ]] || { echo "FAIL summary with no check: exit 0"; failures=$((failures + 1)); }
echo "summary: exit codes checked"

echo "$failures failure(s)"
((failures == 0))
