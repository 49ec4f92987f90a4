#!/usr/bin/env python3
"""Tiny Zabbix JSON-RPC helper for zabitan's tests (standard library only).

Works against both test peers, 6.0 (tests/peers/zabbix-server) and 7.0
(tests/peers/zabbix-server-7): it asks apiinfo.version once and then speaks what that
version expects (where the token goes, the import rules' group names).

As a module:
    import zapi
    z = zapi.Zapi.from_env("DIR/env")          # or Zapi(url), Zapi.from_env() reads os.environ
    hostid = z.create_host("h1", "zabitan")    # get-or-create (group too)
    itemid = z.create_trapper_item(hostid, "k1", zapi.VT_UINT)
    z.config_cache_reload()                    # -R config_cache_reload, waits until it took effect
    zapi.send("127.0.0.1", port, [("h1", "k1", "42")])
    z.history_get(itemid, zapi.VT_UINT, limit=10)

As a CLI (the stack's coordinates come from --env DIR/env, else $ZBX_ENV, else the
ZBX_* environment variables that file defines):
    zapi.py --env DIR/env version
    zapi.py --env DIR/env create-host HOST [GROUP]          -> hostid
    zapi.py --env DIR/env create-item HOST KEY [TYPE]       -> itemid  (TYPE: uint|float|str|log|text|0-4; default uint)
    zapi.py --env DIR/env history HOST KEY [LIMIT]          -> "clock ns value" lines, newest first
    zapi.py --env DIR/env reload                            -> waits until the config cache has reloaded
    zapi.py --env DIR/env send HOST KEY VALUE               -> trapper reply; exit 0 processed, 2 failed, 1 no connection
    zapi.py --env DIR/env import FILE.yaml|-                -> configuration.import (rules for the server's version)
    zapi.py --env DIR/env call METHOD ['JSON params']       -> raw result as JSON
"""

import argparse
import json
import os
import re
import shlex
import socket
import struct
import subprocess
import sys
import time
import urllib.error
import urllib.request

VT_FLOAT, VT_STR, VT_LOG, VT_UINT, VT_TEXT = 0, 1, 2, 3, 4
VALUE_TYPES = {"float": VT_FLOAT, "str": VT_STR, "char": VT_STR, "log": VT_LOG,
               "uint": VT_UINT, "unsigned": VT_UINT, "text": VT_TEXT}
ITEM_TYPE_TRAPPER = 2

PROBE_HOST = "zapi-reload-probe"
PROBE_GROUP = "zapi-probe"


class ZapiError(Exception):
    pass


def load_env(path=None):
    """KEY=VALUE lines of DIR/env (as written by `start`, values shell-quoted) merged over os.environ."""
    env = {k: v for k, v in os.environ.items() if k.startswith("ZBX_")}
    path = path or os.environ.get("ZBX_ENV")
    if path:
        with open(path, encoding="utf-8") as f:
            for line in f:
                line = line.strip()
                if not line or line.startswith("#") or "=" not in line:
                    continue
                key, _, val = line.partition("=")
                parts = shlex.split(val)
                env[key.strip()] = parts[0] if parts else ""
    return env


# ---- trapper (sender protocol) -------------------------------------------------------------------

def _recv_exact(sock, n):
    buf = b""
    while len(buf) < n:
        chunk = sock.recv(n - len(buf))
        if not chunk:
            raise ConnectionError("connection closed after %d of %d bytes" % (len(buf), n))
        buf += chunk
    return buf


def send(host, port, values, timeout=10.0):
    """Sends [(host, key, value[, clock])] in one "sender data" request; returns the reply dict.

    Frame: b"ZBXD\\x01" + u32 LE length + u32 reserved (0) + compact JSON.
    The reply's "info" reads "processed: N; failed: M; total: T; seconds spent: S".
    """
    data = []
    for v in values:
        d = {"host": v[0], "key": v[1], "value": str(v[2])}
        if len(v) > 3 and v[3] is not None:
            d["clock"] = int(v[3])
        data.append(d)
    body = json.dumps({"request": "sender data", "data": data}, separators=(",", ":")).encode()
    with socket.create_connection((host, int(port)), timeout=3) as s:
        s.settimeout(timeout)
        s.sendall(b"ZBXD\x01" + struct.pack("<II", len(body), 0) + body)
        hdr = _recv_exact(s, 13)
        if hdr[:4] != b"ZBXD":
            raise ZapiError("bad reply header %r" % hdr)
        length, _reserved = struct.unpack("<II", hdr[5:13])
        return json.loads(_recv_exact(s, length))


