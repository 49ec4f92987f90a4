#!/usr/bin/env python3
"""e2e (issue #20): zabitan-prom into the real Zabbix server, nothing lost to discovery.

Usage: prom_zabbix_test.py ZABITAN_PROM STACK_ENV NODE_EXPORTER_ENV WORKDIR

The test makes a template with `zabitan-prom template` from node_exporter (the fixture
node_exporter_e2e: Debian's node_exporter serving also tests/peers/node-exporter/
e2e_histogram.prom) for four families: a counter (node_cpu_seconds_total), a gauge, a summary
and a histogram. It imports it into the server of STACK_ENV (6.0, or 7.0 as
e2e.prom_zabbix_zabbix7), makes a host with it, and runs zabitan-prom --once (one state folder,
as cron would) through a recording proxy (trapper_e2e.py), so it knows every value sent and what
the server said. Each run starts just after a second boundary (the bridge's clock is the whole
second it starts in) and is bracketed by two scrapes of the exporter by the test itself.
  first run   a fresh state folder, no item of any series yet: exit 0, one line saying how many
              values wait for discovery, no error line
  converge    runs every 6 s until nothing waits (Zabbix creates the items from the discovery,
              then syncs its configuration)
  history     every family discovered (an item per series of the first scrape), its discovery
              value sent by the first run only (the series do not change); every item's
              first value in history is the first scrape's (its clock); rows per item == distinct
              values sent == values in requests the server fully accepted (none twice, none missing)
  rate        every row of the template's per-second items (prom.rate[...], CHANGE_PER_SECOND on
              the raw counter) is (v2 - v1) / (t2 - t1) of the raw item's history rows; each raw
              value lies between the test's own scrapes around its run; and each rate matches the
              exporter's own rate over those scrapes within the tolerance these brackets give
              (prom_checks.py; computed per row, printed)
  quantile    p50/p90/p99 of the histogram in history equal Prometheus' histogram_quantile() of
              the exporter's buckets, computed here in Python
Everything the test makes in Zabbix is deleted at the end (also when it fails).
"""
import os
import pathlib
import sys
import time
from fractions import Fraction

here = pathlib.Path(__file__).resolve().parent
sys.path.insert(0, str(here.parent / "peers" / "zabbix-server"))
import zapi  # noqa: E402
from trapper_e2e import Checks, RecordingProxy, Runs, compare_history, history_clocks, sent_values  # noqa: E402
import prom_checks  # noqa: E402

prom, stack_env, ne_env, work = prom_checks.e2e_args(sys.argv, __doc__)
HOST = "zabitan-prom-e2e"
TEMPLATE = "zabitan prom e2e"
CPU, HIST = "node_cpu_seconds_total", "zabitan_e2e_request_duration_seconds"
FAMILIES = [CPU, "node_load1", "go_gc_duration_seconds", HIST]
checks = Checks()
check, step = checks.check, checks.step
z = zapi.Zapi.from_env(stack_env)
proxy = RecordingProxy(z.trapper_address())
exporter = zapi.load_env(ne_env)
cmd = [prom, "--target", exporter["NODE_EXPORTER_URL"], "--zabbix-host", HOST,
       "--zabbix-server", "127.0.0.1:%d" % proxy.port, "--state-dir", str(work / "state"), "--once"]
for f in FAMILIES:
    cmd += ["--include", f]
runs_ = Runs(checks, cmd)
runs = runs_.runs
brackets = []  # per run: the test's own scrape of the exporter before it and after it
run_discoveries = []  # per run: the discovery keys it sent


def run(label):
    before = prom_checks.scrape(exporter["NODE_EXPORTER_URL"])
    n_requests = len(proxy.requests())
    time.sleep(1.02 - time.time() % 1)  # start just after a second: the run's clock is that second
    waiting = runs_(label)
    brackets.append((before, prom_checks.scrape(exporter["NODE_EXPORTER_URL"])))
    run_discoveries.append(sorted({k for values, _ in proxy.requests()[n_requests:]
                                   for _, k, _, _ in values if k.startswith("prom.discovery[")}))
    return waiting


def delete_ours():
    prom_checks.delete_host_and_template(z, HOST, TEMPLATE)


def float_rows(itemid):
    """[(clock + ns, value)] of a float item's history, oldest first; the time exact (a Fraction:
    a float of ~1.8e9 s keeps only 0.24 µs, which a rate over a second or two would show)."""
    got = z.call("history.get", {"history": zapi.VT_FLOAT, "itemids": [itemid], "output": "extend",
                                 "sortfield": "clock", "sortorder": "ASC", "limit": 10000})
    return sorted((Fraction(int(r["clock"])) + Fraction(int(r["ns"]), 10**9), float(r["value"])) for r in got)


def close(a, b, rel=1e-9):
    return abs(a - b) <= rel * max(1.0, abs(a), abs(b))


def run_of(t):
    """The run whose value has clock t: the one started in that second, between its brackets."""
    return next((i for i, (b, a) in enumerate(brackets) if int(b[1]) <= t <= a[0]), None)


