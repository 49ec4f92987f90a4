#!/usr/bin/env python3
"""zabitan-sender against a real Zabbix server (6.0 or 7.0): every value sent must be in its history.

Usage: zabbix_server_test.py ZABITAN_SENDER STACK_ENV WORKDIR PKI_DIR
STACK_ENV is the env file of a stack started by tests/peers/zabbix-server/start (6.0) or
tests/peers/zabbix-server-7/start (7.0) with ZBX_SERVER_TLS_DIR=PKI_DIR (tests/peers/make-test-pki).
Every result line names the server's version.

Cases:
  timestamps  20,000 values with clocks for 100 items, sent in parallel batches: history
              holds exactly those values and clocks.
  order       values without clock for a few items, interleaved with many others: the server
              stamps them on arrival, so its clock order must be the order they were sent in,
              and each item's last value must be its last line (parallel sending keeps order).
  unknown     a value for an item that does not exist: "failed: 1", exit 2, the others stored.
  psk         a host that accepts PSK only: plain text is refused by the server (failed),
              --tls-connect psk is stored; a wrong key fails the handshake.
  cert        a host that accepts its certificate only: --tls-connect cert with issuer and
              subject checks is stored; a wrong expected server subject is refused by us.
"""
import os
import subprocess
import sys
import time

here = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(here, "..", "peers", "zabbix-server"))
import zapi  # noqa: E402

sender, env_file, work, pki = sys.argv[1:5]
os.makedirs(work, exist_ok=True)
z = zapi.Zapi.from_env(env_file)
port = z.env["ZBX_TRAPPER_PORT"]
VERSION = "Zabbix " + z.version()
print("against %s (%s)" % (VERSION, env_file), flush=True)
# A host of its own per run, so a reused stack's older history cannot mix in.
HOST = "e2e-sender-%d" % time.time_ns()
ITEMS = 100


def run_sender(lines, *extra):
    path = os.path.join(work, "input.txt")
    with open(path, "w") as f:
        f.write("".join(line + "\n" for line in lines))
    r = subprocess.run([sender, "-z", "127.0.0.1", "-p", port, *extra, "-i", path],
                       capture_output=True, text=True, timeout=300)
    return r.returncode, r.stdout, r.stderr


def history(itemids, expected, deadline_s=60):
    """Polls history.get until `expected` rows arrived for the items (bounded)."""
    deadline = time.monotonic() + deadline_s
    while True:
        rows = z.call("history.get", {"history": zapi.VT_UINT, "itemids": itemids,
                                      "output": "extend", "sortfield": "clock",
                                      "limit": expected + 1000})
        if len(rows) >= expected or time.monotonic() > deadline:
            return rows
        time.sleep(0.3)


hostid = z.create_host(HOST)
itemids = {}
for i in range(ITEMS):
    itemids["ts.%d" % i] = z.create_trapper_item(hostid, "ts.%d" % i, zapi.VT_UINT)
for i in range(3):
    itemids["order.%d" % i] = z.create_trapper_item(hostid, "order.%d" % i, zapi.VT_UINT)
for i in range(200):
    itemids["noise.%d" % i] = z.create_trapper_item(hostid, "noise.%d" % i, zapi.VT_UINT)
z.config_cache_reload()
failures = []


def case(name, ok, detail):
    print(("ok   " if ok else "FAIL ") + name + " [" + VERSION + "]: " + detail, flush=True)
    if not ok:
        failures.append(name)


# --- timestamps: 20,000 values, 200 per item, distinct clocks --------------------------------
base = int(time.time()) - 7 * 86400
sent = {}
lines = []
for n in range(200):
    for i in range(ITEMS):
        clock, value = base + n * 60 + i, n * 1000 + i
        lines.append("%s ts.%d %d %d" % (HOST, i, clock, value))
        sent[("ts.%d" % i, clock)] = str(value)
t0 = time.monotonic()
code, out, err = run_sender(lines, "-T")
elapsed = time.monotonic() - t0
ts_ids = [itemids["ts.%d" % i] for i in range(ITEMS)]
rows = history(ts_ids, len(sent))
key_of = {v: k for k, v in itemids.items()}
got = {(key_of[r["itemid"]], int(r["clock"])): r["value"] for r in rows}
case("timestamps", code == 0 and got == sent and "sent: 20000; skipped: 0; total: 20000" in out,
     "exit %d, %d of %d values in history with their clocks, sent in %.2f s" % (code, len(got), len(sent), elapsed))

