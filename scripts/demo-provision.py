#!/usr/bin/env python3
"""Sets up the demo's Zabbix side for zabitan-vmware, through the JSON-RPC API (idempotent).

Until the templates of issue #7 exist, this creates by hand what they will hold: templates
"zabitan VMware VM" and "zabitan VMware Hypervisor" (a trapper power-state item each), and on
the endpoint host trapper discovery rules for VMs and hypervisors (a host prototype each:
technical name {#VM.UUID}/{#HV.UUID}, visible name {#VM.NAME}/{#HV.NAME}, linked to the
template) and datastores (free/total size item prototypes).

Usage: demo-provision.py STACK_ENV ENDPOINT_HOST
"""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "peers", "zabbix-server"))
import zapi  # noqa: E402

TRAPPER = 2
# zabitan-vmware's default counters (vmware-collector/src/perf.cpp, kDefaultCounters).
COUNTERS = {
    "vm": ["cpu.usage.average", "cpu.ready.summation", "mem.consumed.average", "mem.active.average",
           "net.received.average", "net.transmitted.average", "virtualDisk.read.average",
           "virtualDisk.write.average"],
    "hv": ["cpu.usage.average", "cpu.utilization.average", "mem.usage.average", "net.received.average",
           "net.transmitted.average", "power.power.average"],
}
env_file, endpoint = sys.argv[1:3]
z = zapi.Zapi.from_env(env_file)
group = z.group_id("zabitan VMware")


def template(name):
    got = z.call("template.get", {"filter": {"host": [name]}, "output": ["templateid"]})
    if got:
        return got[0]["templateid"]
    templates_group = z.call("hostgroup.get", {"filter": {"name": ["Templates"]}, "output": ["groupid"]})
    gid = templates_group[0]["groupid"] if templates_group else group
    return z.call("template.create", {"host": name, "groups": [{"groupid": gid}]})["templateids"][0]


def rule(hostid, key, name):
    got = z.call("discoveryrule.get", {"hostids": [hostid], "filter": {"key_": [key]}, "output": ["itemid"]})
    if got:
        return got[0]["itemid"]
    return z.call("discoveryrule.create", {"hostid": hostid, "name": name, "key_": key, "type": TRAPPER,
                                           "lifetime": "1d"})["itemids"][0]


hostid = z.create_host(endpoint, "zabitan VMware")
for kind, label in (("vm", "VM"), ("hv", "Hypervisor")):
    tid = template("zabitan VMware " + label)
    z.create_trapper_item(tid, "zabitan.vmware.%s.powerstate" % kind, zapi.VT_STR, "Power state")
    for counter in COUNTERS[kind]:
        z.create_trapper_item(tid, "zabitan.vmware.%s.perf[%s]" % (kind, counter), zapi.VT_FLOAT, counter)
    rid = rule(hostid, "zabitan.vmware.%s.discovery" % kind, label + "s")
    macro = kind.upper()
    if not z.call("hostprototype.get", {"discoveryids": [rid], "output": ["hostid"]}):
        z.call("hostprototype.create", {"host": "{#%s.UUID}" % macro, "name": "{#%s.NAME}" % macro,
                                        "ruleid": rid, "groupLinks": [{"groupid": group}],
                                        "templates": [{"templateid": tid}]})
ds_rule = rule(hostid, "zabitan.vmware.datastore.discovery", "Datastores")
existing = {p["key_"] for p in z.call("itemprototype.get", {"discoveryids": [ds_rule], "output": ["key_"]})}
for which in ("free", "total"):
    key = "zabitan.vmware.datastore.size[{#DATASTORE.UUID},%s]" % which
    if key not in existing:
        z.call("itemprototype.create", {"hostid": hostid, "ruleid": ds_rule, "key_": key, "type": TRAPPER,
                                        "name": "Datastore {#DATASTORE.NAME}: %s space" % which,
                                        "value_type": zapi.VT_UINT, "units": "B"})
print("provisioned %s: discovery of hypervisors, VMs (host prototypes) and datastores" % endpoint)
