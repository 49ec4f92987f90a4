#!/usr/bin/env python3
"""e2e (issue #20): zabitan-prom --discard-unchanged into the real Zabbix server.

Usage: prom_unchanged_test.py ZABITAN_PROM STACK_ENV NODE_EXPORTER_ENV WORKDIR

Zabbix's "Discard unchanged with heartbeat" applied by the bridge (prom-bridge/unchanged.h).
The exporter is the fixture node_exporter_e2e (Debian's node_exporter; its textfile collector
reads the folder of NODE_EXPORTER_ENV, where this test writes zabitan_unchanged_e2e.prom,
rewritten before each run and removed at the end) with three families of its own:
  zabitan_unchanged_constant   a gauge that never changes
  zabitan_unchanged_changing   a gauge given a new value before each run
  zabitan_unchanged_series     two series from the start (so that their label is their identity
                               from the start: mapping.h), a third (series="late") from run 4
and the fixed histogram e2e_histogram.prom (buckets and p50/p90/p99 quantiles: constant).
A template from `zabitan-prom template` (those families), a host with it; zabitan-prom --once
--discard-unchanged HEARTBEAT (one state folder, as cron would) every ~3 s, each run started
just after a second boundary, through a recording proxy (trapper_e2e.py), for RUNS runs.
Each run's clock is that of the changing gauge it sent (checked to lie between the test's
clocks around the run). Then, from history:
  changing    a row at every run's clock (a changed value goes at once)
  constant    rows exactly at the clocks the rule gives for the run clocks: the first run, then
              the first run at least HEARTBEAT after the last row (so once per heartbeat), for
              the constant gauge, the first series of zabitan_unchanged_series, and every
              histogram bucket, _sum, _count and quantile item
  new series  the late series' first row is run 4's clock (the first value of a new series is
              in history, though discarding is on), its rows the rule's from run 4 on
  proxy       every value sent is in history, none twice (compare_history); fewer values sent
              than scraped (printed; each run's own line says how many it discarded)
Everything the test makes in Zabbix is deleted at the end (also when it fails).
"""
import os
import pathlib
import sys
import time

here = pathlib.Path(__file__).resolve().parent
sys.path.insert(0, str(here.parent / "peers" / "zabbix-server"))
import zapi  # noqa: E402
from trapper_e2e import Checks, RecordingProxy, Runs, compare_history, history_clocks, sent_values  # noqa: E402
import prom_checks  # noqa: E402

prom, stack_env, ne_env, work = prom_checks.e2e_args(sys.argv, __doc__)
HOST = "zabitan-prom-unchanged-e2e"
TEMPLATE = "zabitan prom unchanged e2e"
HEARTBEAT = int(os.environ.get("PROM_UNCHANGED_HEARTBEAT", "10"))
RUNS = int(os.environ.get("PROM_UNCHANGED_RUNS", "16"))
LATE_RUN = 4  # the run (1-based) from which the second series exists
CONST, CHANGING, SERIES = "zabitan_unchanged_constant", "zabitan_unchanged_changing", "zabitan_unchanged_series"
HIST = "zabitan_e2e_request_duration_seconds"
FAMILIES = [CONST, CHANGING, SERIES, HIST]
textfile = pathlib.Path(ne_env).resolve().parent / "zabitan_unchanged_e2e.prom"
checks = Checks()
check, step = checks.check, checks.step
z = zapi.Zapi.from_env(stack_env)
proxy = RecordingProxy(z.trapper_address())
exporter = zapi.load_env(ne_env)
cmd = [prom, "--target", exporter["NODE_EXPORTER_URL"], "--zabbix-host", HOST,
       "--zabbix-server", "127.0.0.1:%d" % proxy.port, "--state-dir", str(work / "state"), "--once",
       "--discard-unchanged", str(HEARTBEAT)]
for f in FAMILIES:
    cmd += ["--include", f]
runs_ = Runs(checks, cmd)
run_clocks = []  # per run: the clock of its values


def write_textfile(n):
    lines = ["# TYPE %s gauge" % CONST, "%s 42" % CONST,
             "# TYPE %s gauge" % CHANGING, "%s %d" % (CHANGING, 1000 + n),
             "# TYPE %s gauge" % SERIES, '%s{series="first"} 7' % SERIES, '%s{series="second"} 7' % SERIES]
    if n >= LATE_RUN:
        lines.append('%s{series="late"} 8' % SERIES)
    tmp = textfile.with_suffix(".tmp")  # the collector reads *.prom only: renamed whole
    tmp.write_text("\n".join(lines) + "\n")
    tmp.rename(textfile)


