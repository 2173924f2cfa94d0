#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# lfmap-suite: full (not in the library suite of make tsan / make perturb: tests/run.sh)
# `make install` gives a usable package, laid out by the usual conventions:
#   - staged with DESTDIR, it installs exactly the header, liblfmap.a,
#     liblfmap.so.X.Y.Z with the links liblfmap.so.X and liblfmap.so,
#     lfmap.pc (whose paths and version are right), the CMake package, the
#     man pages and the TSan suppressions, under PREFIX, or under LIBDIR,
#     INCLUDEDIR and PKGCONFIGDIR when they are given;
#   - lfmap.pc is relocatable (${pcfiledir}): the installed tree, moved,
#     still builds; `pkg-config --cflags lfmap` works where liburcu's and
#     ck's .pc files are not installed and passes on nothing of theirs (it
#     failed there, and injected -D__x86_64__ -I/usr/include/x86_64-linux-gnu);
#   - a program that includes <lfmap.h> and links through pkg-config builds
#     and runs against the shared library, and with --static (and
#     -Wl,-Bstatic around -llfmap, as the README says) against the static one;
#   - `make uninstall` removes exactly what install installed, and the
#     directories install created once they are empty (it left them all),
#     but no directory that existed before.
# Needs BUILD and CC.
set -u
. "$(dirname "$0")/../support/stage.sh"

