#!/usr/bin/env bash
# zabitan-sstp's command line, no desktop needed (issue #15, item 7): options end at the first
# word of the message, so alert text that looks like an option is spoken, never obeyed. The
# desktop is a closed port and the message lands in a spool, where the test reads what would
# have been said.
# Usage: sstp_cli_test.sh ZABITAN_SSTP WORKDIR
set -euo pipefail
sstp=$1 work=$2
rm -rf "$work" && mkdir -p "$work" && chmod 0700 "$work"
printf '[sstp]\n' >"$work/z.toml"
# An "evil" config a message word names: if it were read, its template would send a raw tag.
printf "[sstp]\ntemplate = '\\\\![open,calc]'\n" >"$work/evil.toml"
away=(--config "$work/z.toml" --to 127.0.0.1:1 --spool "$work/spool")

spooled_text() { cat "$work"/spool/q-*/*.req 2>/dev/null || true; }

# 1. A message word that looks like an option is part of the message.
rc=0; "$sstp" "${away[@]}" 'disk full on' "--config=$work/evil.toml" >"$work/1.out" 2>&1 || rc=$?
[[ $rc == 3 ]] || { echo "FAIL: exit $rc, not 3 (spooled)"; cat "$work/1.out"; exit 1; }
grep -qF "disk full on --config=$work/evil.toml" <<<"$(spooled_text)" ||
  { echo "FAIL: the message was not spooled whole:"; spooled_text; exit 1; }
grep -qF 'open,calc' <<<"$(spooled_text)" && { echo "FAIL: the evil config was read"; exit 1; }
echo "ok   an option-like message word is spoken"
rm -rf "$work/spool"

# 2. "--" ends the options; the first word may then start with "-".
rc=0; "$sstp" "${away[@]}" -- "--config=$work/evil.toml" now >"$work/2.out" 2>&1 || rc=$?
[[ $rc == 3 ]] || { echo "FAIL: exit $rc after --, not 3"; cat "$work/2.out"; exit 1; }
grep -qF -- "--config=$work/evil.toml now" <<<"$(spooled_text)" || { echo "FAIL: -- message"; exit 1; }
echo "ok   -- ends the options"
rm -rf "$work/spool"

# 3. An unknown option before the message is an error naming it, nothing spooled.
rc=0; "$sstp" "${away[@]}" --bogus hi >"$work/3.out" 2>&1 || rc=$?
[[ $rc == 1 ]] || { echo "FAIL: exit $rc for --bogus, not 1"; cat "$work/3.out"; exit 1; }
grep -q 'unknown option "--bogus"' "$work/3.out" || { echo "FAIL: no reason:"; cat "$work/3.out"; exit 1; }
[[ -z $(spooled_text) ]] || { echo "FAIL: spooled after an option error"; exit 1; }
echo "ok   an unknown option is refused"

# 4. Options before the message still work (the config file is read).
rc=0; "$sstp" --config "$work/evil.toml" --to 127.0.0.1:1 --spool "$work/spool" hello >"$work/4.out" 2>&1 || rc=$?
[[ $rc == 3 ]] || { echo "FAIL: exit $rc, not 3"; cat "$work/4.out"; exit 1; }
grep -qF 'open,calc' <<<"$(spooled_text)" || { echo "FAIL: --config before the message was not read"; exit 1; }
echo "ok   options before the message are read"

# 5. accept_new_host_key is a one-shot flag, not a setting (issue #15, item 6): a config that
#    sets it is refused with the line that names it, before anything is sent.
printf '[sstp]\naccept_new_host_key = true\n' >"$work/accept.toml"
rc=0; "$sstp" --config "$work/accept.toml" --to 127.0.0.1:1 hello >"$work/5.out" 2>&1 || rc=$?
[[ $rc == 1 ]] || { echo "FAIL: exit $rc for accept_new_host_key in the config, not 1"; cat "$work/5.out"; exit 1; }
grep -q 'accept.toml:2: sstp.accept_new_host_key: not a setting' "$work/5.out" ||
  { echo "FAIL: reason:"; cat "$work/5.out"; exit 1; }
echo "ok   accept_new_host_key in the config is refused"

# 6. SIGTERM mid-exchange (issue #17): the message is not lost. The desktop accepts the
#    connection and never answers; SIGTERM arrives while zabitan-sstp waits for the answer. It
#    ends the exchange at its deadline (--timeout), spools the message and exits 3; before
#    the fix, the signal killed it (143) and the message was gone.
silent_ready=$work/silent.ready
python3 - "$silent_ready" <<'PY' &
import socket, sys, time
s = socket.socket(); s.bind(("127.0.0.1", 0)); s.listen(1)
port = s.getsockname()[1]
with open(sys.argv[1] + ".port", "w") as f: f.write(f"{port}\n")
conn, _ = s.accept()
open(sys.argv[1], "w").close()   # accepted: the client now waits for an answer
time.sleep(60)
PY
silent_pid=$!
trap 'kill $silent_pid 2>/dev/null || true' EXIT
for _ in $(seq 500); do [[ -s $silent_ready.port ]] && break; sleep 0.01; done
[[ -s $silent_ready.port ]] || { echo "FAIL: the silent desktop did not start"; exit 1; }
silent_port=$(<"$silent_ready.port")
rm -rf "$work/spool"
"$sstp" --config "$work/z.toml" --to "127.0.0.1:$silent_port" --spool "$work/spool" --timeout 3 \
  "term $$ survives" >"$work/6.out" 2>&1 &
sstp_pid=$!
for _ in $(seq 500); do [[ -e $silent_ready ]] && break; sleep 0.01; done
[[ -e $silent_ready ]] || { echo "FAIL: zabitan-sstp never connected"; exit 1; }
kill -TERM "$sstp_pid"
rc=0; wait "$sstp_pid" || rc=$?
[[ $rc == 3 ]] || { echo "FAIL: exit $rc after SIGTERM mid-exchange, not 3"; cat "$work/6.out"; exit 1; }
grep -qF "term $$ survives" <<<"$(spooled_text)" || { echo "FAIL: the message is not in the spool"; exit 1; }
echo "ok   SIGTERM mid-exchange: the message waits in the spool (exit 3)"

# 7. The config is trusted like remote-cmd's (issue #15, item 7): one others may write is
#    refused with one line saying how to fix it, and nothing is sent or spooled.
cp "$work/z.toml" "$work/open.toml" && chmod 0666 "$work/open.toml"
rm -rf "$work/spool"
rc=0; "$sstp" --config "$work/open.toml" --to 127.0.0.1:1 --spool "$work/spool" hello >"$work/7.out" 2>&1 || rc=$?
[[ $rc == 1 ]] || { echo "FAIL: exit $rc for a world-writable config, not 1"; cat "$work/7.out"; exit 1; }
grep -q 'open.toml: .*group or others' "$work/7.out" || { echo "FAIL: reason:"; cat "$work/7.out"; exit 1; }
[[ -z $(spooled_text) ]] || { echo "FAIL: spooled with an untrusted config"; exit 1; }
echo "ok   a config others may write is refused"
