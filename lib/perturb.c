/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Schedule perturbation (see perturb.h).  Empty unless built with
 * -DLFMAP_PERTURB.
 */
#include "perturb.h"

#ifdef LFMAP_PERTURB
#include "lfmap_internal.h"

#include <sched.h>
#include <stdatomic.h>
#include <stdlib.h>

#define DEFAULT_PERMILLE 50u
/* Hooks on the resize path run once per migration, not per operation: they
 * fire half the time, or a test would see only a handful of them. */
#define RARE_HOOK_PERMILLE 500u
/* A spin of up to 4096 iterations (~1-5 us) models a preempted-for-a-moment
 * thread; a yield models a descheduled one.  Half of each. */
#define MAX_SPIN 4096u

static _Atomic unsigned long fired[LFMAP_HOOK_COUNT];
lf_test_bytes_hash_fn lf_test_bytes_hash;
static _Atomic(lf_hook_fn) hook_fn;
static void *_Atomic hook_arg;

void lf_hook_set(lf_hook_fn fn, void *arg)
{
    atomic_store(&hook_arg, arg);
    atomic_store(&hook_fn, fn); /* seq_cst: arg is visible before fn */
}
static _Thread_local uint64_t rng_state;
static _Thread_local unsigned permille;

static uint64_t next_random(void)
{
    if (rng_state == 0) {
        const char *seed = getenv("LFMAP_PERTURB_SEED");
        const char *pm = getenv("LFMAP_PERTURB_PERMILLE");
        uint64_t s = (seed ? strtoull(seed, NULL, 0) : 1) * 0x9e3779b97f4a7c15ull + lf_self.tid + 1;
        rng_state = s ? s : 1;
        permille = pm ? (unsigned)strtoul(pm, NULL, 0) : DEFAULT_PERMILLE;
    }
    return lf_splitmix64(&rng_state);
}

void lf_perturb(enum lf_hook hook)
{
    lf_hook_fn fn = atomic_load(&hook_fn); /* seq_cst: pairs with lf_hook_set */
    if (fn)
        fn(hook, atomic_load(&hook_arg));
    uint64_t r = next_random();
    unsigned chance = hook >= LFMAP_HOOK_BEFORE_PUBLISH ? RARE_HOOK_PERMILLE : permille;
    if (r % 1000 >= chance)
        return;
    /* relaxed: a statistic. */
    atomic_fetch_add_explicit(&fired[hook], 1, memory_order_relaxed);
    if ((r >> 20) & 1) {
        sched_yield();
    } else {
        unsigned spins = (unsigned)(r >> 32) % MAX_SPIN;
        for (volatile unsigned i = 0; i < spins; i++)
            ;
    }
}

unsigned long lf_perturb_count(enum lf_hook hook)
{
    return atomic_load_explicit(&fired[hook], memory_order_relaxed); /* relaxed: a statistic */
}
#else
/* ISO C forbids an empty translation unit. */
typedef int lf_perturb_disabled;
#endif
