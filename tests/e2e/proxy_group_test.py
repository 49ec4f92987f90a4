#!/usr/bin/env python3
"""Zabbix 7.0 proxy groups, for real: a 7.0 server, a proxy group of two active zabbix_proxy 7.0
processes, trapper hosts monitored by the group; zabitan-sender and the official zabbix_sender
7.0 run the same cases side by side.

Usage: proxy_group_test.py ZABITAN_SENDER PEER_DIR STACK_ENV WORKDIR
  PEER_DIR   tests/peers/zabbix-server-7 (start-proxy, stop-proxy, bin/zabbix_sender)
  STACK_ENV  DIR/env of a running 7.0 stack (the zabbix7 fixture); the proxies go in DIR/proxies

Cases (values are sequence numbers without clocks, so the proxy stamps them on arrival and the
history's (clock, ns) order is the order they reached Zabbix):
  redirect  ITEMS x PER values for a host owned by one proxy, sent to the other: the proxy answers
            with a redirect to the owner; every value must reach history, each item in order.
  failover  values sent with -z 'A;B' to a host owned by A; A is killed; values sent while the
            group has not failed over yet (B still redirects to dead A), then after it has
            (B owns the host). zabitan-sender runs with --spool: nothing may be lost, no value
            may be stored twice, each item's values in sending order. The official sender has
            no spool: what it does is recorded (exit codes, values stored), not required.
"""
import json
import os
import shutil
import subprocess
import sys
import time

here = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(here, "..", "peers", "zabbix-server"))
sys.path.insert(0, os.path.join(here, "..", "peers", "zabbix-server-7"))
import zapi  # noqa: E402
from proxy_group import ProxyGroup  # noqa: E402

sender, peer, env_file, work = sys.argv[1:5]
os.makedirs(work, exist_ok=True)
z = zapi.Zapi.from_env(env_file)
OFFICIAL = os.path.join(peer, "bin", "zabbix_sender")
GROUP = "zabitan-e2e-pg"
PROXIES = ("e2e-pg-a", "e2e-pg-b")
PREFIX = "e2e-pg-host-"
HOSTS = 8             # 4 per proxy once balanced: at least 2 on the busier one, one per sender
ITEMS = 4
PER = 1000            # values per item per phase: 4,000 per run
failures = []
group = ProxyGroup(z, peer, GROUP, PROXIES)


def log(msg):
    print("proxy_group: " + msg, flush=True)


def check(cond, msg):
    log(("ok: " if cond else "FAIL: ") + msg)
    if not cond:
        failures.append(msg)


def setup():
    """The group, its two proxies (their sender port as local_port: where redirects point), and
    HOSTS fresh hosts with ITEMS trapper items each. Objects of earlier runs are removed first."""
    gid = group.create(hosts_prefix=PREFIX)
    hgid = z.group_id("zabitan")
    stamp = time.time_ns()
    hosts = {}
    for i in range(HOSTS):
        name = "%s%d-%d" % (PREFIX, stamp, i)
        hid = z.call("host.create", {"host": name, "groups": [{"groupid": hgid}],
                                     "monitored_by": 2, "proxy_groupid": gid})["hostids"][0]
        hosts[name] = {"hostid": hid, "items": {
            "seq.%d" % k: z.create_trapper_item(hid, "seq.%d" % k, zapi.VT_UINT) for k in range(ITEMS)}}
    z.config_cache_reload()
    return hosts


def owners(hosts):
    return group.owners([h["hostid"] for h in hosts.values()])


def write_input(path, host, first, last):
    with open(path, "w") as f:
        for seq in range(first, last + 1):
            for k in range(ITEMS):
                f.write("%s seq.%d %d\n" % (host, k, seq))


def run(tool, dest, path, *extra):
    cmd = [sender if tool == "zabitan" else OFFICIAL, "-z", dest, "-i", path, *extra]
    t0 = time.monotonic()
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
    tail = (r.stdout.strip().splitlines() or [""])[-1]
    log("%s -z %s %s: exit %d in %.1f s: %s%s" % (tool, dest, " ".join(extra), r.returncode,
                                               time.monotonic() - t0, tail,
                                               (" | " + r.stderr.strip().splitlines()[-1]) if r.stderr.strip() else ""))
    return r


