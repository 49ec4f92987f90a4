#!/usr/bin/env python3
"""e2e: the whole chain on the real stack — zabitan-provision → zabitan-vmware → Zabbix 6.0 or 7.0 (LLD,
history, the trigger "VM CPU high", the action) → zabitan-remote-cmd run by Zabbix as its global
script → a pool VM powered on in the simulator → the reports back in Zabbix → the mascot; and the
recovery running the scale-down. Each hop is asserted.

Usage: chain_test.py ZABITAN_PROVISION ZABITAN_VMWARE ZABITAN_REMOTE_CMD ZABITAN_SSTP TEMPLATES_DIR
                     STACK_ENV VCSIM_ENV NINIX_ENV WORKDIR [--sshd-env SSHD_ENV]

Peers (ctest fixtures): the Zabbix server of tests/peers/zabbix-server (6.0) or
tests/peers/zabbix-server-7 (7.0: its server runs in the Debian 13 root, which must see the
build tree and WORKDIR: ZBX7_SERVER_BIND at its start), a simulator of its own
started with `-realistic-perf -cpu-usage DC0_H0_VM0=95` (that VM is busy: every CPU sample the
collector reads for it is 95 %), ninix, and with --sshd-env the private sshd: then zabitan-sstp
(remote-cmd's notification and the media type) reaches ninix through its tunnel, as on a real
desktop, and the sshd's log must show the logins. Steps:
  provision  zabitan-provision sets Zabbix up (endpoint host "zabitan-chain", the scaling scripts run
             a wrapper that calls zabitan-remote-cmd with this test's config, the action, Admin's
             "zabitan SSTP" media); the stack's AlertScriptsPath gets a zabitan-sstp that reads the
             same config
  collect    a first collector run sends the discovery; Zabbix creates a host per hypervisor and VM
             (host prototypes: technical name = UUID, visible name = name, template linked); a
             second run fills them: every simulated VM's power state and CPU usage are in history
  scale-up   the busy VM's samples (95 % over 5 minutes) fire "VM CPU high"; the action runs the
             global script on the Zabbix server, zabitan-remote-cmd powers the pool VM on in the
             simulator, zabitan.remote.result/members/status reach Zabbix (history.get), the mascot
             says it, and the action's message reaches the mascot through the "zabitan SSTP" media
  recovery   a CPU value under the threshold resolves the problem; the recovery operation runs the
             scale-down: the pool VM is powered off again, reported, said, and the recovery message
             delivered
Everything the test creates in Zabbix is deleted at the end (also when it fails).
"""
import json
import os
import pathlib
import pwd
import re
import shutil
import subprocess
import sys
import time

here = pathlib.Path(__file__).resolve().parent
peers = here.parent / "peers"
sys.path.insert(0, str(peers / "zabbix-server"))
import zapi  # noqa: E402

if len(sys.argv) not in (10, 12) or (len(sys.argv) == 12 and sys.argv[10] != "--sshd-env"):
    sys.exit(__doc__.split("\n\n")[1])
provision, vmware, remote_cmd, sstp, templates_dir, stack_env, vcsim_env_file, ninix_env_file, work = sys.argv[1:10]
# --sshd-env ENV: the mascot is reached as on a real desktop, through the private sshd's tunnel
sshd_env_file = sys.argv[11] if len(sys.argv) == 12 else None
work = pathlib.Path(work).resolve()
shutil.rmtree(work, ignore_errors=True)
work.mkdir(parents=True)
T0 = time.monotonic()

ENDPOINT = "zabitan-chain"
BUSY = "DC0_H0_VM0"          # -cpu-usage DC0_H0_VM0=95 in the fixture
POOL = "DC0_C0_RP0_VM1"      # the scaling group's pool: powered off at the start
UP, DOWN = "zabitan scale", "zabitan scale down"
ACTION = "zabitan: scale on VM CPU high"
MEDIA = "zabitan SSTP"
CPU = "zabitan.vmware.vm.perf[cpu.usage.average]"
RUN = "chain-%x" % time.time_ns()   # in every speech of this run: ninix is shared with other tests

