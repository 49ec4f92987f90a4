#!/usr/bin/env python3
"""zabbix-templates/ against the key spec, and against what zabitan-vmware really sends.

Static (ctest templates.keys):
    keys_test.py TEMPLATES_DIR
  Every YAML file is read (tests/zabbix-templates/zbxyaml.py: standard library, cross-checked with PyYAML
  when installed). The templates must hold exactly the keys of SPEC below (items, discovery rules
  and item prototypes of type TRAP: no more, no less), each with its value type, units and
  KB→B multiplier; discovery rules, host prototypes, the LLD macros prototypes use, triggers,
  value maps (and the items using them), macros, graphs, UUIDs and the "zabitan SSTP" media type
  are checked too.

Against the collector (ctest e2e.templates_vs_collector):
    keys_test.py TEMPLATES_DIR --dry-run FILE [--endpoint HOST]
    keys_test.py TEMPLATES_DIR --collector ZABITAN_VMWARE --vcsim-env ENV --workdir DIR
  FILE holds zabitan-vmware --dry-run output (zabbix_sender -T -N lines: host key clock ns value);
  with --collector the test produces it against the simulator. Every value sent must land on a
  template item or on an item prototype whose LLD macros were discovered for that host, with a
  value its type accepts; each host must be the endpoint or a discovered hypervisor or VM; every
  LLD row must carry the rule's macros; and every template key must have been sent at least once
  (keys never sent are listed and fail the test).
Exit 0 on success, 1 with a list of every problem found.
"""
import argparse
import json
import os
import re
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import zbxyaml  # noqa: E402

EP = "zabitan VMware endpoint"
HV = "zabitan VMware hypervisor"
VM = "zabitan VMware VM"
RC = "zabitan remote-cmd"

# ---- the key spec ------------------------------------------------------------------------------------
# LLD rules: template -> {rule key: macros every row carries}
RULES = {
    EP: {
        "zabitan.vmware.hv.discovery": ["{#HV.UUID}", "{#HV.NAME}"],
        "zabitan.vmware.vm.discovery": ["{#VM.UUID}", "{#VM.NAME}", "{#VM.HV.UUID}"],
        "zabitan.vmware.datastore.discovery": ["{#DATASTORE.UUID}", "{#DATASTORE.NAME}", "{#DATASTORE.TYPE}"],
    },
    HV: {
        "zabitan.vmware.hv.net.discovery": ["{#IFNAME}"],
        "zabitan.vmware.hv.datastore.discovery": ["{#DATASTORE.INSTANCE}", "{#DATASTORE.NAME}"],
    },
    VM: {
        "zabitan.vmware.vm.net.discovery": ["{#IFNAME}"],
        "zabitan.vmware.vm.vdisk.discovery": ["{#DISKNAME}"],
    },
    RC: {},
}

