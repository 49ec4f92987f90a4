#!/usr/bin/env python3
"""e2e (issue #20): zabitan-prom into the real Zabbix server, nothing lost to discovery.

Usage: prom_zabbix_test.py ZABITAN_PROM TEMPLATE_YAML STACK_ENV NODE_EXPORTER_ENV WORKDIR

The test imports TEMPLATE_YAML (tests/prom-bridge/node_exporter_template.yaml: trapper discovery
rules for three node_exporter families, a counter, a gauge and a summary) into the server of
STACK_ENV (6.0, or 7.0 as e2e.prom_zabbix_zabbix7), makes a host with it, and runs zabitan-prom
--once against Debian's node_exporter (one state folder, as cron would) through a recording
proxy (trapper_e2e.py), so it knows every value sent and what the server said.
  first run   a fresh state folder, no item of any series yet: exit 0, one line saying how many
              values wait for discovery, no error line
  converge    runs every 6 s until nothing waits (Zabbix creates the items from the discovery,
              then syncs its configuration)
  history     every family discovered (an item per series of the first scrape); every item's
              first value in history is the first scrape's (its clock); rows per item == distinct
              values sent == values in requests the server fully accepted (none twice, none missing)
Everything the test makes in Zabbix is deleted at the end (also when it fails).
"""
import os
import pathlib
import subprocess
import sys
import time

here = pathlib.Path(__file__).resolve().parent
sys.path.insert(0, str(here.parent / "peers" / "zabbix-server"))
import zapi  # noqa: E402
from trapper_e2e import Checks, RecordingProxy, Runs, compare_history, history_clocks, sent_values  # noqa: E402

if len(sys.argv) != 6:
    sys.exit(__doc__.split("\n\n")[1])
prom, template_yaml, stack_env, ne_env, work = sys.argv[1:6]
work = pathlib.Path(work).resolve()
subprocess.run(["rm", "-rf", str(work)], check=True)
work.mkdir(parents=True)
HOST = "zabitan-prom-e2e"
TEMPLATE = "zabitan prom e2e"
FAMILIES = ["node_cpu_seconds_total", "node_load1", "go_gc_duration_seconds"]
checks = Checks()
check, step = checks.check, checks.step
z = zapi.Zapi.from_env(stack_env)
proxy = RecordingProxy(z.trapper_address())
exporter = zapi.load_env(ne_env)
cmd = [prom, "--target", exporter["NODE_EXPORTER_URL"], "--zabbix-host", HOST,
       "--zabbix-server", "127.0.0.1:%d" % proxy.port, "--state-dir", str(work / "state"), "--once"]
for f in FAMILIES:
    cmd += ["--include", f]
run = Runs(checks, cmd)
runs = run.runs


def delete_ours():
    hosts = z.call("host.get", {"output": ["hostid"], "filter": {"host": [HOST]}})
    if hosts:
        z.call("host.delete", [h["hostid"] for h in hosts])
    templates = z.call("template.get", {"output": ["templateid"], "filter": {"host": [TEMPLATE]}})
    if templates:
        z.call("template.delete", [t["templateid"] for t in templates])


try:
    delete_ours()
    step("zabbix: the template and the host")
    z.import_template(pathlib.Path(template_yaml).read_text())
    tid = z.call("template.get", {"output": ["templateid"], "filter": {"host": [TEMPLATE]}})
    z.call("host.create", {"host": HOST, "groups": [{"groupid": z.group_id("zabitan")}],
                           "templates": [{"templateid": tid[0]["templateid"]}]})
    z.config_cache_reload()  # the discovery rules take values from the first run on

    step("first run: every series new")
    first_waiting = run("first run")
    check("the first run says values wait for discovery", first_waiting > 0, runs[-1])
    step("converge")
    deadline = time.monotonic() + int(os.environ.get("PROM_CONVERGE_TIMEOUT", "150"))
    n = 0
    while True:
        time.sleep(6)  # longer than the test server's CacheUpdateFrequency (5 s); a new clock
        n += 1
        if run("converge run %d" % n) == 0 and n >= 2:
            break
        if time.monotonic() > deadline:
            check("nothing waits within the converge timeout", False, runs[-3:])
            break
    time.sleep(2)  # history syncers flush about once a second

    step("history")
    requests = proxy.requests(save_to=work / "proxy.jsonl")
    discovered = sorted({k for values, _ in requests for _, k, _, _ in values if k.startswith("prom.discovery[")})
    sent, accepted = sent_values(requests, skip=lambda key: key.startswith("prom.discovery["))
    first_clock = min(min(c) for c in sent.values()) if sent else None
    check("each family's discovery was sent (%s)" % discovered,
          discovered == sorted("prom.discovery[%s]" % f for f in FAMILIES), discovered)
    hostid = z.call("host.get", {"output": ["hostid"], "filter": {"host": [HOST]}})[0]["hostid"]
    items = z.call("item.get", {"output": ["itemid", "key_", "value_type"], "hostids": [hostid]})
    by_key = {i["key_"]: i for i in items}
    first_series = {k for (h, k), clocks in sent.items() if first_clock in clocks}
    cpu = [k for k in first_series if k.startswith("prom.value[node_cpu_seconds_total,")]
    check("node_exporter's families discovered: an item for each of the first scrape's %d series "
          "(%d of node_cpu_seconds_total)" % (len(first_series), len(cpu)),
          len(cpu) > 0 and all(k in by_key for k in first_series),
          sorted(k for k in first_series if k not in by_key)[:5])
    rows = history_clocks(z, items)
    total = compare_history(checks, sent, accepted, lambda hk: by_key.get(hk[1]), rows)
    late = []
    for key in sorted(first_series):
        got = rows.get(by_key[key]["itemid"], []) if key in by_key else []
        if not got or min(got) != first_clock:
            late.append((key, min(got) if got else None))
    check("every series' first value in history is the first scrape's (clock %s)" % first_clock,
          first_clock is not None and not late, late[:5])
    singles = sum(1 for values, _ in requests if len({(h, k) for h, k, _, _ in values}) == 1)
    print("requests through the proxy: %d (%d of one item); values sent: %d; runs: %d"
          % (len(requests), singles, total, len(runs)))
finally:
    try:
        delete_ours()
    finally:
        proxy.shutdown()

print("%d failure(s)" % len(checks.failures))
sys.exit(1 if checks.failures else 0)
