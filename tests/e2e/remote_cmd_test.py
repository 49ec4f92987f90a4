#!/usr/bin/env python3
"""e2e: zabitan-remote-cmd against the govmomi simulator (its own instance), a recording
trapper for the reports and ninix-aya for the mascot.

Usage: remote_cmd_test.py REMOTE_CMD TRAPPER_SINK VCSIM_ENV NINIX_ENV WORK

Checks:
 - the hostile corpus (tests/remote-cmd/hostile_invocations.jsonl, >= 300 command lines): each
   is rejected with exit 1 and one line, none reaches vSphere (power states unchanged), each is
   in the audit log; the slowest rejection is printed;
 - scale-up powers on exactly one VM; the same event again does nothing and says so;
 - 50 concurrent invocations for one event power on exactly one VM;
 - max and cooldown are honoured;
 - scale-down shuts down only members it started, latest first;
 - the results reach the trapper (zabitan.remote.result/.members/.status) and the mascot speaks.
"""
import json
import os
import pathlib
import re
import socket
import subprocess
import sys
import time

here = pathlib.Path(__file__).resolve().parent
peers = here.parent / "peers"
corpus = here.parent / "remote-cmd" / "hostile_invocations.jsonl"

remote_cmd, sink_bin, vcsim_env_file, ninix_env_file, work = sys.argv[1:6]
work = pathlib.Path(work)
subprocess.run(["rm", "-rf", str(work)], check=True)
work.mkdir(parents=True)

failures = 0


def check(what, ok, detail=""):
    global failures
    print(("PASS: " if ok else "FAIL: ") + what + ("" if ok else f" ({detail})"), flush=True)
    failures += 0 if ok else 1


def read_env(path):
    env = {}
    for line in open(path, encoding="utf-8"):
        m = re.match(r"^([A-Z0-9_]+)=(.*)$", line.strip())
        if m:
            env[m.group(1)] = m.group(2).strip("'\"")
    return env


vcsim = read_env(vcsim_env_file)
ninix = read_env(ninix_env_file)
POOL = ["DC0_H0_VM0", "DC0_H0_VM1", "DC0_C0_RP0_VM0"]
OTHER = "DC0_C0_RP0_VM1"


def power(op, *names):
    r = subprocess.run([str(peers / "vcsim" / "vm-power"), vcsim_env_file, op, *names],
                       capture_output=True, text=True, check=True)
    return dict(line.split() for line in r.stdout.splitlines()) if op == "state" else None


def states():
    return power("state", *POOL, OTHER)


