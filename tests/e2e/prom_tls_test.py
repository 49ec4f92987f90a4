#!/usr/bin/env python3
"""e2e (issue #20): zabitan-prom into the real Zabbix server over TLS PSK.

Usage: prom_tls_test.py ZABITAN_PROM STACK_ENV NODE_EXPORTER_ENV WORKDIR

The host (made here, with a template `zabitan-prom template` writes for node_load1) accepts
PSK only. Checks, against 6.0 or 7.0 (e2e.prom_tls_zabbix7):
  plain       without TLS the server refuses the host's values: exit 2, nothing in history
  open-psk    a PSK file others can read: exit 1, one line naming --tls-psk-file, nothing sent
  psk-config  tls_connect/tls_psk_identity/tls_psk_file in [prom]: --once runs every 6 s until
              nothing waits for discovery; node_load1's first value in history has the first
              run's clock, one row per run (none lost, none twice)
  psk-flags   the same with --tls-connect psk --tls-psk-identity --tls-psk-file: one more row
Everything the test makes in Zabbix is deleted at the end (also when it fails).
"""
import os
import pathlib
import subprocess
import sys
import time
import traceback

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
import prom_e2e  # noqa: E402
from prom_e2e import zapi  # noqa: E402

prom, z, exporter, work = prom_e2e.start(__doc__)
case = prom_e2e.Cases(z)
version, failures = case.version, case.failures
stamp = time.time_ns()
HOST, TEMPLATE = "zabitan-prom-tls-%d" % stamp, "zabitan prom tls %d" % stamp
KEY = "prom.value[node_load1,]"


def run(args, label):
    return prom_e2e.run([prom, "--target", exporter["NODE_EXPORTER_URL"], "--include", "node_load1",
                         "--zabbix-server", "%s:%d" % z.trapper_address()] + args, label)


def history():
    return prom_e2e.float_clocks(z, hostid, KEY)


psk = os.urandom(32).hex()
psk_file = work / "prom.psk"
psk_file.write_text(psk + "\n")
psk_file.chmod(0o600)
identity = "zabitan prom " + HOST
hostid = None
try:
    gen = subprocess.run([prom, "template", exporter["NODE_EXPORTER_URL"], "--name", TEMPLATE, "--include",
                          "node_load1", "-o", str(work / "template.yaml")], capture_output=True, text=True, timeout=60)
    assert gen.returncode == 0, gen.stderr
    assert z.import_template((work / "template.yaml").read_text()) is True
    tid = z.call("template.get", {"output": ["templateid"], "filter": {"host": [TEMPLATE]}})[0]["templateid"]
    hostid = z.call("host.create", {"host": HOST, "groups": [{"groupid": z.group_id("zabitan")}],
                                    "templates": [{"templateid": tid}], "tls_connect": 2, "tls_accept": 2,
                                    "tls_psk_identity": identity, "tls_psk": psk})["hostids"][0]
    z.config_cache_reload()

    r, _ = run(["--zabbix-host", HOST, "--state-dir", str(work / "state-plain"), "--once"], "plain")
    case("plain", r.returncode == 2 and "refused by Zabbix" in r.stdout and not history(),
         "without TLS: exit %d, %s" % (r.returncode, r.stdout.splitlines()[:1]))

    open_file = work / "open.psk"
    open_file.write_text(psk + "\n")
    open_file.chmod(0o644)
    r, _ = run(["--zabbix-host", HOST, "--state-dir", str(work / "state-open"), "--once", "--tls-connect", "psk",
                "--tls-psk-identity", identity, "--tls-psk-file", str(open_file)], "open psk file")
    err = r.stderr.strip().splitlines()
    case("open-psk", r.returncode == 1 and len(err) == 1 and "--tls-psk-file" in err[0] and r.stdout == "",
         "exit %d, %s" % (r.returncode, err))

    conf = work / "zabitan.toml"
    conf.write_text('[prom]\nzabbix_host = "%s"\nstate_dir = "%s"\ntls_connect = "psk"\n'
                    'tls_psk_identity = "%s"\ntls_psk_file = "%s"\n' % (HOST, work / "state", identity, psk_file))
    conf.chmod(0o644)
    t0 = int(time.time())
    r, waiting = run(["--config", str(conf), "--once"], "psk run 1")
    t1 = time.time()
    ok = r.returncode == 0 and r.stderr == "" and waiting == 1
    runs = 1
    deadline = time.monotonic() + int(os.environ.get("PROM_CONVERGE_TIMEOUT", "150"))
    while ok and waiting and time.monotonic() < deadline:
        time.sleep(6)  # longer than the test server's CacheUpdateFrequency (5 s); a new clock
        r, waiting = run(["--config", str(conf), "--once"], "psk run %d" % (runs + 1))
        runs += 1
        ok = r.returncode == 0 and r.stderr == ""
    got = zapi.wait_for("history of %s" % KEY, lambda: (lambda h: h if len(h) >= runs else None)(history()), 30)
    case("psk-config", ok and not waiting and got[0] >= t0 and got[0] <= t1 and len(got) == runs
         and len(set(got)) == runs,
         "%d runs, first held for discovery; history clocks %s, first run at %d..%d" % (runs, got, t0, t1))

    zapi.wait_for("a new second (the next value's own clock)", lambda: int(time.time()) > got[-1], 5, 0.05)
    r, waiting = run(["--zabbix-host", HOST, "--state-dir", str(work / "state"), "--once", "--tls-connect", "psk",
                      "--tls-psk-identity", identity, "--tls-psk-file", str(psk_file)], "psk flags")
    got2 = zapi.wait_for("one more row", lambda: (lambda h: h if len(h) > runs else None)(history()), 30)
    case("psk-flags", r.returncode == 0 and r.stderr == "" and len(got2) == runs + 1,
         "exit %d, %d rows" % (r.returncode, len(got2)))
except Exception:  # noqa: BLE001 - any failure is the test's, reported as one
    failures.append("setup")
    traceback.print_exc()
finally:
    if hostid:
        z.call("host.delete", [hostid])
    t = z.call("template.get", {"output": ["templateid"], "filter": {"host": [TEMPLATE]}})
    if t:
        z.call("template.delete", [x["templateid"] for x in t])
print("%s [Zabbix %s]" % ("FAILED: " + ", ".join(failures) if failures else "all passed", version))
sys.exit(1 if failures else 0)
