#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# lfmap-suite: full (not in the library suite of make tsan / make perturb: tests/run.sh)
# The installed man pages: `make install` puts lfmap(3) and one page per
# function family in $(MANDIR)/man3, and a page (or a .so link to its
# family's page) for every function lfmap.h exports, which `man` finds by
# the function's name and whose NAME section names that function; every
# page formats without a single warning (`man --warnings`, groff -ww) and
# carries the VERSION of the tree.  Skips with 78 (a failure under CI) when
# man or groff is missing (scripts/install-deps.sh test installs man-db).
# Needs BUILD and CC.
set -u
. "$(dirname "$0")/../support/stage.sh"
for tool in man groff; do
    if ! command -v "$tool" >/dev/null; then
        echo "skipped: $tool missing (scripts/install-deps.sh test installs man-db)"
        exit 78
    fi
done
stage_install
man3=$mandir/man3
[ -f "$man3/lfmap.3" ] || die "lfmap(3) not installed in $man3"
# Every exported function of the API.
api=$(grep -oE '^LFMAP_API [^(]*[ *](lfmap_[a-z_]+)\(' lib/lfmap.h | sed -E 's/.*[ *](lfmap_[a-z_]+)\(/\1/' | sort -u)
[ "$(wc -l <<<"$api")" -ge 20 ] || die "found only $(wc -l <<<"$api") functions in lfmap.h"
fail=0
for f in $api lfmap; do
    [ -f "$man3/$f.3" ] || { echo "FAIL: no man page for $f ($man3/$f.3)"; fail=1; continue; }
    page=$(MANWIDTH=80 man --warnings -M "$mandir" 3 "$f" 2>"$tmp/warn") || { echo "FAIL: man 3 $f failed"; fail=1; continue; }
    if [ -s "$tmp/warn" ]; then
        echo "FAIL: man --warnings 3 $f:"
        sed 's/^/    | /' "$tmp/warn"
        fail=1
    fi
    # The NAME section (up to the next heading) names the function.
    name=$(sed -n '/^NAME/,/^[A-Z]/p' <<<"$page" | tr -s ' \n' ' ')
    grep -qE "(^| |,)$f(,| )" <<<"$name" || { echo "FAIL: man 3 $f: its NAME section does not name $f: $name"; fail=1; }
    grep -q "lfmap $version" <<<"$page" || { echo "FAIL: man 3 $f does not say lfmap $version"; fail=1; }
done
# Every installed page formats cleanly, the family pages included.
for p in "$man3"/*.3; do
    MANWIDTH=80 man --warnings -l "$p" >/dev/null 2>"$tmp/warn" || { echo "FAIL: man -l $p failed"; fail=1; }
    [ -s "$tmp/warn" ] && ! grep -q '^\.so ' "$p" && { echo "FAIL: man --warnings -l $p:"; sed 's/^/    | /' "$tmp/warn"; fail=1; }
done
[ $fail -eq 0 ] || exit 1
echo "ok: $(ls "$man3" | wc -l) pages for $(wc -l <<<"$api") functions, no warning"
