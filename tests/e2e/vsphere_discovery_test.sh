#!/usr/bin/env bash
# zabitan-vmware's inventory and discovery against the govmomi simulator: every host, VM and
# datastore appears in the LLD JSON with its UUID; each has its values; --dry-run prints valid
# zabbix_sender -T input (zabitan-sender takes it unchanged); a real run sends the same values.
# Usage: vsphere_discovery_test.sh ZABITAN_VMWARE ZABITAN_SENDER TRAPPER_SINK VCSIM_ENV WORKDIR
set -euo pipefail
vmware=$1 sender=$2 sink=$3 env_file=$4 work=$5
rm -rf "$work" && mkdir -p "$work"
# shellcheck disable=SC1090
. "$env_file"
printf '%s\n' "$VCSIM_PASSWORD" >"$work/pw"; chmod 600 "$work/pw"
sink_pid=
trap '[[ -n $sink_pid ]] && kill "$sink_pid" 2>/dev/null; wait 2>/dev/null || true' EXIT
"$sink" --port 0 --ready-file "$work/ready" --record "$work/rec.jsonl" >/dev/null 2>&1 &
sink_pid=$!
for _ in $(seq 1 500); do [[ -s $work/ready ]] && break; sleep 0.01; done
port=$(<"$work/ready")
vm() { "$vmware" --url "$VCSIM_URL" --user "$VCSIM_USER" --password-file "$work/pw" --ca-file "$VCSIM_CERT" \
                 --state-dir "$work/state" --zabbix-host vc-e2e "$@"; }

vm --dry-run >"$work/dry.txt"
python3 - "$work/dry.txt" <<'PY'
import json, sys
lines = open(sys.argv[1]).read().splitlines()
def lld(key):
    line = next(l for l in lines if l.split(" ", 2)[1] == key)
    text = line.split(" ", 4)[4]  # host key clock ns value
    return json.loads(json.loads(text))  # the value is a quoted JSON string
hvs, vms, dss = lld("zabitan.vmware.hv.discovery"), lld("zabitan.vmware.vm.discovery"), lld("zabitan.vmware.datastore.discovery")
hv_uuids = {h["{#HV.UUID}"] for h in hvs}
vm_power = [l for l in lines if " zabitan.vmware.vm.powerstate " in l]
hv_power = [l for l in lines if " zabitan.vmware.hv.powerstate " in l]
assert vms and hvs and dss, "empty discovery"
assert len(vm_power) == len(vms) and len(hv_power) == len(hvs), (len(vm_power), len(vms))
assert all(v["{#VM.HV.UUID}"] in hv_uuids for v in vms), "a VM's host is not discovered"
assert {l.split()[0] for l in vm_power} == {v["{#VM.UUID}"] for v in vms}
sizes = [l for l in lines if "zabitan.vmware.datastore.size[" in l]
assert len(sizes) == 2 * len(dss) and all(int(l.split()[-1]) >= 0 for l in sizes)
perf = [l.split(" ", 4) for l in lines if ".perf[" in l]
assert {p[0] for p in perf} == {v["{#VM.UUID}"] for v in vms} | hv_uuids, "an entity has no samples"
assert all(int(p[2]) > 1700000000 for p in perf)
print("ok   discovery: %d hypervisors, %d VMs, %d datastores, %d values (%d performance samples)"
      % (len(hvs), len(vms), len(dss), len(lines), len(perf)))
PY
expected=$(wc -l <"$work/dry.txt")

"$sender" -z 127.0.0.1 -p "$port" -T -N -i "$work/dry.txt" >/dev/null
[[ $(wc -l <"$work/rec.jsonl") == "$expected" ]] || { echo "FAIL dry-run output is not zabitan-sender input"; exit 1; }
echo "ok   dry-run: $expected lines read back by zabitan-sender -T -N"

: >"$work/rec.jsonl"
vm --zabbix-server "127.0.0.1:$port" >"$work/run.out"
grep -q "values sent, 0 refused" "$work/run.out"
echo "ok   send: $(cat "$work/run.out")"

# A second run right after: only samples newer than the first run's (watermarks in the state
# folder), so no (host, key, clock) is sent twice.
vm --zabbix-server "127.0.0.1:$port" >"$work/run2.out"
python3 - "$work/rec.jsonl" <<'PY'
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
perf = [(r["host"], r["key"], r["clock"]) for r in rows if ".perf[" in r["key"]]
assert perf and len(perf) == len(set(perf)), "a sample was sent twice"
print("ok   watermarks: %d samples over two runs, none twice" % len(perf))
PY
echo "4 passed, 0 failed"
