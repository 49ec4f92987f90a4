#!/usr/bin/env bash
# The README's first command: scripts/demo, as a fresh Debian 12 machine runs it (it installs
# what is missing, Chromium among it, builds build/, starts Zabbix and the simulator, provisions,
# collects, lets the busy VM trigger the scale-up, keeps the collector running as a daemon,
# bridges node_exporter through zabitan-prom and writes the PNG), then scripts/demo --stop, which
# must leave nothing of it running. The demo is stopped also when this test fails.
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
# shellcheck source=../lib/check.sh disable=SC1091
. "$(dirname "$0")/../lib/check.sh"
check_init "$work"
# --stop of this version only: the other version's demo test may be running.
trap '"$src/scripts/demo" --stop --zabbix "$want" >>"$work/stop.out" 2>&1 || true' EXIT
out=$work/demo.out png=$demo/zabitan-demo.png

# alive PID...: those still running, not zombies (kill -0 succeeds on zombies, which PID 1 may
# reap slowly), on one line.
alive() {
  local pid
  for pid in "$@"; do
    if [[ -r /proc/$pid/status ]] && ! grep -q '^State:[[:space:]]*Z' "/proc/$pid/status"; then echo "$pid"; fi
  done | xargs
}
# ours: PIDs the demo's PID files name, and every process of the sessions of the stack's daemons
# (zabbix_server's ~50 children, PostgreSQL's, php's workers), but never this test's own session.
ours() {
  local pid sid me
  cat "$demo/collector.pid" "$demo/prom.pid" "$demo/vcsim/vcsim.pid" 2>/dev/null | grep -E '^[0-9]+$' || true
  cut -d' ' -f1 "$demo/node-exporter/pids" 2>/dev/null || true
  me=$(ps -o sid= -p $$ | tr -d ' ')
  # Every step here may fail (no PID file yet, a PID gone) without failing the check: || true.
  for pid in $(cat "$stack"/run/*.pid 2>/dev/null | grep -E '^[0-9]+$' || true); do
    echo "$pid"
    sid=$(ps -o sid= -p "$pid" | tr -d ' ') || continue
    if [[ -n $sid && $sid != "$me" ]]; then ps -e -o pid=,sid= | awk -v s="$sid" '$2 == s {print $1}'; fi
  done
  return 0
}
# line PATTERN: the demo's output line matching PATTERN (ERE), or nothing.
line() { grep -E "$1" "$out" | tail -n 1 || true; }
# in_range LOW X HIGH: LOW <= X <= HIGH, as numbers.
in_range() { python3 -c 'import sys; a, x, b = map(float, sys.argv[1:]); sys.exit(0 if a <= x <= b else 1)' "$@"; }

# 1. (7.0) Ctrl-C during the run: in a session of its own, so the signal goes to the demo's group
# only; SIGINT back to its default first (bash starts background commands with it ignored, and a
# shell cannot trap a signal ignored on entry).
interrupted() {
  local pgid rc=0 before left
  python3 -c 'import os, signal, sys; signal.signal(signal.SIGINT, signal.SIG_DFL); os.setsid(); os.execv(sys.argv[1], sys.argv[1:])' \
    "$src/scripts/demo" "${args[@]}" >"$work/interrupted.out" 2>&1 &
  pgid=$!
  wait_for -t 600 -p "$pgid" grep -q '^  zabitan-prom --target' "$work/interrupted.out"
  before=$(ours | sort -u | xargs)
  [[ $(wc -w <"$demo/node-exporter/pids") == 4 && -n $before ]]
  kill -INT -- "-$pgid"
  wait "$pgid" || rc=$?
  [[ $rc == 130 ]]
  grep -q '^demo: failed (exit 130); stopping what it started' "$work/interrupted.out"
  # shellcheck disable=SC2046,SC2086  # one PID a word
  left=$(alive $before $(ours))
  if [[ -n $left ]]; then ps -o pid,args -p "${left// /,}"; fi
  [[ -z $left ]]
  echo "info: exit 130 at step 8/9, its $(wc -w <<<"$before") processes (stack, simulator, collector, node_exporter) stopped"
}

# 2. The whole demo.
demo_runs() {
  local start=$SECONDS
  "$src/scripts/demo" "${args[@]}" >"$out" 2>&1 || { tail -n 40 "$out"; return 1; }
  echo "info: scripts/demo${args[*]:+ ${args[*]}} in $((SECONDS - start)) s"
}
story_told() {
  local step got
  for step in 1 2 3 4 5 6 7 8 9; do grep -q "^== $step/9 " "$out"; done
  grep -q 'simulator: DC0_C0_RP0_VM2 poweredOn' "$out"
  grep -q 'zabitan.remote.result: .*powered on' "$out"
  grep -q 'Zabbix UI: http://127.0.0.1:[0-9]*/ *(user Admin, password zabbix)' "$out"
  # The server the demo left running is the version asked for.
  got=$(python3 "$src/tests/peers/zabbix-server/zapi.py" --env "$stack/env" version)
  [[ $got == "$want".* ]]
  echo "info: Zabbix $got; 9 steps stated, the scale-up done in the simulator and reported"
}
# Issue #20: node_exporter bridged by zabitan-prom (its template from `zabitan-prom template`):
# every family discovered, every item with a value, a counter read back through the API that
# node_exporter's present value bounds (a CPU's seconds in one mode grow by at most one a second:
# 0 <= now - stored <= age + 2), and its rate computed by Zabbix from two --once runs at least
# 6 s apart: at most 1 s/s, but the clocks are whole seconds, so up to 7/6 of it: 0 to 1.2.
prom_bridged() {
  local fams rate cpu
  fams=$(line '^Zabbix discovered [0-9]+ of [0-9]+ node_exporter families')
  [[ $fams =~ discovered\ ([0-9]+)\ of\ ([0-9]+)\ node_exporter\ families\ as\ ([0-9]+)\ items\ on\ node-exporter-demo\ \(([0-9]+)\ with ]]
  ((BASH_REMATCH[1] == BASH_REMATCH[2]))  # every family has items
  ((BASH_REMATCH[1] >= 50))               # node_exporter's default collectors: ~280 here
  ((BASH_REMATCH[4] == BASH_REMATCH[3]))  # every item has a value
  fams="${BASH_REMATCH[1]} of ${BASH_REMATCH[2]} families, ${BASH_REMATCH[3]} items with a value"
  grep -qE '^  Zabbix, node-exporter-demo prom.value\[node_load1,\]: [0-9.]+ \(at ' "$out"
  rate=$(line '^  Zabbix, node-exporter-demo prom.rate\[node_cpu_seconds_total')
  [[ $rate =~ \]:\ ([0-9.]+)\ \(at ]]
  rate=${BASH_REMATCH[1]}
  in_range 0 "$rate" 1.2
  cpu=$(line '^  Zabbix, node-exporter-demo prom.value\[node_cpu_seconds_total')
  [[ $cpu =~ \]:\ ([0-9.]+)\ s\ \(at\ [0-9:]+\ UTC,\ ([0-9]+)\ s\ ago\)\;\ node_exporter\ now:\ ([0-9.]+)\ s$ ]]
  in_range 0 "$(python3 -c 'import sys; print(float(sys.argv[2]) - float(sys.argv[1]))' "${BASH_REMATCH[1]}" "${BASH_REMATCH[3]}")" \
    "$((BASH_REMATCH[2] + 2))"
  echo "info: $fams; cpu0's user seconds ${BASH_REMATCH[1]} (${BASH_REMATCH[2]} s old; node_exporter now" \
    "${BASH_REMATCH[3]}), their rate $rate s/s"
}
# The screenshot: a decoded PNG of the graph (tests/e2e/demo_png_check.py), and what the
# screenshot script read from the page before the shot: the graph image chart.php drew (not an
# error picture, not a login page), titled as the demo said.
screenshot() {
  local title seen
  # A 1280x720 page of a graph with several lines is tens of KB; a blank or error page far less.
  (($(stat -c %s "$png") > 20000))
  python3 "$src/tests/e2e/demo_png_check.py" "$png" 1280 720 30
  title=$(sed -n "s|^  $png: ||p" "$out")
  seen=$(line "^  from the Zabbix $want frontend at http://127.0.0.1:[0-9]+/: ")
  [[ ${seen#*/: } =~ ^1280x720\ PNG\ of\ image/png\ ([0-9]+)x([0-9]+),\ title:\ (.*)$ ]]
  ((BASH_REMATCH[1] >= 1000))
  ((BASH_REMATCH[2] >= 300))
  [[ $title == "CPU usage of every VM"* ]]
  [[ ${BASH_REMATCH[3]} == "$title" ]]
  echo "info: $(stat -c %s "$png") bytes, graph ${BASH_REMATCH[1]}x${BASH_REMATCH[2]} from the $want frontend, \"$title\""
}
# 3. --stop leaves none of it running.
stopped() {
  local collector prom pids left
  collector=$(<"$demo/collector.pid")
  prom=$(<"$demo/prom.pid")
  kill -0 "$collector"
  kill -0 "$prom"
  pids=$(ours | sort -u | xargs)
  [[ -n $pids ]]
  "$src/scripts/demo" --stop --zabbix "$want" >"$work/stop.out" 2>&1
  # shellcheck disable=SC2046,SC2086  # one PID a word
  left=$(alive $pids $(ours))
  if [[ -n $left ]]; then ps -o pid,args -p "${left// /,}"; fi
  [[ -z $left ]]
  echo "info: collector, zabitan-prom, simulator, node_exporter and the Zabbix stack ($(wc -w <<<"$pids") processes)"
}

if [[ -n $version ]]; then check ctrl-c interrupted; fi
check demo demo_runs
if [[ -s $out ]]; then
  check story story_told
  check node-exporter prom_bridged
  check screenshot screenshot
  check stop stopped
fi
trap - EXIT
"$src/scripts/demo" --stop --zabbix "$want" >>"$work/stop.out" 2>&1
check_summary
