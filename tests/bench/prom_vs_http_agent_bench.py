#!/usr/bin/env python3
"""Benchmark (issue #20): Zabbix's own way of reading a Prometheus exporter against zabitan-prom,
on the same real server (6.0 or 7.0), the same exporter, the same series.

Usage: prom_vs_http_agent_bench.py ZABITAN_PROM STACK_ENV WORKDIR [--series N] [--window S]
                                   [--interval S]            (defaults 1000, 45, 10: ctest's run)
                                   [--node [--heartbeat S] [--copies N]]  (node_exporter's series)

The exporter is Debian's node_exporter (its default collectors) serving also N gauge series
zabitan_bench_value{id="0".."N-1"} from a textfile, started by this script. Two hosts:
  http    an HTTP agent master item on /metrics (history 0, as Zabbix's own node exporter
          template has it) and N dependent items, each with one "Prometheus pattern" step
          (zabitan_bench_value{id="i"}, value), made through the API: all parsing on the server;
  bridge  the template `zabitan-prom template` makes (one discovery rule, one prototype),
          filled by zabitan-prom --daemon --include zabitan_bench_value: the bridge scrapes and
          parses, the server gets N trapper values per scrape, and the family's discovery value
          only when due (prom-bridge/discovery_memory.h: the converging --once runs delivered
          it, so none goes within the window, as in any hour with unchanged series).
Both every --interval seconds. Three windows of --window seconds each, one after the other:
idle (nothing collected), http, bridge. In each: the CPU time of the server's processes (the
zabbix_server process tree; PostgreSQL's separately) from /proc/PID/stat (utime + stime, and
cutime + cstime for children that have exited) at both ends, minus the idle window's. After
each window, the time from scrape to history over 3 cycles: a small TCP relay in front of the
exporter notes when each HTTP request starts, the test polls the history of three of the N
items (first, middle, last) every 0.2 s, and a cycle's time is when all three had a new row
minus its scrape's start (up to 0.2 s of polling included, for each way).
A fourth window, "values only", sends the same N values to the bridge's host through the
trapper every interval, in one request, with no discovery value: the floor of any push of N
values (the bridge sends them in requests of 250, then 4000, as the sender library does). The zabbix_server figure is also split by kind of server process (trapper, preprocessing,
poller, history syncer, lld...: the process title in /proc/PID/cmdline, live processes only).
Prints per 1,000 series per minute, side by side with the ratio
(target: the bridge at least 5x less server CPU). Not a timed test: it fails only if a way
stores nothing.

--node: the series are node_exporter's own (its default collectors, no textfile), which behave
like real ones: the share of them that changes between two scrapes one --interval apart is
measured and printed first. One item per series each way (the HTTP agent's dependent items with
a Prometheus pattern of the series' name and labels; the bridge's template without its
prom.rate prototypes, so both store the same series), on --copies hosts each way (default 10:
one exporter's ~500 series are too few for the server's CPU to tell apart from its idle noise;
the bridge scrapes it once per host, from a config with a table per host), and four windows
after the idle one:
http, http with "Discard unchanged with heartbeat" (--heartbeat S, default 600) on every
dependent item, the bridge, and the bridge with --discard-unchanged S (prom-bridge/unchanged.h).
Each window follows a cycle of warm-up (the first value of each item passes either way). No
latency: the constant series have no new rows to time.
"""
import os
import pathlib
import signal
import socket
import subprocess
import sys
import threading
import time

here = pathlib.Path(__file__).resolve().parent
sys.path.insert(0, str(here.parent / "peers" / "zabbix-server"))
import zapi  # noqa: E402

sys.path.insert(0, str(here.parent / "e2e"))
sys.path.insert(0, str(here))


def opt(name, default):
    return type(default)(sys.argv[sys.argv.index(name) + 1]) if name in sys.argv else default


