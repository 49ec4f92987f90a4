#!/usr/bin/env python3
"""zabitan-sender under its own faults: signals, a spool that breaks, cannot be used, fills a
real disk, or was planted by someone else (issues #17.2/4-7 and #15.2).

Usage: sender_faults_test.py ZABITAN_SENDER TRAPPER_SINK FULL_DISK WORKDIR
FULL_DISK is tests/peers/full-disk/full-disk: it mounts a small tmpfs (root only; every mount
is unmounted in a finally block, and ctest's cleanup fixture unmounts again).

Cases:
  sigterm-spool      -r from a pipe, the server stalls, SIGTERM: every value read is spooled,
                     exit 3, summary printed; a --flush then delivers all of them
  sigint-no-spool    -r, a live server, SIGINT: what was read is sent, summary, exit 0
  flush-not-a-spool  --flush on a missing or foreign folder: exit 1, one line, nothing created
  spool-vanishes     the spool folder is removed mid-run while the server comes back: new values
                     still reach the server, the summary counts what was really kept
  spool-read-only    a spool on a read-only mount: values sent anyway, one line naming --spool
  spool-not-private  a 0755 spool: refused with the chmod (and, for --spool, values sent anyway);
                     a world-writable one with a planted queue: nothing planted is sent
  disk-full          a 256 KiB tmpfs fills while the server is down: exit 1, sent + waiting +
                     lost = total, no .tmp left; a flush delivers exactly what was waiting
  max-bytes-drops    --spool-max-bytes drops show as lost in the summary and the exit code
"""
import fcntl
import glob
import json
import os
import re
import shutil
import signal
import socket
import struct
import subprocess
import sys
import termios
import time

sender, sink_bin, full_disk, work = sys.argv[1:5]
for leftover in ("full-disk", "ro-disk"):  # a run killed before its finally block
    subprocess.run([full_disk, "umount", os.path.join(work, leftover)], check=False)
shutil.rmtree(work, ignore_errors=True)
os.makedirs(work)
os.chmod(work, 0o700)
procs = []
results = []


