#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# lfmap-suite: full (documentation: the same in every build tree; tests/run.sh)
# tests/INDEX.md lists exactly the tests of the tree, by group, each with the
# first sentence of its header comment (scripts/tests_index.py --check), and
# no test sits outside a group directory: a test added, moved or renamed
# without `scripts/tests_index.py` fails here.
set -u
cd "$(dirname "$0")/../.." || exit 2
command -v python3 >/dev/null || { echo "skipped: python3 not found"; exit 78; }
python3 scripts/tests_index.py --check
