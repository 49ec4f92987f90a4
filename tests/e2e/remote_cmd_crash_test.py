#!/usr/bin/env python3
"""e2e: zabitan-remote-cmd when things go wrong around an action, against the govmomi simulator
(its own instance; this test changes power states).

Usage: remote_cmd_crash_test.py REMOTE_CMD VCSIM_ENV WORK

Checks (issue 15, items 3, 4, 5, 13, 14):
 - killed between its pending save and the end of the power-on (a SOAP tap in front of the
   simulator holds the PowerOnVM_Task reply, then the run is SIGKILLed): the audit log already
   has its "started" record; the same event run again powers on no second VM and says the event
   was interrupted; a scale-down then stops the VM the killed run started;
 - the state cannot be saved before acting (a full disk: a tmpfs filled up, when this user may
   mount one; and always a folder in the way of the state's temporary file): exit 1, "nothing
   done", no VM powered on;
 - the notification's spool locked by another run: the run ends within its time budget (not
   the spool's fixed 20 s), and its outcome is in the audit log before it ends;
 - a config that is a symbolic link, in a folder others can write, or over 1 MiB is refused;
   a state folder others can write is refused; a last action in the future (a clock stepped
   back) does not hold the group.
"""
import fcntl
import importlib.machinery
import json
import os
import pathlib
import signal
import subprocess
import sys
import time
import types

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from remote_cmd_taps import SoapTap  # noqa: E402

here = pathlib.Path(__file__).resolve().parent
peers = here.parent / "peers"
remote_cmd, vcsim_env_file, work = sys.argv[1:4]
work = pathlib.Path(work)
subprocess.run(["rm", "-rf", str(work)], check=True)
work.mkdir(parents=True)
work.chmod(0o755)

failures = 0


def check(what, ok, detail=""):
    global failures
    print(("PASS: " if ok else "FAIL: ") + what + ("" if ok else f" ({detail})"), flush=True)
    failures += 0 if ok else 1


skips = []


def skip(what):
    """A part this machine cannot run: printed, and the test ends as skipped (exit 77, listed in
    ctest's summary) unless something failed; under CI=true a failure (tests/README.md)."""
    if os.environ.get("CI") == "true":
        check(what, False, "cannot run here, and CI=true allows no skip")
    else:
        print(f"skipped: {what}", flush=True)
        skips.append(what)


# vm-power's reading of the simulator's env file.
loader = importlib.machinery.SourceFileLoader("vm_power", str(peers / "vcsim" / "vm-power"))
vm_power = types.ModuleType(loader.name)
loader.exec_module(vm_power)
vcsim = vm_power.read_env(vcsim_env_file)
POOL = ["DC0_H0_VM0", "DC0_H0_VM1"]


def power(op, *names):
    r = subprocess.run([str(peers / "vcsim" / "vm-power"), vcsim_env_file, op, *names],
                       capture_output=True, text=True, check=True)
    return dict(line.split() for line in r.stdout.splitlines()) if op == "state" else None


def on():
    return sorted(name for name, state in power("state", *POOL).items() if state == "poweredOn")


password = work / "vcsim.password"
password.write_text(vcsim["VCSIM_PASSWORD"])
password.chmod(0o600)
audit_log = work / "audit.log"


def config_file(name, state, url=vcsim["VCSIM_URL"], settings="time_budget = 20", tail="", cooldown=0):
    pin = f'thumbprint = "{vcsim["VCSIM_THUMBPRINT"]}"\n' if url.startswith("https") else ""
    path = work / name
    path.write_text(f'[remote_cmd]\nurl = "{url}"\nuser = "{vcsim["VCSIM_USER"]}"\npassword_file = "{password}"\n'
                    f'{pin}state_dir = "{state}"\naudit_log = "{audit_log}"\n{settings}\n'
                    f'[remote_cmd.groups.web]\nhosts = ["vm-web01"]\npool = {json.dumps(POOL)}\nmin = 0\nmax = 2\n'
                    f'cooldown = {cooldown}\nmax_actions_per_hour = 100\nshutdown_grace = 5\n{tail}')
    path.chmod(0o644)
    return str(path)


