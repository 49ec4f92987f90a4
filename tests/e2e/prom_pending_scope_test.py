#!/usr/bin/env python3
"""e2e (issue #20): a value waiting for discovery is delivered after a target is added.

Usage: prom_pending_scope_test.py ZABITAN_PROM STACK_ENV NODE_EXPORTER_ENV WORKDIR

Two hosts A and B (made here, with a template `zabitan-prom template` writes for node_load1).
zabitan-prom --once from one state folder, as cron would:
  run 1       the config has one target, host A: its node_load1 value waits for discovery
  runs 2..n   a second target, host B, added to the config; runs every 6 s until nothing waits
  history     A's first value in history is run 1's (its clock), one row per run, none twice;
              B's values are there too. Before the pending stores were per host, run 2 opened a
              store named by the hosts {A, B} and run 1's value stayed in {A}'s, never sent.
Against 6.0 or 7.0 (e2e.prom_pending_scope_zabbix7). Deletes what it made, also on failure.
"""
import os
import pathlib
import subprocess
import sys
import time
import traceback

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
import prom_e2e  # noqa: E402
from prom_e2e import zapi  # noqa: E402

prom, z, exporter, work = prom_e2e.start(__doc__)
case = prom_e2e.Cases(z)
version, failures = case.version, case.failures
url = exporter["NODE_EXPORTER_URL"]
stamp = time.time_ns()
HOST_A, HOST_B = "zabitan-prom-scope-a-%d" % stamp, "zabitan-prom-scope-b-%d" % stamp
TEMPLATE = "zabitan prom scope %d" % stamp
KEY = "prom.value[node_load1,]"


def config(hosts):
    """A config with one [prom.targets.NAME] table per host, all scraping the same exporter."""
    text = '[prom]\nzabbix_server = "%s:%d"\nstate_dir = "%s"\ninclude = ["node_load1"]\n' % (
        z.trapper_address() + (work / "state",))
    for i, host in enumerate(hosts):
        text += '[prom.targets.t%d]\nurl = "%s"\nzabbix_host = "%s"\n' % (i, url, host)
    path = work / ("zabitan-%d.toml" % len(hosts))
    path.write_text(text)
    path.chmod(0o644)
    return path


def run(conf, label):
    return prom_e2e.run([prom, "--config", str(conf), "--once"], label)


def history(hostid):
    return prom_e2e.float_clocks(z, hostid, KEY)


def rows_of(hostid, want):
    """A host's history clocks once it has `want` rows, or what it has after 30 s (history is
    written about a second after a value is accepted)."""
    try:
        return zapi.wait_for("%d rows" % want, lambda: (lambda h: h if len(h) >= want else None)(history(hostid)), 30)
    except SystemExit:
        return history(hostid)


hostids = []
try:
    gen = subprocess.run([prom, "template", url, "--name", TEMPLATE, "--include", "node_load1",
                          "-o", str(work / "template.yaml")], capture_output=True, text=True, timeout=60)
    assert gen.returncode == 0, gen.stderr
    assert z.import_template((work / "template.yaml").read_text()) is True
    tid = z.call("template.get", {"output": ["templateid"], "filter": {"host": [TEMPLATE]}})[0]["templateid"]
    for host in (HOST_A, HOST_B):
        hostids.append(z.call("host.create", {"host": host, "groups": [{"groupid": z.group_id("zabitan")}],
                                              "templates": [{"templateid": tid}]})["hostids"][0])
    z.config_cache_reload()

    t0 = int(time.time())
    r, waiting = run(config([HOST_A]), "run 1, target A")
    t1 = time.time()
    case("run 1", r.returncode == 0 and r.stderr == "" and waiting == 1,
         "one target: exit %d, %d value waits for discovery" % (r.returncode, waiting))

    both = config([HOST_A, HOST_B])
    runs, ok = 1, True
    deadline = time.monotonic() + int(os.environ.get("PROM_CONVERGE_TIMEOUT", "150"))
    while ok and (runs == 1 or waiting) and time.monotonic() < deadline:
        time.sleep(6)  # longer than the test server's CacheUpdateFrequency (5 s); a new clock
        runs += 1
        r, waiting = run(both, "run %d, targets A and B" % runs)
        ok = r.returncode == 0 and r.stderr == ""
    case("converge", ok and not waiting, "%d runs, the last with nothing waiting" % runs)

    a = rows_of(hostids[0], runs)
    case("history A", a and t0 <= a[0] <= t1 and len(a) == runs and len(set(a)) == runs,
         "clocks %s: the first is run 1's (%d..%d), one row per run" % (a, t0, t1))
    b = rows_of(hostids[1], runs - 1)
    case("history B", len(b) == runs - 1 and len(set(b)) == len(b) and b[0] > t1,
         "clocks %s: one row per run with its target (%d), its first waiting for discovery too" % (b, runs - 1))
except Exception:  # noqa: BLE001 - any failure is the test's, reported as one
    failures.append("setup")
    traceback.print_exc()
finally:
    if hostids:
        z.call("host.delete", hostids)
    t = z.call("template.get", {"output": ["templateid"], "filter": {"host": [TEMPLATE]}})
    if t:
        z.call("template.delete", [x["templateid"] for x in t])
print("%s [Zabbix %s]" % ("FAILED: " + ", ".join(failures) if failures else "all passed", version))
sys.exit(1 if failures else 0)