failures = []


def check(what, ok, detail=""):
    print(("PASS: " if ok else "FAIL [%s]: " % VERSION) + what + ("" if ok else " (%s)" % str(detail)[:800]),
          flush=True)
    if not ok:
        failures.append(what)
    return ok


def step(name):
    print("---- %s (%.1f s)" % (name, time.monotonic() - T0), flush=True)


def wait_for(what, fn, timeout=60.0, delay=0.25):
    """Polls fn until it returns something true; the result, or None after the deadline (a FAIL)."""
    deadline = time.monotonic() + timeout
    while True:
        got = fn()
        if got:
            return got
        if time.monotonic() > deadline:
            check("%s within %.0f s" % (what, timeout), False, "timed out")
            raise SystemExit(1)  # the next hops depend on this one
        time.sleep(delay)


z = zapi.Zapi.from_env(stack_env)
VERSION = "Zabbix " + z.version()
print("against " + VERSION, flush=True)
zdir = pathlib.Path(z.env["ZBX_DIR"])
trapper_port = int(z.env["ZBX_TRAPPER_PORT"])
vcsim = zapi.load_env(vcsim_env_file)
ninix = zapi.load_env(ninix_env_file)
sshd = zapi.load_env(sshd_env_file) if sshd_env_file else None


def power(op, *names):
    r = subprocess.run([str(peers / "vcsim" / "vm-power"), vcsim_env_file, op, *names],
                       capture_output=True, text=True, check=True)
    return dict(line.split() for line in r.stdout.splitlines()) if op == "state" else None


# ---- the user Zabbix runs its scripts as ---------------------------------------------------------
# zabbix_server runs scripts as itself: root with AllowRoot=1 (the stack as root, like CI), else the
# user that started it. zabitan-remote-cmd refuses a config not owned by root or that user, or
# writable by others; the password file must not be readable by others.
zpid = (zdir / "run" / "zabbix_server.pid").read_text().strip()
server_uid = next(int(line.split()[1]) for line in open("/proc/%s/status" % zpid) if line.startswith("Uid:"))
server_user = pwd.getpwuid(server_uid).pw_name
print("zabbix_server runs as %s (uid %d); its scripts run as that user" % (server_user, server_uid))


def sshd_logins():
    """Public-key logins the private sshd has accepted so far (LogLevel VERBOSE logs each)."""
    if not sshd:
        return 0
    try:
        return open(sshd["SSHD_LOG"], encoding="utf-8", errors="replace").read().count("Accepted publickey")
    except OSError:
        return 0


def collector_counts(out):
    """(values sent, values refused) from zabitan-vmware's summary line; (0, -1) without one."""
    m = re.search(r"^\d+ entities, (\d+) values sent, (\d+) refused by Zabbix$", out, re.M)
    return (int(m[1]), int(m[2])) if m else (0, -1)


def own(path, mode):
    os.chmod(path, mode)
    if os.geteuid() == 0 and server_uid != 0:
        os.chown(path, server_uid, -1)


if server_uid != os.geteuid():  # the server's user must reach the work folder and the binaries
    for d in [work, *work.parents]:
        os.chmod(d, os.stat(d).st_mode | 0o001)


def delete_ours():
    """The objects this test (or e2e.provision) made; the shared templates and media type stay."""
    def one(method, field, name, **extra):
        got = z.call(method, dict({"output": "extend", "filter": {field: [name]}}, **extra))
        return got[0] if got else None
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
    mt = one("mediatype.get", "name", MEDIA)
    if mt:
        adm = z.call("user.get", {"output": ["userid"], "filter": {"username": [z.user]}, "selectMedias": "extend"})[0]
        keep = [{k: m[k] for k in ("mediatypeid", "sendto", "active", "severity", "period")}
                for m in adm["medias"] if m["mediatypeid"] != mt["mediatypeid"]]
        if len(keep) != len(adm["medias"]):
            z.call("user.update", {"userid": adm["userid"], "medias": keep})


