#!/usr/bin/env bash
# Issue #16: scripts/demo in normal operation shows no error, and its screenshot says what it
# shows. Reads what e2e.demo left (its output, the collector's and zabitan-prom's logs); skipped
# (77) when e2e.demo did not run in this tree.
# Usage: demo_quiet_check.sh DEMO_TEST_WORKDIR DEMO_DIR
set -euo pipefail
out=$1/demo.out log=$2/collector.log
[[ -s $out ]] || { echo "skipped: no $out (e2e.demo did not run here)"; exit 77; }
failed=0
fail() { echo "FAIL $*"; failed=1; }
# An error line of any tool ("zabitan-vmware: error: ...") or a value Zabbix refused, also in
# the zabitan-prom daemon's log (issue #20).
logs=("$out" "$log")
[[ -f $2/prom.log ]] && logs+=("$2/prom.log")
if grep -nE '(^|: )error:|[1-9][0-9]* refused by Zabbix' "${logs[@]}"; then fail "error lines above"; fi
# Values waiting for discovery are said once per run, and the runs end when nothing waits.
grep -q ' wait until Zabbix has created the items' "$out" || fail "the first run did not say what waits"
last_run=$(sed -n '/^== 6\/9/q;p' "$out" | grep -E ' values sent, | wait until Zabbix' | tail -n 1)
[[ $last_run != *"wait until Zabbix"* ]] || fail "values still waiting when the demo went on: $last_run"
found=$(sed -n 's/^Zabbix discovered \([0-9]*\) of \([0-9]*\) .*/\1 \2/p' "$out")
read -r n of <<<"$found"
[[ -n $found && $n == "$of" ]] || fail "discovered hosts: ${found:-none stated}"
grep -q 'zabitan-demo.png: CPU usage of every VM (%) and the scaling group.s running VMs, the last [0-9]* minutes' \
  "$out" || fail "the screenshot's title is not stated"
((failed == 0)) && echo "ok   no error line, nothing left waiting, $n of $of hosts, the graph titled"
exit "$failed"
