#!/usr/bin/env python3
"""Writes hostile_invocations.jsonl: command lines zabitan-remote-cmd must reject, one JSON
object per line: {"why": "...", "args_hex": ["<hex of argument 1>", ...], "stage": "grammar"|"config"|"policy"}.
Arguments are hex so that NUL, invalid UTF-8 and control bytes survive JSON. "policy" lines
pass the grammar but name a host no scaling group of the test policy allows (vm-web01 is the
only allowed host). Deterministic; run it again after editing: ./make_hostile_corpus.py > hostile_invocations.jsonl
"""
import json
import re
import sys

BASE = ["scale-up", "--host", "vm-web01", "--event-id", "1", "--trigger-id", "2", "--status", "PROBLEM"]
FIELDS = {"--host": 2, "--event-id": 4, "--trigger-id": 6, "--status": 8}

PAYLOADS = [
    ("semicolon", "vm-web01; id"), ("pipe", "vm-web01|id"), ("ampersand", "vm-web01&&id"),
    ("command substitution", "$(id)"), ("backticks", "`id`"), ("variable", "${IFS}id"),
    ("arithmetic", "$((1+1))"), ("redirect", "vm-web01>/tmp/x"), ("input redirect", "</etc/passwd"),
    ("glob", "vm-*"), ("tilde", "~root"), ("history", "!!"), ("comment", "vm#x"),
    ("single quote", "vm'web"), ("double quote", 'vm"web'), ("backslash", "vm\\web"),
    ("newline", "vm-web01\nid"), ("carriage return", "vm-web01\r"), ("crlf", "vm\r\n--config /tmp/x"),
    ("tab", "vm\tweb"), ("escape", "vm\x1b[31m"), ("del", "vm\x7f"), ("nul", "vm\x00web"),
    ("C1 control", "vm\u0085web"), ("option injection", "--config"), ("option with equals", "--config=/tmp/x"),
    ("dash value", "-rf"), ("path traversal", "../../etc/passwd"), ("absolute path", "/etc/passwd"),
    ("empty", ""), ("blank", " "), ("leading blank", " vm-web01"), ("overlong", "v" * 129),
    ("very long", "x" * 5000), ("cyrillic homoglyph", "vm-w\u0435b01"), ("fullwidth", "\uff56\uff4d-web01"),
    ("zero-width space", "vm-web\u200b01"), ("right-to-left override", "vm\u202e10bew"),
    ("no-break space", "vm\u00a0web01"), ("invalid utf-8", b"vm\xffweb"), ("overlong utf-8", b"vm\xc0\xafweb"),
    ("surrogate utf-8", b"vm\xed\xa0\x80"), ("truncated utf-8", b"vm\xe6\x97"), ("percent", "%n%s%x"),
    ("url encoded", "vm%0aid"), ("unicode digits", "\uff11\uff12"), ("negative", "-1"), ("plus", "+1"),
    ("hex", "0x10"), ("exponent", "1e3"), ("too big", "18446744073709551616"), ("21 digits", "1" * 21),
    ("lower status", "problem"), ("padded status", "PROBLEM "), ("sql", "1' OR '1'='1"),
    ("format string", "%s%s%s%s%n"), ("json", '{"a":1}'), ("xml", "<x>&amp;</x>"),
]


def config_grammar_ok(payload):
    """What invocation.cpp's --config grammar accepts: absolute, [0-9A-Za-z_./-], no "..", <= 255."""
    return (isinstance(payload, str) and 0 < len(payload) <= 255 and payload.startswith("/")
            and re.fullmatch(r"[0-9A-Za-z_./-]+", payload) is not None and ".." not in payload.split("/"))


