#!/usr/bin/env python3
"""Benchmark: one zabitan-vmware collection cycle against the govmomi simulator, cold (empty
state folder) and warm (the state of the previous run: session, caches, watermarks), side by
side with govmomi's own performance.Manager fetching the same metric set
(tests/bench/govmomi-perf, built like the simulator). Issue #4's targets for ~10,000 VMs:
warm cycle <= 3 s, <= 150 MB peak RSS, <= 4 SOAP calls after warm-up plus the QueryPerf
batches, and faster than the govmomi reference.

Usage: vmware_bench.py ZABITAN_VMWARE GOVMOMI_PERF TRAPPER_SINK RUN_MEASURED WORK
  GOVMOMI_PERF        where the reference client is (built there when missing or older)
                       (--vcsim-env ENV | --vcsim-args "ARGS") [--warm N]
  --vcsim-env ENV     use a running simulator (the ctest fixture's, a small inventory)
  --vcsim-args ARGS   start one of our own with these flags and stop it at the end, e.g.
                      --vcsim-args "-hosts 50 -vms 200 -clusters 0" (10,050 VMs; ~300 MB, ~20 s)

zabitan-vmware sends to a recording trapper (tests/peers/trapper-sink) that answers at once;
peak RSS and CPU come from run_measured. The SOAP call count is what zabitan-vmware -v reports
("N SOAP calls so far (method n, ...)"), shown as "N: others+QueryPerf", or "?" when it does not.
The default run uses 8 QueryPerf lanes (--concurrency); one more warm run uses one.
ZABITAN_ARGS: extra zabitan-vmware options for the cold and warm runs, to compare settings. Prints a table; fails only when a run fails.
"""
import os
import pathlib
import re
import shlex
import signal
import subprocess
import sys
import time

here = pathlib.Path(__file__).resolve().parent
peers = here.parent / "peers"


def arg(name, default=None):
    return sys.argv[sys.argv.index(name) + 1] if name in sys.argv else default


vmware, govmomi_perf, sink, run_measured, work = sys.argv[1:6]
warm_runs = int(arg("--warm", "2"))
work = pathlib.Path(work)
subprocess.run(["rm", "-rf", str(work)], check=True)
work.mkdir(parents=True)
cleanups = []


def read_env(path):
    env = {}
    for line in open(path, encoding="utf-8"):
        m = re.match(r"^([A-Z0-9_]+)=(.*)$", line.strip())
        if m:
            env[m.group(1)] = m.group(2)
    return env


def wait_for_file(path, what, seconds=10):
    deadline = time.monotonic() + seconds
    while not (path.exists() and path.stat().st_size > 0):
        if time.monotonic() > deadline:
            sys.exit("vmware_bench: %s not ready after %d s" % (what, seconds))
        time.sleep(0.01)


simulator_pid = None


def simulator_cpu():
    """CPU seconds the simulator has used so far: on a small machine it shares the cores with
    the client, and its cost per cycle bounds what any client can reach."""
    try:
        fields = open("/proc/%s/stat" % simulator_pid).read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, TypeError, IndexError, ValueError):
        return float("nan")


