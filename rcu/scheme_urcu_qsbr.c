/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * liburcu's quiescent-state-based flavour.  The read side costs nothing:
 * a registered thread is "online" and counts as a reader at every moment
 * until it announces a quiescent state (lfmap_quiescent(), which calls
 * urcu_qsbr_quiescent_state) or unregisters.  So a registered thread that
 * never calls lfmap_quiescent blocks every grace period of the flavour and
 * nothing retired by any urcu-qsbr map is freed: the price of free reads.
 * lfmap's own waits (lfmap_free's barrier) take the thread offline while
 * they wait; a thread that blocks elsewhere (pthread_join, a condition
 * variable) must do the same with lfmap_thread_offline()/online(), or any
 * thread's lfmap_free of a urcu-qsbr map waits for it.  Retired memory goes to liburcu-qsbr's call_rcu worker.
 */
#define LFRCU_NO_INLINE_MEMB
#include "lfrcu.h"

#include <urcu/urcu-qsbr.h>
/* For URCU_TLS(urcu_qsbr_reader).registered only; the read side and
 * everything else stay liburcu's out-of-line calls (no _LGPL_SOURCE: under
 * TSan, inlined liburcu code races with itself where liburcu's own
 * uninstrumented copy does not). */
#include <urcu/static/urcu-qsbr.h>

#include <stdbool.h>
#include <stddef.h>

_Static_assert(sizeof(struct rcu_head) <= sizeof(((struct lfrcu_head *)0)->scheme_private),
               "lfrcu_head must hold liburcu's rcu_head");

/* Whether this thread's liburcu-qsbr registration is ours.  As for memb
 * (rcu/scheme_urcu_memb.c): a program that registered the thread itself
 * keeps its registration, which serves us too (and whose quiescent states
 * the program announces; lfmap_quiescent announces one as well); liburcu
 * asserts on a second registration, and unregistering would pull the
 * program's reader out from under it (review finding 6). */
static _Thread_local bool registered_here;

static bool registered(void)
{
    return URCU_TLS(urcu_qsbr_reader).registered;
}
/* Section nesting, only so that may_wait can refuse inside a section. */
static _Thread_local unsigned depth;
/* Whether qsbr_offline took this thread offline: lfmap_thread_online
 * brings back online only what lfmap_thread_offline took offline, never a
 * thread the program took offline itself. */
static _Thread_local bool offline_here;
static char tsan_grace_period; /* see lfrcu_tsan_release in lfrcu.h */
static char tsan_barrier;

static void qsbr_online(void);

static int qsbr_register(void)
{
    if (!registered_here && !registered()) {
        urcu_qsbr_register_thread();
        registered_here = true;
    }
    return 0;
}

static void qsbr_unregister(void)
{
    /* An unregister inside a section ends it (lib/lfmap.h): a depth left
     * set would refuse every later lfmap_quiescent and barrier. */
    depth = 0;
    if (!registered_here) {
        /* The program's registration stays, as the program left it: if
         * lfmap_thread_offline took it offline, it goes back online, and
         * nothing of ours is left to undo a later offline of the
         * program's own (second review, defect 4). */
        qsbr_online();
        return;
    }
    registered_here = false;
    offline_here = false;
    lfrcu_tsan_release(&tsan_grace_period);
    urcu_qsbr_unregister_thread();
}

static void qsbr_read_lock(void)
{
    depth++;
}

static void qsbr_read_unlock(void)
{
    depth--;
}

static void qsbr_quiescent(void)
{
    /* Not while offline: liburcu's quiescent state would bring the thread
     * online again behind lfmap_thread_offline's back. */
    if (!registered() || depth || !urcu_qsbr_read_ongoing())
        return;
    lfrcu_tsan_release(&tsan_grace_period);
    urcu_qsbr_quiescent_state();
}

/* lfmap_thread_offline/online (review finding 8): a registered thread that
 * blocks (pthread_join, a condition variable) blocks every grace period of
 * the flavour, lfmap_free's among them, unless it goes offline first. */
static void qsbr_offline(void)
{
    if (!registered() || depth || !urcu_qsbr_read_ongoing())
        return;
    lfrcu_tsan_release(&tsan_grace_period);
    urcu_qsbr_thread_offline();
    offline_here = true;
}

static void qsbr_online(void)
{
    if (!offline_here)
        return;
    offline_here = false;
    if (registered() && !urcu_qsbr_read_ongoing())
        urcu_qsbr_thread_online();
}

static void qsbr_callback(struct rcu_head *rh)
{
    struct lfrcu_head *head = (struct lfrcu_head *)(void *)((char *)rh - offsetof(struct lfrcu_head, scheme_private));
    lfrcu_tsan_acquire(head); /* the call_rcu queue hand-off */
    lfrcu_tsan_acquire(&tsan_grace_period);
    head->fn(head);
    lfrcu_tsan_release(&tsan_barrier);
}

static void qsbr_retire(struct lfrcu_head *head, lfrcu_callback fn)
{
    head->fn = fn;
    lfrcu_tsan_release(head);
    urcu_qsbr_call_rcu((struct rcu_head *)(void *)head->scheme_private, qsbr_callback);
}

static void qsbr_barrier(void)
{
    /* An online thread waiting for a grace period would wait for itself:
     * go offline (a quiescent state that lasts) for the wait.  Only a
     * thread lfmap registered gets here online (qsbr_may_wait). */
    bool online = registered() && urcu_qsbr_read_ongoing();
    if (online) {
        lfrcu_tsan_release(&tsan_grace_period);
        urcu_qsbr_thread_offline();
    }
    urcu_qsbr_barrier();
    if (online)
        urcu_qsbr_thread_online();
    lfrcu_tsan_acquire(&tsan_barrier);
}

static bool qsbr_may_wait(void)
{
    /* An online thread whose registration is the program's may be inside
     * the program's own urcu_qsbr_read_lock section, and liburcu-qsbr does
     * not tell (its read lock is empty): taking it offline for the barrier
     * would end that section and let the program's grace periods free what
     * it is reading (second review, defect 2).  So such a thread never
     * waits: lfmap_free leaves the map's retired memory to reclamation
     * (lib/lfmap.h), and a program that wants it back at once calls
     * lfmap_free while offline. */
    if (!registered_here && registered() && urcu_qsbr_read_ongoing())
        return false;
    return depth == 0 && urcu_qsbr_get_thread_call_rcu_data() == NULL;
}

const struct lfrcu_scheme lfrcu_scheme_urcu_qsbr = {
    .name = "urcu-qsbr",
    .thread_register = qsbr_register,
    .thread_unregister = qsbr_unregister,
    .read_lock = qsbr_read_lock,
    .read_unlock = qsbr_read_unlock,
    .retire = qsbr_retire,
    .barrier = qsbr_barrier,
    .may_wait = qsbr_may_wait,
    .quiescent = qsbr_quiescent,
    .thread_offline = qsbr_offline,
    .thread_online = qsbr_online,
};
