#!/usr/bin/env python3
"""Cold-process timing of zabitan-remote-cmd (issue #6 targets: rejecting hostile input
<= 10 ms, deciding and issuing the power-on <= 300 ms against the simulator), side by side
with /bin/true (the cost of starting any process here) as the baseline.

Usage: remote_cmd_bench.py REMOTE_CMD VCSIM_ENV WORK [--runs N]
Prints p50/p95 per scenario and the ratio to the target. Asserts nothing about speed.
"""
import json
import pathlib
import re
import statistics
import subprocess
import sys
import time

remote_cmd, vcsim_env_file, work = sys.argv[1:4]
runs = int(sys.argv[sys.argv.index("--runs") + 1]) if "--runs" in sys.argv else 40
work = pathlib.Path(work)
subprocess.run(["rm", "-rf", str(work)], check=True)
work.mkdir(parents=True)
peers = pathlib.Path(__file__).resolve().parent.parent / "peers"
env = {}
for line in open(vcsim_env_file, encoding="utf-8"):
    m = re.match(r"^([A-Z0-9_]+)=(.*)$", line.strip())
    if m:
        env[m.group(1)] = m.group(2)
password = work / "pw"
password.write_text(env["VCSIM_PASSWORD"])
password.chmod(0o600)
config = work / "zabitan.toml"
config.write_text(f"""[remote_cmd]
url = "{env['VCSIM_URL']}"
user = "{env['VCSIM_USER']}"
password_file = "{password}"
thumbprint = "{env['VCSIM_THUMBPRINT']}"
state_dir = "{work}/state"
audit_log = "{work}/audit.log"
[remote_cmd.groups.bench]
hosts = ["vm-bench"]
pool = ["DC0_H0_VM0", "DC0_H0_VM1", "DC0_C0_RP0_VM0", "DC0_C0_RP0_VM1"]
max = 4
cooldown = 0
max_actions_per_hour = 3600
""")
config.chmod(0o644)


def timed(args):
    t = time.monotonic()
    r = subprocess.run(args, capture_output=True, text=True)
    return time.monotonic() - t, r


def report(name, samples, target_ms=None):
    samples = sorted(samples)
    p50 = statistics.median(samples) * 1000
    p95 = samples[int(len(samples) * 0.95) - 1] * 1000
    line = f"{name:<44} p50 {p50:7.1f} ms   p95 {p95:7.1f} ms"
    if target_ms:
        line += f"   target {target_ms} ms: p50 at {p50 / target_ms:.2f}x of it"
    print(line, flush=True)


baseline = [timed(["/bin/true"])[0] for _ in range(runs)]
report("/bin/true (process start baseline)", baseline)
hostile = ["scale-up", "--host", "vm$(reboot)", "--event-id", "1", "--trigger-id", "2", "--status", "PROBLEM"]
rejections = []
for _ in range(runs):
    t, r = timed([remote_cmd, *hostile])
    assert r.returncode == 1 and r.stdout.startswith("rejected:"), r.stdout
    rejections.append(t)
report("reject hostile input", rejections, 10)

vms = ["DC0_H0_VM0", "DC0_H0_VM1", "DC0_C0_RP0_VM0", "DC0_C0_RP0_VM1"]
power_on, handled = [], []
for i in range(max(runs // 4, 3)):
    subprocess.run([str(peers / "vcsim" / "vm-power"), vcsim_env_file, "off", *vms], check=True)
    for k in range(4):
        event = str(1000 + i * 10 + k)
        t, r = timed([remote_cmd, "scale-up", "--host", "vm-bench", "--event-id", event, "--trigger-id", "2",
                      "--status", "PROBLEM", "--config", str(config)])
        assert r.returncode == 0 and "powered on" in r.stdout, r.stdout + r.stderr
        power_on.append(t)
        t, r = timed([remote_cmd, "scale-up", "--host", "vm-bench", "--event-id", event, "--trigger-id", "2",
                      "--status", "PROBLEM", "--config", str(config)])
        handled.append(t)
report("decide + power on + wait for the task", power_on, 300)
report("the same event again (lock, state, no vSphere)", handled)
