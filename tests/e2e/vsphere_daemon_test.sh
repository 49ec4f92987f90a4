#!/usr/bin/env bash
# zabitan-vmware's --daemon, --spool and exit codes against the govmomi simulator (tests/peers/
# vcsim, TLS, 2 s idle timeout) and a recording trapper (tests/peers/trapper-sink):
# - a daemon runs 3 cycles, SIGTERM ends it after the current one with exit 0, and no sample
#   reaches the trapper twice;
# - a cycle longer than the interval is named in a warning and the next starts at once;
# - a session the endpoint ended between two cycles is replaced without error (the daemon is
#   stopped (SIGSTOP) after its first cycle, the simulator ends the session (TerminateSession,
#   tests/peers/vcsim/sessions), then it goes on: no timing decides what the next cycle meets);
# - Zabbix down with --spool: exit 3, the values in the spool; the next run delivers them first;
# - one-line reasons: login refused (InvalidLogin), unreachable, TLS mismatch; all exit 1;
# - daemon, interval and spool also come from [vmware] in the config.
# Usage: vsphere_daemon_test.sh ZABITAN_VMWARE TRAPPER_SINK VCSIM_ENV WORKDIR
set -euo pipefail
vmware=$1 sink=$2 env_file=$3 work=$4
# shellcheck source=../lib/vcsim.sh
. "$(dirname "$0")/../lib/vcsim.sh" "$work" "$env_file"  # check.sh, $VCSIM_*, $work/pw, start_sink
trap vcsim_cleanup EXIT
# shellcheck disable=SC2034  # read by check (tests/lib/check.sh)
CHECK_CLEANUP=vcsim_cleanup  # what a check started ends with it
vm() { "$vmware" --url "$VCSIM_URL" --user "$VCSIM_USER" --password-file "$work/pw" --ca-file "$VCSIM_CERT" \
                 --state-dir "${state:-$work/state}" --zabbix-host vc-e2e "$@"; }
# The same, in place of the (background) shell: $! is then zabitan-vmware itself.
vm_exec() { exec "$vmware" --url "$VCSIM_URL" --user "$VCSIM_USER" --password-file "$work/pw" \
                 --ca-file "$VCSIM_CERT" --state-dir "${state:-$work/state}" --zabbix-host vc-e2e "$@"; }
# wait_lines FILE PATTERN N PID: until FILE has N lines matching PATTERN (30 s at most), while
# PID runs.
wait_lines() { wait_for -p "$4" "(( \$(count_lines '$1' '$2') >= $3 ))"; }
no_sample_twice() {
  python3 - "$1" <<'PY'
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
perf = [(r["host"], r["key"], r["clock"]) for r in rows if ".perf[" in r["key"]]
assert perf, "no samples"
assert len(perf) == len(set(perf)), "a sample was sent twice"
PY
}


