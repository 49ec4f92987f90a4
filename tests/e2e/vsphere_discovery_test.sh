#!/usr/bin/env bash
# zabitan-vmware's inventory, discovery and performance counters against the govmomi simulator
# (tests/peers/vcsim with -realistic-perf: "*" expanded to NICs, disks and datastores, zeros
# kept, config.vpxd.stats.maxQueryMetrics set and enforced): every host, VM and datastore
# appears in the LLD JSON with its UUID; each has every documented key (README "zabitan-vmware")
# and no other, per NIC/disk/datastore as its instance discovery says, the discovery before the
# values; --dry-run prints valid zabbix_sender -T input (zabitan-sender takes it unchanged); a
# real run sends the same values; two runs send no sample twice; extra counters come from
# [vmware] vm_counters/hv_counters or --vm-counter/--hv-counter (the flag wins), an unknown one
# is named in a warning and skipped.
# Usage: vsphere_discovery_test.sh ZABITAN_VMWARE ZABITAN_SENDER TRAPPER_SINK VCSIM_ENV WORKDIR
set -euo pipefail
vmware=$1 sender=$2 sink=$3 env_file=$4 work=$5
# shellcheck source=../lib/vcsim.sh
. "$(dirname "$0")/../lib/vcsim.sh" "$work" "$env_file"  # check.sh, $VCSIM_*, $work/pw
# shellcheck source=vsphere_runs.sh
. "$(dirname "$0")/vsphere_runs.sh"  # send, second_run_sends_no_sample_twice
vm_power=$(dirname "$0")/../peers/vcsim/vm-power
target=  # a VM the inventory check powers off: powered on again, also when the check fails
cleanup() {
  kill "$sink_pid" 2>/dev/null || true
  wait 2>/dev/null || true
}
trap cleanup EXIT
power_back() { if [[ -n $target ]]; then "$vm_power" "$env_file" on "$target" >/dev/null 2>&1 || true; fi; }
# shellcheck disable=SC2034  # read by check (tests/lib/check.sh)
CHECK_CLEANUP=power_back  # the inventory check's target is the check's own variable
"$sink" --port 0 --ready-file "$work/ready" --record "$work/rec.jsonl" >/dev/null 2>&1 &
sink_pid=$!
wait_for -p "$sink_pid" '[[ -s $work/ready ]]'
port=$(<"$work/ready")
vm() { "$vmware" --url "$VCSIM_URL" --user "$VCSIM_USER" --password-file "$work/pw" --ca-file "$VCSIM_CERT" \
                 --state-dir "${state:-$work/state}" --zabbix-host vc-e2e "$@"; }

