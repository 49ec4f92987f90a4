#!/usr/bin/python3
"""zabitan-prom --daemon against real peers (ctest fixtures start them) and a recording trapper:

  daemon_test.py ZABITAN_PROM TRAPPER_SINK NODE_EXPORTER_ENV HOSTILE_ENV WORKDIR

  three-targets     node_exporter and the hostile exporter's /good every second, and its /drip
                    (one byte every 0.2 s, forever) with a 1.5 s deadline: the good targets'
                    values keep coming while the slow one fails each time (one line, and a
                    warning that it overran its interval); SIGTERM: exit 0 within seconds; no
                    value twice, every cycle's node_load1 there
  stop-mid-scrape   SIGTERM while /drip is being scraped (interval 1 h): the scrape in progress
                    ends at its deadline and is reported, what the others gave is delivered,
                    exit 0; nothing started after the signal
  zabbix-down       the trapper's port closed, --spool: every cycle spools, SIGTERM exits 3; the
                    trapper back, a --once run delivers the spool first and the values of the
                    new series held in the state folder: every cycle's node_load1 arrives, once
  config            daemon = true and interval = 1 in [prom]; --once wins over them
  config-targets    [prom.targets.NAME] tables: node_exporter by address (label matchers, a
                    counter rate, interval 1) and through its socket (another Zabbix host,
                    interval 2): each on its own interval and host, the rate equal to what the
                    two raw values say; the state folder carries the rate across --once runs;
                    an unknown key, a bad matcher: one line naming file, line and key, exit 1
"""
import json
import os
import pathlib
import signal
import subprocess
import sys
import time

prom, sink_bin, ne_env, ho_env, work = sys.argv[1:6]
work = pathlib.Path(work)
subprocess.run(["rm", "-rf", str(work)], check=True)
work.mkdir(parents=True)
env = {}
for path in (ne_env, ho_env):
    env.update(dict(l.strip().split("=", 1) for l in open(path) if "=" in l))
NODE, GOOD, DRIP = env["NODE_EXPORTER_URL"], env["HOSTILE_URL"] + "/good", env["HOSTILE_URL"] + "/drip"
HOST = "prom-daemon-e2e"
procs = []
failures = []


def wait_for(what, cond, proc=None, timeout=30):
    """Polls cond() every 50 ms until it holds; fails after `timeout` s or when proc exits."""
    deadline = time.monotonic() + timeout
    while not cond():
        if proc is not None and proc.poll() is not None:
            raise AssertionError(f"{what}: the process ended first (exit {proc.returncode})")
        if time.monotonic() > deadline:
            raise AssertionError(f"{what}: not after {timeout} s")
        time.sleep(0.05)  # a poll interval, bounded by the deadline above


