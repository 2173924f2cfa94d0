/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * What a reclamation scheme declares about itself (struct lfrcu_scheme in
 * rcu/lfrcu.h), for tests that must behave differently for some schemes.
 * A test asks the property, never the scheme's name, so that a new scheme
 * (or a renamed copy of one: tests/rcu/scheme_copies.sh) is tested by what it
 * is.  Every function takes a scheme name; NULL or "" means the scheme a
 * map that names none gets (scheme_default_name).
 */
#ifndef SCHEME_PROPS_H
#define SCHEME_PROPS_H

#include <stdbool.h>

/* The scheme a map that names none gets: LFMAP_RCU's if it keeps the
 * default's contract or LFMAP_RCU_ANY_CONTRACT is set (tests/run.sh sets
 * it), else the registry's first (lib/lfmap.h, "What the environment may
 * change"); also what NULL or "" stands for below. */
const char *scheme_default_name(void);
/* The scheme never frees what is retired (never_frees): nothing a test
 * retires comes back, and memory checks do not apply.  False for an
 * unknown name. */
bool scheme_never_frees(const char *name);
/* A hazard-pointer scheme (it has protect): a stalled reader holds only
 * what its hazards name, so the backlog stays bounded. */
bool scheme_has_hazards(const char *name);
/* The scheme keeps the default's contract with programs (default_contract):
 * the only kind the environment may choose without LFMAP_RCU_ANY_CONTRACT. */
bool scheme_default_contract(const char *name);

#endif
