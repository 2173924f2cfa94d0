#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# lfmap-suite: full (not in the library suite of make tsan / make perturb: tests/run.sh)
# Every source file (.c .h .cc .cpp .hpp .def .py .sh .mk .go, Makefile, .ci/run) names its
# license in an SPDX-License-Identifier line among its first three lines (a
# shebang may come first), and LICENSE is there.
set -u
cd "$(dirname "$0")/../.." || exit 2
[ -f LICENSE ] || { echo "FAIL: no LICENSE file"; exit 1; }
if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
    files=$(git ls-files --cached --others --exclude-standard)
else
    files=$(find . -path ./build -prune -o -type f -print | sed 's|^\./||')
fi
missing=$(grep -E '\.(c|h|cc|cpp|hpp|def|py|sh|mk|go)$|(^|/)Makefile$|^\.ci/run$' <<<"$files" | while read -r f; do
    [ -f "$f" ] || continue
    head -n 3 "$f" | grep -q 'SPDX-License-Identifier: ' || echo "$f"
done)
if [ -n "$missing" ]; then
    echo "FAIL: no SPDX-License-Identifier line in:"
    echo "$missing" | sed 's/^/    /'
    exit 1
fi
echo "ok: $(grep -cE '\.(c|h|cc|cpp|hpp|def|py|sh|mk|go)$|(^|/)Makefile$|^\.ci/run$' <<<"$files") source files carry an SPDX line"
