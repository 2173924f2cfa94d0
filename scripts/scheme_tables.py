#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Regenerates the reclamation-scheme tables (results/schemes/tables.md) from
a results/schemes/<stamp>/ directory (scripts/run-scheme-matrix.sh).

    scripts/scheme_tables.py RESULTS [--notes FILE] [--print]

Each table lives in FILE (default results/schemes/tables.md, a generated
file that the prose links to) between two marker lines,
as scripts/update_notes_tables.py's do:

    <!-- BEGIN scheme-throughput -->   Mops/s per scheme: steady, churn, pointer values
    <!-- END scheme-throughput -->
    <!-- BEGIN scheme-memory -->       peak retired bytes/values, RSS growth, resizes
    <!-- BEGIN scheme-stall -->        the stalled reader, per scheme
    <!-- BEGIN scheme-readside -->     ns per get per scheme and the 2 ns target

Exactly the lines between each BEGIN and its END are replaced; a missing,
duplicated, misordered or inline marker writes nothing (exit 1); bad records
exit 2; prose files are refused.  --print writes the regions to stdout instead.  Standard library only.
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import scheme_records as sr  # noqa: E402
from update_notes_tables import ROOT, regions_cli  # noqa: E402

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
    return regions_cli("scheme_tables", "results/schemes/<stamp>/ directory", generate, REGIONS, sr.InputError,
                       os.path.join(ROOT, "results", "schemes", "tables.md"))


if __name__ == "__main__":
    sys.exit(main())
