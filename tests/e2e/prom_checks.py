"""What the zabitan-prom e2e tests and benchmarks compute on their own, independently of the
bridge's C++ (tests/e2e/prom_zabbix_test.py, tests/bench/prom_vs_http_agent_bench.py):

    snap = scrape(url)                       # (unix time before, after, {(name, labels): value})
    key = series_key("prom.value", "node_cpu_seconds_total", snap, labels)   # as Zabbix names it
    histogram_quantile(0.9, [(0.1, 3), (1, 7), (inf, 8)])   # Prometheus' rule, in Python

The text format is read with a small regex for what node_exporter writes (no escapes beyond
\\" and \\\\ in label values); the bridge's own parser is tested against prometheus_client
elsewhere (reference_test.py).
"""
import math
import re
import time
import urllib.request

_SAMPLE = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)(?: \S+)?$')
_LABEL = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"')


def parse(text):
    """{(name, ((label, value), ...) sorted): float} of a 0.0.4 body."""
    out = {}
    for line in text.splitlines():
        m = _SAMPLE.match(line)
        if not m or line.startswith("#"):
            continue
        labels = tuple(sorted((k, v.replace('\\"', '"').replace("\\\\", "\\"))
                              for k, v in _LABEL.findall(m.group(2) or "")))
        out[(m.group(1), labels)] = float(m.group(3))
    return out


def scrape(url, timeout=10):
    """(time before, time after, samples): the exporter's values lie between the two times."""
    t0 = time.time()
    with urllib.request.urlopen(url, timeout=timeout) as r:
        body = r.read().decode()
    return t0, time.time(), parse(body)


def key_param(text):
    """Zabbix's zbx_quote_key_param, as the bridge's KeyParam (mapping.cpp) and Zabbix's LLD do."""
    if not (text[:1] in ('"', " ", "[") or "," in text or "]" in text) or text.endswith("\\"):
        return text
    return '"' + text.replace('"', '\\"') + '"'


def identity(samples, family, part=None):
    """The bridge's identity rule (prom-bridge/README.md): the labels whose values differ between
    the family's series, or that some series lack. `part` (le, quantile) is not a series label."""
    series = {tuple(kv for kv in labels if kv[0] != part)
              for (name, labels) in samples if name == family or name.startswith(family + "_")}
    names = {k for s in series for k, _ in s}
    return sorted(n for n in names
                  if len({dict(s).get(n) for s in series}) > 1 or any(n not in dict(s) for s in series))


def series_id(labels, ident):
    d = dict(labels)
    return ",".join("%s=%s" % (n, d[n]) for n in ident if n in d)


def histogram_quantile(q, buckets):
    """Prometheus' histogram_quantile() over [(upper bound, cumulative count)], +Inf last:
    linear interpolation inside the bucket holding rank q*total; the lowest bucket starts at 0;
    a rank in the +Inf bucket gives the highest finite bound."""
    buckets = sorted(buckets)
    if len(buckets) < 2 or not math.isinf(buckets[-1][0]) or buckets[-1][1] <= 0:
        return math.nan
    rank = q * buckets[-1][1]
    i = next(i for i, (_, c) in enumerate(buckets) if c >= rank)
    if i == len(buckets) - 1:
        return buckets[-2][0]
    lo, below = (0.0, 0.0) if i == 0 else buckets[i - 1]
    hi, count = buckets[i]
    if i == 0 and hi <= 0:
        return hi
    return lo + (hi - lo) * (rank - below) / (count - below) if count > below else hi


# ---- what the e2e tests of zabitan-prom on the real server share ----------------------------------
def e2e_args(argv, doc):
    """ZABITAN_PROM STACK_ENV NODE_EXPORTER_ENV WORKDIR from argv (else the usage paragraph of
    `doc`), WORKDIR made afresh (absolute)."""
    import pathlib
    import subprocess
    import sys
    if len(argv) != 5:
        sys.exit(doc.split("\n\n")[1])
    work = pathlib.Path(argv[4]).resolve()
    subprocess.run(["rm", "-rf", str(work)], check=True)
    work.mkdir(parents=True)
    return argv[1], argv[2], argv[3], work


def delete_host_and_template(z, host, template):
    """Deletes the host and the template a test made, if there (before and after it runs)."""
    hosts = z.call("host.get", {"output": ["hostid"], "filter": {"host": [host]}})
    if hosts:
        z.call("host.delete", [h["hostid"] for h in hosts])
    templates = z.call("template.get", {"output": ["templateid"], "filter": {"host": [template]}})
    if templates:
        z.call("template.delete", [t["templateid"] for t in templates])


def template_and_host(checks, z, prom, url, families, template, host, work):
    """`zabitan-prom template` of `families` imported, and `host` made with it (group zabitan)."""
    import subprocess
    gen = subprocess.run([prom, "template", url, "--name", template, "-o", str(work / "template.yaml")]
                         + [a for f in families for a in ("--include", f)],
                         capture_output=True, text=True, timeout=60)
    checks.check("zabitan-prom template exits 0: %s" % gen.stderr.strip(), gen.returncode == 0, gen.stderr)
    checks.check("the generated template imports", z.import_template((work / "template.yaml").read_text()) is True)
    tid = z.call("template.get", {"output": ["templateid"], "filter": {"host": [template]}})
    z.call("host.create", {"host": host, "groups": [{"groupid": z.group_id("zabitan")}],
                           "templates": [{"templateid": tid[0]["templateid"]}]})
    z.config_cache_reload()  # the discovery rules take values from the first run on
