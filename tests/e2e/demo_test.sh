#!/usr/bin/env bash
# The README's first command: scripts/demo, as a fresh Debian 12 machine runs it (it installs
# what is missing, Chromium among it, builds build/, starts Zabbix and the simulator, provisions,
# collects, lets the busy VM trigger the scale-up, keeps the collector running as a daemon and
# writes the PNG), then scripts/demo --stop, which must leave nothing of it running. The demo
# is stopped also when this test fails.
# With VERSION (7.0: e2e.demo_zabbix7), `scripts/demo --zabbix VERSION` the same way; first
# interrupted (SIGINT to its process group, as Ctrl-C) once its stack, simulator and node_exporter
# run (step 8/9, zabitan-prom about to run): it must exit 130 and leave none of them running.
# Usage: demo_test.sh SOURCE_DIR BINARY_DIR WORKDIR [VERSION]
set -euo pipefail
src=$1 bin=$2 work=$3 version=${4:-}
# The demo builds and uses SOURCE_DIR/build: from another build tree it would test that one, so
# it is skipped there (ctest lists it); CI (CI=true) runs scripts/test, whose tree is build/.
if [[ $(cd "$bin" && pwd -P) != $(cd "$src" && pwd -P)/build ]]; then
  [[ ${CI:-} == true ]] && { echo "FAIL $bin is not $src/build, and CI=true allows no skip"; exit 1; }
  echo "skipped: $bin is not $src/build, the tree scripts/demo builds and uses"; exit 77
fi
case $version in
  "") args=() demo=$src/build/demo stack=/tmp/zabitan-demo-zabbix want=6.0 ;;
  7.0) args=(--zabbix 7.0) demo=$src/build/demo-zabbix7 stack=/tmp/zabitan-demo-zabbix7 want=7.0 ;;
  *) echo "FAIL demo_test.sh: version $version: 7.0 or none"; exit 1 ;;
