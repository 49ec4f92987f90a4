#!/usr/bin/env python3
"""Benchmark for sizing a scale-out (issue #18): what one zabitan-vmware collector costs per
vSphere entity, how many values per second one Zabbix 7.0 proxy passes to the server, and what
that means for 10,000 / 50,000 / 100,000 VMs. Prints tables; fails only when a run fails.

Usage: sizing_bench.py ZABITAN_VMWARE ZABITAN_SENDER TRAPPER_SINK RUN_MEASURED PEER_DIR STACK_ENV WORK [--long]
  PEER_DIR   tests/peers/zabbix-server-7 (start-proxy, stop-proxy: proxy_group.py)
  STACK_ENV  DIR/env of a running 7.0 stack (the zabbix7 fixture)
  --long     10,050 VMs (vcsim -hosts 50 -vms 200) and 500,000 values through the proxy;
             default 204 VMs (-hosts 4 -vms 50) and 40,000 values (what ctest runs)

Collector: a simulator of its own (-realistic-perf), zabitan-vmware --once into a trapper that
answers at once (tests/peers/trapper-sink), CPU and peak RSS from run_measured. A cold run (empty
state folder: inventory, counter catalogue, the last 15 samples of every series), then a minute
of steady state: the watermarks are set back 60 s, so the run asks for the last 3 samples (20 s
apart) of every series, what a collector run every minute does; best of 3.
Proxy: one active zabbix_proxy 7.0 (SQLite), HOSTS trapper hosts monitored by it with 100
items each; zabitan-sender (-g: one host per request) sends VALUES values to the proxy; the time
is from the first value sent until the server's history holds all of them.
"""
import json
import math
import os
import pathlib
import signal
import subprocess
import sys
import time

here = pathlib.Path(__file__).resolve().parent
peers = here.parent / "peers"
sys.path.insert(0, str(peers / "zabbix-server"))
sys.path.insert(0, str(peers / "zabbix-server-7"))
import zapi  # noqa: E402
from proxy_group import ProxyGroup  # noqa: E402

if len(sys.argv) < 8:
    sys.exit(__doc__.split("\n\n")[1])
vmware, sender, sink, run_measured, peer, stack_env, work = sys.argv[1:8]
long_run = "--long" in sys.argv[8:]
VCSIM_ARGS = ["-hosts", "50", "-vms", "200", "-clusters", "0"] if long_run else ["-hosts", "4", "-vms", "50", "-clusters", "0"]
HOSTS, ITEMS = (50, 100) if long_run else (20, 100)
VALUES = 500000 if long_run else 40000
work = pathlib.Path(work)
subprocess.run(["rm", "-rf", str(work)], check=True)
work.mkdir(parents=True)
cleanups = []


def wait_file(path, what, seconds=30):
    zapi.wait_for(what, lambda: path.exists() and path.stat().st_size > 0, timeout=seconds, delay=0.05)


def measured(cmd):
    """(wall s, cpu s, peak RSS MB, stdout of the run) of cmd under run_measured."""
    out = work / "run.out"
    r = subprocess.run([run_measured, "/bin/sh", "-c", 'exec "$@" >%s' % out, "sh", *cmd],
                       capture_output=True, text=True)
    wall, cpu, rss, code = r.stdout.split()
    if int(code) != 0:
        sys.exit("sizing: %s exited %s: %s" % (cmd[0], code, r.stderr[-2000:]))
    return float(wall), float(cpu), int(rss) / 1024, out.read_text()


def collector():
    vdir = work / "vcsim"
    cleanups.append(lambda: subprocess.run([str(peers / "vcsim" / "stop"), str(vdir)], stdout=subprocess.DEVNULL))
    subprocess.run([str(peers / "vcsim" / "start"), str(vdir), "-mode", "vpx", "-tls", "-realistic-perf", *VCSIM_ARGS],
                   check=True, stdout=subprocess.DEVNULL, env={**os.environ, "VCSIM_START_TIMEOUT": "300"})
    env = zapi.load_env(str(vdir / "env"))
    ready = work / "sink.port"
    sink_proc = subprocess.Popen([sink, "--port", "0", "--ready-file", str(ready)], stdout=subprocess.DEVNULL,
                                 stderr=subprocess.DEVNULL)
    cleanups.append(lambda: (sink_proc.send_signal(signal.SIGTERM), sink_proc.wait(10)))
    wait_file(ready, "trapper-sink")
    (work / "empty.toml").write_text("")
    (work / "password").write_text(env["VCSIM_PASSWORD"])
    (work / "password").chmod(0o600)
    state = work / "state"
    cmd = [vmware, "--url", env["VCSIM_URL"], "--user", env["VCSIM_USER"], "--password-file", str(work / "password"),
           "--thumbprint", env["VCSIM_THUMBPRINT"], "--state-dir", str(state), "--zabbix-host", "bench-vc",
           "--zabbix-server", "127.0.0.1:" + ready.read_text().strip(), "--config", str(work / "empty.toml")]

    def counts(out):  # "N entities, M values sent, ..."
        first = next(ln for ln in out.splitlines() if " entities, " in ln)
        return int(first.split()[0]), int(first.split(", ")[1].split()[0])

    cold = measured(cmd)
    entities, cold_values = counts(cold[3])
    runs = []
    for _ in range(3):
        for f in state.glob("perf-*.json"):  # a minute of samples since the last run
            marks = json.loads(f.read_text())
            f.write_text(json.dumps({k: v - 60 for k, v in marks.items()}))
        runs.append(measured(cmd))
    warm = min(runs, key=lambda r: r[1])
    _, warm_values = counts(warm[3])
    vms = sum(1 for ln in subprocess.run(cmd + ["--dry-run"], capture_output=True, text=True).stdout.splitlines()
              if " zabitan.vmware.vm.uptime " in ln)
    return {"entities": entities, "vms": vms, "cold": cold[:3], "cold_values": cold_values,
            "warm": warm[:3], "warm_values": warm_values}


