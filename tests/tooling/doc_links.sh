#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# lfmap-suite: full (documentation: the same in every build tree; tests/run.sh)
# The documentation is true about the tree: in every tracked Markdown file,
# every relative link names a file that exists and, with a #anchor into a
# Markdown file, a heading of it (GitHub's slugs); and every path of the
# source tree it mentions (lib/..., rcu/..., tests/..., scripts/...,
# experiments/..., examples/..., man/..., packaging/...) exists, or begins
# a tracked file's path (tests/support/lincheck for lincheck.c and
# lincheck.h).  Placeholders in capitals (rcu/scheme_NAME.c, tests/GROUP/)
# and globs are not paths.  It failed when tests/ moved into groups and a
# README still named tests/unit_api.c.
set -u
cd "$(dirname "$0")/../.." || exit 2
command -v python3 >/dev/null || { echo "skipped: python3 not found"; exit 78; }
command -v git >/dev/null && git rev-parse --git-dir >/dev/null 2>&1 ||
    { echo "skipped: not a git checkout (the check reads the tracked files)"; exit 77; }
git ls-files -z '*.md' | python3 -c '
import os, re, subprocess, sys

tracked = subprocess.check_output(["git", "ls-files"]).decode().split("\n")
tracked_set = set(tracked)
dirs = {os.path.dirname(p) for p in tracked}
while True:
    more = {os.path.dirname(d) for d in dirs} - dirs
    if not more:
        break
    dirs |= more

def slug(heading):
    s = heading.strip().lower()
    s = re.sub(r"[^\w\- ]", "", s)
    return s.replace(" ", "-")

anchor_cache = {}
def anchors(path):
    if path not in anchor_cache:
        out, seen, fenced = set(), {}, False
        for line in open(path, encoding="utf-8"):
            if line.startswith("```"):
                fenced = not fenced
            if fenced:
                continue
            m = re.match(r"^(#{1,6})\s+(.*?)\s*#*\s*$", line)
            if m:
                s = slug(m.group(2))
                n = seen.get(s, 0)
                seen[s] = n + 1
                out.add(s if n == 0 else "%s-%d" % (s, n))
        anchor_cache[path] = out
    return anchor_cache[path]

def exists(p):
    p = p.rstrip("/")
    return p in tracked_set or p in dirs or any(t.startswith(p) for t in tracked)

PATH = re.compile(r"(?<![\w./$-])((?:lib|rcu|tests|scripts|experiments|examples|man|packaging)/[\w./-]*\w/?)")
bad = 0
for f in sys.stdin.read().split("\0"):
    if not f:
        continue
    text = open(f, encoding="utf-8").read()
    for m in re.finditer(r"\]\(([^)\s]+)\)", re.sub(r"`[^`\n]*`", "", text)):
        target = m.group(1)
        if re.match(r"^[a-z]+:", target):
            continue
        p, _, a = target.partition("#")
        path = os.path.normpath(os.path.join(os.path.dirname(f), p)) if p else f
        if not os.path.exists(path):
            print("%s: link to a missing file: %s" % (f, target)); bad += 1
        elif a and path.endswith(".md") and a not in anchors(path):
            print("%s: link to a missing heading: %s" % (f, target)); bad += 1
    # Link targets were checked above (relative to their file): not here.
    for n, line in enumerate(re.sub(r"\]\([^)\s]+\)", "]()", text).split("\n"), 1):
        for m in PATH.finditer(line):
            p = m.group(1)
            if re.search(r"[A-Z]{3,}", p) or "*" in line[m.end():m.end() + 1]:
                continue
            if not exists(p):
                print("%s:%d: names %s, which is not in the tree" % (f, n, p)); bad += 1
if bad:
    print("FAIL: %d stale reference(s) in the documentation" % bad)
    sys.exit(1)
print("ok: every relative link and every source path the Markdown files name exists")
'
