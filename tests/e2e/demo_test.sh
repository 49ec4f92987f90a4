#!/usr/bin/env bash
# The README's first command: scripts/demo, as a fresh Debian 12 machine runs it (it installs
# what is missing, Chromium among it, builds build/, starts Zabbix and the simulator, provisions,
# collects, lets the busy VM trigger the scale-up, keeps the collector running as a daemon and
# writes the PNG), then scripts/demo --stop, which must leave nothing of it running. The demo
# is stopped also when this test fails.
# Usage: demo_test.sh SOURCE_DIR BINARY_DIR WORKDIR
set -euo pipefail
src=$1 bin=$2 work=$3
# The demo builds and uses SOURCE_DIR/build: from another build tree it would test that one, so
# it is skipped there (ctest lists it); CI (CI=true) runs scripts/test, whose tree is build/.
if [[ $(cd "$bin" && pwd -P) != $(cd "$src" && pwd -P)/build ]]; then
  [[ ${CI:-} == true ]] && { echo "FAIL $bin is not $src/build, and CI=true allows no skip"; exit 1; }
  echo "skipped: $bin is not $src/build, the tree scripts/demo builds and uses"; exit 77
fi
rm -rf "$work" && mkdir -p "$work"
demo=$src/build/demo
trap '"$src/scripts/demo" --stop >>"$work/stop.out" 2>&1 || true' EXIT

start=$SECONDS
if ! "$src/scripts/demo" >"$work/demo.out" 2>&1; then
  echo "FAIL scripts/demo exited non-zero:"; tail -n 40 "$work/demo.out"; exit 1
fi
echo "ok   scripts/demo finished in $((SECONDS - start)) s"
for step in 1 2 3 4 5 6 7 8; do
  grep -q "^== $step/8 " "$work/demo.out" || { echo "FAIL step $step/8 not stated"; exit 1; }
done
grep -q 'simulator: DC0_C0_RP0_VM2 poweredOn' "$work/demo.out" || { echo "FAIL no scale-up in the simulator"; exit 1; }
grep -q 'zabitan.remote.result: .*powered on' "$work/demo.out" || { echo "FAIL the scale-up was not reported"; exit 1; }
grep -q 'Zabbix UI: http://127.0.0.1:[0-9]*/ *(user Admin, password zabbix)' "$work/demo.out" || {
  echo "FAIL where the Zabbix UI is and how to log in is not printed"; exit 1; }
png=$demo/zabitan-demo.png
[[ $(head -c 8 "$png" | od -An -tx1 | tr -d ' \n') == 89504e470d0a1a0a ]] || { echo "FAIL $png is not a PNG"; exit 1; }
# A 1280x720 page of a graph with several lines is tens of KB; a blank or error page far less.
(($(stat -c %s "$png") > 20000)) || { echo "FAIL $png is only $(stat -c %s "$png") bytes"; exit 1; }
echo "ok   every step stated, the scale-up done and reported, $png written ($(stat -c %s "$png") bytes)"

collector=$(cat "$demo/collector.pid")
kill -0 "$collector" || { echo "FAIL the collector daemon is not running"; exit 1; }
pids=$(cat "$demo/vcsim/vcsim.pid" /tmp/zabitan-demo-zabbix/run/*.pid 2>/dev/null | grep -E '^[0-9]+$' || true)
[[ -n $pids ]] || { echo "FAIL no PID files of the simulator and the Zabbix stack"; exit 1; }
"$src/scripts/demo" --stop >"$work/stop.out" 2>&1
trap - EXIT
left=()
for pid in $collector $pids; do
  # Alive and not a zombie (kill -0 succeeds on zombies, which PID 1 may reap slowly).
  [[ -r /proc/$pid/status ]] && ! grep -q '^State:[[:space:]]*Z' "/proc/$pid/status" && left+=("$pid")
done
((${#left[@]} == 0)) || { echo "FAIL still running after --stop: ${left[*]}"; ps -o pid,args -p "${left[*]}"; exit 1; }
echo "ok   scripts/demo --stop: collector, simulator and Zabbix stack stopped"
echo "3 passed, 0 failed"