def measured(cmd):
    """Runs cmd under run_measured: (wall s, cpu s, peak RSS KB, exit code, stderr, simulator cpu s)."""
    before = simulator_cpu()
    r = subprocess.run([run_measured, *cmd], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    wall, cpu, rss, code = r.stdout.split()
    return float(wall), float(cpu), int(rss), int(code), r.stderr, simulator_cpu() - before


def main():
    # The reference client is built like the simulator (Debian's govmomi, GOPATH mode, offline);
    # nothing is done when it is up to date.
    subprocess.run([str(peers / "vcsim" / "build"), os.path.dirname(os.path.abspath(govmomi_perf)),
                    str(here / "govmomi-perf" / "main.go"), os.path.basename(govmomi_perf)], check=True)
    if arg("--vcsim-args") is not None:
        vdir = work / "vcsim"
        cleanups.append(lambda: subprocess.run([str(peers / "vcsim" / "stop"), str(vdir)],
                                               stdout=subprocess.DEVNULL))
        subprocess.run([str(peers / "vcsim" / "start"), str(vdir), "-mode", "vpx", "-tls", "-realistic-perf",
                        *shlex.split(arg("--vcsim-args"))], check=True, stdout=subprocess.DEVNULL,
                       env={**os.environ, "VCSIM_START_TIMEOUT": "300"})
        env = read_env(vdir / "env")
    else:
        env = read_env(arg("--vcsim-env"))
    global simulator_pid
    simulator_pid = env.get("VCSIM_PID")

    ready = work / "sink.port"
    sink_proc = subprocess.Popen([sink, "--port", "0", "--ready-file", str(ready)],
                                 stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    cleanups.append(lambda: (sink_proc.send_signal(signal.SIGTERM), sink_proc.wait(10)))
    wait_for_file(ready, "trapper-sink")
    sink_port = ready.read_text().strip()

    (work / "empty.toml").write_text("")  # not the machine's /etc/zabitan/zabitan.toml
    password = work / "password"
    password.write_text(env["VCSIM_PASSWORD"])
    password.chmod(0o600)
    state = work / "state"
    collector = [vmware, "--url", env["VCSIM_URL"], "--user", env["VCSIM_USER"], "--password-file", str(password),
                 "--thumbprint", env["VCSIM_THUMBPRINT"], "--state-dir", str(state), "--zabbix-host", "bench-vc",
                 "--zabbix-server", "127.0.0.1:" + sink_port, "--config", str(work / "empty.toml"), "-v"]
    reference = [govmomi_perf, "-url", env["VCSIM_URL"], "-user", env["VCSIM_USER"],
                 "-password", env["VCSIM_PASSWORD"], "-insecure"]

    rows, failed = [], 0

    def soap_calls(stderr):
        """"N: O+Q", Q the QueryPerf batches, O the others (the target is on O)."""
        m = re.findall(r"(\d+) SOAP calls so far \((.*)\)", stderr)
        if not m:
            return "?"
        total, methods = m[-1]
        perf = sum(int(n) for k, n in (c.rsplit(" ", 1) for c in methods.split(", ")) if k == "QueryPerf")
        return "%s: %d+%dQP" % (total, int(total) - perf, perf)

    def record(name, result, calls, detail=""):
        nonlocal failed
        wall, cpu, rss, code, stderr, sim_cpu = result
        if code != 0:
            failed += 1
            sys.stderr.write("%s: exit %d\n%s\n" % (name, code, stderr[-2000:]))
        rows.append((name, wall, cpu, rss / 1024, calls, sim_cpu, detail))

    extra = os.environ.get("ZABITAN_ARGS", "").split()
    r = measured(collector + extra)
    record("zabitan-vmware cold", r, soap_calls(r[4]))
    for n in range(warm_runs):
        r = measured(collector + extra)
        record("zabitan-vmware warm%s" % ("" if warm_runs == 1 else " %d" % (n + 1)), r, soap_calls(r[4]))
    r = measured(collector + ["--concurrency", "1"])
    record("zabitan-vmware warm, 1 lane", r, soap_calls(r[4]), "QueryPerf one call at a time")
    ref_runs = [measured(reference) for _ in range(2)]
    for r in ref_runs:
        m = re.search(r"entities=\d+ series=\d+ values=\d+ soap_calls=(\d+)", r[4])
        record("govmomi performance.Manager", r, m.group(1) if m else "?", m.group(0) if m else "")

    print("one collection cycle, simulator at %s" % env["VCSIM_URL"])
    print("%-30s %8s %8s %9s %11s %16s" % ("", "wall s", "CPU s", "peak MB", "SOAP calls", "simulator CPU s"))
    for name, wall, cpu, rss, calls, sim_cpu, detail in rows:
        print("%-30s %8.2f %8.2f %9.1f %11s %16.2f  %s" % (name, wall, cpu, rss, calls, sim_cpu, detail))
    best_ref = min(r[0] for r in ref_runs)
    warm = [w for name, w, *_ in rows if "warm" in name and "lane" not in name]
    if warm:
        print("warm cycle vs govmomi: %.2f s vs %.2f s = %.1fx faster" % (min(warm), best_ref, best_ref / max(min(warm), 1e-3)))
    print("%d passed, %d failed" % (len(rows) - failed, failed))
    return 1 if failed else 0


try:
    code = main()
finally:
    for cleanup in reversed(cleanups):
        try:
            cleanup()
        except Exception as e:  # a cleanup failure must not hide the others
            sys.stderr.write("vmware_bench: cleanup: %s\n" % e)
sys.exit(code)
