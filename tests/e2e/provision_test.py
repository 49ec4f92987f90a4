#!/usr/bin/env python3
"""zabitan-provision against a real Zabbix server: 6.0 (tests/peers/zabbix-server) or 7.0
(tests/peers/zabbix-server-7).

Usage: provision_test.py ZABITAN_PROVISION TEMPLATES_DIR STACK_ENV WORKDIR

Steps (each fails the test on any error):
  first      a run on a server without zabitan's objects (the ones an earlier run of this test
             left are deleted first; the templates and media type are shared with the other
             tests and stay): host, scripts, user media and action "created", and read back
             through the API — templates, host + group + links + no interface, each script's
             exact command, the action's conditions and operations, Admin's media
  second     a run changes nothing and says "unchanged" for every object; the objects read
             back before and after are identical (ids included: nothing was rewritten)
  dry-run    objects changed by hand (remote-cmd template unlinked from the host, the scale-up
             command changed, a template item renamed, the action disabled without recovery
             operations, the media disabled): --dry-run names each as "would be updated" and
             changes nothing
  repair     a third run says "updated" for exactly those and puts them back as after the second
             run; a fourth one, through --config with an API token, says "unchanged"
  action     the chain on the server: a VM discovered through the endpoint host (its name holds
             a blank), CPU samples over the trigger's threshold fire "VM CPU high", and the
             action runs the scale-up script: a recorder standing in for zabitan-remote-cmd gets
             exactly the arguments wanted; the message goes to Admin via "zabitan SSTP"; the
             recovery runs the scale-down script with --status OK
Everything this test creates is deleted at the end.
"""
import json
import os
import shutil
import stat
import subprocess
import sys
import tempfile
import time

here = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(here, "..", "peers", "zabbix-server"))
import zapi  # noqa: E402

if len(sys.argv) != 5:
    sys.exit("usage: provision_test.py ZABITAN_PROVISION TEMPLATES_DIR STACK_ENV WORKDIR")
provision, templates_dir, env_file, work = sys.argv[1:5]
shutil.rmtree(work, ignore_errors=True)
os.makedirs(work)
z = zapi.Zapi.from_env(env_file)
api_url = z.env["ZBX_API_URL"]
VERSION = "Zabbix " + z.version()

ENDPOINT = "zabitan-endpoint"
GROUP = "zabitan VMware"
UP, DOWN = "zabitan scale", "zabitan scale down"
ACTION = "zabitan: scale on VM CPU high"
MEDIA = "zabitan SSTP"
TEMPLATES = ["zabitan VMware endpoint", "zabitan VMware hypervisor", "zabitan VMware VM", "zabitan remote-cmd"]
FILES = sorted(f for f in os.listdir(templates_dir) if f.endswith(".yaml"))
OBJECTS = ["template file " + f for f in FILES] + [
    "host group " + GROUP, "host " + ENDPOINT, "script " + UP, "script " + DOWN,
    "media %s of user Admin" % MEDIA, "action " + ACTION]

failures = []


def check(cond, what):
    if not cond:
        failures.append(what)
        print("  FAIL " + what)
    return cond


def step(name, ok, detail):
    print("%-4s %-8s [%s] %s" % ("ok" if ok else "FAIL", name, VERSION, detail), flush=True)



def wait_for(what, fn, timeout=90.0, delay=0.5):
    return zapi.wait_for(what, fn, timeout, delay)


def secret(name, text):
    path = os.path.join(work, name)
    with open(path, "w") as f:
        f.write(text + "\n")
    os.chmod(path, 0o600)
    return path


password_file = secret("password", z.password)
# Stands in for zabitan-remote-cmd: one line per run, its arguments separated by tabs (no
# Zabbix host name, id, status or severity holds a tab).
# It lives under /tmp: the 7.0 server runs in the Debian 13 root, which sees the host's /tmp at the
# same path but not the build tree.
scripts_dir = tempfile.mkdtemp(prefix="zabitan-provision-e2e-", dir="/tmp")
os.chmod(scripts_dir, 0o755)
calls_log = os.path.join(scripts_dir, "calls.log")
recorder = os.path.join(scripts_dir, "remote-cmd-recorder")
with open(recorder, "w") as f:
    f.write("#!/bin/sh\n{ for a in \"$@\"; do printf '%%s\\t' \"$a\"; done; printf '\\n'; } >>%s\n"
            "echo \"recorded $1\"\n" % calls_log)
