/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Concurrency Kit's hazard pointers (ck_hp).  Readers protect exactly the
 * objects they use: lfmap publishes the table it reads (and the successor
 * it moves to) with protect(), then re-validates it against m->current
 * (lib/lfmap.c, lf_current and lf_follow), restarting from the current table
 * when validation fails; so reads under this scheme are lock-free, not
 * wait-free.  A value is protected only inside lfmap_read_lock..unlock
 * (LFRCU_HAZARD_VALUE, the last value lfmap_get returned).
 *
 * read_lock/read_unlock only count nesting; the outermost unlock clears the
 * thread's hazards.  A stalled reader therefore holds at most LFRCU_HAZARDS
 * objects: the backlog stays bounded.
 *
 * Retired objects go to one global ck_hp record (ck defers per record, and
 * a record's owner must reclaim: a thread that retired and exited would
 * strand its objects), fed as in scheme_ck_epoch.c: a lock-free incoming
 * stack, drained under `reclaim_lock` (trylock on the retire path) into
 * ck_hp_retire, then ck_hp_reclaim scans every thread's hazards.
 */
#include "lfrcu.h"

#include <ck_hp.h>

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdlib.h>
#include <time.h>

#define RECLAIM_PERIOD 32u

_Static_assert(sizeof(ck_hp_hazard_t) <= sizeof(((struct lfrcu_head *)0)->scheme_private),
               "lfrcu_head must hold a ck_hp hazard");

struct hp_thread {
    ck_hp_record_t record;
    void *pointers[LFRCU_HAZARDS];
};

static ck_hp_t hp;
static struct hp_thread reclaimer;
static pthread_once_t init_once = PTHREAD_ONCE_INIT;
static pthread_mutex_t reclaim_lock = PTHREAD_MUTEX_INITIALIZER;
static _Atomic(struct lfrcu_head *) incoming; /* push-only; taken whole */
static struct lfrcu_head *ready;              /* reclaimable, under the lock */
static char tsan_hazards; /* see lfrcu_tsan_release in lfrcu.h */

static _Thread_local ck_hp_record_t *self;
static _Thread_local unsigned depth;
static _Thread_local unsigned retires;

/* ck's hazard is scheme_private[0..3]; the incoming and ready lists link
 * through the hazard's `data` word (ck_hp_retire sets it to the head). */
#define LINK(h) (*(struct lfrcu_head **)&((ck_hp_hazard_t *)(void *)(h)->scheme_private)->data)

static void reclaimed(void *data)
{
    struct lfrcu_head *h = data;
    LINK(h) = ready;
    ready = h;
}

static void init(void)
{
    ck_hp_init(&hp, LFRCU_HAZARDS, RECLAIM_PERIOD, reclaimed);
    ck_hp_register(&hp, &reclaimer.record, reclaimer.pointers);
}

static int hp_register(void)
{
    if (self)
        return 0;
    pthread_once(&init_once, init);
    ck_hp_record_t *r = ck_hp_recycle(&hp);
    if (!r) {
        struct hp_thread *t = aligned_alloc(64, (sizeof *t + 63) & ~(size_t)63);
        if (!t)
            return -ENOMEM;
        ck_hp_register(&hp, &t->record, t->pointers);
        r = &t->record;
    }
    ck_hp_clear(r);
    self = r;
    return 0;
}

static void clear_hazards(void)
{
    lfrcu_tsan_release(&tsan_hazards);
    for (unsigned i = 0; i < LFRCU_HAZARDS; i++)
        /* release: our reads of the protected object come before the
         * reclaimer can see the hazard gone. */
        __atomic_store_n(&self->pointers[i], NULL, __ATOMIC_RELEASE);
}

static void hp_unregister(void)
{
    if (!self)
        return;
    clear_hazards();
    ck_hp_unregister(self);
    self = NULL;
    depth = 0;
}

static void hp_read_lock(void)
{
    depth++;
}

static void hp_read_unlock(void)
{
    if (--depth == 0)
        clear_hazards();
}

static void hp_protect(unsigned slot, const void *p)
{
    /* ck_hp_set_fence: the store, then a full fence, so that the caller's
     * validating load comes after the hazard is visible to reclaimers. */
    ck_hp_set_fence(self, slot, (void *)p);
}

static void drain_locked(void)
{
    /* acquire: pairs with the pushers' release. */
    struct lfrcu_head *h = atomic_exchange_explicit(&incoming, NULL, memory_order_acquire);
    while (h) {
        struct lfrcu_head *next = LINK(h);
        ck_hp_retire(&reclaimer.record, (ck_hp_hazard_t *)(void *)h->scheme_private, h,
                     h->protected ? h->protected : h);
        h = next;
    }
}

static void unlock_and_run(void)
{
    struct lfrcu_head *h = ready;
    ready = NULL;
    pthread_mutex_unlock(&reclaim_lock);
    while (h) {
        struct lfrcu_head *next = LINK(h);
        lfrcu_tsan_acquire(&tsan_hazards);
        h->fn(h);
        h = next;
    }
}

static void hp_retire(struct lfrcu_head *head, lfrcu_callback fn)
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
        /* seq_cst fence: pairs with the readers' fence after publishing a
         * hazard (the object was unlinked before it was retired). */
        atomic_thread_fence(memory_order_seq_cst);
        ck_hp_reclaim(&reclaimer.record);
        unlock_and_run();
    }
}

static void hp_barrier(void)
{
    pthread_once(&init_once, init);
    for (;;) {
        pthread_mutex_lock(&reclaim_lock);
        drain_locked();
        atomic_thread_fence(memory_order_seq_cst); /* as in hp_retire */
        ck_hp_reclaim(&reclaimer.record);
        unsigned left = reclaimer.record.n_pending;
        unlock_and_run();
        if (left == 0)
            return;
        /* Some reader still protects an object: wait for it to move on. */
        struct timespec ts = {0, 100000};
        nanosleep(&ts, NULL);
    }
}

static bool hp_may_wait(void)
{
    return depth == 0;
}

const struct lfrcu_scheme lfrcu_scheme_ck_hp = {
    .name = "ck-hp",
    .thread_register = hp_register,
    .thread_unregister = hp_unregister,
    .read_lock = hp_read_lock,
    .read_unlock = hp_read_unlock,
    .retire = hp_retire,
    .barrier = hp_barrier,
    .may_wait = hp_may_wait,
    .protect = hp_protect,
};
