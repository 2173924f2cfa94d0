/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * ebr: plain epoch-based reclamation, written here as the worked example of
 * a scheme (rcu/README.md walks through it).  Everything a scheme must do is
 * below, in about 200 lines, with C11 atomics only.
 *
 * State.  A global epoch E.  Each registered thread owns a record whose
 * `announce` word is 0 outside a read-side section and (e << 1) | 1 inside
 * one that began when the global epoch was e.
 *
 * Read side.  The outermost read_lock stores (E << 1) | 1 in the record and
 * issues a full fence, so that a reclaimer that later reads the record
 * either sees the announcement or the reader sees the epoch that reclaimer
 * made current.  read_unlock stores 0 (release: the section's reads come
 * before it).  Nested sections only count.
 *
 * Retire.  The object is stamped with the current epoch and pushed on a
 * global lock-free stack (never blocks, never allocates).  Every
 * RECLAIM_PERIOD retires the retiring thread tries to reclaim (trylock:
 * never waits, so it is allowed inside a section).
 *
 * Reclaim (under `reclaim_lock`).  The epoch advances from e to e + 1 once
 * no record announces an epoch other than e; an object stamped s is freed
 * once E >= s + 2: every section that was running when it was retired
 * announced s or s - 1 and has ended since (a section announcing s - 1
 * blocks the step to s + 1).  A reader stalled in its section therefore
 * stops E, and everything retired meanwhile waits: memory grows.
 *
 * Barrier.  Advances the epoch twice, waiting (sleeping) for readers, then
 * frees every object stamped before.
 *
 * Callbacks run after reclaim_lock is released, never under it: a
 * destructor may free another ebr map (lfmap_free -> barrier), which takes
 * the lock again (review finding 7: it self-deadlocked).  The reclaimer
 * takes the ripe objects off the list under the lock and counts them in
 * `running` until they have run, and the barrier also waits for `running`
 * to drop to zero (unless it is called from a callback: it must not wait
 * for itself).
 */
#include "lfrcu.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <time.h>

#define EBR_MAX_RECORDS 4096u
#define RECLAIM_PERIOD 64u

struct ebr_record {
    _Alignas(64) _Atomic uint64_t announce; /* 0, or (epoch << 1) | 1 */
    _Atomic bool in_use;
};

static struct ebr_record records[EBR_MAX_RECORDS];
static _Atomic unsigned records_high; /* records ever used: the scan bound */
static _Atomic uint64_t global_epoch = 1;
/* Retired objects not freed yet: a Treiber stack (push only; the reclaimer
 * takes it whole with an exchange, so there is no ABA). */
static _Atomic(struct lfrcu_head *) retired;
static pthread_mutex_t reclaim_lock = PTHREAD_MUTEX_INITIALIZER;
static char tsan_grace_period; /* see lfrcu_tsan_release in lfrcu.h */

static _Thread_local struct ebr_record *self;
static _Thread_local unsigned depth;
static _Thread_local unsigned retires;
/* Callbacks taken off the list and not run yet (all threads), and those of
 * them this thread is running (see the barrier). */
static _Atomic unsigned long running;
static _Thread_local unsigned long running_here;

/* The head's private words: [0] the next pointer, [1] the stamp. */
#define NEXT(h) (*(struct lfrcu_head **)&(h)->scheme_private[0])
#define STAMP(h) ((uint64_t)(uintptr_t)(h)->scheme_private[1])
#define SET_STAMP(h, e) ((h)->scheme_private[1] = (void *)(uintptr_t)(e))

