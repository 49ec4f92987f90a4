#!/usr/bin/env python3
"""zabbix-templates/*.yaml imported into a real Zabbix server (6.0 or 7.0), and seen to work there.

Usage: import_test.py TEMPLATES_DIR STACK_ENV [--rewrite]
STACK_ENV is the env file of a stack started by tests/peers/zabbix-server/start (6.0) or
tests/peers/zabbix-server-7/start (7.0).
--rewrite: after importing, replace each file's body by the server's export of it (its leading
`#` comment lines and its date are kept), then go on with the checks: how an edited template
is brought back to Zabbix's own export form, which the round trip requires.

Steps (each one fails the test on any error):
  import     every file through configuration.import, rules createMissing + updateExisting for
             everything (groups, templates, items, triggers, discovery rules, graphs, value maps,
             media types, ...), deleteMissing inside the templates; then once more: the second
             import must also succeed (idempotent)
  roundtrip  configuration.export of what was imported equals the files (date and comments
             aside): the server dropped or changed nothing
  api        each template, its items, discovery rules, item prototypes, host prototypes (with
             their template and group links), triggers, macros, and the media type, read back
             through the API
  lld        an endpoint host with "zabitan VMware endpoint": trapper LLD rows create a hypervisor
             host and a VM host (visible names, templates, groups, the VM's hypervisor macro),
             datastore item prototypes, and the VM's virtual disk items
  values     KB values are stored ×1024; CPU samples over {$ZABITAN.VM.CPU.HIGH} for the period
             raise "VM CPU high"; zabitan.remote.status=1 raises "zabitan scaling failed" and 0
             resolves it; the power states are unsigned items with their value maps, a hypervisor's
             0 (poweredOff) and 3 (unknown) raise "Hypervisor is powered off or unreachable" and
             2 (standBy) and 1 resolve it, a VM's 2 (suspended) raises "VM is not powered on"
The hosts it creates have names of their own per run and are deleted at the end.
"""
import json
import os
import re
import sys
import time

here = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, here)
sys.path.insert(0, os.path.join(here, "..", "peers", "zabbix-server"))
import zapi  # noqa: E402
import zbxyaml  # noqa: E402

args = [a for a in sys.argv[1:] if a != "--rewrite"]
rewrite = "--rewrite" in sys.argv[1:]
if len(args) != 2:
    sys.exit("usage: import_test.py TEMPLATES_DIR STACK_ENV [--rewrite]")
templates_dir, env_file = args
z = zapi.Zapi.from_env(env_file)
VERSION = "Zabbix " + z.version()
if rewrite and z.version_tuple() != (6, 0):
    sys.exit("import_test.py: --rewrite writes the server's export into the files, which are 6.0 "
             "exports: use it against the 6.0 server, not %s" % VERSION)
failures = []


def check(cond, what):
    if not cond:
        failures.append(what)
        print("  FAIL " + what)
    return cond


def step(name, ok, detail):
    print("%-4s %-10s [%s] %s" % ("ok" if ok else "FAIL", name, VERSION, detail))
    return ok



def wait_for(what, fn, timeout=60.0, delay=0.2):
    return zapi.wait_for(what, fn, timeout, delay)


CU = {"createMissing": True, "updateExisting": True}
CUD = dict(CU, deleteMissing=True)
# 6.0 names `groups`; 6.2 split them into host_groups and template_groups (7.0 refuses `groups`).
GROUP_RULES = ({"host_groups": {"createMissing": True}, "template_groups": {"createMissing": True}}
               if z.version_tuple() >= (6, 2) else {"groups": {"createMissing": True}})
RULES = {
    **GROUP_RULES,
    "templates": CU, "hosts": CU, "items": CUD, "triggers": CUD, "discoveryRules": CUD, "graphs": CUD,
    "httptests": CUD, "valueMaps": CUD, "templateDashboards": CUD, "templateLinkage": {"createMissing": True},
    "mediaTypes": CU, "images": CU, "maps": CU,
}

files = sorted(os.path.join(templates_dir, f) for f in os.listdir(templates_dir) if f.endswith(".yaml"))
docs = {f: zbxyaml.load(f)["zabbix_export"] for f in files}
template_names = [t["template"] for d in docs.values() for t in d.get("templates", [])]
media_names = [m["name"] for d in docs.values() for m in d.get("media_types", [])]

