/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Scheme registry and selection.  The active scheme is fixed before the first
 * thread registers, so the read side can test one flag instead of making an
 * indirect call for the default scheme.
 */
#include "lfrcu.h"

#include <errno.h>
#include <pthread.h>
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

/* Selection state.  Before the first registration a scheme may be chosen by
 * lfrcu_select; the first registration then resolves the choice once (an
 * explicit selection, else LFMAP_RCU, else the default) under
 * `selection_lock` and publishes it by setting `resolved` (release).  From
 * then on every registration reads the same answer (acquire), whatever the
 * interleaving: the same scheme, or the same -ENOENT for an unknown
 * LFMAP_RCU.  Only the first registrations of a process take the lock. */
static pthread_mutex_t selection_lock = PTHREAD_MUTEX_INITIALIZER;
static _Atomic(const struct lfrcu_scheme *) lfrcu_active; /* NULL: the default */
static _Atomic bool resolved;
static int resolve_error; /* written under the lock before `resolved` */
_Atomic bool lfrcu_memb_fast;

static const struct lfrcu_scheme *scheme(void)
{
    /* acquire: pairs with the release store in resolve_selection (or in
     * lfrcu_select); the scheme's fields are constant. */
    const struct lfrcu_scheme *s = atomic_load_explicit(&lfrcu_active, memory_order_acquire);
    return s ? s : LFRCU_DEFAULT_SCHEME;
}

static const struct lfrcu_scheme *find_scheme(const char *name)
{
    for (size_t i = 0; all_schemes[i]; i++)
        if (strcmp(all_schemes[i]->name, name) == 0)
            return all_schemes[i];
    return NULL;
}

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
    const struct lfrcu_scheme *s = find_scheme(name);
    if (!s)
        return -ENOENT;
    int rc = 0;
    pthread_mutex_lock(&selection_lock);
    /* relaxed: `resolved` is only written under the lock we hold. */
    if (atomic_load_explicit(&resolved, memory_order_relaxed))
        rc = -EBUSY;
    else
        atomic_store_explicit(&lfrcu_active, s, memory_order_release); /* release: see scheme() */
    pthread_mutex_unlock(&selection_lock);
    return rc;
}

/* Called once, by the first registration, under selection_lock. */
static void resolve_selection(void)
{
    /* relaxed: written under the lock we hold. */
    if (!atomic_load_explicit(&lfrcu_active, memory_order_relaxed)) {
        const char *env = getenv("LFMAP_RCU");
        if (env && *env) {
            const struct lfrcu_scheme *s = find_scheme(env);
            if (s)
                atomic_store_explicit(&lfrcu_active, s, memory_order_release); /* release: see scheme() */
            else
                resolve_error = -ENOENT;
        }
    }
    /* liburcu decided urcu_memb_has_sys_membarrier in its constructor.
     * relaxed: registration (which every reader passes) orders it. */
    bool fast = resolve_error == 0 && scheme() == LFRCU_DEFAULT_SCHEME && urcu_memb_has_sys_membarrier;
    atomic_store_explicit(&lfrcu_memb_fast, fast, memory_order_relaxed);
    /* release: everything above is visible to whoever sees `resolved`. */
    atomic_store_explicit(&resolved, true, memory_order_release);
}

int lfrcu_thread_register(void)
{
    /* acquire: pairs with the release store in resolve_selection. */
    if (!atomic_load_explicit(&resolved, memory_order_acquire)) {
        pthread_mutex_lock(&selection_lock);
        if (!atomic_load_explicit(&resolved, memory_order_relaxed)) /* relaxed: under the lock */
            resolve_selection();
        pthread_mutex_unlock(&selection_lock);
    }
    if (resolve_error)
        return resolve_error;
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

bool lfrcu_may_wait(void)
{
    const struct lfrcu_scheme *s = scheme();
    return !s->may_wait || s->may_wait();
}
