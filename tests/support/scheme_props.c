/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Scheme properties for the tests: see scheme_props.h. */
#define LFRCU_NO_INLINE_MEMB
#include "lfrcu.h"

#include "scheme_props.h"

#include <stdlib.h>
#include <string.h>

static const struct lfrcu_scheme *scheme_named(const char *name);

/* The rule of lib/lfmap.h ("What the environment may change"), written
 * here again on purpose: tests compare what maps get with it. */
const char *scheme_default_name(void)
{
    const char *env = getenv("LFMAP_RCU");
    const char *any = getenv("LFMAP_RCU_ANY_CONTRACT");
    const char *builtin = lfrcu_scheme_at(0)->name;
    if (!env || !*env)
        return builtin;
    const struct lfrcu_scheme *s = scheme_named(env);
    if (!s)
        return env; /* unknown: lfmap_new of a map that names none fails */
    if ((any && *any && strcmp(any, "0") != 0) || s->default_contract)
        return env;
    return builtin;
}

static const struct lfrcu_scheme *scheme_named(const char *name)
{
    if (!name || !*name)
        name = scheme_default_name();
    for (const struct lfrcu_scheme *const *s = lfrcu_schemes(); *s; s++)
        if (strcmp((*s)->name, name) == 0)
            return *s;
    return NULL;
}

bool scheme_never_frees(const char *name)
{
    const struct lfrcu_scheme *s = scheme_named(name);
    return s && s->never_frees;
}

bool scheme_has_hazards(const char *name)
{
    const struct lfrcu_scheme *s = scheme_named(name);
    return s && s->protect;
}

bool scheme_default_contract(const char *name)
{
    const struct lfrcu_scheme *s = scheme_named(name);
    return s && s->default_contract;
}
