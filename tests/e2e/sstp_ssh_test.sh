#!/usr/bin/env bash
# zabitan-sstp's SSH transport against a real OpenSSH sshd of its own, serving two host keys,
# ed25519 and ECDSA (issue #15, items 6 and 16).
# Host keys (item 6): libssh2 1.10 compares a key only with known_hosts entries of its
# own type, so a host recorded under another type was "not found", and --accept-new-host-key
# recorded whatever key a man in the middle offered. Now:
#   - the key exchange asks for a recorded type first: known_hosts with the ed25519 key only,
#     or the ECDSA key only, is a match (libssh2 alone asks for ECDSA first);
#   - a host recorded under a type the server does not offer is a changed key, refused even
#     with --accept-new-host-key, and known_hosts is left as it was.
# The tunnel's target is a closed port: an error about the tunnel means the host key was
# accepted and the login worked.
# The deadline (item 16): a desktop that trickles a byte a second and never finishes its
# answer ends the exchange at --timeout; libssh2's timeout alone covers one read, so each byte
# restarted it and the run never ended (ctest's timeout was the only bound).
# Usage: sstp_ssh_test.sh ZABITAN_SSTP SSHD_PEER_DIR(tests/peers/sshd) WORKDIR
set -euo pipefail
sstp=$1 peer=$2 work=$3
rm -rf "$work" && mkdir -p "$work"
: >"$work/empty.toml"
trickle_pid=""
stop() {
  "$peer/stop" "$work/sshd" >/dev/null 2>&1 || true
  [[ -z $trickle_pid ]] || kill "$trickle_pid" 2>/dev/null || true
}
trap stop EXIT
# The trickling desktop: "SSTP/1.4 200 OK" a byte a second, the blank line never.
python3 - "$work/trickle" <<'PY' &
import socket, sys, threading, time
s = socket.socket(); s.bind(("127.0.0.1", 0)); s.listen(4)
with open(sys.argv[1] + ".tmp", "w") as f: f.write(f"{s.getsockname()[1]}\n")
import os; os.rename(sys.argv[1] + ".tmp", sys.argv[1])
def trickle(conn):
    try:
        conn.recv(65536)
        for b in b"SSTP/1.4 200 OK\r\nX: " + b"y" * 100000:
            conn.sendall(bytes([b])); time.sleep(1)
    except OSError:
        pass
while True:
    c, _ = s.accept(); threading.Thread(target=trickle, args=(c,), daemon=True).start()
PY
trickle_pid=$!
for _ in $(seq 500); do [[ -s $work/trickle ]] && break; sleep 0.01; done
trickle_port=$(<"$work/trickle")
"$peer/start" "$work/sshd" --ecdsa-host-key --permit-open 127.0.0.1:1 --permit-open "127.0.0.1:$trickle_port" >/dev/null
# shellcheck disable=SC1091
source "$work/sshd/env"
host="[127.0.0.1]:$SSHD_PORT"
run() {  # KNOWN_HOSTS [FLAG...] -> sets rc, out
  rc=0
  out=$("$sstp" --config "$work/empty.toml" --ssh "$SSHD_USER@127.0.0.1:$SSHD_PORT" --known-hosts "$1" \
        --identity "$SSHD_IDENTITY" --to "127.0.0.1:${to_port:-1}" "${@:2}" hello 2>&1) || rc=$?
}
fail() { echo "FAIL: $*"; echo "    exit $rc: $out"; exit 1; }

# 1. Recorded as ed25519 only: the server is asked for ed25519 and matches.
printf '%s %s\n' "$host" "$(cut -d' ' -f1,2 "$SSHD_HOST_KEY_PUB")" >"$work/kh_ed25519"
run "$work/kh_ed25519"
[[ $out == *"refused a tunnel to 127.0.0.1:1"* ]] || fail "ed25519 recorded: not accepted"
echo "ok   recorded ed25519: the server's ed25519 key is asked for and matches"

# 2. Recorded as ECDSA only, hashed as ssh-keygen -H writes it.
printf '%s %s\n' "$host" "$(cut -d' ' -f1,2 "$SSHD_HOST_ECDSA_KEY_PUB")" >"$work/kh_ecdsa"
ssh-keygen -q -H -f "$work/kh_ecdsa" >/dev/null 2>&1 && rm -f "$work/kh_ecdsa.old"
run "$work/kh_ecdsa"
[[ $out == *"refused a tunnel to 127.0.0.1:1"* ]] || fail "ECDSA recorded (hashed): not accepted"
echo "ok   recorded ECDSA (hashed): matches"

# 3. Recorded under a type the server does not offer (ECDSA P-384, another key): changed, not
#    new — refused with the fingerprint even with --accept-new-host-key, known_hosts untouched.
ssh-keygen -q -t ecdsa -b 384 -N '' -f "$work/other384" </dev/null
printf '%s %s\n' "$host" "$(cut -d' ' -f1,2 "$work/other384.pub")" >"$work/kh_other"
cp "$work/kh_other" "$work/kh_other.before"
run "$work/kh_other" --accept-new-host-key
((rc == 1)) || fail "another type recorded: exit $rc, not 1"
[[ $out == *"does not match"*"refusing"* ]] || fail "another type recorded: not refused as changed"
cmp -s "$work/kh_other" "$work/kh_other.before" || fail "known_hosts was changed"
echo "ok   recorded under another type: refused as a changed key, even with --accept-new-host-key"

# 4. Not recorded at all: still "unknown", and --accept-new-host-key records it.
: >"$work/kh_empty"
run "$work/kh_empty"
[[ $out == *"unknown host key"* ]] || fail "unrecorded host: not 'unknown'"
run "$work/kh_empty" --accept-new-host-key
[[ $out == *"refused a tunnel to 127.0.0.1:1"* ]] || fail "unrecorded host: not accepted with the flag"
grep -qF "$host " "$work/kh_empty" || fail "the new key was not recorded"
echo "ok   an unrecorded host is unknown, and recorded with --accept-new-host-key"

# 5. The trickling desktop: the exchange ends at --timeout, "timed out", exit 1 (no spool).
to_port=$trickle_port run "$work/kh_ed25519" --timeout 3
((rc == 1)) || fail "trickling desktop: exit $rc, not 1"
[[ $out == *"timed out (no whole response in 3 s)"* ]] || fail "trickling desktop: not timed out"
echo "ok   a desktop trickling its answer is cut at --timeout"
