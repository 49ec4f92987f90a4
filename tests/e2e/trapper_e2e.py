"""What the e2e tests of "nothing lost to discovery" share (vsphere_pending_test.py,
prom_zabbix_test.py): PASS/FAIL lines, the program's runs, a recording proxy in front of the real
trapper (so the test knows every value sent and what the server said, independently of the
program's own accounting), and the comparison of what was sent with the server's history.

    checks = Checks()
    proxy = RecordingProxy(z.trapper_address())   # listens on 127.0.0.1:proxy.port
    run = Runs(checks, [program, ..., "--zabbix-server", "127.0.0.1:%d" % proxy.port])
    waiting = run("first run")                     # exit 0, no stderr; values waiting
    sent, accepted = sent_values(proxy.requests(), skip=lambda key: ...)
    compare_history(checks, z, sent, accepted, item_of)
    proxy.shutdown(); sys.exit(1 if checks.failures else 0)
"""
import json
import socket
import socketserver
import struct
import subprocess
import threading
import time
import zlib

import zapi


def read_frame(sock):
    head = zapi._recv_exact(sock, 13)
    if head[:4] != b"ZBXD":
        raise ValueError("not a Zabbix frame")
    flags, length, reserved = head[4], *struct.unpack("<II", head[5:13])
    data = zapi._recv_exact(sock, length)
    return head, (zlib.decompress(data) if flags & 0x02 else data)


class RecordingProxy:
    def __init__(self, upstream):
        self._log = []  # (values [(host, key, clock, ns)], reply dict)
        self._lock = threading.Lock()
        outer = self

        class Handler(socketserver.BaseRequestHandler):
            def handle(self):
                head, payload = read_frame(self.request)
                with socket.create_connection(upstream, timeout=30) as up:
                    up.sendall(head + (zlib.compress(payload) if head[4] & 0x02 else payload))
                    rhead, reply = read_frame(up)
                request = json.loads(payload)
                values = [(d["host"], d["key"], d.get("clock"), d.get("ns")) for d in request.get("data", [])]
                with outer._lock:
                    outer._log.append((values, json.loads(reply)))
                self.request.sendall(b"ZBXD\x01" + struct.pack("<II", len(reply), 0) + reply)

        class Server(socketserver.ThreadingTCPServer):
            daemon_threads = True
            allow_reuse_address = True

        self._server = Server(("127.0.0.1", 0), Handler)
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        self.port = self._server.server_address[1]

    def requests(self, save_to=None):
        """[(values, reply)] so far; also written to `save_to` (JSON lines) for a failure's reader."""
        with self._lock:
            log = list(self._log)
        if save_to:
            with open(save_to, "w", encoding="utf-8") as f:
                for values, reply in log:
                    f.write(json.dumps({"values": values, "reply": reply}) + "\n")
        return log

    def shutdown(self):
        self._server.shutdown()


def accepted_whole(reply):
    """True when the trapper stored every value of the request."""
    return reply.get("response") == "success" and " failed: 0;" in reply.get("info", "")


class Checks:
    def __init__(self):
        self.failures = []
        self.t0 = time.monotonic()

    def check(self, what, ok, detail=""):
        print(("PASS: " if ok else "FAIL: ") + what + ("" if ok else " (%s)" % str(detail)[:1500]), flush=True)
        if not ok:
            self.failures.append(what)
        return ok

    def step(self, name):
        print("---- %s (%.1f s)" % (name, time.monotonic() - self.t0), flush=True)


class Runs:
    """Runs `cmd` (a one-shot run, as cron's): each must exit 0 without a line on stderr.
    Returns how many values the run says wait for discovery."""

    def __init__(self, checks, cmd):
        self.checks, self.cmd, self.runs = checks, cmd, []

    def __call__(self, label):
        r = subprocess.run(self.cmd, capture_output=True, text=True, timeout=120)
        waiting = next((int(ln.split()[0]) for ln in r.stdout.splitlines() if " wait until Zabbix" in ln), 0)
        self.runs.append((label, r.returncode, waiting))
        print("   %s: exit %d, %d waiting | %s" % (label, r.returncode, waiting, " | ".join(r.stdout.splitlines())))
        self.checks.check("%s exits 0 without an error line" % label, r.returncode == 0 and r.stderr == "",
                          r.stderr)
        return waiting


def sent_values(requests, skip):
    """{(host, key): {clock}} of every value sent (but keys `skip` says), and how many of them
    were in requests the trapper took whole."""
    sent, accepted = {}, {}
    for values, reply in requests:
        whole = accepted_whole(reply)
        for host, key, clock, _ in values:
            if skip(key):
                continue
            sent.setdefault((host, key), set()).add(clock)
            if whole:
                accepted[(host, key)] = accepted.get((host, key), 0) + 1
    return sent, accepted


def history_clocks(z, items):
    """{itemid: [clock of each history row]} of `items` (item.get rows with value_type)."""
    rows = {}
    for vt in {i["value_type"] for i in items}:
        ids = [i["itemid"] for i in items if i["value_type"] == vt]
        for r in z.call("history.get", {"history": int(vt), "itemids": ids, "output": ["itemid", "clock"]}):
            # By clock: the nanoseconds are the server's business (7.0 may set its own when a
            # value comes with ns 0 or none); one value per clock and item is what is sent.
            rows.setdefault(r["itemid"], []).append(int(r["clock"]))
    return rows


def compare_history(checks, sent, accepted, item_of, rows):
    """Every value sent is in history, none twice, each accepted once. item_of((host, key))
    gives the item.get row, or None."""
    missing, twice, mismatch = [], [], []
    for (host, key), values in sorted(sent.items()):
        item = item_of((host, key))
        got = rows.get(item["itemid"], []) if item else []
        if len(got) != len(set(got)) or accepted.get((host, key), 0) > len(values):
            twice.append((host, key, len(got), len(values), accepted.get((host, key), 0)))
        elif set(got) != values:
            missing.append((host, key, len(got), len(values)))
        elif accepted.get((host, key), 0) != len(values):
            mismatch.append((host, key, accepted.get((host, key), 0), len(values)))
    total = sum(len(v) for v in sent.values())
    checks.check("every value sent (%d of %d items) is in history" % (total, len(sent)), not missing, missing[:5])
    checks.check("no value stored twice (history rows per item == distinct values sent)", not twice, twice[:5])
    checks.check("each value was accepted exactly once by the trapper", not mismatch, mismatch[:5])
    return total
