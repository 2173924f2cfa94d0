#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Every example of examples/ runs, briefly, and reports success on its own
# checks: the session store (4 threads, heap values, every session freed
# once), the cache with expiry (only right answers, expired entries swept,
# every entry freed), the plugin loaded, run and unloaded by a host that
# does not link lfmap (tests/packaging/plugin_unload.sh also runs it under ASan), and
# the Python ctypes word count against build's liblfmap.so (Debian's
# /usr/bin/python3; not in sanitizer trees, whose library needs the
# sanitizer runtime in the interpreter).  The programs are built by `make
# tests` (make test).  Needs BUILD.
set -u
BUILD=${BUILD:-build}
cd "$(dirname "$0")/../.." || exit 2
fail=0
ran=()
run() { # name, expected text, command...
    local name=$1 want=$2 out rc
    shift 2
    out=$("$@" 2>&1)
    rc=$?
    if [ $rc -ne 0 ] || ! grep -qF -- "$want" <<<"$out"; then
        echo "FAIL: $name: exit $rc, output without '$want':"
        sed 's/^/    | /' <<<"$out"
        fail=1
    fi
    ran+=("$name")
}
for bin in examples/session_store examples/cache examples/plugin/host examples/plugin/plugin.so; do
    [ -e "$BUILD/$bin" ] || { echo "FAIL: $BUILD/$bin not built (make tests)"; exit 1; }
done
run session_store "sessions created" "$BUILD/examples/session_store" 20000
run cache "entries allocated" "$BUILD/examples/cache" 200
run plugin "2 load/run/unload cycles" "$BUILD/examples/plugin/host" "$BUILD/examples/plugin/plugin.so" 2
case "$BUILD" in
*tsan* | *asan*) echo "word_count.py: not in a sanitizer tree" ;;
*)
    if [ -x /usr/bin/python3 ]; then
        run word_count.py "distinct, from 4 threads" /usr/bin/python3 examples/word_count.py "$BUILD/liblfmap.so.0"
    else
        [ $fail -eq 0 ] || exit 1
        echo "skipped: word_count.py: /usr/bin/python3 missing (scripts/install-deps.sh test installs it)"
        exit 78
    fi
    ;;
esac
[ $fail -eq 0 ] || exit 1
echo "ok: ${ran[*]}"
