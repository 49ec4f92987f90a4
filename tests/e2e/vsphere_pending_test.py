#!/usr/bin/env python3
"""e2e (issue #16): nothing lost to discovery, on the real Zabbix server.

Usage: vsphere_pending_test.py ZABITAN_VMWARE TEMPLATES_DIR STACK_ENV VCSIM_ENV WORKDIR [ZABITAN_REMOTE_CMD]

zabitan-vmware runs (--once, one state folder, as cron would) against a simulator of its own
and a real Zabbix server (STACK_ENV: tests/peers/zabbix-server's 6.0, or zabbix-server-7's 7.0
as e2e.vsphere_pending_zabbix7; zapi picks the import rules by version). Between it and the trapper sits a
recording proxy written here: every request and its reply, so the test knows each value the
collector sent and what the server said, independently of the collector's own accounting.
  first run   a fresh state folder, an endpoint host whose hypervisors and VMs Zabbix does not
              know yet: exit 0, one line saying how many values wait, no error line
  converge    runs every few seconds until nothing waits (Zabbix creates the hosts, then their
              NIC/disk/datastore items one discovery later, each after a configuration sync)
  new VM      a VM cloned in the simulator (and powered on) between two runs: the runs after
              it exit 0 too, and its first sample the collector read is the first in history
  scale-up    with ZABITAN_REMOTE_CMD: a VM cloned by zabitan-remote-cmd's scale-up (a group with
              a template and no pool), as a Zabbix action would: the same for its first sample
  history     for every item: rows in history == distinct values the collector sent == values
              in requests the server fully accepted (none accepted twice, none missing)
PENDING_CONVERGE_TIMEOUT (s, default 150) bounds each converge phase: 400 for a server with the
default CacheUpdateFrequency of 60 s (e2e.vsphere_pending_cuf60).
Everything the test makes in Zabbix is deleted at the end (also when it fails).
"""
import json
import os
import pathlib
import subprocess
import sys
import time

here = pathlib.Path(__file__).resolve().parent
peers = here.parent / "peers"
sys.path.insert(0, str(peers / "zabbix-server"))
sys.path.insert(0, str(peers / "vcsim"))
import zapi  # noqa: E402
from trapper_e2e import Checks, RecordingProxy, Runs, compare_history, history_clocks, sent_values  # noqa: E402

if len(sys.argv) not in (6, 7):
    sys.exit(__doc__.split("\n\n")[1])
vmware, templates_dir, stack_env, vcsim_env_file, work = sys.argv[1:6]
remote_cmd = sys.argv[6] if len(sys.argv) == 7 else None
work = pathlib.Path(work).resolve()
subprocess.run(["rm", "-rf", str(work)], check=True)
work.mkdir(parents=True)
ENDPOINT = "zabitan-pending-e2e"
NEW_VM = "zabitan-pending-new-vm"
checks = Checks()
check, step = checks.check, checks.step


# ---- the recording proxy ------------------------------------------------------------------------
z = zapi.Zapi.from_env(stack_env)
proxy = RecordingProxy(z.trapper_address())
proxy_port = proxy.port

# ---- the simulator, as a test of its own sees it -------------------------------------------------
vcsim = zapi.load_env(vcsim_env_file)
password = work / "vcenter.password"
password.write_text(vcsim["VCSIM_PASSWORD"] + "\n")
password.chmod(0o600)
state = work / "state"
collect = [vmware, "--url", vcsim["VCSIM_URL"], "--user", vcsim["VCSIM_USER"], "--password-file", str(password),
           "--ca-file", vcsim["VCSIM_CERT"], "--state-dir", str(state), "--zabbix-host", ENDPOINT,
           "--inventory-refresh", "0"]
run = Runs(checks, collect + ["--zabbix-server", "127.0.0.1:%d" % proxy_port])
runs = run.runs


def simulator_uuids():
    r = subprocess.run(collect + ["--dry-run"], capture_output=True, text=True, timeout=120, check=True)
    uuids = {}
    for line in r.stdout.splitlines():
        parts = line.split(" ", 4)
        if len(parts) == 5 and parts[1] in ("zabitan.vmware.vm.discovery", "zabitan.vmware.hv.discovery"):
            value = json.loads(parts[4]) if parts[4].startswith('"') else parts[4]
            rows = json.loads(value)
            for row in rows["data"] if isinstance(rows, dict) else rows:
                uuids[row.get("{#VM.NAME}") or row.get("{#HV.NAME}")] = row.get("{#VM.UUID}") or row.get("{#HV.UUID}")
    return uuids


