"""prom_vs_http_agent_bench.py --node: node_exporter's own series, each way with and without
"Discard unchanged with heartbeat" (the bridge's --discard-unchanged: prom-bridge/unchanged.h).
See that script's docstring; `m` is that script's module (its server, exporter, relays,
windows and CPU counters)."""
import signal
import subprocess
import time

import prom_checks
import zapi

PATTERN, DISCARD = 22, 20  # item preprocessing types: Prometheus pattern, discard unchanged + heartbeat


def pattern(name, labels):
    return name + ("{%s}" % ",".join('%s="%s"' % kv for kv in labels) if labels else "")


def http_host(m, host, series, discard):
    """An HTTP agent master item (disabled) and a dependent item per series; returns the master."""
    hid = m.z.call("host.create", {"host": host, "groups": [{"groupid": m.z.group_id("zabitan bench")}]})["hostids"][0]
    master = m.z.call("item.create", {
        "hostid": hid, "name": "metrics", "key_": "bench.metrics", "type": 19, "status": 1,
        "url": "http://127.0.0.1:%d/metrics" % m.relays["http"].port, "value_type": zapi.VT_TEXT,
        "history": "0", "trends": "0", "delay": "%ds" % m.INTERVAL, "timeout": "10s"})["itemids"][0]
    steps = lambda s: [{"type": PATTERN, "params": "%s\nvalue\n" % pattern(*s), "error_handler": 0,  # noqa: E731
                        "error_handler_params": ""}] + ([{"type": DISCARD, "params": str(m.HEARTBEAT),
                                                          "error_handler": 0, "error_handler_params": ""}]
                                                        if discard else [])
    m.z.call("item.create", [{"hostid": hid, "name": "v%d" % i, "key_": "bench.v[%d]" % i, "type": 18,
                              "master_itemid": master, "value_type": zapi.VT_FLOAT, "history": "7d",
                              "trends": "0", "preprocessing": steps(s)} for i, s in enumerate(series)])
    return master


def http_window(m, name, masters):
    m.z.call("item.update", [{"itemid": i, "status": 0} for i in masters])
    m.z.config_cache_reload()
    time.sleep(m.INTERVAL * 2)  # the first poll within an interval, its values all pass
    w = m.window(name)
    m.z.call("item.update", [{"itemid": i, "status": 1} for i in masters])
    m.z.config_cache_reload()
    return w


def bridge_window(m, name, cmd, extra):
    log = m.work / ("%s.log" % name)
    with open(log, "w") as out:
        m.bridge = subprocess.Popen(cmd + ["--daemon", "--interval", str(m.INTERVAL), "-v"] + extra, stdout=out)
        time.sleep(m.INTERVAL * 2)  # its first cycle sends every value (a new memory)
        b0 = m.tree_ticks(m.bridge.pid) / m.TICK
        w = m.window(name)
        b_cpu = (m.tree_ticks(m.bridge.pid) / m.TICK - b0) / m.WINDOW
        m.bridge.send_signal(signal.SIGTERM)
        m.bridge.wait(timeout=30)
    lines = [ln for ln in log.read_text().splitlines() if "values sent" in ln]
    print("   %s: the bridge's last cycle: %s" % (name, " | ".join(lines[-1:])))
    return w, b_cpu


