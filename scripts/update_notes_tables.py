#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Regenerates the harness tables (results/harness/tables.md) from raw
lfbench records.

    scripts/update_notes_tables.py RESULTS [--notes FILE] [--print]

RESULTS is a results directory (runs.jsonl, and microbench.json when the run
had one; scripts/reproduce.sh writes both) or a runs.jsonl file.  Each table
lives in FILE (default results/harness/tables.md, a generated file that the
prose links to) between two marker lines:

    <!-- BEGIN harness-table -->      workload x map: throughput and p99
    <!-- END harness-table -->
    <!-- BEGIN harness-memory -->     bytes per key and RSS per map
    <!-- BEGIN harness-claims -->     the numbers behind each claim of the brief
    <!-- BEGIN microbench-table -->   Google Benchmark per-operation costs

Exactly the lines between each BEGIN and its END are replaced; the rest of
the file is left byte for byte.  Every marker pair must be present once, in
order, each marker alone on its line: otherwise nothing is written and the
script says which marker is wrong (exit 1; 2 for bad input records).
Prose files (paper-notes.md, any README.md) are refused: tables are
generated into files of their own, never into text written by hand.
--print writes the regions to stdout instead of FILE.  Standard library only.
"""
import argparse
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import lfbench_records as lr  # noqa: E402

REGIONS = ["harness-table", "harness-memory", "harness-claims", "microbench-table"]
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DEFAULT_TABLES = os.path.join(ROOT, "results", "harness", "tables.md")
# Files written by hand, which no generator may rewrite.
PROSE = ("paper-notes.md", "README.md")


class MarkerError(Exception):
    pass


def generate(results):
    runs = lr.load([results])
    source = lr.rel(runs.files[0])
    out = {
        "harness-table": lr.tables_all(runs, source),
        "harness-memory": lr.table_memory(runs),
        "harness-claims": lr.table_claims(runs),
    }
    mb = os.path.join(results, "microbench.json") if os.path.isdir(results) else None
    if mb and os.path.isfile(mb):
        out["microbench-table"] = lr.table_microbench(mb, lr.rel(mb))
    else:
        out["microbench-table"] = "Not measured in `%s` (no microbench.json)." % source
    return out


def replace_regions(text, regions, path="notes"):
    """Returns text with each region's body replaced; raises MarkerError."""
    lines = text.split("\n")
    for name in regions:
        begin, end = "<!-- BEGIN %s -->" % name, "<!-- END %s -->" % name
        bi = [i for i, l in enumerate(lines) if l.strip() == begin]
        ei = [i for i, l in enumerate(lines) if l.strip() == end]
        inline = [i for i, l in enumerate(lines) if (begin in l or end in l) and l.strip() not in (begin, end)]
        if inline:
            raise MarkerError("%s:%d: marker for '%s' must be alone on its line" % (path, inline[0] + 1, name))
        if not bi or not ei:
            raise MarkerError("%s: marker '%s' not found; put the two lines\n    %s\n    %s\n"
                              "where the table belongs" % (path, begin if not bi else end, begin, end))
        if len(bi) > 1 or len(ei) > 1:
            raise MarkerError("%s: marker pair for '%s' appears more than once (lines %s)"
                              % (path, name, ", ".join(str(i + 1) for i in bi + ei)))
        if ei[0] < bi[0]:
            raise MarkerError("%s:%d: '%s' comes before its BEGIN (line %d)" % (path, ei[0] + 1, end, bi[0] + 1))
        body = regions[name].rstrip("\n").split("\n")
        lines = lines[:bi[0] + 1] + body + lines[ei[0]:]
    return "\n".join(lines)


def write_regions(tool, notes, regions, source):
    """Replaces the marked regions of the generated file notes with regions,
    atomically; prints what happened.  0, or 1 on a prose file, an
    unreadable file or bad markers.  Shared by every table generator."""
    if os.path.basename(notes) in PROSE:
        print("%s: %s: refusing to rewrite a prose file; tables go to a generated file "
              "(results/<study>/tables.md) that the prose links to" % (tool, notes), file=sys.stderr)
        return 1
    try:
        with open(notes, encoding="utf-8") as f:
            text = f.read()
    except OSError as e:
        print("%s: %s: cannot read: %s" % (tool, notes, e.strerror), file=sys.stderr)
        return 1
    try:
        new = replace_regions(text, regions, notes)
    except MarkerError as e:
        print("%s: %s" % (tool, e), file=sys.stderr)
        return 1
    if new != text:
        tmp = notes + ".tmp"
        with open(tmp, "w", encoding="utf-8") as f:
            f.write(new)
        os.replace(tmp, notes)
    print("%s: %s: %d table regions %s from %s" % (
        tool, notes, len(regions), "updated" if new != text else "already current", source))
    return 0


def regions_cli(tool, results_help, generate_regions, names, input_error, default):
    """The command line of a tool that rewrites marked regions of its
    generated tables file (default): generate_regions(results) -> {name:
    text}; --print shows them instead."""
    ap = argparse.ArgumentParser(description=sys.modules["__main__"].__doc__.split("\n")[0])
    ap.add_argument("results", help=results_help)
    ap.add_argument("--notes", default=default,
                    help="generated file with the markers (default %s)" % os.path.relpath(default, ROOT))
    ap.add_argument("--print", action="store_true", help="print the regions instead of writing")
    a = ap.parse_args()
    try:
        regions = generate_regions(a.results)
    except input_error as e:
        print("%s: %s" % (tool, e), file=sys.stderr)
        return 2
    if a.print:
        for name in names:
            print("<!-- BEGIN %s -->\n%s\n<!-- END %s -->" % (name, regions[name], name))
        return 0
    return write_regions(tool, a.notes, {n: regions[n] for n in names}, a.results)


def main():
    return regions_cli("update_notes_tables", "results directory (runs.jsonl) or runs.jsonl", generate, REGIONS,
                       lr.InputError, DEFAULT_TABLES)


if __name__ == "__main__":
    sys.exit(main())