def delete_ours(uuids):
    hosts = z.call("host.get", {"output": ["hostid"], "filter": {"host": [ENDPOINT] + list(uuids.values())}})
    if hosts:
        z.call("host.delete", [h["hostid"] for h in hosts])


def converge(label, timeout=int(os.environ.get("PENDING_CONVERGE_TIMEOUT", "150"))):
    """Runs until a run has nothing waiting; at least two runs (the second sends what the first held)."""
    deadline = time.monotonic() + timeout
    n = 0
    while True:
        n += 1
        waiting = run("%s run %d" % (label, n))
        if waiting == 0 and n >= 2:
            return True
        if time.monotonic() > deadline:
            return check("%s: nothing waits within %d s" % (label, timeout), False, runs[-3:])
        time.sleep(6)  # longer than the test server's CacheUpdateFrequency (5 s; 60 s: ten runs a sync)


def clone_vm(name):
    """Clones the first VM of the simulator into `name` and powers it on (vim25, not zabitan's library)."""
    vm_power = peers / "vcsim" / "vm-power"
    import importlib.machinery
    import importlib.util
    loader = importlib.machinery.SourceFileLoader("vm_power", str(vm_power))
    spec = importlib.util.spec_from_loader("vm_power", loader)
    vp = importlib.util.module_from_spec(spec)
    loader.exec_module(vp)
    c = vp.Client(vcsim)
    sc = c.call('<RetrieveServiceContent xmlns="urn:vim25"><_this type="ServiceInstance">ServiceInstance'
                '</_this></RetrieveServiceContent>').find("v:returnval", vp.NS)
    sm, pc, root, views = (vp.text(sc, "v:sessionManager"), vp.text(sc, "v:propertyCollector"),
                           vp.text(sc, "v:rootFolder"), vp.text(sc, "v:viewManager"))
    c.call(f'<Login xmlns="urn:vim25"><_this type="SessionManager">{sm}</_this><userName>{vcsim["VCSIM_USER"]}'
           f'</userName><password>{vcsim["VCSIM_PASSWORD"]}</password></Login>')
    moref = sorted(vp.list_vms(c, pc, views, root), key=lambda v: v[1])[0][0]
    props = c.call(f'<RetrievePropertiesEx xmlns="urn:vim25"><_this type="PropertyCollector">{pc}</_this>'
                   '<specSet><propSet><type>VirtualMachine</type><pathSet>parent</pathSet><pathSet>resourcePool'
                   f'</pathSet></propSet><objectSet><obj type="VirtualMachine">{moref}</obj></objectSet></specSet>'
                   '<options/></RetrievePropertiesEx>')
    got = {vp.text(p, "v:name"): vp.text(p, "v:val") for p in props.iter("{urn:vim25}propSet")}
    task = vp.text(c.call(
        f'<CloneVM_Task xmlns="urn:vim25"><_this type="VirtualMachine">{moref}</_this><folder type="Folder">'
        f'{got["parent"]}</folder><name>{name}</name><spec><location><pool type="ResourcePool">'
        f'{got["resourcePool"]}</pool></location><template>false</template><powerOn>true</powerOn></spec>'
        '</CloneVM_Task>'), "v:returnval")
    ok = vp.wait_task(c, pc, task) == "success"
    c.call(f'<Logout xmlns="urn:vim25"><_this type="SessionManager">{sm}</_this></Logout>')
    if ok:
        subprocess.run([str(vm_power), vcsim_env_file, "on", name], check=True)
    return ok


