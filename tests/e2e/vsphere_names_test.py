#!/usr/bin/env python3
"""e2e: VMs and hypervisors of one name all get a Zabbix host (Zabbix refuses a second host of
one visible name: LLD's "host with the same visible name ... already exists").

Usage: vsphere_names_test.py ZABITAN_VMWARE TEMPLATES_DIR STACK_ENV WORKDIR VCSIM_A_ENV VCSIM_B_ENV

Two simulated vCenters of one shape (tests/peers/vcsim -uuid-seed: the same VM and host names,
distinct UUIDs, as two real vCenters with overlapping names); in A two VMs share one name (-rename,
as two folders would), in B a VM is named like its hypervisor. Two collectors (--once, as cron) send to one Zabbix server (STACK_ENV: 6.0
or 7.0), one endpoint host each; B runs with --name-suffix (names that collide across vCenters).
Checks: both collectors converge (nothing waits for discovery); no discovery rule of either
endpoint has an error; every VM and hypervisor UUID of both simulators is a host, with its power
state in history; the visible names are the plain names where unique in their vCenter, the rule of
vmware-collector/README.md otherwise; {#VM.NAME} and {#HV.NAME} stay the plain names (the hosts'
macros {$ZABITAN.VM.NAME}, {$ZABITAN.HV.NAME}). Everything the test makes in Zabbix is deleted at the end.
"""
import json
import pathlib
import subprocess
import sys
import time

here = pathlib.Path(__file__).resolve().parent
sys.path.insert(0, str(here.parent / "peers" / "zabbix-server"))
import zapi  # noqa: E402
from trapper_e2e import Checks, Runs  # noqa: E402

if len(sys.argv) != 7:
    sys.exit(__doc__.split("\n\n")[1])
vmware, templates_dir, stack_env, work = sys.argv[1:5]
work = pathlib.Path(work).resolve()
subprocess.run(["rm", "-rf", str(work)], check=True)
work.mkdir(parents=True)
checks = Checks()
check, step = checks.check, checks.step
z = zapi.Zapi.from_env(stack_env)
SUFFIX = "vc-b"
sites = [("e2e-names-a", zapi.load_env(sys.argv[5]), []),
         ("e2e-names-b", zapi.load_env(sys.argv[6]), ["--name-suffix", SUFFIX])]
(work / "pw").write_text(sites[0][1]["VCSIM_PASSWORD"] + "\n")
(work / "pw").chmod(0o600)


def cmd(endpoint, vc, extra):
    return [vmware, "--url", vc["VCSIM_URL"], "--user", vc["VCSIM_USER"], "--password-file", str(work / "pw"),
            "--ca-file", vc["VCSIM_CERT"], "--state-dir", str(work / endpoint), "--zabbix-host", endpoint,
            "--inventory-refresh", "0"] + extra


def rows(endpoint, vc, extra):
    """{uuid: (kind, plain name, visible name)} of a fresh --dry-run's discovery rows."""
    r = subprocess.run(cmd(endpoint, vc, extra) + ["--dry-run"], capture_output=True, text=True, timeout=120,
                       check=True)
    out = {}
    for line in r.stdout.splitlines():
        parts = line.split(" ", 4)
        if len(parts) == 5 and parts[1] in ("zabitan.vmware.vm.discovery", "zabitan.vmware.hv.discovery"):
            value = json.loads(parts[4]) if parts[4].startswith('"') else parts[4]
            kind = "VM" if ".vm." in parts[1] else "HV"
            for row in json.loads(value):
                out[row["{#%s.UUID}" % kind]] = (kind, row["{#%s.NAME}" % kind],
                                                 row.get("{#%s.VISIBLE.NAME}" % kind, row["{#%s.NAME}" % kind]))
    return out


offered = {ep: rows(ep, vc, extra) for ep, vc, extra in sites}
all_uuids = {u for o in offered.values() for u in o}
runs = {ep: Runs(checks, cmd(ep, vc, extra) + ["--zabbix-server", "%s:%d" % z.trapper_address()])
        for ep, vc, extra in sites}


def delete_ours():
    hosts = z.call("host.get", {"output": ["hostid"],
                                "filter": {"host": [ep for ep, _, _ in sites] + sorted(all_uuids)}})
    if hosts:
        z.call("host.delete", [h["hostid"] for h in hosts])


def history(item, timeout=60):
    """The item's history, polled: accepted values reach it after the server's history syncer."""
    deadline = time.monotonic() + timeout
    while True:
        rows = z.history_get(item["itemid"], int(item["value_type"]), limit=5)
        if rows or time.monotonic() > deadline:
            return rows
        time.sleep(0.5)


