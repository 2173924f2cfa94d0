#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Redraws the reclamation-scheme figures and tables from raw records, without
# measuring anything (`make scheme-figures`; scripts/reproduce.sh calls it).
#
#   scripts/scheme-figures.sh [RESULTS]
#
# RESULTS: a results/schemes/<stamp>/ directory (scripts/run-scheme-matrix.sh);
# default the newest full run there, else the newest quick one.  Figures go
# to FIGDIR (default results/figures/: schemes-throughput, schemes-memory,
# schemes-stall, schemes-readside, PNG and SVG), the tables to
# RESULTS/tables.md, and into NOTES (a generated file with the scheme-*
# markers, e.g. results/schemes/tables.md) when NOTES is set.  Exit 1 when there are no results yet.
set -euo pipefail
cd "$(dirname "$0")/.."
dir=${1:-}
if [ -z "$dir" ]; then
    dir=$(ls -d results/schemes/*/ 2>/dev/null | grep -v -- '-quick/$' | sort | tail -n 1 || true)
    [ -n "$dir" ] || dir=$(ls -d results/schemes/*/ 2>/dev/null | sort | tail -n 1 || true)
fi
if [ -z "$dir" ]; then
    echo "scheme-figures: no results/schemes/<stamp>/ yet; \`make schemes\` (or QUICK=1) measures them" >&2
    exit 1
fi
dir=${dir%/}
PY=$(scripts/find-python.sh matplotlib)
figdir=${FIGDIR:-results/figures}
"$PY" scripts/plot_schemes.py "$dir" -o "$figdir"
"$PY" scripts/scheme_tables.py "$dir" --print >"$dir/tables.md"
if [ -n "${NOTES:-}" ] && [ "${NOTES}" != none ]; then
    "$PY" scripts/scheme_tables.py "$dir" --notes "$NOTES"
fi
echo "scheme-figures: from $dir: figures in $figdir, tables in $dir/tables.md${NOTES:+ and $NOTES}"