class Sink:
    def __init__(self, name, port=0):
        self.record = work / f"{name}.jsonl"
        ready = work / f"{name}.ready"
        self.proc = subprocess.Popen([sink_bin, "--port", str(port), "--ready-file", str(ready),
                                      "--record", str(self.record)],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        procs.append(self.proc)
        wait_for("trapper-sink ready", lambda: ready.exists() and ready.read_text().strip(), self.proc)
        self.port = int(ready.read_text())

    def stop(self):
        self.proc.terminate()
        self.proc.wait(timeout=10)

    def rows(self):
        return [json.loads(l) for l in self.record.read_text().splitlines()] if self.record.exists() else []


def start(name, args, host=HOST):
    out, err = open(work / f"{name}.out", "w"), open(work / f"{name}.err", "w")
    p = subprocess.Popen([prom] + (["--zabbix-host", host] if host else []) +
                         ["--state-dir", str(work / f"state-{name}")] + args,
                         stdout=out, stderr=err)
    procs.append(p)
    return p


def text(name, stream):
    return (work / f"{name}.{stream}").read_text()


def count(name, stream, needle):
    return text(name, stream).count(needle)


def stop(p, sig=signal.SIGTERM, timeout=20):
    p.send_signal(sig)
    return p.wait(timeout=timeout)


def once_each(rows):
    seen = [(r["host"], r["key"], r["clock"], r.get("ns")) for r in rows if not r["key"].startswith("prom.discovery[")]
    twice = {x for x in seen if seen.count(x) > 1}
    assert not twice, f"sent twice: {sorted(twice)[:5]}"


def clocks(rows, key):
    return sorted({r["clock"] for r in rows if r["key"] == key})


def three_targets():
    sink = Sink("t")
    p = start("t", ["--daemon", "--interval", "1", "--timeout", "1.5", "--zabbix-server", f"127.0.0.1:{sink.port}",
                    "--include", "node_load1", "--include", "good*", "--target", NODE, "--target", GOOD,
                    "--target", DRIP, "-vv"])
    wait_for("3 drip failures and 5 deliveries",
             lambda: count("t", "err", DRIP + ": ") >= 3 and count("t", "out", "values sent") >= 5, p)
    began = time.monotonic()
    rc = stop(p)
    took = time.monotonic() - began
    assert rc == 0, f"exit {rc}: {text('t', 'err')[-2000:]}"
    assert took < 5, f"{took:.1f} s from SIGTERM to exit"
    lines = [l for l in text("t", "err").splitlines() if "debug:" not in l]
    for l in lines:
        ok = (l.startswith(f"zabitan-prom: {DRIP}: ") and l.endswith("(timeout)")) or \
             (f"warning: {DRIP}: the scrape took" in l) or "warning: SIGTERM" in l or \
             "requests for values of new items" in l
        assert ok, f"unexpected stderr line: {l}"
    assert "error:" not in text("t", "err")
    rows = sink.rows()
    once_each(rows)
    load = clocks(rows, "prom.value[node_load1,]")
    good = clocks(rows, "prom.value[good_total,a=1]")
    assert len(load) >= 3 and len(good) >= 3, f"node_load1 clocks {load}, good_total clocks {good}"
    drips = count("t", "err", DRIP + ": ")
    print(f"info: {count('t', 'out', 'values sent')} deliveries, node_load1 at {len(load)} clocks, "
          f"good_total at {len(good)}, {drips} drip timeouts, SIGTERM to exit {took:.2f} s")
    sink.stop()


def stop_mid_scrape():
    sink = Sink("m")
    p = start("m", ["--daemon", "--interval", "3600", "--timeout", "3", "--zabbix-server", f"127.0.0.1:{sink.port}",
                    "--include", "node_load1", "--target", NODE, "--target", DRIP, "-vv"])
    wait_for("started", lambda: "debug: started: 2 targets" in text("m", "err"), p)
    wait_for("node_exporter delivered", lambda: count("m", "out", "values sent") >= 1, p)
    sent_at = time.monotonic()
    rc = stop(p)
    took = time.monotonic() - sent_at
    assert rc == 0, f"exit {rc}: {text('m', 'err')}"
    # The drip scrape was in progress: it ended at its 3 s deadline, not at once, not later.
    assert count("m", "err", DRIP + ": ") == 1 and "(timeout)" in text("m", "err"), text("m", "err")
    assert 0.3 < took < 6, f"{took:.1f} s from SIGTERM to exit"
    assert count("m", "out", "values sent") == 1, text("m", "out")  # node's; the drip's had none
    rows = sink.rows()
    assert len(clocks(rows, "prom.value[node_load1,]")) == 1, rows
    print(f"info: exit {took:.2f} s after SIGTERM (the scrape in progress had a 3 s deadline)")
    sink.stop()


def zabbix_down():
    sink = Sink("z")
    port = sink.port
    sink.stop()  # the port is closed now
    p = start("z", ["--daemon", "--interval", "1", "--zabbix-server", f"127.0.0.1:{port}", "--spool",
                    str(work / "spool"), "--include", "node_load1", "--target", NODE])
    wait_for("3 cycles spooled", lambda: count("z", "out", "values sent") >= 3, p, timeout=60)
    rc = stop(p)
    assert rc == 3, f"exit {rc}, expected 3: {text('z', 'err')}"
    cycles = count("z", "out", "values sent")
    sink = Sink("z2", port)
    args = ["--once", "--zabbix-server", f"127.0.0.1:{port}", "--spool", str(work / "spool"), "--include",
            "node_load1", "--target", NODE]
    for n in range(1, 4):  # what waited for discovery goes once Zabbix has the item
        r = subprocess.run([prom, "--zabbix-host", HOST, "--state-dir", str(work / "state-z")] + args,
                           capture_output=True, text=True, timeout=60)
        assert r.returncode == 0, f"run {n}: exit {r.returncode}: {r.stdout} {r.stderr}"
        if "wait until Zabbix has created the items" not in r.stdout:
            break
    rows = sink.rows()
    once_each(rows)
    load = clocks(rows, "prom.value[node_load1,]")
    # A cycle a second: each its own clock (the --once run may share the last one's).
    assert len(load) >= cycles, f"{cycles} daemon cycles, node_load1 at clocks {load}"
    assert "wait until Zabbix has created the items" not in r.stdout, r.stdout
    print(f"info: {cycles} cycles spooled while the trapper was down, then {len(load)} node_load1 values, once each")
    sink.stop()


def config():
    sink = Sink("c")
    conf = work / "zabitan.toml"
    conf.write_text(f'[prom]\ndaemon = true\ninterval = 1\nzabbix_server = "127.0.0.1:{sink.port}"\n')
    p = start("c", ["--config", str(conf), "--include", "node_load1", "--target", NODE])
    wait_for("2 cycles", lambda: count("c", "out", "values sent") >= 2, p)
    rc = stop(p, signal.SIGINT)
    assert rc == 0, f"exit {rc}: {text('c', 'err')}"
    r = subprocess.run([prom, "--zabbix-host", HOST, "--state-dir", str(work / "state-c"), "--config", str(conf),
                        "--once", "--include", "node_load1", "--target", NODE],
                       capture_output=True, text=True, timeout=60)
    assert r.returncode == 0 and r.stdout.count("values sent") == 1, (r.returncode, r.stdout, r.stderr)
    sink.stop()


def config_targets():
    conf = work / "targets.toml"
    conf.write_text(f"""[prom]
zabbix_host = "{HOST}"
[prom.targets.node]
url = "{NODE}"
interval = 1
include = ["node_cpu_seconds_total"]
match = ['cpu="0"', 'mode=~"user|system"']
rates = ["node_cpu_*"]
[prom.targets.sock]
url = "unix:{env['NODE_EXPORTER_SOCKET']}"
zabbix_host = "{HOST}-sock"
interval = 2
include = ["node_load1"]
""")
    p = start("ct", ["--config", str(conf), "--daemon", "--dry-run"], host=None)  # the tables' hosts
    wait_for("4 rates of cpu 0", lambda: count("ct", "out", "prom.edgerate[node_cpu_seconds_total,") >= 4, p)
    assert stop(p) == 0, text("ct", "err")
    lines = [l.split(" ") for l in text("ct", "out").splitlines()]
    hosts = {(l[0], l[1].split("[")[0]) for l in lines}
    assert hosts == {(HOST, "prom.discovery"), (HOST, "prom.value"), (HOST, "prom.edgerate"),
                     (f"{HOST}-sock", "prom.discovery"), (f"{HOST}-sock", "prom.value")}, hosts
    keys = {l[1] for l in lines}
    assert keys >= {"prom.value[node_cpu_seconds_total,mode=user]", "prom.value[node_cpu_seconds_total,mode=system]",
                    "prom.edgerate[node_cpu_seconds_total,mode=user]"}, keys
    assert not any("mode=idle" in k for k in keys), "the matcher let mode=idle through"
    node = [l for l in lines if l[1] == "prom.value[node_cpu_seconds_total,mode=user]"]
    sock = [l for l in lines if l[0] == f"{HOST}-sock" and l[1].startswith("prom.value")]
    assert len(node) >= 2 * len(sock) - 1, f"{len(node)} node scrapes (1 s), {len(sock)} socket scrapes (2 s)"
    # The rate of each scrape after the first: (value - previous) / time between the scrapes.
    raw = [(int(l[2]), float(l[4])) for l in node]
    rates = [float(l[4]) for l in lines if l[1] == "prom.edgerate[node_cpu_seconds_total,mode=user]"]
    assert len(rates) == len(raw) - 1, (raw, rates)
    for (c0, v0), (c1, v1), r in zip(raw, raw[1:], rates):
        # The clocks are whole seconds and the rate's time is the millisecond's: allow that.
        assert r >= 0 and abs(r * (c1 - c0) - (v1 - v0)) <= r + 0.02 * (v1 - v0) + 0.02, (c0, v0, c1, v1, r)
    # --once runs: the first has no rate, the second has, from the state folder.
    once = ["--config", str(conf), "--once", "--dry-run", "--state-dir", str(work / "state-ct1")]
    r1 = subprocess.run([prom] + once, capture_output=True, text=True, timeout=60)
    assert r1.returncode == 0 and "prom.edgerate[" not in r1.stdout, (r1.returncode, r1.stderr)
    # (--dry-run keeps no state: the rate's memory is a sending run's)
    sink = Sink("ct")
    send = ["--config", str(conf), "--once", "--zabbix-server", f"127.0.0.1:{sink.port}",
            "--state-dir", str(work / "state-ct2")]
    r1 = subprocess.run([prom] + send, capture_output=True, text=True, timeout=60)
    wait_for("a new second", lambda: int(time.time()) > max(r["clock"] for r in sink.rows()))
    r2 = subprocess.run([prom] + send, capture_output=True, text=True, timeout=60)
    assert r1.returncode == 0 and r2.returncode == 0, (r1.stderr, r2.stderr)
    rated = clocks(sink.rows(), "prom.edgerate[node_cpu_seconds_total,mode=user]")
    assert len(rated) == 1, f"rates at {rated}: one, from the second run"
    assert list((work / "state-ct2").glob("rates-*.json")), "no rate state file"
    sink.stop()
    # Mistakes: one line each, naming the file, the line and the key.
    for bad, want in [("[prom.targets.node]\nurl = \"http://x\"\nintervall = 1\n",
                       ":3: prom.targets.node.intervall: unknown key"),
                      ("[prom.targets.node]\nurl = \"http://x\"\nmatch = ['job~\"x\"']\n",
                       ":3: prom.targets.node.match: label matcher job~\"x\": no operator after the name")]:
        conf.write_text(bad)
        r = subprocess.run([prom, "--config", str(conf), "--dry-run", "--zabbix-host", "h"],
                           capture_output=True, text=True, timeout=60)
        err = r.stderr.strip().splitlines()
        assert r.returncode == 1 and len(err) == 1 and f"{conf}{want}" in err[0], (r.returncode, err)
    print(f"info: {len(node)} scrapes of the 1 s target, {len(sock)} of the 2 s one, {len(rates)} rates checked")


checks = [("three-targets", three_targets), ("stop-mid-scrape", stop_mid_scrape), ("zabbix-down", zabbix_down),
          ("config", config), ("config-targets", config_targets)]
try:
    for name, fn in checks:
        try:
            fn()
            print(f"ok   {name}")
        except AssertionError as e:
            failures.append(name)
            print(f"FAIL {name}: {e}")
finally:
    for p in procs:
        if p.poll() is None:
            p.kill()
            p.wait()
print(f"{len(checks) - len(failures)} passed, {len(failures)} failed")
sys.exit(1 if failures else 0)