# Trapper items and item prototypes: (template, rule key or None, key, value type, units, KB multiplier).
# vSphere's percent counters arrive already divided by 100; KB and KBps values are multiplied by 1024
# in Zabbix (preprocessing) and shown as B and Bps.
F, U, C, T = "FLOAT", "UNSIGNED", "CHAR", "TEXT"
_DS = "zabitan.vmware.datastore.discovery"
SPEC = [
    (EP, _DS, "zabitan.vmware.datastore.size[{#DATASTORE.UUID},total]", U, "B", False),
    (EP, _DS, "zabitan.vmware.datastore.size[{#DATASTORE.UUID},free]", U, "B", False),
    (EP, _DS, "zabitan.vmware.datastore.size[{#DATASTORE.UUID},provisioned]", U, "B", False),
    (EP, _DS, "zabitan.vmware.datastore.size[{#DATASTORE.UUID},uncommitted]", U, "B", False),
    (HV, None, "zabitan.vmware.hv.powerstate", U, "", False),
    (HV, None, "zabitan.vmware.hv.uptime", U, "uptime", False),
    (HV, None, "zabitan.vmware.hv.perf[cpu.usage.average]", F, "%", False),
    (HV, None, "zabitan.vmware.hv.perf[cpu.utilization.average]", F, "%", False),
    (HV, None, "zabitan.vmware.hv.perf[mem.usage.average]", F, "%", False),
    (HV, None, "zabitan.vmware.hv.perf[net.received.average]", F, "Bps", True),
    (HV, None, "zabitan.vmware.hv.perf[net.transmitted.average]", F, "Bps", True),
    (HV, None, "zabitan.vmware.hv.perf[power.power.average]", F, "W", False),
    (HV, "zabitan.vmware.hv.net.discovery", "zabitan.vmware.hv.perf[net.received.average,{#IFNAME}]", F, "Bps", True),
    (HV, "zabitan.vmware.hv.net.discovery", "zabitan.vmware.hv.perf[net.transmitted.average,{#IFNAME}]", F, "Bps", True),
    (HV, "zabitan.vmware.hv.datastore.discovery",
     "zabitan.vmware.hv.perf[datastore.totalReadLatency.average,{#DATASTORE.INSTANCE}]", F, "ms", False),
    (HV, "zabitan.vmware.hv.datastore.discovery",
     "zabitan.vmware.hv.perf[datastore.totalWriteLatency.average,{#DATASTORE.INSTANCE}]", F, "ms", False),
    (VM, None, "zabitan.vmware.vm.powerstate", U, "", False),
    (VM, None, "zabitan.vmware.vm.uptime", U, "uptime", False),
    (VM, None, "zabitan.vmware.vm.perf[cpu.usage.average]", F, "%", False),
    (VM, None, "zabitan.vmware.vm.perf[cpu.ready.summation]", F, "ms", False),
    (VM, None, "zabitan.vmware.vm.perf[cpu.latency.average]", F, "%", False),
    (VM, None, "zabitan.vmware.vm.perf[mem.consumed.average]", F, "B", True),
    (VM, None, "zabitan.vmware.vm.perf[mem.active.average]", F, "B", True),
    (VM, None, "zabitan.vmware.vm.perf[mem.vmmemctl.average]", F, "B", True),
    (VM, None, "zabitan.vmware.vm.perf[mem.swapped.average]", F, "B", True),
    (VM, None, "zabitan.vmware.vm.perf[net.received.average]", F, "Bps", True),
    (VM, None, "zabitan.vmware.vm.perf[net.transmitted.average]", F, "Bps", True),
    (VM, "zabitan.vmware.vm.net.discovery", "zabitan.vmware.vm.perf[net.received.average,{#IFNAME}]", F, "Bps", True),
    (VM, "zabitan.vmware.vm.net.discovery", "zabitan.vmware.vm.perf[net.transmitted.average,{#IFNAME}]", F, "Bps", True),
    (VM, "zabitan.vmware.vm.vdisk.discovery", "zabitan.vmware.vm.perf[virtualDisk.read.average,{#DISKNAME}]", F, "Bps", True),
    (VM, "zabitan.vmware.vm.vdisk.discovery", "zabitan.vmware.vm.perf[virtualDisk.write.average,{#DISKNAME}]", F, "Bps", True),
    (VM, "zabitan.vmware.vm.vdisk.discovery",
     "zabitan.vmware.vm.perf[virtualDisk.totalReadLatency.average,{#DISKNAME}]", F, "ms", False),
    (VM, "zabitan.vmware.vm.vdisk.discovery",
     "zabitan.vmware.vm.perf[virtualDisk.totalWriteLatency.average,{#DISKNAME}]", F, "ms", False),
    (RC, None, "zabitan.remote.result", T, "", False),
    (RC, None, "zabitan.remote.members", U, "", False),
    (RC, None, "zabitan.remote.status", U, "", False),
]
# Computed by Zabbix, never sent: allowed besides the spec, must not be trapper items.
DERIVED = {(EP, "zabitan.vmware.datastore.pfree[{#DATASTORE.UUID}]"): "CALCULATED"}
# Value maps: template -> {name: {value: text}}, each exactly so (Zabbix's own VMware templates'
# numbers), and the items that must use them: (template, key) -> value map name.
VALUEMAPS = {
    HV: {"VMware HostSystemPowerState": {"0": "poweredOff", "1": "poweredOn", "2": "standBy", "3": "unknown"}},
    VM: {"VMware VirtualMachinePowerState": {"0": "poweredOff", "1": "poweredOn", "2": "suspended"}},
}
VALUEMAP_OF = {
    (HV, "zabitan.vmware.hv.powerstate"): "VMware HostSystemPowerState",
    (VM, "zabitan.vmware.vm.powerstate"): "VMware VirtualMachinePowerState",
}
# The only values the collector may send to these keys: those of their value maps.
ENUM_VALUES = {key: set(VALUEMAPS[t][name]) for (t, key), name in VALUEMAP_OF.items()}
HOST_PROTOTYPES = {  # rule key -> (host, visible name, linked template)
    "zabitan.vmware.hv.discovery": ("{#HV.UUID}", "{#HV.NAME}", HV),
    "zabitan.vmware.vm.discovery": ("{#VM.UUID}", "{#VM.NAME}", VM),
}
TRIGGERS = {  # template -> {name: expression} that must exist exactly so
    VM: {"VM CPU high": "min(/zabitan VMware VM/zabitan.vmware.vm.perf[cpu.usage.average],"
                        "{$ZABITAN.VM.CPU.HIGH.PERIOD})>{$ZABITAN.VM.CPU.HIGH}",
         "VM is not powered on": "last(/zabitan VMware VM/zabitan.vmware.vm.powerstate)<>1"},  # poweredOn
    RC: {"zabitan scaling failed": "last(/zabitan remote-cmd/zabitan.remote.status)=1"},
    HV: {"Hypervisor is powered off or unreachable":  # poweredOff or unknown
         "last(/zabitan VMware hypervisor/zabitan.vmware.hv.powerstate)=0 or "
         "last(/zabitan VMware hypervisor/zabitan.vmware.hv.powerstate)=3"},
}
MACROS = {VM: {"{$ZABITAN.VM.CPU.HIGH}": "90", "{$ZABITAN.VM.CPU.HIGH.PERIOD}": "5m"}}
GRAPHS = {HV: {"Hypervisor CPU", "Hypervisor memory"}, VM: {"VM CPU usage", "VM memory", "VM network"}}
MEDIA = {"name": "zabitan SSTP", "type": "SCRIPT", "script_name": "zabitan-sstp",
         "parameters": ["--media-type", "{ALERT.SENDTO}", "{ALERT.SUBJECT}", "{ALERT.MESSAGE}"]}

