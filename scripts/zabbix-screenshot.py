#!/usr/bin/env python3
"""Writes a PNG screenshot of a Zabbix frontend page, taken by headless Chromium, logged in.

Usage: zabbix-screenshot.py STACK_ENV PAGE OUT.png [WIDTH HEIGHT] [--caption TEXT]

PAGE is relative to the frontend (e.g. `chart2.php?graphid=42&from=now-30m&to=now&width=1200`).
The session: a form login with the API user (Admin / zabbix on the test stack) gives the
`zbx_session` cookie, which is handed to Chromium through its DevTools protocol
(`--remote-debugging-pipe`: JSON messages separated by NUL bytes on file descriptors 3 and 4), then
the page is opened and captured. --caption puts TEXT above it as its title (a chart.php graph
drawn with widget_view=1 has none of its own). Only the standard library; Chromium from Debian's `chromium`.
Works with the 6.0 and 7.0 frontends (the same login form, chart.php and chart2.php in both).

The login is checked (the form shown again means refused). Before the shot it checks what was
loaded: a login page or "You are not logged in" (the session was not accepted) or an image
smaller than 100x50 (chart.php's error picture, or the 2x3 PNG it draws without its font) is an
error (exit 1, one line). On success it prints one line for the caller to check:
`OUT.png: WxH PNG of image/png IWxIH, title: TEXT` (the page's type, its image's size, and its
title as the page shows it: the caption, else the document's title).
"""
import base64
import http.cookiejar
import json
import os
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request

here = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(here, "..", "tests", "peers", "zabbix-server"))
import zapi  # noqa: E402

args = sys.argv[1:]
caption = None
if "--caption" in args[:-1]:
    i = args.index("--caption")
    caption = args[i + 1]
    del args[i:i + 2]
if len(args) not in (3, 5):
    sys.exit("usage: zabbix-screenshot.py STACK_ENV PAGE OUT.png [WIDTH HEIGHT] [--caption TEXT]")
env = zapi.load_env(args[0])
page, out = args[1], args[2]
width, height = (int(args[3]), int(args[4])) if len(args) == 5 else (1280, 720)
base = env["ZBX_API_URL"].rsplit("/", 1)[0] + "/"

# 1. the frontend's session cookie, from a form login
jar = http.cookiejar.CookieJar()
opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
form = urllib.parse.urlencode({"name": env.get("ZBX_API_USER", "Admin"), "password": env.get("ZBX_API_PASSWORD", "zabbix"),
                               "autologin": "1", "enter": "Sign in"}).encode()
reply = opener.open(base + "index.php", form, timeout=60).read().decode("utf-8", "replace")
session = [c for c in jar if c.name == "zbx_session"]
if 'id="password"' in reply or not session:  # the login form again (6.0 and 7.0 alike): refused
    sys.exit("zabbix-screenshot: %sindex.php refused the login of %s" % (base, env.get("ZBX_API_USER", "Admin")))
host = urllib.parse.urlsplit(base).hostname

# 2. Chromium, driven through the DevTools pipe
chromium = next((p for p in ("/usr/bin/chromium", "/usr/bin/chromium-browser") if os.path.exists(p)), None)
if not chromium:
    sys.exit("zabbix-screenshot: chromium is not installed (apt-get install chromium)")
profile = tempfile.mkdtemp(prefix="zabitan-chromium-")
to_chrome_r, to_chrome_w = os.pipe()
from_chrome_r, from_chrome_w = os.pipe()


def setup_fds():
    # The pipes may themselves be fds 3..6: copy both ends away first (dup2 onto the same number
    # would keep close-on-exec), then put them on 3 and 4, inheritable.
    r, w = os.dup(to_chrome_r), os.dup(from_chrome_w)
    os.dup2(r, 3)
    os.dup2(w, 4)


proc = subprocess.Popen(
    [chromium, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
     "--disable-background-networking", "--disable-component-update", "--disable-sync", "--hide-scrollbars",
     "--user-data-dir=" + profile, "--remote-debugging-pipe", "--window-size=%d,%d" % (width, height),
     "about:blank"],
    preexec_fn=setup_fds, close_fds=False, stdin=subprocess.DEVNULL,  # fds 3 and 4 stay open
    stdout=subprocess.DEVNULL, stderr=open(os.path.join(profile, "stderr"), "w"))
os.close(to_chrome_r)
os.close(from_chrome_w)
buf = b""
next_id = 0


