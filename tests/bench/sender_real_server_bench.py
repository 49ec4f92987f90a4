#!/usr/bin/env python3
"""Benchmark: the official zabbix_sender vs zabitan-sender against a real Zabbix server, 6.0 or
7.0 (ctest: bench.sender_real_server with zabbix_sender 6.0.14 and the 6.0 server,
bench.sender_real_server_zabbix7 with zabbix_sender 7.0.22 and the 7.0 server).

100,000 values for 1,000 trapper items (100 each, with distinct clocks), each sender to a host
of its own, default settings (the stack runs StartTrappers=5). Prints wall time to send, and
the time until every value is in history, side by side with the ratio: the fastest of
--rounds runs each (3 by default), taking turns at going first, since the machine and the
server are noisy and whoever goes second meets a server still writing the first one's
history. Each column also shows its range over the rounds (min-max). Not a timed test: it
fails only if a value is missing from history.

Usage: sender_real_server_bench.py ZABBIX_SENDER ZABITAN_SENDER STACK_ENV WORKDIR [--values N] [--rounds R]
"""
import os
import subprocess
import sys
import time

here = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(here, "..", "peers", "zabbix-server"))
import zapi  # noqa: E402

ref, ours, env_file, work = sys.argv[1:5]
total = int(sys.argv[sys.argv.index("--values") + 1]) if "--values" in sys.argv else 100000
rounds = int(sys.argv[sys.argv.index("--rounds") + 1]) if "--rounds" in sys.argv else 3
ITEMS = 1000
os.makedirs(work, exist_ok=True)
z = zapi.Zapi.from_env(env_file)
port = z.env["ZBX_TRAPPER_PORT"]
run_id = time.time_ns()
server = "Zabbix " + z.version()
ref_version = subprocess.run([ref, "-V"], capture_output=True, text=True).stdout.split("\n")[0]
ref_version = ref_version.split()[-1] if ref_version else "?"


def make_host(name):
    hostid = z.create_host(name)
    z.call("item.create", [{"hostid": hostid, "name": "k%d" % i, "key_": "bench.k%d" % i,
                            "type": 2, "value_type": zapi.VT_UINT} for i in range(ITEMS)])
    items = z.call("item.get", {"hostids": [hostid], "output": ["itemid"]})
    return [it["itemid"] for it in items]


def count(itemids):
    return int(z.call("history.get", {"history": zapi.VT_UINT, "itemids": itemids,
                                      "countOutput": True}))


def run(binary, host, itemids, round_no, extra=()):
    path = os.path.join(work, host + ".txt")
    # Each round its own clocks (a day apart), so no round's value is a duplicate of another's.
    base = int(time.time()) - 86400 * (round_no + 1)
    expected = total * (round_no + 1)
    with open(path, "w") as f:
        for n in range(total):
            f.write("%s bench.k%d %d %d\n" % (host, n % ITEMS, base + n // ITEMS, n))
    t0 = time.monotonic()
    r = subprocess.run([binary, "-z", "127.0.0.1", "-p", port, "-T", "-i", path, *extra],
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    sent = time.monotonic() - t0
    deadline = time.monotonic() + 120
    while count(itemids) < expected and time.monotonic() < deadline:
        time.sleep(0.05)
    stored = time.monotonic() - t0
    return r.returncode, sent, stored, count(itemids) - total * round_no


hosts = {who: "bench-%s-%d" % (who, run_id) for who in ("ref", "ours")}
ids = {who: make_host(h) for who, h in hosts.items()}
z.config_cache_reload()
# ZABITAN_ARGS: extra zabitan-sender options, to compare settings (defaults otherwise).
extra = os.environ.get("ZABITAN_ARGS", "").split()
results = {"ref": [], "ours": []}
for round_no in range(rounds):
    order = ("ref", "ours") if round_no % 2 == 0 else ("ours", "ref")
    for who in order:
        binary, args = (ref, ()) if who == "ref" else (ours, extra)
        results[who].append(run(binary, hosts[who], ids[who], round_no, args))
ok = all(rc == 0 and n == total for who in results for rc, _, _, n in results[who])
s1, s2 = (min(r[1] for r in results[w]) for w in ("ref", "ours"))
h1, h2 = (min(r[2] for r in results[w]) for w in ("ref", "ours"))
print("%d values, %d items, real %s server, fastest of %d   zabbix_sender %-8s  zabitan-sender   ratio"
      % (total, ITEMS, server, rounds, ref_version))


def span(who, col):
    v = [r[col] for r in results[who]]
    return "%.2f-%.2f" % (min(v), max(v))


print("  all in history (s from start)             %8.3f (%s)  %8.3f (%s)  %6.1fx"
      % (h1, span("ref", 2), h2, span("ours", 2), h1 / max(h2, 1e-3)))
print("  sent (wall s)                             %8.3f (%s)  %8.3f (%s)  %6.1fx"
      % (s1, span("ref", 1), s2, span("ours", 1), s1 / max(s2, 1e-3)))
for who, name in (("ref", "zabbix_sender"), ("ours", "zabitan-sender")):
    print("  %-15s each run: sent %s s; in history %s s; values %s" % (
        name, " ".join("%.3f" % r[1] for r in results[who]), " ".join("%.3f" % r[2] for r in results[who]),
        " ".join(str(r[3]) for r in results[who])))
print("%s: %d passed, %d failed" % (server, 1 if ok else 0, 0 if ok else 1))
sys.exit(0 if ok else 1)