def stored(hosts, host):
    """{key: [values in (clock, ns) order]} of one host's items, without the probes' zeros."""
    out = {}
    for key, itemid in hosts[host]["items"].items():
        rows = z.call("history.get", {"history": zapi.VT_UINT, "itemids": [itemid], "output": "extend",
                                      "sortfield": "clock", "sortorder": "ASC", "limit": 100000})
        rows.sort(key=lambda r: (int(r["clock"]), int(r["ns"])))
        out[key] = [int(r["value"]) for r in rows if r["value"] != "0"]
    return out


def wait_stored(hosts, host, count, timeout=60):
    """History once every item holds `count` values (or whatever it holds at the deadline)."""
    deadline = time.monotonic() + timeout
    while True:
        got = stored(hosts, host)
        if all(len(v) >= count for v in got.values()) or time.monotonic() > deadline:
            return got
        time.sleep(0.5)


def in_order(got, first, last):
    want = list(range(first, last + 1))
    return all(v == want for v in got.values())


def summary(got):
    return "; ".join("%s: %d values%s" % (k, len(v), "" if v == sorted(set(v)) else " (out of order or twice)")
                     for k, v in sorted(got.items()))


ports = group.start()
log("proxies up: %s" % json.dumps(ports))
hosts = setup()
group.wait_online()


def all_assigned():
    o = owners(hosts)
    return o if all(o.values()) else None


own = zapi.wait_for("every host assigned to a proxy", all_assigned)
by_proxy = {n: sorted(h for h, p in own.items() if p == n) for n in PROXIES}
log("assignment: %s" % json.dumps({n: len(h) for n, h in by_proxy.items()}))
A = max(PROXIES, key=lambda n: len(by_proxy[n]))
B = [n for n in PROXIES if n != A][0]
check(len(by_proxy[A]) >= 2, "proxy %s owns at least two hosts (%d)" % (A, len(by_proxy[A])))
# Roles: per sender, a host of A for the failover; the redirect case uses the other hosts.
fail_host = {"zabitan": by_proxy[A][0], "official": by_proxy[A][1]}
rest = [h for h in sorted(hosts) if h not in fail_host.values()]
redirect_host = {"zabitan": rest[0], "official": rest[1]}


def other(host):
    return B if own[host] == A else A


# The proxies must hold the new hosts in their configuration before they can redirect: probe with
# one value per item sent straight to each owner (sequence 0: not part of the checks below).
def processed(port, values):
    """How many values a proxy took (0 while it still redirects: its configuration is older)."""
    reply = zapi.send("127.0.0.1", port, values)
    return 0 if "redirect" in reply else zapi.parse_info(reply)[0]


def probe_accepted():
    return all(processed(ports[own[h]], [(h, "seq.%d" % k, 0) for k in range(ITEMS)]) == ITEMS
               for h in list(fail_host.values()) + list(redirect_host.values()))


zapi.wait_for("the owners' configuration to hold the new hosts", probe_accepted)

# ---- redirect ------------------------------------------------------------------------------------
for tool in ("zabitan", "official"):
    h = redirect_host[tool]
    path = os.path.join(work, "redirect-%s.txt" % tool)
    write_input(path, h, 1, PER)
    wrong = other(h)
    r = run(tool, "127.0.0.1:%d" % ports[wrong], path)
    got = wait_stored(hosts, h, PER)
    log("redirect, %s sent to %s (the host is %s's): %s" % (tool, wrong, own[h], summary(got)))
    check(r.returncode == 0, "redirect: %s exits 0" % tool)
    check(in_order(got, 1, PER), "redirect: %s: every value stored once, each item in order" % tool)