os.chmod(recorder, 0o755)
for d in (work, os.path.dirname(work)):
    os.chmod(d, os.stat(d).st_mode | stat.S_IXOTH)  # the server may run as another user


def command(sub):
    return (recorder + " " + sub + " --host '{HOST.HOST}' --event-id '{EVENT.ID}' --trigger-id '{TRIGGER.ID}'"
            " --status '{TRIGGER.STATUS}' --severity '{TRIGGER.SEVERITY}'")


BASE_ARGS = ["--api", api_url, "--user", z.user, "--password-file", password_file, "--templates", templates_dir,
             "--remote-cmd", recorder]


def run(*args, expect_rc=0):
    t0 = time.monotonic()
    r = subprocess.run([provision, *args], capture_output=True, text=True, timeout=300)
    if r.returncode != expect_rc or r.stderr.strip():
        print(r.stdout + r.stderr)
    check(r.returncode == expect_rc, "zabitan-provision %s exits %d (got %d)" % (" ".join(args[-1:]), expect_rc,
                                                                                r.returncode))
    lines = r.stdout.splitlines()
    states = {}
    for obj in OBJECTS:
        mine = [ln for ln in lines if ln.startswith(obj + ": ")]
        if check(len(mine) == 1, "one line for %s (got %r)" % (obj, mine)):
            states[obj] = mine[0][len(obj) + 2:].split(" (")[0]
    check(len(lines) == len(OBJECTS), "%d lines, one per object (got %d)" % (len(OBJECTS), len(lines)))
    return states, lines, time.monotonic() - t0


def one(method, name_field, name, **extra):
    got = z.call(method, dict({"output": "extend", "filter": {name_field: [name]}}, **extra))
    return got[0] if len(got) == 1 else None


def admin():
    return z.call("user.get", {"output": ["userid"], "filter": {"username": [z.user]}, "selectMedias": "extend"})[0]


def media_type_id():
    return one("mediatype.get", "name", MEDIA)["mediatypeid"]


def template_ids():
    return {t["host"]: t["templateid"] for t in z.call("template.get", {"output": ["host"],
                                                                      "filter": {"host": TEMPLATES}})}


def action():
    return one("action.get", "name", ACTION, selectFilter="extend", selectOperations="extend",
               selectRecoveryOperations="extend", selectUpdateOperations="extend")


def snapshot():
    """The objects zabitan-provision manages, as the API returns them (ids and all)."""
    host = one("host.get", "host", ENDPOINT, selectParentTemplates=["host"], selectGroups=["name"],
               selectInterfaces="extend")
    a = admin()
    tids = template_ids()
    export = z.call("configuration.export", {"format": "json", "options": {
        "templates": sorted(tids.values()), "mediaTypes": [media_type_id()]}})
    export = json.loads(export)["zabbix_export"]
    export.pop("date", None)
    return {
        "host": host,
        "scripts": [one("script.get", "name", n) for n in (UP, DOWN)],
        "action": action(),
        "media": [m for m in a["medias"] if m["mediatypeid"] == media_type_id()],
        "export": export,
    }


def delete_ours():
    """What an earlier run left (the shared templates and media type stay)."""
    a = one("action.get", "name", ACTION)
    if a:
        z.call("action.delete", [a["actionid"]])
    for n in (UP, DOWN):
        s = one("script.get", "name", n)
        if s:
            z.call("script.delete", [s["scriptid"]])
    h = one("host.get", "host", ENDPOINT)
    if h:
        z.call("host.delete", [h["hostid"]])  # its discovered hosts go with it
    g = one("hostgroup.get", "name", GROUP, selectHosts=["hostid"])
    if g and not g["hosts"]:
        z.call("hostgroup.delete", [g["groupid"]])
    mt = one("mediatype.get", "name", MEDIA)
    if mt:
        a = admin()
        keep = [{k: m[k] for k in ("mediatypeid", "sendto", "active", "severity", "period")}
                for m in a["medias"] if m["mediatypeid"] != mt["mediatypeid"]]
        if len(keep) != len(a["medias"]):
            z.call("user.update", {"userid": a["userid"], "medias": keep})
    for t in z.call("token.get", {"output": ["tokenid"], "filter": {"name": ["zabitan-provision e2e"]}}):
        z.call("token.delete", [t["tokenid"]])