def wait_for(cond, timeout=10.0, what="condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if cond():
            return True
        time.sleep(0.01)
    raise AssertionError("timed out after %.0f s waiting for %s" % (timeout, what))


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_sink(name, mode="success", port=0):
    ready = os.path.join(work, name + ".ready")
    if os.path.exists(ready):
        os.unlink(ready)
    record = os.path.join(work, name + ".jsonl")
    open(record, "w").close()
    p = subprocess.Popen([sink_bin, "--port", str(port), "--ready-file", ready, "--record", record,
                          "--mode", mode], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    procs.append(p)
    wait_for(lambda: os.path.exists(ready) and os.path.getsize(ready) > 0, what="trapper-sink")
    return int(open(ready).read()), record


def recorded(record):
    with open(record) as f:
        return [json.loads(line) for line in f if line.endswith("\n")]


def lines(first, count, items=10):
    return "".join("h k%d %d\n" % (i % items, i) for i in range(first, first + count))


def stop(p, sig, timeout=30):
    """Signals p and waits for it to exit before closing its input (an end of input racing the
    signal would be a different case)."""
    p.send_signal(sig)
    wait_for(lambda: p.poll() is not None, timeout=timeout, what="the sender to exit")
    return p.communicate()


def spawn(args, **kw):
    p = subprocess.Popen([sender] + args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, **kw)
    procs.append(p)
    return p


def run(args, timeout=60, **kw):
    return subprocess.run([sender] + args, capture_output=True, text=True, timeout=timeout, **kw)


def pipe_empty(fd):
    """True once the reader has taken everything written to the pipe (FIONREAD on the write end)."""
    buf = fcntl.ioctl(fd, termios.FIONREAD, b"\0\0\0\0")
    return struct.unpack("i", buf)[0] == 0


SPOOL = re.compile(r'spool ".*": spooled: (\d+); delivered from spool: (\d+); waiting: (\d+); lost: (\d+)')
SENT = re.compile(r"sent: (\d+); skipped: (\d+); total: (\d+)")


def summary(out):
    m, s = SPOOL.search(out), SENT.search(out)
    assert s, "no sent/skipped/total line in %r" % out
    assert m, "no spool line with lost in %r" % out
    return dict(zip(("sent", "skipped", "total"), map(int, s.groups())),
                **dict(zip(("spooled", "unspooled", "waiting", "lost"), map(int, m.groups()))))


def spooled_values(spool):
    return sum(int(re.search(r"-(\d+)\.req$", f).group(1)) for f in glob.glob(spool + "/q-*/*.req"))


def assert_in_order(values):
    """Each item's values arrive in increasing order (values are sequence numbers)."""
    last = {}
    for v in values:
        n = int(v["value"])
        assert last.get(v["key"], -1) < n, "item %s: %d after %d" % (v["key"], n, last[v["key"]])
        last[v["key"]] = n


def check(name, fn):
    t = time.monotonic()
    try:
        detail = fn()
        results.append((name, True))
        print("ok   %-18s %s (%.1f s)" % (name, detail or "", time.monotonic() - t), flush=True)
    except Exception as e:  # noqa: BLE001 -- every failure is reported, the next case still runs
        results.append((name, False))
        print("FAIL %-18s %s: %s" % (name, type(e).__name__, e), flush=True)


class Mount:
    """A tmpfs from tests/peers/full-disk, unmounted also when the case fails."""

    def __init__(self, name, size):
        self.dir = os.path.join(work, name)
        subprocess.run([full_disk, "mount", self.dir, size], check=True)

    def readonly(self):
        subprocess.run([full_disk, "readonly", self.dir], check=True)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        subprocess.run([full_disk, "umount", self.dir], check=False)


def sigterm_spool():
    stall_port, stall_rec = start_sink("stall", mode="stall")
    spool = os.path.join(work, "sigterm-spool")
    p = spawn(["-z", "127.0.0.1:%d" % stall_port, "-t", "3", "--batch-size", "100", "--spool", spool,
               "-r", "-i", "-"], stdin=subprocess.PIPE)
    p.stdin.write(lines(0, 1000))
    p.stdin.flush()
    wait_for(lambda: pipe_empty(p.stdin.fileno()), what="the sender to read the pipe")
    wait_for(lambda: recorded(stall_rec), what="the first request at the stalled server")
    t = time.monotonic()
    out, err = stop(p, signal.SIGTERM)
    took = time.monotonic() - t
    assert p.returncode == 3, "exit %s (stderr %r)" % (p.returncode, err)
    assert "stopped by SIGTERM after reading 1000 values" in err, err
    s = summary(out)
    assert (s["total"], s["sent"], s["waiting"], s["lost"]) == (1000, 0, 1000, 0), s
    assert took < 3 + 3, "took %.1f s to stop (-t 3)" % took
    port, rec = start_sink("after-sigterm")
    r = run(["--flush", spool, "-z", "127.0.0.1:%d" % port])
    assert r.returncode == 0, r
    got = recorded(rec)
    assert sorted(int(v["value"]) for v in got) == list(range(1000)), "flush delivered %d" % len(got)
    assert_in_order(got)
    return "1000 read, 1000 spooled, exit 3 in %.1f s; flush delivered 1000 in order" % took


def sigint_no_spool():
    port, rec = start_sink("sigint")
    p = spawn(["-z", "127.0.0.1:%d" % port, "-r", "-i", "-"], stdin=subprocess.PIPE)
    p.stdin.write(lines(0, 1000))
    p.stdin.flush()
    wait_for(lambda: pipe_empty(p.stdin.fileno()), what="the sender to read the pipe")
    out, err = stop(p, signal.SIGINT)
    assert p.returncode == 0, "exit %s (stderr %r)" % (p.returncode, err)
    assert "sent: 1000; skipped: 0; total: 1000" in out, (out, err)
    assert "stopped by SIGINT after reading 1000 values" in err, err
    assert len(recorded(rec)) == 1000, "the server got %d" % len(recorded(rec))
    return "1000 read, 1000 at the server, exit 0"


def flush_not_a_spool():
    typo = os.path.join(work, "no-such-spool")
    r = run(["--flush", typo])
    assert r.returncode == 1 and not os.path.exists(typo), r
    assert r.stderr.strip() == "zabitan-sender: error: --flush %s: no such spool" % typo, r.stderr
    plain = os.path.join(work, "plain")
    os.mkdir(plain, 0o700)
    open(os.path.join(plain, "notes.txt"), "w").close()
    r = run(["--flush", plain])
    assert r.returncode == 1 and sorted(os.listdir(plain)) == ["notes.txt"], r
    assert r.stderr.strip() == "zabitan-sender: error: --flush %s: not a spool (it has no lock file)" % plain, r.stderr
    return "missing and foreign folder refused, nothing created"


def spool_vanishes():
    port = free_port()  # closed for now
    spool = os.path.join(work, "vanishing")
    p = spawn(["-z", "127.0.0.1:%d" % port, "-t", "2", "--batch-size", "100", "--spool", spool,
               "-r", "-i", "-"], stdin=subprocess.PIPE)
    p.stdin.write(lines(0, 500))
    p.stdin.flush()
    wait_for(lambda: spooled_values(spool) == 500, what="500 values spooled")
    shutil.rmtree(spool)
    _, rec = start_sink("vanishes", port=port)  # the server is back
    p.stdin.write(lines(500, 500))
    p.stdin.flush()
    got = []
    try:
        wait_for(lambda: len(recorded(rec)) >= 500, what="the server to get the new values")
    finally:
        out, err = p.communicate(timeout=30)
        got = recorded(rec)
    assert sorted(int(v["value"]) for v in got) == list(range(500, 1000)), "server got %d" % len(got)
    s = summary(out)
    assert (s["sent"], s["waiting"], s["lost"]) == (500, 0, 500), s
    assert p.returncode == 1, "exit %s" % p.returncode
    return "500 new values delivered after the spool was removed; summary waiting 0, lost 500"


def spool_read_only():
    port, rec = start_sink("readonly")
    with Mount("ro-disk", "1m") as m:
        spool = os.path.join(m.dir, "spool")
        r = run(["-z", "127.0.0.1:%d" % free_port(), "--spool", spool, "-s", "h", "-k", "k", "-o", "old"])
        assert r.returncode == 3, r
        m.readonly()
        r = run(["-z", "127.0.0.1:%d" % port, "--spool", spool, "-s", "h", "-k", "k", "-o", "new"])
    assert r.returncode == 0, r
    assert [v["value"] for v in recorded(rec)] == ["new"]
    err = r.stderr.strip().split("\n")
    assert len(err) == 1 and err[0].startswith("zabitan-sender: error: --spool %s/lock: " % spool) and \
        "Read-only file system" in err[0] and err[0].endswith("; sending without the spool"), err
    return "sent with the spool on a read-only mount: " + err[0]


def fnv1a(text):
    h = 0xcbf29ce484222325
    for b in text.encode():
        h = ((h ^ b) * 0x100000001b3) & 0xFFFFFFFFFFFFFFFF
    return "q-%016x" % h


def spool_not_private():
    port, rec = start_sink("planted")
    open_spool = os.path.join(work, "open-spool")
    os.mkdir(open_spool)
    os.chmod(open_spool, 0o755)
    r = run(["-z", "127.0.0.1:%d" % port, "--spool", open_spool, "-s", "h", "-k", "k", "-o", "v"])
    assert r.returncode == 0 and r.stderr.strip() == (
        "zabitan-sender: error: --spool %s: mode 0755 lets group or others in; a spool must be private: "
        "chmod 0700 %s; sending without the spool" % (open_spool, open_spool)), r
    # The repro: someone who can write the folder plants a queue whose request is a
    # symlink to a file only the user can read, and a destination of theirs.
    secret = os.path.join(work, "secret")
    with open(secret, "w") as f:
        f.write('{"request":"sender data","data":[{"host":"h","key":"k","value":"SECRET"}]}')
    os.chmod(secret, 0o600)
    planted = os.path.join(work, "planted-spool")
    dest = "127.0.0.1:%d" % port
    q = os.path.join(planted, fnv1a(dest))
    os.makedirs(q)
    open(os.path.join(planted, "lock"), "w").close()
    with open(os.path.join(q, "destination"), "w") as f:
        f.write(dest)
    os.symlink(secret, os.path.join(q, "00000000000000000001-1.req"))
    os.chmod(planted, 0o777)
    r = run(["--flush", planted])
    assert r.returncode == 1, r
    assert r.stderr.strip().endswith("chmod 0700 %s" % planted), r.stderr
    values = [v["value"] for v in recorded(rec)]
    assert values == ["v"], "the server got %r" % values
    return "0755 and 0777 spools refused with the chmod; the planted request was not sent"


def disk_full():
    down = free_port()
    values = 50000
    with open(os.path.join(work, "full.txt"), "w") as f:
        f.write(lines(0, values, items=100))
    with Mount("full-disk", "256k") as m:
        spool = os.path.join(m.dir, "spool")
        r = run(["-z", "127.0.0.1:%d" % down, "--spool", spool, "--batch-size", "250",
                 "-i", os.path.join(work, "full.txt")], timeout=120)
        assert r.returncode == 1, "exit %s: %s" % (r.returncode, r.stderr[-300:])
        s = summary(r.stdout)
        assert s["total"] == values and s["sent"] == 0, s
        assert s["waiting"] > 0 and s["lost"] > 0 and s["waiting"] + s["lost"] == values, s
        assert "No space left on device" in r.stderr
        leftovers = glob.glob(spool + "/**/.tmp-*", recursive=True)
        assert not leftovers, "partial files left: %s" % leftovers[:3]
        assert spooled_values(spool) == s["waiting"]
        # To where the values were going: a flush to another -z would need room to copy them.
        _, rec = start_sink("after-full", port=down)
        f = run(["--flush", spool], timeout=120)
    assert f.returncode == 0, f
    got = recorded(rec)
    assert len(got) == s["waiting"] and len({v["value"] for v in got}) == len(got), len(got)
    assert_in_order(got)
    return "%d waiting + %d lost = %d, exit 1, no .tmp left; flush delivered %d" % (
        s["waiting"], s["lost"], values, len(got))


def max_bytes_drops():
    down = free_port()
    values = 40000
    with open(os.path.join(work, "drops.txt"), "w") as f:
        f.write(lines(0, values, items=100))
    spool = os.path.join(work, "small-spool")
    r = run(["-z", "127.0.0.1:%d" % down, "--spool", spool, "--spool-max-bytes", str(1 << 20),
             "--batch-size", "250", "-i", os.path.join(work, "drops.txt")], timeout=120)
    s = summary(r.stdout)
    assert r.returncode == 1, "exit %s" % r.returncode
    assert s["lost"] > 0 and s["waiting"] + s["lost"] == values, s
    assert spooled_values(spool) == s["waiting"]
    return "%d waiting + %d dropped = %d, exit 1" % (s["waiting"], s["lost"], values)


try:
    check("sigterm-spool", sigterm_spool)
    check("sigint-no-spool", sigint_no_spool)
    check("flush-not-a-spool", flush_not_a_spool)
    check("spool-vanishes", spool_vanishes)
    check("spool-not-private", spool_not_private)
    check("max-bytes-drops", max_bytes_drops)
    if os.geteuid() == 0:
        check("spool-read-only", spool_read_only)
        check("disk-full", disk_full)
    else:
        print("skip spool-read-only, disk-full: mounting a tmpfs needs root")
finally:
    for p in procs:
        if p.poll() is None:
            p.kill()
            p.wait()
failed = [n for n, ok in results if not ok]
print("%d passed, %d failed%s" % (len(results) - len(failed), len(failed), ": " + " ".join(failed) if failed else ""))
sys.exit(1 if failed else 0)