# ---- import, twice ---------------------------------------------------------------------------------
for attempt in ("first", "second"):
    t0 = time.monotonic()
    for f in files:
        with open(f, encoding="utf-8") as fh:
            source = fh.read()
        try:
            r = z.call("configuration.import", {"format": "yaml", "source": source, "rules": RULES})
        except zapi.ZapiError as e:
            print("FAIL import     %s (%s import): %s" % (os.path.basename(f), attempt, e))
            sys.exit(1)
        if r is not True:
            print("FAIL import     %s (%s import) returned %r" % (os.path.basename(f), attempt, r))
            sys.exit(1)
    step("import", True, "%s import of %d files: true (%.1f s)" % (attempt, len(files), time.monotonic() - t0))


# ---- round trip ------------------------------------------------------------------------------------
def canonical(o, key=None):
    """Lists of objects compared as sets (export order is the server's); preprocessing steps,
    parameters and other lists of scalars keep their order."""
    if isinstance(o, dict):
        return {k: canonical(v, k) for k, v in o.items() if k != "date"}
    if isinstance(o, list):
        items = [canonical(v) for v in o]
        if key != "preprocessing" and all(isinstance(v, dict) for v in items):
            items.sort(key=lambda v: json.dumps(v, sort_keys=True))
        return items
    return o


def as_read_by(doc, version):
    """The file's document as a server of `version` holds and exports it.

    The files are 6.0 exports. 7.0 imports them through its own converter, and its export is
    what that converter made, written in 7.0's form; each difference is listed here, so any
    other one (something dropped or changed) still fails the round trip:
      - version '7.0';
      - `groups` split (6.2) into the template groups the templates are in and the host groups
        the host prototypes link to;
      - an item without `history` gets 6.0's default, 90d, written out (7.0's default is 31d);
      - an LLD rule gets `enabled_lifetime_type: DISABLE_NEVER` (6.0 never disabled lost
        resources) and its `lifetime` is left out when it is 7.0's default, 7d;
      - a media type's script parameters become {sortorder, value} (7.0 stores them so).
    """
    if version < (7, 0):
        return doc
    doc = json.loads(json.dumps(doc))
    doc["version"] = "7.0"
    groups = {g["name"]: g for g in doc.pop("groups", [])}
    used_by_templates = {g["name"] for t in doc.get("templates", []) for g in t.get("groups", [])}
    used_by_hosts = {link["group"]["name"] for t in doc.get("templates", [])
                     for r in t.get("discovery_rules", []) for p in r.get("host_prototypes", [])
                     for link in p.get("group_links", [])}
    for key, names in (("template_groups", used_by_templates), ("host_groups", used_by_hosts)):
        if names:
            doc[key] = [groups[n] for n in groups if n in names]
    for t in doc.get("templates", []):
        for item in t.get("items", []):
            item.setdefault("history", "90d")
        for rule in t.get("discovery_rules", []):
            rule["enabled_lifetime_type"] = "DISABLE_NEVER"
            if rule.get("lifetime") == "7d":
                del rule["lifetime"]
    for m in doc.get("media_types", []):
        if "parameters" in m:
            m["parameters"] = [{"sortorder": str(i), "value": v} for i, v in enumerate(m["parameters"])]
    return doc


def diff(a, b, path=""):
    if type(a) is not type(b):
        return ["%s: %r != %r" % (path, a, b)]
    if isinstance(a, dict):
        out = []
        for k in sorted(set(a) | set(b)):
            if k not in a or k not in b:
                out.append("%s/%s only in the %s" % (path, k, "file" if k in a else "server's export"))
            else:
                out += diff(a[k], b[k], path + "/" + k)
        return out
    if isinstance(a, list):
        if len(a) != len(b):
            return ["%s: %d entries in the file, %d in the server's export" % (path, len(a), len(b))]
        out = []
        for i, (x, y) in enumerate(zip(a, b)):
            out += diff(x, y, "%s[%d]" % (path, i))
        return out
    return [] if a == b else ["%s: file %r, server %r" % (path, a, b)]


