#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Every mutant (tests/mutants/*.mut) and seeded bug of the model check
# (tests/model/seeded/*.mut) still applies: its `old` block occurs exactly
# once in its file.  Cheap (no build); run it after any change to lib/.
set -u
cd "$(dirname "$0")/.." || exit 2
python=$(command -v python3 || echo /usr/bin/python3)
"$python" - tests/mutants/*.mut tests/model/seeded/*.mut <<'PY'
import sys
bad = 0
for mut in sys.argv[1:]:
    target, old, part = None, [], None
    for line in open(mut):
        if part is None and line.startswith("file:"):
            target = line.split(":", 1)[1].strip()
        elif line.rstrip("\n") == "--- old":
            part = old
        elif line.rstrip("\n") == "--- new":
            part = []
        elif part is not None:
            part.append(line)
    n = open(target).read().count("".join(old))
    if n != 1:
        print(f"{mut}: old block occurs {n} times in {target}")
        bad += 1
print(f"mutants: {len(sys.argv) - 1} checked, {bad} do not apply")
sys.exit(1 if bad else 0)
PY
