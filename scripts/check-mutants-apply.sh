#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Every mutant (tests/mutants/*.mut) and seeded bug of the model check
# (tests/model/seeded/*.mut) still applies: its `old` block occurs exactly
# once in its file, and the mutated file still compiles (cc -fsyntax-only,
# with the flags of a test build), so that a mutant outlived by a signature
# change is reported here rather than as "does not build" by make mutants
# or make modelcheck-seeded.  Cheap (no link); run it after any change to lib/.
set -u
cd "$(dirname "$0")/.." || exit 2
python=$(command -v python3 || echo /usr/bin/python3)
cc=${CC:-cc}
"$python" - "$cc" tests/mutants/*.mut tests/model/seeded/*.mut <<'PY'
import os, subprocess, sys, tempfile
sys.path.insert(0, "scripts")
from mutfile import mutated
cc = sys.argv[1]
bad = 0
muts = sys.argv[2:]
for mut in muts:
    try:
        target, text = mutated(mut)
    except (OSError, ValueError) as e:
        print(e)
        bad += 1
        continue
    if not target.endswith(".c"):
        continue
    # Compiled next to the original, so that its includes resolve the same.
    fd, path = tempfile.mkstemp(suffix=".c", prefix=".mutant-", dir=os.path.dirname(target))
    try:
        with os.fdopen(fd, "w") as f:
            f.write(text)
        r = subprocess.run([cc, "-std=c11", "-D_GNU_SOURCE", "-DLFMAP_ASSERTIONS", "-DLFMAP_PERTURB",
                            "-Wall", "-Wextra", "-Werror", "-Wno-unused-function", "-Wno-unused-variable",
                            "-Wno-unused-but-set-variable", "-Wno-unused-parameter",
                            "-Ilib", "-Ircu", "-fsyntax-only", path],
                           capture_output=True, text=True)
        if r.returncode != 0:
            print(f"{mut}: the mutated {target} does not compile:\n{r.stderr.strip()[:800]}")
            bad += 1
    finally:
        os.unlink(path)
print(f"mutants: {len(muts)} checked, {bad} do not apply or do not compile")
sys.exit(1 if bad else 0)
PY