def template_ids(names):
    got = z.call("template.get", {"output": ["templateid", "host"], "filter": {"host": names}})
    return {t["host"]: t["templateid"] for t in got}


all_ok = True
for f, doc in docs.items():
    opts = {}
    names = [t["template"] for t in doc.get("templates", [])]
    if names:
        ids = template_ids(names)
        opts["templates"] = [ids[n] for n in names if n in ids]
    media = [m["name"] for m in doc.get("media_types", [])]
    if media:
        opts["mediaTypes"] = [m["mediatypeid"] for m in z.call("mediatype.get", {
            "output": ["mediatypeid"], "filter": {"name": media}})]
    exported = z.call("configuration.export", {"format": "yaml", "options": opts})
    if rewrite:
        with open(f, encoding="utf-8") as fh:
            text = fh.read()
        header = re.match(r"(?:#.*\n)*", text).group(0)
        exported = re.sub(r"(?m)^  date: '[^']*'$", lambda m: "  date: '%s'" % doc.get("date", ""), exported, count=1)
        with open(f, "w", encoding="utf-8") as fh:
            fh.write(header + exported)
        doc = docs[f] = zbxyaml.load(f)["zabbix_export"]
        print("     rewrote %s with the server's export" % os.path.basename(f))
    d = diff(canonical(as_read_by(doc, z.version_tuple())),
             canonical(zbxyaml.loads(exported, "export of " + f)["zabbix_export"]))
    for line in d[:20]:
        check(False, "%s: %s" % (os.path.basename(f), line))
    all_ok &= not d
step("roundtrip", all_ok, "configuration.export of %d templates and %d media type(s) equals the files"
     % (len(template_names), len(media_names)))

# ---- read back through the API ------------------------------------------------------------------------
ids = template_ids(template_names)
n_before = len(failures)
for doc in docs.values():
    for t in doc.get("templates", []):
        name = t["template"]
        if not check(name in ids, "template %s exists" % name):
            continue
        tid = ids[name]
        items = z.call("item.get", {"templateids": [tid], "output": ["key_", "type", "value_type", "units"],
                                    "selectPreprocessing": "extend"})
        want = {i["key"] for i in t.get("items", [])}
        check({i["key_"] for i in items} == want, "%s: items %s" % (name, sorted(want)))
        for i in items:
            check(i["type"] == "2", "%s: %s is a trapper item (type %s)" % (name, i["key_"], i["type"]))
        rules = z.call("discoveryrule.get", {"templateids": [tid], "output": ["key_", "type", "itemid"]})
        want = {r["key"] for r in t.get("discovery_rules", [])}
        check({r["key_"] for r in rules} == want, "%s: discovery rules %s" % (name, sorted(want)))
        for r in t.get("discovery_rules", []):
            rid = next((x["itemid"] for x in rules if x["key_"] == r["key"]), None)
            if rid is None:
                continue
            protos = z.call("itemprototype.get", {"discoveryids": [rid], "output": ["key_"]})
            want = {p["key"] for p in r.get("item_prototypes", [])}
            check({p["key_"] for p in protos} == want, "%s: %s item prototypes %s" % (name, r["key"], sorted(want)))
            hps = z.call("hostprototype.get", {"discoveryids": [rid], "output": ["host", "name"],
                                               "selectTemplates": ["host"], "selectGroupLinks": ["groupid"]})
            want = {(h["host"], h.get("name", h["host"]), tuple(x["name"] for x in h.get("templates", [])))
                    for h in r.get("host_prototypes", [])}
            check({(h["host"], h["name"], tuple(x["host"] for x in h["templates"])) for h in hps} == want,
                  "%s: %s host prototypes %s" % (name, r["key"], sorted(want)))
            for h in hps:
                check(h["groupLinks"], "%s: host prototype %s has a host group" % (name, h["host"]))
        trig = z.call("trigger.get", {"templateids": [tid], "output": ["description", "expression"],
                                      "expandExpression": True})
        want = {tr["name"] for i in t.get("items", []) for tr in i.get("triggers", [])}
        check({x["description"] for x in trig} == want, "%s: triggers %s" % (name, sorted(want)))
        macros = z.call("usermacro.get", {"hostids": [tid], "output": ["macro", "value"]})
        want = {m["macro"]: m.get("value", "") for m in t.get("macros", [])}
        check({m["macro"]: m["value"] for m in macros} == want, "%s: macros %s" % (name, want))
