#!/usr/bin/env python3
"""Every public header (*/include/zabitan/*/*.h) opens with what it is, a usage example that
compiles and links, and a thread-safety sentence (issue #19, item 4).

The opening is the header's first comment block (the // lines before the include guard). In it:
  - a sentence that mentions "thread" (thread-safe, thread-compatible, not thread-safe, ...);
  - a line "// Example:" followed by the example, every line indented under it:

        // Example:
        //   zabitan::Status s = zabitan::ReadSecretFile("/etc/zabitan/psk", &psk);
        //   if (!s.ok()) return 1;

The example is the body of a function returning int (a `return 0;` is added after it; a body
with co_await is a coroutine returning boost::asio::awaitable<int>); its #include lines go
before the function, and the header itself comes first, so it must stand on its own.

tests/headers/CMakeLists.txt builds the examples: one translation unit a header (written by
--emit, below), compiled with the build's flags and linked into one program a component
against that component's library (zabitan_<component>), whose main calls every example under a
condition never true at run time. A renamed function, a changed signature or a function only
declared (never defined) therefore fails the build of target zabitan_header_examples, which
this check runs; a compile error points at the header's own line (#line).

Headers that have no opening yet are listed in ALLOWLIST (tests/headers/allowlist.txt): the
check skips them, and fails once a listed header has its opening (take it off the list).

Usage:
  check_header_examples.py ROOT BUILD_DIR [--only HEADER...] [-- BUILD_TOOL_ARGS...]
      the check (unit.header_examples): openings, then builds zabitan_header_examples in
      BUILD_DIR (BUILD_TOOL_ARGS go to the build tool: -k 0 for Ninja) and runs the programs
  check_header_examples.py --emit ROOT HEADER OUT.cpp
      writes HEADER's translation unit (a build step of tests/headers/CMakeLists.txt)
"""
import glob
import os
import re
import subprocess
import sys


def function_name(header):
    """The external name of HEADER's example in its component's program."""
    return "ZabitanExample_" + re.sub(r"[^A-Za-z0-9]", "_", header)


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


def translation_unit(root, header, ex, out):
    """HEADER's example as a function ZabitanExample_<header>() the component's main calls.
    A header without an example still gets a unit: it must compile on its own."""
    public = header.split("/include/", 1)[1]
    name = function_name(header)
    if ex is None or not ex[1]:
        return '#include "%s"\n\nint %s() { return 0; }\n' % (public, name)
    start, body = ex
    includes = [l for l in body if l.startswith("#include")]
    coroutine = any("co_await" in l or "co_return" in l for l in body)
    first = start + 2  # line number in the header of the example's first line
    tu = ['#include "%s"' % public, "#include <utility>", *includes]
    if coroutine:
        tu += ["#include <boost/asio/awaitable.hpp>", "static boost::asio::awaitable<int> Example() {"]
    else:
        tu += ["static int Example() {"]
    tu.append('#line %d "%s"' % (first, os.path.join(root, header)))
    # An #include line of the example stays as a blank line, so #line keeps the header's numbers.
    tu += ["" if l.startswith("#include") else l for l in body]
    tu += ["  %s 0;" % ("co_return" if coroutine else "return"), "}"]
    tu.append('#line %d "%s"' % (len(tu) + 2, out))
    if coroutine:
        # Made, never run: a coroutine's body is compiled and linked all the same.
        tu.append("int %s() {\n  auto example = Example();\n  (void)example;\n  return 0;\n}" % name)
    else:
        tu.append("int %s() { return Example(); }" % name)
    return "\n".join(tu) + "\n"


if len(sys.argv) == 5 and sys.argv[1] == "--emit":
    root, header, out = sys.argv[2], sys.argv[3], sys.argv[4]
    source = translation_unit(root, header, example(opening(open(os.path.join(root, header)).read())), out)
    with open(out, "w") as f:
        f.write(source)
    sys.exit(0)

root, build = sys.argv[1], sys.argv[2]
rest = sys.argv[3:]
tool_args = rest[rest.index("--") + 1:] if "--" in rest else []
rest = rest[:rest.index("--")] if "--" in rest else rest
only = rest[rest.index("--only") + 1:] if "--only" in rest else None

allow_path = os.path.join(root, "tests", "headers", "allowlist.txt")
allowed = set()
for line in open(allow_path):
    line = line.split("#", 1)[0].strip()
    if line:
        allowed.add(line)

headers = sorted(os.path.relpath(p, root) for p in glob.glob(os.path.join(root, "*", "include", "zabitan", "*", "*.h")))


def problems_of(header):
    """What is missing from the opening; [] when it is complete."""
    lines = opening(open(os.path.join(root, header)).read())
    missing = []
    if not lines or not lines[0].strip():
        missing.append("no opening comment saying what it is")
    if not any(re.search(r"\bthread", l, re.I) for l in lines):
        missing.append("no thread-safety sentence")
    ex = example(lines)
    if ex is None or not ex[1]:
        missing.append('no "// Example:" block')
    return missing


failures, checked, skipped = [], [], []
for h in headers:
    if only and h not in only:
        continue
    missing = problems_of(h)
    if h in allowed:
        if not missing:
            failures.append("%s: has its opening now; take it off tests/headers/allowlist.txt" % h)
        else:
            skipped.append(h)
        continue
    if missing:
        failures.append("%s: %s (or list it in tests/headers/allowlist.txt)" % (h, "; ".join(missing)))
        continue
    checked.append(h)
for a in sorted(allowed - set(headers)):
    failures.append("%s: in tests/headers/allowlist.txt but no such public header" % a)

# Build every example (keep going past the first error, so that all broken ones are named).
r = subprocess.run(["cmake", "--build", build, "--target", "zabitan_header_examples", "--", *tool_args],
                   capture_output=True, text=True)
built = r.returncode == 0
if not built:
    sys.stderr.write(r.stdout + r.stderr)
    lines = (r.stdout + r.stderr).splitlines()
    errors = [l for l in lines if ": error:" in l or "undefined reference" in l or "ld returned" in l]
    named = set()
    for h in headers:
        # A compile error names the header (#line); a link error the example's function or unit.
        first = next((l for l in errors if os.path.join(root, h) + ":" in l or function_name(h) in l), None)
        if first:
            named.add(h)
            failures.append("%s: the example does not compile or link: %s" % (h, first.strip()))
    if not named:
        failures.append("target zabitan_header_examples does not build: %s" % (errors[0] if errors else lines[-1:]))
else:
    # The programs exist and do nothing: main calls the examples only under a never-true condition.
    for program in sorted(glob.glob(os.path.join(build, "tests", "headers", "zabitan_header_examples_*"))):
        if os.access(program, os.X_OK) and subprocess.run([program]).returncode != 0:
            failures.append("%s: exits non-zero" % program)

print("header examples: %d with their opening, %s; %d allow-listed without an opening yet"
      % (len(checked), "all compiled and linked" if built else "the build of the examples failed",
         len(skipped)))
for h in skipped:
    print("  not yet: " + h)
for f in failures:
    print("FAIL " + f)
sys.exit(1 if failures else 0)
