/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Scheme registry and selection.  The active scheme is fixed before the first
 * thread registers, so the read side can test one flag instead of making an
 * indirect call for the default scheme.
 */
#include "lfrcu.h"

#include <errno.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#define LFRCU_SCHEME(name) extern const struct lfrcu_scheme lfrcu_scheme_##name;
#include "schemes.def"
#undef LFRCU_SCHEME

static const struct lfrcu_scheme *const all_schemes[] = {
#define LFRCU_SCHEME(name) &lfrcu_scheme_##name,
#include "schemes.def"
#undef LFRCU_SCHEME
    NULL,
};

#define LFRCU_DEFAULT_SCHEME (all_schemes[0])

/* Written only before the first registration (selection is refused after),
 * then read-only: plain globals are enough and keep the read side cheap. */
static const struct lfrcu_scheme *lfrcu_active; /* NULL until selected: the default */
_Atomic bool lfrcu_memb_fast;

static const struct lfrcu_scheme *scheme(void)
{
    return lfrcu_active ? lfrcu_active : LFRCU_DEFAULT_SCHEME;
}

/* Set once the first thread registers; relaxed is enough because selection
 * after that point is a caller error we only need to report, and the
 * registration itself orders with the threads it starts. */
static atomic_bool frozen;
static atomic_bool env_checked;

const struct lfrcu_scheme *const *lfrcu_schemes(void)
{
    return all_schemes;
}

const char *lfrcu_scheme_name(void)
{
    return scheme()->name;
}

int lfrcu_select(const char *name)
{
    if (atomic_load_explicit(&frozen, memory_order_relaxed))
        return -EBUSY;
    for (size_t i = 0; all_schemes[i]; i++) {
        if (strcmp(all_schemes[i]->name, name) == 0) {
            lfrcu_active = all_schemes[i];
            atomic_store_explicit(&env_checked, true, memory_order_relaxed);
            return 0;
        }
    }
    return -ENOENT;
}

int lfrcu_thread_register(void)
{
    if (!atomic_load_explicit(&env_checked, memory_order_relaxed)) {
        const char *env = getenv("LFMAP_RCU");
        atomic_store_explicit(&env_checked, true, memory_order_relaxed);
        if (env && *env && lfrcu_select(env) != 0)
            return -ENOENT;
    }
    if (!atomic_exchange_explicit(&frozen, true, memory_order_acq_rel)) {
        /* First registration: the scheme is fixed from now on.  liburcu
         * decided urcu_memb_has_sys_membarrier in its constructor.  A thread
         * that registers concurrently may still see false and take the slow
         * path, which is equally correct. */
        bool fast = scheme() == LFRCU_DEFAULT_SCHEME && urcu_memb_has_sys_membarrier;
        atomic_store_explicit(&lfrcu_memb_fast, fast, memory_order_relaxed);
    }
    return scheme()->thread_register();
}

void lfrcu_read_lock_slow(void)
{
    scheme()->read_lock();
}

void lfrcu_read_unlock_slow(void)
{
    scheme()->read_unlock();
}

void lfrcu_thread_unregister(void)
{
    scheme()->thread_unregister();
}

void lfrcu_retire(struct lfrcu_head *head, lfrcu_callback fn)
{
    scheme()->retire(head, fn);
}

void lfrcu_barrier(void)
{
    scheme()->barrier();
}
