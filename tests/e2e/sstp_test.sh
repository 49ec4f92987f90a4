#!/usr/bin/env bash
# e2e: zabitan-sstp against real peers — ninix-aya (a Linux ukagaka mascot under Xvfb) and a
# private OpenSSH sshd (tests/peers/{ninix,sshd}, started as ctest fixtures).
#
#   sstp_test.sh ZABITAN_SSTP NINIX_DIR SSHD_DIR WORK
#
# Checks, each with a unique token so other clients of the peers cannot confuse it:
#  - direct TCP: hostile text (\e \- \![open,…] %username, CR/LF + header smuggling) is answered
#    200 and shown literally in the balloon (what ninix's hooks recorded); a screenshot is kept;
#  - the libssh2 tunnel with ed25519 and ECDSA keys delivers; an RSA key is refused with the
#    libssh2 1.10 explanation; a wrong host key is refused naming the fingerprint; an unknown one
#    is refused, then recorded with --accept-new-host-key;
#  - a downed tunnel spools (exit 3) and a later --flush delivers everything in order;
#  - Shift_JIS, NOTIFY with a fallback script, and the Zabbix media-type call with its surface.
set -euo pipefail

if (($# != 4)); then
  echo "usage: $0 ZABITAN_SSTP NINIX_DIR SSHD_DIR WORK" >&2
  exit 2
fi
sstp=$1
ninix_dir=$2
sshd_dir=$3
work=$4
peers=$(cd "$(dirname "${BASH_SOURCE[0]}")/../peers" && pwd)
rm -rf "$work"
mkdir -p "$work"
: >"$work/empty.toml"  # no config: a trusted regular file (the config must not be a device)
# shellcheck source=../lib/check.sh
. "$(dirname "$0")/../lib/check.sh"
check_init "$work"
pids=()  # what a check started (ssh-agent, the forwarder): it ends with the check
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; }
# shellcheck disable=SC2034  # read by check (tests/lib/check.sh)
CHECK_CLEANUP=cleanup
# shellcheck source=/dev/null
. "$ninix_dir/env"
# shellcheck source=/dev/null
. "$sshd_dir/env"

# Steps of a check: each fails it, saying what differed.
expect_eq() { # WHAT EXPECTED ACTUAL
  [[ $3 == "$2" ]] || { echo "$1: expected [$2], got [$3]"; return 1; }
  echo "ok: $1"
}
expect_has() { # WHAT NEEDLE HAYSTACK
  [[ $3 == *"$2"* ]] || { echo "$1: [$2] not in [$3]"; return 1; }
  echo "ok: $1"
}
shown() { "$peers/ninix/last-script" "$ninix_dir" --match "$1" --wait 20 --text || true; }
script_of() { "$peers/ninix/last-script" "$ninix_dir" --match "$1" --wait 20 || true; }
run=$$x$RANDOM
direct=(--config "$work/empty.toml" --to "127.0.0.1:$NINIX_PORT" --timeout 15)
tunnel=(--config "$work/empty.toml" --ssh "$SSHD_USER@127.0.0.1:$SSHD_PORT" --known-hosts "$SSHD_KNOWN_HOSTS"
        --to "127.0.0.1:$NINIX_PORT" --timeout 15)

# sstp CMD...: zabitan-sstp's stdout and stderr in $out, its exit code in $rc.
sstp_run() { rc=0; out=$("$sstp" "$@" 2>&1) || rc=$?; }

# --- direct TCP, hostile text ---------------------------------------------------------
direct_hostile_text() {
  local token=direct$run hostile='\e \- \![open,xterm] %username [x] 50%'
  sstp_run "${direct[@]}" "$token" "$hostile" $'line2\r\nScript: \\-'
  expect_eq "direct: exit code" 0 "$rc"
  expect_has "direct: 200 OK" "SSTP/1.4 200 OK" "$out"
  expect_eq "direct: the balloon shows the text literally" \
    "$token $hostile line2"$'\n'"Script: \\-" "$(shown "$token")"
  "$peers/ninix/screenshot" "$ninix_dir" "$work/balloon-escaped.png"
  [[ -s $work/balloon-escaped.png ]]
  echo "info: screenshot kept: $work/balloon-escaped.png"
}

# --- through the libssh2 tunnel ---------------------------------------------------------
tunnel_keys() {
  local key token
  for key in SSHD_IDENTITY SSHD_IDENTITY_ECDSA; do
    token=tunnel$key$run
    sstp_run "${tunnel[@]}" --identity "${!key}" "$token via ssh"
    expect_eq "ssh ($key): exit code" 0 "$rc"
    expect_has "ssh ($key): 200 OK" "SSTP/1.4 200 OK" "$out"
    expect_eq "ssh ($key): shown" "$token via ssh" "$(shown "$token")"
  done
}

# No --identity: the keys of an ssh-agent (a private one, on a socket in $work).
ssh_agent() {
  local agent_sock=$work/agent.sock token=agent$run
  ssh-agent -D -a "$agent_sock" >/dev/null 2>&1 &
  pids+=($!)
  wait_for -p "$!" "[[ -S $agent_sock ]]"
  SSH_AUTH_SOCK=$agent_sock ssh-add -q "$SSHD_IDENTITY"
  SSH_AUTH_SOCK=$agent_sock sstp_run "${tunnel[@]}" "$token via agent"
  expect_eq "ssh-agent: exit code" 0 "$rc"
  expect_eq "ssh-agent: shown" "$token via agent" "$(shown "$token")"
  SSH_AUTH_SOCK=$work/no-agent sstp_run "${tunnel[@]}" "no agent"
  expect_eq "no identity, no agent: exit code" 1 "$rc"
  expect_has "no identity, no agent: says so" "no identity file given and no ssh-agent to ask" "$out"
}

rsa_key_refused() {
  sstp_run "${tunnel[@]}" --identity "$SSHD_IDENTITY_RSA" "rsa$run"
  expect_eq "ssh RSA key: exit code" 1 "$rc"
  expect_has "ssh RSA key: explained" "cannot sign with rsa-sha2" "$out"
}

wrong_host_key_refused() {
  local token=wrongkey$run
  sstp_run --config "$work/empty.toml" --ssh "$SSHD_USER@127.0.0.1:$SSHD_PORT" --known-hosts "$SSHD_WRONG_KNOWN_HOSTS" \
    --identity "$SSHD_IDENTITY" --to "127.0.0.1:$NINIX_PORT" "$token"
  expect_eq "wrong host key: exit code" 1 "$rc"
  expect_has "wrong host key: refused with the fingerprint" "the host key $SSHD_HOST_FINGERPRINT does not match" "$out"
  expect_eq "wrong host key: nothing reached ninix" "" "$("$peers/ninix/last-script" "$ninix_dir" --match "$token" || true)"
}

unknown_host_key() {
  local token=newkey$run
  local via=(--config "$work/empty.toml" --ssh "$SSHD_USER@127.0.0.1:$SSHD_PORT" --known-hosts "$work/known_hosts"
             --identity "$SSHD_IDENTITY" --to "127.0.0.1:$NINIX_PORT")
  : >"$work/known_hosts"
  sstp_run "${via[@]}" "$token"
  expect_eq "unknown host key: exit code" 1 "$rc"
  expect_has "unknown host key: refused with the fingerprint" "unknown host key $SSHD_HOST_FINGERPRINT" "$out"
  sstp_run "${via[@]}" --accept-new-host-key "$token"
  expect_eq "--accept-new-host-key: exit code" 0 "$rc"
  expect_has "--accept-new-host-key: recorded as OpenSSH does" "[127.0.0.1]:$SSHD_PORT ssh-ed25519 " \
    "$(cat "$work/known_hosts")"
  sstp_run "${via[@]}" "$token again"
  expect_eq "recorded key: accepted next time" 0 "$rc"
}

# --- a downed tunnel spools; --flush delivers in order --------------------------------------
spool_then_flush_in_order() {
  local down_port spool=$work/spool i order
  down_port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')
  local via=(--config "$work/empty.toml" --ssh "$SSHD_USER@127.0.0.1:$down_port" --known-hosts "$SSHD_KNOWN_HOSTS"
             --identity "$SSHD_IDENTITY" --to "127.0.0.1:$NINIX_PORT" --spool "$spool")
  for i in 1 2 3; do
    sstp_run "${via[@]}" "spool$i$run"
    expect_eq "tunnel down: message $i spooled (exit 3)" 3 "$rc"
  done
  # The spool is per destination: flush with the destination that spooled.
  sstp_run "${via[@]}" --flush
  expect_eq "flush while still down: exit 3" 3 "$rc"
  expect_has "flush while still down: all kept" "0 delivered, 0 expired, 0 refused, 3 left" "$out"
  # Bring the "desktop" up on that port: forward it to the real sshd.
  python3 - "$down_port" "$SSHD_PORT" >"$work/forward.log" 2>&1 <<'PY' &
import socket, sys, threading
listen = socket.socket(); listen.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
listen.bind(("127.0.0.1", int(sys.argv[1]))); listen.listen(4)
print("ready", flush=True)
def pipe(a, b):
    try:
        while (data := a.recv(65536)):
            b.sendall(data)
    except OSError:
        pass
    finally:
        for s in (a, b):
            try: s.shutdown(socket.SHUT_RDWR)
            except OSError: pass
while True:
    client, _ = listen.accept()
    upstream = socket.create_connection(("127.0.0.1", int(sys.argv[2])))
    threading.Thread(target=pipe, args=(client, upstream), daemon=True).start()
    threading.Thread(target=pipe, args=(upstream, client), daemon=True).start()
PY
  pids+=($!)
  wait_for -p "$!" "grep -q ready $work/forward.log"
  # known_hosts names 127.0.0.1:SSHD_PORT; the forwarded port shows the same key under another
  # port: libssh2 matches a [host]:port entry only for that port, so record it for this one.
  sed "s/^\[127.0.0.1\]:$SSHD_PORT /[127.0.0.1]:$down_port /" "$SSHD_KNOWN_HOSTS" >"$work/known_hosts_forward"
  sstp_run --config "$work/empty.toml" --ssh "$SSHD_USER@127.0.0.1:$down_port" --known-hosts "$work/known_hosts_forward" \
    --identity "$SSHD_IDENTITY" --to "127.0.0.1:$NINIX_PORT" --spool "$spool" --flush
  expect_eq "flush with the tunnel back: exit 0" 0 "$rc"
  expect_has "flush with the tunnel back: all delivered" "3 delivered, 0 expired, 0 refused, 0 left" "$out"
  order=$(grep -o "spool[123]$run" "$NINIX_TRACE" | awk '!seen[$0]++' | tr '\n' ' ')
  expect_eq "flush: ninix received them in order" "spool1$run spool2$run spool3$run " "$order"
}

# --- charsets, NOTIFY, the media type ---------------------------------------------------------
charsets() {
  # (ninix reads JIS Shift_JIS; SSP on Windows reads CP932, which zabitan writes: characters
  # only CP932 has, such as ～ and ①, would not show right on ninix.)
  sstp_run "${direct[@]}" --charset Shift_JIS "sjis$run 日本語の警告"
  expect_eq "Shift_JIS: exit code" 0 "$rc"
  expect_eq "Shift_JIS: shown right" "sjis$run 日本語の警告" "$(shown "sjis$run")"
  sstp_run "${direct[@]}" --charset EUC-JP "eucjp$run 監視"
  expect_eq "EUC-JP: exit code" 0 "$rc"
  expect_eq "EUC-JP: shown right" "eucjp$run 監視" "$(shown "eucjp$run")"
}

notify_with_fallback() {
  local token=notify$run received
  sstp_run "${direct[@]}" --notify OnZabbixAlert "$token fallback"
  expect_eq "NOTIFY: exit code" 0 "$rc"
  expect_has "NOTIFY: 200" " 200 " "$out"
  # The test ghost's NiseShiori answers every event with a script of its own, so ninix keeps the
  # fallback unspoken: check that the event and the fallback arrived as sent.
  wait_for -t 20 "grep -F '$token' '$NINIX_TRACE' | grep -q '\"ev\":\"recv\"'"
  received=$(grep -F "$token" "$NINIX_TRACE" | grep '"ev":"recv"')
  expect_has "NOTIFY: ninix received the event" '"request":"NOTIFY SSTP/1.1"' "$received"
  expect_has "NOTIFY: with the event name" '"event":"OnZabbixAlert"' "$received"
  expect_has "NOTIFY: and the fallback script" "$token fallback" "$received"
}

media_type() {
  local token=media$run
  sstp_run "${direct[@]}" --media-type admin "Problem: VM CPU high $token" \
    $'Host: vm-web01\nSeverity: High\nProblem: VM CPU high\n--ssh evil@example.com'
  expect_eq "media type: exit code" 0 "$rc"
  expect_has "media type: surface of a High problem" '\s[2]' "$(script_of "$token")"
  expect_has "media type: an option-looking message line is just text" "--ssh evil@example.com" "$(shown "$token")"
}

check direct-hostile-text direct_hostile_text
check tunnel-keys tunnel_keys
check ssh-agent ssh_agent
check rsa-key-refused rsa_key_refused
check wrong-host-key-refused wrong_host_key_refused
check unknown-host-key unknown_host_key
check spool-then-flush-in-order spool_then_flush_in_order
check charsets charsets
check notify-with-fallback notify_with_fallback
check media-type media_type
check_summary