static int ebr_register(void)
{
    if (self)
        return 0;
    for (unsigned i = 0; i < EBR_MAX_RECORDS; i++) {
        bool free_rec = false;
        /* acquire: the record's previous owner finished with it. */
        if (atomic_compare_exchange_strong_explicit(&records[i].in_use, &free_rec, true, memory_order_acquire,
                                                    memory_order_relaxed)) {
            self = &records[i];
            unsigned high = atomic_load_explicit(&records_high, memory_order_relaxed); /* relaxed: the CAS checks */
            /* seq_cst: a reclaimer that scans after our first announcement
             * must include us (the announcement is seq_cst too). */
            while (high < i + 1 && !atomic_compare_exchange_weak_explicit(&records_high, &high, i + 1,
                                                                          memory_order_seq_cst,
                                                                          memory_order_relaxed))
                ;
            return 0;
        }
    }
    return -EAGAIN;
}

static void ebr_unregister(void)
{
    if (!self)
        return;
    /* An unregister inside a section ends it (lib/lfmap.h): a depth left
     * set would make the next registration's sections count only, and
     * announce nothing (second review, defect 4). */
    depth = 0;
    /* release: our sections end before the record can be reused. */
    atomic_store_explicit(&self->announce, 0, memory_order_release);
    atomic_store_explicit(&self->in_use, false, memory_order_release); /* release: as above */
    self = NULL;
}

static void ebr_read_lock(void)
{
    if (depth++)
        return;
    /* seq_cst: an object retired with stamp s whose epoch step to s + 1 we
     * see was unlinked before that step in the seq_cst order, so the fence
     * below makes our reads see the unlink (and never reach the object). */
    uint64_t e = atomic_load_explicit(&global_epoch, memory_order_seq_cst);
    atomic_store_explicit(&self->announce, (e << 1) | 1, memory_order_relaxed); /* relaxed: the fence orders it */
    /* seq_cst fence: the announcement is visible before any shared read of
     * the section (store-load order, which release/acquire do not give). */
    atomic_thread_fence(memory_order_seq_cst);
}

static void ebr_read_unlock(void)
{
    if (--depth)
        return;
    lfrcu_tsan_release(&tsan_grace_period);
    /* release: the section's reads happen before the end is seen. */
    atomic_store_explicit(&self->announce, 0, memory_order_release);
}

/* Advances the epoch if every reader announces the current one. */
static bool try_advance(void)
{
    /* seq_cst fence: pairs with the readers' fences (store-load). */
    atomic_thread_fence(memory_order_seq_cst);
    uint64_t e = atomic_load_explicit(&global_epoch, memory_order_relaxed); /* relaxed: under reclaim_lock, the only writer */
    unsigned high = atomic_load_explicit(&records_high, memory_order_acquire); /* acquire: see ebr_register */
    for (unsigned i = 0; i < high; i++) {
        /* acquire: a section that ended is ordered before our frees. */
        uint64_t a = atomic_load_explicit(&records[i].announce, memory_order_acquire);
        if (a && (a >> 1) != e)
            return false;
    }
    /* seq_cst: see ebr_read_lock. */
    atomic_store_explicit(&global_epoch, e + 1, memory_order_seq_cst);
    return true;
}

/* Takes what is old enough off the list.  Under reclaim_lock; the caller
 * runs the result with run_ripe after unlocking. */
static struct lfrcu_head *reclaim_locked(void)
{
    try_advance();
    uint64_t e = atomic_load_explicit(&global_epoch, memory_order_relaxed); /* relaxed: under the lock */
    /* acquire: pairs with the pushers' release. */
    struct lfrcu_head *list = atomic_exchange_explicit(&retired, NULL, memory_order_acquire);
    struct lfrcu_head *keep = NULL, *keep_tail = NULL, *ripe = NULL;
    unsigned long n = 0;
    while (list) {
        struct lfrcu_head *h = list;
        list = NEXT(h);
        if (STAMP(h) + 2 <= e) {
            NEXT(h) = ripe;
            ripe = h;
            n++;
        } else {
            NEXT(h) = keep;
            keep = h;
            if (!keep_tail)
                keep_tail = h;
        }
    }
    if (keep) {
        struct lfrcu_head *top = atomic_load_explicit(&retired, memory_order_relaxed); /* relaxed: the CAS checks */
        do
            NEXT(keep_tail) = top;
        /* release: the records' contents travel with them. */
        while (!atomic_compare_exchange_weak_explicit(&retired, &top, keep, memory_order_release,
                                                      memory_order_relaxed));
    }
    /* relaxed: counted under the lock before it is released (which orders
     * it before a barrier's lock and load). */
    atomic_fetch_add_explicit(&running, n, memory_order_relaxed);
    running_here += n;
    return ripe;
}

