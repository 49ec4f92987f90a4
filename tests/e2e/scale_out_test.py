#!/usr/bin/env python3
"""e2e (issue #18): zabitan scales out the way Zabbix does. Three simulated vCenters, three
zabitan-vmware daemons, a Zabbix 7.0 proxy group of two active proxies, one server.

Usage: scale_out_test.py ZABITAN_VMWARE TEMPLATES_DIR PEER_DIR STACK_ENV WORKDIR VCSIM_ENV...
  PEER_DIR   tests/peers/zabbix-server-7 (start-proxy, stop-proxy: proxy_group.py)
  STACK_ENV  DIR/env of a running 7.0 stack (the zabbix7 fixture)
  VCSIM_ENV  DIR/env of each simulator (started with -instance: distinct names and UUIDs)

Each daemon (--daemon --interval 5, --spool) sends to -z 'A;B', the two proxies' addresses.
Those addresses are recording fronts written here, each forwarding to its proxy, and the
proxies' local_port in Zabbix (where the group redirects senders) names them too: the test sees
every request, its reply and the order of arrival, independently of the collectors' accounting.
The endpoint hosts are monitored by the group; Zabbix creates the hypervisor and VM hosts from
discovery, and the group spreads them over both proxies, so one collector's values belong to
hosts of both.
  converge   every daemon's cycle ends 0 with nothing waiting for discovery
  failover   the proxy monitoring most hosts dies: its front stops taking connections (the
             collectors see it dead), its process is SIGKILLed (by PID) once what it took is in
             the server, and the group moves its hosts to the other; the daemons run on
  after      every item has a sample taken after the failover in history; SIGTERM ends the
             daemons (exit 0)
Checks: every VM and hypervisor of every vCenter is a host with values for each item its
simulator offers (counted); for every performance item, history holds every sample the
simulator has (a fresh --dry-run: its sample clocks) from the item's first value through the
failover to its last, none twice; every value sent is in history once; each item's values were
accepted in clock order (across both proxies, spool included); no daemon cycle ended with
values refused (exit 2) or failed (1). Everything made in Zabbix is deleted at the end.
"""
import itertools
import json
import os
import pathlib
import signal
import socket
import socketserver
import struct
import subprocess
import sys
import threading
import time
import zlib

here = pathlib.Path(__file__).resolve().parent
sys.path.insert(0, str(here.parent / "peers" / "zabbix-server"))
sys.path.insert(0, str(here.parent / "peers" / "zabbix-server-7"))
import zapi  # noqa: E402
from proxy_group import ProxyGroup  # noqa: E402
from trapper_e2e import Checks, accepted_whole, compare_history, history_clocks, read_frame, sent_values  # noqa: E402

if len(sys.argv) < 7:
    sys.exit(__doc__.split("\n\n")[1])
vmware, templates_dir, peer, stack_env, work = sys.argv[1:6]
vcsim_envs = sys.argv[6:]
work = pathlib.Path(work).resolve()
subprocess.run(["rm", "-rf", str(work)], check=True)
work.mkdir(parents=True)
z = zapi.Zapi.from_env(stack_env)
checks = Checks()
check, step = checks.check, checks.step
INTERVAL = 20  # the simulator's realtime sampling interval (s)
PERF = ".perf["
arrivals = itertools.count()  # order of replies across both fronts


