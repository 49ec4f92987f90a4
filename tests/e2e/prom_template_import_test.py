#!/usr/bin/env python3
"""e2e (issue #20): `zabitan-prom template` of Debian's node_exporter imported into the real server.

Usage: prom_template_import_test.py ZABITAN_PROM STACK_ENV NODE_EXPORTER_ENV WORKDIR

  generate  zabitan-prom template NODE_EXPORTER_URL --zabbix-host H --rate 'node_network_*'
            -o WORKDIR/template.yaml: every family of the scrape (about 280), read back by
            tests/zabbix-templates/zbxyaml.py; the rated families' counters have trapper
            prom.edgerate[...] prototypes (for the rates the bridge sends) instead of Zabbix's
  import    configuration.import twice (the second must also succeed: re-importing a
            regenerated template updates it, the UUIDs being stable)
  roundtrip configuration.export of the template equals the file (date aside), with the same
            comparison as tests/zabbix-templates/import_test.py (its canonical/as_read_by/diff,
            taken from that file so that both tests mean the same thing by "equal")
  api       the host H exists and is linked to the template; every discovery rule and item
            prototype of the file is on the server, rate prototypes are dependent items with
            CHANGE_PER_SECOND on their raw prototype, edge rates trapper items, units as in
            the file
Runs against 6.0 (e2e.prom_template_import) and 7.0 (..._zabbix7). Deletes what it made.
"""
import ast
import json
import pathlib
import subprocess
import sys
import time

here = pathlib.Path(__file__).resolve().parent
sys.path.insert(0, str(here.parent / "peers" / "zabbix-server"))
sys.path.insert(0, str(here.parent / "zabbix-templates"))
import zapi  # noqa: E402
import zbxyaml  # noqa: E402
from trapper_e2e import Checks  # noqa: E402


def import_test_functions(*names):
    """The named functions of tests/zabbix-templates/import_test.py (a script: running it would run
    its test), compiled from its source."""
    path = here.parent / "zabbix-templates" / "import_test.py"
    tree = ast.parse(path.read_text(), str(path))
    tree.body = [n for n in tree.body if isinstance(n, ast.FunctionDef) and n.name in names]
    ns = {"json": json}
    exec(compile(tree, str(path), "exec"), ns)  # noqa: S102 - our own test file
    return [ns[n] for n in names]


canonical, as_read_by, diff = import_test_functions("canonical", "as_read_by", "diff")

if len(sys.argv) != 5:
    sys.exit(__doc__.split("\n\n")[1])
prom, stack_env, ne_env, work = sys.argv[1:5]
work = pathlib.Path(work).resolve()
work.mkdir(parents=True, exist_ok=True)
z = zapi.Zapi.from_env(stack_env)
VERSION = "Zabbix " + z.version()
HOST = "zabitan-prom-template-e2e"
TEMPLATE = "zabitan prom e2e generated"
checks = Checks()
failures = checks.failures


def check(cond, what, detail=""):
    return checks.check(what, cond, detail)


def step(name, ok, detail):
    checks.step("%s [%s]" % (name, VERSION))
    check(ok, detail)


def delete_ours():
    hosts = z.call("host.get", {"output": ["hostid"], "filter": {"host": [HOST]}})
    if hosts:
        z.call("host.delete", [h["hostid"] for h in hosts])
    tpl = z.call("template.get", {"output": ["templateid"], "filter": {"host": [TEMPLATE]}})
    if tpl:
        z.call("template.delete", [t["templateid"] for t in tpl])


url = zapi.load_env(ne_env)["NODE_EXPORTER_URL"]
out = work / "template.yaml"
RATED = "node_network_*"
r = subprocess.run([prom, "template", url, "--zabbix-host", HOST, "--name", TEMPLATE, "--rate", RATED,
                    "-o", str(out)], capture_output=True, text=True, timeout=60)
if r.returncode != 0:
    sys.exit("FAIL generate: exit %d: %s" % (r.returncode, r.stderr.strip()))
