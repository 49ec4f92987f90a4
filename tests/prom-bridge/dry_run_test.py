#!/usr/bin/python3
"""zabitan-prom --once --dry-run against real peers (ctest fixtures start them):

  dry_run_test.py ZABITAN_PROM NODE_EXPORTER_ENV HOSTILE_ENV

Four targets at once: node_exporter by address and through its Unix socket, the hostile
exporter's endless line and its small OpenMetrics exposition. Checks: exit status 1 with exactly
one stderr line, naming the endless target; every stdout line is zabbix_sender -T -N input
(host key clock ns value) for the host given; every family's discovery comes before its values,
and every value's series ID is a row of its family's discovery; the OpenMetrics counter is sent
raw under its _total name; node_exporter's families are discovered (both targets) except
those --exclude names.
"""
import json
import re
import subprocess
import sys

prom, ne_env, ho_env = sys.argv[1:4]
env = {}
for path in (ne_env, ho_env):
    env.update(dict(l.strip().split("=", 1) for l in open(path) if "=" in l))
endless = env["HOSTILE_URL"] + "/endless"
targets = [env["NODE_EXPORTER_URL"], "unix:" + env["NODE_EXPORTER_SOCKET"], endless, env["HOSTILE_URL"] + "/good"]
cmd = [prom, "--zabbix-host", "web 01", "--once", "--dry-run", "--exclude", "promhttp_*"] + [a for t in targets for a in ("--target", t)]
p = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
problems = []
if p.returncode != 1:
    problems.append(f"exit status {p.returncode}, expected 1")
err = p.stderr.strip().splitlines()
if len(err) != 1 or endless not in err[0] or not err[0].endswith("(parse)"):
    problems.append(f"stderr should be one line about {endless}: {err}")

# zabbix_sender's input: a field is bare (no space) or "quoted" with \" and \\ escapes.
FIELD = r'("(?:[^"\\]|\\.)*"|\S+)'
LINE = re.compile(rf"^{FIELD} {FIELD} (\d+) (\d+) {FIELD}$")


def unquote(f):
    return re.sub(r"\\(.)", r"\1", f[1:-1]) if f.startswith('"') else f


rows = {}  # family → set of IDs discovered
values = 0
key_re = re.compile(r'^prom\.(value|bucket|quantile)\[([^,\]"]+),("(?:[^"\\]|\\.)*"|[^,\]]*)')
for line in p.stdout.splitlines():
    m = LINE.match(line)
    if not m:
        problems.append(f"not -T -N input: {line[:200]}")
        continue
    host, key, value = unquote(m.group(1)), unquote(m.group(2)), unquote(m.group(5))
    if host != "web 01":
        problems.append(f"host {host!r}: {line[:200]}")
    if key.startswith("prom.discovery["):
        family = key[len("prom.discovery["):-1]
        ids = {r["{#PROM.ID}"] for r in json.loads(value)}
        rows.setdefault(family, set()).update(ids)
        continue
    values += 1
    k = key_re.match(key)
    if not k:
        problems.append(f"unexpected key {key}")
        continue
    name, sid = k.group(2), unquote(k.group(3)) if k.group(3).startswith('"') else k.group(3)
    family = name if k.group(1) != "value" else next((f for f in sorted(rows, key=len, reverse=True) if name.startswith(f)), None)
    if family is None or sid not in rows.get(family, set()):
        problems.append(f"{key}: no discovery row before it (family {family}, id {sid!r})")
    float(value)

if "good" not in rows or not re.search(r'^"?web 01"? prom\.value\[good_total,a=1\] \d+ \d+ 1$', p.stdout, re.M):
    problems.append("the OpenMetrics counter good_total{a=1} is not sent raw")
if any(f.startswith("promhttp_") for f in rows):
    problems.append("--exclude promhttp_* let promhttp_ families through")
node_families = {f for f in rows if f.startswith(("node_", "go_", "process_"))}
if len(node_families) < 250:
    problems.append(f"only {len(node_families)} node_exporter families discovered")
print(f"{len(rows)} families discovered, {values} values, {len(p.stdout.splitlines())} lines; stderr: {err}")
for x in problems[:20]:
    print("FAILED:", x)
sys.exit(1 if problems else 0)
