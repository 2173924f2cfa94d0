/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The default reclamation scheme: liburcu's membarrier flavour.  Readers pay
 * no fence (the grace period sends a membarrier to every running thread);
 * retired memory goes to liburcu's call_rcu worker thread.
 */
#include "lfrcu.h"

#include <urcu/urcu-memb.h>
#include <urcu/call-rcu.h>
#include <urcu/compiler.h>

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>

_Static_assert(sizeof(struct rcu_head) <= sizeof(((struct lfrcu_head *)0)->scheme_private),
               "lfrcu_head must hold liburcu's rcu_head");

#ifdef LFRCU_TSAN
/* TSan cannot see that a grace period orders every reader's accesses before
 * the free: each read-side exit releases lfrcu_memb_tsan_grace_period
 * (lfrcu_tsan_read_unlock, rcu/registry.c) and each callback acquires it
 * before freeing, which is exactly the happens-before edge the grace period
 * guarantees (and no more: a free that skips the grace period is still
 * reported, see tests/rcu/rcu_early_free.sh).  Likewise for rcu_barrier: it
 * returns after every earlier callback ran. */
static char tsan_barrier;
#endif

/* Whether this thread's liburcu-memb registration is ours.  A program that
 * uses liburcu-memb itself may have registered the thread already: liburcu
 * asserts on a second registration, and unregistering would pull the
 * program's own reader out from under it.  So we register only a thread that
 * is not registered yet, and unregister only what we registered. */
static _Thread_local bool registered_by_lfrcu;

static int memb_register(void)
{
    if (URCU_TLS(urcu_memb_reader).registered)
        return 0; /* the program's registration serves us too */
    urcu_memb_register_thread();
    registered_by_lfrcu = true;
    return 0;
}

static void memb_unregister(void)
{
    if (!registered_by_lfrcu)
        return;
    registered_by_lfrcu = false;
    /* An unregister inside a section ends it (lib/lfmap.h); liburcu keeps
     * the nesting across registrations.  Every section of a registration
     * that is ours is lfmap's. */
    while (urcu_memb_read_ongoing())
        urcu_memb_read_unlock();
    urcu_memb_unregister_thread();
}

static void memb_read_lock(void)
{
    urcu_memb_read_lock();
}

static void memb_read_unlock(void)
{
#ifdef LFRCU_TSAN
    lfrcu_tsan_read_unlock(); /* as the inline path does (rcu/lfrcu.h) */
#endif
    urcu_memb_read_unlock();
}

static void memb_callback(struct rcu_head *rh)
{
    struct lfrcu_head *head = caa_container_of((void *)rh, struct lfrcu_head, scheme_private);
#ifdef LFRCU_TSAN
    __tsan_acquire(head); /* the call_rcu queue hand-off, see memb_retire */
    __tsan_acquire(&lfrcu_memb_tsan_grace_period);
#endif
    head->fn(head);
#ifdef LFRCU_TSAN
    __tsan_release(&tsan_barrier);
#endif
}

static void memb_retire(struct lfrcu_head *head, lfrcu_callback fn)
{
    head->fn = fn;
#ifdef LFRCU_TSAN
    /* liburcu's wait-free queue hands head to the worker thread with
     * uatomic operations TSan does not see. */
    __tsan_release(head);
#endif
    urcu_memb_call_rcu((struct rcu_head *)(void *)head->scheme_private, memb_callback);
}

static void memb_barrier(void)
{
    urcu_memb_barrier();
#ifdef LFRCU_TSAN
    __tsan_acquire(&tsan_barrier);
#endif
}

static bool memb_may_wait(void)
{
    /* Not inside a read-side section (lfmap's or the program's: they nest),
     * and not on a call_rcu worker thread, where liburcu's rcu_barrier
     * waits for the very callback that called it, forever. */
    return !urcu_memb_read_ongoing() && urcu_memb_get_thread_call_rcu_data() == NULL;
}

const struct lfrcu_scheme lfrcu_scheme_urcu_memb = {
    .name = "urcu-memb",
    .thread_register = memb_register,
    .thread_unregister = memb_unregister,
    .read_lock = memb_read_lock,
    .read_unlock = memb_read_unlock,
    .retire = memb_retire,
    .barrier = memb_barrier,
    .may_wait = memb_may_wait,
    .default_contract = true,
};