def verify(label):
    """The objects as zabitan-provision makes them."""
    n_before = len(failures)
    tids = template_ids()
    check(sorted(tids) == sorted(TEMPLATES), "%s: templates %s exist" % (label, TEMPLATES))
    mt = one("mediatype.get", "name", MEDIA)
    check(mt and mt["exec_path"] == "zabitan-sstp", "%s: media type %s exists" % (label, MEDIA))
    host = one("host.get", "host", ENDPOINT, selectParentTemplates=["host"], selectGroups=["name"],
               selectInterfaces=["interfaceid"])
    if check(host is not None, "%s: host %s exists" % (label, ENDPOINT)):
        check(sorted(t["host"] for t in host["parentTemplates"]) == ["zabitan VMware endpoint", "zabitan remote-cmd"],
              "%s: %s is linked to the endpoint and remote-cmd templates (got %s)"
              % (label, ENDPOINT, [t["host"] for t in host["parentTemplates"]]))
        check([g["name"] for g in host["groups"]] == [GROUP], "%s: %s is in %s" % (label, ENDPOINT, GROUP))
        check(host["interfaces"] == [], "%s: %s has no interface" % (label, ENDPOINT))
    scripts = {}
    for name, sub in ((UP, "scale-up"), (DOWN, "scale-down")):
        s = one("script.get", "name", name)
        if check(s is not None, "%s: script %s exists" % (label, name)):
            scripts[name] = s["scriptid"]
            check(s["command"] == command(sub), "%s: script %s runs exactly %r (got %r)"
                  % (label, name, command(sub), s["command"]))
            check((s["type"], s["execute_on"], s["scope"]) == ("0", "1", "1"),
                  "%s: script %s is a script run on the Zabbix server from action operations" % (label, name))
    a = action()
    adm = admin()
    if check(a is not None, "%s: action %s exists" % (label, ACTION)) and len(scripts) == 2 and mt:
        check((a["eventsource"], a["status"], a["filter"]["evaltype"]) == ("0", "0", "1"),
              "%s: a trigger action, enabled, conditions and-ed" % label)
        conds = sorted((c["conditiontype"], c["operator"], c["value"], c["value2"]) for c in a["filter"]["conditions"])
        check(conds == sorted([("26", "0", "scale-up", "zabitan"), ("13", "0", tids.get("zabitan VMware VM"), "")]),
              "%s: conditions tag zabitan = scale-up and template zabitan VMware VM (got %s)" % (label, conds))

        def ops(rows):
            out = []
            for o in rows:
                if o["operationtype"] == "1":
                    out.append(("command", o["opcommand"]["scriptid"], [h["hostid"] for h in o["opcommand_hst"]],
                                o["opcommand_grp"]))
                else:
                    out.append(("message", o["opmessage"]["mediatypeid"], o["opmessage"]["default_msg"],
                                [u["userid"] for u in o["opmessage_usr"]], o["opmessage_grp"]))
            return sorted(out, key=str)
        msg = ("message", mt["mediatypeid"], "1", [adm["userid"]], [])
        check(ops(a["operations"]) == sorted([("command", scripts[UP], ["0"], []), msg], key=str),
              "%s: operations run %s on the current host and message Admin via %s (got %s)"
              % (label, UP, MEDIA, ops(a["operations"])))
        check(all((o["esc_step_from"], o["esc_step_to"]) == ("1", "1") for o in a["operations"]),
              "%s: operations in step 1 only" % label)
        check(ops(a["recovery_operations"]) == sorted([("command", scripts[DOWN], ["0"], []), msg], key=str),
              "%s: recovery operations run %s on the current host and message Admin (got %s)"
              % (label, DOWN, ops(a["recovery_operations"])))
        check(a["update_operations"] == [], "%s: no update operations" % label)
    medias = [m for m in adm["medias"] if mt and m["mediatypeid"] == mt["mediatypeid"]]
    check([(m["sendto"], m["active"]) for m in medias] == [("desktop", "0")],
          "%s: Admin has an enabled %s media sending to \"desktop\" (got %s)" % (label, MEDIA, medias))
    return len(failures) == n_before


def expect(states, want, label):
    for obj in OBJECTS:
        w = want(obj)
        got = states.get(obj)
        check(got in w if isinstance(w, tuple) else got == w, "%s: %s: %r (got %r)" % (label, obj, w, got))