sstp_wrapper = zdir / "scripts" / "zabitan-sstp"
try:
    delete_ours()

    # ---- what the simulator holds: the collector's dry run ----------------------------------------
    step("simulator")
    power("off", POOL)
    password = work / "vcenter.password"
    password.write_text(vcsim["VCSIM_PASSWORD"] + "\n")
    own(password, 0o600)
    vmw_state = work / "vmware-state"
    collect_args = [vmware, "--url", vcsim["VCSIM_URL"], "--user", vcsim["VCSIM_USER"], "--password-file",
                    str(password), "--ca-file", vcsim["VCSIM_CERT"], "--state-dir", str(vmw_state),
                    "--zabbix-host", ENDPOINT]
    r = subprocess.run(collect_args + ["--dry-run"], capture_output=True, text=True, timeout=120)
    check("collector dry run", r.returncode == 0, r.stderr)
    vms, hvs = {}, {}
    for line in r.stdout.splitlines():
        parts = line.split(" ", 4)
        if len(parts) == 5 and parts[1] in ("zabitan.vmware.vm.discovery", "zabitan.vmware.hv.discovery"):
            value = parts[4]
            if value.startswith('"'):
                value = json.loads(value)  # zabbix_sender quoting: \" \\ \n, as JSON reads them
            rows = json.loads(value)
            for row in rows["data"] if isinstance(rows, dict) else rows:
                if "{#VM.UUID}" in row:
                    vms[row["{#VM.NAME}"]] = row["{#VM.UUID}"]
                else:
                    hvs[row["{#HV.NAME}"]] = row["{#HV.UUID}"]
    check("the simulator has %s and %s among %d VMs, and %d hypervisors" % (BUSY, POOL, len(vms), len(hvs)),
          BUSY in vms and POOL in vms and len(hvs) > 0, sorted(vms))
    if failures:
        raise SystemExit(1)

    # ---- zabitan-remote-cmd's and zabitan-sstp's config, for the server's user ---------------------
    step("config")
    state = work / "remote-state"
    state.mkdir()
    own(state, 0o700)
    audit = work / "audit.log"
    audit.touch()
    own(audit, 0o600)
    sstp_route = ""
    if sshd:
        # The server's user reads the key: a copy of its own, 0600 (libssh2 refuses others).
        identity = work / "sstp_id_ed25519"
        shutil.copyfile(sshd["SSHD_IDENTITY"], identity)
        own(identity, 0o600)
        known_hosts = work / "known_hosts"
        shutil.copyfile(sshd["SSHD_KNOWN_HOSTS"], known_hosts)
        own(known_hosts, 0o644)
        sstp_route = (f'ssh = "{sshd["SSHD_USER"]}@{sshd["SSHD_HOST"]}:{sshd["SSHD_PORT"]}"\n'
                      f'identity = "{identity}"\nknown_hosts = "{known_hosts}"\n')
    logins_before = sshd_logins()
    config = work / "zabitan.toml"
    config.write_text(f"""# e2e.chain: read by zabitan-remote-cmd (run by Zabbix's action) and zabitan-sstp (its media type)
[remote_cmd]
url = "{vcsim['VCSIM_URL']}"
user = "{vcsim['VCSIM_USER']}"
password_file = "{password}"
ca_file = "{vcsim['VCSIM_CERT']}"
state_dir = "{state}"
audit_log = "{audit}"
time_budget = 20
report_server = "127.0.0.1:{trapper_port}"
report_host = "{ENDPOINT}"
notify = true
scale_up_speech = '\\0\\s[5]お兄ちゃん忙しいみたいだから、Fedoraさんにお手伝いをお願いしたよ。\\n({{vm}} を起動、{{members}}/{{max}}) {RUN}\\e'
scale_down_speech = '\\0\\s[0]落ち着いたから、{{vm}} さんには休んでもらったよ。\\n({{members}}/{{max}}) {RUN}\\e'

[remote_cmd.groups.web]
hosts = ["{vms[BUSY]}"]
pool = ["{POOL}"]
min = 0
max = 1
cooldown = 0
max_actions_per_hour = 100
shutdown_grace = 2

[sstp]
to = "127.0.0.1:{ninix['NINIX_PORT']}"
{sstp_route}timeout = 15
media_template = '\\0\\s[{{surface}}]{RUN} {{subject}}\\n{{message}}\\e'
""", encoding="utf-8")
    own(config, 0o644)
    # The global script's command is `--remote-cmd PATH` + the quoted macros: a wrapper gives
    # zabitan-remote-cmd this test's config (a real server uses /etc/zabitan/zabitan.toml).
    bindir = work / "bin"
    bindir.mkdir()
    wrapper = bindir / "zabitan-remote-cmd"
    wrapper.write_text('#!/bin/sh\nexec %s "$@" --config %s\n' % (remote_cmd, config))
    own(wrapper, 0o755)
    # The media type runs zabitan-sstp from the server's AlertScriptsPath (DIR/scripts of the stack).
    sstp_wrapper.write_text('#!/bin/sh\nexec %s --config %s "$@"\n' % (sstp, config))
    own(sstp_wrapper, 0o755)
    r = subprocess.run([remote_cmd, "status", "--host", vms[BUSY], "--event-id", "1", "--trigger-id", "1",
                        "--status", "PROBLEM", "--config", str(config)], capture_output=True, text=True, timeout=60)
    check("zabitan-remote-cmd accepts the config (status: 0/1 running)", r.returncode == 0 and "0/1" in r.stdout,
          r.stdout + r.stderr)

    # ---- provision ---------------------------------------------------------------------------------
    step("provision")
    api_password = work / "zabbix.password"
    api_password.write_text(z.password + "\n")
    api_password.chmod(0o600)
    r = subprocess.run([provision, "--api", z.url, "--user", z.user, "--password-file", str(api_password),
                        "--templates", templates_dir, "--endpoint-host", ENDPOINT, "--remote-cmd", str(wrapper)],
                       capture_output=True, text=True, timeout=300)
    print("".join("     | " + ln + "\n" for ln in r.stdout.splitlines()), end="")
    check("zabitan-provision exits 0", r.returncode == 0, r.stderr)
    if failures:
        raise SystemExit(1)
    scripts = z.call("script.get", {"output": ["name", "command"], "filter": {"name": [UP, DOWN]}})
    check("the global scripts run the wrapper with the quoted macros",
          len(scripts) == 2 and all(s["command"].startswith(str(wrapper) + " scale-") and "'{HOST.HOST}'" in s["command"]
                                    for s in scripts), scripts)
    action = z.call("action.get", {"output": ["actionid"], "filter": {"name": [ACTION]}})
    actionid = action[0]["actionid"] if action else "0"
    z.config_cache_reload()  # the endpoint's discovery rules take values from now on

    # ---- collect -----------------------------------------------------------------------------------
    step("collect")
    # Its own state folder: the values Zabbix refuses now (their hosts do not exist yet) count as
    # sent in the watermark, and the second run is to send every sample again.
    first = [a if a != str(vmw_state) else str(work / "vmware-state-first") for a in collect_args]
    r = subprocess.run(first + ["--zabbix-server", "127.0.0.1:%d" % trapper_port],
                       capture_output=True, text=True, timeout=120)
    # Zabbix has not discovered the hosts yet: their values wait in the collector's state for
    # their items (issue #16) instead of being refused, so the run succeeds and refuses nothing.
    check("first collector run: exit 0, nothing refused (sent, refused: %s)" % str(collector_counts(r.stdout)),
          r.returncode == 0 and collector_counts(r.stdout)[1] == 0, r.stdout[-500:] + r.stderr[-500:])
    names = dict(vms, **hvs)

    def discovered():
        got = z.call("host.get", {"output": ["host", "name"], "filter": {"host": list(names.values())},
                                  "selectParentTemplates": ["host"], "selectItems": ["itemid"]})
        return got if len(got) == len(names) and all(h["parentTemplates"] and h["items"] for h in got) else None
    hosts = wait_for("Zabbix creates a host per hypervisor and VM, templates and items included", discovered, 90)
    if hosts:
        want = {"zabitan VMware VM" if n in vms else "zabitan VMware hypervisor" for n in names}
        check("%d discovered hosts: technical name = UUID, visible name = name, template linked" % len(hosts),
              all(names.get(h["name"]) == h["host"] and
                  [t["host"] for t in h["parentTemplates"]][0] in want for h in hosts), hosts)
    # Wait for the server's regular configuration sync (CacheUpdateFrequency=5) rather than forcing
    # one: items created by LLD take values before their preprocessing after a forced reload.
    probe = (vms[POOL], "zabitan.vmware.vm.powerstate", "0")  # poweredOff
    wait_for("the configuration cache knows the discovered items",
             lambda: zapi.parse_info(zapi.send("127.0.0.1", trapper_port, [probe]))[0] == 1, 30, 0.5)
    r = subprocess.run(collect_args + ["--zabbix-server", "127.0.0.1:%d" % trapper_port],
                       capture_output=True, text=True, timeout=120)
    # Values per NIC and disk wait for the discovery this run sent to the new hosts (not refused).
    check("second collector run: exit 0, nothing refused (sent, refused: %s)" % str(collector_counts(r.stdout)),
          r.returncode == 0 and collector_counts(r.stdout)[1] == 0, r.stdout[-500:] + r.stderr[-500:])

    def item_of(host, key):
        it = z.item(host, key)
        return it if it else None

    def in_history(host, key):
        it = item_of(host, key)
        return it and z.history_get(it["itemid"], int(it["value_type"]), 20)
    for name, uuid in sorted(vms.items()):
        rows = wait_for("power state and CPU of %s in history" % name,
                        lambda u=uuid: in_history(u, "zabitan.vmware.vm.powerstate") and in_history(u, CPU), 30)
        if rows:
            # value map VMware VirtualMachinePowerState: 0 poweredOff, 1 poweredOn
            it = item_of(uuid, "zabitan.vmware.vm.powerstate")
            state_now = z.history_get(it["itemid"], int(it["value_type"]), 1)[0]["value"]
            cpu_rows = in_history(uuid, CPU)
            check("%s: power state %s, %d CPU samples in history (last %s %%)" % (name, state_now, len(cpu_rows),
                                                                                 cpu_rows[0]["value"]),
                  state_now == ("0" if name == POOL else "1"), state_now)
    busy_cpu = in_history(vms[BUSY], CPU) or []
    check("%s's CPU samples are all 95 %% (the busy VM)" % BUSY,
          len(busy_cpu) >= 5 and all(abs(float(v["value"]) - 95) < 0.01 for v in busy_cpu), busy_cpu[:3])

    # ---- scale-up ----------------------------------------------------------------------------------
    step("scale-up")
    trig = z.call("trigger.get", {"host": vms[BUSY], "filter": {"description": ["VM CPU high"]},
                                  "output": ["triggerid", "value"]})
    triggerid = trig[0]["triggerid"] if trig else "0"
    problem = wait_for("\"VM CPU high\" fires on %s" % BUSY, lambda: z.call("problem.get", {
        "objectids": [triggerid], "output": ["eventid", "name"], "selectTags": "extend"}), 30)
    if problem:
        check("a problem \"VM CPU high\" tagged zabitan: scale-up on %s" % BUSY,
              {"tag": "zabitan", "value": "scale-up"} in problem[0]["tags"], problem)
    eventid = problem[0]["eventid"] if problem else "?"
    t_up = time.monotonic()
    on = wait_for("the action's script powers %s on in the simulator" % POOL,
                  lambda: power("state", POOL)[POOL] == "poweredOn", 60, 0.5)
    if on:
        print("  %s powered on %.1f s after the problem was seen" % (POOL, time.monotonic() - t_up))
    others = power("state")
    check("only the pool VM changed: every other VM is as it was",
          all(s == "poweredOn" for n, s in others.items()), others)
    script_alert = wait_for("the action's script run, in the action log", lambda: [
        a for a in z.call("alert.get", {"actionids": [actionid], "eventids": [eventid], "output": "extend"})
        if a["alerttype"] == "1" and a["status"] in ("1", "2")], 30)
    if script_alert:
        check("the action log says the script ran (%s)" % script_alert[0]["message"][:100],
              script_alert[0]["status"] == "1", script_alert[0])

    def reports(minimum):
        res = in_history(ENDPOINT, "zabitan.remote.result") or []
        if len(res) < minimum:
            return None
        return res
    res = wait_for("zabitan.remote.result in Zabbix", lambda: reports(1), 30)
    if res:
        want = "scale-up web (event %s): powered on %s (1/1 running)" % (eventid, POOL)
        check("zabitan.remote.result says what it did: %r" % res[0]["value"], res[0]["value"] == want, want)
        members = in_history(ENDPOINT, "zabitan.remote.members") or [{"value": None}]
        status = in_history(ENDPOINT, "zabitan.remote.status") or [{"value": None}]
        check("zabitan.remote.members = 1 and zabitan.remote.status = 0 in history",
              members[0]["value"] == "1" and status[0]["value"] == "0", (members[:1], status[:1]))

    def said(token, contains):
        r = subprocess.run([str(peers / "ninix" / "last-script"), str(pathlib.Path(ninix_env_file).parent),
                            "--match", token, "--wait", "30", "--text"], capture_output=True, text=True)
        return check("the mascot said %r" % contains, r.returncode == 0 and contains in r.stdout,
                     r.stdout + r.stderr)
    said("を起動、1/1) " + RUN, "Fedoraさんにお手伝いをお願いしたよ")
    msg = wait_for("the action's message to Admin through \"zabitan SSTP\" sent", lambda: [
        a for a in z.call("alert.get", {"actionids": [actionid], "eventids": [eventid], "output": "extend"})
        if a["alerttype"] == "0" and a["status"] in ("1", "2")], 60, 0.5)
    if msg:
        check("the media type delivered the message (alert status sent)", msg[0]["status"] == "1", msg[0])
    said(RUN + " Problem: VM CPU high", "Problem: VM CPU high")
    if sshd:
        check("the mascot was reached through the sshd tunnel (new logins in its log)",
              sshd_logins() > logins_before, (logins_before, sshd_logins()))

    # ---- recovery ----------------------------------------------------------------------------------
    step("recovery")
    processed, _, _ = zapi.parse_info(zapi.send("127.0.0.1", trapper_port, [(vms[BUSY], CPU, "5.0", int(time.time()))]))
    check("a CPU value under the threshold accepted", processed == 1)
    wait_for("\"VM CPU high\" resolved", lambda: not z.call("problem.get", {"objectids": [triggerid],
                                                                             "output": ["eventid"]}), 30)
    wait_for("the recovery's scale-down powers %s off" % POOL,
             lambda: power("state", POOL)[POOL] == "poweredOff", 60, 0.5)
    res = wait_for("the scale-down reported to Zabbix", lambda: reports(2), 30)
    if res:
        check("zabitan.remote.result: %r" % res[0]["value"],
              re.fullmatch(r"scale-down web \(event \d+\): shut down %s \(0/1 running\)" % POOL, res[0]["value"])
              is not None, res[0]["value"])
        members = in_history(ENDPOINT, "zabitan.remote.members") or [{"value": None}]
        check("zabitan.remote.members = 0", members[0]["value"] == "0", members[:1])
    said("(0/1) " + RUN, "休んでもらったよ")
    said(RUN + " Resolved", "Resolved")
finally:
    try:
        if not os.environ.get("CHAIN_KEEP"):  # CHAIN_KEEP=1: leave the objects for a look
            delete_ours()
    finally:
        sstp_wrapper.unlink(missing_ok=True)

print("%s: %d failure(s), %.1f s" % (VERSION, len(failures), time.monotonic() - T0))
sys.exit(1 if failures else 0)