files_in() { (cd "$1" && find . \( -type f -o -type l \) | sort); }
# The files of an install under prefix $1 (libdir $2, includedir $3, pcdir $4,
# datadir $5), as files_in lists them.
layout() {
    local pre=$1 l=${2:-$1/lib} i=${3:-$1/include} p=${4:-${2:-$1/lib}/pkgconfig} d=${5:-$1/share} f
    {
        printf '.%s\n' "$i/lfmap.h" "$l/liblfmap.a" "$l/liblfmap.so" "$l/$soname" "$l/liblfmap.so.$version" \
            "$p/lfmap.pc" "$l/cmake/lfmap/lfmapConfig.cmake" "$l/cmake/lfmap/lfmapConfigVersion.cmake" \
            "$d/lfmap/tsan.supp" "$d/lfmap/created-dirs"
        for f in man/*.3; do printf '.%s\n' "$d/man/man3/${f#man/}"; done
    } | sort
}

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

# 1. Layout under PREFIX.
stage_install PREFIX=/opt/lfmap-test
got=$(files_in "$stage")
expect=$(layout /opt/lfmap-test)
[ "$got" = "$expect" ] || die "installed files:"$'\n'"$got"$'\n'"want:"$'\n'"$expect"
[ "$(readlink "$libdir/$soname")" = "liblfmap.so.$version" ] || die "$soname does not point to liblfmap.so.$version"
[ "$(readlink "$libdir/liblfmap.so")" = "$soname" ] || die "liblfmap.so does not point to $soname"
[ -L "$libdir/liblfmap.so.$version" ] && die "liblfmap.so.$version is a link"
same_dir() { [ "$(realpath -m "$1")" = "$(realpath -m "$2")" ]; }
same_dir "$(pc --variable=libdir)" "$libdir" || die "lfmap.pc libdir: $(pc --variable=libdir)"
same_dir "$(pc --variable=includedir)" "$incdir" || die "lfmap.pc includedir: $(pc --variable=includedir)"
[ -f "$(pc --variable=tsan_suppressions)" ] || die "lfmap.pc tsan_suppressions: $(pc --variable=tsan_suppressions)"
grep -q "$stage\|/opt/lfmap-test" "$pcdir/lfmap.pc" && die "lfmap.pc names an absolute path: $(grep / "$pcdir/lfmap.pc")"
[ "$(pc --modversion)" = "$version" ] || die "pkg-config --modversion says $(pc --modversion), VERSION says $version"
echo "ok: layout under PREFIX ($(echo "$got" | wc -l) files)"

# 2. Shared: the installed .so found through LD_LIBRARY_PATH (a prefix that
# is not in the loader's path: see the README).
flags=$(pc --cflags --libs) || die "pkg-config lfmap failed"
# shellcheck disable=SC2086 # $flags is a list of words on purpose
$CC -o "$tmp/prog_shared" "$tmp/prog.c" $flags || die "shared build failed: $CC prog.c $flags"
out=$(LD_LIBRARY_PATH="$libdir" "$tmp/prog_shared") || die "shared program failed"
[ "$out" = "$want" ] || die "shared program printed '$out', want '$want'"
LD_LIBRARY_PATH="$libdir" ldd "$tmp/prog_shared" | grep -q "$libdir/$soname" ||
    die "shared program is not linked to the installed $soname"
echo "ok: shared ($flags)"

# 3. Static, with the shared library installed next to it: -Bstatic makes the
# linker take liblfmap.a; --static adds the private dependencies.
flags=$(pc --static --cflags --libs | sed 's/-llfmap/-Wl,-Bstatic -llfmap -Wl,-Bdynamic/') ||
    die "pkg-config --static lfmap failed"
# shellcheck disable=SC2086
$CC -o "$tmp/prog_static" "$tmp/prog.c" $flags || die "static build failed: $CC prog.c $flags"
! ldd "$tmp/prog_static" | grep -q liblfmap || die "static program still needs liblfmap.so"
out=$("$tmp/prog_static") || die "static program failed"
[ "$out" = "$want" ] || die "static program printed '$out', want '$want'"
echo "ok: static ($flags)"

# 3b. pkg-config --cflags where only lfmap.pc is visible (liburcu-dev and
# libck-dev not installed): it works, and gives only lfmap's include flag.
cflags=$(PKG_CONFIG_LIBDIR="$pcdir" PKG_CONFIG_PATH= pkg-config --cflags lfmap 2>&1) ||
    die "pkg-config --cflags lfmap fails without liburcu's and ck's .pc files: $cflags"
cflags=${cflags%% }
same_dir "${cflags#-I}" "$incdir" || die "pkg-config --cflags lfmap gives '$cflags', not just -I$incdir"
echo "ok: --cflags without liburcu-dev and libck-dev: $cflags"

# 3c. Relocatable: the installed tree, moved elsewhere, builds and runs
# through its lfmap.pc (shared and static).
mv "$stage/opt/lfmap-test" "$tmp/moved"
flags=$(PKG_CONFIG_PATH="$tmp/moved/lib/pkgconfig" pkg-config --cflags --libs lfmap)
# shellcheck disable=SC2086
$CC -o "$tmp/prog_moved" "$tmp/prog.c" $flags || die "build against the moved tree failed: $flags"
out=$(LD_LIBRARY_PATH="$tmp/moved/lib" "$tmp/prog_moved") && [ "$out" = "$want" ] ||
    die "program against the moved tree printed '$out'"
LD_LIBRARY_PATH="$tmp/moved/lib" ldd "$tmp/prog_moved" | grep -q "$tmp/moved/lib/$soname" ||
    die "the program built against the moved tree does not use it"
mv "$tmp/moved" "$stage/opt/lfmap-test"
echo "ok: relocatable ($flags)"

# 4. uninstall removes exactly what install installed, and nothing else.
touch "$libdir/not-ours.so" "$stage/opt/lfmap-test/include/not-ours.h"
make -s BUILD="$BUILD" CC="$CC" DESTDIR="$stage" PREFIX=/opt/lfmap-test uninstall >"$tmp/uninstall.log" 2>&1 ||
    { cat "$tmp/uninstall.log"; die "make uninstall failed"; }
got=$(files_in "$stage")
expect=$(printf '%s\n' ./opt/lfmap-test/include/not-ours.h ./opt/lfmap-test/lib/not-ours.so)
[ "$got" = "$expect" ] || die "after uninstall:"$'\n'"$got"$'\n'"want only the two not-ours files"
echo "ok: uninstall"

# 5. LIBDIR, INCLUDEDIR and PKGCONFIGDIR, as a distribution sets them.
dirs=(PREFIX=/usr LIBDIR=/usr/lib/x86_64-linux-gnu INCLUDEDIR=/usr/include/lfmap-test
    PKGCONFIGDIR=/usr/share/pkgconfig)
stage_install "${dirs[@]}"
got=$(files_in "$stage")
expect=$(layout /usr /usr/lib/x86_64-linux-gnu /usr/include/lfmap-test /usr/share/pkgconfig)
[ "$got" = "$expect" ] || die "installed files with LIBDIR etc.:"$'\n'"$got"$'\n'"want:"$'\n'"$expect"
same_dir "$(pc --variable=libdir)" "$stage/usr/lib/x86_64-linux-gnu" || die "lfmap.pc libdir does not follow LIBDIR"
same_dir "$(pc --variable=includedir)" "$stage/usr/include/lfmap-test" ||
    die "lfmap.pc includedir does not follow INCLUDEDIR"
flags=$(pc --cflags --libs)
# shellcheck disable=SC2086
$CC -o "$tmp/prog_distro" "$tmp/prog.c" $flags || die "build against the LIBDIR install failed: $flags"
out=$(LD_LIBRARY_PATH="$libdir" "$tmp/prog_distro") && [ "$out" = "$want" ] ||
    die "program against the LIBDIR install printed '$out'"
make -s BUILD="$BUILD" CC="$CC" DESTDIR="$stage" "${dirs[@]}" uninstall >"$tmp/uninstall.log" 2>&1 ||
    { cat "$tmp/uninstall.log"; die "make uninstall (LIBDIR etc.) failed"; }
[ -z "$(files_in "$stage")" ] || die "uninstall with LIBDIR etc. left: $(files_in "$stage")"
left=$(cd "$stage" && find . -mindepth 1 | sort)
[ -z "$left" ] || die "uninstall with LIBDIR etc. left directories:"$'\n'"$left"
echo "ok: LIBDIR, INCLUDEDIR, PKGCONFIGDIR honoured; uninstall left no file and no directory"

# 6. A directory that existed before install (empty, as /usr/local/include
# often is) stays; the ones install created go, also after a second install.
rm -rf "$stage"
mkdir -p "$stage/opt/lfmap-test/include"
for target in install install uninstall; do
    make -s BUILD="$BUILD" CC="$CC" DESTDIR="$stage" PREFIX=/opt/lfmap-test $target >"$tmp/$target.log" 2>&1 ||
        { cat "$tmp/$target.log"; die "make $target failed"; }
done
left=$(cd "$stage" && find . -mindepth 1 | sort)
[ "$left" = "$(printf '%s\n' ./opt ./opt/lfmap-test ./opt/lfmap-test/include)" ] ||
    die "after install, install, uninstall into a tree with an empty include directory:"$'\n'"$left"
echo "ok: uninstall keeps the directories it did not create"
