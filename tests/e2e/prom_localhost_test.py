#!/usr/bin/env python3
"""e2e (issue #20): an exporter on 127.0.0.1 only, reached as `localhost` where `localhost`
resolves to ::1 first: zabitan-prom, and Zabbix's own tools on the same case.

Usage: prom_localhost_test.py ZABITAN_PROM STACK7_ENV NODE_EXPORTER_ENV ZABBIX_AGENTD WORKDIR

This machine's /etc/hosts names localhost 127.0.0.1 only, so the case is made where it exists
without touching the system: Debian's default /etc/hosts (127.0.0.1 localhost, then
::1 localhost ip6-localhost ip6-loopback), with which glibc's getaddrinfo() returns ::1 first
(RFC 6724: ::1 ranks above IPv4), is bind-mounted on /etc/hosts in a mount namespace of the
test's own (unshare -m) for the host-side programs; the Zabbix 7.0 server already runs in a
Debian 13 root whose /etc/hosts is that file. node_exporter listens on 127.0.0.1 only (fixture
node_exporter), so ::1:PORT is refused.

  resolve      getent ahosts localhost, in the namespace and in the 7.0 root: ::1 first
  zabitan-prom zabitan-prom --dry-run and zabitan-prom template on http://localhost:PORT/metrics
               in the namespace: exit 0, node_exporter's values (must work)
  official     recorded as they behave, each checked against what was seen when this test was
               written (prom-bridge/README.md "localhost"): curl (works), Zabbix agent 6.0.14
               `zabbix_agentd -t` web.page.get (works), net.tcp.service and net.tcp.port
               (0: "down"); on the 7.0 server an HTTP agent item on the URL (works: the
               "Prometheus pattern" way's master item) and a simple check
               net.tcp.service[http,localhost,PORT] (0), with 127.0.0.1 beside each as control
zabbix_agentd is the one extracted from Debian's zabbix-agent package (fixture zabbix_sender_ref);
libmodbus5, which it needs, is fetched and unpacked beside it the same way when missing. Should
it still not run, the agent part is skipped and the test exits 77 (ctest: skipped) once the
rest has passed.
"""
import os
import pathlib
import subprocess
import sys
import time

here = pathlib.Path(__file__).resolve().parent
sys.path.insert(0, str(here.parent / "peers" / "zabbix-server"))
import zapi  # noqa: E402
from trapper_e2e import Checks  # noqa: E402

if len(sys.argv) != 6:
    sys.exit(__doc__.split("\n\n")[1])
prom, stack_env, ne_env, agentd, work = sys.argv[1:6]
work = pathlib.Path(work).resolve()
work.mkdir(parents=True, exist_ok=True)
checks = Checks()
check, step = checks.check, checks.step
port = zapi.load_env(ne_env)["NODE_EXPORTER_PORT"]
URL = "http://localhost:%s/metrics" % port
hosts = work / "hosts"
hosts.write_text("127.0.0.1\tlocalhost\n::1\t\tlocalhost ip6-localhost ip6-loopback\n")
agent_conf = work / "zabbix_agentd.conf"
agent_conf.write_text("LogType=console\nAllowRoot=1\n")


def in_ns(*cmd, show=True, env=None):
    """Runs cmd with the ::1-first /etc/hosts (a private mount namespace); prints the command and
    the first lines of what it printed, as the README records them."""
    r = subprocess.run(["unshare", "-m", "--propagation", "private", "sh", "-c",
                        'mount --bind "$0" /etc/hosts && exec "$@"', str(hosts)] + list(cmd),
                       capture_output=True, text=True, timeout=60, env=env)
    if show:
        print("   $ " + " ".join(cmd) + "    # exit %d" % r.returncode)
        for line in (r.stdout + r.stderr).splitlines()[:4]:
            print("     " + line[:110])
    return r


step("resolve: localhost is ::1 first")
r = in_ns("getent", "ahosts", "localhost")
check("in the namespace, getaddrinfo(localhost) gives ::1 first, then 127.0.0.1",
      r.stdout.split()[:1] == ["::1"] and "127.0.0.1" in r.stdout, r.stdout)
z = zapi.Zapi.from_env(stack_env)
root = z.env.get("ZBX_ROOT")
if root:
    r = subprocess.run(["chroot", root, "getent", "ahosts", "localhost"], capture_output=True, text=True)
    print("   $ chroot %s getent ahosts localhost  (what the 7.0 server sees)" % root)
    print("     " + (r.stdout.splitlines() or ["?"])[0])
    check("in the 7.0 server's root too", r.stdout.split()[:1] == ["::1"], r.stdout)

step("zabitan-prom on " + URL)
r = in_ns(prom, "--dry-run", "--once", "--target", URL, "--zabbix-host", "web01", "--include", "node_load1")
check("zabitan-prom --dry-run exits 0 with node_load1's value",
      r.returncode == 0 and "prom.value[node_load1,]" in r.stdout, r.stdout + r.stderr)
r = in_ns(prom, "template", URL, "-o", str(work / "template.yaml"))
check("zabitan-prom template exits 0", r.returncode == 0, r.stderr)

