#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# The production build carries no trace of the model layer (lib/lf_atomic.h,
# LF_TLS, the model hooks): builds the library from revision REV (default:
# the last commit that has no lib/lf_atomic.h) and from the working tree, and
# compares the disassembly of liblfmap.a and liblfmap.so and the contents of
# every allocated section (code, data, read-only data, TLS) of every object.
# Debug information differs (line numbers moved), nothing else may.
#
# Usage: tests/model/prod_identical.sh [REV]
#        tests/model/prod_identical.sh --no-trace [BUILD]   (CI: no history
#        needed) only checks that the objects of the normal build (default
#        build/) name no model symbol and contain no model string.
set -euo pipefail
cd "$(dirname "$0")/../.."
if [ "${1:-}" = --no-trace ]; then
    b=${2:-build}
    make -s BUILD="$b" lib >/dev/null
    objs=$(find "$b/obj" -name '*.o')
    if nm $objs "$b/liblfmap.so" 2>/dev/null | grep -i 'lf_model'; then
        echo "FAIL: the normal build names model symbols" >&2
        exit 1
    fi
    if grep -l -a -e 'lf_model' -e 'LFMAP_MODEL' $objs "$b/liblfmap.so" 2>/dev/null; then
        echo "FAIL: the normal build contains model strings" >&2
        exit 1
    fi
    echo "ok: no trace of the model layer in $b ($(wc -w <<<"$objs") objects and liblfmap.so)"
    exit 0
fi
rev=${1:-$(git log --format=%H --diff-filter=A -1 -- lib/lf_atomic.h)~1}
tmp=$(mktemp -d /tmp/lfmap-prod-identical.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/old"
git archive "$rev" | tar -x -C "$tmp/old"
make -s -C "$tmp/old" BUILD="$tmp/old-build" lib >/dev/null
make -s BUILD="$tmp/new-build" lib >/dev/null
dis() { objdump -d "$1" | grep -v -e 'file format' -e '^In archive'; }
fail=0
for l in liblfmap.a liblfmap.so; do
    if cmp -s <(dis "$tmp/old-build/$l") <(dis "$tmp/new-build/$l"); then
        echo "identical: disassembly of $l ($(dis "$tmp/new-build/$l" | wc -l) lines)"
    else
        echo "DIFFERENT: disassembly of $l"
        diff <(dis "$tmp/old-build/$l") <(dis "$tmp/new-build/$l") | head -20
        fail=1
    fi
done
for o in $(cd "$tmp/new-build" && find obj -name '*.o' | sort); do
    for sec in .text .data .rodata .tdata .tbss .bss; do
        a=$(objcopy -O binary --only-section="$sec" "$tmp/old-build/$o" /dev/stdout 2>/dev/null | sha256sum)
        b=$(objcopy -O binary --only-section="$sec" "$tmp/new-build/$o" /dev/stdout 2>/dev/null | sha256sum)
        if [ "$a" != "$b" ]; then
            echo "DIFFERENT: section $sec of $o"
            fail=1
        fi
    done
    # Symbols (names, sizes, kinds): no model symbol, no TLS change.
    if ! cmp -s <(nm -S "$tmp/old-build/$o" 2>/dev/null | sort) <(nm -S "$tmp/new-build/$o" 2>/dev/null | sort); then
        echo "DIFFERENT: symbols of $o"
        diff <(nm -S "$tmp/old-build/$o" 2>/dev/null | sort) <(nm -S "$tmp/new-build/$o" 2>/dev/null | sort) | head
        fail=1
    fi
done
[ $fail -eq 0 ] && echo "identical: code, data, TLS sections and symbols of every object (revision $rev vs working tree)"
exit $fail
