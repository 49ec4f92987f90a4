"""Reads Zabbix YAML exports with the standard library only (tests/zabbix-templates/).

Zabbix writes a small, regular subset of YAML, and zabbix-templates/*.yaml are Zabbix 6.0's own
exports of what they import: block mappings, lists with `-` alone on a line (a mapping follows,
indented), `- key: value` (7.0: the mapping's first key on the dash's line) or `- scalar`, plain or single-quoted scalars ('' is a quote), `|` literal blocks (also as list items), quoted keys ('y'), and
`#` comment lines. Every scalar is a string, as Zabbix reads them. Anything outside this subset is
an error naming file and line, never a silent misreading. When PyYAML is installed,
`load(path, cross_check=True)` also compares the result with PyYAML's.
"""
import json
import re

_KEY = re.compile(r"^([A-Za-z0-9_]+|'[A-Za-z0-9_]+'):(?: (.*))?$")


class YamlError(Exception):
    pass


def _indent(line):
    return len(line) - len(line.lstrip(" "))


class _Parser:
    def __init__(self, text, name):
        self.lines = text.split("\n")
        self.name = name
        self.i = 0

    def err(self, msg, i=None):
        return YamlError("%s:%d: %s" % (self.name, (self.i if i is None else i) + 1, msg))

    def skip(self):
        while self.i < len(self.lines):
            s = self.lines[self.i].strip()
            if s and not s.startswith("#"):
                return True
            self.i += 1
        return False

    def scalar(self, s):
        if s.startswith("'"):
            if len(s) < 2 or not s.endswith("'") or "'" in s[1:-1].replace("''", ""):
                raise self.err("bad single-quoted scalar %r" % s)
            return s[1:-1].replace("''", "'")
        if s.startswith('"'):
            try:
                return json.loads(s)
            except ValueError:
                raise self.err("double-quoted scalar outside the JSON subset: %r" % s) from None
        if s[:1] in ("&", "*", "!", "[", "{", ">", "|", "%", "@", "`") or " #" in s or s.endswith(":"):
            raise self.err("plain scalar outside the subset Zabbix writes: %r" % s)
        return s

    def node(self, ind):
        """The block (mapping or list) whose lines start at column `ind`."""
        line = self.lines[self.i]
        c = line.strip()
        if c == "-" or c.startswith("- "):
            return self.seq(ind)
        return self.mapping(ind)

    def block(self, ind, keep):
        start = self.i
        body = []
        while self.i < len(self.lines):
            line = self.lines[self.i]
            if line.strip() and _indent(line) <= ind:
                break
            body.append(line)
            self.i += 1
        while body and not body[-1].strip():
            body.pop()
        if not body:
            raise self.err("empty literal block", start - 1)
        bi = min(_indent(b) for b in body if b.strip())
        text = "\n".join(b[bi:] for b in body)
        return text + "\n" if keep else text

    def mapping(self, ind):
        d = {}
        while self.skip():
            line = self.lines[self.i]
            li = _indent(line)
            if li < ind:
                break
            if li > ind:
                raise self.err("unexpected indentation")
            m = _KEY.match(line[li:])
            if not m:
                raise self.err("expected 'key: value' at this indentation")
            key, rest = m.group(1).strip("'"), m.group(2)
            if key in d:
                raise self.err("duplicate key %r" % key)
            self.i += 1
            if rest is None:
                if self.skip() and _indent(self.lines[self.i]) > ind:
                    d[key] = self.node(_indent(self.lines[self.i]))
                else:
                    d[key] = ""
            elif rest in ("|", "|-"):
                d[key] = self.block(ind, rest == "|")
            else:
                d[key] = self.scalar(rest.strip())
        return d

    def seq(self, ind):
        out = []
        while self.skip():
            line = self.lines[self.i]
            li = _indent(line)
            if li < ind:
                break
            c = line.strip()
            if li > ind or not (c == "-" or c.startswith("- ")):
                raise self.err("expected a list item '-' at this indentation")
            if _KEY.match(c[2:]):
                # "- key: value" (7.0's exports): a mapping whose first key shares the dash's
                # line, its keys at the column after "- ".
                self.lines[self.i] = " " * (ind + 2) + c[2:]
                out.append(self.mapping(ind + 2))
                continue
            self.i += 1
            if c == "-":
                if not self.skip() or _indent(self.lines[self.i]) <= ind:
                    raise self.err("'-' without an indented mapping after it")
                out.append(self.node(_indent(self.lines[self.i])))
            elif c[2:].strip() in ("|", "|-"):
                out.append(self.block(ind, c[2:].strip() == "|"))
            else:
                out.append(self.scalar(c[2:].strip()))
        return out


def loads(text, name="<yaml>"):
    p = _Parser(text, name)
    if not p.skip():
        raise YamlError("%s: empty document" % name)
    if _indent(p.lines[p.i]) != 0:
        raise p.err("the document must start at column 0")
    doc = p.node(0)
    if p.skip():
        raise p.err("unexpected text after the document")
    return doc


def _stringify(o):
    if isinstance(o, dict):
        return {str(k): _stringify(v) for k, v in o.items()}
    if isinstance(o, list):
        return [_stringify(v) for v in o]
    return "" if o is None else str(o)


def load(path, cross_check=True):
    with open(path, encoding="utf-8") as f:
        text = f.read()
    doc = loads(text, path)
    if cross_check:
        try:
            import yaml  # Debian's python3-yaml, optional
        except ImportError:
            return doc
        other = _stringify(yaml.safe_load(text))
        if other != doc:
            raise YamlError("%s: the stdlib reader and PyYAML disagree on this file" % path)
    return doc
