#!/usr/bin/env bash
# zabitan-sender's own behaviour beyond zabbix_sender conformance: the TOML config (flag wins,
# errors with file:line), -c with an agentd config, -r real time, TLS refusal, -V/-h.
# Usage: sender_cli_test.sh ZABITAN_SENDER TRAPPER_SINK WORKDIR
set -euo pipefail
ours=$1 sink=$2 work=$3
rm -rf "$work"
mkdir -p "$work"
# shellcheck source=../lib/check.sh
. "$(dirname "$0")/../lib/check.sh"
check_init "$work"
pids=()  # processes a check started: they end with it (CHECK_CLEANUP)
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; }
# shellcheck disable=SC2034  # read by check (tests/lib/check.sh)
CHECK_CLEANUP=cleanup

start_sink() {  # RECORD -> sets port
  rm -f "$work/ready"
  "$sink" --port 0 --ready-file "$work/ready" --record "$1" >/dev/null 2>&1 &
  pids+=($!)
  wait_for -p "$!" '[[ -s $work/ready ]]'
  port=$(<"$work/ready")
}
rec=$work/rec.jsonl
: >"$rec"
start_sink "$rec"  # the sink every check may use: ends with the test
main_pids=("${pids[@]}")
pids=()
trap 'pids+=("${main_pids[@]}"); cleanup' EXIT

toml_config() {
  cat >"$work/z.toml" <<TOML
[sender]
zabbix_server = "127.0.0.1:$port"
host = "from-toml"
TOML
  out=$("$ours" -c "$work/z.toml" -k toml.key -o 1)
  grep -q 'sent: 1; skipped: 0; total: 1' <<<"$out"
  grep -q '"host":"from-toml","key":"toml.key"' "$rec"
}
flag_wins() {
  "$ours" -c "$work/z.toml" -s from-flag -k flag.key -o 2
  grep -q '"host":"from-flag","key":"flag.key"' "$rec"
}
toml_errors() {
  printf '[sender]\nhost = "h"\ntimeout = "soon"\n' >"$work/bad.toml"
  expect_exit 1 "$ours" -c "$work/bad.toml" -k k -o v 2>"$work/err" >/dev/null
  grep -qx "zabitan-sender: $work/bad.toml:3: sender.timeout: expected an integer" "$work/err"
  printf '[sender]\nzabix_server = "x"\n' >"$work/typo.toml"
  expect_exit 1 "$ours" -c "$work/typo.toml" -k k -o v 2>"$work/err" >/dev/null
  grep -q "typo.toml:2: sender.zabix_server: unknown key" "$work/err"
  # Trusted like remote-cmd's (issue #15, item 7): a config others may write is refused, and
  # nothing is sent to the server it names.
  printf '[sender]\nzabbix_server = "127.0.0.1:%s"\nhost = "h"\n' "$port" >"$work/open.toml"
  chmod 0666 "$work/open.toml"
  expect_exit 1 "$ours" -c "$work/open.toml" -k untrusted.key -o v 2>"$work/err" >/dev/null
  grep -q "open.toml: .*group or others" "$work/err"
  expect_exit 1 grep -q untrusted.key "$rec"
}
agentd_config() {
  printf 'ServerActive=127.0.0.1:%s\nHostname=agent-host,other\nLogFile=/tmp/x\n' "$port" >"$work/agentd.conf"
  "$ours" -c "$work/agentd.conf" -k agentd.key -o 3
  grep -q '"host":"agent-host","key":"agentd.key"' "$rec"
}
tls_settings_checked() {
  # A PSK file others can read, a short key, TLS options without --tls-connect: refused before
  # anything is sent (never a silent fall-back to plain text).
  openssl rand -hex 32 >"$work/open.psk"; chmod 644 "$work/open.psk"
  expect_exit 1 "$ours" -z 127.0.0.1 -p "$port" -s h -k tls.key -o 1 --tls-connect psk --tls-psk-identity i \
    --tls-psk-file "$work/open.psk" 2>"$work/err"
  grep -q "open.psk: mode 0644 gives group/others access to a secret" "$work/err"
  echo 0123abcd >"$work/short.psk"; chmod 600 "$work/short.psk"
  expect_exit 1 "$ours" -z 127.0.0.1 -p "$port" -s h -k tls.key -o 1 --tls-connect psk --tls-psk-identity i \
    --tls-psk-file "$work/short.psk" 2>"$work/err"
  grep -q "32-512 hex digits" "$work/err"
  expect_exit 1 "$ours" -z 127.0.0.1 -p "$port" -s h -k tls.key -o 1 --tls-psk-file "$work/short.psk" 2>"$work/err"
  grep -q "TLS options need --tls-connect psk or cert" "$work/err"
  expect_exit 1 grep -q tls.key "$rec"
}
real_time() {
  # A value written to stdin must reach the server while stdin is still open.
  mkfifo "$work/fifo"
  "$ours" -z 127.0.0.1 -p "$port" -r -i - <"$work/fifo" >"$work/rt.out" &
  local sender=$!
  pids+=("$sender")
  exec 7>"$work/fifo"
  echo "rt-host rt.key first" >&7
  wait_for -p "$sender" 'grep -q rt.key "$rec"'
  echo "rt-host rt.key second" >&7
  wait_for -p "$sender" 'grep -q "\"value\":\"second\"" "$rec"'
  exec 7>&-
  wait "$sender"
  grep -q 'sent: 2; skipped: 0; total: 2' "$work/rt.out"
}
version_and_help() {
  "$ours" -V >"$work/V.out"
  grep -q '^zabitan-sender (zabitan) ' "$work/V.out"
  "$ours" -h >"$work/h.out"
  grep -q -- '--batch-size' "$work/h.out"
}
bad_option() {
  expect_exit 1 "$ours" -z 127.0.0.1 -s h -k k -o v --connections 0 2>"$work/err"
  grep -q 'invalid connections "0"' "$work/err"
}

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