step("official tools on " + URL)
r = in_ns("curl", "-sS", "-o", "/dev/null", "-w", "%{http_code} from %{remote_ip}\\n", URL)
check("curl: 200 (libcurl tries ::1, then 127.0.0.1)", r.stdout.startswith("200 from 127.0.0.1"), r.stdout)
def agent_libraries():
    """LD_LIBRARY_PATH for the extracted zabbix_agentd (fixture zabbix_sender_ref): the Debian
    package of a library it lacks (libmodbus5, which the agent package depends on and nothing
    else installs) is fetched and unpacked into WORKDIR the same way, not installed. The names
    of what is still missing."""
    env = dict(os.environ)
    missing = lambda: [ln.split()[0] for ln in subprocess.run(  # noqa: E731
        ["ldd", agentd], capture_output=True, text=True, env=env).stdout.splitlines() if "not found" in ln]
    if "libmodbus.so.5" in missing():
        deb = work / "deb"
        deb.mkdir(exist_ok=True)
        subprocess.run(["apt-get", "download", "-q", "libmodbus5"], cwd=deb, capture_output=True)
        for f in deb.glob("libmodbus5_*.deb"):
            subprocess.run(["dpkg", "-x", str(f), str(work / "root")], check=True)
        env["LD_LIBRARY_PATH"] = ":".join(str(p) for p in (work / "root").glob("usr/lib/*-linux-gnu"))
    return env, missing()


agent_env, agent_missing = agent_libraries()
skipped = None
if agent_missing:
    skipped = "zabbix_agentd cannot run here (%s missing): the agent's items are not tried" % " ".join(agent_missing)
    print("SKIP: " + skipped)
else:
    seen = {}
    for host in ("localhost", "127.0.0.1"):
        for key in ("web.page.get[%s,/metrics,%s]", "net.tcp.service[http,%s,%s]", "net.tcp.port[%s,%s]"):
            k = key % (host, port)
            out = in_ns(agentd, "-c", str(agent_conf), "-t", k, env=agent_env).stdout
            seen[k] = out.split("[", 2)[-1][:1] + "|" + out.split("|", 1)[-1][:15] if "|" in out else out
    check("zabbix_agentd web.page.get[localhost,...]: the page (libcurl)",
          "200 OK" in seen["web.page.get[localhost,/metrics,%s]" % port], seen)
    for key in ("net.tcp.service[http,%s,%s]", "net.tcp.port[%s,%s]"):
        check("zabbix_agentd %s: 0 (down: only ::1 tried), %s: 1" % (key % ("localhost", port), key % ("127.0.0.1", port)),
              seen[key % ("localhost", port)].startswith("u|0") and seen[key % ("127.0.0.1", port)].startswith("u|1"), seen)

step("the 7.0 server's own items on the same URL")
HOST = "zabitan-prom-localhost-e2e"


def delete_host():
    old = z.call("host.get", {"filter": {"host": [HOST]}, "output": ["hostid"]})
    if old:
        z.call("host.delete", [h["hostid"] for h in old])


try:
    delete_host()
    hid = z.call("host.create", {"host": HOST, "groups": [{"groupid": z.group_id("zabitan")}], "interfaces": [
        {"type": 1, "main": 1, "useip": 1, "ip": "127.0.0.1", "dns": "", "port": "10050"}]})["hostids"][0]
    ifid = z.call("hostinterface.get", {"hostids": [hid], "output": ["interfaceid"]})[0]["interfaceid"]
    items = {}
    for host in ("localhost", "127.0.0.1"):
        url = "http://%s:%s/metrics" % (host, port)
        items[("http", host)] = z.call("item.create", {
            "hostid": hid, "interfaceid": ifid, "name": url, "key_": "zabitan.e2e.http[%s]" % host, "type": 19,
            "url": url, "value_type": zapi.VT_TEXT, "delay": "5s", "timeout": "3s"})["itemids"][0]
        key = "net.tcp.service[http,%s,%s]" % (host, port)
        items[("simple", host)] = z.call("item.create", {
            "hostid": hid, "interfaceid": ifid, "name": key, "key_": key, "type": 3,
            "value_type": zapi.VT_UINT, "delay": "5s"})["itemids"][0]
    z.config_cache_reload()
    got = {}

    def all_seen():
        for what, itemid in items.items():
            if what in got:
                continue
            vt = zapi.VT_TEXT if what[0] == "http" else zapi.VT_UINT
            h = z.call("history.get", {"history": vt, "itemids": [itemid], "limit": 1, "output": "extend"})
            err = z.call("item.get", {"itemids": [itemid], "output": ["error"]})[0]["error"]
            if h or err:
                got[what] = (h[0]["value"][:40] if h else None, err)
        return len(got) == len(items)

    zapi.wait_for("a value or an error of each item", all_seen, timeout=90, delay=1)
    for what, (value, err) in sorted(got.items()):
        print("   %-6s %-9s -> value %r, error %r" % (what[0], what[1], value, err))
    check("HTTP agent item on http://localhost:%s/metrics: the page (libcurl falls back to 127.0.0.1)" % port,
          (got[("http", "localhost")][0] or "").startswith("# HELP"), got)
    check("simple check net.tcp.service[http,localhost,%s]: 0 (down), with 127.0.0.1: 1" % port,
          got[("simple", "localhost")][0] == "0" and got[("simple", "127.0.0.1")][0] == "1", got)
finally:
    delete_host()

print("%d failure(s)" % len(checks.failures))
if skipped and not checks.failures:
    print("SKIP (exit 77): " + skipped)
    sys.exit(77)
sys.exit(1 if checks.failures else 0)
