"""keys_test.py's checks of what zabitan-vmware sends (zabbix_sender -T -N lines) against the
templates: hosts, LLD rows and their macros, value types, every template key sent."""
import json
import re

from keys_spec import *  # noqa: F401,F403  (the spec: EP, HV, VM, RULES, SPEC, match_key…)

# ---- what the collector sends ------------------------------------------------------------------------
def split_line(line, lineno):
    """[host, key, clock, ns, value] of a zabbix_sender -T -N input line (zabitan-sender's grammar)."""
    fields, i, n = [], 0, len(line)
    for _ in range(4):
        while i < n and line[i] in " \t":
            i += 1
        if i < n and line[i] == '"':
            val, i = "", i + 1
            while i < n and line[i] != '"':
                if line[i] == "\\" and i + 1 < n:
                    i += 1
                    val += {"n": "\n"}.get(line[i], line[i])
                else:
                    val += line[i]
                i += 1
            if i >= n:
                raise ValueError("line %d: unterminated quote" % lineno)
            i += 1
        else:
            j = i
            while j < n and line[j] not in " \t":
                j += 1
            val, i = line[i:j], j
        fields.append(val)
    while i < n and line[i] in " \t":
        i += 1
    rest = line[i:]
    if rest.startswith('"'):
        if not rest.endswith('"') or len(rest) < 2:
            raise ValueError("line %d: a quoted value must end the line" % lineno)
        val, k = "", 1
        while k < len(rest) - 1:
            if rest[k] == "\\" and k + 1 < len(rest) - 1:
                k += 1
                val += {"n": "\n"}.get(rest[k], rest[k])
            else:
                val += rest[k]
            k += 1
        rest = val
    fields.append(rest)
    if not fields[2].isdigit() or not fields[3].isdigit():
        raise ValueError("line %d: clock and ns must be numbers: %r" % (lineno, line))
    return fields


def lld_rows(value):
    rows = json.loads(value)
    if isinstance(rows, dict):
        rows = rows.get("data", [])
    if not isinstance(rows, list) or not all(isinstance(r, dict) for r in rows):
        raise ValueError("LLD value is not a list of objects")
    return rows


def value_ok(vt, value, key):
    if vt == F:
        try:
            float(value)
            return re.fullmatch(r"-?[0-9]+(\.[0-9]+)?([eE][-+]?[0-9]+)?", value) is not None
        except ValueError:
            return False
    if key in ENUM_VALUES and value not in ENUM_VALUES[key]:
        return False
    if vt == U:
        return value.isdigit() and int(value) < 2 ** 64
    if vt == C:
        return len(value) <= 255 and "\n" not in value
    return True


def collector_checks(tp, lines, endpoint=None):
    errors, notes = [], []
    err = errors.append
    spec = {(t, rule, key): vt for t, rule, key, vt, _, _ in SPEC}
    sent = []
    for n, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            sent.append(split_line(line, n))
        except ValueError as e:
            err(str(e))
    by_host = {}
    for h, k, _, _, v in sent:
        by_host.setdefault(h, []).append((k, v))

    # the endpoint: the host that receives the endpoint rules
    ep_rules = set(RULES[EP])
    eps = {h for h, rows in by_host.items() if any(k in ep_rules for k, _ in rows)}
    if endpoint:
        eps = {endpoint}
    if len(eps) != 1:
        err("cannot tell the endpoint host: %s" % (sorted(eps) or "no endpoint discovery sent"))
        return errors, notes
    ep = eps.pop()

    def rows_of(host, rule):
        out = []
        for k, v in by_host.get(host, []):
            if k == rule:
                try:
                    out += lld_rows(v)
                except ValueError as e:
                    err("%s %s: %s" % (host, k, e))
        return out

    kinds = {ep: EP}
    for rule, tname in (("zabitan.vmware.hv.discovery", HV), ("zabitan.vmware.vm.discovery", VM)):
        macro = HOST_PROTOTYPES[rule][0]
        for row in rows_of(ep, rule):
            if macro in row:
                if kinds.get(row[macro], tname) != tname:
                    err("%s is discovered both as %s and %s" % (row[macro], kinds[row[macro]], tname))
                kinds[row[macro]] = tname
    for h in by_host:
        if h not in kinds:
            err("values for host %s, which is neither the endpoint %s nor a discovered hypervisor or VM" % (h, ep))

    matched = set()
    per_key = {}  # (message, key shown) -> {host: count}: one line per problem, not per value

    def per_value(msg, host):
        per_key.setdefault(msg, {}).setdefault(host, 0)
        per_key[msg][host] += 1

    for host, tname in kinds.items():
        # LLD rows: the rule's macros on every row; what each row discovered, for prototype matching
        discovered = {}
        for rule, macros in RULES[tname].items():
            rows = rows_of(host, rule)
            if any(k == rule for k, _ in by_host.get(host, [])):
                matched.add((tname, None, rule))
            for row in rows:
                missing = [m for m in macros if m not in row]
                extra = sorted(set(row) - set(macros))
                if missing:
                    err("%s %s: a row lacks %s: %s" % (host, rule, missing, json.dumps(row)))
                if extra:
                    notes.append("%s %s: rows also carry %s (no template uses them)" % (host, rule, extra))
            discovered[rule] = rows
        for k, v in by_host.get(host, []):
            if k in RULES[tname]:
                continue
            hit = None
            for (t, rule, pattern), vt in spec.items():
                m = match_key(pattern, k) if t == tname else None
                if m is None:
                    continue
                hit = (t, rule, pattern, vt)
                if rule and not any(all(row.get(mac) == val for mac, val in m.items()) for row in discovered[rule]):
                    per_value("%s: %s: matches the prototype %s, but %s sent no row with %s" % (
                        tname, k, pattern, rule, m), host)
                break
            if not hit:
                per_value("%s: %s: no item or item prototype of the template has this key" % (tname, k), host)
                continue
            t, rule, pattern, vt = hit
            matched.add((t, rule, pattern))
            if not value_ok(vt, v, pattern):
                per_value("%s: %s: a value does not fit the item (%s), e.g. %r" % (tname, pattern, vt, v[:80]), host)
    for msg, hosts in per_key.items():
        err("%s (%d values, %d hosts)" % (msg, sum(hosts.values()), len(hosts)))
    vmware_templates = (EP, HV, VM)
    expected = {(t, r, k) for t, r, k, *_ in SPEC if t in vmware_templates}
    expected |= {(t, None, r) for t in vmware_templates for r in RULES[t]}
    unsent = sorted(expected - matched, key=str)
    for t, r, k in unsent:
        err("never sent: %s: %s" % (t, k))
    notes.append("%d values for %d hosts (%d hypervisors, %d VMs); %d of %d template keys sent" % (
        len(sent), len(kinds), sum(1 for x in kinds.values() if x == HV), sum(1 for x in kinds.values() if x == VM),
        len(expected) - len(unsent), len(expected)))
    return errors, notes
