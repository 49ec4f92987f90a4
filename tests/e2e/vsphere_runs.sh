# shellcheck shell=bash disable=SC2154  # work, port and vm() come from the sourcing test
# Two checks vsphere_discovery_test.sh and vsphere_esxi_test.sh share; they use the test's vm()
# (zabitan-vmware with its endpoint options), $port (the recording trapper) and $work.

# A real run: every value reaches the trapper (recording from scratch), none refused.
send() {
  : >"$work/rec.jsonl"
  vm --zabbix-server "127.0.0.1:$port" >"$work/run.out"
  grep -q "values sent, 0 refused" "$work/run.out"
  [[ -s $work/rec.jsonl ]]
}
# A second run right after: only samples newer than the first run's (watermarks in the state
# folder), so no (host, key, clock) is sent twice; every querySpec of that run asks only for
# the samples after the last one sent (startTime), so the endpoint makes none to be dropped.
# By design startTime is left out while the endpoint's clock (its HTTP Date) is not past the
# watermark, so the run waits for that event first, not for a time (a second run within the
# same second as the newest sample asked without it, and the check failed on a fast machine).
endpoint_clock() { date -d "$(curl -skI "$VCSIM_URL" | sed -n 's/^[Dd]ate: //p' | tr -d '\r')" +%s; }
second_run_sends_no_sample_twice() {
  local newest
  newest=$(python3 -c 'import json, sys
print(max(r["clock"] for r in map(json.loads, open(sys.argv[1])) if ".perf[" in r["key"]))' "$work/rec.jsonl")
  wait_for "(( \$(endpoint_clock) > $newest ))"
  vm --zabbix-server "127.0.0.1:$port" -vv >"$work/run2.out" 2>"$work/run2.err"
  python3 "$(dirname "${BASH_SOURCE[0]}")/vsphere_second_run_check.py" "$work/rec.jsonl" "$work/run2.err"
}