esac
rm -rf "$work" && mkdir -p "$work"
# --stop of this version only: the other version's demo test may be running.
trap '"$src/scripts/demo" --stop --zabbix "$want" >>"$work/stop.out" 2>&1 || true' EXIT
passed=0
# alive PID...: those still running, not zombies (kill -0 succeeds on zombies, which PID 1 may reap slowly).
alive() {
  local pid
  for pid in "$@"; do
    [[ -r /proc/$pid/status ]] && ! grep -q '^State:[[:space:]]*Z' "/proc/$pid/status" && echo "$pid"
  done
  return 0
}
# ours: PIDs the demo's PID files name, and every process of the sessions of the stack's daemons
# (zabbix_server's ~50 children, PostgreSQL's, php's workers), but never this test's own session.
ours() {
  local pid sid me
  cat "$demo/collector.pid" "$demo/vcsim/vcsim.pid" 2>/dev/null | grep -E '^[0-9]+$' || true
  cut -d' ' -f1 "$demo/node-exporter/pids" 2>/dev/null || true
  cat "$demo/prom.pid" 2>/dev/null || true
  me=$(ps -o sid= -p $$ | tr -d ' ')
  for pid in $(cat "$stack"/run/*.pid 2>/dev/null | grep -E '^[0-9]+$'); do
    echo "$pid"
    sid=$(ps -o sid= -p "$pid" | tr -d ' ') || continue
    [[ -n $sid && $sid != "$me" ]] && ps -e -o pid=,sid= | awk -v s="$sid" '$2 == s {print $1}'
  done
  return 0
}

if [[ -n $version ]]; then
  # 1. Ctrl-C during the run: in a session of its own, so the signal goes to the demo's group
  # only; SIGINT back to its default first (bash starts background commands with it ignored,
  # and a shell cannot trap a signal ignored on entry).
  python3 -c 'import os, signal, sys; signal.signal(signal.SIGINT, signal.SIG_DFL); os.setsid(); os.execv(sys.argv[1], sys.argv[1:])' \
    "$src/scripts/demo" "${args[@]}" >"$work/interrupted.out" 2>&1 &
  pgid=$!
  deadline=$((SECONDS + 600))
  until grep -q '^  zabitan-prom --target' "$work/interrupted.out"; do
    kill -0 "$pgid" 2>/dev/null || { echo "FAIL the demo ended before step 8/9's zabitan-prom:"; tail -n 20 "$work/interrupted.out"; exit 1; }
    ((SECONDS < deadline)) || { echo "FAIL no step 8/9 within 600 s"; exit 1; }
    sleep 0.2
  done
  before=$(ours | sort -u)
  [[ $(wc -w <"$demo/node-exporter/pids") == 4 && -n $before ]] || {
    echo "FAIL step 8/9 reached, but no PIDs of the stack, the simulator and node_exporter"; exit 1; }
  kill -INT -- "-$pgid"
  rc=0
  wait "$pgid" || rc=$?
  ((rc == 130)) || { echo "FAIL the interrupted demo exited $rc, not 130"; tail -n 20 "$work/interrupted.out"; exit 1; }
  grep -q '^demo: failed (exit 130); stopping what it started' "$work/interrupted.out" || {
    echo "FAIL the interrupted demo did not say it stops what it started"; exit 1; }
  # shellcheck disable=SC2046,SC2086  # one PID a word
  left=$(alive $before $(ours) | xargs)
  [[ -z $left ]] || { echo "FAIL still running after Ctrl-C: $left"; ps -o pid,args -p "${left// /,}"; exit 1; }
  echo "ok   Ctrl-C at step 8/9: exit 130, its $(wc -w <<<"$before") processes (stack, simulator, collector, node_exporter) stopped"
  passed=$((passed + 1))
fi

start=$SECONDS
if ! "$src/scripts/demo" "${args[@]}" >"$work/demo.out" 2>&1; then
  echo "FAIL scripts/demo${args[*]:+ ${args[*]}} exited non-zero:"; tail -n 40 "$work/demo.out"; exit 1
fi
echo "ok   scripts/demo${args[*]:+ ${args[*]}} finished in $((SECONDS - start)) s"
for step in 1 2 3 4 5 6 7 8 9; do
  grep -q "^== $step/9 " "$work/demo.out" || { echo "FAIL step $step/9 not stated"; exit 1; }
done
grep -q 'simulator: DC0_C0_RP0_VM2 poweredOn' "$work/demo.out" || { echo "FAIL no scale-up in the simulator"; exit 1; }
grep -q 'zabitan.remote.result: .*powered on' "$work/demo.out" || { echo "FAIL the scale-up was not reported"; exit 1; }
grep -q 'Zabbix UI: http://127.0.0.1:[0-9]*/ *(user Admin, password zabbix)' "$work/demo.out" || {
  echo "FAIL where the Zabbix UI is and how to log in is not printed"; exit 1; }
# Issue #20: node_exporter bridged by zabitan-prom (its template from `zabitan-prom template`):
# every family discovered, every item with a value, and a counter read back through the API that
# node_exporter's present value bounds (a CPU's seconds in one mode grow by at most one a second:
# 0 <= now - stored <= age + 2), and its rate computed by Zabbix (0 to 1 s/s, +10 % for jitter).
fams=$(grep -E '^Zabbix discovered [0-9]+ of [0-9]+ node_exporter families' "$work/demo.out" || true)
if ! [[ $fams =~ discovered\ ([0-9]+)\ of\ ([0-9]+)\ node_exporter\ families\ as\ ([0-9]+)\ items\ on\ node-exporter-demo\ \(([0-9]+)\ with ]] ||
  ! ((BASH_REMATCH[1] == BASH_REMATCH[2] && BASH_REMATCH[1] >= 50 && BASH_REMATCH[4] == BASH_REMATCH[3])); then
  echo "FAIL node_exporter's families and values in Zabbix: ${fams:-nothing stated}"; exit 1
fi
families="${BASH_REMATCH[1]} of ${BASH_REMATCH[2]} families, ${BASH_REMATCH[3]} items with a value"
grep -qE '^  Zabbix, node-exporter-demo prom.value\[node_load1,\]: [0-9.]+ \(at ' "$work/demo.out" || {
  echo "FAIL no node_load1 in Zabbix: $(grep 'node_load1' "$work/demo.out")"; exit 1; }
rate=$(grep -E '^  Zabbix, node-exporter-demo prom.rate\[node_cpu_seconds_total' "$work/demo.out" || true)
if ! [[ $rate =~ \]:\ ([0-9.]+)\ \(at ]] ||
  ! python3 -c 'import sys; sys.exit(0 if 0 <= float(sys.argv[1]) <= 1.1 else 1)' "${BASH_REMATCH[1]}"; then
  echo "FAIL the rate of cpu0's user seconds in Zabbix: ${rate:-none}"; exit 1
fi
rate=${BASH_REMATCH[1]}
cpu=$(grep -E '^  Zabbix, node-exporter-demo prom.value\[node_cpu_seconds_total' "$work/demo.out" || true)
[[ $cpu =~ \]:\ ([0-9.]+)\ s\ \(at\ [0-9:]+\ UTC,\ ([0-9]+)\ s\ ago\)\;\ node_exporter\ now:\ ([0-9.]+)\ s$ ]] || {
  echo "FAIL cpu0's user seconds were not read back: ${cpu:-nothing}"; exit 1; }
python3 -c 'import sys; v, age, now = map(float, sys.argv[1:]); sys.exit(0 if 0 <= now - v <= age + 2 else 1)' \
  "${BASH_REMATCH[1]}" "${BASH_REMATCH[2]}" "${BASH_REMATCH[3]}" || {
  echo "FAIL Zabbix's ${BASH_REMATCH[1]} s (${BASH_REMATCH[2]} s old) do not fit node_exporter's ${BASH_REMATCH[3]} s"; exit 1; }
echo "ok   node_exporter → zabitan-prom → Zabbix: $families; cpu0's user seconds ${BASH_REMATCH[1]}" \
  "(${BASH_REMATCH[2]} s old; node_exporter now ${BASH_REMATCH[3]}), its rate $rate s/s"
passed=$((passed + 1))
# The server the demo left running is the version asked for.
got=$(python3 "$src/tests/peers/zabbix-server/zapi.py" --env "$stack/env" version)
[[ $got == "$want".* ]] || { echo "FAIL the demo's Zabbix is $got, not $want"; exit 1; }
png=$demo/zabitan-demo.png
# A 1280x720 page of a graph with several lines is tens of KB; a blank or error page far less.
(($(stat -c %s "$png") > 20000)) || { echo "FAIL $png is only $(stat -c %s "$png") bytes"; exit 1; }
python3 "$src/tests/e2e/demo_png_check.py" "$png" 1280 720 30
# What the screenshot script read from the page before the shot: the graph image chart.php
# drew (not an error picture, not a login page), titled as the demo said.
title=$(sed -n "s|^  $png: ||p" "$work/demo.out")
seen=$(grep -E "^  from the Zabbix $want frontend at http://127.0.0.1:[0-9]+/: " "$work/demo.out" | sed 's/^[^/]*\/\/[^ ]* //')
[[ $seen =~ ^1280x720\ PNG\ of\ image/png\ ([0-9]+)x([0-9]+),\ title:\ (.*)$ ]] || {
  echo "FAIL what the page showed is not stated as a graph image: ${seen:-nothing}"; exit 1; }
((BASH_REMATCH[1] >= 1000 && BASH_REMATCH[2] >= 300)) || {
  echo "FAIL the graph image is ${BASH_REMATCH[1]}x${BASH_REMATCH[2]} pixels"; exit 1; }
[[ -n $title && ${BASH_REMATCH[3]} == "$title" && $title == "CPU usage of every VM"* ]] || {
  echo "FAIL the page's title \"${BASH_REMATCH[3]}\" is not the demo's \"$title\""; exit 1; }
echo "ok   Zabbix $got; every step stated, the scale-up done and reported, $png written" \
  "($(stat -c %s "$png") bytes; graph ${BASH_REMATCH[1]}x${BASH_REMATCH[2]}, titled \"$title\")"
passed=$((passed + 1))

collector=$(cat "$demo/collector.pid")
kill -0 "$collector" || { echo "FAIL the collector daemon is not running"; exit 1; }
pids=$(ours | sort -u)
[[ -n $pids ]] || { echo "FAIL no PID files of the simulator and the Zabbix stack"; exit 1; }
"$src/scripts/demo" --stop --zabbix "$want" >"$work/stop.out" 2>&1
trap - EXIT
# shellcheck disable=SC2046,SC2086  # one PID a word
left=$(alive $collector $pids $(ours) | xargs)
[[ -z $left ]] || { echo "FAIL still running after --stop: $left"; ps -o pid,args -p "${left// /,}"; exit 1; }
echo "ok   scripts/demo --stop --zabbix $want: collector, zabitan-prom, simulator, node_exporter and Zabbix stack stopped"
passed=$((passed + 2))
echo "$passed passed, 0 failed"