def start(config, event, action="scale-up", status="PROBLEM"):
    return subprocess.Popen([remote_cmd, action, "--host", "vm-web01", "--event-id", str(event), "--trigger-id", "9",
                             "--status", status, "--severity", "High", "--config", config],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def run(config, event, action="scale-up", status="PROBLEM"):
    p = start(config, event, action, status)
    out, err = p.communicate(timeout=60)
    return p.returncode, out, err


def audited(event):
    if not audit_log.exists():
        return []
    records = [json.loads(line) for line in audit_log.read_text().splitlines()]
    return [r for r in records if str(event) in r["args"]]


def wait_for(what, predicate, seconds=20):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.02)
    check(what, False, f"not within {seconds} s")
    return False


tap = SoapTap(vcsim)
mounted = None
try:
    # --- killed between the pending save and the end of the power-on --------------------------
    power("off", *POOL)
    state = work / "state-crash"
    held_config = config_file("held.toml", state, url=tap.url)
    direct = config_file("direct.toml", state)
    tap.hold.set()
    p = start(held_config, 500)
    if wait_for("crash: the run reaches PowerOnVM_Task", lambda: tap.held.is_set() or p.poll() is not None):
        check("crash: the run is held in PowerOnVM_Task", tap.held.is_set() and p.poll() is None,
              f"rc={p.poll()} {p.stdout.read() if p.poll() is not None else ''}")
        started = [r for r in audited(500) if r["outcome"] == "started"]
        check("crash: the audit log has the action as started before vSphere finished it",
              len(started) == 1 and started[0]["decision"].startswith("power on DC0_H0_VM0"), f"{audited(500)}")
    p.send_signal(signal.SIGKILL)
    p.wait()
    tap.release.set()
    wait_for("crash: the held power-on reaches the simulator", lambda: on() == ["DC0_H0_VM0"])
    rc, out, err = run(direct, 500)
    check("crash: the same event again powers on no second VM", rc == 0 and on() == ["DC0_H0_VM0"],
          f"rc={rc} out={out!r} err={err!r} on={on()}")
    check("crash: the line says the event was interrupted",
          "was handled already (interrupted: power on DC0_H0_VM0" in out, out)
    rc, out, err = run(direct, 501, action="scale-down")
    check("crash: a scale-down stops the VM the killed run started",
          rc == 0 and "shut down DC0_H0_VM0" in out and on() == [], f"rc={rc} out={out!r} on={on()}")

    # --- the state cannot be saved before acting -----------------------------------------------
    def no_action_when_unsaved(what, state_dir, event):
        power("off", *POOL)
        rc, out, err = run(config_file(f"unsaved-{state_dir.name}.toml", state_dir), event)
        check(f"{what}: exit 1, nothing done", rc == 1 and "nothing done" in out and out.count("\n") == 1,
              f"rc={rc} out={out!r} err={err!r}")
        check(f"{what}: no VM powered on", on() == [], f"{on()}")
        check(f"{what}: no started record", not [r for r in audited(event) if r["outcome"] in ("started", "ok")],
              f"{audited(event)}")

    blocked = work / "state-blocked"
    (blocked / "web.json.tmp").mkdir(parents=True)
    (blocked / "web.json.tmp" / "x").write_text("x")
    blocked.chmod(0o700)
    no_action_when_unsaved("state save fails (a folder in the way)", blocked, 600)

    full = work / "state-full"
    full.mkdir(mode=0o700)
    if subprocess.run(["mount", "-t", "tmpfs", "-o", "size=256k,mode=0700", "tmpfs", str(full)],
                      capture_output=True).returncode == 0:
        mounted = full
        # A first call makes the vSphere session file and the lock while there is room: the
        # full disk then hits the state save, not the session's.
        rc, out, err = run(config_file("full.toml", full), 0, action="status")
        check("state on a full disk: a status call first", rc == 0, f"rc={rc} out={out!r} err={err!r}")
        filler = os.open(full / "filler", os.O_WRONLY | os.O_CREAT, 0o600)
        try:
            while True:
                os.write(filler, b"\0" * 4096)
        except OSError:
            pass
        os.close(filler)
        no_action_when_unsaved("state save fails (a full disk)", full, 601)
    else:
        skip("state on a full disk: cannot mount a tmpfs as this user (the folder case above stands)")

    # --- the notification spool locked by another run ------------------------------------------
    power("off", *POOL)
    closed = __import__("socket").socket()
    closed.bind(("127.0.0.1", 0))  # bound, never listening: connections are refused
    spool = work / "spool"
    spool.mkdir(mode=0o700)
    budget = 5
    spool_config = config_file("spool.toml", work / "state-spool", settings=f"time_budget = {budget}\nnotify = true",
                               tail=f'[sstp]\nto = "127.0.0.1:{closed.getsockname()[1]}"\nspool = "{spool}"\n')
    with open(spool / "lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        t0 = time.monotonic()
        p = start(spool_config, 700)
        outcome_while_running = False
        while p.poll() is None and time.monotonic() - t0 < 40:
            if any(r["outcome"] == "ok" for r in audited(700)):
                outcome_while_running = p.poll() is None
                break
            time.sleep(0.02)
        out, err = p.communicate(timeout=60)
        took = time.monotonic() - t0
    check(f"spool locked: the run ends within its time budget ({took:.1f} s, budget {budget} s)",
          took < budget + 1.5 and "powered on DC0_H0_VM0" in out, f"out={out!r} err={err!r}")
    check("spool locked: the outcome is audited before the notification waits",
          outcome_while_running, f"{audited(700)}")
    closed.close()

    # --- untrusted paths, the state folder, the clock -------------------------------------------
    power("off", *POOL)
    real = config_file("real.toml", work / "state-paths")
    def refused(what, path, event, line):
        rc, out, _ = run(str(path), event)
        check(f"paths: {what} is refused", rc == 1 and out.startswith(f"refusing to run: {path}: {line}"), out)

    def copy_of_real(path, mode_of_folder=None, tail=""):
        if mode_of_folder is not None:
            path.parent.mkdir()
            path.parent.chmod(mode_of_folder)
        path.write_text(pathlib.Path(real).read_text() + tail)
        path.chmod(0o644)
        return path

    link = work / "link.toml"
    link.symlink_to(real)
    refused("a config that is a symbolic link", link, 800, "is a symbolic link: name the real path\n")
    refused("a config in a folder others can write", copy_of_real(work / "open" / "z.toml", 0o777), 801,
            f"folder {work / 'open'} has mode 0777")
    refused("a config over 1 MiB", copy_of_real(work / "big.toml", tail="#" + "x" * (1 << 20) + "\n"), 802,
            "larger than 1048576 bytes\n")
    open_state = work / "state-open"
    open_state.mkdir()
    open_state.chmod(0o777)
    rc, out, _ = run(config_file("open-state.toml", open_state), 803)
    check("paths: a state folder others can write is refused, nothing done",
          rc == 1 and f"state_dir {open_state}: mode 0777" in out and on() == [], f"{out!r} {on()}")
    check("paths: none of these powered a VM on", on() == [], f"{on()}")

    power("off", *POOL)
    future = work / "state-future"
    future.mkdir(mode=0o700)
    ahead = int(time.time()) + 10 * 86400
    (future / "web.json").write_text(json.dumps({"handled": [], "last_action": ahead, "actions": [ahead],
                                                 "started": [], "clones": []}))
    rc, out, _ = run(config_file("future.toml", future), 804)
    check("clock: a last action ten days ahead (clock stepped back) does not hold the group",
          rc == 0 and "powered on DC0_H0_VM0" in out, out)
finally:
    tap.release.set()
    tap.shutdown()
    if mounted:
        subprocess.run(["umount", str(mounted)])
    try:
        power("off", *POOL)
    except subprocess.CalledProcessError:
        pass

print(f"{failures} failure(s)" + (f", {len(skips)} part(s) skipped" if skips else ""))
sys.exit(1 if failures else 77 if skips else 0)