uuids = simulator_uuids()
try:
    delete_ours(uuids)
    step("zabbix: templates and the endpoint host")
    for f in sorted(pathlib.Path(templates_dir).glob("zabitan_vmware.yaml")):
        z.import_template(f.read_text())
    tid = z.call("template.get", {"output": ["templateid"], "filter": {"host": ["zabitan VMware endpoint"]}})
    z.call("host.create", {"host": ENDPOINT, "groups": [{"groupid": z.group_id("zabitan")}],
                           "templates": [{"templateid": tid[0]["templateid"]}]})
    z.config_cache_reload()  # the endpoint's discovery rules take values from the first run on

    step("first run: everything new")
    first_waiting = run("first run")
    check("the first run says values wait for discovery", first_waiting > 0, runs[-1])
    step("converge")
    converge("converge")

    step("a VM appears between two runs")
    clone_at = int(time.time())
    check("VM %s cloned and powered on in the simulator" % NEW_VM, clone_vm(NEW_VM))
    uuids = simulator_uuids()
    check("the collector sees the new VM", NEW_VM in uuids, sorted(uuids))
    # Runs stamp power states and uptimes with their start second: two runs in one second would
    # send one value twice (cron runs are a minute apart).
    time.sleep(6)
    converge("after the new VM")
    scaled = None
    if remote_cmd:
        step("a VM cloned by zabitan-remote-cmd's scale-up")
        password = work / "vc.password"
        password.write_text(vcsim["VCSIM_PASSWORD"] + "\n")
        password.chmod(0o600)
        config = work / "remote-cmd.toml"
        config.write_text(f'[remote_cmd]\nurl = "{vcsim["VCSIM_URL"]}"\nuser = "{vcsim["VCSIM_USER"]}"\n'
                          f'password_file = "{password}"\nthumbprint = "{vcsim["VCSIM_THUMBPRINT"]}"\n'
                          f'state_dir = "{work}/remote-state"\naudit_log = "{work}/remote-audit.log"\n'
                          'time_budget = 30\n\n[remote_cmd.groups.pending]\nhosts = ["pending-app01"]\n'
                          'template = "DC0_H0_VM1"\nname_pattern = "zpending-{n:02}"\nmax = 1\ncooldown = 0\n')
        config.chmod(0o644)
        scaled_at = int(time.time())
        r = subprocess.run([remote_cmd, "scale-up", "--host", "pending-app01", "--event-id", "1601",
                            "--trigger-id", "9", "--status", "PROBLEM", "--config", str(config)],
                           capture_output=True, text=True, timeout=90)
        check("zabitan-remote-cmd scale-up cloned and powered on a VM",
              r.returncode == 0 and "cloned" in r.stdout, (r.returncode, r.stdout, r.stderr))
        uuids = simulator_uuids()
        made = sorted(n for n in uuids if n.startswith("zpending-"))
        check("the collector sees the scale-up's clone", len(made) == 1, sorted(uuids))
        scaled = made[0] if made else None
        time.sleep(6)
        converge("after the scale-up")
    time.sleep(2)  # history syncers flush about once a second

    step("history")
    requests = proxy.requests(save_to=work / "proxy.jsonl")
    sent, accepted = sent_values(requests, skip=lambda key: key.endswith(".discovery"))
    hosts = {h["host"]: h["hostid"] for h in z.call(
        "host.get", {"output": ["host"], "filter": {"host": sorted({h for h, _ in sent})}})}
    items = z.call("item.get", {"output": ["itemid", "key_", "hostid", "value_type"],
                                "hostids": sorted(hosts.values())})
    by_id = {(i["hostid"], i["key_"]): i for i in items}
    rows = history_clocks(z, items)
    total = compare_history(checks, sent, accepted, lambda hk: by_id.get((hosts.get(hk[0]), hk[1])), rows)
    def first_sample(name, appeared_at, how):
        new_uuid = uuids.get(name)
        cpu = (new_uuid, "zabitan.vmware.vm.perf[cpu.usage.average]")
        first_sent = min(sent[cpu]) if cpu in sent else None
        item = by_id.get((hosts.get(new_uuid), cpu[1]))
        first_in_history = min(rows.get(item["itemid"], [])) if item and rows.get(item["itemid"]) else None
        check("the VM %s's first CPU sample read is the first in history (%s)" % (how, first_in_history),
              first_sent is not None and first_in_history == first_sent, (first_sent, first_in_history))
        check("its history starts no later than when it appeared (at %d)" % appeared_at,
              first_in_history is not None and first_in_history <= appeared_at + 20, first_in_history)

    first_sample(NEW_VM, clone_at, "cloned in the simulator")
    if scaled:
        first_sample(scaled, scaled_at, "zabitan-remote-cmd's scale-up cloned")
    singles = sum(1 for values, _ in requests if len({(h, k) for h, k, _, _ in values}) == 1)
    print("requests through the proxy: %d (%d of one item); values sent: %d; runs: %d"
          % (len(requests), singles, total, len(runs)))
finally:
    try:
        delete_ours(uuids)
    finally:
        proxy.shutdown()

print("%d failure(s)" % len(checks.failures))
sys.exit(1 if checks.failures else 0)