def main(m):
    url = "http://127.0.0.1:%d/metrics" % m.relays["bridge"].port
    a = prom_checks.scrape(url)[2]
    time.sleep(m.INTERVAL)
    b = prom_checks.scrape(url)[2]
    series = sorted(set(a) & set(b))
    changed = sum(1 for s in series if a[s] != b[s])
    n, copies = len(series), m.COPIES
    print("%s: node_exporter's own series (default collectors): %d; %d of them (%.0f%%) changed between two "
          "scrapes %g s apart; %d hosts each way, every %g s, windows of %g s, heartbeat %d s; %s"
          % (m.SERVER, n, changed, 100.0 * changed / n, m.INTERVAL, copies, m.INTERVAL, m.WINDOW, m.HEARTBEAT,
             time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())), flush=True)
    names = {w: ["bench-%s-%s-%d" % (w, m.RUN, c) for c in range(copies)] for w in ("http", "httpd", "bridge")}
    m.hosts.extend(h for hs in names.values() for h in hs)  # cleanup() deletes them
    masters = {"http": [http_host(m, h, series, False) for h in names["http"]],
               "http discard": [http_host(m, h, series, True) for h in names["httpd"]]}
    subprocess.run([m.prom, "template", url, "--name", m.TEMPLATE, "-o", str(m.work / "template.yaml")], check=True)
    m.z.import_template((m.work / "template.yaml").read_text())
    tid = m.z.call("template.get", {"output": ["templateid"], "filter": {"host": [m.TEMPLATE]}})[0]["templateid"]
    rates = m.z.call("itemprototype.get", {"templateids": [tid], "output": ["itemid"], "search": {"key_": "prom.rate["}})
    if rates:  # one item per series, as the HTTP agent's: Zabbix's per-second items are extra work
        m.z.call("itemprototype.delete", [r["itemid"] for r in rates])
    gid = m.z.group_id("zabitan bench")
    for h in names["bridge"]:
        m.z.call("host.create", {"host": h, "groups": [{"groupid": gid}], "templates": [{"templateid": tid}]})
    m.z.config_cache_reload()
    # One zabitan-prom, a target per bridge host (the config's tables), all on the one exporter.
    cfg = m.work / "prom.toml"
    cfg.write_text('[prom]\nzabbix_server = "127.0.0.1:%s"\nstate_dir = "%s"\n' % (
        m.z.env["ZBX_TRAPPER_PORT"], m.work / "state") + "".join(
        '[prom.targets.c%d]\nurl = "%s"\nzabbix_host = "%s"\n' % (c, url, h) for c, h in enumerate(names["bridge"])))
    cfg.chmod(0o600)
    m.work.chmod(0o755)  # the config is read as a trusted file
    cmd = [m.prom, "--config", str(cfg)]

    def converged():
        r = subprocess.run(cmd + ["--once"], capture_output=True, text=True)
        return r.returncode == 0 and "wait until" not in r.stdout

    zapi.wait_for("the bridge's items", converged, timeout=600, delay=6)
    items = m.z.call("item.get", {"host": names["bridge"][0], "output": ["itemid"], "filter": {"type": 2}})
    print("   items per host: %d dependent items (HTTP agent), %d trapper items (bridge)" % (n, len(items)), flush=True)
    # The idle window right after the items' creation caught the configuration syncer still busy
    # with them (6.0, first run: it made every other window look cheaper); let it settle.
    m.z.config_cache_reload()
    time.sleep(3 * m.INTERVAL)
    idle = m.window("idle")
    http = http_window(m, "http", masters["http"])
    httpd = http_window(m, "http discard", masters["http discard"])
    ours, b_cpu = bridge_window(m, "bridge", cmd, [])
    oursd, bd_cpu = bridge_window(m, "bridge discard", cmd, ["--discard-unchanged", str(m.HEARTBEAT)])
    per = lambda cps: cps * 60 / (n * copies / 1000)  # noqa: E731
    ws = (http, httpd, ours, oursd)
    print("%-44s %10s %10s %10s %10s" % ("(idle: zabbix_server %.3f, PostgreSQL %.3f CPU s/s)" % idle[:2],
                                         "HTTP", "HTTP+disc.", "bridge", "bridge+dis."))
    print("%-44s %10.3f %10.3f %10.3f %10.3f" % ("zabbix_server CPU s per 1,000 series per minute",
                                                 *(per(w[0] - idle[0]) for w in ws)))
    print("%-44s %10.3f %10.3f %10.3f %10.3f" % ("PostgreSQL CPU s per 1,000 series per minute",
                                                 *(per(w[1] - idle[1]) for w in ws)))
    kinds = sorted({k for w in ws for k in w[3]}, key=lambda k: -max(w[3].get(k, 0) - idle[3].get(k, 0) for w in ws))
    for k in kinds:
        v = [per(w[3].get(k, 0) - idle[3].get(k, 0)) for w in ws]
        if max(abs(x) for x in v) >= 0.002:
            print("  %-42s %10.3f %10.3f %10.3f %10.3f" % (k, *v))
    # Without the configuration syncer, whose work is the items' count, not the values': what
    # the values cost, and the noise of its syncs out.
    path = [per(sum(w[3].get(k, 0) - idle[3].get(k, 0) for k in w[3] if k != "configuration syncer")) for w in ws]
    print("%-44s %10.3f %10.3f %10.3f %10.3f" % ("  all but the configuration syncer", *path))
    print("zabitan-prom's own CPU: %.3f (plain), %.3f (discard) s per 1,000 series per minute" % (per(b_cpu), per(bd_cpu)))
    cost = [per(w[0] - idle[0]) for w in ws]
    for what, base, ours_ in (("HTTP agent", cost[0], cost[3]), ("HTTP agent with discard", cost[1], cost[3]),
                              ("HTTP agent with discard, all but the configuration syncer", path[1], path[3])):
        r = base / ours_ if ours_ > 0 else float("inf")
        print("target: the bridge with --discard-unchanged at least 5x less zabbix_server CPU than the %s: %s (%.1fx)"
              % (what, "met" if r >= 5 else "NOT met", r))
    return True
