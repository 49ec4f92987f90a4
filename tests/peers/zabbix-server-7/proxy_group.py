"""A Zabbix 7.0 proxy group for tests: N active zabbix_proxy 7.0 processes of the peer
(start-proxy / stop-proxy, by PID) and the group and proxies in the server (API), what
e2e.proxy_group and e2e.scale_out share.

    g = ProxyGroup(z, PEER_DIR, "zabitan-e2e-pg", ["e2e-pg-a", "e2e-pg-b"])
    ports = g.start()                    # fresh proxy folders, all started at once: {name: port}
    g.create(hosts_prefix="e2e-pg-host-")  # earlier objects removed; the group, its proxies
    g.wait_online()
    ... hosts with "monitored_by": 2, "proxy_groupid": g.groupid ...
    g.owners(hostids)                    # {host: proxy name or None}
    g.kill("e2e-pg-a")                   # SIGKILL by PID: a crash
    g.stop()                             # every proxy, by PID (also after a failure)

`local_ports` in create() names where the server tells senders to go for a proxy (its redirect
address); by default the proxy's own port, or a port of the test's (a recording front).
"""
import os
import shutil
import subprocess

import zapi


class ProxyGroup:
    def __init__(self, z, peer, name, proxies, failover_delay="10s"):
        self.z, self.peer, self.name = z, peer, name
        self.proxies = list(proxies)
        self.failover_delay = failover_delay  # 10 s: the smallest 7.0 accepts
        self.dir = z.env["ZBX_DIR"]
        self.ports, self.proxyids, self.groupid = {}, {}, None

    def _script(self, script, *args):
        subprocess.run([os.path.join(self.peer, script), self.dir, *args], check=True,
                       stdout=subprocess.DEVNULL)

    def start(self):
        """Fresh proxy folders (no data left from an earlier run), all started at once."""
        for name in self.proxies:
            self._script("stop-proxy", name)
            shutil.rmtree(os.path.join(self.dir, "proxies", name), ignore_errors=True)
        procs = [subprocess.Popen([os.path.join(self.peer, "start-proxy"), self.dir, n],
                                  stdout=subprocess.DEVNULL) for n in self.proxies]
        failed = [n for n, p in zip(self.proxies, procs) if p.wait(timeout=200) != 0]
        if failed:
            raise SystemExit("proxy group: start-proxy failed for %s" % ", ".join(failed))
        for n in self.proxies:
            env = zapi.load_env(os.path.join(self.dir, "proxies", n, "env"))
            self.ports[n] = int(env["ZBX_PROXY_PORT"])
        return dict(self.ports)

    def remove(self, hosts_prefix=None, hosts=()):
        """Deletes this group, its proxies and the hosts named (or starting with hosts_prefix)."""
        z = self.z
        old = z.call("host.get", {"filter": {"host": list(hosts)}, "output": ["hostid"]}) if hosts else []
        if hosts_prefix:
            old += z.call("host.get", {"search": {"host": hosts_prefix}, "startSearch": True,
                                       "output": ["hostid"]})
        if old:
            z.call("host.delete", sorted({h["hostid"] for h in old}))
        old = z.call("proxy.get", {"filter": {"name": self.proxies}, "output": ["proxyid"]})
        if old:
            z.call("proxy.delete", [p["proxyid"] for p in old])
        old = z.call("proxygroup.get", {"filter": {"name": [self.name]}, "output": ["proxy_groupid"]})
        if old:
            z.call("proxygroup.delete", [g["proxy_groupid"] for g in old])

    def create(self, hosts_prefix=None, hosts=(), local_ports=None):
        """The group and its proxies (active), after remove(); returns the group's id."""
        self.remove(hosts_prefix, hosts)
        z = self.z
        self.groupid = z.call("proxygroup.create", {"name": self.name, "failover_delay": self.failover_delay,
                                                    "min_online": "1"})["proxy_groupids"][0]
        for n in self.proxies:
            port = (local_ports or self.ports)[n]
            self.proxyids[n] = z.call("proxy.create", {
                "name": n, "operating_mode": 0, "proxy_groupid": self.groupid,
                "local_address": "127.0.0.1", "local_port": str(port)})["proxyids"][0]
        return self.groupid

    def name_of(self, proxyid):
        return next((n for n, i in self.proxyids.items() if i == proxyid), None)

    def wait_online(self, timeout=60):
        zapi.wait_for("every proxy of %s online" % self.name, lambda: all(
            p["state"] == "2" for p in self.z.call("proxy.get", {"proxyids": list(self.proxyids.values()),
                                                                 "output": ["state"]})), timeout=timeout)

    def owners(self, hostids):
        """{host name: the proxy (name) the group assigned it to, or None}."""
        rows = self.z.call("host.get", {"hostids": list(hostids), "output": ["host", "assigned_proxyid"]})
        return {r["host"]: self.name_of(r["assigned_proxyid"]) for r in rows}

    def kill(self, name):
        """SIGKILL to the proxy's processes, by its PID file: a crash."""
        self._script("stop-proxy", name, "--kill")

    def stop(self):
        for n in self.proxies:
            self._script("stop-proxy", n)
