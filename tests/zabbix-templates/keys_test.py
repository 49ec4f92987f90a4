#!/usr/bin/env python3
"""zabbix-templates/ against the key spec, and against what zabitan-vmware really sends.

Static (ctest templates.keys):
    keys_test.py TEMPLATES_DIR
  Every YAML file is read (tests/zabbix-templates/zbxyaml.py: standard library, cross-checked with PyYAML
  when installed). The templates must hold exactly the keys of SPEC (keys_spec.py) (items, discovery rules
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
import os
import re
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import zbxyaml  # noqa: E402
from keys_collector import collector_checks  # noqa: E402
from keys_spec import *  # noqa: E402,F401,F403  (the spec: EP, HV, VM, RULES, SPEC…)

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