# ---- failover ------------------------------------------------------------------------------------
ha = "127.0.0.1:%d;127.0.0.1:%d" % (ports[A], ports[B])
spool = os.path.join(work, "spool")
shutil.rmtree(spool, ignore_errors=True)
extra = {"zabitan": ("--spool", spool), "official": ()}
for tool in ("zabitan", "official"):
    path = os.path.join(work, "failover-1-%s.txt" % tool)
    write_input(path, fail_host[tool], 1, PER)
    r = run(tool, ha, path, *extra[tool])
    check(r.returncode == 0, "failover, before: %s exits 0" % tool)
for tool in ("zabitan", "official"):   # A must have handed its values to the server before it dies
    wait_stored(hosts, fail_host[tool], PER)

group.kill(A)
killed = time.monotonic()
log("killed %s (owner of %s)" % (A, ", ".join(fail_host.values())))
# What each sender does in the window, one value with -vv (0: ignored by the checks), for the README.
for tool in ("zabitan", "official"):
    r = subprocess.run([sender if tool == "zabitan" else OFFICIAL, "-vv", "-z", ha, "-s", fail_host[tool],
                        "-k", "seq.0", "-o", "0"], capture_output=True, text=True, timeout=60)
    trail = [ln.split("DEBUG: ", 1)[-1][:160] for ln in (r.stdout + r.stderr).splitlines()
             if tool == "zabitan" or any(w in ln.lower() for w in ("redirect", "cannot connect", "connection refused", "sending failed",
                                              "response from", "sent:"))]
    log("%s in the window, one value, exit %d: %s" % (tool, r.returncode, " / ".join(trail)))
during = {}
for tool in ("zabitan", "official"):
    path = os.path.join(work, "failover-2-%s.txt" % tool)
    write_input(path, fail_host[tool], PER + 1, 2 * PER)
    during[tool] = run(tool, ha, path, *extra[tool])
still_a = [h for h in fail_host.values() if owners(hosts)[h] == A]
check(len(still_a) == 2, "the second sends ran inside the failover window (%.1f s after the kill, "
      "both hosts still assigned to dead %s)" % (time.monotonic() - killed, A))
zapi.wait_for("the group to move %s's hosts to %s" % (A, B), lambda: all(
    o == B for h, o in owners(hosts).items() if h in fail_host.values()), timeout=120, delay=1)
log("failed over %.1f s after the kill" % (time.monotonic() - killed))
zapi.wait_for("%s's configuration to hold the moved hosts" % B, lambda: all(
    processed(ports[B], [(h, "seq.0", 0)]) == 1 for h in fail_host.values()))
after = {}
for tool in ("zabitan", "official"):
    path = os.path.join(work, "failover-3-%s.txt" % tool)
    write_input(path, fail_host[tool], 2 * PER + 1, 3 * PER)
    after[tool] = run(tool, ha, path, *extra[tool])

for tool in ("zabitan", "official"):
    expect = 3 * PER if tool == "zabitan" else 2 * PER
    got = wait_stored(hosts, fail_host[tool], expect, timeout=60 if tool == "zabitan" else 10)
    log("failover, %s: during the window exit %d, after exit %d; history: %s" % (
        tool, during[tool].returncode, after[tool].returncode, summary(got)))
    if tool == "zabitan":
        check(during["zabitan"].returncode in (0, 3), "failover: zabitan-sender during the window: exit 0 or 3 (spooled)")
        check(after["zabitan"].returncode == 0, "failover: zabitan-sender after the failover: exit 0")
        check(in_order(got, 1, 3 * PER), "failover: zabitan-sender: all %d values per item stored once, in order" % (3 * PER))
    else:
        lost = {k: 3 * PER - len(v) for k, v in got.items()}
        log("official zabbix_sender 7.0: values not stored per item: %s" % json.dumps(lost))
        check(all(v == sorted(set(v)) for v in got.values()), "failover: official sender: what it stored is in order, once")

group.stop()
if failures:
    raise SystemExit("proxy_group: %d check(s) failed: %s" % (len(failures), "; ".join(failures)))
log("PASS")