# The recording trapper for the reports.
ready = work / "sink.port"
record = work / "sink.jsonl"
sink = subprocess.Popen([sink_bin, "--port", "0", "--ready-file", str(ready), "--record", str(record)],
                        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
try:
    for _ in range(200):
        if ready.exists() and ready.read_text().strip():
            break
        time.sleep(0.05)
    sink_port = int(ready.read_text().strip())

    password = work / "vcsim.password"
    password.write_text(vcsim["VCSIM_PASSWORD"])
    password.chmod(0o600)

    def write_config(name, cooldown):
        path = work / name
        path.write_text(f"""
[remote_cmd]
url = "{vcsim['VCSIM_URL']}"
user = "{vcsim['VCSIM_USER']}"
password_file = "{password}"
thumbprint = "{vcsim['VCSIM_THUMBPRINT']}"
state_dir = "{work}/state"
audit_log = "{work}/audit.log"
time_budget = 20
report_server = "127.0.0.1:{sink_port}"
report_host = "zabitan-endpoint"
notify = true

[remote_cmd.groups.web]
hosts = ["vm-web01", "vm-web02"]
pool = {json.dumps(POOL)}
min = 0
max = 2
cooldown = {cooldown}
max_actions_per_hour = 100
shutdown_grace = 5

[sstp]
to = "127.0.0.1:{ninix['NINIX_PORT']}"
timeout = 15
""")
        path.chmod(0o644)
        return str(path)

    config = write_config("zabitan.toml", 0)
    config_cooldown = write_config("cooldown.toml", 3600)

    def run(*args, config_path=config):
        full = [remote_cmd, *args]
        if config_path:
            full += ["--config", config_path]
        return subprocess.run(full, capture_output=True, text=True, timeout=60)

    def up(event, action="scale-up", status="PROBLEM", config_path=config):
        return run(action, "--host", "vm-web01", "--event-id", str(event), "--trigger-id", "77",
                   "--status", status, "--severity", "High", config_path=config_path)

    power("off", *POOL)
    power("on", OTHER)
    before = states()

    # --- the hostile corpus ------------------------------------------------------------
    lines = [json.loads(l) for l in corpus.read_text().splitlines()]
    rejected = 0
    slowest = 0.0
    skipped_nul = 0
    for case in lines:
        args = [bytes.fromhex(h) for h in case["args_hex"]]
        if any(b"\0" in a for a in args):
            skipped_nul += 1  # exec cannot pass NUL; the unit test covers these
            continue
        if case["stage"] == "grammar":
            full = [remote_cmd.encode(), *args]
        else:
            full = [remote_cmd.encode(), *args] + ([b"--config", config.encode()] if case["stage"] == "policy" else [])
        t0 = time.monotonic()
        r = subprocess.run(full, capture_output=True, timeout=30)
        slowest = max(slowest, time.monotonic() - t0)
        out = r.stdout.decode("utf-8", "replace")
        ok = r.returncode == 1 and out.count("\n") == 1 and (out.startswith("rejected: ") or out.startswith("refusing to run: "))
        if not ok:
            check(f"hostile: {case['why']}", False, f"rc={r.returncode} out={out!r}")
        rejected += ok
    check(f"hostile corpus: {rejected} of {len(lines) - skipped_nul} command lines rejected with one line "
          f"({skipped_nul} with NUL left to the unit test)", rejected == len(lines) - skipped_nul)
    print(f"slowest rejection: {slowest * 1000:.1f} ms (cold process)")
    check("hostile corpus: no power state changed", states() == before, f"{before} -> {states()}")
    audit = [json.loads(l) for l in (work / "audit.log").read_text().splitlines()]
    check("hostile corpus: policy rejections are in the audit log",
          sum(1 for a in audit if a["outcome"] == "rejected") >= sum(1 for c in lines if c["stage"] == "policy"))

    # --- scale-up, idempotency ----------------------------------------------------------
    r = up(100)
    check("scale-up: exit 0", r.returncode == 0, r.stdout + r.stderr)
    check("scale-up: one line saying what it did", r.stdout == "scale-up web (event 100): powered on DC0_H0_VM0 (1/2 running)\n", r.stdout)
    s = states()
    check("scale-up: exactly one pool VM on", [s[v] for v in POOL] == ["poweredOn", "poweredOff", "poweredOff"], s)
    r = up(100)
    check("same event again: nothing, and says so", r.returncode == 0 and "handled already" in r.stdout, r.stdout)
    check("same event again: still one VM on", states() == s)

    # --- 50 concurrent invocations of one event ------------------------------------------
    procs = [subprocess.Popen([remote_cmd, "scale-up", "--host", "vm-web02", "--event-id", "200", "--trigger-id", "77",
                               "--status", "PROBLEM", "--config", config], stdout=subprocess.PIPE, text=True)
             for _ in range(50)]
    outs = [(p.communicate(timeout=60)[0], p.returncode) for p in procs]
    powered = sum(1 for o, _ in outs if re.match(r"scale-up web \(event 200\): powered on ", o))
    check("50 concurrent: all exit 0", all(rc == 0 for _, rc in outs), [o for o, rc in outs if rc])
    check("50 concurrent: exactly one powered a VM on", powered == 1, powered)
    s = states()
    check("50 concurrent: exactly one more VM on", [s[v] for v in POOL] == ["poweredOn", "poweredOn", "poweredOff"], s)

    # --- max and cooldown --------------------------------------------------------------
    r = up(300)
    check("max: nothing above max", "at its maximum" in r.stdout and states() == s, r.stdout)
    r = up(400, "scale-down", "OK", config_cooldown)
    check("cooldown: nothing within the cooldown", "cooldown 3600 s" in r.stdout and states() == s, r.stdout)

    # --- scale-down: only what it started, latest first ------------------------------------
    r = up(200, "scale-up", "OK")  # the recovery of event 200, run through the same script
    check("recovery: shuts down the latest VM it started", "shut down DC0_H0_VM1" in r.stdout, r.stdout)
    r = up(601, "scale-down")
    check("scale-down: then the one before", "shut down DC0_H0_VM0" in r.stdout, r.stdout)
    power("on", POOL[2])  # a pool member someone else started
    r = up(602, "scale-down")
    check("scale-down: never a VM it did not start", "no running VM that zabitan started" in r.stdout, r.stdout)
    s = states()
    check("scale-down: the VMs it did not start still run",
          s[POOL[2]] == "poweredOn" and s[OTHER] == "poweredOn" and s["DC0_H0_VM0"] == "poweredOff", s)
    power("off", POOL[2])
    s = states()

    # --- status, dry run ----------------------------------------------------------------
    r = run("status", "--host", "vm-web01", "--event-id", "1", "--trigger-id", "1", "--status", "PROBLEM")
    check("status: says the members", r.returncode == 0 and "0/2 running" in r.stdout, r.stdout)
    r = run("scale-up", "--host", "vm-web01", "--event-id", "700", "--trigger-id", "1", "--status", "PROBLEM", "--dry-run")
    check("dry run: shows the decision, changes nothing", "dry run, would power on DC0_H0_VM0" in r.stdout and states() == s, r.stdout)

    # --- reports and the mascot -----------------------------------------------------------
    for _ in range(100):
        values = [json.loads(l) for l in record.read_text().splitlines()] if record.exists() else []
        if any("shut down DC0_H0_VM0" in v.get("value", "") for v in values):
            break
        time.sleep(0.05)
    results = [v["value"] for v in values if v.get("key") == "zabitan.remote.result" and v.get("host") == "zabitan-endpoint"]
    check("report: results reached the trapper", any("powered on DC0_H0_VM0" in v for v in results), results[:3])
    check("report: members and status too",
          any(v.get("key") == "zabitan.remote.members" for v in values) and
          any(v.get("key") == "zabitan.remote.status" and v.get("value") == "0" for v in values))
    shown = subprocess.run([str(peers / "ninix" / "last-script"), str(pathlib.Path(ninix_env_file).parent),
                            "--match", "DC0_H0_VM0", "--wait", "20", "--text"], capture_output=True, text=True)
    check("notify: the mascot said it", "Fedoraさんにお手伝いをお願いしたよ" in shown.stdout or "休んでもらったよ" in shown.stdout,
          shown.stdout + shown.stderr)

    # --- cloning a template when the pool is exhausted ------------------------------------
    # A group with an empty pool and OTHER as its template: every scale-up below max clones it
    # (CloneVM_Task), records the clone and powers it on.
    clone_config = work / "clone.toml"
    clone_config.write_text(f"""
[remote_cmd]
url = "{vcsim['VCSIM_URL']}"
user = "{vcsim['VCSIM_USER']}"
password_file = "{password}"
thumbprint = "{vcsim['VCSIM_THUMBPRINT']}"
state_dir = "{work}/state"
audit_log = "{work}/audit.log"
time_budget = 20

[remote_cmd.groups.clones]
hosts = ["vm-clone01"]
template = "{OTHER}"
name_pattern = "zclone-{{n:02}}"
max = 2
cooldown = 0
max_actions_per_hour = 100
shutdown_grace = 1
""")
    clone_config.chmod(0o644)

    def clone_up(event):
        return run("scale-up", "--host", "vm-clone01", "--event-id", str(event), "--trigger-id", "9",
                   "--status", "PROBLEM", config_path=str(clone_config))

    def clones():
        return {n: st for n, st in power("state").items() if n.startswith("zclone-")}

    existing = clones()  # a simulator reused from an earlier run may hold some: numbers go on
    procs = [subprocess.Popen([remote_cmd, "scale-up", "--host", "vm-clone01", "--event-id", "900", "--trigger-id", "9",
                               "--status", "PROBLEM", "--config", str(clone_config)], stdout=subprocess.PIPE, text=True)
             for _ in range(10)]
    outs = [(p.communicate(timeout=60)[0], p.returncode) for p in procs]
    made = [o for o, _ in outs if re.match(r"scale-up clones \(event 900\): cloned ", o)]
    new = {n: st for n, st in clones().items() if n not in existing}
    check("clone: 10 concurrent invocations of one event all exit 0", all(rc == 0 for _, rc in outs),
          [o for o, rc in outs if rc])
    check("clone: exactly one clone for the event", len(made) == 1 and len(new) == 1, (made, new))
    check("clone: powered on", list(new.values()) == ["poweredOn"], new)
    first = next(iter(new), "")
    check("clone: named by the pattern's next free number",
          re.fullmatch(r"zclone-\d\d+", first) is not None and first not in existing, first)
    check("clone: one line saying what it did",
          made[:1] == [f"scale-up clones (event 900): cloned {OTHER} as {first} and powered it on (1/2 running)\n"], made)
    state = json.loads((work / "state" / "clones.json").read_text())
    check("clone: recorded as a member it made", state.get("clones") == [first] and state.get("started") == [first], state)
    r = clone_up(901)
    new = {n: st for n, st in clones().items() if n not in existing}
    check("clone: a second event, a second clone", r.returncode == 0 and len(new) == 2 and
          all(st == "poweredOn" for st in new.values()), (r.stdout, new))
    r = clone_up(902)
    check("clone: max honoured", "at its maximum" in r.stdout and
          len({n for n in clones() if n not in existing}) == 2, (r.stdout, clones()))
    r = run("scale-down", "--host", "vm-clone01", "--event-id", "903", "--trigger-id", "9", "--status", "OK",
            config_path=str(clone_config))
    after = clones()
    check("clone: scale-down shuts a clone down, destroys nothing", r.returncode == 0 and "shut down zclone-" in r.stdout
          and len([n for n in after if n not in existing]) == 2 and
          sorted(after[n] for n in after if n not in existing) == ["poweredOff", "poweredOn"], (r.stdout, after))
    r = clone_up(904)
    check("clone: a powered-off clone is powered on again before cloning more",
          "powered on zclone-" in r.stdout and len([n for n in clones() if n not in existing]) == 2, (r.stdout, clones()))

    # --- a desktop that takes the connection and never answers ---------------------------
    # The notification comes last and must not hold Zabbix's script past the time budget: with
    # time_budget = 3 (and [sstp] timeout = 15) the run ends within the budget, the message
    # spooled. The endpoint is a closed port, so the scaling fails at once and is notified.
    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen(8)
    slow_config = work / "slow.toml"
    slow_config.write_text(f"""
[remote_cmd]
url = "https://127.0.0.1:1/sdk"
user = "{vcsim['VCSIM_USER']}"
password_file = "{password}"
state_dir = "{work}/state-slow"
audit_log = "{work}/audit.log"
time_budget = 3
notify = true

[remote_cmd.groups.slow]
hosts = ["vm-slow01"]
pool = ["{OTHER}"]
max = 1
cooldown = 0

[sstp]
to = "127.0.0.1:{silent.getsockname()[1]}"
timeout = 15
spool = "{work}/sstp-spool"
""")
    slow_config.chmod(0o644)
    started = time.monotonic()
    r = run("scale-up", "--host", "vm-slow01", "--event-id", "950", "--trigger-id", "9", "--status", "PROBLEM",
            config_path=str(slow_config))
    took = time.monotonic() - started
    silent.close()
    check("slow desktop: the run ends within its 3 s budget", took < 4.0, (took, r.stdout, r.stderr))
    check("slow desktop: the failure is the one line", r.returncode == 1 and r.stdout.count("\n") == 1, (r.stdout,))
    check("slow desktop: the message waits in the spool",
          any(p.is_file() for p in (work / "sstp-spool").rglob("*")), list((work / "sstp-spool").rglob("*")))
finally:
    sink.terminate()
    sink.wait()

print(f"{failures} failure(s)")
sys.exit(1 if failures else 0)
