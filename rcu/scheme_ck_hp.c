/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Hazard pointers on Concurrency Kit's records (ck_hp).  Readers protect
 * exactly the objects they use: lfmap publishes the table it reads (and the
 * successor it moves to) with protect(), then re-validates it against
 * m->current (lib/lfmap.c, lf_current and lf_follow), restarting from the
 * current table when validation fails; so reads under this scheme are
 * lock-free, not wait-free.  A value is protected only inside
 * lfmap_read_lock..unlock: LFRCU_HAZARD_VALUE names the last value
 * lfmap_get returned, LFRCU_HAZARD_OLD the last old value a write returned.
 *
 * read_lock/read_unlock only count nesting; the outermost unlock clears the
 * thread's hazards.  A stalled reader therefore holds at most LFRCU_HAZARDS
 * objects: the backlog stays bounded.
 *
 * ck provides the per-thread records (register, recycle, unregister) and
 * the publication (ck_hp_set_fence).  The scan is ours (review finding 3:
 * ck 0.7.1's ck_hp_reclaim caches hazards in a 512-entry array that it
 * overflows when more than 512 are set, i.e. with ~260 threads in read
 * sections): under `reclaim_lock` we copy every record's hazards into a
 * growable array, sort it, and free each pending object that no hazard
 * names (binary search).  Retired objects arrive on a lock-free incoming
 * stack (retire never blocks; the reclaim takes the lock with trylock).
 *
 * Callbacks never run while the running thread is inside a section (depth
 * > 0): a destructor that uses another ck-hp map would overwrite this
 * thread's hazard slots, which are per thread, not per map, and the
 * outer operation would go on using a table nobody protects any more
 * (review finding 2).  Such callbacks go on the global `deferred` stack,
 * which runs at the outermost unlock of a section in which this thread
 * retired something (the end of a write, or of an lfmap_read_lock section
 * that wrote), at lfmap_quiescent, thread unregistration and a barrier.
 * Not at the end of a section that only read: lfmap_get_stats and the
 * sections inside lfmap_foreach never run a destructor (second review,
 * defect 3: a destructor that took a lock held around them deadlocked).
 */
#include "lfrcu.h"
#include "lfrcu_list.h"

#include <ck_hp.h>

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <time.h>

#define RECLAIM_PERIOD 32u

struct hp_thread {
    ck_hp_record_t record;
    void *pointers[LFRCU_HAZARDS];
};

static ck_hp_t hp;
static pthread_once_t init_once = PTHREAD_ONCE_INIT;
static pthread_mutex_t reclaim_lock = PTHREAD_MUTEX_INITIALIZER;
static _Atomic(struct lfrcu_head *) incoming; /* push-only; taken whole */
/* Under reclaim_lock: retired, still named by a hazard at the last scan. */
static struct lfrcu_head *pending;
static size_t n_pending;
/* Under reclaim_lock: the scan's copy of every published hazard. */
static uintptr_t *scan_buf;
static size_t scan_cap;
/* Reclaimable callbacks that a thread inside a section could not run. */
static _Atomic(struct lfrcu_head *) deferred;
/* Callbacks taken to run and not run yet (all threads), and this thread's. */
static _Atomic unsigned long running;
static _Thread_local unsigned long running_here;
static char tsan_hazards; /* see lfrcu_tsan_release in lfrcu.h */

static _Thread_local ck_hp_record_t *self;
static _Thread_local unsigned depth;
static _Thread_local unsigned retires;
/* This thread retired inside its current section: its outermost unlock
 * runs the deferred callbacks (see the top of the file). */
static _Thread_local bool retired_in_section;

/* scheme_private[0] links the incoming, pending and deferred lists. */
#define LINK(h) LFRCU_LINK(h)

static void unused_destructor(void *p)
{
    (void)p; /* ck_hp_init wants one; ck_hp_retire/reclaim are not used */
}

static void init(void)
{
    ck_hp_init(&hp, LFRCU_HAZARDS, RECLAIM_PERIOD, unused_destructor);
}

static void run_list(struct lfrcu_head *h);
static void run_deferred(void);