doc = zbxyaml.load(str(out), cross_check=True)["zabbix_export"]
rules = doc["templates"][0]["discovery_rules"]
protos = {p["key"]: p for rule in rules for p in rule["item_prototypes"]}
rates = [p for p in protos.values() if p["type"] == "DEPENDENT"]
edge = [p for p in protos.values() if p["key"].startswith("prom.edgerate[")]
edge_ok = bool(edge) and all(p["type"] == "TRAP" and p["key"].startswith("prom.edgerate[node_network_")
                             for p in edge)
edge_ok = edge_ok and not any(p["key"].startswith("prom.rate[node_network_") for p in rates)
step("generate", len(rules) > 100 and rates and edge_ok,
     "%s: %d families, %d item prototypes (%d rates by Zabbix, %d by the bridge: --rate %s); %s"
     % (out.name, len(rules), len(protos), len(rates), len(edge), RATED, r.stderr.strip()))
if not (len(rules) > 100 and rates and edge_ok):
    sys.exit(1)

try:
    delete_ours()
    for attempt in ("first", "second"):
        t0 = time.monotonic()
        got = z.import_template(out.read_text())
        step("import", got is True, "%s import: %r (%.1f s)" % (attempt, got, time.monotonic() - t0))
        if got is not True:
            sys.exit(1)

    tid = z.call("template.get", {"output": ["templateid"], "filter": {"host": [TEMPLATE]}})[0]["templateid"]
    exported = zbxyaml.loads(z.call("configuration.export", {"format": "yaml", "options": {"templates": [tid]}}),
                             "export")["zabbix_export"]
    # The file's template part: the host and its group go to a host export, not this one.
    mine = dict(doc)
    mine.pop("hosts")
    mine["groups"] = [g for g in doc["groups"] if g["name"] == doc["templates"][0]["groups"][0]["name"]]
    d = diff(canonical(as_read_by(mine, z.version_tuple())), canonical(exported))
    for line in d[:20]:
        check(False, "roundtrip: " + line)
    step("roundtrip", not d, "configuration.export of the template equals the file (%d differences)" % len(d))

    n = len(failures)
    host = z.call("host.get", {"output": ["hostid"], "filter": {"host": [HOST]},
                               "selectParentTemplates": ["host"]})
    check(host and [t["host"] for t in host[0]["parentTemplates"]] == [TEMPLATE],
          "host %s exists, linked to %s" % (HOST, TEMPLATE))
    got_rules = z.call("discoveryrule.get", {"templateids": [tid], "output": ["key_", "type"]})
    check(sorted(x["key_"] for x in got_rules) == sorted(x["key"] for x in rules),
          "%d discovery rules" % len(rules))
    got = z.call("itemprototype.get", {"templateids": [tid], "output": ["key_", "type", "units", "value_type"],
                                       "selectPreprocessing": "extend", "selectDiscoveryRule": ["key_"]})
    got_by = {p["key_"]: p for p in got}
    check(sorted(got_by) == sorted(protos), "%d item prototypes" % len(protos))
    for key, p in protos.items():
        g = got_by.get(key)
        if not g:
            continue
        if not (g["value_type"] == "0" and g["units"] == p.get("units", "")):
            check(False, "%s: float, units %r" % (key, p.get("units", "")), (g["value_type"], g["units"]))
        steps = [s["type"] for s in g["preprocessing"]]
        if p["type"] == "DEPENDENT" and not (g["type"] == "18" and steps == ["10"]):
            check(False, "%s: dependent, CHANGE_PER_SECOND" % key, (g["type"], steps))
        if p["type"] == "TRAP" and not (g["type"] == "2" and steps == []):
            check(False, "%s: trapper, no preprocessing" % key, (g["type"], steps))
    step("api", len(failures) == n, "host linked; %d rules and %d prototypes read back (float, the file's "
         "units), %d rates dependent with CHANGE_PER_SECOND, %d edge rates trapper items (units %s)"
         % (len(got_rules), len(got), len(rates), len(edge), sorted({p.get("units", "") for p in edge})))
finally:
    delete_ours()

if failures:
    print("FAIL %d checks" % len(failures))
    sys.exit(1)
print("ok   the generated template imports into %s and exports back unchanged" % VERSION)
