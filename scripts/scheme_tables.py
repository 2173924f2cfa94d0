#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Regenerates the reclamation-scheme tables of paper-notes.md from a
results/schemes/<stamp>/ directory (scripts/run-scheme-matrix.sh).

    scripts/scheme_tables.py RESULTS [--notes FILE] [--print]

Each table lives in FILE (default paper-notes.md) between two marker lines,
as scripts/update_notes_tables.py's do:

    <!-- BEGIN scheme-throughput -->   Mops/s per scheme: steady, churn, pointer values
    <!-- END scheme-throughput -->
    <!-- BEGIN scheme-memory -->       peak retired bytes/values, RSS growth, resizes
    <!-- BEGIN scheme-stall -->        the stalled reader, per scheme
    <!-- BEGIN scheme-readside -->     ns per get per scheme and the 2 ns target

Exactly the lines between each BEGIN and its END are replaced; a missing,
duplicated, misordered or inline marker writes nothing (exit 1); bad records
exit 2.  --print writes the regions to stdout instead.  Standard library only.
"""
import argparse
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import scheme_records as sr  # noqa: E402
from update_notes_tables import write_regions  # noqa: E402

REGIONS = ["scheme-throughput", "scheme-memory", "scheme-stall", "scheme-readside"]


def generate(results):
    res = sr.load(results)
    return {
        "scheme-throughput": sr.table_throughput(res),
        "scheme-memory": sr.table_memory(res),
        "scheme-stall": sr.table_stall(res),
        "scheme-readside": sr.table_readside(res),
    }


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("results", help="results/schemes/<stamp>/ directory")
    ap.add_argument("--notes", default=None, help="file with the markers (default paper-notes.md)")
    ap.add_argument("--print", action="store_true", help="print the regions instead of writing")
    a = ap.parse_args()
    try:
        regions = generate(a.results)
    except sr.InputError as e:
        print("scheme_tables: %s" % e, file=sys.stderr)
        return 2
    if a.print:
        for name in REGIONS:
            print("<!-- BEGIN %s -->\n%s\n<!-- END %s -->" % (name, regions[name], name))
        return 0
    return write_regions("scheme_tables", a.notes, {n: regions[n] for n in REGIONS}, a.results)


if __name__ == "__main__":
    sys.exit(main())
