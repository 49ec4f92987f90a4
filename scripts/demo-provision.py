#!/usr/bin/env python3
"""Sets up the demo's Zabbix side through the JSON-RPC API (idempotent), with zabitan-provision.

zabitan-provision imports zabbix-templates/*.yaml (the templates "zabitan VMware endpoint",
"zabitan VMware hypervisor", "zabitan VMware VM" and "zabitan remote-cmd", and the "zabitan SSTP"
media type), creates the endpoint host (group "zabitan VMware", the endpoint and remote-cmd
templates linked: its trapper discovery rules make a host per hypervisor and VM, and datastore
items), the scaling scripts and action, and Admin's "zabitan SSTP" media; one line per object.
Before that, objects made by hand by earlier versions of this script (discovery rules on the
endpoint itself, templates of the same names without the files' UUIDs, "zabitan VMware
Hypervisor") are removed, so a reused demo stack moves to the templates.

Usage: demo-provision.py STACK_ENV ENDPOINT_HOST ZABITAN_PROVISION [REMOTE_CMD]
       demo-provision.py STACK_ENV --prom HOST TEMPLATE.yaml

REMOTE_CMD: what the scaling scripts run (zabitan-provision --remote-cmd; default its own).

--prom: the Zabbix side of the demo's Prometheus exporter (issue #20): imports TEMPLATE.yaml (a
zabitan-prom template: trapper discovery rules per metric family) and makes HOST anew in group
"zabitan Prometheus" with that template, so every run shows the families discovered from nothing
(a HOST of an earlier run is deleted with its items).
"""
import glob
import os
import re
import subprocess
import sys
import tempfile

root = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
sys.path.insert(0, os.path.join(root, "tests", "peers", "zabbix-server"))
import zapi  # noqa: E402


def prom(z, host, template_file):
    """The --prom mode: template imported (idempotent), HOST made anew with it linked."""
    with open(template_file, encoding="utf-8") as fh:
        text = fh.read()
    names = re.findall(r"(?m)^      template: '?(.*?)'?$", text)
    if not names:
        sys.exit("demo-provision: %s: no template in it" % template_file)
    z.import_template(text)
    tids = z.call("template.get", {"output": ["templateid"], "filter": {"host": names}})
    print("template file %s: imported (templates %s)" % (os.path.basename(template_file), ", ".join(names)))
    old = z.host_id(host)
    if old:
        z.call("host.delete", [old])
    z.call("host.create", {"host": host, "groups": [{"groupid": z.group_id("zabitan Prometheus")}],
                           "templates": [{"templateid": t["templateid"]} for t in tids]})
    print("host %s: %s (group zabitan Prometheus, templates %s)" % (host, "made anew" if old else "created",
                                                                     ", ".join(names)))


if len(sys.argv) == 5 and sys.argv[2] == "--prom":
    prom(zapi.Zapi.from_env(sys.argv[1]), sys.argv[3], sys.argv[4])
    sys.exit(0)
if len(sys.argv) not in (4, 5):
    sys.exit("usage: demo-provision.py STACK_ENV ENDPOINT_HOST ZABITAN_PROVISION [REMOTE_CMD]\n"
             "       demo-provision.py STACK_ENV --prom HOST TEMPLATE.yaml")
env_file, endpoint, provision = sys.argv[1:4]
remote_cmd = ["--remote-cmd", sys.argv[4]] if len(sys.argv) == 5 else []
z = zapi.Zapi.from_env(env_file)
files = sorted(glob.glob(os.path.join(root, "zabbix-templates", "*.yaml")))
if not files:
    sys.exit("demo-provision: no zabbix-templates/*.yaml")

# The files' templates and their UUIDs (`template:` is followed by the template's `uuid:` line above it).
ours = {}
for f in files:
    with open(f, encoding="utf-8") as fh:
        for uuid, name in re.findall(r"(?m)^      uuid: (\w+)\n      template: '?(.*?)'?$", fh.read()):
            ours[name] = uuid

# 1. what earlier demo versions made by hand
hostid = z.host_id(endpoint)
removed = []
if hostid:
    handmade = z.call("discoveryrule.get", {"hostids": [hostid], "output": ["itemid", "key_", "templateid"],
                                            "search": {"key_": "zabitan.vmware."}})
    handmade = [r for r in handmade if r["templateid"] == "0"]
    if handmade:
        z.call("discoveryrule.delete", [r["itemid"] for r in handmade])
        removed.append("%d discovery rules on %s" % (len(handmade), endpoint))
stale = z.call("template.get", {"output": ["templateid", "host", "uuid"],
                                "filter": {"host": list(ours) + ["zabitan VMware Hypervisor"]}})
stale = [t for t in stale if ours.get(t["host"]) != t["uuid"]]
if stale:
    z.call("template.delete", [t["templateid"] for t in stale])
    removed.append("templates " + ", ".join('"%s"' % t["host"] for t in stale))
if removed:
    print("removed what an earlier demo made by hand: " + "; ".join(removed))

# 2. everything else: zabitan-provision (the password goes through a file of mode 0600)
fd, password_file = tempfile.mkstemp(prefix="zabitan-demo-password-")
try:
    with os.fdopen(fd, "w") as fh:
        fh.write(z.password + "\n")
    r = subprocess.run([provision, "--api", z.url, "--user", z.user, "--password-file", password_file,
                        "--templates", os.path.join(root, "zabbix-templates"), "--endpoint-host", endpoint,
                        *remote_cmd])
finally:
    os.unlink(password_file)
sys.exit(r.returncode)