def visible_rule(o):
    """The README's rule, computed here independently: plain name when no other VM or hypervisor
    of its vCenter has it, "NAME (first 8 of UUID)" otherwise; then the collector's " (SUFFIX)"."""
    count = {}
    for _, name, _ in o.values():
        count[name] = count.get(name, 0) + 1
    return {u: name if count[name] == 1 else "%s (%s)" % (name, u[:8]) for u, (_, name, _) in o.items()}


try:
    step("the simulators: overlapping names, distinct UUIDs")
    names = {ep: sorted(n for _, n, _ in o.values()) for ep, o in offered.items()}
    print("   " + json.dumps(names))
    check("each simulator has 2 VMs and 1 hypervisor", all(len(o) == 3 for o in offered.values()), names)
    check("no UUID is in both simulators", len(all_uuids) == sum(len(o) for o in offered.values()), offered)
    a, b = (set(names[ep]) for ep, _, _ in sites)
    check("names shared across the two vCenters (hypervisor and a VM)", len(a & b) >= 2, (a, b))
    check("two VMs of one name in A", len(names["e2e-names-a"]) - len(a) == 1, names)
    check("a VM named like its hypervisor in B", len(names["e2e-names-b"]) - len(b) == 1, names)
    delete_ours()
    step("zabbix: template and the two endpoint hosts")
    for f in sorted(pathlib.Path(templates_dir).glob("zabitan_vmware.yaml")):
        z.import_template(f.read_text())
    tid = z.call("template.get", {"output": ["templateid"], "filter": {"host": ["zabitan VMware endpoint"]}})
    for ep, _, _ in sites:
        z.call("host.create", {"host": ep, "groups": [{"groupid": z.group_id("zabitan")}],
                               "templates": [{"templateid": tid[0]["templateid"]}]})
    z.config_cache_reload()

    step("both collectors until nothing waits (at most 120 s)")
    deadline, n, converged = time.monotonic() + 120, 0, False
    while not converged and time.monotonic() < deadline:
        n += 1
        waiting = [runs[ep]("%s run %d" % (ep, n)) for ep, _, _ in sites]
        converged = n >= 2 and not any(waiting)
        if not converged:
            time.sleep(6)  # longer than the test server's CacheUpdateFrequency (5 s)
    check("both collectors end with nothing waiting for discovery", converged, n)

    step("what Zabbix made")
    for ep, _, _ in sites:
        for r in z.call("discoveryrule.get", {"output": ["key_", "error"], "hostids": [z.host_id(ep)]}):
            check("%s %s: no LLD error" % (ep, r["key_"]), r["error"] == "", r["error"])
    hosts = {h["host"]: h for h in z.call("host.get", {"output": ["hostid", "host", "name"],
                                                       "filter": {"host": sorted(all_uuids)},
                                                       "selectMacros": ["macro", "value"]})}
    for ep, o in offered.items():
        expect = visible_rule(o)
        for u, (kind, name, visible) in sorted(o.items(), key=lambda x: x[1]):
            h = hosts.get(u)
            if not check("%s %s %s (%s) is a host" % (ep, kind, name, u), h is not None, sorted(hosts)):
                continue
            want = expect[u] + (" (%s)" % SUFFIX if ep == "e2e-names-b" else "")
            check("  its visible name is %r" % want, h["name"] == want, h["name"])
            macros = {m["macro"]: m["value"] for m in h["macros"]}
            check("  {$ZABITAN.%s.NAME} is the plain name" % kind, macros.get("{$ZABITAN.%s.NAME}" % kind) == name,
                  macros)
            key = "zabitan.vmware.%s.powerstate" % kind.lower()
            item = z.call("item.get", {"output": ["itemid", "value_type"], "hostids": h["hostid"],
                                       "filter": {"key_": key}})
            hist = history(item[0]) if item else []
            check("  %s has values in history (%d)" % (key, len(hist)), bool(hist), item)
    check("every UUID of both simulators is a host (%d)" % len(all_uuids), len(hosts) == len(all_uuids),
          sorted(all_uuids - set(hosts)))
finally:
    try:
        delete_ours()
    except Exception as e:  # noqa: BLE001 - the test's result stands; cleaning up is best effort
        print("cleanup: %s" % e)
if checks.failures:
    print("FAILED: %d check(s): %s" % (len(checks.failures), "; ".join(checks.failures[:10])))
    sys.exit(1)
print("vsphere_names: all checks passed (%.0f s)" % (time.monotonic() - checks.t0))
