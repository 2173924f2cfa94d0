#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# The model build replaces rcu/lfrcu.h with tests/model/shim/lfrcu.h (the
# RCU read side and retire are modelled, not compiled).  This check fails
# when the two drift apart: both take struct lfrcu_head, struct
# lfrcu_scheme, struct lfrcu_domain, enum lfrcu_kind and the LFRCU_HAZARD*
# constants from rcu/lfrcu_types.h (and define none of them again), and
# every function the shim declares or defines inline must be declared by
# rcu/lfrcu.h with the same signature (the model's own read side,
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
# The types and constants come from one file, rcu/lfrcu_types.h, which both
# include; neither may define them again.
types=rcu/lfrcu_types.h
for f in "$real" "$shim"; do
    if ! grep -qE '^#include "([./]*rcu/)?lfrcu_types.h"$' "$f"; then
        echo "check_rcu_shim: $f does not include $types" >&2
        fail=1
    fi
    for b in 'struct lfrcu_head' 'struct lfrcu_scheme' 'enum lfrcu_kind' 'struct lfrcu_domain'; do
        if grep -q "^$b {" "$f"; then
            echo "check_rcu_shim: $f defines $b again (it lives in $types)" >&2
            fail=1
        fi
    done
    if grep -qE '^#define LFRCU_(HAZARD|MAX_SCHEMES)' "$f"; then
        echo "check_rcu_shim: $f defines LFRCU_HAZARD*/LFRCU_MAX_SCHEMES again (they live in $types)" >&2
        fail=1
    fi
done
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
