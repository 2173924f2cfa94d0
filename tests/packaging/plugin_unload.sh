#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# A host that does not link lfmap loads a plugin that does (examples/plugin/:
# the plugin links $BUILD/liblfmap.so), runs it and unloads it, three cycles,
# twice, under AddressSanitizer (ThreadSanitizer in a tsan tree).  The
# plugin's threads retire tables and values, so liburcu starts its call_rcu
# thread; before liblfmap.so was built with -z nodelete the first dlclose()
# unmapped liblfmap and liburcu-memb under that running thread and the host
# died with SIGSEGV at an unmapped address (every run under ASan, 4 in 6
# without).  Now the host must exit 0 with no sanitizer report, and every
# value must have been freed (the plugin checks).  Needs BUILD and CC.
set -u
. "$(dirname "$0")/../support/shell_test.sh"
[ -e "$build_abs/liblfmap.so" ] || die "$BUILD/liblfmap.so not built (make lib)"
case "$BUILD" in
*tsan*) san=-fsanitize=thread ;;
*) san="-fsanitize=address -fno-omit-frame-pointer" ;;
esac
if ! echo 'int main(void){return 0;}' | $CC $san -x c - -o "$tmp/probe" 2>/dev/null; then
    echo "skipped: $CC cannot build with $san"
    exit 78
fi
flags="-std=c11 -D_GNU_SOURCE -g -O1 $san"
# shellcheck disable=SC2086 # $flags is a list of words on purpose
$CC $flags -o "$tmp/host" examples/plugin/host.c -ldl || die "cannot build examples/plugin/host.c"
# shellcheck disable=SC2086
$CC $flags -fPIC -shared -fvisibility=hidden -Ilib -o "$tmp/plugin.so" examples/plugin/plugin.c \
    -L"$build_abs" -Wl,-rpath,"$build_abs" -llfmap -lpthread || die "cannot build examples/plugin/plugin.c"
if readelf -d "$tmp/host" | grep -q -e 'liblfmap' -e 'liburcu'; then
    die "the host links lfmap or liburcu itself"
fi
for run in 1 2; do
    out=$("$tmp/host" "$tmp/plugin.so" 3 2>&1)
    rc=$?
    [ $rc -eq 0 ] || die "run $run: the host exited $rc: $(printf '%s\n' "$out" | grep -m 3 -e ERROR -e SEGV -e failed -e dl)"
done
echo "ok: $out (twice, $san)"
