#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Python ctypes loads the installed shared library by its SONAME and uses it
# from three threads (tests/packaging/abi/dlopen_ctypes.py).  Uses
# Debian's /usr/bin/python3 (scripts/install-deps.sh test); skips with 78 (a
# failure under CI) when it is missing.  Needs BUILD and CC.
set -u
. "$(dirname "$0")/../support/stage.sh"
py=/usr/bin/python3
if ! [ -x "$py" ]; then
    echo "skipped: $py missing (scripts/install-deps.sh test installs it)"
    exit 78
fi
stage_install
out=$(LD_LIBRARY_PATH="$libdir" "$py" tests/packaging/abi/dlopen_ctypes.py "$soname" 2>&1) || die "$out"
echo "ok: $out"
