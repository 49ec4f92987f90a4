#!/usr/bin/env python3
"""Benchmark: zabbix_sender 6.0.14 vs zabitan-sender against a real Zabbix 6.0 server.

100,000 values for 1,000 trapper items (100 each, with distinct clocks), each sender to a host
of its own, default settings (the stack runs StartTrappers=5). Prints wall time to send, and
the time until every value is in history, side by side with the ratio. Not a timed test: it
fails only if a value is missing from history.

Usage: sender_real_server_bench.py ZABBIX_SENDER ZABITAN_SENDER STACK_ENV WORKDIR [--values N]
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
ITEMS = 1000
os.makedirs(work, exist_ok=True)
z = zapi.Zapi.from_env(env_file)
port = z.env["ZBX_TRAPPER_PORT"]
run_id = time.time_ns()


def make_host(name):
    hostid = z.create_host(name)
    z.call("item.create", [{"hostid": hostid, "name": "k%d" % i, "key_": "bench.k%d" % i,
                            "type": 2, "value_type": zapi.VT_UINT} for i in range(ITEMS)])
    items = z.call("item.get", {"hostids": [hostid], "output": ["itemid"]})
    return [it["itemid"] for it in items]


def count(itemids):
    return int(z.call("history.get", {"history": zapi.VT_UINT, "itemids": itemids,
                                      "countOutput": True}))


def run(binary, host, itemids, extra=()):
    path = os.path.join(work, host + ".txt")
    base = int(time.time()) - 86400
    with open(path, "w") as f:
        for n in range(total):
            f.write("%s bench.k%d %d %d\n" % (host, n % ITEMS, base + n // ITEMS, n))
    t0 = time.monotonic()
    r = subprocess.run([binary, "-z", "127.0.0.1", "-p", port, "-T", "-i", path, *extra],
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    sent = time.monotonic() - t0
    deadline = time.monotonic() + 120
    while count(itemids) < total and time.monotonic() < deadline:
        time.sleep(0.2)
    stored = time.monotonic() - t0
    return r.returncode, sent, stored, count(itemids)


hosts = {who: "bench-%s-%d" % (who, run_id) for who in ("ref", "ours")}
ids = {who: make_host(h) for who, h in hosts.items()}
z.config_cache_reload()
# ZABITAN_ARGS: extra zabitan-sender options, to compare settings (defaults otherwise).
res = {"ref": run(ref, hosts["ref"], ids["ref"]),
       "ours": run(ours, hosts["ours"], ids["ours"], os.environ.get("ZABITAN_ARGS", "").split())}
(rc1, s1, h1, n1), (rc2, s2, h2, n2) = res["ref"], res["ours"]
print("%d values, %d items, real Zabbix 6.0 server   zabbix_sender   zabitan-sender   ratio" % (total, ITEMS))
print("  sent (wall s)                                %8.3f        %8.3f     %6.1fx" % (s1, s2, s1 / max(s2, 1e-3)))
print("  all in history (s from start)                %8.3f        %8.3f     %6.1fx" % (h1, h2, h1 / max(h2, 1e-3)))
print("  values in history                            %8d        %8d" % (n1, n2))
ok = rc1 == 0 and rc2 == 0 and n1 == total and n2 == total
print("%d passed, %d failed" % (1 if ok else 0, 0 if ok else 1))
sys.exit(0 if ok else 1)
