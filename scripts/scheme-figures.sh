#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Redraws the reclamation-scheme figures and tables from raw records, without
# measuring anything (`make scheme-figures`; scripts/reproduce.sh calls it).
#
#   scripts/scheme-figures.sh [RESULTS]
#
# RESULTS: a results/schemes/<stamp>/ directory (scripts/run-scheme-matrix.sh);
# default the most recently recorded complete full run there (by the
# records' dates and parts, not the names), else the newest complete quick
# one, else the newest of any kind.  Figures go to FIGDIR (default
# results/schemes/figures/: schemes-throughput, schemes-memory, schemes-stall,
# schemes-readside, PNG and SVG), the tables to TABLES (default
# RESULTS/tables.md), and into NOTES (a generated file with the scheme-*
# markers, e.g. results/schemes/tables.md) when NOTES is set.  Exit 1 when
# there are no results yet.
set -euo pipefail
cd "$(dirname "$0")/.."
dir=${1:-}
if [ -z "$dir" ]; then
    # The most recently recorded complete full run, by its records' dates and
    # parts (scripts/scheme_records.py, run_summary), never by name order.
    dir=$(python3 scripts/scheme_records.py --newest results/schemes 2>/dev/null || true)
fi
if [ -z "$dir" ]; then
    echo "scheme-figures: no results/schemes/<stamp>/ yet; \`make schemes\` (or QUICK=1) measures them" >&2
    exit 1
fi
dir=${dir%/}
PY=$(scripts/find-python.sh matplotlib)
figdir=${FIGDIR:-results/schemes/figures}
"$PY" scripts/plot_schemes.py "$dir" -o "$figdir"
tables=${TABLES:-$dir/tables.md}
"$PY" scripts/scheme_tables.py "$dir" --print >"$tables"
if [ -n "${NOTES:-}" ] && [ "${NOTES}" != none ]; then
    "$PY" scripts/scheme_tables.py "$dir" --notes "$NOTES"
fi
echo "scheme-figures: from $dir: figures in $figdir, tables in $tables${NOTES:+ and $NOTES}"
