/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Concurrency Kit's epoch-based reclamation (ck_epoch).  Each thread owns a
 * ck_epoch record (recycled through ck_epoch_recycle, never freed: ck keeps
 * them on its global list); read-side sections are ck_epoch_begin/end.
 *
 * ck_epoch defers callbacks per record, and only the record's owner may
 * dispatch them, so a thread that retires and then exits would strand its
 * callbacks.  Instead every retire goes to one global record that no thread
 * reads with: retire pushes the object on a lock-free stack (never blocks,
 * so it is allowed inside a section), and whoever holds `reclaim_lock`
 * (taken with trylock on the retire path) moves the stack into the record
 * with ck_epoch_call and polls it (ck_epoch_poll never waits).  The barrier
 * takes the lock and calls ck_epoch_barrier, which waits for readers: no
 * reader ever waits for the lock, so it cannot wait for the barrier.
 * Callbacks are collected under the lock and run after it is released;
 * they count in `running` until they have run, and the barrier also waits
 * for `running` to drop to zero (unless called from a callback), as ebr.
 * A stalled reader stops the epoch: the backlog grows.
 */
#include "lfrcu.h"

#include <ck_epoch.h>

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdlib.h>
#include <time.h>

#define RECLAIM_PERIOD 64u

_Static_assert(sizeof(ck_epoch_entry_t) <= sizeof(((struct lfrcu_head *)0)->scheme_private),
               "lfrcu_head must hold a ck_epoch entry");

static ck_epoch_t epoch;
static ck_epoch_record_t reclaimer;
static pthread_once_t init_once = PTHREAD_ONCE_INIT;
static pthread_mutex_t reclaim_lock = PTHREAD_MUTEX_INITIALIZER;
static _Atomic(struct lfrcu_head *) incoming; /* push-only; taken whole */
static struct lfrcu_head *ready;              /* dispatched, under the lock */
static char tsan_grace_period; /* see lfrcu_tsan_release in lfrcu.h */

static _Thread_local ck_epoch_record_t *self;

/* ck's entry is scheme_private[0..1]; [2] links the incoming and ready lists. */
#define LINK(h) (*(struct lfrcu_head **)&(h)->scheme_private[2])

static void init(void)
{
    ck_epoch_init(&epoch);
    ck_epoch_register(&epoch, &reclaimer, NULL);
}

static int cke_register(void)
{
    if (self)
        return 0;
    pthread_once(&init_once, init);
    ck_epoch_record_t *r = ck_epoch_recycle(&epoch, NULL);
    if (r)
        lfrcu_tsan_acquire(r); /* the hand-over from its last owner (ck's CAS is invisible to TSan) */
    if (!r) {
        r = aligned_alloc(64, (sizeof *r + 63) & ~(size_t)63);
        if (!r)
            return -ENOMEM;
        ck_epoch_register(&epoch, r, NULL);
    }
    self = r;
    return 0;
}

static void cke_unregister(void)
{
    if (!self)
        return;
    lfrcu_tsan_release(self); /* see cke_register */
    ck_epoch_unregister(self);
    self = NULL;
}

static void cke_read_lock(void)
{
    ck_epoch_begin(self, NULL);
}

static void cke_read_unlock(void)
{
    lfrcu_tsan_release(&tsan_grace_period);
    ck_epoch_end(self, NULL);
}

static void dispatched(ck_epoch_entry_t *e)
{
    struct lfrcu_head *h = (struct lfrcu_head *)(void *)((char *)e - offsetof(struct lfrcu_head, scheme_private));
    LINK(h) = ready;
    ready = h;
}

/* Under the lock: hands the incoming objects to ck. */
static void drain_locked(void)
{
    /* acquire: pairs with the pushers' release. */
    struct lfrcu_head *h = atomic_exchange_explicit(&incoming, NULL, memory_order_acquire);
    while (h) {
        struct lfrcu_head *next = LINK(h);
        ck_epoch_call(&reclaimer, (ck_epoch_entry_t *)(void *)h->scheme_private, dispatched);
        h = next;
    }
}

