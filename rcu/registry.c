/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Scheme registry, per-map resolution, and the process default.  Every
 * scheme is listed once in rcu/schemes.def; its index there is its bit in a
 * thread's registration mask.
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

_Static_assert(sizeof all_schemes / sizeof all_schemes[0] - 1 <= LFRCU_MAX_SCHEMES,
               "one mask bit per scheme");

#define LFRCU_DEFAULT_SCHEME (all_schemes[0])

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

const struct lfrcu_scheme *lfrcu_scheme_at(size_t i)
{
    for (size_t k = 0; all_schemes[k]; k++)
        if (k == i)
            return all_schemes[k];
    return NULL;
}

unsigned lfrcu_scheme_bit(const struct lfrcu_scheme *s)
{
    for (unsigned i = 0; all_schemes[i]; i++)
        if (all_schemes[i] == s)
            return 1u << i;
    return 0;
}

unsigned lfrcu_era_slot_of(const struct lfrcu_scheme *s)
{
    unsigned slot = 0;
    for (size_t i = 0; all_schemes[i]; i++) {
        if (all_schemes[i] == s)
            return s->era_reader ? slot : LFRCU_ERA_READERS;
        if (all_schemes[i]->era_reader)
            slot++;
    }
    return LFRCU_ERA_READERS;
}

/* Selection of the process default.  Before it is resolved a scheme may be
 * chosen by lfrcu_select; the first resolution then fixes the choice once
 * (an explicit selection, else LFMAP_RCU, else urcu-memb) under
 * `selection_lock` and publishes it by setting `resolved` (release).  From
 * then on every caller reads the same answer (acquire), whatever the
 * interleaving: the same scheme, or the same -ENOENT for an unknown
 * LFMAP_RCU.  Only the first calls of a process take the lock. */
static pthread_mutex_t selection_lock = PTHREAD_MUTEX_INITIALIZER;
static const struct lfrcu_scheme *selected; /* under the lock */
static _Atomic bool resolved;
static int resolve_error; /* written under the lock before `resolved` */
/* The default came from LFMAP_RCU (not lfrcu_select, not the built-in one),
 * and whether LFMAP_RCU_ANY_CONTRACT was set: written under the lock
 * before `resolved`. */
static bool from_environment, any_contract;
struct lfrcu_domain lfrcu_default_domain; /* written under the lock before `resolved` */

/* 0, or -ENOSPC for an era scheme past LFRCU_ERA_READERS (d unusable). */
static int domain_set(struct lfrcu_domain *d, const struct lfrcu_scheme *s)
{
    d->scheme = s;
    d->bit = lfrcu_scheme_bit(s);
    d->hazards = s->protect != NULL;
    d->era_slot = 0;
    if (s->era_reader) {
        unsigned slot = lfrcu_era_slot_of(s);
        if (slot >= LFRCU_ERA_READERS)
            return -ENOSPC;
        d->era_slot = (unsigned char)slot;
    }
    /* liburcu decided urcu_memb_has_sys_membarrier in its constructor. */
    if (s == LFRCU_DEFAULT_SCHEME && urcu_memb_has_sys_membarrier)
        d->kind = LFRCU_INLINE_MEMB;
    else if (s->era_reader && lfrcu_era_asymmetric())
        d->kind = LFRCU_INLINE_ERA; /* the read side needs no fence */
    else if (s->no_read_side)
        d->kind = LFRCU_NO_SECTION;
    else
        d->kind = LFRCU_CALLS;
    return 0;
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
        selected = s;
    pthread_mutex_unlock(&selection_lock);
    return rc;
}

int lfrcu_default_resolve(void)
{
    /* acquire: pairs with the release store below (the domain and the
     * error are written before it). */
    if (__builtin_expect(atomic_load_explicit(&resolved, memory_order_acquire), 1))
        return resolve_error;
    pthread_mutex_lock(&selection_lock);
    if (!atomic_load_explicit(&resolved, memory_order_relaxed)) { /* relaxed: under the lock */
        const struct lfrcu_scheme *s = selected;
        if (!s) {
            const char *env = getenv("LFMAP_RCU");
            const char *any = getenv("LFMAP_RCU_ANY_CONTRACT");
            s = LFRCU_DEFAULT_SCHEME;
            if (env && *env) {
                s = find_scheme(env);
                if (!s)
                    resolve_error = -ENOENT;
                from_environment = true;
                any_contract = any && *any && strcmp(any, "0") != 0;
            }
        }
        int rc = domain_set(&lfrcu_default_domain, s ? s : LFRCU_DEFAULT_SCHEME);
        if (rc && !resolve_error)
            resolve_error = rc;
        /* release: the domain and the error are visible to whoever sees it. */
        atomic_store_explicit(&resolved, true, memory_order_release);
    }
    pthread_mutex_unlock(&selection_lock);
    return resolve_error;
}

int lfrcu_domain_init(struct lfrcu_domain *d, const char *name)
{
    if (!name) {
        int rc = lfrcu_default_resolve();
        if (rc)
            return rc;
        *d = lfrcu_default_domain;
        return 0;
    }
    const struct lfrcu_scheme *s = find_scheme(name);
    if (!s)
        return -ENOENT;
    return domain_set(d, s);
}

/* The inline memb read side's out-of-line parts (lfrcu.h). */
void lfrcu_memb_wake_gp(void)
{
    urcu_common_wake_up_gp(&urcu_memb_gp); /* checks the futex again */
}

#ifdef LFRCU_TSAN
char lfrcu_memb_tsan_grace_period;

void lfrcu_tsan_read_unlock(void)
{
    __tsan_release(&lfrcu_memb_tsan_grace_period);
}
#else
void lfrcu_tsan_read_unlock(void)
{
}
#endif

/* A map that names no scheme: the process default, except where that would
 * change what the map promises (lfmap.h, "Reclamation schemes"). */
int lfrcu_domain_init_unnamed(struct lfrcu_domain *d)
{
    int rc = lfrcu_default_resolve();
    if (rc)
        return rc; /* an unknown LFMAP_RCU (or an era scheme past the limit) */
    const struct lfrcu_scheme *s = lfrcu_default_domain.scheme;
    /* from_environment, any_contract: written before `resolved`, which
     * lfrcu_default_resolve read with acquire. */
    if (from_environment && !any_contract && !s->default_contract)
        s = LFRCU_DEFAULT_SCHEME; /* the environment cannot change the contract */
    return domain_set(d, s);
}

const char *lfrcu_scheme_name(void)
{
    if (lfrcu_default_resolve())
        return LFRCU_DEFAULT_SCHEME->name;
    return lfrcu_default_domain.scheme->name;
}

int lfrcu_thread_register(void)
{
    int rc = lfrcu_default_resolve();
    if (rc)
        return rc;
    return lfrcu_default_domain.scheme->thread_register();
}

void lfrcu_thread_unregister(void)
{
    lfrcu_default_domain.scheme->thread_unregister();
}

void lfrcu_read_lock_slow(void)
{
    lfrcu_default_domain.scheme->read_lock();
}

void lfrcu_read_unlock_slow(void)
{
    lfrcu_default_domain.scheme->read_unlock();
}

void lfrcu_retire(struct lfrcu_head *head, lfrcu_callback fn)
{
    lfrcu_default_domain.scheme->retire(head, fn);
}

void lfrcu_barrier(void)
{
    lfrcu_default_domain.scheme->barrier();
}

bool lfrcu_may_wait(void)
{
    const struct lfrcu_scheme *s = lfrcu_default_domain.scheme;
    return !s->may_wait || s->may_wait();
}