class Front:
    """A recording front of one proxy: forwards each sender request and logs (arrival, values,
    reply). close() makes it refuse connections, as a dead proxy's port does."""

    def __init__(self, upstream):
        self.log, lock = [], threading.Lock()
        self.journal = open(work / ("front-%s-%d.jsonl" % upstream), "w")  # for a failure's reader
        outer = self

        class Handler(socketserver.BaseRequestHandler):
            def handle(self):
                try:
                    head, payload = read_frame(self.request)
                    with socket.create_connection(upstream, timeout=30) as up:
                        up.sendall(head + (zlib.compress(payload) if head[4] & 0x02 else payload))
                        _, reply = read_frame(up)
                except (OSError, ValueError):
                    return  # the proxy is gone: the sender sees the connection closed
                values = [(d["host"], d["key"], d.get("clock"), d.get("ns"))
                          for d in json.loads(payload).get("data", [])]
                with lock:
                    outer.log.append((next(arrivals), values, json.loads(reply)))
                    print(json.dumps({"at": time.time(), "front": outer.port, "values": values,
                                      "reply": json.loads(reply)}), file=outer.journal, flush=True)
                self.request.sendall(b"ZBXD\x01" + struct.pack("<II", len(reply), 0) + reply)

        class Server(socketserver.ThreadingTCPServer):
            daemon_threads = True
            allow_reuse_address = True

        self.server = Server(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


def dry_run(vc, state):
    """{(host, key): {clock}} of what the simulator offers now (a fresh --dry-run)."""
    r = subprocess.run(collector_cmd(vc, state) + ["--dry-run"], capture_output=True, text=True,
                       timeout=120, check=True)
    got = {}
    for line in r.stdout.splitlines():
        host, key, clock, _ = line.split(" ", 3)
        got.setdefault((host, key), set()).add(int(clock))
    return got


def collector_cmd(vc, state):
    return [vmware, "--url", vc["VCSIM_URL"], "--user", vc["VCSIM_USER"], "--password-file",
            str(work / "password"), "--ca-file", vc["VCSIM_CERT"], "--state-dir", str(state),
            "--zabbix-host", vc["endpoint"]]


def cycles(path):
    """[(exit code, waiting for discovery?)] of a daemon's finished cycles, from its -vv log."""
    out, waiting = [], False
    for line in pathlib.Path(path).read_text(errors="replace").splitlines():
        waiting = waiting or " wait until Zabbix" in line
        if "debug: cycle " in line and " ended with " in line:
            out.append((int(line.rsplit(" ", 1)[1]), waiting))
            waiting = False
    return out


vcs = []
for i, env in enumerate(vcsim_envs, 1):
    vc = zapi.load_env(env)
    vc["endpoint"] = "e2e-scale-vc%d" % i
    vcs.append(vc)
(work / "password").write_text(vcs[0]["VCSIM_PASSWORD"] + "\n")  # vcsim takes any password
(work / "password").chmod(0o600)
offered = {vc["endpoint"]: dry_run(vc, work / ("dry-%s" % vc["endpoint"])) for vc in vcs}
uuid_hosts = {vc: sorted({h for h, _ in o} - {vc}) for vc, o in offered.items()}
group = ProxyGroup(z, peer, "zabitan-e2e-scale", ["e2e-scale-a", "e2e-scale-b"])
ours = [vc["endpoint"] for vc in vcs] + [h for hs in uuid_hosts.values() for h in hs]
fronts, daemons = {}, []
try:
    step("a proxy group of two proxies, each behind a recording front")
    ports = group.start()
    fronts = {n: Front(("127.0.0.1", ports[n])) for n in group.proxies}
    for f in sorted(pathlib.Path(templates_dir).glob("zabitan_vmware.yaml")):
        z.import_template(f.read_text())
    gid = group.create(hosts=ours, local_ports={n: f.port for n, f in fronts.items()})
    tid = z.call("template.get", {"output": ["templateid"], "filter": {"host": ["zabitan VMware endpoint"]}})
    endpoint_ids = [z.call("host.create", {
        "host": vc["endpoint"], "groups": [{"groupid": z.group_id("zabitan")}], "monitored_by": 2,
        "proxy_groupid": gid, "templates": [{"templateid": tid[0]["templateid"]}]})["hostids"][0] for vc in vcs]
    z.config_cache_reload()
    group.wait_online()

    def endpoints_taken():
        """Each endpoint's proxy holds it in its configuration: it takes an (empty) discovery."""
        own = group.owners(endpoint_ids)
        if not all(own.values()):
            return False
        replies = [zapi.send("127.0.0.1", ports[p], [(h, "zabitan.vmware.hv.discovery", "[]")]) for h, p in own.items()]
        return all("redirect" not in r and zapi.parse_info(r)[0] == 1 for r in replies)

    zapi.wait_for("the endpoint hosts in their proxies' configuration", endpoints_taken)

    step("three daemons, one per vCenter")
    ha = ";".join("127.0.0.1:%d" % fronts[n].port for n in group.proxies)
    for vc in vcs:
        name = vc["endpoint"]
        log = open(work / ("%s.log" % name), "w")
        # Line-buffered: a cycle's summary lines come before its "cycle N ended" line.
        daemons.append((name, subprocess.Popen(
            ["stdbuf", "-oL"] + collector_cmd(vc, work / ("state-" + name)) + [
                "--zabbix-server", ha, "--daemon", "--interval", "5", "--spool", str(work / ("spool-" + name)),
                "-vv"], stdout=log, stderr=subprocess.STDOUT), work / ("%s.log" % name)))

    def running():
        for name, p, _ in daemons:
            if p.poll() is not None:
                raise SystemExit("FAIL: daemon %s exited with %d" % (name, p.returncode))
        return True

    def converged():
        running()
        return all((c := cycles(path)) and c[-1] == (0, False) for _, _, path in daemons)

    zapi.wait_for("every daemon's cycle to end 0 with nothing waiting", converged, timeout=240, delay=1)
    hostids = {h["host"]: h["hostid"] for h in z.call("host.get", {"output": ["host"], "filter": {"host": ours}})}
    own = group.owners(hostids.values())
    count = {n: sum(1 for o in own.values() if o == n) for n in group.proxies}
    print("   converged: %d hosts, %s" % (len(own), ", ".join("%s %d" % kv for kv in count.items())))
    check("each proxy monitors hosts of the group (%s)" % count, all(count.values()), count)

    step("failover: the proxy with most hosts dies mid-run")
    dead = max(group.proxies, key=lambda n: count[n])
    alive = [n for n in group.proxies if n != dead][0]
    fronts[dead].close()
    closed_at = time.time()

    def forwarded():  # what the dead proxy took is in the server (DataSenderFrequency=1)
        sent, _ = sent_values([(v, r) for _, v, r in fronts[dead].log if accepted_whole(r)], lambda k: k.endswith("discovery"))
        items = {(i["hostid"], i["key_"]): i for i in z.call("item.get", {
            "hostids": [hostids[h] for h, _ in sent if h in hostids], "output": ["itemid", "key_", "hostid", "value_type"]})}
        rows = history_clocks(z, list(items.values()))
        return all(c in rows.get(items.get((hostids.get(h), k), {}).get("itemid"), []) for (h, k), cs in sent.items() for c in cs)

    zapi.wait_for("what %s took to reach the server" % dead, forwarded, timeout=30)
    group.kill(dead)
    killed_at = time.time()
    print("   %s: front closed, SIGKILL %.1f s later" % (dead, killed_at - closed_at))
    zapi.wait_for("the group to move every host to %s" % alive, lambda: running() and all(
        o == alive for o in group.owners(hostids.values()).values()), timeout=120, delay=1)
    failed_over = time.time()
    print("   failed over %.1f s after the kill" % (failed_over - killed_at))
    after = (int(failed_over) // INTERVAL + 1) * INTERVAL  # the first sample taken after it
    perf_items = z.call("item.get", {"hostids": list(hostids.values()), "output": ["itemid", "key_", "hostid", "value_type"],
                                     "search": {"key_": PERF}})

    def all_after():
        running()
        rows = history_clocks(z, perf_items)
        return all(rows.get(i["itemid"]) and max(rows[i["itemid"]]) >= after for i in perf_items)

    zapi.wait_for("a sample taken after the failover (%d) in every item's history" % after, all_after,
                  timeout=120, delay=2)

    step("SIGTERM ends the daemons")
    for name, p, path in daemons:
        p.send_signal(signal.SIGTERM)
    for name, p, path in daemons:
        rc = p.wait(timeout=90)
        c = cycles(path)
        codes = {k: sum(1 for x, _ in c if x == k) for k in sorted({x for x, _ in c})}
        print("   %s: exit %d; cycles ended with %s" % (name, rc, codes))
        check("%s: exit 0, no cycle with values refused (2) or failed (1)" % name,
              rc == 0 and not {1, 2} & set(codes), (rc, codes))
    daemons = [(n, p, path) for n, p, path in daemons if p.poll() is None]

    step("history")
    hostids = {h["host"]: h["hostid"] for h in z.call("host.get", {"output": ["host"], "filter": {"host": ours}})}
    items = z.call("item.get", {"output": ["itemid", "key_", "hostid", "value_type"], "hostids": list(hostids.values())})
    by_key = {(i["hostid"], i["key_"]): i for i in items}
    rows = history_clocks(z, items)
    time_end = time.monotonic()
    for vc in vcs:
        name = vc["endpoint"]
        now = dry_run(vc, work / ("dry-after-" + name))
        vms = [h for h in uuid_hosts[name] if any(k.startswith("zabitan.vmware.vm.") for hh, k in offered[name] if hh == h)]
        missing_hosts = [h for h in uuid_hosts[name] if h not in hostids]
        keys = [(h, k) for (h, k) in now if h != name and not k.endswith("discovery")]
        no_values = [(h, k) for h, k in keys if not rows.get(by_key.get((hostids.get(h), k), {}).get("itemid"))]
        check("%s: its %d VMs and %d hypervisors are hosts, each of their %d items has values"
              % (name, len(vms), len(uuid_hosts[name]) - len(vms), len(keys)),
              not missing_hosts and not no_values, (missing_hosts, no_values[:5]))
        gaps, late, short, n = [], [], [], 0
        for (h, k), clocks in now.items():
            if PERF not in k or h == name:
                continue
            got = rows.get(by_key.get((hostids.get(h), k), {}).get("itemid"), [])
            if not got:
                continue  # named above
            lo, hi = min(got), max(got)
            want = {c for c in clocks if lo <= c <= hi}
            n += len(want)
            if not want <= set(got):
                gaps.append((h, k, sorted(want - set(got))[:3]))
            if hi < after:
                late.append((h, k, hi))
            if lo > killed_at - 2 * INTERVAL:
                short.append((h, k, lo))
        check("%s: every sample the simulator has, from each item's first value to its last, is in "
              "history (%d values), none missing across the failover" % (name, n), not gaps, gaps[:5])
        check("%s: each item's history spans the failover (from before the kill to after %d)" % (name, after),
              not late and not short, (late[:3], short[:3]))

    requests = [(a, v, r) for f in fronts.values() for a, v, r in f.log]
    sent, accepted = sent_values([(v, r) for _, v, r in requests], lambda k: k.endswith("discovery"))
    total = compare_history(checks, sent, accepted, lambda hk: by_key.get((hostids.get(hk[0]), hk[1])), rows)
    disorder = []
    last = {}
    for _, values, reply in sorted(requests, key=lambda x: x[0]):
        if not accepted_whole(reply):
            continue
        for h, k, clock, ns in values:
            if k.endswith("discovery"):
                continue
            if (h, k) in last and (clock, ns or 0) <= last[(h, k)]:
                disorder.append((h, k, last[(h, k)], clock))
            last[(h, k)] = (clock, ns or 0)
    check("each item's values were taken in clock order, across both proxies and the spool", not disorder, disorder[:5])
    per = {n: sum(len(v) for _, v, r in f.log if accepted_whole(r)) for n, f in fronts.items()}
    redirects = sum(1 for _, _, r in requests if "redirect" in r)
    print("   values taken: %s; requests %d, %d of them redirected; %d values sent in %d items; %.0f s"
          % (per, len(requests), redirects, total, len(sent), time_end - checks.t0))
finally:
    for name, p, _ in daemons:
        if p.poll() is None:
            p.kill()
            p.wait()
    for f in fronts.values():
        try:
            f.close()
        except OSError:
            pass
    try:
        group.remove(hosts=ours)
    finally:
        group.stop()

print("%d failure(s)" % len(checks.failures))
sys.exit(1 if checks.failures else 0)