daemon_three_cycles_then_sigterm() {
  start_sink d
  state=$work/state-d vm_exec --zabbix-server "127.0.0.1:$port" --daemon --interval 1 >"$work/d.out" 2>"$work/d.err" &
  local pid=$!; pids+=("$pid")
  wait_lines "$work/d.out" 'values sent, 0 refused' 3 "$pid"
  kill -TERM "$pid"
  local rc=0; wait "$pid" || rc=$?
  [[ $rc == 0 ]] || { echo "exit $rc"; cat "$work/d.err"; return 1; }
  [[ $(grep -c 'values sent' "$work/d.out") -ge 3 ]]
  expect_exit 1 grep -q 'error' "$work/d.err"
  [[ $(grep -c '"zabitan.vmware.hv.discovery"' "$work/d.jsonl") -ge 3 ]]
  no_sample_twice "$work/d.jsonl"
}
daemon_overrun_logged() {
  # The trapper answers after 1.5 s: every cycle is longer than the 1 s interval.
  start_sink o --delay-ms 1500
  state=$work/state-o vm_exec --zabbix-server "127.0.0.1:$port" --daemon --interval 1 >"$work/o.out" 2>"$work/o.err" &
  local pid=$!; pids+=("$pid")
  wait_lines "$work/o.err" 'longer than the interval (1 s): the next starts now' 2 "$pid"
  kill -INT "$pid"
  local rc=0; wait "$pid" || rc=$?
  [[ $rc == 0 ]] || { echo "exit $rc"; cat "$work/o.err"; return 1; }
}
daemon_session_replaced() {
  # After the first cycle the daemon is stopped and the simulator ends its session; the second
  # cycle must notice (NotAuthenticated) and log in again, without an error.
  start_sink k
  state=$work/state-k vm_exec --zabbix-server "127.0.0.1:$port" --daemon --interval 6 -vv >"$work/k.out" 2>"$work/k.err" &
  local pid=$! key
  pids+=("$pid")
  wait_lines "$work/k.err" 'debug: cycle 1 ended with 0' 1 "$pid"
  kill -STOP "$pid"
  # Stopped between the cycles: nothing of the second one logged yet, nor an overrun (which
  # would start it at once).
  tail -n 1 "$work/k.err" | grep -q 'debug: cycle 1 ended with 0' || {
    kill -CONT "$pid"; echo "the daemon was not stopped between cycles:"; cat "$work/k.err"; return 1; }
  key=$(cat "$work"/state-k/session-*)
  "$sessions" "$env_file" terminate "$key"
  kill -CONT "$pid"
  wait_lines "$work/k.err" 'debug: cycle 2 ended' 1 "$pid"
  kill -TERM "$pid"
  local rc=0
  wait "$pid" || rc=$?
  [[ $rc == 0 ]] || { echo "exit $rc"; cat "$work/k.err"; return 1; }
  grep -q 'debug: cycle 2 ended with 0' "$work/k.err"
  [[ $(grep -c 'debug: new session' "$work/k.err") == 2 ]] || { cat "$work/k.err"; return 1; }
  [[ $(cat "$work"/state-k/session-*) != "$key" ]]
  expect_exit 1 grep -q 'error:' "$work/k.err"
}
spool_when_zabbix_down() {
  start_sink s
  local p=$port
  kill "$sink_pid"; wait "$sink_pid" 2>/dev/null || true  # the port is closed now
  local rc=0
  state=$work/state-s vm --zabbix-server "127.0.0.1:$p" --spool "$work/spool" >"$work/s1.out" 2>"$work/s1.err" || rc=$?
  [[ $rc == 3 ]] || { echo "exit $rc, expected 3"; cat "$work/s1.out" "$work/s1.err"; return 1; }
  [[ $(wc -l <"$work/s1.err") == 1 ]]
  grep -q 'values kept in the spool' "$work/s1.err"
  local spooled
  spooled=$(sed -n 's/.*spooled: \([0-9]*\);.*/\1/p' "$work/s1.out")
  (( spooled > 0 ))
  grep -q "waiting: $spooled\$" "$work/s1.out"
  start_sink s2 --port "$p"
  rc=0
  state=$work/state-s vm --zabbix-server "127.0.0.1:$p" --spool "$work/spool" >"$work/s2.out" 2>"$work/s2.err" || rc=$?
  [[ $rc == 0 ]] || { echo "exit $rc"; cat "$work/s2.out" "$work/s2.err"; return 1; }
  grep -q "delivered from spool: $spooled; waiting: 0\$" "$work/s2.out"
  # The spooled run's values come first: its discovery is the first line the trapper got.
  [[ $(grep -c '"zabitan.vmware.hv.discovery"' "$work/s2.jsonl") == 2 ]]
  head -n 1 "$work/s2.jsonl" | grep -q '"zabitan.vmware.hv.discovery"'
  no_sample_twice "$work/s2.jsonl"
}
failure_reasons() {
  # The fixture takes any non-empty user and password: an empty password is refused.
  printf '\n' >"$work/bad"; chmod 600 "$work/bad"
  local rc=0
  "$vmware" --url "$VCSIM_URL" --user "$VCSIM_USER" --password-file "$work/bad" --ca-file "$VCSIM_CERT" \
    --state-dir "$work/state-f" --zabbix-host x --dry-run 2>"$work/f1.err" || rc=$?
  [[ $rc == 1 && $(wc -l <"$work/f1.err") == 1 ]] || { echo "f1: exit $rc"; cat "$work/f1.err"; return 1; }
  grep -q 'login refused (InvalidLogin)' "$work/f1.err"
  rc=0
  "$vmware" --url "https://127.0.0.1:1/sdk" --user u --password-file "$work/bad" \
    --state-dir "$work/state-f" --zabbix-host x --dry-run 2>"$work/f2.err" || rc=$?
  [[ $rc == 1 && $(wc -l <"$work/f2.err") == 1 ]] || { echo "f2: exit $rc"; cat "$work/f2.err"; return 1; }
  grep -q 'unreachable: ' "$work/f2.err"
  rc=0
  "$vmware" --url "$VCSIM_URL" --user "$VCSIM_USER" --password-file "$work/pw" --thumbprint "00:${VCSIM_THUMBPRINT:3}" \
    --state-dir "$work/state-f" --zabbix-host x --dry-run 2>"$work/f3.err" || rc=$?
  [[ $rc == 1 && $(wc -l <"$work/f3.err") == 1 ]] || { echo "f3: exit $rc"; cat "$work/f3.err"; return 1; }
  grep -q 'TLS mismatch: ' "$work/f3.err"
}
config_keys() {
  start_sink c
  cat >"$work/zabitan.toml" <<EOT
[vmware]
daemon = true
interval = 1
spool = "$work/spool-c"
zabbix_server = "127.0.0.1:$port"
EOT
  state=$work/state-c vm_exec --config "$work/zabitan.toml" >"$work/c.out" 2>"$work/c.err" &
  local pid=$!; pids+=("$pid")
  wait_lines "$work/c.out" 'delivered from spool: 0; waiting: 0' 2 "$pid"
  kill -TERM "$pid"
  local rc=0; wait "$pid" || rc=$?
  [[ $rc == 0 ]] || { echo "exit $rc"; cat "$work/c.err"; return 1; }
  # --once wins over daemon = true.
  state=$work/state-c timeout 20 "$vmware" --url "$VCSIM_URL" --user "$VCSIM_USER" --password-file "$work/pw" \
    --ca-file "$VCSIM_CERT" --state-dir "$work/state-c" --zabbix-host vc-e2e --config "$work/zabitan.toml" --once \
    >"$work/c2.out"
  [[ $(grep -c 'values sent' "$work/c2.out") == 1 ]]
}