def read_message(deadline):
    global buf
    while b"\0" not in buf:
        if time.monotonic() > deadline:
            raise TimeoutError("no answer from chromium")
        chunk = os.read(from_chrome_r, 65536)
        if not chunk:
            raise EOFError("chromium closed its DevTools pipe")
        buf += chunk
    msg, buf = buf.split(b"\0", 1)
    return json.loads(msg)


def send(method, params=None, session_id=None, timeout=60.0):
    global next_id
    next_id += 1
    msg = {"id": next_id, "method": method, "params": params or {}}
    if session_id:
        msg["sessionId"] = session_id
    os.write(to_chrome_w, json.dumps(msg).encode() + b"\0")
    deadline = time.monotonic() + timeout
    while True:
        m = read_message(deadline)
        if m.get("id") == next_id:
            if "error" in m:
                raise RuntimeError("%s: %s" % (method, m["error"]))
            return m["result"]
        events.append(m)


events = []


def wait_event(name, session_id, timeout=60.0):
    deadline = time.monotonic() + timeout
    while True:
        for i, m in enumerate(events):
            if m.get("method") == name and m.get("sessionId") == session_id:
                return events.pop(i)
        events.append(read_message(deadline))


try:
    target = send("Target.createTarget", {"url": "about:blank"})["targetId"]
    sid = send("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]
    send("Page.enable", session_id=sid)
    send("Network.enable", session_id=sid)
    for c in session:
        send("Network.setCookie", {"name": c.name, "value": c.value, "domain": host, "path": c.path or "/"},
             session_id=sid)
    send("Emulation.setDeviceMetricsOverride", {"width": width, "height": height, "deviceScaleFactor": 1,
                                                "mobile": False}, session_id=sid)
    send("Page.navigate", {"url": base + page}, session_id=sid)
    wait_event("Page.loadEventFired", sid)
    # What was loaded, before anything is added to it: the login form (the session was refused),
    # or an image too small to be a graph (chart.php draws its errors, or a 2x3 PNG when its font
    # is missing), is no screenshot of a graph.
    seen = json.loads(send("Runtime.evaluate", {"returnByValue": True, "expression": (
        "JSON.stringify({type: document.contentType, title: document.title,"
        " login: !!document.querySelector('input#password')"
        "  || (document.body && document.body.innerText.includes('You are not logged in')),"
        " img: document.images.length ? [document.images[0].naturalWidth, document.images[0].naturalHeight] : null})")},
        session_id=sid)["result"]["value"])
    if seen["login"]:
        sys.exit("zabbix-screenshot: %s asks to log in: the session cookie was not accepted" % page)
    img = seen["img"]
    if seen["type"].startswith("image/") and (not img or img[0] < 100 or img[1] < 50):
        sys.exit("zabbix-screenshot: %s is a %s of %s pixels, not a graph" % (page, seen["type"], seen["img"]))
    if caption:
        send("Runtime.evaluate", {"expression": (
            "document.body.style.cssText = 'margin:0;background:#fff;display:block';"
            "const h = document.createElement('div'); h.id = 'zabitan-caption'; h.textContent = %s;"
            "h.style.cssText = 'font:600 18px \\'DejaVu Sans\\',sans-serif;padding:12px 16px;color:#1f2c33';"
            "document.body.prepend(h); true" % json.dumps(caption))}, session_id=sid)
    # The title as the page shows it (the caption, else the document's own).
    title = send("Runtime.evaluate", {"returnByValue": True, "expression": (
        "(document.getElementById('zabitan-caption') || {}).textContent || document.title")}, session_id=sid)["result"]["value"]
    shot = send("Page.captureScreenshot", {"format": "png"}, session_id=sid)
    with open(out, "wb") as f:
        f.write(base64.b64decode(shot["data"]))
finally:
    try:
        send("Browser.close", timeout=10)
    except (RuntimeError, EOFError, TimeoutError, OSError):
        pass
    try:
        proc.wait(timeout=15)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
    if os.environ.get("ZABITAN_SCREENSHOT_DEBUG"):
        print(open(os.path.join(profile, "stderr")).read(), file=sys.stderr)
    subprocess.run(["rm", "-rf", profile])
# One line: what was written, the page's image and its title, for the caller to check.
print("%s: %dx%d PNG of %s%s, title: %s" % (
    out, width, height, seen["type"], " %dx%d" % tuple(seen["img"]) if seen["img"] else "", title))
