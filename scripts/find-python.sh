#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Prints the path of a Python 3 interpreter that can import the given
# modules (default: matplotlib), for the plotting scripts.
#
#   scripts/find-python.sh [MODULE...]
#
# The first python3 on PATH is not always the interpreter that Debian's
# packages (python3-matplotlib) install into: a pyenv or virtualenv python3
# shadows /usr/bin/python3.  So: $PYTHON when set (and then only it: a
# PYTHON that cannot import the modules is an error, not silently replaced),
# else /usr/bin/python3, else python3 on PATH.  Exits 1 with one clear
# message when none can.
set -u
[ $# -eq 0 ] && set -- matplotlib
imports=$(printf 'import %s;' "$@")
try() {
    [ -n "$1" ] && command -v "$1" >/dev/null 2>&1 && "$1" -c "$imports" >/dev/null 2>&1
}
if [ -n "${PYTHON:-}" ]; then
    if try "$PYTHON"; then
        command -v "$PYTHON"
        exit 0
    fi
    echo "find-python: PYTHON=$PYTHON cannot import $* (is it a Python 3 with python3-matplotlib?)" >&2
    exit 1
fi
for p in /usr/bin/python3 python3; do
    if try "$p"; then
        command -v "$p"
        exit 0
    fi
done
echo "find-python: no Python 3 interpreter here can import $* (tried /usr/bin/python3 and python3 on PATH:" \
    "$(command -v python3 || echo none)); install it with \`scripts/install-deps.sh plot\`" \
    "(Debian: python3-matplotlib), or name one with PYTHON=/path/to/python3" >&2
exit 1
