#!/usr/bin/python3
"""prom-bridge's scraper against real peers (ctest fixtures start them):

  scrape_test.py PROM_SCRAPE NODE_EXPORTER_ENV HAPROXY_ENV HOSTILE_ENV PKI_DIR WORKDIR

- prometheus-node-exporter on 127.0.0.1 only: by address; as `localhost` resolving to ::1 first
  (pinned, since this machine's /etc/hosts may lack ::1): ::1 refuses, 127.0.0.1 answers; gzip.
- the same exporter behind socat on a Unix socket, and behind HAProxy with accept-proxy:
  PROXY v1 and v2 (also with ::1 tried first), and refused without a header.
- the hostile exporter: an endless line, a slow drip, 10M series, invalid UTF-8, duplicate
  series, a wrong TYPE, 100 labels, a large body, HTTP 500: each a one-line error with its code
  within its bound of time; then a good target still answers.
- TLS verified by default (test PKI, server certificate for DNS:localhost), CA file, host name check, --insecure, client certificate;
  basic auth and bearer token from 0600 files (a 0644 file refused); content negotiation.
"""
import os
import subprocess
import sys
import time

scrape, ne_env, ha_env, ho_env, pki, workdir = sys.argv[1:7]


def env(path):
    return dict(l.strip().split("=", 1) for l in open(path) if "=" in l)


ne, ha, ho = env(ne_env), env(ha_env), env(ho_env)
failures = []
checks = 0


def run(url, *args, want="ok", series=None, peer=None, fmt=None, max_seconds=10.0, gzip=False):
    """One scrape; `want` is "ok" or the expected code=... of the error."""
    global checks
    checks += 1
    start = time.monotonic()
    p = subprocess.run([scrape, url, *args], capture_output=True, text=True, timeout=120)
    took = time.monotonic() - start
    out = p.stdout.strip().splitlines()
    fields = dict(f.split("=", 1) for f in out[-1].split() if "=" in f) if out else {}
    problems = []
    if want == "ok":
        if p.returncode != 0 or not out or not out[0].startswith("ok "):
            problems.append(f"expected ok, got {out}")
    else:
        if p.returncode != 1 or len(out) != 2 or fields.get("code") != want.split(":")[0]:
            problems.append(f"expected {want}, got {out} (exit {p.returncode})")
        elif ":" in want and fields.get("parse") != want.split(":")[1]:
            problems.append(f"expected parse code {want.split(':')[1]}, got {out}")
        elif not out[0].startswith(url):
            problems.append(f"the error line does not name the target: {out[0]}")
    if series is not None and not series(int(fields.get("series", -1))):
        problems.append(f"series {fields.get('series')} out of range")
    if peer is not None and fields.get("peer") != peer:
        problems.append(f"peer {fields.get('peer')}, expected {peer}")
    if fmt is not None and fields.get("format") != fmt:
        problems.append(f"format {fields.get('format')}, expected {fmt}")
    if gzip and not int(fields.get("wire", 0)) * 2 < int(fields.get("body", 0)):
        problems.append(f"not compressed: wire {fields.get('wire')} body {fields.get('body')}")
    if took > max_seconds:
        problems.append(f"took {took:.1f} s (bound {max_seconds} s)")
    label = " ".join([url, *args])
    print(f"{'ok  ' if not problems else 'FAIL'} {took:5.2f}s {label[:110]}: {out[0] if out else ''}")
    failures.extend(f"{label}: {x}" for x in problems)


many = lambda n: n > 400  # node_exporter 1.5 gives about 500 samples here
port = ne["NODE_EXPORTER_PORT"]
pin = f"localhost:{port}:[::1],127.0.0.1"
run(ne["NODE_EXPORTER_URL"], series=many, peer="127.0.0.1", fmt="text-0.0.4", gzip=True)
run(ne["NODE_EXPORTER_LOCALHOST_URL"], "--resolve", pin, series=many, peer="127.0.0.1")
run(ne["NODE_EXPORTER_LOCALHOST_URL"], "--resolve", f"localhost:{port}:[::1]", want="connect")
run("unix:" + ne["NODE_EXPORTER_SOCKET"], series=many, peer=ne["NODE_EXPORTER_SOCKET"])
run("unix:" + ne["NODE_EXPORTER_SOCKET"] + ":/metrics", series=many)
run("unix:" + ne["NODE_EXPORTER_SOCKET"] + ".missing", want="connect")
run("unix:" + ne["NODE_EXPORTER_SOCKET"], "--proxy-protocol", "2", want="bad-target")

hport = ha["HAPROXY_PORT"]
for v in ("1", "2"):
    run(ha["HAPROXY_URL"], "--proxy-protocol", v, series=many, peer="127.0.0.1")
    run(f"http://localhost:{hport}/metrics", "--proxy-protocol", v, "--resolve", f"localhost:{hport}:[::1],127.0.0.1",
        series=many, peer="127.0.0.1")
run(ha["HAPROXY_URL"], want="transfer")  # accept-proxy closes a connection without the header
run(ha["HAPROXY_URL"], "--proxy-protocol", "3", want="bad-target")

h = ho["HOSTILE_URL"]
run(h + "/good", fmt="openmetrics", series=lambda n: n == 2)
run(h + "/endless", want="parse:line-too-long", max_seconds=5)
run(h + "/drip", "--timeout-ms", "2000", want="timeout", max_seconds=4)
run(h + "/many", want="parse:too-many-series", max_seconds=30)
run(h + "/utf8", want="parse:invalid-utf8")
run(h + "/duplicate", want="parse:duplicate-series")
run(h + "/wrongtype", want="parse:wrong-type")
run(h + "/labels", want="parse:too-many-labels")
run(h + "/big", "--max-body", "10000000", want="body-too-large", max_seconds=10)
run(h + "/status", want="http-status")
run(h + "/good", series=lambda n: n == 2)  # the others did not leave anything behind

tls = ho["HOSTILE_TLS_PORT"]
pinned = ["--resolve", f"localhost:{tls}:127.0.0.1"]
ca = ["--ca", os.path.join(pki, "ca.crt")]
run(f"https://localhost:{tls}/good", *pinned, want="tls")  # not trusted by default
run(f"https://localhost:{tls}/good", *pinned, *ca, series=lambda n: n == 2)
run(f"https://127.0.0.1:{tls}/good", *ca, want="tls")  # the name is checked
run(f"https://127.0.0.1:{tls}/good", "--insecure", series=lambda n: n == 2)
run(f"https://localhost:{tls}/client-cert", *pinned, *ca, want="http-status")
run(f"https://localhost:{tls}/client-cert", *pinned, *ca, "--cert", os.path.join(pki, "client.crt"),
    "--key", os.path.join(pki, "client.key"), series=lambda n: n == 2)

os.makedirs(workdir, exist_ok=True)
pw, tok = os.path.join(workdir, "password"), os.path.join(workdir, "token")
for path, text in ((pw, "s3cret\n"), (tok, "t0ken")):
    with open(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "w") as f:
        f.write(text)
    os.chmod(path, 0o600)
run(h + "/basic", "--user", "zabitan", "--password-file", pw, series=lambda n: n == 2)
run(h + "/basic", want="http-status")
run(h + "/bearer", "--bearer-token-file", tok, series=lambda n: n == 2)
os.chmod(tok, 0o644)
run(h + "/bearer", "--bearer-token-file", tok, want="secret")

print(f"{checks - len(failures)} of {checks} scrapes as expected")
for f in failures:
    print("FAILED:", f)
sys.exit(1 if failures else 0)