# --- order: server-stamped values of 3 items among 20,000 others -----------------------------
lines = []
expect_last = {}
for n in range(20000):
    if n % 100 == 0:
        k = "order.%d" % ((n // 100) % 3)
        lines.append("%s %s %d" % (HOST, k, n))
        expect_last[k] = str(n)
    else:
        lines.append("%s noise.%d %d" % (HOST, n % 200, n))
code, out, err = run_sender(lines, "--connections", "8", "--batch-size", "500")
order_ids = [itemids["order.%d" % i] for i in range(3)]
rows = history(order_ids, 200)
ok = code == 0 and len(rows) == 200
for i in range(3):
    seq = sorted((r for r in rows if r["itemid"] == itemids["order.%d" % i]),
                 key=lambda r: (int(r["clock"]), int(r["ns"])))
    values = [int(r["value"]) for r in seq]
    ok = ok and values == sorted(values) and seq and seq[-1]["value"] == expect_last["order.%d" % i]
case("order", ok, "exit %d, %d server-stamped values; each item's history must be in sending order" % (code, len(rows)))

# --- unknown item: failed: 1 ---------------------------------------------------------------
code, out, err = run_sender(["%s ts.0 424242" % HOST, "%s no.such.key 1" % HOST])
case("unknown-item", code == 2 and "processed: 1; failed: 1; total: 2" in out,
     "exit %d, %s" % (code, out.strip().splitlines()[0] if out.strip() else err.strip()))

# --- TLS: PSK ----------------------------------------------------------------------------
psk_file = os.path.join(work, "host.psk")
with open(psk_file, "w") as f:
    f.write(os.urandom(32).hex() + "\n")
os.chmod(psk_file, 0o600)
psk_host = HOST + "-psk"
psk_hostid = z.create_host(psk_host)
psk_item = z.create_trapper_item(psk_hostid, "tls.key", zapi.VT_UINT)
# An identity of its own per run: Zabbix wants one key per identity across all hosts, and a
# reused stack keeps the hosts of earlier runs.
psk_identity = "zabitan e2e " + HOST
z.call("host.update", {"hostid": psk_hostid, "tls_connect": 2, "tls_accept": 2,
                       "tls_psk_identity": psk_identity, "tls_psk": open(psk_file).read().strip()})
cert_host = HOST + "-cert"
cert_hostid = z.create_host(cert_host)
cert_item = z.create_trapper_item(cert_hostid, "tls.key", zapi.VT_UINT)
z.call("host.update", {"hostid": cert_hostid, "tls_connect": 4, "tls_accept": 4,
                       "tls_issuer": "CN=zabitan test CA",
                       "tls_subject": "CN=zabitan-sender,O=zabitan tests"})
z.config_cache_reload()
psk = ["--tls-connect", "psk", "--tls-psk-identity", psk_identity, "--tls-psk-file", psk_file]


def single(host, value, *extra):
    r = subprocess.run([sender, "-z", "127.0.0.1", "-p", port, "-s", host, "-k", "tls.key",
                        "-o", str(value), *extra], capture_output=True, text=True, timeout=60)
    return r.returncode, r.stdout + r.stderr


plain_code, plain_out = single(psk_host, 1)
psk_code, psk_out = single(psk_host, 2, *psk)
bad_file = os.path.join(work, "wrong.psk")
with open(bad_file, "w") as f:
    f.write(os.urandom(32).hex() + "\n")
os.chmod(bad_file, 0o600)
bad_code, bad_out = single(psk_host, 3, *psk[:-1], bad_file, "-vv")
rows = history([psk_item], 1)
case("psk", plain_code == 2 and "failed: 1" in plain_out and psk_code == 0 and
     "processed: 1; failed: 0" in psk_out and bad_code == 1 and
     [r["value"] for r in rows] == ["2"],
     "plain text refused by the server (exit %d), PSK stored (exit %d), wrong key: exit %d, history %s"
     % (plain_code, psk_code, bad_code, [r["value"] for r in rows]))

cert = ["--tls-connect", "cert", "--tls-ca-file", os.path.join(pki, "ca.crt"),
        "--tls-crl-file", os.path.join(pki, "ca.crl"),
        "--tls-cert-file", os.path.join(pki, "client.crt"), "--tls-key-file", os.path.join(pki, "client.key"),
        "--tls-server-cert-issuer", "CN=zabitan test CA"]
cert_code, cert_out = single(cert_host, 4, *cert, "--tls-server-cert-subject", "CN=zabbix-server,O=zabitan tests")
wrong_code, wrong_out = single(cert_host, 5, *cert, "--tls-server-cert-subject", "CN=someone-else", "-vv")
rows = history([cert_item], 1)
case("cert", cert_code == 0 and "processed: 1; failed: 0" in cert_out and wrong_code == 1 and
     "is not \"CN=someone-else\"" in wrong_out and [r["value"] for r in rows] == ["4"],
     "certificate stored (exit %d), wrong server subject refused by zabitan-sender (exit %d), history %s"
     % (cert_code, wrong_code, [r["value"] for r in rows]))

# --- TLS: the certificate names the host (--tls-check-host, issue #15 item 9) ------------------
# The server's certificate names DNS:localhost only. Without issuer/subject, certificate mode
# accepts whatever the CA signed and says so (a warning: -v); --tls-check-host accepts it as "localhost" and
# refuses it as "127.0.0.1", whose address the certificate does not name.
def to_server(server, value, *extra):
    r = subprocess.run([sender, "-z", server, "-p", port, "-s", cert_host, "-k", "tls.key",
                        "-o", str(value), *extra], capture_output=True, text=True, timeout=60)
    return r.returncode, r.stdout, r.stderr


ca_only = cert[:-2]  # without --tls-server-cert-issuer
any_code, any_out, any_err = to_server("127.0.0.1", 6, *ca_only, "-v")
name_code, name_out, name_err = to_server("localhost", 7, *ca_only, "--tls-check-host", "-v")
addr_code, addr_out, addr_err = to_server("127.0.0.1", 8, *ca_only, "--tls-check-host", "-vv")
rows = history([cert_item], 3)
case("cert-host", any_code == 0 and "any certificate" in any_err and
     name_code == 0 and "processed: 1; failed: 0" in name_out and "any certificate" not in name_err and
     addr_code == 1 and "IP address mismatch" in addr_out + addr_err and
     sorted(r["value"] for r in rows) == ["4", "6", "7"],
     "CA only: exit %d, warned %s; --tls-check-host as localhost: exit %d; as 127.0.0.1: exit %d (%s); "
     "history %s" % (any_code, "any certificate" in any_err, name_code, addr_code,
                     (addr_out + addr_err).strip().splitlines()[-1:], [r["value"] for r in rows]))

print("%s: %d passed, %d failed" % (VERSION, 6 - len(failures), len(failures)))
sys.exit(1 if failures else 0)