UUID4 = re.compile(r"^[0-9a-f]{12}4[0-9a-f]{3}[89ab][0-9a-f]{15}$")
LLD_MACRO = re.compile(r"\{#[A-Z0-9_.]+\}")


# ---- item keys ---------------------------------------------------------------------------------------
def split_key(key):
    """(name, [params]) of a Zabbix item key; quoted params unquoted. Nested arrays are not used here."""
    m = re.match(r"^([A-Za-z0-9_.-]+)(?:\[(.*)\])?$", key, re.S)
    if not m:
        raise ValueError("not an item key: %r" % key)
    name, body = m.group(1), m.group(2)
    if body is None:
        return name, None
    params, i = [], 0
    while True:
        while i < len(body) and body[i] == " ":
            i += 1
        if i < len(body) and body[i] == '"':
            j, val = i + 1, ""
            while j < len(body) and body[j] != '"':
                if body[j] == "\\" and j + 1 < len(body) and body[j + 1] == '"':
                    j += 1
                val += body[j]
                j += 1
            if j >= len(body):
                raise ValueError("unterminated quote in %r" % key)
            i = j + 1
            while i < len(body) and body[i] == " ":
                i += 1
        else:
            j = body.find(",", i)
            j = len(body) if j < 0 else j
            val = body[i:j].rstrip(" ")
            i = j
        params.append(val)
        if i >= len(body):
            return name, params
        if body[i] != ",":
            raise ValueError("bad parameter list in %r" % key)
        i += 1


def match_key(pattern, key):
    """{macro: value} when `key` is an instance of the template key `pattern` (LLD macros match any
    parameter text), else None."""
    try:
        pn, pp = split_key(pattern)
        kn, kp = split_key(key)
    except ValueError:
        return None
    if pn != kn or (pp is None) != (kp is None) or (pp is not None and len(pp) != len(kp)):
        return None
    got = {}
    for p, v in zip(pp or [], kp or []):
        macros = LLD_MACRO.findall(p)
        if not macros:
            if p != v:
                return None
            continue
        rx = "".join("(.*)" if LLD_MACRO.fullmatch(part) else re.escape(part)
                      for part in re.split(r"(\{#[A-Z0-9_.]+\})", p) if part)
        m = re.fullmatch(rx, v, re.S)
        if not m:
            return None
        for mac, val in zip(macros, m.groups()):
            if got.get(mac, val) != val:
                return None
            got[mac] = val
    return got