try:
    # ---- first run ----------------------------------------------------------------------------
    delete_ours()
    had_templates = template_ids()
    had_media = one("mediatype.get", "name", MEDIA) is not None
    n_before = len(failures)
    states, lines, took = run(*BASE_ARGS)
    for line in lines:
        print("     | " + line)

    def first(obj):
        if obj == "template file zabitan_sstp_media.yaml":
            return ("unchanged", "updated") if had_media else "created"
        if obj.startswith("template file"):
            return ("unchanged", "updated", "created") if had_templates else "created"
        return "created"
    expect(states, first, "first run")
    verify("first run")
    step("first", len(failures) == n_before, "%d objects, host, scripts, media and action created (%.1f s)"
         % (len(OBJECTS), took))

    # ---- second run: nothing changes ------------------------------------------------------------
    n_before = len(failures)
    before = snapshot()
    states, lines, took = run(*BASE_ARGS)
    expect(states, lambda obj: "unchanged", "second run")
    after = snapshot()
    for k in before:
        check(before[k] == after[k], "second run: %s identical before and after" % k)
    step("second", len(failures) == n_before, "every object unchanged, API objects identical (%.1f s)" % took)
    provisioned = after

    # ---- changes by hand, a dry run -------------------------------------------------------------
    n_before = len(failures)
    tids = template_ids()
    hostid = provisioned["host"]["hostid"]
    z.call("host.update", {"hostid": hostid, "templates_clear": [{"templateid": tids["zabitan remote-cmd"]}]})
    z.call("script.update", {"scriptid": provisioned["scripts"][0]["scriptid"],
                             "command": "/bin/sh -c 'echo {ITEM.VALUE}'"})
    item = z.call("item.get", {"templateids": [tids["zabitan remote-cmd"]], "output": ["itemid", "name"],
                               "filter": {"key_": ["zabitan.remote.result"]}})[0]
    z.call("item.update", {"itemid": item["itemid"], "name": "changed by hand"})
    z.call("action.update", {"actionid": provisioned["action"]["actionid"], "status": 1, "recovery_operations": []})
    adm = admin()
    mtid = media_type_id()
    # As the frontend does it: 7.0 takes the media's id and disables it in place (6.0 refuses
    # the id and matches the media itself).
    keys = ("mediatypeid", "sendto", "severity", "period") + (("mediaid",) if z.version_tuple() >= (7, 0) else ())
    z.call("user.update", {"userid": adm["userid"], "medias": [
        dict({k: m[k] for k in keys},
             active=1 if m["mediatypeid"] == mtid else int(m["active"])) for m in adm["medias"]]})
    CHANGED = {"template file zabitan_remote_cmd.yaml", "host " + ENDPOINT, "script " + UP,
               "media %s of user Admin" % MEDIA, "action " + ACTION}
    tampered = snapshot()
    states, lines, took = run(*BASE_ARGS, "--dry-run")
    for line in lines:
        if "would be" in line:
            print("     | " + line)
    expect(states, lambda obj: "would be updated" if obj in CHANGED else "unchanged", "dry run")
    now = snapshot()
    for k in tampered:
        check(tampered[k] == now[k], "dry run: %s not changed" % k)
    step("dry-run", len(failures) == n_before, "%d objects changed by hand: \"would be updated\", nothing written"
         % len(CHANGED))

    # ---- repair -----------------------------------------------------------------------------------
    n_before = len(failures)
    states, lines, took = run(*BASE_ARGS)
    for line in lines:
        if "updated" in line:
            print("     | " + line)
    expect(states, lambda obj: "updated" if obj in CHANGED else "unchanged", "third run")
    verify("third run")
    repaired = snapshot()
    check(repaired["export"] == provisioned["export"], "third run: the templates are as the files say again")
    check(repaired["scripts"] == provisioned["scripts"], "third run: the scripts are as after the second run")
    check(repaired["media"] == provisioned["media"], "third run: the media is as after the second run")
    # An API token, and every option from [provision] of a config file.
    tokenid = z.call("token.create", {"name": "zabitan-provision e2e", "userid": admin()["userid"]})["tokenids"][0]
    token = z.call("token.generate", [tokenid])[0]["token"]
    config = os.path.join(work, "zabitan.toml")
    with open(config, "w") as f:
        f.write("[provision]\napi = %s\ntoken_file = %s\ntemplates = %s\nremote_cmd = %s\n"
                "endpoint_host = %s\nnotify_user = %s\nsendto = %s\n"
                % tuple(json.dumps(v) for v in (api_url, secret("token", token), templates_dir, recorder,
                                                ENDPOINT, z.user, "desktop")))
    states, lines, took = run("--config", config)
    expect(states, lambda obj: "unchanged", "fourth run (--config, API token)")
    check(snapshot() == repaired, "fourth run: API objects identical")
    step("repair", len(failures) == n_before, "third run: the %d \"updated\", the rest unchanged; fourth run "
         "through --config with an API token: unchanged" % len(CHANGED))

    # ---- the action at work -----------------------------------------------------------------------
    n_before = len(failures)
    t0 = time.monotonic()
    run_id = "%x" % time.time_ns()
    vm = "e2e vm.%s_a-1" % run_id  # a technical name with a blank: the quoting at work
    trapper = z.trapper_address()

    def send(host, key, value, clock=None):
        processed, failed, _ = zapi.parse_info(zapi.send(trapper[0], trapper[1], [(host, key, value, clock)]))
        return processed == 1 and failed == 0

    lld = json.dumps({"data": [{"{#VM.UUID}": vm, "{#VM.NAME}": "vm-" + run_id, "{#VM.VISIBLE.NAME}": "vm-" + run_id,
                                "{#VM.HV.UUID}": "hv-" + run_id}]})
    z.config_cache_reload(probe=(ENDPOINT, "zabitan.vmware.vm.discovery", lld))
    wait_for("the discovered VM host with its template", lambda: z.call("host.get", {
        "filter": {"host": [vm]}, "output": ["hostid"], "selectParentTemplates": ["host"]}) and z.call(
        "host.get", {"filter": {"host": [vm]}, "output": ["hostid"], "selectParentTemplates": ["host"]}
    )[0]["parentTemplates"])
    now_s = int(time.time())
    cpu = "zabitan.vmware.vm.perf[cpu.usage.average]"
    z.config_cache_reload(probe=(vm, cpu, "95.5"))
    for i in range(6):
        check(send(vm, cpu, "95.5", now_s - 250 + 50 * i), "CPU sample accepted")

    def calls():
        try:
            with open(calls_log) as f:
                return [line.rstrip("\n").rstrip("\t").split("\t") for line in f if line.strip()]
        except FileNotFoundError:
            return []

    got = wait_for("the scale-up script run by the action", lambda: [c for c in calls() if c[0] == "scale-up"])
    trig = z.call("trigger.get", {"host": vm, "filter": {"description": ["VM CPU high"]}, "output": ["triggerid"]})
    problem = z.call("problem.get", {"objectids": [trig[0]["triggerid"]], "output": ["eventid"]}) if trig else []
    c = got[0]
    want = ["scale-up", "--host", vm, "--event-id", problem[0]["eventid"] if problem else "?", "--trigger-id",
            trig[0]["triggerid"] if trig else "?", "--status", "PROBLEM", "--severity", "Average"]
    check(c == want, "the recorder got exactly %s (got %s)" % (want, c))
    aid = provisioned["action"]["actionid"]
    alerts = wait_for("the action's message alert", lambda: [
        a for a in z.call("alert.get", {"actionids": [aid], "output": "extend"})
        if a["alerttype"] == "0" and a["mediatypeid"] == mtid])
    check(alerts[0]["sendto"] == "desktop" and alerts[0]["userid"] == admin()["userid"],
          "the action sent its message to Admin via %s" % MEDIA)
    for i in range(3):
        check(send(vm, cpu, "5.0", int(time.time()) + i), "CPU sample accepted")
    got = wait_for("the scale-down script run on recovery", lambda: [c for c in calls() if c[0] == "scale-down"])
    want = ["scale-down", "--host", vm, "--event-id", want[4], "--trigger-id", want[6], "--status", "OK",
            "--severity", "Average"]
    check(got[0] == want, "the recorder got exactly %s on recovery (got %s)" % (want, got[0]))
    step("action", len(failures) == n_before, "\"VM CPU high\" on %r ran %s with the quoted macros, messaged "
         "Admin via %s; recovery ran %s (%.1f s)" % (vm, UP, MEDIA, DOWN, time.monotonic() - t0))
finally:
    delete_ours()
    shutil.rmtree(scripts_dir, ignore_errors=True)

if failures:
    print("FAIL %d checks" % len(failures))
    sys.exit(1)
print("ok   zabitan-provision sets Zabbix %s up idempotently and the action works" % z.version())