def run(n):
    write_textfile(n)
    n_requests = len(proxy.requests())
    time.sleep(1.02 - time.time() % 1)  # start just after a second: the run's clock is that second
    t0 = int(time.time())
    runs_("run %d" % n)
    t1 = int(time.time())
    clocks = {c for values, _ in proxy.requests()[n_requests:] for _, k, c, _ in values
              if k.startswith("prom.value[%s," % CHANGING)}
    # The changing gauge is due every run; while its item does not exist yet it waits (and
    # earlier runs' values go with later runs): this run's is the newest.
    clock = max(clocks) if clocks else None
    check("run %d sent the changing gauge with a clock within the run (%s..%s): %s" % (n, t0, t1, clock),
          clock is not None and t0 <= clock <= t1, sorted(clocks))
    run_clocks.append(clock)


def rule(clocks, heartbeat):
    """The clocks a constant value is sent at: the first, then the first at least `heartbeat`
    after the last sent (Zabbix's "Discard unchanged with heartbeat")."""
    sent = []
    for c in clocks:
        if not sent or c - sent[-1] >= heartbeat:
            sent.append(c)
    return sent


def delete_ours():
    prom_checks.delete_host_and_template(z, HOST, TEMPLATE)


try:
    delete_ours()
    write_textfile(1)
    step("zabbix: the template (zabitan-prom template) and the host")
    prom_checks.template_and_host(checks, z, prom, exporter["NODE_EXPORTER_URL"], FAMILIES, TEMPLATE, HOST, work)

    step("runs: --discard-unchanged %d, one every ~3 s" % HEARTBEAT)
    for n in range(1, RUNS + 1):
        run(n)
        time.sleep(2)  # ~3 s between runs: several runs per heartbeat
    # The last values may still wait for their items: runs without new values until none waits.
    deadline = time.monotonic() + int(os.environ.get("PROM_CONVERGE_TIMEOUT", "150"))
    while runs_.runs[-1][2] > 0 and time.monotonic() < deadline:
        time.sleep(6)  # longer than the test server's CacheUpdateFrequency (5 s)
        run(len(run_clocks) + 1)
    check("nothing waits at the end", runs_.runs[-1][2] == 0, runs_.runs[-3:])
    time.sleep(2)  # history syncers flush about once a second

    step("history")
    requests = proxy.requests(save_to=work / "proxy.jsonl")
    sent, accepted = sent_values(requests, skip=lambda key: key.startswith("prom.discovery["))
    hostid = z.call("host.get", {"output": ["hostid"], "filter": {"host": [HOST]}})[0]["hostid"]
    items = z.call("item.get", {"output": ["itemid", "key_", "value_type"], "hostids": [hostid]})
    by_key = {i["key_"]: i for i in items}
    rows = history_clocks(z, items)
    compare_history(checks, sent, accepted, lambda hk: by_key.get(hk[1]), rows)
    clocks = [c for c in run_clocks if c is not None]

    def history_of(prefix, contains=""):
        keys = [k for k in by_key if k.startswith(prefix) and contains in k]
        return {k: sorted(rows.get(by_key[k]["itemid"], [])) for k in keys}

    changing = history_of("prom.value[%s," % CHANGING)
    check("the changing gauge has a row at each of the %d runs' clocks: %s"
          % (len(clocks), [len(v) for v in changing.values()]),
          len(changing) == 1 and list(changing.values())[0] == clocks, (changing, clocks))
    want = rule(clocks, HEARTBEAT)
    constant = dict(history_of("prom.value[%s," % CONST))
    constant.update(history_of("prom.value[%s," % SERIES, "first"))
    for prefix in ("prom.bucket[%s," % HIST, "prom.value[%s_" % HIST, "prom.quantile[%s," % HIST):
        constant.update(history_of(prefix))
    wrong = {k: v for k, v in constant.items() if v != want}
    check("%d constant items (the gauge, a series, the histogram's buckets, _sum, _count, quantiles) "
          "have rows exactly at the rule's %d clocks of %d runs (heartbeat %d s): %s"
          % (len(constant), len(want), len(clocks), HEARTBEAT, want),
          len(constant) >= 8 and not wrong, sorted(wrong.items())[:3])
    late = history_of("prom.value[%s," % SERIES, "late")
    want_late = rule(clocks[LATE_RUN - 1:], HEARTBEAT)
    check("the series new at run %d has its first value in history (clock %s), then the rule's rows: %s"
          % (LATE_RUN, clocks[LATE_RUN - 1] if len(clocks) >= LATE_RUN else None, list(late.values())),
          len(late) == 1 and list(late.values())[0] == want_late, (late, want_late))
    n_sent = sum(len(c) for c in sent.values())
    print("values sent: %d over %d runs; every run's would have been %d (%d items)"
          % (n_sent, len(clocks), len(clocks) * len(constant | changing | late), len(constant | changing | late)))
finally:
    try:
        delete_ours()
    finally:
        proxy.shutdown()
        textfile.unlink(missing_ok=True)

print("%d failure(s)" % len(checks.failures))
sys.exit(1 if checks.failures else 0)
