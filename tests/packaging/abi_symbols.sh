#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# lfmap-suite: full (not in the library suite of make tsan / make perturb: tests/run.sh)
# The installed shared library exports exactly the API: the dynamic symbols
# it defines (`nm -D --defined-only`, functions, data and TLS alike) are the
# functions that lib/lfmap.h declares with LFMAP_API, read from the installed
# header, not from a second list.  The header must mark every function it
# declares.  In the static library, where symbols cannot be hidden, every
# global symbol must be in the library's namespace (lfmap_, lf_, lfrcu_), so
# that no name a program may use collides.  Needs BUILD and CC.
set -u
. "$(dirname "$0")/../support/stage.sh"
stage_install

hdr=$incdir/lfmap.h
[ -f "$hdr" ] || die "no installed lfmap.h"
# Declarations: "LFMAP_API <type> [*]name(" at the start of a line.
api=$(sed -n 's/^LFMAP_API[^(]*[^A-Za-z0-9_(]\([A-Za-z_][A-Za-z0-9_]*\)(.*/\1/p' "$hdr" | sort)
[ -n "$api" ] || die "no LFMAP_API declarations found in lfmap.h"
# Every prototype-looking line (starts with a type, declares an identifier
# followed by "(" and ends with ");") must carry LFMAP_API.
unmarked=$(grep -E '^[A-Za-z_][A-Za-z0-9_ \*]*[ \*]\(?[A-Za-z_][A-Za-z0-9_]*\(.*\);' "$hdr" |
    grep -v -E '^(LFMAP_API|typedef|#)')
[ -z "$unmarked" ] || die "lfmap.h declares functions without LFMAP_API:"$'\n'"$unmarked"

so=$libdir/liblfmap.so.$version
[ -f "$so" ] || die "no installed $so"
exported=$(nm -D --defined-only "$so" | awk 'NF >= 3 { print $NF }' | sort)
if [ "$exported" != "$api" ]; then
    echo "exported but not declared in lfmap.h:"
    comm -13 <(echo "$api") <(echo "$exported") | sed 's/^/    /'
    echo "declared in lfmap.h but not exported:"
    comm -23 <(echo "$api") <(echo "$exported") | sed 's/^/    /'
    die "the shared library's exports differ from the API"
fi
# Belt and braces for thread-local and data symbols (nm shows TLS as B/D).
tls=$(readelf --dyn-syms -W "$so" | awk '$4 == "TLS" && $7 != "UND" { print $8 }')
[ -z "$tls" ] || die "the shared library exports thread-local symbols: $tls"
echo "ok: $so exports exactly the $(echo "$api" | wc -l) functions of lfmap.h"

# Its dependencies: the reclamation schemes' libraries (rcu/), libc, and
# nothing else; the same libraries lfmap.pc names in Libs.private (as -l
# flags: a Requires.private would pass their Cflags on to every user).
# (The dynamic loader itself, ld-linux, is needed only for __tls_get_addr,
# which a library built with TLS descriptors does not call: optional.)
needed=$(readelf -d "$so" | sed -n 's/.*(NEEDED).*\[\([^].]*\)\..*/\1/p' | grep -v '^ld-linux' | sort)
want=$(printf '%s\n' liburcu-memb liburcu-mb liburcu-qsbr liburcu-bp libck libc | sort)
[ "$needed" = "$want" ] || die "the shared library's NEEDED list is"$'\n'"$needed"$'\n'"want"$'\n'"$want"
for lib in $needed; do
    [ "$lib" = libc ] && continue
    grep -q "^Libs.private:.* -l${lib#lib}\( \|$\)" "$pcdir/lfmap.pc" || die "lfmap.pc's Libs.private lacks -l${lib#lib}"
done
grep -q '^Requires' "$pcdir/lfmap.pc" && die "lfmap.pc has a Requires line: $(grep '^Requires' "$pcdir/lfmap.pc")"
echo "ok: NEEDED $(echo $needed), and lfmap.pc's Libs.private links the same libraries"

a=$libdir/liblfmap.a
foreign=$(nm -g --defined-only "$a" 2>/dev/null | awk 'NF == 3 { print $3 }' |
    grep -v -E '^(lfmap_|lf_|lfrcu_)' | sort -u)
[ -z "$foreign" ] || die "liblfmap.a defines global symbols outside lfmap_, lf_, lfrcu_:"$'\n'"$foreign"
echo "ok: every global symbol of liblfmap.a is prefixed lfmap_, lf_ or lfrcu_"