spool_roundtrip() {
  # Server down: everything is spooled (exit 3). Server back: the spool goes first, in order.
  local p spool=$work/spool1 r=$work/spool1.jsonl
  p=$(free_port)
  seq 1 3000 | awk '{print "sp-host sp.key" $1 % 7 " " $1}' >"$work/sp.txt"
  expect_exit 3 "$ours" -z 127.0.0.1 -p "$p" --spool "$spool" -i "$work/sp.txt" >"$work/sp.out"
  grep -q 'spooled: 3000; delivered from spool: 0; waiting: 3000' "$work/sp.out"
  : >"$r"
  rm -f "$work/ready"
  "$sink" --port "$p" --ready-file "$work/ready" --record "$r" >/dev/null 2>&1 &
  pids+=($!)
  wait_for -p "$!" '[[ -s $work/ready ]]'
  echo "sp-host sp.key0 new" | "$ours" -z 127.0.0.1 -p "$p" --spool "$spool" -i - >"$work/sp2.out"
  grep -q 'delivered from spool: 3000; waiting: 0' "$work/sp2.out"
  [[ $(wc -l <"$r") == 3001 ]]
  [[ $(tail -n 1 "$r") == *'"value":"new"'* ]]
  python3 - "$r" <<'PY'
import json, sys
last, n_values = {}, 0
for line in open(sys.argv[1]):
    v = json.loads(line)
    if v["value"] == "new": continue
    n = int(v["value"]); k = v["key"]
    assert last.get(k, 0) < n, (k, last.get(k), n)
    last[k] = n
    n_values += 1
assert n_values == 3000, ("spooled values delivered", n_values)
PY
}
spool_kill9() {
  # kill -9 while spooling, three times: every request file left is whole, nothing half-written
  # remains after the next open, and a flush delivers exactly what the files held.
  local p spool=$work/spool2 r=$work/spool2.jsonl run
  p=$(free_port)
  for run in 1 2 3; do
    awk -v r="$run" 'BEGIN { for (i = 1; i <= 200000; i++) printf "k9-host k9.key%d %d\n", i % 11, r * 1000000 + i }' >"$work/k9.txt"
    "$ours" -z 127.0.0.1 -p "$p" --spool "$spool" --batch-size 500 -i "$work/k9.txt" >/dev/null 2>&1 &
    local sender=$!
    wait_for -p "$sender" "(( \$(find '$spool' -name '*.req' | wc -l) >= $((run * 20)) ))" || true
    kill -9 "$sender"; wait "$sender" 2>/dev/null || true
  done
  local expected torn
  # A kill during a write leaves a .tmp- file: never acknowledged, so not expected.
  torn=$(find "$spool" -name '.tmp-*' | wc -l)
  expected=$(find "$spool" -name '*.req' ! -name '.tmp-*' | sed -E 's/.*-([0-9]+)\.req$/\1/' | awk '{ s += $1 } END { print s + 0 }')
  : >"$r"
  rm -f "$work/ready"
  "$sink" --port "$p" --ready-file "$work/ready" --record "$r" >/dev/null 2>&1 &
  pids+=($!)
  wait_for -p "$!" '[[ -s $work/ready ]]'
  "$ours" --flush "$spool" >"$work/k9.out"
  grep -q 'waiting: 0' "$work/k9.out"
  [[ $(find "$spool" -name '.tmp-*' | wc -l) == 0 ]]
  echo "    $expected values in the spool after 3 kills ($torn torn writes discarded), $(wc -l <"$r") delivered by --flush"
  [[ $(wc -l <"$r") == "$expected" ]]
  ((expected > 0))
}
ha_node_remembered() {
  # The HA node that answered is tried first next run (kept in the spool folder).
  local down spool=$work/spool3
  down=$(free_port)
  "$ours" -z "127.0.0.1:$down;127.0.0.1:$port" --spool "$spool" -s h -k ha.key -o 1 >"$work/ha.out"
  grep -q 'sent: 1; skipped: 0; total: 1' "$work/ha.out"
  grep -q '"host":"h","key":"ha.key"' "$rec"
  [[ $(cat "$spool"/q-*/node) == 1 ]]
}

check spool-roundtrip spool_roundtrip
check spool-kill9 spool_kill9
check ha-node-remembered ha_node_remembered
check toml-config toml_config
check flag-wins flag_wins
check toml-errors toml_errors
check agentd-config agentd_config
check tls-settings-checked tls_settings_checked
check real-time real_time
check version-and-help version_and_help
check bad-option bad_option

check_summary
