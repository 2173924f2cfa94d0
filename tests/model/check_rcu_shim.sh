#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# The model build replaces rcu/lfrcu.h with tests/model/shim/lfrcu.h (the
# RCU read side and retire are modelled, not compiled).  This check fails
# when the two drift apart: struct lfrcu_head must be the same, and every
# function the shim declares must be declared by rcu/lfrcu.h with the same
# signature (the read side there is static inline).  It also checks that
# lib/ calls no lfrcu function the shim lacks.
set -euo pipefail
cd "$(dirname "$0")/../.."
real=rcu/lfrcu.h
shim=tests/model/shim/lfrcu.h
fail=0
head_of() { sed -n '/^struct lfrcu_head {/,/^};/p' "$1"; }
if [ "$(head_of "$real")" != "$(head_of "$shim")" ] || [ -z "$(head_of "$shim")" ]; then
    echo "check_rcu_shim: struct lfrcu_head differs between $real and $shim" >&2
    fail=1
fi
norm() { sed -e 's/^static inline //' -e 's/)$/);/'; }
while IFS= read -r decl; do
    name=$(sed 's/.*[ *]\(lfrcu_[a-z_]*\)(.*/\1/' <<<"$decl")
    if ! grep -E "^(static inline )?[a-z].*[ *]$name\(" "$real" | norm | grep -qxF "$decl"; then
        echo "check_rcu_shim: '$decl' is not declared so in $real" >&2
        fail=1
    fi
done < <(grep -E '^[a-z].*[ *]lfrcu_[a-z_]*\(.*\);$' "$shim")
for f in $(grep -ho 'lfrcu_[a-z_]*(' lib/*.c lib/*.h | sort -u | tr -d '('); do
    if ! grep -qE "[ *]$f\(" "$shim"; then
        echo "check_rcu_shim: lib/ calls $f, which the model's $shim does not declare" >&2
        fail=1
    fi
done
[ $fail -eq 0 ] && echo "check_rcu_shim: the model's lfrcu.h matches rcu/lfrcu.h"
exit $fail