# ---- reading the templates ---------------------------------------------------------------------------
class Templates:
    """Everything of zabbix-templates/*.yaml the checks need."""

    def __init__(self, directory):
        self.files = sorted(os.path.join(directory, f) for f in os.listdir(directory) if f.endswith(".yaml"))
        if not self.files:
            raise SystemExit("keys_test: no .yaml files in %s" % directory)
        self.docs = {f: zbxyaml.load(f)["zabbix_export"] for f in self.files}
        self.templates = {}  # name -> template dict
        self.graphs = []
        self.media = []
        for doc in self.docs.values():
            for t in doc.get("templates", []):
                self.templates[t["template"]] = t
            self.graphs += doc.get("graphs", [])
            self.media += doc.get("media_types", [])

    def objects(self):
        """(template, rule key or None, kind, object) for items, rules and item prototypes."""
        for name, t in self.templates.items():
            for it in t.get("items", []):
                yield name, None, "item", it
            for r in t.get("discovery_rules", []):
                yield name, None, "rule", r
                for p in r.get("item_prototypes", []):
                    yield name, r["key"], "prototype", p

    def trapper_keys(self):
        return {(t, rule, o["key"]): o for t, rule, kind, o in self.objects()
                if kind != "rule" and o.get("type", "ZABBIX_PASSIVE") == "TRAP"}


def triggers_of(t):
    for it in t.get("items", []):
        for tr in it.get("triggers", []):
            yield "trigger", it["key"], tr
    for r in t.get("discovery_rules", []):
        for p in r.get("item_prototypes", []):
            for tr in p.get("trigger_prototypes", []):
                yield "trigger prototype", p["key"], tr
        for tr in r.get("trigger_prototypes", []):
            yield "trigger prototype", None, tr