discovery() {
  vm --dry-run -vv >"$work/dry.txt" 2>"$work/dry.err"
  # The simulator was started with -max-query-metrics: the run read it (and stayed within it, or
  # the simulator would have refused a QueryPerf).
  grep -q 'debug: maxQueryMetrics [0-9]' "$work/dry.err"
  expect_exit 1 grep -q 'maxQueryMetrics 256$' "$work/dry.err"
  python3 - "$work/dry.txt" <<'PY'
import json, re, sys
rows = []
for line in open(sys.argv[1]).read().splitlines():
    host, key, clock, ns, value = line.split(" ", 4)  # host key clock ns value (-T -N)
    if value.startswith('"'):
        value = json.loads(value)  # a quoted value: JSON-compatible escapes
    rows.append((host, key, int(clock), value))
def lld(host, key):
    found = [json.loads(v) for h, k, _, v in rows if h == host and k == key]
    assert len(found) == 1, (host, key, len(found))
    return found[0]
hvs = lld("vc-e2e", "zabitan.vmware.hv.discovery")
vms = lld("vc-e2e", "zabitan.vmware.vm.discovery")
dss = lld("vc-e2e", "zabitan.vmware.datastore.discovery")
assert vms and hvs and dss, "empty discovery"
hv_uuids = {h["{#HV.UUID}"] for h in hvs}
vm_uuids = {v["{#VM.UUID}"] for v in vms}
assert all(v["{#VM.HV.UUID}"] in hv_uuids for v in vms), "a VM's host is not discovered"
keys = {}  # host -> {key: first row index}
for i, (h, k, _, _) in enumerate(rows):
    keys.setdefault(h, {}).setdefault(k, i)
assert set(keys) == {"vc-e2e"} | hv_uuids | vm_uuids, "values for an unknown host"

  # The endpoint: LLD and the four sizes of every datastore, nothing else.
expected = {"zabitan.vmware.hv.discovery", "zabitan.vmware.vm.discovery", "zabitan.vmware.datastore.discovery"}
for d in dss:
    expected |= {"zabitan.vmware.datastore.size[%s,%s]" % (d["{#DATASTORE.UUID}"], s)
                 for s in ("total", "free", "provisioned", "uncommitted")}
assert set(keys["vc-e2e"]) == expected, set(keys["vc-e2e"]) ^ expected
size = {k: int(v) for h, k, _, v in rows if "datastore.size[" in k}
for d in dss:
    s = lambda what: size["zabitan.vmware.datastore.size[%s,%s]" % (d["{#DATASTORE.UUID}"], what)]
    assert s("total") > 0 and s("provisioned") == s("total") - s("free") + s("uncommitted")

def check_entity(host, kind, aggregates, per_instance):
    """Every documented key and no other; each instance discovery non-empty and before its values."""
    prefix = "zabitan.vmware.%s." % kind
    want = {prefix + "powerstate", prefix + "uptime"} | {prefix + "perf[%s]" % c for c in aggregates}
    for rule, (macro, counters) in per_instance.items():
        instances = [row[macro] for row in lld(host, prefix + rule)]
        assert instances, (host, rule, "no instances")
        want.add(prefix + rule)
        for inst in instances:
            for c in counters:
                key = prefix + "perf[%s,%s]" % (c, inst)
                want.add(key)
                assert keys[host].get(key, -1) > keys[host][prefix + rule], (host, key, "before its discovery")
    got = set(keys[host])
    assert got == want, (host, sorted(got ^ want))

HV_AGG = ["cpu.usage.average", "cpu.utilization.average", "mem.usage.average", "net.received.average",
          "net.transmitted.average", "power.power.average"]
VM_AGG = ["cpu.usage.average", "cpu.ready.summation", "cpu.latency.average", "mem.consumed.average",
          "mem.active.average", "mem.vmmemctl.average", "mem.swapped.average", "net.received.average",
          "net.transmitted.average"]
NET = ["net.received.average", "net.transmitted.average"]
VDISK = ["virtualDisk.read.average", "virtualDisk.write.average", "virtualDisk.totalReadLatency.average",
         "virtualDisk.totalWriteLatency.average"]
DSLAT = ["datastore.totalReadLatency.average", "datastore.totalWriteLatency.average"]
for h in hv_uuids:
    check_entity(h, "hv", HV_AGG, {"net.discovery": ("{#IFNAME}", NET),
                                   "datastore.discovery": ("{#DATASTORE.INSTANCE}", DSLAT)})
    assert all("{#DATASTORE.NAME}" in row for row in lld(h, "zabitan.vmware.hv.datastore.discovery"))
for v in vm_uuids:
    check_entity(v, "vm", VM_AGG, {"net.discovery": ("{#IFNAME}", NET), "vdisk.discovery": ("{#DISKNAME}", VDISK)})
perf = [r for r in rows if ".perf[" in r[1]]
assert all(clock > 1700000000 for _, _, clock, _ in perf)
assert all(re.fullmatch(r"\d+(\.\d\d)?", v) for _, _, _, v in perf), "a value is not a number"
  # Power states: the numbers of the value maps VMware HostSystemPowerState (0-3) and
  # VMware VirtualMachinePowerState (0-2); the simulator's hosts and VMs start powered on (1).
power = {h: v for h, k, _, v in rows if k in ("zabitan.vmware.hv.powerstate", "zabitan.vmware.vm.powerstate")}
assert set(power) == hv_uuids | vm_uuids, "a hypervisor or VM without its power state"
assert all(power[h] in ("0", "1", "2", "3") for h in hv_uuids), [power[h] for h in hv_uuids]
assert all(power[v] in ("0", "1", "2") for v in vm_uuids), [power[v] for v in vm_uuids]
assert "1" in power.values(), "no hypervisor or VM powered on"
print("ok   discovery: %d hypervisors, %d VMs, %d datastores, %d values (%d performance samples), every key"
      % (len(hvs), len(vms), len(dss), len(rows), len(perf)))
PY
}
dry_run_is_sender_input() {
  local expected
  expected=$(wc -l <"$work/dry.txt")
  ((expected > 0))
  "$sender" -z 127.0.0.1 -p "$port" -T -N -i "$work/dry.txt" >"$work/readback.out"
  grep -q "sent: $expected; skipped: 0; total: $expected" "$work/readback.out"
  [[ $(wc -l <"$work/rec.jsonl") == "$expected" ]]
}