/* Callbacks taken off the ready list and not run yet (all threads), and
 * those of them this thread is running (see the barrier; as in ebr). */
static _Atomic unsigned long running;
static _Thread_local unsigned long running_here;

/* Takes the dispatched list (under the lock) and runs it after unlocking. */
static void unlock_and_run(void)
{
    struct lfrcu_head *h = ready;
    ready = NULL;
    unsigned long n = 0;
    for (struct lfrcu_head *c = h; c; c = LINK(c))
        n++;
    /* relaxed: counted under the lock before it is released (which orders
     * it before a barrier's lock and load). */
    atomic_fetch_add_explicit(&running, n, memory_order_relaxed);
    running_here += n;
    pthread_mutex_unlock(&reclaim_lock);
    while (h) {
        struct lfrcu_head *next = LINK(h);
        lfrcu_tsan_acquire(&tsan_grace_period);
        h->fn(h);
        running_here--;
        /* release: the callback's effects come before a barrier that sees
         * the count drop (it loads with acquire). */
        atomic_fetch_sub_explicit(&running, 1, memory_order_release);
        h = next;
    }
}

static _Thread_local unsigned retires;

static void cke_retire(struct lfrcu_head *head, lfrcu_callback fn)
{
    pthread_once(&init_once, init);
    head->fn = fn;
    struct lfrcu_head *top = atomic_load_explicit(&incoming, memory_order_relaxed); /* relaxed: the CAS checks */
    do
        LINK(head) = top;
    /* release: the head's fields before its publication. */
    while (!atomic_compare_exchange_weak_explicit(&incoming, &top, head, memory_order_release, memory_order_relaxed));
    if (++retires % RECLAIM_PERIOD == 0 && pthread_mutex_trylock(&reclaim_lock) == 0) {
        drain_locked();
        ck_epoch_poll(&reclaimer);
        unlock_and_run();
    }
}

/* lfmap_quiescent: an idle thread helps reclamation along (review finding
 * 10: without it, what was retired last stayed pending until lfmap_free).
 * ck_epoch_poll never waits; it advances the epoch at most once per call,
 * so a few calls free everything once no thread is inside a section. */
static void cke_quiescent(void)
{
    pthread_once(&init_once, init);
    if (self && self->active)
        return;
    if (pthread_mutex_trylock(&reclaim_lock) == 0) {
        drain_locked();
        ck_epoch_poll(&reclaimer);
        unlock_and_run();
    }
}

/* ck_epoch_barrier spins (ck_pr_stall) for as long as a reader stays in
 * its section; ck calls this between its checks instead: sleep, so that a
 * barrier waiting for a long reader costs no CPU (second review, defect 4:
 * 1.45 s of CPU in a 1.98 s wait). */
static void barrier_nap(ck_epoch_t *global, ck_epoch_record_t *blocking, void *arg)
{
    (void)global;
    (void)blocking;
    (void)arg;
    struct timespec ts = {0, 100000};
    nanosleep(&ts, NULL);
}

static void cke_barrier(void)
{
    pthread_once(&init_once, init);
    pthread_mutex_lock(&reclaim_lock);
    drain_locked();
    ck_epoch_barrier_wait(&reclaimer, barrier_nap, NULL);
    unlock_and_run();
    /* Callbacks other threads took off the ready list before our lock may
     * still be running: wait for them, except in a barrier called from a
     * callback (a destructor's lfmap_free), which must not wait for itself.
     * acquire: pairs with unlock_and_run's release. */
    while (running_here == 0 && atomic_load_explicit(&running, memory_order_acquire) > 0) {
        struct timespec ts = {0, 100000};
        nanosleep(&ts, NULL);
    }
}

static bool cke_may_wait(void)
{
    return !self || self->active == 0;
}

const struct lfrcu_scheme lfrcu_scheme_ck_epoch = {
    .name = "ck-epoch",
    .thread_register = cke_register,
    .thread_unregister = cke_unregister,
    .read_lock = cke_read_lock,
    .read_unlock = cke_read_unlock,
    .retire = cke_retire,
    .barrier = cke_barrier,
    .may_wait = cke_may_wait,    .quiescent = cke_quiescent,
};