def static_checks(tp):
    errors = []
    err = errors.append
    for f, doc in tp.docs.items():
        if doc.get("version") != "6.0":
            err("%s: version %r, not '6.0'" % (f, doc.get("version")))

    # UUIDs: on every object that needs one (6.0 refuses the import otherwise), UUIDv4, unique
    seen = {}

    def uuid_of(o, what):
        u = o.get("uuid")
        if u is None:
            err("%s has no uuid" % what)
        elif not UUID4.match(u):
            err("%s: uuid %r is not 32 lowercase hex digits of a UUIDv4" % (what, u))
        elif u in seen and seen[u] != what:
            err("%s: uuid %s is also the uuid of %s" % (what, u, seen[u]))
        else:
            seen[u] = what

    for f, doc in tp.docs.items():
        base = os.path.basename(f)
        for g in doc.get("groups", []):
            uuid_of(g, "group %s" % g["name"])  # a group may be in several files
        for g in doc.get("graphs", []):
            uuid_of(g, "%s: graph %s" % (base, g["name"]))
        for tr in doc.get("triggers", []):
            uuid_of(tr, "%s: trigger %s" % (base, tr["name"]))
        for t in doc.get("templates", []):
            w = "%s: %s" % (base, t["template"])
            uuid_of(t, w)
            for it in t.get("items", []):
                uuid_of(it, "%s: item %s" % (w, it["key"]))
                for tr in it.get("triggers", []):
                    uuid_of(tr, "%s: trigger %s" % (w, tr["name"]))
            for v in t.get("valuemaps", []):
                uuid_of(v, "%s: value map %s" % (w, v["name"]))
            for d in t.get("dashboards", []):
                uuid_of(d, "%s: dashboard %s" % (w, d["name"]))
            for r in t.get("discovery_rules", []):
                uuid_of(r, "%s: discovery rule %s" % (w, r["key"]))
                for p in r.get("item_prototypes", []):
                    uuid_of(p, "%s: item prototype %s" % (w, p["key"]))
                    for tr in p.get("trigger_prototypes", []):
                        uuid_of(tr, "%s: trigger prototype %s" % (w, tr["name"]))
                for tr in r.get("trigger_prototypes", []):
                    uuid_of(tr, "%s: trigger prototype %s" % (w, tr["name"]))
                for gp in r.get("graph_prototypes", []):
                    uuid_of(gp, "%s: graph prototype %s" % (w, gp["name"]))
                for hp in r.get("host_prototypes", []):
                    uuid_of(hp, "%s: host prototype %s" % (w, hp["host"]))

    # the key sets
    spec = {(t, rule, key): (vt, units, kb) for t, rule, key, vt, units, kb in SPEC}
    have = tp.trapper_keys()
    for k in sorted(set(spec) - set(have), key=str):
        err("missing from the templates: %s: %s%s" % (k[0], k[2], " (prototype of %s)" % k[1] if k[1] else ""))
    for k in sorted(set(have) - set(spec), key=str):
        err("not in the key spec: %s: %s%s" % (k[0], k[2], " (prototype of %s)" % k[1] if k[1] else ""))
    for t, rule, kind, o in tp.objects():
        typ = o.get("type", "ZABBIX_PASSIVE")
        if kind != "rule" and typ != "TRAP" and DERIVED.get((t, o["key"])) != typ:
            err("%s: %s %s is of type %s: only trapper items are expected" % (t, kind, o["key"], typ))
    for k in set(spec) & set(have):
        vt, units, kb = spec[k]
        o = have[k]
        where = "%s: %s" % (k[0], k[2])
        if o.get("value_type", "UNSIGNED") != vt:
            err("%s: value_type %s, expected %s" % (where, o.get("value_type", "UNSIGNED"), vt))
        if o.get("units", "") != units:
            err("%s: units %r, expected %r" % (where, o.get("units", ""), units))
        steps = [(s["type"], s.get("parameters", [])) for s in o.get("preprocessing", [])]
        want = [("MULTIPLIER", ["1024"])] if kb else []
        if steps != want:
            err("%s: preprocessing %s, expected %s" % (where, steps, want))
        if o.get("delay", "1m") != "0":
            err("%s: delay %r, a trapper item takes '0'" % (where, o.get("delay")))
        if vt in (C, T) and o.get("trends", "365d") != "0":
            err("%s: a text item keeps no trends (trends: '0')" % where)

    # discovery rules: trapper, the spec's set, prototypes use only the rule's macros
    for tname, rules in RULES.items():
        t = tp.templates.get(tname)
        if t is None:
            err("template %r is missing" % tname)
            continue
        got = {r["key"]: r for r in t.get("discovery_rules", [])}
        if set(got) != set(rules):
            err("%s: discovery rules %s, expected %s" % (tname, sorted(got), sorted(rules)))
        for key, r in got.items():
            if r.get("type") != "TRAP":
                err("%s: discovery rule %s is not a trapper rule" % (tname, key))
            allowed = set(rules.get(key, []))
            texts = []
            for p in r.get("item_prototypes", []):
                texts += [p["key"], p["name"], p.get("params", "")] + [x["value"] for x in p.get("tags", [])]
                for tr in p.get("trigger_prototypes", []):
                    texts += [tr["name"], tr["expression"]]
            for hp in r.get("host_prototypes", []):
                texts += [hp["host"], hp.get("name", "")] + [m.get("value", "") for m in hp.get("macros", [])]
                texts += [g["name"] for g in hp.get("group_prototypes", [])]
            for gp in r.get("graph_prototypes", []):
                texts.append(gp["name"])
            used = {m for s in texts for m in LLD_MACRO.findall(s)}
            if used - allowed:
                err("%s: prototypes of %s use %s, which the rule's rows do not carry" % (tname, key, sorted(used - allowed)))
            for p in r.get("item_prototypes", []):
                if not LLD_MACRO.search(p["key"]):
                    err("%s: item prototype %s has no LLD macro in its key" % (tname, p["key"]))

    # host prototypes
    ep = tp.templates.get(EP, {})
    rules = {r["key"]: r for r in ep.get("discovery_rules", [])}
    for key, (host, name, linked) in HOST_PROTOTYPES.items():
        hps = rules.get(key, {}).get("host_prototypes", [])
        if len(hps) != 1:
            err("%s: %s must have one host prototype, has %d" % (EP, key, len(hps)))
            continue
        hp = hps[0]
        if (hp["host"], hp.get("name"), [x["name"] for x in hp.get("templates", [])]) != (host, name, [linked]):
            err("%s: host prototype of %s is %s/%s/%s, expected %s/%s/[%s]" % (
                EP, key, hp["host"], hp.get("name"), [x["name"] for x in hp.get("templates", [])], host, name, linked))
        if not hp.get("group_links"):
            err("%s: host prototype of %s has no host group" % (EP, key))
        groups = {g["name"] for d in tp.docs.values() for g in d.get("groups", [])}
        for gl in hp.get("group_links", []):
            if gl["group"]["name"] not in groups:
                err("%s: host group %s of a host prototype is not in the file's groups (so not created by an import)"
                    % (EP, gl["group"]["name"]))

    # triggers: references resolve inside their template; the named ones exist exactly
    for tname, t in tp.templates.items():
        keys = {o["key"] for tn, _, kind, o in tp.objects() if tn == tname and kind != "rule"}
        names = {}
        for kind, _, tr in triggers_of(t):
            names[tr["name"]] = tr["expression"]
            for ref_t, ref_k in re.findall(r"/([^/]+)/([A-Za-z0-9_.-]+(?:\[[^\]]*\])?)", tr["expression"] + " " +
                                           tr.get("recovery_expression", "")):
                if ref_t != tname or ref_k not in keys:
                    err("%s: %s %r refers to /%s/%s, not an item of this template" % (tname, kind, tr["name"], ref_t, ref_k))
        for name, expr in TRIGGERS.get(tname, {}).items():
            if names.get(name) != expr:
                err("%s: trigger %r must be %s (found %r)" % (tname, name, expr, names.get(name)))
        macros = {m["macro"]: m.get("value", "") for m in t.get("macros", [])}
        for m, v in MACROS.get(tname, {}).items():
            if macros.get(m) != v:
                err("%s: macro %s must default to %r (found %r)" % (tname, m, v, macros.get(m)))
        used = {m for _, _, tr in triggers_of(t) for m in re.findall(r"\{\$[A-Z0-9_.]+\}", tr["expression"] + tr["name"])}
        for m in used - set(macros):
            err("%s: a trigger uses %s, which the template does not define" % (tname, m))
        # value maps used by items exist in the template; the spec's ones exactly so, on their items
        vmaps = {v["name"]: {m["value"]: m["newvalue"] for m in v.get("mappings", [])} for v in t.get("valuemaps", [])}
        for tn, _, kind, o in tp.objects():
            if tn == tname and "valuemap" in o and o["valuemap"]["name"] not in vmaps:
                err("%s: %s uses value map %r, not defined in the template" % (tname, o["key"], o["valuemap"]["name"]))
        for name, mappings in VALUEMAPS.get(tname, {}).items():
            if vmaps.get(name) != mappings:
                err("%s: value map %r must be %s (found %s)" % (tname, name, mappings, vmaps.get(name)))
        for tn, _, kind, o in tp.objects():
            want = VALUEMAP_OF.get((tn, o["key"]))
            if tn == tname and kind == "item" and want and o.get("valuemap", {}).get("name") != want:
                err("%s: %s must use the value map %r (found %r)" % (tname, o["key"], want, o.get("valuemap")))

    # graphs
    graph_names = {}
    for g in tp.graphs:
        hosts = {gi["item"]["host"] for gi in g["graph_items"]}
        for gi in g["graph_items"]:
            h, k = gi["item"]["host"], gi["item"]["key"]
            if not any(tn == h and o["key"] == k and kind == "item" for tn, _, kind, o in tp.objects()):
                err("graph %r: item %s:%s does not exist" % (g["name"], h, k))
        for h in hosts:
            graph_names.setdefault(h, set()).add(g["name"])
    for tname, names in GRAPHS.items():
        if not names <= graph_names.get(tname, set()):
            err("%s: graphs %s missing" % (tname, sorted(names - graph_names.get(tname, set()))))

    # the media type
    media = [m for m in tp.media if m["name"] == MEDIA["name"]]
    if len(media) != 1:
        err("media type %r: found %d" % (MEDIA["name"], len(media)))
    else:
        m = media[0]
        for k, v in MEDIA.items():
            if m.get(k) != v:
                err("media type %s: %s is %r, expected %r" % (MEDIA["name"], k, m.get(k), v))
        modes = {(x["event_source"], x["operation_mode"]) for x in m.get("message_templates", [])}
        for need_mode in (("TRIGGERS", "PROBLEM"), ("TRIGGERS", "RECOVERY")):
            if need_mode not in modes:
                err("media type %s: no message template for %s/%s" % ((MEDIA["name"],) + need_mode))
    return errors