# A run after a pause (here: watermarks set back 30 minutes) asks for samples back to the
# oldest watermark, within realtime's hour, so the pause leaves no gap in Zabbix.
pause_leaves_no_gap() {
  cp -r "$work/state" "$work/state-gap"
  python3 - "$work/state-gap" <<'PY'
import glob, json, sys
for path in glob.glob(sys.argv[1] + "/perf-*.json"):
    marks = json.load(open(path))
    json.dump({uuid: clock - 1800 for uuid, clock in marks.items()}, open(path + ".orig", "w"))
    json.dump({uuid: clock - 1800 for uuid, clock in marks.items()}, open(path, "w"))
PY
  state=$work/state-gap vm --dry-run -vv >"$work/gap.txt" 2>"$work/gap.err"
  python3 - "$work/gap.txt" "$work/gap.err" "$work/state-gap" <<'PY'
import glob, json, re, sys
asked = [int(n) for n in re.findall(r"VirtualMachine: (\d+) samples per series", open(sys.argv[2]).read())]
assert asked and 90 <= asked[0] <= 180, ("samples asked after a 30-minute pause", asked)
marks = {}
for path in glob.glob(sys.argv[3] + "/perf-*.json.orig"):
    marks.update(json.load(open(path)))
clocks = {}
for line in open(sys.argv[1]):
    host, key, clock, ns, value = line.split(" ", 4)
    if key == "zabitan.vmware.vm.perf[cpu.usage.average]":
        assert int(clock) > marks[host], "a sample older than the watermark"
        clocks.setdefault(host, set()).add(int(clock))
assert clocks, "no VM sample after the pause"
fewest = min(len(c) for c in clocks.values())
assert fewest >= 85, ("samples per VM over the 30 minutes", fewest)
print("ok   pause: %d samples per series asked, >= %d per VM sent, none before its watermark" % (asked[0], fewest))
PY
}

# Extra counters: from the config file, an unknown one named and skipped; the flag wins.
extra_counters() {
  cat >"$work/zabitan.toml" <<'EOF'
[vmware]
vm_counters = ["mem.shared.average", "no.such.counter"]
hv_counters = ["mem.consumed.average"]
EOF
  state=$work/state-extra vm --config "$work/zabitan.toml" --dry-run >"$work/extra.txt" 2>"$work/extra.err"
  grep -q 'warning: VM counter "no.such.counter" is not offered by this endpoint: skipped' "$work/extra.err"
  [[ $(grep -c ' zabitan.vmware.vm.perf\[mem.shared.average\] ' "$work/extra.txt") -gt 0 ]]
  [[ $(grep -c ' zabitan.vmware.hv.perf\[mem.consumed.average\] ' "$work/extra.txt") -gt 0 ]]
  state=$work/state-extra vm --config "$work/zabitan.toml" --dry-run \
  --vm-counter cpu.wait.summation --vm-counter mem.shared.average >"$work/flag.txt" 2>"$work/flag.err"
  expect_exit 1 grep -q 'no.such.counter' "$work/flag.err"
  grep -q ' zabitan.vmware.vm.perf\[cpu.wait.summation\] ' "$work/flag.txt"
  grep -q ' zabitan.vmware.vm.perf\[mem.shared.average\] ' "$work/flag.txt"
  grep -q ' zabitan.vmware.hv.perf\[mem.consumed.average\] ' "$work/flag.txt"  # hv_counters still from the file
  python3 - "$work/extra.txt" "$work/flag.txt" <<'PY'
import sys
for path in sys.argv[1:]:
    hosts = {l.split()[0] for l in open(path) if ".perf[mem.shared.average]" in l or ".perf[cpu.wait.summation]" in l}
    vm_hosts = {l.split()[0] for l in open(path) if " zabitan.vmware.vm.powerstate " in l}
    assert hosts == vm_hosts, (path, "an extra counter is missing for a VM")
PY
  printf '[vmware]\nvm_counters = "mem.shared.average"\n' >"$work/bad.toml"
  expect_exit 1 vm --config "$work/bad.toml" --dry-run >/dev/null 2>"$work/bad.err"
  grep -q 'bad.toml:2: vmware.vm_counters: expected an array of strings' "$work/bad.err"
}

