/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * liburcu's memory-barrier flavour: a full fence on every read-side lock and
 * unlock (no signal, no membarrier syscall); retired memory goes to
 * liburcu-mb's call_rcu worker thread.  A reader stalled inside its section
 * stops every grace period of the flavour, so the backlog grows.  Called,
 * not inlined (liburcu's flavour headers cannot all be inlined in one
 * program), so each section costs two calls more than the inline memb one.
 */
#define LFRCU_NO_INLINE_MEMB
#include "lfrcu.h"

#include <urcu/urcu-mb.h>
/* For URCU_TLS(urcu_mb_reader).registered only; the read side and
 * everything else stay liburcu's out-of-line calls (no _LGPL_SOURCE: under
 * TSan, inlined liburcu code races with itself where liburcu's own
 * uninstrumented copy does not). */
#include <urcu/static/urcu-mb.h>

#include <stdbool.h>
#include <stddef.h>

_Static_assert(sizeof(struct rcu_head) <= sizeof(((struct lfrcu_head *)0)->scheme_private),
               "lfrcu_head must hold liburcu's rcu_head");

/* Whether this thread's liburcu-mb registration is ours.  As for memb
 * (rcu/scheme_urcu_memb.c): a program that registered the thread itself
 * keeps its registration, which serves us too; liburcu asserts on a second
 * registration, and unregistering would pull the program's reader out from
 * under it (review finding 6).  Only what lfmap registered it unregisters. */
static _Thread_local bool registered_here;
static char tsan_grace_period; /* see lfrcu_tsan_release in lfrcu.h */
static char tsan_barrier;

static void mb_read_unlock(void);

static int mb_register(void)
{
    if (!registered_here && !URCU_TLS(urcu_mb_reader).registered) {
        urcu_mb_register_thread();
        registered_here = true;
    }
    return 0;
}

static void mb_unregister(void)
{
    if (!registered_here)
        return;
    registered_here = false;
    /* An unregister inside a section ends it (lib/lfmap.h); liburcu keeps
     * the nesting across registrations.  Every section of a registration
     * that is ours is lfmap's. */
    while (urcu_mb_read_ongoing())
        mb_read_unlock();
    urcu_mb_unregister_thread();
}

static void mb_read_lock(void)
{
    urcu_mb_read_lock();
}

static void mb_read_unlock(void)
{
    lfrcu_tsan_release(&tsan_grace_period);
    urcu_mb_read_unlock();
}

static void mb_callback(struct rcu_head *rh)
{
    struct lfrcu_head *head = (struct lfrcu_head *)(void *)((char *)rh - offsetof(struct lfrcu_head, scheme_private));
    lfrcu_tsan_acquire(head); /* the call_rcu queue hand-off */
    lfrcu_tsan_acquire(&tsan_grace_period);
    head->fn(head);
    lfrcu_tsan_release(&tsan_barrier);
}

static void mb_retire(struct lfrcu_head *head, lfrcu_callback fn)
{
    head->fn = fn;
    lfrcu_tsan_release(head);
    urcu_mb_call_rcu((struct rcu_head *)(void *)head->scheme_private, mb_callback);
}

static void mb_barrier(void)
{
    urcu_mb_barrier();
    lfrcu_tsan_acquire(&tsan_barrier);
}

static bool mb_may_wait(void)
{
    return !urcu_mb_read_ongoing() && urcu_mb_get_thread_call_rcu_data() == NULL;
}

const struct lfrcu_scheme lfrcu_scheme_urcu_mb = {
    .name = "urcu-mb",
    .thread_register = mb_register,
    .thread_unregister = mb_unregister,
    .read_lock = mb_read_lock,
    .read_unlock = mb_read_unlock,
    .retire = mb_retire,
    .barrier = mb_barrier,
    .may_wait = mb_may_wait,
    .default_contract = true,
};