# ---- what the collector sends ------------------------------------------------------------------------
def split_line(line, lineno):
    """[host, key, clock, ns, value] of a zabbix_sender -T -N input line (zabitan-sender's grammar)."""
    fields, i, n = [], 0, len(line)
    for _ in range(4):
        while i < n and line[i] in " \t":
            i += 1
        if i < n and line[i] == '"':
            val, i = "", i + 1
            while i < n and line[i] != '"':
                if line[i] == "\\" and i + 1 < n:
                    i += 1
                    val += {"n": "\n"}.get(line[i], line[i])
                else:
                    val += line[i]
                i += 1
            if i >= n:
                raise ValueError("line %d: unterminated quote" % lineno)
            i += 1
        else:
            j = i
            while j < n and line[j] not in " \t":
                j += 1
            val, i = line[i:j], j
        fields.append(val)
    while i < n and line[i] in " \t":
        i += 1
    rest = line[i:]
    if rest.startswith('"'):
        if not rest.endswith('"') or len(rest) < 2:
            raise ValueError("line %d: a quoted value must end the line" % lineno)
        val, k = "", 1
        while k < len(rest) - 1:
            if rest[k] == "\\" and k + 1 < len(rest) - 1:
                k += 1
                val += {"n": "\n"}.get(rest[k], rest[k])
            else:
                val += rest[k]
            k += 1
        rest = val
    fields.append(rest)
    if not fields[2].isdigit() or not fields[3].isdigit():
        raise ValueError("line %d: clock and ns must be numbers: %r" % (lineno, line))
    return fields