def rate_and_quantile_checks(hostid):
    step("rate: the template's per-second items against the raw values and the exporter")
    items = z.call("item.get", {"hostids": [hostid], "output": ["itemid", "key_"]})
    by_key = {i["key_"]: i["itemid"] for i in items}
    first = brackets[0][0][2]
    ident = prom_checks.identity(first, CPU)
    missing, outside, wrong, off, n_rates, n_raw, worst = [], [], [], [], 0, 0, None
    for name, labels in sorted(first):
        if name != CPU:
            continue
        s = (name, labels)
        sid = prom_checks.key_param(prom_checks.series_id(labels, ident))
        raw, rate = by_key.get("prom.value[%s,%s]" % (CPU, sid)), by_key.get("prom.rate[%s,%s]" % (CPU, sid))
        if not raw or not rate:
            missing.append(sid)
            continue
        raw_rows, rate_rows = float_rows(raw), float_rows(rate)
        for t, v in raw_rows:  # each raw value lies between the test's scrapes around its run
            i = run_of(t)
            n_raw += 1
            if i is None or not brackets[i][0][2][s] <= v <= brackets[i][1][2][s]:
                outside.append((sid, t, v, i))
        for t, r in rate_rows:
            n_rates += 1
            j = next((j for j, (tr, _) in enumerate(raw_rows) if abs(tr - t) < 1e-6), 0)
            if j == 0:
                wrong.append((sid, t, r, "no earlier raw value at that time"))
                continue
            (t1, v1), (t2, v2) = raw_rows[j - 1], raw_rows[j]
            if not close(r, (v2 - v1) / (t2 - t1)):
                wrong.append((sid, t, r, (v2 - v1) / (t2 - t1)))
            # The exporter's own rate between the test's scrapes before the two runs, and the
            # tolerance the brackets give: each raw value is somewhere in its run's bracket (the
            # counter moved A'-A and B'-B during the runs), and the bridge's clocks span dc while
            # the test's scrapes span dt (both known: the difference is accounted exactly).
            i, k = run_of(t1), run_of(t2)
            if i is None or k is None:
                continue
            (a0, a1, A), (_, _, A2) = brackets[i][0], brackets[i][1]
            (b0, b1, B), (_, _, B2) = brackets[k][0], brackets[k][1]
            dt, dc = (b0 + b1) / 2 - (a0 + a1) / 2, t2 - t1
            r_ex = (B[s] - A[s]) / dt
            tol = ((A2[s] - A[s]) + (B2[s] - B[s])) / dc + abs(r_ex) * abs(dt - dc) / dc + 1e-9
            if abs(r - r_ex) > tol:
                off.append((sid, r, r_ex, tol))
            if worst is None or abs(r - r_ex) / max(tol, 1e-12) > abs(worst[1] - worst[2]) / max(worst[3], 1e-12):
                worst = (sid, r, r_ex, tol)
    check("every %s series has its raw and per-second item (from the generated template)" % CPU,
          not missing and n_raw > 0, missing[:5])
    check("each raw value (%d) lies between the test's own scrapes of the exporter around its run" % n_raw,
          not outside, outside[:5])
    check("each per-second value (%d) is (v2 - v1) / (t2 - t1) of the raw item's history" % n_rates,
          n_rates > 0 and not wrong, wrong[:5])
    check("each per-second value matches the exporter's rate within its bracket tolerance (closest to "
          "the bound: %s %.6f/s vs the exporter's %.6f/s, tolerance %.6f)" % (worst or ("-", 0, 0, 0)),
          n_rates > 0 and not off, off[:5])

    step("quantile: the histogram's p50/p90/p99 in history against the exporter's buckets")
    hist_ident = prom_checks.identity(first, HIST, part="le")
    buckets = {}
    for (name, labels), v in first.items():
        if name == HIST + "_bucket":
            d = dict(labels)
            sid = prom_checks.series_id(tuple(kv for kv in labels if kv[0] != "le"), hist_ident)
            buckets.setdefault(sid, []).append((float(d["le"]), v))
    bad, n_q = [], 0
    for sid, b in sorted(buckets.items()):
        for q, qs, p in ((0.5, "0.5", "p50"), (0.9, "0.9", "p90"), (0.99, "0.99", "p99")):
            want = prom_checks.histogram_quantile(q, b)
            item = by_key.get("prom.quantile[%s,%s,%s]" % (HIST, prom_checks.key_param(sid), qs))
            got = float_rows(item) if item else []
            n_q += len(got)
            if not got or any(not close(v, want) for _, v in got):
                bad.append((sid, qs, want, got[:3]))
            else:
                print("   %s %s %s: %s in history (%d rows), computed from the buckets: %s"
                      % (HIST, sid, p, got[0][1], len(got), want))
    check("%d series, 3 quantiles each, %d history rows equal histogram_quantile() of the exporter's buckets"
          % (len(buckets), n_q), len(buckets) == 2 and not bad, bad[:5])


try:
    delete_ours()
    step("zabbix: the template (zabitan-prom template) and the host")
    prom_checks.template_and_host(checks, z, prom, exporter["NODE_EXPORTER_URL"], FAMILIES, TEMPLATE, HOST, work)

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
    # The series do not change between runs: their discovery values went with the first run only
    # (prom-bridge/discovery_memory.h; the next one is due after an hour or a change).
    check("the first run sent every family's discovery, the %d later runs (series unchanged) none: %s"
          % (len(run_discoveries) - 1, [len(d) for d in run_discoveries]),
          run_discoveries[:1] == [discovered] and not any(run_discoveries[1:]), run_discoveries)
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
    rate_and_quantile_checks(hostid)
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
