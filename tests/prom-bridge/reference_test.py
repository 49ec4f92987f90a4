#!/usr/bin/python3
"""prom-bridge's parser against the reference parser, prometheus_client (Debian's
python3-prometheus-client: run with /usr/bin/python3).

  reference_test.py PROM_DUMP [--format text|openmetrics] [--url URL] [--node-exporter-env ENV] [FILE...]

Each input (a file, a URL, or the /metrics of the node-exporter peer named by its env file)
is parsed by both; every sample must agree: its family's name, type and HELP, its name, labels,
value and timestamp (prometheus_client's 0.0.4 parser names counter families without _total
and singles out untyped samples; that is undone before comparing). Prints one line per input
with the number of samples compared; exits 1 at the first difference, naming it.
"""
import argparse
import json
import math
import subprocess
import sys
import urllib.request

from prometheus_client.openmetrics.parser import text_string_to_metric_families as om_families
from prometheus_client.parser import text_string_to_metric_families as text_families


def ours(dump, fmt, text):
    run = subprocess.run([dump, fmt], input=text.encode(), capture_output=True, check=False)
    if run.returncode != 0:
        raise SystemExit(f"prom_dump refused what the reference parsed: {run.stderr.decode().strip()}")
    rows = []
    for line in run.stdout.decode().splitlines():
        f = json.loads(line)
        for name, labels, value, ts in f["samples"]:
            family, sample_name = f["name"], name
            if fmt == "text" and f["type"] == "counter":  # the reference's munging, done here too
                if family.endswith("_total"):
                    family = family[:-6]
                else:
                    sample_name += "_total"
            rows.append((family, f["type"], f["help"] or "", sample_name, labels, float(value),
                         None if ts is None else float(ts)))
    return rows


def reference(fmt, text):
    rows = []
    for fam in (text_families if fmt == "text" else om_families)(text):
        typ = "unknown" if fam.type == "untyped" else fam.type
        for s in fam.samples:
            ts = s.timestamp
            if ts is not None and not isinstance(ts, float):
                ts = float(ts.sec) + ts.nsec / 1e9
            rows.append((fam.name, typ, fam.documentation or "", s.name, dict(s.labels), float(s.value), ts))
    return rows


def same(a, b):
    if isinstance(a, float) and isinstance(b, float):
        return (math.isnan(a) and math.isnan(b)) or a == b or abs(a - b) <= 1e-6 * max(1.0, abs(a))
    return a == b


def compare(name, dump, fmt, text):
    mine, theirs = ours(dump, fmt, text), reference(fmt, text)
    for i, (m, t) in enumerate(zip(mine, theirs)):
        if not all(same(x, y) for x, y in zip(m, t)):
            raise SystemExit(f"{name}: sample {i + 1} differs:\n  ours      {m}\n  reference {t}")
    if len(mine) != len(theirs):
        raise SystemExit(f"{name}: {len(mine)} samples here, {len(theirs)} in the reference")
    if not mine:
        raise SystemExit(f"{name}: no samples: nothing was compared")
    print(f"{name}: {len(mine)} samples in {len({r[0] for r in mine})} families agree")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("dump")
    ap.add_argument("--format", default="text", choices=["text", "openmetrics"])
    ap.add_argument("--url", action="append", default=[])
    ap.add_argument("--node-exporter-env")
    ap.add_argument("files", nargs="*")
    args = ap.parse_intermixed_args()
    urls = list(args.url)
    if args.node_exporter_env:
        env = dict(l.strip().split("=", 1) for l in open(args.node_exporter_env) if "=" in l)
        urls.append(env["NODE_EXPORTER_URL"])
    inputs = [(f, open(f, encoding="utf-8").read()) for f in args.files]
    for url in urls:
        with urllib.request.urlopen(url, timeout=30) as r:
            inputs.append((url, r.read().decode("utf-8")))
    if not inputs:
        raise SystemExit("reference_test: no input")
    for name, text in inputs:
        compare(name, args.dump, args.format, text)


if __name__ == "__main__":
    main()