catalogue_cached() {
  # Cold: the perfCounter catalogue is read and cached (0600); warm: taken from the cache, one
  # SOAP call fewer; a damaged cache is read again from the endpoint.
  state=$work/state-cc vm --dry-run -v >/dev/null 2>"$work/cc1.err"
  state=$work/state-cc vm --dry-run -vv >/dev/null 2>"$work/cc2.err"
  local cold warm
  cold=$(sed -n 's/.*warning: \([0-9]*\) SOAP calls so far.*/\1/p' "$work/cc1.err")
  warm=$(sed -n 's/.*warning: \([0-9]*\) SOAP calls so far.*/\1/p' "$work/cc2.err")
  echo "SOAP calls: cold $cold, warm $warm"
  [[ -n $cold && -n $warm ]]
  ((warm < cold))
  grep -q 'debug: counter catalogue from ' "$work/cc2.err"
  [[ $(stat -c %a "$work"/state-cc/counters-*.json) == 600 ]]
  echo garbage >"$(ls "$work"/state-cc/counters-*.json)"
  state=$work/state-cc vm --dry-run -vv >"$work/cc3.out" 2>"$work/cc3.err"
  expect_exit 1 grep -q 'debug: counter catalogue from ' "$work/cc3.err"
  grep -q 'zabitan.vmware.vm.perf\[cpu.usage.average\]' "$work/cc3.out"
}

check daemon-three-cycles-then-sigterm daemon_three_cycles_then_sigterm
check daemon-overrun-logged daemon_overrun_logged
check daemon-session-replaced daemon_session_replaced
check spool-when-zabbix-down spool_when_zabbix_down
check failure-reasons failure_reasons
check config-keys config_keys
check catalogue-cached catalogue_cached
check_summary