# The inventory between runs (README "Inventory"): the first run reads it whole; the next asks
# only for what changed (no more than RetrieveServiceContent, currentSession and one
# WaitForUpdatesEx besides the QueryPerf calls) and still sees a VM that something else powered
# off; --inventory-refresh 0 reads it whole every run; a new session (the old one logged out)
# forgets the old collector and reads it whole.
inv() { state=$work/state-inv vm --dry-run -v "$@"; }
inventory_between_runs() {
  inv >/dev/null 2>"$work/inv1.err"
  grep -q 'CreateFilter 1' "$work/inv1.err"  # the first run read the inventory whole
  "$vm_power" "$env_file" state >"$work/power.txt"
  target=$(awk '$2 == "poweredOn" {print $1; exit}' "$work/power.txt")
  [[ -n $target ]]
  "$vm_power" "$env_file" off "$target"
  inv >"$work/inv2.txt" 2>"$work/inv2.err"
  "$vm_power" "$env_file" on "$target"
  python3 - "$work/inv2.txt" "$work/inv2.err" "$target" <<'PY'
import json, re, sys
rows = [l.split(" ", 4) for l in open(sys.argv[1]).read().splitlines()]
m = re.search(r"(\d+) SOAP calls so far \((.*)\)", open(sys.argv[2]).read())
assert m, "no SOAP call count"
calls = {k: int(v) for k, v in (c.rsplit(" ", 1) for c in m.group(2).split(", "))}
others = sum(n for k, n in calls.items() if k != "QueryPerf")
assert others <= 3 and calls.get("WaitForUpdatesEx") == 1 and "CreateFilter" not in calls, calls
vms = next(json.loads(json.loads(v)) for h, k, c, n, v in rows if k == "zabitan.vmware.vm.discovery")
uuid = next(v["{#VM.UUID}"] for v in vms if v["{#VM.NAME}"] == sys.argv[3])
state = [v for h, k, c, n, v in rows if h == uuid and k == "zabitan.vmware.vm.powerstate"]
assert state == ["0"], (sys.argv[3], "power state after it was powered off", state)
print("ok   inventory: warm run with %d calls besides %d QueryPerf, saw %s powered off" % (others, calls["QueryPerf"], sys.argv[3]))
PY
  inv --inventory-refresh 0 >/dev/null 2>"$work/inv3.err"
  grep -q 'CreateFilter 1' "$work/inv3.err"  # --inventory-refresh 0 read it whole
  state=$work/state-inv vm --logout >/dev/null
  inv >/dev/null 2>"$work/inv4.err"
  # a new session read it whole, without destroying the old session's collector
  grep -q 'CreateFilter 1' "$work/inv4.err"
  expect_exit 1 grep -q 'DestroyPropertyCollector' "$work/inv4.err"
}

# A VM whose metrics do not fit one call (13 + 9 extra counters > the simulator's
# maxQueryMetrics 20) is queried in two calls and still handed over whole: every key of the
# plain run plus the extra counters, and each VM's instance discovery before its values.
split_entities() {
  local extra args c
  extra=(cpu.wait.summation mem.shared.average cpu.idle.summation cpu.run.summation mem.granted.average
       mem.zero.average mem.overhead.average disk.usage.average net.usage.average)
  args=()
  for c in "${extra[@]}"; do args+=(--vm-counter "$c"); done
  state=$work/state-split vm --dry-run -v "${args[@]}" >"$work/split.txt" 2>"$work/split.err"
  python3 - "$work/dry.txt" "$work/split.txt" "${extra[@]}" <<'PY'
import sys
def rows(path):
    return [line.split(" ", 4) for line in open(path).read().splitlines()]
plain, split, extra = rows(sys.argv[1]), rows(sys.argv[2]), sys.argv[3:]
vms = {h for h, k, *_ in plain if k == "zabitan.vmware.vm.powerstate"}
want = {(h, k) for h, k, *_ in plain} | {(h, "zabitan.vmware.vm.perf[%s]" % c) for h in vms for c in extra}
got = {(h, k) for h, k, *_ in split}
assert got == want, ("keys differ", sorted(got ^ want)[:5])
first = {}
for i, (h, k, *_) in enumerate(split):
    first.setdefault((h, k), i)
for (h, k), i in first.items():
    if ".perf[" in k and "," in k:
        lld = [j for (hh, kk), j in first.items() if hh == h and kk.endswith(".discovery")]
        assert lld and min(lld) < i, (h, k, "before its host's instance discovery")
from collections import Counter
twice = [hk for hk, n in Counter((h, k) for h, k, *_ in split if k.endswith(".discovery")).items() if n > 1]
assert not twice, ("an instance discovery sent in parts", twice[:3])
print("ok   split entities: %d VMs over two calls each, every key, each discovery once and first" % len(vms))
PY
}

check discovery discovery
check dry-run-is-sender-input dry_run_is_sender_input
check send send
check second-run-sends-no-sample-twice second_run_sends_no_sample_twice
check pause-leaves-no-gap pause_leaves_no_gap
check extra-counters extra_counters
check inventory-between-runs inventory_between_runs
check split-entities split_entities
check_summary
