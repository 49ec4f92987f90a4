#!/usr/bin/env python3
"""Every public header (*/include/zabitan/*/*.h) opens with what it is, a usage example that
compiles, and a thread-safety sentence (issue #19, item 4).

The opening is the header's first comment block (the // lines before the include guard). In it:
  - a sentence that mentions "thread" (thread-safe, thread-compatible, not thread-safe, ...);
  - a line "// Example:" followed by the example, every line indented under it:

        // Example:
        //   zabitan::Status s = zabitan::ReadSecretFile("/etc/zabitan/psk", &psk);
        //   if (!s.ok()) return 1;

The example is the body of a function returning int (a `return 0;` is added after it; a body
with co_await is a coroutine returning boost::asio::awaitable<int>); its #include lines go
before the function. It is compiled (-fsyntax-only) with the header included first, against
every component's include/ folder, so a renamed function or a changed signature fails here.

Headers that have no opening yet are listed in ALLOWLIST (tests/headers/allowlist.txt): the
check skips them, and fails once a listed header has its opening (take it off the list).

Usage: check_header_examples.py ROOT CXX WORKDIR [--only HEADER...]
"""
import concurrent.futures
import glob
import os
import re
import subprocess
import sys

root, cxx, work = sys.argv[1], sys.argv[2], sys.argv[3]
only = sys.argv[sys.argv.index("--only") + 1:] if "--only" in sys.argv else None
os.makedirs(work, exist_ok=True)

allow_path = os.path.join(root, "tests", "headers", "allowlist.txt")
allowed = set()
for line in open(allow_path):
    line = line.split("#", 1)[0].strip()
    if line:
        allowed.add(line)

headers = sorted(os.path.relpath(p, root) for p in glob.glob(os.path.join(root, "*", "include", "zabitan", "*", "*.h")))
include_dirs = sorted({os.path.join(root, h.split("/include/")[0], "include") for h in headers})


def opening(text):
    """The leading // comment block, as lines without the //."""
    out = []
    for line in text.splitlines():
        if not line.startswith("//"):
            break
        out.append(line[2:])
    return out


def example(lines):
    """The lines under "Example:", dedented; None without the marker."""
    try:
        start = next(i for i, l in enumerate(lines) if l.strip() == "Example:")
    except StopIteration:
        return None
    body = []
    for l in lines[start + 1:]:
        if l.strip() and not l.startswith("  "):
            break  # back to prose
        body.append(l)
    while body and not body[-1].strip():
        body.pop()
    indent = min((len(l) - len(l.lstrip()) for l in body if l.strip()), default=0)
    return start, [l[indent:] for l in body]


def problems_of(header):
    """What is missing from the opening; [] when it is complete. Also writes the example's TU."""
    text = open(os.path.join(root, header)).read()
    lines = opening(text)
    missing = []
    if not lines or not lines[0].strip():
        missing.append("no opening comment saying what it is")
    if not any(re.search(r"\bthread", l, re.I) for l in lines):
        missing.append("no thread-safety sentence")
    ex = example(lines)
    if ex is None or not ex[1]:
        missing.append('no "// Example:" block')
    return missing, ex


def translation_unit(header, ex):
    start, body = ex
    includes = [l for l in body if l.startswith("#include")]
    coroutine = any("co_await" in l or "co_return" in l for l in body)
    public = header.split("/include/", 1)[1]
    first = start + 2  # line number in the header of the example's first line
    tu = ['#include "%s"' % public, "#include <utility>", *includes]
    if coroutine:
        tu += ["#include <boost/asio/awaitable.hpp>", "[[maybe_unused]] boost::asio::awaitable<int> Example() {"]
    else:
        tu += ["[[maybe_unused]] static int Example() {"]
    tu.append('#line %d "%s"' % (first, os.path.join(root, header)))
    # An #include line of the example stays as a blank line, so #line keeps the header's numbers.
    tu += ["" if l.startswith("#include") else l for l in body]
    tu += ["  %s 0;" % ("co_return" if coroutine else "return"), "}"]
    return "\n".join(tu) + "\n"


def compile_tu(header, source):
    path = os.path.join(work, header.replace("/", "_") + ".cpp")
    with open(path, "w") as f:
        f.write(source)
    cmd = [cxx, "-std=c++20", "-fsyntax-only", "-Wall", "-Wextra", "-Wno-unused", "-Wno-unused-parameter"]
    cmd += ["-I" + d for d in include_dirs] + [path]
    r = subprocess.run(cmd, capture_output=True, text=True)
    return r.returncode, r.stderr


failures, checked, skipped = [], [], []
jobs = {}
with concurrent.futures.ThreadPoolExecutor(max_workers=2) as pool:
    for h in headers:
        if only and h not in only:
            continue
        missing, ex = problems_of(h)
        if h in allowed:
            if not missing:
                failures.append("%s: has its opening now; take it off tests/headers/allowlist.txt" % h)
            else:
                skipped.append(h)
            continue
        if missing:
            failures.append("%s: %s (or list it in tests/headers/allowlist.txt)" % (h, "; ".join(missing)))
            continue
        jobs[h] = pool.submit(compile_tu, h, translation_unit(h, ex))
    for h, job in jobs.items():
        code, err = job.result()
        if code != 0:
            first = next((l for l in err.splitlines() if ": error:" in l), err.strip()[:300])
            failures.append("%s: the example does not compile: %s" % (h, first))
            sys.stderr.write(err)
        else:
            checked.append(h)

for a in sorted(allowed - set(headers)):
    failures.append("%s: in tests/headers/allowlist.txt but no such public header" % a)
print("header examples: %d compiled, %d allow-listed without an opening yet" % (len(checked), len(skipped)))
for h in skipped:
    print("  not yet: " + h)
for f in failures:
    print("FAIL " + f)
sys.exit(1 if failures else 0)
