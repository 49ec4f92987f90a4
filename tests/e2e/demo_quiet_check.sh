#!/usr/bin/env bash
# Issue #16: scripts/demo in normal operation shows no error, and its screenshot says what it
# shows. Reads what e2e.demo left (its output, the collector's and zabitan-prom's logs); skipped
# (77) when e2e.demo did not run in this tree.
# Usage: demo_quiet_check.sh DEMO_TEST_WORKDIR DEMO_DIR
set -euo pipefail
out=$1/demo.out collector_log=$2/collector.log prom_log=$2/prom.log
[[ -s $out ]] || { echo "skipped: no $out (e2e.demo did not run here)"; exit 77; }
mkdir -p "$1/quiet"
# shellcheck source=../lib/check.sh disable=SC1091
. "$(dirname "$0")/../lib/check.sh"
check_init "$1/quiet"

# An error line of any tool ("zabitan-vmware: error: ...") or a value Zabbix refused, also in
# the daemons' logs.
no_error_line() {
  local logs=("$out" "$collector_log")
  if [[ -f $prom_log ]]; then logs+=("$prom_log"); fi
  expect_exit 1 grep -nE '(^|: )error:|[1-9][0-9]* refused by Zabbix' "${logs[@]}"
  echo "info: in ${logs[*]##*/}"
}
# Values waiting for discovery are said once per run, and the collector's runs end when nothing
# waits (its runs are the output before step 6/9).
nothing_left_waiting() {
  local last_run
  grep -q ' wait until Zabbix has created the items' "$out"
  last_run=$(sed -n '/^== 6\/9/q;p' "$out" | grep -E ' values sent, | wait until Zabbix' | tail -n 1)
  [[ -n $last_run && $last_run != *"wait until Zabbix"* ]]
}
every_host_discovered() {
  local found n of
  found=$(sed -n 's/^Zabbix discovered \([0-9]*\) of \([0-9]*\) hypervisors.*/\1 \2/p' "$out")
  read -r n of <<<"$found"
  [[ -n $found && $n == "$of" ]]
  echo "info: $n of $of hypervisors and VMs"
}
graph_titled() {
  grep -q 'zabitan-demo.png: CPU usage of every VM (%) and the scaling group.s running VMs, the last [0-9]* minutes' "$out"
}

check no-error no_error_line
check nothing-waits nothing_left_waiting
check hosts every_host_discovered
check graph-titled graph_titled
check_summary
