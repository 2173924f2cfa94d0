#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# The model build replaces rcu/lfrcu.h with tests/model/shim/lfrcu.h (the
# RCU read side and retire are modelled, not compiled).  This check fails
# when the two drift apart: struct lfrcu_head, struct lfrcu_scheme, struct
# lfrcu_domain, enum lfrcu_kind and the LFRCU_HAZARD* constants must be the
# same, and every function the shim declares or defines inline must be
# declared by rcu/lfrcu.h with the same signature (the model's own read side,
# lfrcu_model_*, excepted).  It also checks that lib/ calls no lfrcu
# function the shim lacks.
set -euo pipefail
cd "$(dirname "$0")/../.."
real=rcu/lfrcu.h
# rcu/lfrcu.h includes the era schemes' reader, rcu/lfrcu_era.h: functions
# may be declared in either.
real_all="rcu/lfrcu.h rcu/lfrcu_era.h"
shim=tests/model/shim/lfrcu.h
fail=0
block_of() { sed -n "/^$2 {/,/^};/p" "$1"; }
for b in 'struct lfrcu_head' 'struct lfrcu_scheme' 'enum lfrcu_kind' 'struct lfrcu_domain'; do
    if [ "$(block_of "$real" "$b")" != "$(block_of "$shim" "$b")" ] || [ -z "$(block_of "$shim" "$b")" ]; then
        echo "check_rcu_shim: $b differs between $real and $shim" >&2
        fail=1
    fi
done
defs_of() { grep -E '^#define LFRCU_(HAZARD|MAX_SCHEMES)' "$1"; }
if [ "$(defs_of "$real")" != "$(defs_of "$shim")" ]; then
    echo "check_rcu_shim: the LFRCU_HAZARD*/LFRCU_MAX_SCHEMES constants differ between $real and $shim" >&2
    fail=1
fi
norm() { sed -e 's/^static inline //' -e 's/^__attribute__((always_inline)) //' -e 's/)$/);/'; }
while IFS= read -r decl; do
    name=$(sed 's/.*[ *]\(lfrcu_[a-z_]*\)(.*/\1/' <<<"$decl")
    # shellcheck disable=SC2086
    if ! grep -hE "^(static inline )?[a-z].*[ *]$name\(" $real_all | norm | grep -qxF "$decl"; then
        echo "check_rcu_shim: '$decl' is not declared so in $real_all" >&2
        fail=1
    fi
done < <( (grep -E '^[a-z].*[ *]lfrcu_[a-z_]*\(.*\);$' "$shim"; grep -E '^static inline .*[ *]lfrcu_[a-z_]*\(.*\)$' "$shim" | norm) | grep -v 'lfrcu_model_')
for v in $(grep -oE '^extern .*[ *](lfrcu_[a-z_]*);$' "$shim" | sed 's/.*[ *]\(lfrcu_[a-z_]*\);/\1/'); do
    if ! grep -qxF "$(grep -E "^extern .*[ *]$v;$" "$shim")" "$real"; then
        echo "check_rcu_shim: extern $v is not declared so in $real" >&2
        fail=1
    fi
done
for f in $(grep -ho 'lfrcu_[a-z_]*(' lib/*.c lib/*.h | sort -u | tr -d '('); do
    if ! grep -qE "[ *]$f\(" "$shim"; then
        echo "check_rcu_shim: lib/ calls $f, which the model's $shim does not declare" >&2
        fail=1
    fi
done
[ $fail -eq 0 ] && echo "check_rcu_shim: the model's lfrcu.h matches rcu/lfrcu.h"
exit $fail