def value_grammar_ok(raw):
    """What --value takes: UTF-8 without C0, DEL or C1, at most 255 bytes, not starting with '-'."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return (len(raw) <= 255 and not text.startswith("-")
            and not any(ord(c) < 0x20 or 0x7f <= ord(c) < 0xa0 for c in text))


def emit(out, why, args, stage="grammar"):
    hexed = [(a if isinstance(a, bytes) else a.encode("utf-8")).hex() for a in args]
    out.write(json.dumps({"why": why, "args_hex": hexed, "stage": stage}) + "\n")


def main():
    out = sys.stdout
    n = 0
    for field, index in FIELDS.items():
        for why, payload in PAYLOADS:
            args = list(BASE)
            args[index] = payload
            # Some payloads are valid for some fields (digits for ids): skip what the grammar allows.
            if field in ("--event-id", "--trigger-id") and isinstance(payload, str) and payload.isascii() and payload.isdigit() and len(payload) <= 20:
                continue
            # A host name the grammar allows (a word, digits) is refused by the policy instead.
            host_ok = field == "--host" and isinstance(payload, str) and re.fullmatch(r"[0-9A-Za-z_.-][0-9A-Za-z_. -]{0,127}", payload) and not payload.endswith(" ") and not payload.startswith("-")
            emit(out, f"{field}: {why}", args, "policy" if host_ok else "grammar")
            n += 1
    for why, payload in PAYLOADS[:30]:
        emit(out, f"--severity: {why}", BASE + ["--severity", payload]); n += 1
        # An absolute path passes the grammar; the file itself is then refused (not a config).
        stage = "config" if payload == "/etc/passwd" else "grammar"
        emit(out, f"--config: {why}", BASE + ["--config", payload], stage); n += 1
    for why, payload in [("control", "a\x01b"), ("newline", "a\nb"), ("overlong", "v" * 256), ("invalid utf-8", b"\xff"),
                         ("dash", "-x"), ("nul", "a\x00")]:
        emit(out, f"--value: {why}", BASE + ["--value", payload]); n += 1
    for action in ["scale_up", "SCALE-UP", "rm", "", "status;id", "scale-up\n", "--host", "help", "-h", "$(id)", "../scale-up"]:
        emit(out, f"unknown action {action!r}", [action] + BASE[1:]); n += 1
    structural = [
        ("no arguments", []), ("action only", ["scale-up"]),
        ("missing --host", BASE[:1] + BASE[3:]), ("missing --event-id", BASE[:3] + BASE[5:]),
        ("missing --trigger-id", BASE[:5] + BASE[7:]), ("missing --status", BASE[:7]),
        ("missing value at end", BASE + ["--severity"]), ("repeated --host", BASE + ["--host", "vm-web01"]),
        ("repeated --dry-run", BASE + ["--dry-run", "--dry-run"]), ("unknown --verbose", BASE + ["--verbose"]),
        ("unknown -v", BASE + ["-v"]), ("unknown --help", BASE + ["--help"]), ("--host=value form", ["scale-up", "--host=vm-web01"] + BASE[3:]),
        ("stray argument", BASE + ["extra"]), ("double dash", BASE + ["--", "--config", "/tmp/x"]),
        ("33 arguments", BASE + ["--dry-run"] + ["x"] * 23), ("argument of 2000 bytes", BASE + ["--value", "v" * 2000]),
        ("option as a value", ["scale-up", "--host", "--event-id", "1", "--trigger-id", "2", "--status", "PROBLEM"]),
        ("config relative", BASE + ["--config", "zabitan.toml"]), ("config dotdot", BASE + ["--config", "/etc/zabitan/../../tmp/z.toml"]),
        ("config with space", BASE + ["--config", "/etc/zabitan/my config.toml"]),
    ]
    for why, args in structural:
        emit(out, why, args); n += 1
    # Issue 15's paths. --severity and --config with the payloads not used above; --value with
    # every payload its grammar refuses (it takes printable UTF-8, so the others would pass).
    for why, payload in PAYLOADS[30:]:
        emit(out, f"--severity: {why}", BASE + ["--severity", payload]); n += 1
        emit(out, f"--config: {why}", BASE + ["--config", payload], "config" if config_grammar_ok(payload) else "grammar"); n += 1
    for why, payload in PAYLOADS:
        raw = payload if isinstance(payload, bytes) else payload.encode("utf-8")
        if value_grammar_ok(raw):
            continue
        emit(out, f"--value (all payloads): {why}", BASE + ["--value", payload]); n += 1
    # Config paths the grammar allows that are not a trusted config: a symbolic link on the path,
    # not a regular file (a FIFO-like device, a folder), a file of another tool. Each must be
    # refused before anything reads it whole ("refusing to run: ...").
    for path in ["/dev/stdin", "/dev/fd/0", "/proc/self/fd/0", "/proc/self/environ", "/proc/self/cwd/zabitan.toml",
                 "/proc/1/root/etc/zabitan/zabitan.toml", "/dev/null", "/dev/zero", "/dev/urandom", "/dev/tty",
                 "/dev/shm", "/tmp", "/var/tmp", "/etc", "/proc/self/status", "/proc/version", "/sys/kernel/notes",
                 "/etc/hostname", "/etc/os-release", "/etc/zabitan/no-such.toml", "/tmp/zabitan.toml",
                 "/dev/shm/zabitan.toml", "/proc/self/fd/1", "/proc/self/exe", "/usr/bin/env"]:
        emit(out, f"--config untrusted {path}", BASE + ["--config", path], "config"); n += 1
        emit(out, f"--config untrusted {path}, before the action", ["--config", path] + BASE, "config"); n += 1
    # Event ids: leading zeros are the same event (normalised), so the grammar's length bound
    # applies to them as written; and numbers in other forms.
    for why, event in [("21 digits of leading zeros", "0" * 20 + "1"), ("zeros past 20 digits", "0" * 30),
                       ("sign and zeros", "+0001"), ("minus zero", "-0"), ("space inside", "00 01"),
                       ("octal-looking", "0o17"), ("binary-looking", "0b1"), ("decimal point", "1.0"),
                       ("underscore", "1_000"), ("comma", "1,000"), ("arabic-indic digits", "\u0661\u0662"),
                       ("superscript one", "\u00b9"), ("trailing newline", "1\n"), ("leading blank", " 1")]:
        for field, index in (("--event-id", 4), ("--trigger-id", 6)):
            args = list(BASE)
            args[index] = event
            emit(out, f"{field}: {why}", args); n += 1
    # What the audit record must bound: as many and as long arguments as an exec can carry.
    for why, args in [("40 arguments of 1024 bytes", BASE + ["x" * 1024] * 31),
                      ("32 arguments, the last 1025 bytes", BASE + ["--dry-run"] * 22 + ["y" * 1025]),
                      ("host of 1024 bytes", BASE[:2] + ["h" * 1024] + BASE[3:]),
                      ("value of 1024 multibyte bytes", BASE + ["--value", "\u3042" * 341 + "a"]),
                      ("100 arguments", BASE + ["--dry-run"] * 91),
                      ("an argument of invalid UTF-8 at 1024 bytes", BASE + [b"\xff" * 1024])]:
        emit(out, f"audit bound: {why}", args); n += 1
    for host in ["vm-db01", "other host", "VM-WEB01", "vm-web01.", "vm-web0", "localhost", "Zabbix server"]:
        args = list(BASE)
        args[2] = host
        emit(out, f"host {host!r} in no group", args, "policy"); n += 1
    print(f"{n} invocations", file=sys.stderr)


if __name__ == "__main__":
    main()