def proxy():
    z = zapi.Zapi.from_env(stack_env)
    group = ProxyGroup(z, peer, "zabitan-bench-sizing", ["bench-sizing-proxy"])
    cleanups.append(group.stop)
    prefix = "bench-sizing-host-"
    port = group.start()["bench-sizing-proxy"]
    group.remove(hosts_prefix=prefix)
    proxyid = z.call("proxy.create", {"name": "bench-sizing-proxy", "operating_mode": 0})["proxyids"][0]
    cleanups.append(lambda: group.remove(hosts_prefix=prefix))
    gid = z.group_id("zabitan")
    itemids = []
    for h in range(HOSTS):
        hid = z.call("host.create", {"host": "%s%d" % (prefix, h), "groups": [{"groupid": gid}],
                                     "monitored_by": 1, "proxyid": proxyid})["hostids"][0]
        made = z.call("item.create", [{"hostid": hid, "name": k, "key_": k, "type": 2, "value_type": zapi.VT_UINT}
                                      for k in ["probe"] + ["k%d" % k for k in range(ITEMS)]])["itemids"]
        itemids += made[1:]  # not the probe's
    z.config_cache_reload()
    zapi.wait_for("the proxy to take values of its hosts", lambda: "redirect" not in (r := zapi.send(
        "127.0.0.1", port, [("%s%d" % (prefix, h), "probe", 0) for h in range(HOSTS)])) and zapi.parse_info(r)[0] == HOSTS,
        timeout=120)
    per_item = VALUES // (HOSTS * ITEMS)
    path = work / "values.txt"
    with open(path, "w") as f:
        for h in range(HOSTS):
            for i in range(per_item):
                for k in range(ITEMS):
                    f.write("%s%d k%d %d\n" % (prefix, h, k, i + 1))
    total = per_item * HOSTS * ITEMS
    t0 = time.monotonic()
    r = subprocess.run([sender, "-z", "127.0.0.1:%d" % port, "-g", "-i", str(path)], capture_output=True, text=True)
    sent = time.monotonic() - t0
    if r.returncode != 0:
        sys.exit("sizing: zabitan-sender exited %d: %s" % (r.returncode, r.stderr[-500:]))
    zapi.wait_for("%d values in history" % total, lambda: count(z, itemids) >= total,
                  timeout=600, delay=0.5)
    return {"values": total, "sent": sent, "history": time.monotonic() - t0}


def count(z, itemids):
    return int(z.call("history.get", {"history": zapi.VT_UINT, "itemids": itemids, "countOutput": True}))


def main():
    c = collector()
    p = proxy()
    per_vm = c["warm_values"] / max(c["entities"], 1)
    cpu_per_entity = c["warm"][1] / c["entities"]
    rate = p["values"] / p["history"]
    print("\ncollector, %d entities (%d VMs), one zabitan-vmware run into a sink that answers at once" %
          (c["entities"], c["vms"]))
    print("| run | values | wall s | CPU s | peak RSS MB | entities per CPU-second |")
    print("|---|---|---|---|---|---|")
    for name, r, v in (("cold (15 samples per series, all new)", c["cold"], c["cold_values"]),
                       ("a minute of steady state (3 samples per series)", c["warm"], c["warm_values"])):
        print("| %s | %d | %.2f | %.2f | %.0f | %.0f |" % (name, v, r[0], r[1], r[2], c["entities"] / max(r[1], 1e-3)))
    print("\none zabbix_proxy 7.0 (SQLite) to the server: %d values, %d hosts x %d items, zabitan-sender -g" %
          (p["values"], HOSTS, ITEMS))
    print("| sent s | all in the server's history s | values per second through the proxy |")
    print("|---|---|---|")
    print("| %.2f | %.2f | %.0f |" % (p["sent"], p["history"], rate))
    print("\nextrapolated: %.1f values per entity per minute, %.2f ms collector CPU per entity per minute" %
          (per_vm, cpu_per_entity * 1000))
    print("| VMs | values per second | collector CPU (cores, busy) | proxies at the rate above (x2 for headroom) |")
    print("|---|---|---|---|")
    for vms in (10000, 50000, 100000):
        vps = vms * per_vm / 60
        print("| %d | %.0f | %.2f | %d |" % (vms, vps, vms * cpu_per_entity / 60, max(1, math.ceil(2 * vps / rate))))


try:
    main()
finally:
    for f in reversed(cleanups):
        try:
            f()
        except Exception as e:  # a cleanup's failure must not hide the others
            print("cleanup: %s" % e, file=sys.stderr)