/* Runs what reclaim_locked took, outside the lock. */
static void run_ripe(struct lfrcu_head *h)
{
    while (h) {
        struct lfrcu_head *next = NEXT(h);
        lfrcu_tsan_acquire(&tsan_grace_period);
        h->fn(h);
        running_here--;
        /* release: the callback's effects come before a barrier that sees
         * the count drop (it loads with acquire). */
        atomic_fetch_sub_explicit(&running, 1, memory_order_release);
        h = next;
    }
}

/* Outside any section: one reclamation attempt, if nobody else is at it. */
static void try_reclaim(void)
{
    if (pthread_mutex_trylock(&reclaim_lock) == 0) {
        struct lfrcu_head *ripe = reclaim_locked();
        pthread_mutex_unlock(&reclaim_lock);
        run_ripe(ripe);
    }
}

static void ebr_retire(struct lfrcu_head *head, lfrcu_callback fn)
{
    head->fn = fn;
    /* seq_cst: the stamp is no older than any epoch a reader of the object
     * could have announced. */
    SET_STAMP(head, atomic_load_explicit(&global_epoch, memory_order_seq_cst));
    struct lfrcu_head *top = atomic_load_explicit(&retired, memory_order_relaxed); /* relaxed: the CAS checks */
    do
        NEXT(head) = top;
    /* release: the head's fields before its publication. */
    while (!atomic_compare_exchange_weak_explicit(&retired, &top, head, memory_order_release, memory_order_relaxed));
    if (++retires % RECLAIM_PERIOD == 0)
        try_reclaim();
}

/* lfmap_quiescent: an idle thread helps reclamation along (review finding
 * 10: without it, what was retired last stayed pending until lfmap_free).
 * Each call advances the epoch at most once, so the last objects retired
 * are freed by the third call once every thread is outside its sections. */
static void ebr_quiescent(void)
{
    if (depth == 0)
        try_reclaim();
}

static void ebr_barrier(void)
{
    pthread_mutex_lock(&reclaim_lock);
    /* Everything retired so far has a stamp <= e; two advances make E >= e + 2. */
    uint64_t target = atomic_load_explicit(&global_epoch, memory_order_relaxed) + 2; /* relaxed: under the lock */
    while (atomic_load_explicit(&global_epoch, memory_order_relaxed) < target) {
        if (!try_advance()) {
            struct timespec ts = {0, 100000}; /* a reader is in an older section: wait for it */
            nanosleep(&ts, NULL);
        }
    }
    struct lfrcu_head *ripe = reclaim_locked();
    pthread_mutex_unlock(&reclaim_lock);
    run_ripe(ripe);
    /* Callbacks other threads took off the list before our lock may still
     * be running: wait for them, except in a barrier called from a callback
     * (a destructor's lfmap_free): two such barriers would wait for each
     * other, and lfmap_free there need not wait (lib/lfmap.h).
     * acquire: pairs with run_ripe's release. */
    while (running_here == 0 && atomic_load_explicit(&running, memory_order_acquire) > 0) {
        struct timespec ts = {0, 100000};
        nanosleep(&ts, NULL);
    }
}

static bool ebr_may_wait(void)
{
    return depth == 0;
}

const struct lfrcu_scheme lfrcu_scheme_ebr = {
    .name = "ebr",
    .thread_register = ebr_register,
    .thread_unregister = ebr_unregister,
    .read_lock = ebr_read_lock,
    .read_unlock = ebr_read_unlock,
    .retire = ebr_retire,
    .barrier = ebr_barrier,
    .may_wait = ebr_may_wait,
    .quiescent = ebr_quiescent,
};
