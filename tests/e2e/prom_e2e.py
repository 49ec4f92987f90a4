"""What the zabitan-prom e2e tests against a real Zabbix server share (prom_tls_test.py,
prom_pending_scope_test.py): their command line, a --once run, a host's history of one item.

    prom, z, exporter, work = prom_e2e.start(__doc__)   # ZABITAN_PROM STACK_ENV NODE_EXPORTER_ENV WORKDIR
    r, waiting = prom_e2e.run([prom, "--config", conf, "--once"], "run 1")
    clocks = prom_e2e.float_clocks(z, hostid, "prom.value[node_load1,]")
    case = prom_e2e.Cases(z); case("history", clocks != [], "clocks %s" % clocks)
"""
import os
import pathlib
import shutil
import subprocess
import sys

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent.parent / "peers" / "zabbix-server"))
import zapi  # noqa: E402


def start(doc):
    """(zabitan-prom, the server's Zapi, node_exporter's env, the work folder) from the command
    line; its usage (the doc's second paragraph) when it is not four arguments. The work folder
    is emptied and made 0755: zabitan-prom reads a config in it as a trusted file."""
    if len(sys.argv) != 5:
        sys.exit(doc.split("\n\n")[1])
    prom, stack_env, ne_env = sys.argv[1:4]
    work = pathlib.Path(sys.argv[4]).resolve()
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    os.chmod(work, 0o755)
    return prom, zapi.Zapi.from_env(stack_env), zapi.load_env(ne_env), work


def run(cmd, label):
    """Runs zabitan-prom; returns the completed process and how many values it says wait for
    discovery, after printing both."""
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    waiting = next((int(l.split()[0]) for l in r.stdout.splitlines() if " wait until Zabbix" in l), 0)
    print("   %s: exit %d, %d waiting | %s | %s" % (label, r.returncode, waiting, " | ".join(r.stdout.splitlines()),
                                                   r.stderr.strip()))
    return r, waiting


def float_clocks(z, hostid, key):
    """The clocks of a host's float item's history, oldest first ([] while the item is not there)."""
    item = z.call("item.get", {"hostids": [hostid], "filter": {"key_": key}, "output": ["itemid"]})
    if not item:
        return []
    rows = z.call("history.get", {"history": zapi.VT_FLOAT, "itemids": [item[0]["itemid"]],
                                  "output": ["clock"], "sortfield": "clock", "sortorder": "ASC"})
    return [int(r["clock"]) for r in rows]


class Cases:
    """case(name, ok, detail) prints one "ok"/"FAIL" line naming the server's version and keeps
    the names that failed in case.failures."""

    def __init__(self, z):
        self.version = z.env.get("ZBX_VERSION", "6.0")
        self.failures = []

    def __call__(self, name, ok, detail):
        print("%s %s [Zabbix %s]: %s" % ("ok  " if ok else "FAIL", name, self.version, detail))
        if not ok:
            self.failures.append(name)