def lld_rows(value):
    rows = json.loads(value)
    if isinstance(rows, dict):
        rows = rows.get("data", [])
    if not isinstance(rows, list) or not all(isinstance(r, dict) for r in rows):
        raise ValueError("LLD value is not a list of objects")
    return rows


def value_ok(vt, value, key):
    if vt == F:
        try:
            float(value)
            return re.fullmatch(r"-?[0-9]+(\.[0-9]+)?([eE][-+]?[0-9]+)?", value) is not None
        except ValueError:
            return False
    if key in ENUM_VALUES and value not in ENUM_VALUES[key]:
        return False
    if vt == U:
        return value.isdigit() and int(value) < 2 ** 64
    if vt == C:
        return len(value) <= 255 and "\n" not in value
    return True


def collector_checks(tp, lines, endpoint=None):
    errors, notes = [], []
    err = errors.append
    spec = {(t, rule, key): vt for t, rule, key, vt, _, _ in SPEC}
    sent = []
    for n, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            sent.append(split_line(line, n))
        except ValueError as e:
            err(str(e))
    by_host = {}
    for h, k, _, _, v in sent:
        by_host.setdefault(h, []).append((k, v))

    # the endpoint: the host that receives the endpoint rules
    ep_rules = set(RULES[EP])
    eps = {h for h, rows in by_host.items() if any(k in ep_rules for k, _ in rows)}
    if endpoint:
        eps = {endpoint}
    if len(eps) != 1:
        err("cannot tell the endpoint host: %s" % (sorted(eps) or "no endpoint discovery sent"))
        return errors, notes
    ep = eps.pop()

    def rows_of(host, rule):
        out = []
        for k, v in by_host.get(host, []):
            if k == rule:
                try:
                    out += lld_rows(v)
                except ValueError as e:
                    err("%s %s: %s" % (host, k, e))
        return out

    kinds = {ep: EP}
    for rule, tname in (("zabitan.vmware.hv.discovery", HV), ("zabitan.vmware.vm.discovery", VM)):
        macro = HOST_PROTOTYPES[rule][0]
        for row in rows_of(ep, rule):
            if macro in row:
                if kinds.get(row[macro], tname) != tname:
                    err("%s is discovered both as %s and %s" % (row[macro], kinds[row[macro]], tname))
                kinds[row[macro]] = tname
    for h in by_host:
        if h not in kinds:
            err("values for host %s, which is neither the endpoint %s nor a discovered hypervisor or VM" % (h, ep))

    matched = set()
    per_key = {}  # (message, key shown) -> {host: count}: one line per problem, not per value

    def per_value(msg, host):
        per_key.setdefault(msg, {}).setdefault(host, 0)
        per_key[msg][host] += 1

    for host, tname in kinds.items():
        # LLD rows: the rule's macros on every row; what each row discovered, for prototype matching
        discovered = {}
        for rule, macros in RULES[tname].items():
            rows = rows_of(host, rule)
            if any(k == rule for k, _ in by_host.get(host, [])):
                matched.add((tname, None, rule))
            for row in rows:
                missing = [m for m in macros if m not in row]
                extra = sorted(set(row) - set(macros))
                if missing:
                    err("%s %s: a row lacks %s: %s" % (host, rule, missing, json.dumps(row)))
                if extra:
                    notes.append("%s %s: rows also carry %s (no template uses them)" % (host, rule, extra))
            discovered[rule] = rows
        for k, v in by_host.get(host, []):
            if k in RULES[tname]:
                continue
            hit = None
            for (t, rule, pattern), vt in spec.items():
                m = match_key(pattern, k) if t == tname else None
                if m is None:
                    continue
                hit = (t, rule, pattern, vt)
                if rule and not any(all(row.get(mac) == val for mac, val in m.items()) for row in discovered[rule]):
                    per_value("%s: %s: matches the prototype %s, but %s sent no row with %s" % (
                        tname, k, pattern, rule, m), host)
                break
            if not hit:
                per_value("%s: %s: no item or item prototype of the template has this key" % (tname, k), host)
                continue
            t, rule, pattern, vt = hit
            matched.add((t, rule, pattern))
            if not value_ok(vt, v, pattern):
                per_value("%s: %s: a value does not fit the item (%s), e.g. %r" % (tname, pattern, vt, v[:80]), host)
    for msg, hosts in per_key.items():
        err("%s (%d values, %d hosts)" % (msg, sum(hosts.values()), len(hosts)))
    vmware_templates = (EP, HV, VM)
    expected = {(t, r, k) for t, r, k, *_ in SPEC if t in vmware_templates}
    expected |= {(t, None, r) for t in vmware_templates for r in RULES[t]}
    unsent = sorted(expected - matched, key=str)
    for t, r, k in unsent:
        err("never sent: %s: %s" % (t, k))
    notes.append("%d values for %d hosts (%d hypervisors, %d VMs); %d of %d template keys sent" % (
        len(sent), len(kinds), sum(1 for x in kinds.values() if x == HV), sum(1 for x in kinds.values() if x == VM),
        len(expected) - len(unsent), len(expected)))
    return errors, notes


