#!/usr/bin/env python3
"""zabitan-vmware never leaks vSphere sessions (vCenter refuses new ones at 2000-3000), and a
session the endpoint terminated is replaced without error. Against the govmomi simulator
(tests/peers/vcsim): 100 one-shot runs leave at most one session of the collector open
(SessionManager.sessionList, read with a session of this script's own, which is not counted);
SessionManager.TerminateSession on the collector's session makes the next run log in again.

Usage: vsphere_leak_test.py ZABITAN_VMWARE VCSIM_ENV WORKDIR
"""
import os
import re
import shutil
import ssl
import subprocess
import sys
import time
import urllib.request
from xml.sax.saxutils import escape

vmware, env_file, work = sys.argv[1:4]
shutil.rmtree(work, ignore_errors=True)
os.makedirs(work)
env = dict(l.split("=", 1) for l in open(env_file).read().splitlines() if "=" in l)
url, user, password = env["VCSIM_URL"], env["VCSIM_USER"], env["VCSIM_PASSWORD"]
tls = ssl.create_default_context(cafile=env["VCSIM_CERT"])
tls.check_hostname = False  # the simulator's certificate names no 127.0.0.1; the CA pins it
pw = os.path.join(work, "pw")
with open(pw, "w") as f:
    f.write(password + "\n")
os.chmod(pw, 0o600)


class Soap:
    """A minimal vim25 client: enough to log in, list and terminate sessions."""

    def __init__(self):
        self.cookie = None
        sc = self.call("<RetrieveServiceContent xmlns='urn:vim25'><_this type='ServiceInstance'>"
                       "ServiceInstance</_this></RetrieveServiceContent>")
        self.sm = re.search(r"<sessionManager[^>]*>([^<]+)<", sc).group(1)
        self.pc = re.search(r"<propertyCollector[^>]*>([^<]+)<", sc).group(1)

    def call(self, body):
        env = ("<?xml version='1.0' encoding='UTF-8'?><soapenv:Envelope "
               "xmlns:soapenv='http://schemas.xmlsoap.org/soap/envelope/'><soapenv:Body>%s"
               "</soapenv:Body></soapenv:Envelope>" % body)
        req = urllib.request.Request(url, data=env.encode(), headers={
            "Content-Type": "text/xml; charset=utf-8", "SOAPAction": "urn:vim25/8.0.1.0"})
        if self.cookie:
            req.add_header("Cookie", self.cookie)
        with urllib.request.urlopen(req, context=tls, timeout=30) as r:
            c = r.headers.get("Set-Cookie")
            if c:
                self.cookie = c.split(";", 1)[0]
            return r.read().decode()

    def login(self):
        r = self.call("<Login xmlns='urn:vim25'><_this type='SessionManager'>%s</_this><userName>%s</userName>"
                      "<password>%s</password></Login>" % (self.sm, escape(user), escape(password)))
        return re.search(r"<key>([^<]+)</key>", r).group(1)

    def sessions(self):
        r = self.call("<RetrieveProperties xmlns='urn:vim25'><_this type='PropertyCollector'>%s</_this>"
                      "<specSet><propSet><type>SessionManager</type><pathSet>sessionList</pathSet></propSet>"
                      "<objectSet><obj type='SessionManager'>%s</obj></objectSet></specSet>"
                      "</RetrieveProperties>" % (self.pc, self.sm))
        return re.findall(r"<UserSession>\s*<key>([^<]+)</key>", r) or re.findall(
            r"<key>([0-9a-f-]{36})</key>", r)

    def terminate(self, key):
        self.call("<TerminateSession xmlns='urn:vim25'><_this type='SessionManager'>%s</_this>"
                  "<sessionId>%s</sessionId></TerminateSession>" % (self.sm, key))

    def logout(self):
        self.call("<Logout xmlns='urn:vim25'><_this type='SessionManager'>%s</_this></Logout>" % self.sm)


def run(*extra):
    return subprocess.run([vmware, "--url", url, "--user", user, "--password-file", pw, "--ca-file",
                           env["VCSIM_CERT"], "--state-dir", os.path.join(work, "state"), *extra],
                          capture_output=True, text=True, timeout=60)


passed = failed = 0


def check(name, fn):
    global passed, failed
    try:
        fn()
        print("ok   " + name)
        passed += 1
    except Exception as e:  # noqa: BLE001 - report any failure of a check and go on
        print("FAIL %s: %s" % (name, e))
        failed += 1


def no_leak():
    # Sessions other tests left (expiring after 2 s idle) are not this test's: a baseline.
    me = Soap()
    mine = me.login()
    before = set(me.sessions()) - {mine}
    me.logout()
    start = time.monotonic()
    for i in range(100):
        r = run("--check")
        assert r.returncode == 0, "run %d: %s" % (i, r.stderr)
    me = Soap()
    mine = me.login()
    others = [k for k in me.sessions() if k != mine and k not in before]
    me.logout()
    assert len(others) <= 1, "%d sessions open after 100 runs" % len(others)
    print("     100 runs in %.1f s, %d session(s) left open" % (time.monotonic() - start, len(others)))


def killed_session_replaced():
    r = run("--check")
    assert r.returncode == 0 and r.stdout.endswith("session\n"), r.stdout + r.stderr
    me = Soap()
    mine = me.login()
    others = [k for k in me.sessions() if k != mine]
    assert others, "the collector's session is not listed"
    for k in others:
        me.terminate(k)
    me.logout()
    r = run("--check")
    assert r.returncode == 0, r.stderr
    assert r.stdout.endswith(": new session\n"), r.stdout
    assert "error" not in r.stderr, r.stderr


check("no-session-leak-over-100-runs", no_leak)
check("killed-session-replaced", killed_session_replaced)
print("%d passed, %d failed" % (passed, failed))
sys.exit(1 if failed else 0)