for doc in docs.values():
    for m in doc.get("media_types", []):
        # 6.0 keeps script parameters as one text of lines (exec_params); 6.4 and later as a
        # list of {sortorder, value}.
        new_params = z.version_tuple() >= (6, 4)
        got = z.call("mediatype.get", {"output": ["type", "exec_path", "parameters" if new_params else "exec_params"],
                                       "filter": {"name": m["name"]}, "selectMessageTemplates": "extend"})
        if check(len(got) == 1, "media type %s exists" % m["name"]):
            g = got[0]
            check(g["type"] == "1" and g["exec_path"] == m["script_name"],
                  "media type %s: script %s" % (m["name"], m["script_name"]))
            params = ([p["value"] for p in sorted(g["parameters"], key=lambda p: int(p["sortorder"]))]
                      if new_params else g["exec_params"].split("\n")[:-1])
            check(params == m["parameters"],
                  "media type %s: parameters %s (got %r)" % (m["name"], m["parameters"], params))
            check(len(g["message_templates"]) == len(m.get("message_templates", [])),
                  "media type %s: %d message templates" % (m["name"], len(m.get("message_templates", []))))
step("api", len(failures) == n_before, "%d templates, their items, rules, prototypes, host prototypes, "
     "triggers and macros, and %d media type(s) read back" % (len(ids), len(media_names)))

# ---- LLD and values on hosts using the templates -----------------------------------------------------
EP, HV, VM, RC = "zabitan VMware endpoint", "zabitan VMware hypervisor", "zabitan VMware VM", "zabitan remote-cmd"
if not all(n in ids for n in (EP, HV, VM, RC)):
    step("lld", False, "templates missing, cannot go on")
    sys.exit(1)
run = "%x" % time.time_ns()
host_addr = z.trapper_address()
gid = z.group_id("zabitan tests")
ep_host = "tpl-ep-" + run
rc_host = "tpl-rc-" + run
hv_uuid, vm_uuid = "tpl-hv-" + run, "tpl-vm-" + run
ds_uuid = "ds:///vmfs/volumes/tpl-%s/" % run
created = []


def send(host, key, value, clock=None):
    processed, failed, _ = zapi.parse_info(zapi.send(host_addr[0], host_addr[1], [(host, key, value, clock)]))
    return processed == 1 and failed == 0


def item_of(host, key):
    got = z.call("item.get", {"host": host, "filter": {"key_": [key]}, "output": ["itemid", "value_type"]})
    return got[0] if got else None


def last_values(itemid, vt, n):
    # history.get sorts by clock only: ask for more and let zapi order by (clock, ns)
    return [r["value"] for r in z.history_get(itemid, vt, limit=n + 100)][:n]


