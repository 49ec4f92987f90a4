"""zabitan-remote-cmd's report to a real Zabbix server over TLS PSK (issue #15, item 15).

Usage: remote_cmd_report_tls_test.py ZABITAN_REMOTE_CMD STACK_ENV WORKDIR

The report host accepts PSK only. The vSphere endpoint is a closed port, so the admitted call
fails there and its outcome is reported (zabitan.remote.status, zabitan.remote.result): with
report_tls_* set the values are in history; without them Zabbix refuses the plain-text report
and remote-cmd says so; a PSK file others can read is refused before anything is sent.
"""
import os
import socket
import subprocess
import sys
import time

here = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(here, "..", "peers", "zabbix-server"))
import zapi  # noqa: E402

remote_cmd, env_file, work = sys.argv[1:4]
os.makedirs(work, exist_ok=True)
os.chmod(work, 0o755)
z = zapi.Zapi.from_env(env_file)
version = z.env.get("ZBX_VERSION", "6.0")
HOST = "e2e-report-tls-%d" % time.time_ns()
failures = []


def case(name, ok, detail):
    print("%s %s [Zabbix %s]: %s" % ("ok  " if ok else "FAIL", name, version, detail))
    if not ok:
        failures.append(name)


psk = os.urandom(32).hex()
psk_file = os.path.join(work, "report.psk")
with open(psk_file, "w") as f:
    f.write(psk + "\n")
os.chmod(psk_file, 0o600)
hostid = z.create_host(HOST)
status_item = z.create_trapper_item(hostid, "zabitan.remote.status", zapi.VT_UINT)
z.create_trapper_item(hostid, "zabitan.remote.result", zapi.VT_TEXT)
z.create_trapper_item(hostid, "zabitan.remote.members", zapi.VT_UINT)
identity = "zabitan report " + HOST
z.call("host.update", {"hostid": hostid, "tls_connect": 2, "tls_accept": 2,
                       "tls_psk_identity": identity, "tls_psk": psk})
z.config_cache_reload()

closed = socket.socket()
closed.bind(("127.0.0.1", 0))
closed_port = closed.getsockname()[1]
closed.close()  # nothing listens there: the vSphere call fails fast
password = os.path.join(work, "vc.password")
with open(password, "w") as f:
    f.write("secret\n")
os.chmod(password, 0o600)


def config(name, tls_lines):
    path = os.path.join(work, name)
    with open(path, "w") as f:
        f.write('[remote_cmd]\nurl = "https://127.0.0.1:%d/sdk"\nuser = "u"\npassword_file = "%s"\n'
                'thumbprint = "%s"\nstate_dir = "%s"\naudit_log = "%s"\ntime_budget = 20\n'
                'report_server = "127.0.0.1:%s"\nreport_host = "%s"\n%s\n'
                '[remote_cmd.groups.web]\nhosts = ["vm-web01"]\npool = ["vm-spare"]\nmin = 0\nmax = 2\n'
                % (closed_port, password, "ab" * 32, os.path.join(work, "state-" + name), os.path.join(work, "audit.log"),
                   z.env["ZBX_TRAPPER_PORT"], HOST, tls_lines))
    os.chmod(path, 0o644)
    return path


def run(cfg, event):
    r = subprocess.run([remote_cmd, "scale-up", "--host", "vm-web01", "--event-id", str(event),
                        "--trigger-id", "9", "--status", "PROBLEM", "--config", cfg],
                       capture_output=True, text=True, timeout=60)
    return r.returncode, r.stdout + r.stderr


tls = 'report_tls_connect = "psk"\nreport_tls_psk_identity = "%s"\nreport_tls_psk_file = "%s"\n' % (identity, psk_file)
plain_code, plain_out = run(config("plain.toml", ""), 101)
psk_code, psk_out = run(config("psk.toml", tls), 102)
rows = []
deadline = time.monotonic() + 60
while time.monotonic() < deadline and not rows:
    rows = z.history_get(status_item, zapi.VT_UINT, 10)
    if not rows:
        time.sleep(0.2)
case("plain-refused", "report to 127.0.0.1:" in plain_out and "refused" in plain_out,
     "without report_tls_*: exit %d, %s" % (plain_code, plain_out.strip().splitlines()[-1:]))
case("psk-stored", len(rows) == 1 and "report to" not in psk_out,
     "with report_tls_* psk: exit %d, %d status value(s) in history; %s"
     % (psk_code, len(rows), psk_out.strip().splitlines()[-1:]))

os.chmod(psk_file, 0o644)
open_code, open_out = run(config("open.toml", tls), 103)
case("readable-key-refused", "report TLS" in open_out and "chmod" in open_out,
     "a PSK file others can read: exit %d, %s" % (open_code, open_out.strip().splitlines()[-1:]))

print("%d passed, %d failed" % (3 - len(failures), len(failures)))
sys.exit(1 if failures else 0)