static int hp_register(void)
{
    if (self)
        return 0;
    pthread_once(&init_once, init);
    ck_hp_record_t *r = ck_hp_recycle(&hp);
    if (r)
        lfrcu_tsan_acquire(r); /* the hand-over from its last owner (ck's swap is invisible to TSan) */
    if (!r) {
        struct hp_thread *t = aligned_alloc(64, (sizeof *t + 63) & ~(size_t)63);
        if (!t)
            return -ENOMEM;
        /* Under reclaim_lock, so that a scan, which walks the records under
         * it, sees this record's fields written (ck pushes the record with a
         * CAS that neither the C11 model nor TSan can see). */
        pthread_mutex_lock(&reclaim_lock);
        ck_hp_register(&hp, &t->record, t->pointers);
        pthread_mutex_unlock(&reclaim_lock);
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
    depth = 0; /* an unregister inside a section ends it (lib/lfmap.h) */
    retired_in_section = false;
    run_deferred(); /* nothing is left behind on a thread that leaves */
    clear_hazards(); /* in case a callback used a ck-hp map */
    lfrcu_tsan_release(self); /* see hp_register */
    ck_hp_unregister(self);
    self = NULL;
}

static void hp_read_lock(void)
{
    depth++;
}

static void hp_read_unlock(void)
{
    if (--depth == 0) {
        clear_hazards();
        if (__builtin_expect(retired_in_section, 0)) {
            retired_in_section = false;
            run_deferred();
        }
    }
}

static void hp_protect(unsigned slot, const void *p)
{
    /* The store also drops the slot's previous hazard: for TSan, a
     * release, as at the end of a section. */
    lfrcu_tsan_release(&tsan_hazards);
    /* release: our earlier reads of the slot's previous object come before
     * a reclaimer can see its hazard replaced (ck_hp_set_fence's store is
     * relaxed, which orders nothing before it on non-TSO targets). */
    __atomic_store_n(&self->pointers[slot], (void *)p, __ATOMIC_RELEASE);
    /* seq_cst fence: the caller's validating load comes after the hazard
     * is visible to reclaimers (pairs with scan_locked's fence). */
    atomic_thread_fence(memory_order_seq_cst);
}


/* Copies every published hazard of every record into scan_buf (sorted);
 * returns how many, or SIZE_MAX if the buffer could not grow (no reclaim
 * this time).  Under reclaim_lock, after the seq_cst fence. */
static size_t collect_hazards(void)
{
    size_t n = 0;
    ck_stack_entry_t *e;
    /* ck_pr loads (ck's own atomics): records are pushed with ck's CAS and
     * never removed; hazards are stored with ck_pr / __atomic stores. */
    for (e = ck_pr_load_ptr(&hp.subscribers.head); e; e = ck_pr_load_ptr(&e->next)) {
        ck_hp_record_t *r = (ck_hp_record_t *)(void *)((char *)e - offsetof(ck_hp_record_t, global_entry));
        if (n + LFRCU_HAZARDS > scan_cap) {
            size_t cap = scan_cap ? 2 * scan_cap : 64 * LFRCU_HAZARDS;
            uintptr_t *b = realloc(scan_buf, cap * sizeof *b);
            if (!b)
                return SIZE_MAX;
            scan_buf = b;
            scan_cap = cap;
        }
        for (unsigned i = 0; i < LFRCU_HAZARDS; i++) {
            void *p = ck_pr_load_ptr(&r->pointers[i]);
            if (p)
                scan_buf[n++] = (uintptr_t)p;
        }
    }
    if (n) /* qsort's array may not be NULL, even when empty */
        qsort(scan_buf, n, sizeof *scan_buf, lfrcu_cmp_uintptr);
    return n;
}

/* Whether a hazard in the sorted scan_buf (n of them) names h. */
static bool hazard_names(const struct lfrcu_head *h, void *n)
{
    uintptr_t key = lfrcu_protected_key(h);
    return *(size_t *)n && bsearch(&key, scan_buf, *(size_t *)n, sizeof *scan_buf, lfrcu_cmp_uintptr);
}

/* Under reclaim_lock: moves the incoming objects to `pending`, scans the
 * hazards and returns the objects no hazard names (to run after unlocking,
 * or to defer).  Counts them in `running`. */
static struct lfrcu_head *scan_locked(void)
{
    /* acquire: pairs with the pushers' release. */
    struct lfrcu_head *h = atomic_exchange_explicit(&incoming, NULL, memory_order_acquire);
    while (h) {
        struct lfrcu_head *next = LINK(h);
        LINK(h) = pending;
        pending = h;
        n_pending++;
        h = next;
    }
    if (!pending)
        return NULL;
    /* seq_cst fence: pairs with the readers' fence after publishing a
     * hazard (every pending object was unlinked before it was retired). */
    atomic_thread_fence(memory_order_seq_cst);
    size_t n = collect_hazards();
    if (n == SIZE_MAX)
        return NULL;
    /* acquire fence: the scan's loads that saw a hazard cleared or replaced
     * (both release stores: clear_hazards, hp_protect) come before the frees. */
    atomic_thread_fence(memory_order_acquire);
    unsigned long freed;
    struct lfrcu_head *ready = lfrcu_list_partition(pending, hazard_names, &n, &pending, &freed);
    n_pending -= freed;
    /* relaxed: counted before the lock is released, which orders it before
     * a barrier's lock and load. */
    atomic_fetch_add_explicit(&running, freed, memory_order_relaxed);
    running_here += freed;
    return ready;
}

/* Runs a list scan_locked returned (depth 0, lock not held). */
static void run_list(struct lfrcu_head *h)
{
    while (h) {
        struct lfrcu_head *next = LINK(h);
        lfrcu_tsan_acquire(&tsan_hazards);
        h->fn(h);
        running_here--;
        /* release: the callback's effects come before a barrier that sees
         * the count drop (it loads with acquire). */
        atomic_fetch_sub_explicit(&running, 1, memory_order_release);
        h = next;
    }
}

/* Hands a list scan_locked returned to whoever is at depth 0 next. */
static void defer_list(struct lfrcu_head *h)
{
    if (!h)
        return;
    struct lfrcu_head *tail = h;
    unsigned long n = 1;
    while (LINK(tail)) {
        tail = LINK(tail);
        n++;
    }
    running_here -= n; /* now anyone's to run */
    struct lfrcu_head *top = atomic_load_explicit(&deferred, memory_order_relaxed); /* relaxed: the CAS checks */
    do
        LINK(tail) = top;
    /* release: the list's contents travel with it. */
    while (!atomic_compare_exchange_weak_explicit(&deferred, &top, h, memory_order_release, memory_order_relaxed));
}

static void run_deferred(void)
{
    /* acquire: pairs with defer_list's release. */
    struct lfrcu_head *h = atomic_exchange_explicit(&deferred, NULL, memory_order_acquire);
    if (!h)
        return;
    for (struct lfrcu_head *c = h; c; c = LINK(c))
        running_here++; /* counted in `running` already, by scan_locked */
    run_list(h);
}

/* Scans (trylock) and runs what is free, now at depth 0, else deferred. */
static void try_reclaim(void)
{
    if (pthread_mutex_trylock(&reclaim_lock) != 0)
        return;
    struct lfrcu_head *ready = scan_locked();
    if (depth)
        defer_list(ready); /* under the lock: a barrier after us sees it */
    pthread_mutex_unlock(&reclaim_lock);
    if (!depth)
        run_list(ready);
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
    if (depth)
        retired_in_section = true;
    if (++retires % RECLAIM_PERIOD == 0)
        try_reclaim();
}

/* lfmap_quiescent: an idle thread scans (review finding 10: what was
 * retired last stayed pending until lfmap_free). */
static void hp_quiescent(void)
{
    if (depth)
        return;
    pthread_once(&init_once, init);
    try_reclaim();
    run_deferred();
}

static void hp_barrier(void)
{
    pthread_once(&init_once, init);
    for (;;) {
        pthread_mutex_lock(&reclaim_lock);
        struct lfrcu_head *ready = scan_locked();
        size_t left = n_pending;
        pthread_mutex_unlock(&reclaim_lock);
        run_list(ready);
        run_deferred();
        /* Callbacks other threads took before our lock may still be
         * running: wait for them, except in a barrier called from a
         * callback (two such barriers would wait for each other).
         * acquire: pairs with run_list's release. */
        if (left == 0 && (running_here || atomic_load_explicit(&running, memory_order_acquire) == 0))
            return;
        /* Some reader still protects an object: wait for it to move on. */
        struct timespec ts = {0, 100000};
        nanosleep(&ts, NULL);
    }
}

static bool hp_may_wait(void)
{
    /* Not in a callback either: lfmap_free waits for its map's objects
     * (lib/lfmap.c), and one of them may be on the list this thread is
     * running. */
    return depth == 0 && running_here == 0;
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
    .quiescent = hp_quiescent,
    .protect = hp_protect,
};