prom, stack_env, work = sys.argv[1:4]
N, WINDOW, INTERVAL = opt("--series", 1000), opt("--window", 45.0), opt("--interval", 10.0)
NODE, HEARTBEAT, COPIES = "--node" in sys.argv, opt("--heartbeat", 600), opt("--copies", 10)
work = pathlib.Path(work).resolve()
work.mkdir(parents=True, exist_ok=True)
z = zapi.Zapi.from_env(stack_env)
SERVER = "Zabbix " + z.version()
RUN = "%x" % (time.time_ns() // 1000000)
FAMILY = "zabitan_bench_value"
TICK = os.sysconf("SC_CLK_TCK")
ne_dir = work / "node-exporter"
peer = here.parent / "peers" / "node-exporter"


# ---- CPU of a process tree ---------------------------------------------------------------------
def children():
    kids = {}
    for p in os.listdir("/proc"):
        if p.isdigit():
            try:
                stat = pathlib.Path("/proc/%s/stat" % p).read_text()
            except OSError:
                continue
            f = stat.rsplit(")", 1)[1].split()
            kids.setdefault(int(f[1]), []).append((int(p), sum(map(int, f[11:15]))))
    return kids


def tree_ticks(root_pid):
    """CPU of root_pid and its descendants so far (clock ticks): utime + stime of each, and the
    cutime + cstime of the children each has reaped (PostgreSQL's backends come and go)."""
    kids = children()
    own = pathlib.Path("/proc/%d/stat" % root_pid).read_text().rsplit(")", 1)[1].split()
    total, todo = sum(map(int, own[11:15])), [root_pid]
    while todo:
        for pid, ticks in kids.get(todo.pop(), []):
            total += ticks
            todo.append(pid)
    return total


def kind_of(pid):
    """A server process's kind from its title ("zabbix_server: history syncer #2 [...]")."""
    try:
        title = pathlib.Path("/proc/%d/cmdline" % pid).read_bytes().split(b"\0")[0].decode(errors="replace")
    except OSError:
        return "?"
    kind = title.split(": ", 1)[1] if ": " in title else "main"
    return kind.split(" #")[0].split(" [")[0].strip()


def kind_ticks(root_pid):
    """CPU so far (clock ticks) of each kind of zabbix_server process alive now (its threads
    included: 7.0's preprocessing workers are threads of the manager)."""
    kids, out, todo = children(), {}, [root_pid]
    while todo:
        for pid, ticks in kids.get(todo.pop(), []):
            k = kind_of(pid)
            out[k] = out.get(k, 0) + ticks
            todo.append(pid)
    return out


stack_dir = pathlib.Path(z.env["ZBX_DIR"])
ZBX_PID = int((stack_dir / "run" / "zabbix_server.pid").read_text().split()[0])
PG_PID = int((stack_dir / "run" / "postgres.pid").read_text().split()[0])


def cpu_now():
    return tree_ticks(ZBX_PID) / TICK, tree_ticks(PG_PID) / TICK, kind_ticks(ZBX_PID)


# ---- the exporter, and a relay that notes each scrape's start ------------------------------------
class Relay:
    def __init__(self, upstream_port):
        self.starts = []  # when each request began
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(64)
        self.port = self.sock.getsockname()[1]
        self.up = upstream_port
        threading.Thread(target=self.serve, daemon=True).start()

    def serve(self):
        while True:
            c, _ = self.sock.accept()
            threading.Thread(target=self.pipe, args=(c,), daemon=True).start()

    def pipe(self, c):
        with c, socket.create_connection(("127.0.0.1", self.up)) as u:
            def copy(a, b, requests=False):
                try:
                    while (d := a.recv(65536)):
                        if requests and d.startswith(b"GET "):  # one per scrape (keep-alive too)
                            self.starts.append(time.time())
                        b.sendall(d)
                    b.shutdown(socket.SHUT_WR)
                except OSError:
                    pass
            t = threading.Thread(target=copy, args=(u, c), daemon=True)
            t.start()
            copy(c, u, requests=True)
            t.join()


class Sender(threading.Thread):
    """Sends the bridge host's N values (no discovery) every INTERVAL s, noting each start."""

    def __init__(self, host, n):
        super().__init__(daemon=True)
        self.host, self.n, self.starts, self.stop = host, n, [], threading.Event()
        self.start()

    def run(self):
        addr = z.trapper_address()
        while not self.stop.is_set():
            t = time.time()
            self.starts.append(t)
            zapi.send(addr[0], addr[1], [(self.host, "prom.value[%s,id=%d]" % (FAMILY, i), i, int(t))
                                         for i in range(self.n)], timeout=60)
            self.stop.wait(max(0.0, INTERVAL - (time.time() - t)))


(work / "bench.prom").write_text("# TYPE %s gauge\n" % FAMILY + "".join(
    '%s{id="%d"} %d\n' % (FAMILY, i, i) for i in range(N)))
subprocess.run([str(peer / "start"), str(ne_dir)] + ([] if NODE else [str(work / "bench.prom")]), check=True,
               stdout=subprocess.DEVNULL)
ne_port = int(zapi.load_env(str(ne_dir / "env"))["NODE_EXPORTER_PORT"])
relays = {"http": Relay(ne_port), "bridge": Relay(ne_port)}
bridge = None
hosts = ["bench-http-" + RUN, "bench-bridge-" + RUN]
TEMPLATE = "zabitan prom bench " + RUN


def cleanup():
    if bridge and bridge.poll() is None:
        bridge.send_signal(signal.SIGTERM)
        bridge.wait(timeout=30)
    got = z.call("host.get", {"filter": {"host": hosts}, "output": ["hostid"]})
    if got:
        z.call("host.delete", [h["hostid"] for h in got])
    got = z.call("template.get", {"filter": {"host": [TEMPLATE]}, "output": ["templateid"]})
    if got:
        z.call("template.delete", [t["templateid"] for t in got])
    subprocess.run([str(peer / "stop"), str(ne_dir)])


def latency(itemids, relay, cycles=3):
    """Scrape-to-history time of `cycles` cycles: history of `itemids` polled every 0.2 s; a
    cycle's time is when all of them had a new row, minus the start of the scrape before."""
    seen, last = {}, {i: 0.0 for i in itemids}
    t0 = time.monotonic()
    while time.monotonic() - t0 < cycles * INTERVAL + 1:
        for i in last:
            rows = z.call("history.get", {"history": zapi.VT_FLOAT, "itemids": [i], "limit": 1,
                                          "sortfield": "clock", "sortorder": "DESC", "output": ["clock", "ns"]})
            if rows and int(rows[0]["clock"]) + int(rows[0]["ns"]) / 1e9 > last[i]:
                last[i] = int(rows[0]["clock"]) + int(rows[0]["ns"]) / 1e9
                seen.setdefault(i, []).append(time.time())
        time.sleep(0.2)  # the polling period (the latency's resolution)
    lat = []
    for ts in zip(*(seen.get(i, [])[1:] for i in itemids)):  # cycles all of them were seen in
        start = max((s for s in relay.starts if s <= max(ts)), default=None)
        if start is not None and max(ts) - start < INTERVAL:
            lat.append(max(ts) - start)
    return lat


def window(name, itemids=None, relay=None):
    """Server CPU per second over WINDOW seconds (nothing else touches the server meanwhile:
    the API's history polls would load PostgreSQL), then the latency of a few cycles."""
    c0, t0 = cpu_now(), time.monotonic()
    time.sleep(WINDOW)
    c1, dt = cpu_now(), time.monotonic() - t0
    lat = latency(itemids, relay) if itemids else []
    print("   %-6s window %.0f s: zabbix_server %.2f s CPU, PostgreSQL %.2f s; scrape to history %s"
          % (name, dt, c1[0] - c0[0], c1[1] - c0[1], " ".join("%.2f" % x for x in lat) or "-"), flush=True)
    kinds = {k: (c1[2][k] - c0[2].get(k, 0)) / TICK / dt for k in c1[2]}
    return (c1[0] - c0[0]) / dt, (c1[1] - c0[1]) / dt, lat, kinds


ok = False
if NODE:
    import prom_bench_node  # noqa: E402  (the --node windows; uses this module's helpers)
    try:
        ok = prom_bench_node.main(sys.modules[__name__])
    finally:
        cleanup()
    sys.exit(0 if ok else 1)
try:
    print("%s: %d series, every %g s, windows of %g s; %s" % (SERVER, N, INTERVAL, WINDOW, time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())))
    gid = z.group_id("zabitan bench")
    # Zabbix's way: HTTP agent master + N dependent items with a Prometheus pattern each.
    hid = z.call("host.create", {"host": hosts[0], "groups": [{"groupid": gid}]})["hostids"][0]
    master = z.call("item.create", {
        "hostid": hid, "name": "metrics", "key_": "bench.metrics", "type": 19, "status": 1,
        "url": "http://127.0.0.1:%d/metrics" % relays["http"].port, "value_type": zapi.VT_TEXT,
        "history": "0", "trends": "0", "delay": "%ds" % INTERVAL, "timeout": "10s"})["itemids"][0]
    for lo in range(0, N, 1000):
        z.call("item.create", [{
            "hostid": hid, "name": "v%d" % i, "key_": "bench.v[%d]" % i, "type": 18, "master_itemid": master,
            "value_type": zapi.VT_FLOAT, "history": "7d", "trends": "0",
            "preprocessing": [{"type": 22, "params": '%s{id="%d"}\nvalue\n' % (FAMILY, i),
                               "error_handler": 0, "error_handler_params": ""}]}
            for i in range(lo, min(N, lo + 1000))])
    http_items = {int(i["key_"][8:-1]): i["itemid"] for i in z.call(
        "item.get", {"hostids": [hid], "output": ["itemid", "key_"], "filter": {"type": 18}})}
    # The bridge's way: the generated template, linked to its host.
    url = "http://127.0.0.1:%d/metrics" % relays["bridge"].port
    subprocess.run([prom, "template", url, "--include", FAMILY, "--name", TEMPLATE, "--zabbix-host", hosts[1],
                    "-o", str(work / "template.yaml")], check=True)
    z.import_template((work / "template.yaml").read_text())
    z.config_cache_reload()
    cmd = [prom, "--target", url, "--include", FAMILY, "--zabbix-host", hosts[1], "--zabbix-server",
           "127.0.0.1:%s" % z.env["ZBX_TRAPPER_PORT"], "--state-dir", str(work / "state")]
    # Until Zabbix has made the N items and stored a value for each (nothing lost to discovery).

    def converged():
        r = subprocess.run(cmd + ["--once"], capture_output=True, text=True)
        return r.returncode == 0 and "wait until" not in r.stdout

    zapi.wait_for("the bridge's %d items" % N, converged, timeout=300, delay=6)
    bridge_items = {}
    for it in z.call("item.get", {"host": hosts[1], "output": ["itemid", "key_"], "search": {"key_": "prom.value["}}):
        bridge_items[int(it["key_"].rsplit("id=", 1)[1][:-1])] = it["itemid"]
    pick = [0, N // 2, N - 1]

    idle = window("idle")
    z.call("item.update", {"itemid": master, "status": 0})
    z.config_cache_reload()
    time.sleep(INTERVAL)  # one cycle of warm-up (the first poll comes within an interval)
    http = window("http", [http_items[i] for i in pick], relays["http"])
    if not http[2]:  # say why, before the item goes
        print("   http: the master item: %s; scrapes seen by the relay: %d" % (z.call("item.get", {
            "itemids": [master], "output": ["state", "error", "lastclock"]}), len(relays["http"].starts)))
    z.call("item.update", {"itemid": master, "status": 1})
    z.config_cache_reload()
    time.sleep(INTERVAL)
    relays["bridge"].starts.clear()
    bridge = subprocess.Popen(cmd + ["--daemon", "--interval", str(INTERVAL)], stdout=subprocess.DEVNULL)
    time.sleep(INTERVAL)
    b0 = tree_ticks(bridge.pid) / TICK
    ours = window("bridge", [bridge_items[i] for i in pick], relays["bridge"])
    b_cpu = (tree_ticks(bridge.pid) / TICK - b0) / WINDOW
    bridge.send_signal(signal.SIGTERM)
    bridge.wait(timeout=30)
    # The same N values through the trapper with no discovery value: what the server's side of
    # the bridge costs without the LLD of every scrape (its share of the bridge's cost).
    sender = Sender(hosts[1], N)
    time.sleep(INTERVAL)
    plain = window("values", [bridge_items[i] for i in pick], sender)
    sender.stop.set()

    per = lambda cps: cps * 60 / (N / 1000)  # CPU s per minute per 1,000 series  # noqa: E731
    med = lambda v: sorted(v)[len(v) // 2] if v else float("nan")  # noqa: E731
    rows = [("zabbix_server CPU s per 1,000 series per minute", *(per(w[0] - idle[0]) for w in (http, ours, plain))),
            ("PostgreSQL CPU s per 1,000 series per minute", *(per(w[1] - idle[1]) for w in (http, ours, plain))),
            ("scrape to history, median s", *(med(w[2]) for w in (http, ours, plain))),
            ("scrape to history, max s", *(max(w[2], default=float("nan")) for w in (http, ours, plain)))]
    print("%-50s %11s %12s %7s %14s" % ("(idle: zabbix_server %.3f, PostgreSQL %.3f CPU s/s)" % idle[:2],
                                        "HTTP agent", "zabitan-prom", "ratio", "values only"))
    for what, a, b, c in rows:
        print("%-50s %11.3f %12.3f %6.1fx %14.3f" % (what, a, b, a / b if b > 0 else float("inf"), c))
    # Per kind of server process (minus the idle window's), the kinds that cost anything.
    kinds = sorted({k for w in (http, ours, plain) for k in w[3]},
                   key=lambda k: -max(w[3].get(k, 0) - idle[3].get(k, 0) for w in (http, ours, plain)))
    for k in kinds:
        v = [per(w[3].get(k, 0) - idle[3].get(k, 0)) for w in (http, ours, plain)]
        if max(abs(x) for x in v) >= 0.002:
            print("  %-48s %11.3f %12.3f %7s %14.3f" % (k, v[0], v[1], "", v[2]))
    print("zabitan-prom's own CPU (not the server's): %.3f s per 1,000 series per minute" % per(b_cpu))
    ratio = rows[0][1] / rows[0][2] if rows[0][2] > 0 else float("inf")
    print("target: the bridge at least 5x less zabbix_server CPU: %s (%.1fx)" % ("met" if ratio >= 5 else "NOT met", ratio))
    ok = bool(http[2] and ours[2])
finally:
    cleanup()
sys.exit(0 if ok else 1)
