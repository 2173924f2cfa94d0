#!/usr/bin/env bash
# `make install` gives a usable package: a program that includes <lfmap.h>
# and links through pkg-config builds and runs against the shared library
# and, with --static, against the static one.  Needs BUILD and CC.
set -u
BUILD=${BUILD:-build}
CC=${CC:-cc}
case "$BUILD" in
*tsan* | *asan*)
    echo "skip: install test does not run in sanitizer builds"
    exit 0
    ;;
esac

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
die() { echo "FAIL: $*"; exit 1; }

make -s BUILD="$BUILD" install PREFIX="$tmp/prefix" >"$tmp/install.log" 2>&1 ||
    { cat "$tmp/install.log"; die "make install failed"; }
for f in include/lfmap.h lib/liblfmap.a lib/liblfmap.so lib/pkgconfig/lfmap.pc; do
    [ -f "$tmp/prefix/$f" ] || die "missing $f after make install"
done

cat >"$tmp/prog.c" <<'CEOF'
#include <lfmap.h>
#include <stdio.h>

int main(void)
{
    if (lfmap_thread_register() != 0)
        return 1;
    lfmap *m = lfmap_new(NULL);
    if (!m)
        return 1;
    uint64_t v = 0;
    int rc = lfmap_insert(m, 42, 4242);
    bool found = lfmap_get(m, 42, &v);
    printf("insert=%d found=%d value=%llu size=%zu\n", rc, found, (unsigned long long)v,
           lfmap_size(m));
    lfmap_free(m);
    lfmap_thread_unregister();
    return 0;
}
CEOF
want="insert=1 found=1 value=4242 size=1"
pc() { PKG_CONFIG_PATH="$tmp/prefix/lib/pkgconfig" pkg-config "$@" lfmap; }

# Shared: the installed .so found through LD_LIBRARY_PATH.
flags=$(pc --cflags --libs) || die "pkg-config lfmap failed"
# shellcheck disable=SC2086 # $flags is a list of words on purpose
$CC -o "$tmp/prog_shared" "$tmp/prog.c" $flags || die "shared build failed: $CC prog.c $flags"
out=$(LD_LIBRARY_PATH="$tmp/prefix/lib" "$tmp/prog_shared") || die "shared program failed"
[ "$out" = "$want" ] || die "shared program printed '$out', want '$want'"
# It must really use the installed library, not one elsewhere.
LD_LIBRARY_PATH="$tmp/prefix/lib" ldd "$tmp/prog_shared" | grep -q "$tmp/prefix/lib/liblfmap.so" ||
    die "shared program is not linked to the installed liblfmap.so"
echo "ok: shared ($flags)"

# Static: with the .so moved away the linker can only pick the .a.
flags=$(pc --static --cflags --libs) || die "pkg-config --static lfmap failed"
mv "$tmp/prefix/lib/liblfmap.so" "$tmp/liblfmap.so.hidden"
# shellcheck disable=SC2086
$CC -o "$tmp/prog_static" "$tmp/prog.c" $flags || die "static build failed: $CC prog.c $flags"
mv "$tmp/liblfmap.so.hidden" "$tmp/prefix/lib/liblfmap.so"
! ldd "$tmp/prog_static" | grep -q liblfmap || die "static program still needs liblfmap.so"
out=$("$tmp/prog_static") || die "static program failed"
[ "$out" = "$want" ] || die "static program printed '$out', want '$want'"
echo "ok: static ($flags)"