def run_collector(binary, env_file, workdir):
    env = {}
    with open(env_file, encoding="utf-8") as f:
        for line in f:
            line = line.strip()
            if "=" in line and not line.startswith("#"):
                k, _, v = line.partition("=")
                env[k.strip()] = v.strip().strip("'\"")
    os.makedirs(workdir, exist_ok=True)
    pw = os.path.join(workdir, "pw")
    with open(os.open(pw, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "w") as f:
        f.write(env["VCSIM_PASSWORD"] + "\n")
    state = os.path.join(workdir, "state")
    subprocess.run(["rm", "-rf", state], check=True)
    cmd = [binary, "--url", env["VCSIM_URL"], "--user", env["VCSIM_USER"], "--password-file", pw,
           "--ca-file", env["VCSIM_CERT"], "--state-dir", state, "--zabbix-host", "vc-keys", "--dry-run"]
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
    out = os.path.join(workdir, "dry.txt")
    with open(out, "w", encoding="utf-8") as f:
        f.write(r.stdout)
    if r.returncode != 0:
        raise SystemExit("keys_test: %s exited %d: %s" % (binary, r.returncode, r.stderr.strip()[-2000:]))
    return out, "vc-keys"


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("templates_dir")
    ap.add_argument("--dry-run", help="zabitan-vmware --dry-run output to check against the templates")
    ap.add_argument("--endpoint", help="the endpoint's host name in that output (default: found from it)")
    ap.add_argument("--collector", help="zabitan-vmware binary: produce the dry-run output against vcsim")
    ap.add_argument("--vcsim-env", help="the simulator's env file (tests/peers/vcsim/start)")
    ap.add_argument("--workdir", help="folder for the collector's run")
    a = ap.parse_args()

    try:
        tp = Templates(a.templates_dir)
    except (zbxyaml.YamlError, KeyError) as e:
        print("FAIL reading the templates: %s" % e)
        return 1
    errors = static_checks(tp)
    nkeys = len(tp.trapper_keys())
    print("%-4s static: %d files, %d templates, %d trapper keys, %d discovery rules checked against the spec"
          % ("ok" if not errors else "FAIL", len(tp.files), len(tp.templates), nkeys,
             sum(len(r) for r in RULES.values())))
    dry, endpoint = a.dry_run, a.endpoint
    if a.collector:
        if not (a.vcsim_env and a.workdir):
            ap.error("--collector needs --vcsim-env and --workdir")
        dry, endpoint = run_collector(a.collector, a.vcsim_env, a.workdir)
    if dry:
        with open(dry, encoding="utf-8", errors="surrogateescape") as f:
            lines = f.read().splitlines()
        cerrors, notes = collector_checks(tp, lines, endpoint)
        print("%-4s collector: %s" % ("ok" if not cerrors else "FAIL", "; ".join(notes[-1:])))
        for n in notes[:-1]:
            print("note " + n)
        errors += cerrors
    for e in errors:
        print("  - " + e)
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