try:
    t0 = time.monotonic()
    n_before = len(failures)
    for name, tpl in ((ep_host, EP), (rc_host, RC)):
        created.append(z.call("host.create", {"host": name, "groups": [{"groupid": gid}],
                                              "templates": [{"templateid": ids[tpl]}]})["hostids"][0])
    lld = {
        "zabitan.vmware.hv.discovery": [{"{#HV.UUID}": hv_uuid, "{#HV.NAME}": "esx-" + run,
                                         "{#HV.VISIBLE.NAME}": "esx-" + run}],
        "zabitan.vmware.vm.discovery": [{"{#VM.UUID}": vm_uuid, "{#VM.NAME}": "vm-" + run,
                                         "{#VM.VISIBLE.NAME}": "vm-" + run, "{#VM.HV.UUID}": hv_uuid}],
        "zabitan.vmware.datastore.discovery": [{"{#DATASTORE.UUID}": ds_uuid, "{#DATASTORE.NAME}": "ds-" + run,
                                                "{#DATASTORE.TYPE}": "VMFS"}],
    }
    first = next(iter(lld))
    z.config_cache_reload(probe=(ep_host, first, json.dumps(lld[first])))
    for key, rows in lld.items():
        check(send(ep_host, key, json.dumps({"data": rows})), "%s accepts %s" % (ep_host, key))
    # LLD creates a host, then links its template: wait for both
    hosts = wait_for("the discovered hypervisor and VM hosts", lambda: (
        lambda got: got if len(got) == 2 and all(h["parentTemplates"] for h in got) else None)(
        z.call("host.get", {"filter": {"host": [hv_uuid, vm_uuid]}, "output": ["host", "name", "flags"],
                            "selectParentTemplates": ["host"], "selectGroups": ["name"],
                            "selectMacros": ["macro", "value"]})))
    by = {h["host"]: h for h in hosts}
    for uuid, name, tpl, group in ((hv_uuid, "esx-" + run, HV, "zabitan VMware/Hypervisors"),
                                   (vm_uuid, "vm-" + run, VM, "zabitan VMware/VMs")):
        h = by[uuid]
        check(h["flags"] == "4" and h["name"] == name, "%s is discovered with visible name %s" % (uuid, name))
        check([t["host"] for t in h["parentTemplates"]] == [tpl], "%s has the template %s" % (uuid, tpl))
        check(group in [g["name"] for g in h["groups"]], "%s is in the group %s" % (uuid, group))
    check({"macro": "{$ZABITAN.VM.HV.UUID}", "value": hv_uuid} in
          [{"macro": m["macro"], "value": m["value"]} for m in by[vm_uuid]["macros"]],
          "the VM host's {$ZABITAN.VM.HV.UUID} is its hypervisor's UUID")
    ds_keys = wait_for("the datastore items", lambda: (lambda got: got if len(got) == 5 else None)(
        z.call("item.get", {"host": ep_host, "search": {"key_": ds_uuid}, "output": ["key_"]})))
    check(len(ds_keys) == 5, "datastore item prototypes made 5 items")
    # per-host LLD on the discovered VM
    z.config_cache_reload(probe=(vm_uuid, "zabitan.vmware.vm.powerstate", "1"))  # poweredOn
    check(send(vm_uuid, "zabitan.vmware.vm.vdisk.discovery", json.dumps([{"{#DISKNAME}": "scsi0:0"}])),
          "%s accepts zabitan.vmware.vm.vdisk.discovery" % vm_uuid)
    check(send(hv_uuid, "zabitan.vmware.hv.net.discovery", json.dumps([{"{#IFNAME}": "vmnic0"}])),
          "%s accepts zabitan.vmware.hv.net.discovery" % hv_uuid)
    wait_for("the VM's virtual disk items", lambda: item_of(vm_uuid, "zabitan.vmware.vm.perf[virtualDisk.read.average,scsi0:0]"))
    wait_for("the hypervisor's NIC items", lambda: item_of(hv_uuid, "zabitan.vmware.hv.perf[net.received.average,vmnic0]"))
    step("lld", len(failures) == n_before, "trapper LLD made hypervisor %s and VM %s (templates, groups, macro), "
         "5 datastore items, disk and NIC items (%.1f s)" % (hv_uuid, vm_uuid, time.monotonic() - t0))

    # values: KB x1024, VM CPU high, zabitan scaling failed
    t0 = time.monotonic()
    n_before = len(failures)
    z.config_cache_reload(probe=(vm_uuid, "zabitan.vmware.vm.perf[virtualDisk.read.average,scsi0:0]", "10"))
    now = int(time.time())
    for i in range(6):
        check(send(vm_uuid, "zabitan.vmware.vm.perf[cpu.usage.average]", "95.5", now - 250 + 50 * i),
              "cpu.usage sample accepted")
    check(send(rc_host, "zabitan.remote.status", "1"), "zabitan.remote.status accepted")
    check(send(rc_host, "zabitan.remote.result", "failed: PowerOnVM_Task: not enough resources"),
          "zabitan.remote.result accepted")
    # Zabbix 6.0.14 stores the values of an item that has just appeared in the configuration cache
    # without its preprocessing for a few seconds (until its preprocessing manager's next refresh,
    # about CacheUpdateFrequency): send until the multiplier shows, then require it to stay.
    multiplied = []
    for key, value in (("zabitan.vmware.vm.perf[mem.consumed.average]", 2048),
                       ("zabitan.vmware.vm.perf[virtualDisk.read.average,scsi0:0]", 10)):
        it = item_of(vm_uuid, key)
        t1 = time.monotonic()

        def stored(key=key, value=value, it=it):
            check(send(vm_uuid, key, str(value)), "%s accepted" % key)
            time.sleep(0.5)
            got = last_values(it["itemid"], int(it["value_type"]), 1)
            return got and float(got[0]) == value * 1024

        wait_for("%s stored x1024" % key, stored, timeout=60, delay=0.5)
        check(send(vm_uuid, key, str(value + 1)), "%s accepted" % key)
        got = wait_for("the next value of %s" % key, lambda it=it, value=value: (lambda v: v if v and float(v[0]) != value * 1024 else None)(
            last_values(it["itemid"], int(it["value_type"]), 1)))
        check(float(got[0]) == (value + 1) * 1024, "%s: %s KB stored as %s B" % (key, value + 1, got[0]))
        multiplied.append("%.1f s" % (time.monotonic() - t1))

    def problem(host, name):
        return z.call("trigger.get", {"host": host, "filter": {"description": [name], "value": 1},
                                      "output": ["triggerid"]})

    wait_for('"VM CPU high" on %s' % vm_uuid, lambda: problem(vm_uuid, "VM CPU high"))
    wait_for('"zabitan scaling failed" on %s' % rc_host, lambda: problem(rc_host, "zabitan scaling failed"))
    check(send(rc_host, "zabitan.remote.status", "0"), "zabitan.remote.status accepted")
    wait_for('"zabitan scaling failed" resolved', lambda: not problem(rc_host, "zabitan scaling failed"))

    # power states: unsigned numbers with their value maps, and triggers that compare numbers
    for uuid, key, vmap, n in ((hv_uuid, "zabitan.vmware.hv.powerstate", "VMware HostSystemPowerState", 4),
                               (vm_uuid, "zabitan.vmware.vm.powerstate", "VMware VirtualMachinePowerState", 3)):
        got = z.call("item.get", {"host": uuid, "filter": {"key_": [key]}, "output": ["value_type"],
                                  "selectValueMap": ["name", "mappings"]})
        got_map = got[0]["valuemap"] if got else {}
        check(got and got[0]["value_type"] == "3" and got_map.get("name") == vmap and len(got_map.get("mappings", [])) == n,
              "%s %s: unsigned, value map %s with %d values (got %r)" % (uuid, key, vmap, n, got))
    HV_DOWN = "Hypervisor is powered off or unreachable"
    for value, down in (("0", True), ("2", False), ("3", True), ("1", False)):  # off, standBy, unknown, on
        check(send(hv_uuid, "zabitan.vmware.hv.powerstate", value), "zabitan.vmware.hv.powerstate accepted")
        wait_for('"%s" %s on power state %s' % (HV_DOWN, "firing" if down else "resolved", value),
                 lambda down=down: bool(problem(hv_uuid, HV_DOWN)) == down)
    for value, down in (("2", True), ("1", False)):  # suspended, on
        check(send(vm_uuid, "zabitan.vmware.vm.powerstate", value), "zabitan.vmware.vm.powerstate accepted")
        wait_for('"VM is not powered on" %s on power state %s' % ("firing" if down else "resolved", value),
                 lambda down=down: bool(problem(vm_uuid, "VM is not powered on")) == down)
    step("values", len(failures) == n_before, "KB and KBps stored x1024 (after %s); " % " and ".join(multiplied) + "\"VM CPU high\" fired on 6 samples of 95.5%%; "
         "\"zabitan scaling failed\" fired on status 1 and resolved on 0; "
         "the power states are unsigned with their value maps, the power triggers fire on 0 and 3 (host) and 2 (VM) "
         "and resolve on 2 and 1 (%.1f s)" % (time.monotonic() - t0))
finally:
    if created:
        z.call("host.delete", created)  # the discovered hosts go with their endpoint

if failures:
    print("FAIL %d checks" % len(failures))
    sys.exit(1)
print("ok   templates import cleanly into Zabbix %s and work" % z.version())