def parse_info(reply):
    """(processed, failed, total) from a trapper reply."""
    m = re.search(r"processed: (\d+); failed: (\d+); total: (\d+)", reply.get("info", ""))
    if not m:
        raise ZapiError("unexpected trapper reply %r" % reply)
    return tuple(int(x) for x in m.groups())


def wait_for(what, fn, timeout=60.0, delay=0.5):
    """Polls fn until it returns something true and returns that; SystemExit naming `what` after
    `timeout` seconds (for tests: a readiness wait, never a bare sleep)."""
    deadline = time.monotonic() + timeout
    while True:
        got = fn()
        if got:
            return got
        if time.monotonic() > deadline:
            raise SystemExit("FAIL timed out after %.0f s waiting for %s" % (timeout, what))
        time.sleep(delay)


# ---- API -------------------------------------------------------------------------------------------

class Zapi:
    def __init__(self, url, user="Admin", password="zabbix", env=None):
        self.url = url
        self.user = user
        self.password = password
        self.env = env or {}
        self.auth = None
        self._id = 0
        self._version = None

    @classmethod
    def from_env(cls, path=None):
        env = load_env(path)
        if "ZBX_API_URL" not in env:
            raise ZapiError("ZBX_API_URL unknown: pass --env DIR/env (written by start) or set ZBX_ENV")
        return cls(env["ZBX_API_URL"], env.get("ZBX_API_USER", "Admin"),
                   env.get("ZBX_API_PASSWORD", "zabbix"), env)

    # -- transport
    def _rpc(self, method, params, auth):
        self._id += 1
        req = {"jsonrpc": "2.0", "method": method, "params": params, "id": self._id}
        headers = {"Content-Type": "application/json-rpc"}
        if auth:
            # The Bearer header arrived in 6.4, which deprecated the token in the body (7.2 drops it).
            if self.version_tuple() >= (6, 4):
                headers["Authorization"] = "Bearer " + auth
            else:
                req["auth"] = auth
        http = urllib.request.Request(self.url, data=json.dumps(req).encode(), headers=headers)
        try:
            with urllib.request.urlopen(http, timeout=60) as r:
                resp = json.loads(r.read())
        except urllib.error.HTTPError as e:
            raise ZapiError("%s: HTTP %s: %s" % (method, e.code, e.read()[:500])) from e
        if "error" in resp:
            err = resp["error"]
            raise ZapiError("%s: %s %s" % (method, err.get("message"), err.get("data")))
        return resp["result"]

    def version(self):
        return self._rpc("apiinfo.version", [], None)  # must be called without auth

    def version_tuple(self):
        """(major, minor) of the server's API, asked once: (6, 0), (7, 0), ..."""
        if self._version is None:
            self._version = tuple(int(x) for x in self.version().split(".")[:2])
        return self._version

    def login(self):
        # 6.0 takes "username" ("user" is deprecated, removed in 6.4)
        self.auth = self._rpc("user.login", {"username": self.user, "password": self.password}, None)
        return self.auth

    def call(self, method, params=None):
        if params is None:
            params = {}
        if method in ("apiinfo.version", "user.login"):
            return self._rpc(method, params, None)
        if self.auth is None:
            self.login()
        return self._rpc(method, params, self.auth)

    # -- helpers
    def group_id(self, name):
        """Host group id by name; created if missing."""
        got = self.call("hostgroup.get", {"filter": {"name": [name]}, "output": ["groupid"]})
        if got:
            return got[0]["groupid"]
        return self.call("hostgroup.create", {"name": name})["groupids"][0]

    def host_id(self, name):
        got = self.call("host.get", {"filter": {"host": [name]}, "output": ["hostid"]})
        return got[0]["hostid"] if got else None

    def create_host(self, name, group="zabitan"):
        """hostid of host `name` in `group` (both created if missing). A trapper-only host needs no interface."""
        hid = self.host_id(name)
        if hid:
            return hid
        gid = self.group_id(group)
        return self.call("host.create", {"host": name, "groups": [{"groupid": gid}]})["hostids"][0]

    def item(self, hostid_or_name, key):
        """The item dict (itemid, value_type, ...) or None; host given by id or technical name."""
        params = {"filter": {"key_": [key]}, "output": ["itemid", "value_type", "type", "hostid", "key_"]}
        if str(hostid_or_name).isdigit():
            params["hostids"] = [str(hostid_or_name)]
        else:
            params["host"] = hostid_or_name
        got = self.call("item.get", params)
        return got[0] if got else None

    def create_trapper_item(self, hostid, key, value_type=VT_UINT, name=None):
        """itemid of trapper item `key` on `hostid` (created if missing; an existing one must match value_type)."""
        value_type = int(value_type)
        it = self.item(hostid, key)
        if it:
            if int(it["value_type"]) != value_type or int(it["type"]) != ITEM_TYPE_TRAPPER:
                raise ZapiError("item %s exists with type %s value_type %s" % (key, it["type"], it["value_type"]))
            return it["itemid"]
        return self.call("item.create", {
            "hostid": str(hostid), "name": name or key, "key_": key,
            "type": ITEM_TYPE_TRAPPER, "value_type": value_type,
        })["itemids"][0]

    def import_template(self, yaml_text):
        """configuration.import of a YAML export (every object needs a uuid).

        6.0's rules name `groups`; 6.2 split them into `host_groups` and `template_groups`
        (7.0 refuses `groups`).
        """
        cu = {"createMissing": True, "updateExisting": True}
        cud = dict(cu, deleteMissing=False)
        if self.version_tuple() >= (6, 2):
            groups = {"host_groups": {"createMissing": True}, "template_groups": {"createMissing": True}}
        else:
            groups = {"groups": {"createMissing": True}}
        rules = dict(groups, **{
            "templates": cu, "hosts": cu, "items": cud, "triggers": cud, "discoveryRules": cud,
            "graphs": cud, "httptests": cud, "valueMaps": cud, "templateDashboards": cud,
            "templateLinkage": {"createMissing": True},
        })
        return self.call("configuration.import", {"format": "yaml", "source": yaml_text, "rules": rules})

    def history_get(self, itemid, value_type=VT_UINT, limit=10):
        """Newest first, sorted by clock then ns.

        6.0's history.get accepts only sortfield "itemid" or "clock" ("ns" is refused with
        -32602), so the API sorts by clock and the ns tie-break is done here.
        """
        rows = self.call("history.get", {
            "history": int(value_type), "itemids": [str(itemid)], "output": "extend",
            "sortfield": "clock", "sortorder": "DESC", "limit": int(limit),
        })
        rows.sort(key=lambda r: (int(r["clock"]), int(r["ns"])), reverse=True)
        return rows

    def trapper_address(self):
        return self.env.get("ZBX_SERVER_HOST", "127.0.0.1"), int(self.env["ZBX_TRAPPER_PORT"])

    def config_cache_reload(self, probe=None, timeout=60.0):
        """Runs `zabbix_server -c CONF -R config_cache_reload` and waits until the reload took effect.

        Values for an item the config cache does not know yet are refused ("failed: 1").
        To know when a reload has happened, a fresh trapper item is created on the probe host
        *before* asking for the reload; once the trapper accepts a value for it, the cache holds
        everything committed before. The probe item is then deleted.
        With probe=(host, key, value) that send is retried instead (the value gets stored) and
        no probe item is made.
        """
        bin_ = self.env.get("ZBX_SERVER_BIN", "/usr/sbin/zabbix_server")
        conf = self.env.get("ZBX_SERVER_CONF")
        if not conf:
            raise ZapiError("ZBX_SERVER_CONF unknown (use --env DIR/env)")
        probe_itemid = None
        if probe is None:
            hid = self.create_host(PROBE_HOST, PROBE_GROUP)
            key = "zapi.probe[%d]" % time.time_ns()
            probe_itemid = self.create_trapper_item(hid, key, VT_UINT)
            probe = (PROBE_HOST, key, "1")
        r = subprocess.run([bin_, "-c", conf, "-R", "config_cache_reload"],
                           capture_output=True, text=True, timeout=30)
        if r.returncode != 0:
            raise ZapiError("config_cache_reload failed (%d): %s%s" % (r.returncode, r.stdout, r.stderr))
        host, port = self.trapper_address()
        deadline = time.monotonic() + timeout
        delay = 0.05
        try:
            while True:
                processed, _failed, _total = parse_info(send(host, port, [probe]))
                if processed:
                    return True
                if time.monotonic() > deadline:
                    raise ZapiError("config cache did not pick up %s:%s within %.0f s" % (probe[0], probe[1], timeout))
                time.sleep(delay)
                delay = min(delay * 2, 0.5)
        finally:
            if probe_itemid:
                self.call("item.delete", [probe_itemid])


