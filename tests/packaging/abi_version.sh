#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# lfmap-suite: full (not in the library suite of make tsan / make perturb: tests/run.sh)
# The version is set in one place, VERSION, and everything agrees with it:
# lfmap.h's LFMAP_VERSION_MAJOR/MINOR/PATCH, LFMAP_VERSION_STRING and
# LFMAP_VERSION; lfmap_version() of the installed library; lfmap.pc; the
# shared library's file name and SONAME (readelf -d: liblfmap.so.MAJOR); and
# a program linked with -llfmap records NEEDED liblfmap.so.MAJOR, not the
# unversioned development link; README.md names the same version.  Needs
# BUILD and CC.
set -u
. "$(dirname "$0")/../support/stage.sh"

[[ $version =~ ^[0-9]+\.[0-9]+\.[0-9]+$ ]] || die "VERSION holds '$version', not MAJOR.MINOR.PATCH"
IFS=. read -r vmaj vmin vpat <<<"$version"
want_num=$(((vmaj << 16) | (vmin << 8) | vpat))
stage_install

cat >"$tmp/v.c" <<'CEOF'
#include <lfmap.h>
#include <stdio.h>
int main(void)
{
    printf("%d %d %d %s %u %u\n", LFMAP_VERSION_MAJOR, LFMAP_VERSION_MINOR, LFMAP_VERSION_PATCH,
           LFMAP_VERSION_STRING, (unsigned)LFMAP_VERSION, lfmap_version());
    return 0;
}
CEOF
# shellcheck disable=SC2046 # the flags are words
$CC -o "$tmp/v" "$tmp/v.c" $(pc --cflags --libs) || die "cannot build the version program"
out=$(LD_LIBRARY_PATH="$libdir" "$tmp/v") || die "version program failed"
want="$vmaj $vmin $vpat $version $want_num $want_num"
[ "$out" = "$want" ] ||
    die "header macros and lfmap_version() print '$out'; VERSION ($version) wants '$want'"
echo "ok: lfmap.h macros and lfmap_version() agree with VERSION ($version, $want_num)"

[ "$(pc --modversion)" = "$version" ] || die "lfmap.pc says $(pc --modversion)"
so=$libdir/liblfmap.so.$version
[ -f "$so" ] || die "no $so"
got=$(readelf -d "$so" | sed -n 's/.*(SONAME).*\[\(.*\)\]/\1/p')
[ "$got" = "$soname" ] || die "SONAME of $so is '$got', want $soname"
needed=$(readelf -d "$tmp/v" | sed -n 's/.*(NEEDED).*\[\(liblfmap[^]]*\)\]/\1/p')
[ "$needed" = "$soname" ] || die "a program linked with -llfmap records NEEDED '$needed', want $soname"
echo "ok: lfmap.pc $version, SONAME $soname, programs record NEEDED $needed"

# The documentation's version: README.md's installed file names and its
# "Versions" paragraph name VERSION's version (they said 0.1.0 after 0.2.0).
for doc_version in $(grep -o -e 'liblfmap\.so\.[0-9]*\.[0-9]*\.[0-9]*' -e 'MAJOR\.MINOR\.PATCH ([0-9]*\.[0-9]*\.[0-9]*' README.md |
    grep -o '[0-9]*\.[0-9]*\.[0-9]*$'); do
    [ "$doc_version" = "$version" ] || die "README.md names version $doc_version; VERSION is $version"
done
echo "ok: README.md names version $version"
