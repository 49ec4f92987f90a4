#!/usr/bin/env bash
# zabitan-vmware against a standalone (free) ESXi host: the govmomi simulator in ESXi mode
# (tests/peers/vcsim -mode esx: apiType HostAgent, one host "ha-host", its own counter ids, no
# vpxd options). Every reference comes from RetrieveServiceContent, so the same run that reads
# a vCenter reads the host: the host, each of its VMs and its datastore in the LLD JSON, every
# VM's host among the discovered ones, samples for the host and every VM, maxQueryMetrics taken
# as 256 without asking (an ESXi host has no config.vpxd.stats), a real run at a recording
# trapper, and a second run that asks from the watermarks and sends no sample twice.
# Usage: vsphere_esxi_test.sh ZABITAN_VMWARE TRAPPER_SINK VCSIM_ENV WORKDIR
set -euo pipefail
vmware=$1 sink=$2 env_file=$3 work=$4
# shellcheck source=../lib/vcsim.sh
. "$(dirname "$0")/../lib/vcsim.sh" "$work" "$env_file"  # check.sh, $VCSIM_*, $work/pw
# shellcheck source=vsphere_runs.sh
. "$(dirname "$0")/vsphere_runs.sh"  # send, second_run_sends_no_sample_twice
[[ $VCSIM_MODE == esx ]] || { echo "FAIL the simulator is not in ESXi mode ($VCSIM_MODE)"; exit 1; }
: >"$work/empty.toml"  # not the machine's /etc/zabitan/zabitan.toml
"$sink" --port 0 --ready-file "$work/ready" --record "$work/rec.jsonl" >/dev/null 2>&1 &
sink_pid=$!
trap 'kill "$sink_pid" 2>/dev/null || true; wait 2>/dev/null || true' EXIT
wait_for -p "$sink_pid" '[[ -s $work/ready ]]'
# shellcheck disable=SC2034  # used by vsphere_runs.sh
port=$(<"$work/ready")
vm() { "$vmware" --config "$work/empty.toml" --url "$VCSIM_URL" --user "$VCSIM_USER" --password-file "$work/pw" \
                 --thumbprint "$VCSIM_THUMBPRINT" --state-dir "$work/state" --zabbix-host esx-e2e "$@"; }

dry_run() {
  vm --dry-run -vv >"$work/dry.txt" 2>"$work/dry.err" || { cat "$work/dry.err"; return 1; }
  python3 - "$work/dry.txt" "$work/dry.err" <<'PY'
import json, re, sys
rows = []
for line in open(sys.argv[1]).read().splitlines():
    host, key, clock, ns, value = line.split(" ", 4)
    rows.append((host, key, json.loads(value) if value.startswith('"') else value))
err = open(sys.argv[2]).read()
assert "new session with VMware ESXi" in err, err
assert "debug: maxQueryMetrics 256" in err, "maxQueryMetrics is not the default on ESXi"
calls = re.findall(r"SOAP calls so far \((.*)\)", err)
assert calls and "QueryOptions" not in calls[-1], ("an ESXi host was asked for vpxd options", calls)
def lld(key):
    found = [json.loads(v) for h, k, v in rows if h == "esx-e2e" and k == key]
    assert len(found) == 1, (key, len(found))
    return found[0]
hvs, vms, dss = (lld("zabitan.vmware.%s.discovery" % t) for t in ("hv", "vm", "datastore"))
assert len(hvs) == 1 and len(vms) == 3 and len(dss) == 1, (hvs, vms, dss)
hv = hvs[0]["{#HV.UUID}"]
assert all(v["{#VM.HV.UUID}"] == hv for v in vms), "a VM not on the one host"
vm_uuids = {v["{#VM.UUID}"] for v in vms}
cpu = {h for h, k, _ in rows if k in ("zabitan.vmware.vm.perf[cpu.usage.average]", "zabitan.vmware.hv.perf[cpu.usage.average]")}
assert cpu == vm_uuids | {hv}, "the host or a VM without CPU samples"
power = {h: v for h, k, v in rows if k.endswith(".powerstate")}
assert set(power) == vm_uuids | {hv} and set(power.values()) <= {"0", "1", "2"}, power
ds = dss[0]["{#DATASTORE.UUID}"]
sizes = {k for h, k, _ in rows if k.startswith("zabitan.vmware.datastore.size[")}
assert {"zabitan.vmware.datastore.size[%s,total]" % ds, "zabitan.vmware.datastore.size[%s,free]" % ds} <= sizes, sizes
print("ok   dry run: ESXi host %s with %d VMs and datastore %s, %d values, maxQueryMetrics 256 unasked"
      % (hvs[0]["{#HV.NAME}"], len(vms), dss[0]["{#DATASTORE.NAME}"], len(rows)))
PY
}

check dry-run dry_run
check send send
check second-run-sends-no-sample-twice second_run_sends_no_sample_twice
check_summary