# ---- CLI ----------------------------------------------------------------------------------------------

def _value_type(s):
    if s is None:
        return VT_UINT
    if s.isdigit():
        return int(s)
    if s in VALUE_TYPES:
        return VALUE_TYPES[s]
    raise SystemExit("unknown value type %r (uint|float|str|log|text|0-4)" % s)


def main(argv=None):
    ap = argparse.ArgumentParser(description="Zabbix 6.0/7.0 API helper for zabitan tests")
    ap.add_argument("--env", help="DIR/env written by tests/peers/zabbix-server{,-7}/start")
    ap.add_argument("--url", help="API URL (overrides the env file)")
    ap.add_argument("--json", action="store_true", help="print raw JSON results")
    ap.add_argument("command", choices=["version", "login", "call", "create-host", "create-item",
                                        "history", "reload", "send", "import"])
    ap.add_argument("args", nargs="*")
    a = ap.parse_args(argv)

    env = load_env(a.env)
    if a.url:
        env["ZBX_API_URL"] = a.url
    needs_api = a.command != "send"
    if needs_api and "ZBX_API_URL" not in env:
        raise SystemExit("zapi.py: no API URL: pass --env DIR/env or --url")
    z = Zapi(env.get("ZBX_API_URL", ""), env.get("ZBX_API_USER", "Admin"),
             env.get("ZBX_API_PASSWORD", "zabbix"), env)
    args = a.args

    def need(n, usage):
        if len(args) < n:
            raise SystemExit("usage: zapi.py %s %s" % (a.command, usage))

    def item_of(host, key):
        it = z.item(host, key)
        if not it:
            raise SystemExit("zapi.py: no item %s on host %s" % (key, host))
        return it

    c = a.command
    if c == "version":
        print(z.version())
    elif c == "login":
        print(z.login())
    elif c == "call":
        need(1, "METHOD ['JSON params']")
        params = json.loads(args[1]) if len(args) > 1 else {}
        print(json.dumps(z.call(args[0], params), indent=None if not a.json else 1))
    elif c == "create-host":
        need(1, "HOST [GROUP]")
        print(z.create_host(args[0], args[1] if len(args) > 1 else "zabitan"))
    elif c == "create-item":
        need(2, "HOST KEY [uint|float|str|log|text]")
        hid = z.host_id(args[0])
        if not hid:
            raise SystemExit("zapi.py: no host %s" % args[0])
        print(z.create_trapper_item(hid, args[1], _value_type(args[2] if len(args) > 2 else None)))
    elif c == "history":
        need(2, "HOST KEY [LIMIT]")
        it = item_of(args[0], args[1])
        rows = z.history_get(it["itemid"], int(it["value_type"]), int(args[2]) if len(args) > 2 else 10)
        if a.json:
            print(json.dumps(rows))
        else:
            for r in rows:
                print(r["clock"], r["ns"], r["value"])
    elif c == "reload":
        z.config_cache_reload()
        print("config cache reloaded")
    elif c == "send":
        need(3, "HOST KEY VALUE")
        host = env.get("ZBX_SERVER_HOST", "127.0.0.1")
        if "ZBX_TRAPPER_PORT" not in env:
            raise SystemExit("zapi.py: ZBX_TRAPPER_PORT unknown: pass --env DIR/env")
        try:
            reply = send(host, env["ZBX_TRAPPER_PORT"], [(args[0], args[1], args[2])])
        except OSError as e:
            print("zapi.py: cannot send: %s" % e, file=sys.stderr)
            return 1
        print(json.dumps(reply) if a.json else reply.get("info", reply))
        processed, failed, _ = parse_info(reply)
        return 0 if processed and not failed else 2
    elif c == "import":
        need(1, "FILE.yaml|-")
        text = sys.stdin.read() if args[0] == "-" else open(args[0], encoding="utf-8").read()
        print(json.dumps(z.import_template(text)))
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except ZapiError as e:
        print("zapi.py: %s" % e, file=sys.stderr)
        sys.exit(1)
