#!/usr/bin/env python3
"""Checks zabitan-vmware's second run right after a first one (e2e.vsphere_discovery and
e2e.vsphere_esxi): no (host, key, clock) sample reached the recording trapper twice over the two
runs (the watermarks in the state folder), and every querySpec of the second run, for hosts and
for VMs, asked only for the samples after the last one sent (startTime; its -vv log counts them).

Usage: vsphere_second_run_check.py RECORDED_JSONL SECOND_RUN_STDERR
"""
import json
import re
import sys

rows = [json.loads(line) for line in open(sys.argv[1])]
perf = [(r["host"], r["key"], r["clock"]) for r in rows if ".perf[" in r["key"]]
assert perf and len(perf) == len(set(perf)), "a sample was sent twice"
resumed = re.findall(r"QueryPerf: (\d+) of (\d+) querySpecs asked for the samples after", open(sys.argv[2]).read())
assert len(resumed) == 2 and all(int(a) == int(b) > 0 for a, b in resumed), resumed
print("ok   second run: %d samples over two runs, none twice; it asked from the watermarks (%s)"
      % (len(perf), ", ".join("%s of %s querySpecs" % r for r in resumed)))
