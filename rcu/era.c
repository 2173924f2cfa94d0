/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The engine of the era-based schemes (rcu/era.h has the interface;
 * rcu/lfrcu_era.h the reader's inline side and the argument for it).
 *
 * Registry.  Reader records are allocated once, pushed on the engine's list
 * (a lock-free push, never removed) and claimed again by the next thread
 * that registers (a CAS on in_use).
 *
 * Read side.  Sections nest (r->depth); the outermost lock reserves the
 * current era in res[0] and the outermost unlock clears it.  protect() of a
 * table slot is the scheme's (struct lfrcu_era_ops); of a value slot, it
 * stores the value's identity in r->value[], as a hazard pointer.  Every
 * store of a reservation is followed by lfrcu_era_publish(): a compiler
 * barrier when reclaimers use membarrier (asymmetric fences), else a
 * seq_cst fence.
 *
 * Retirement.  An object with a known birth (tables: lfrcu_era_birth(head,
 * true) at allocation) gets its retire era from a fetch_add on the clock,
 * which also advances the era; objects of unknown birth (value records) are
 * protected by identity (head->protected) and leave the clock alone.  The
 * object goes on the engine's incoming stack (lock-free; retire never waits
 * and never allocates).  Every RECLAIM_PERIOD retires a thread scans: at
 * once if it is outside any section, else at its outermost unlock
 * (LFRCU_ERA_SCAN), so that callbacks never run inside a section (a
 * destructor that uses another map of the scheme would move the thread's
 * reservations from under the outer operation), and only in sections that
 * retired something (never in lfmap_get, lfmap_get_stats or between two
 * calls of an lfmap_foreach callback).
 *
 * Scan (under the engine's lock, taken with trylock except by the barrier).
 * Incoming objects join `pending`; then a heavy fence (membarrier, or a
 * seq_cst fence), so that every reservation published before a reader's
 * later loads is visible; then every record's reservations are collected
 * (the scheme's collect: intervals of eras) with its value hazards; each
 * pending object that no interval covers (tables) or no value hazard names
 * (values) is taken off the list, to run after the lock is released.
 * Callbacks taken and not run yet count in `running`, which the barrier
 * waits for (not when called from a callback: it would wait for itself).
 */
#include "era.h"
#include "lfrcu_list.h"

#include <errno.h>
#include <linux/membarrier.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#define RECLAIM_PERIOD 64u

_Atomic uint64_t lfrcu_era_clock = 1;
char lfrcu_era_tsan;

static _Thread_local struct lfrcu_era_rec *self[LFRCU_ERA_READERS];
/* Retires since this thread's last scan, per engine (also for a thread
 * that is not registered: lfmap_free retires a map's values from any
 * thread). */
static _Thread_local unsigned retires[LFRCU_ERA_READERS];
/* Callbacks this thread took to run and has not run yet, per engine. */
static _Thread_local unsigned long running_here[LFRCU_ERA_READERS];

/* The head's private words: [0] the list link, [1] the birth era
 * (LFRCU_ERA_NONE: unknown, protected by identity), [2] the retire era. */
#define LINK(h) LFRCU_LINK(h)
#define BIRTH(h) ((uint64_t)(uintptr_t)(h)->scheme_private[1])
#define RETIRED(h) ((uint64_t)(uintptr_t)(h)->scheme_private[2])
_Static_assert(sizeof(void *) == sizeof(uint64_t), "eras are kept in pointer-sized words");

/* ---- fences ------------------------------------------------------------ */

static pthread_once_t asym_once = PTHREAD_ONCE_INIT;
static bool asym;

static void asym_init(void)
{
    /* LFMAP_ERA_FENCES=symmetric forces the fenced read side, so that the
     * tests can run both (tests/run.sh does not; see rcu/README.md). */
    const char *env = getenv("LFMAP_ERA_FENCES");
    if (env && !strcmp(env, "symmetric"))
        return;
    long cmds = syscall(__NR_membarrier, MEMBARRIER_CMD_QUERY, 0);
    if (cmds < 0 || !(cmds & MEMBARRIER_CMD_PRIVATE_EXPEDITED) ||
        !(cmds & MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED))
        return;
    asym = syscall(__NR_membarrier, MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED, 0) == 0;
}

bool lfrcu_era_asymmetric(void)
{
    pthread_once(&asym_once, asym_init);
    return asym;
}

void lfrcu_era_publish(void)
{
    if (asym)
        atomic_signal_fence(memory_order_seq_cst); /* the reclaimer's membarrier is the fence */
    else
        /* seq_cst fence: the reservation is visible before the caller's
         * validating loads (store-load order; pairs with heavy_fence). */
        atomic_thread_fence(memory_order_seq_cst);
}

/* Whether the last heavy_fence could not be issued (membarrier refused
 * after start-up, e.g. a seccomp filter installed later): readers publish
 * without fences, so nothing can be freed until it works again, and
 * lfrcu_era_may_wait says no (lfmap_free must not wait for frees that
 * cannot come).  relaxed (both sides): a hint; scans decide by their own
 * fence. */
static _Atomic bool fence_failing;

/* The reclaimer's side of the reservation's publication.  False when it
 * could not be issued: then nothing may be freed this time. */
static bool heavy_fence(void)
{
    /* seq_cst fence: orders our earlier unlinking and retiring before the
     * loads of the reservations (pairs with lfrcu_era_publish). */
    atomic_thread_fence(memory_order_seq_cst);
    if (!asym)
        return true;
    /* Every running thread of the process executes a full barrier: a
     * reader's reservation store that precedes its loads in program order
     * is visible to the loads below, or those loads of its come after our
     * unlinking.  Interrupted or refused: try again, then give up. */
    for (int i = 0; i < 3; i++)
        if (syscall(__NR_membarrier, MEMBARRIER_CMD_PRIVATE_EXPEDITED, 0) == 0) {
            /* Written only on a change: scans of every thread would
             * otherwise all store to this one shared line. */
            if (atomic_load_explicit(&fence_failing, memory_order_relaxed))
                atomic_store_explicit(&fence_failing, false, memory_order_relaxed);
            return true;
        }
    atomic_store_explicit(&fence_failing, true, memory_order_relaxed);
    return false;
}

/* The engine's thread-local record index.  relaxed: the slot is a pure
 * function of the static registry (lfrcu_era_slot_of), so racing first
 * calls compute and store the same value.  Below LFRCU_ERA_READERS for an
 * engine in use: lfmap_new refuses a scheme past the limit, and
 * lfrcu_era_register checks. */
static inline unsigned engine_slot(struct lfrcu_era_engine *e)
{
    unsigned slot = atomic_load_explicit(&e->slot, memory_order_relaxed);
    if (__builtin_expect(slot == LFRCU_ERA_SLOT_UNSET, 0)) {
        slot = lfrcu_era_slot_of(e->scheme);
        atomic_store_explicit(&e->slot, slot, memory_order_relaxed);
    }
    return slot;
}

/* ---- registry and read side ------------------------------------------- */

int lfrcu_era_register(struct lfrcu_era_engine *e)
{
    const unsigned es = engine_slot(e); /* the thread-local record index */
    if (es >= LFRCU_ERA_READERS)
        return -ENOSPC;
    if (self[es])
        return 0;
    lfrcu_era_asymmetric();
    struct lfrcu_era_rec *r;
    /* acquire: the records' fields are initialised before they are pushed. */
    for (r = atomic_load_explicit(&e->records, memory_order_acquire); r; r = r->next) {
        bool free_rec = false;
        /* acquire: the record's previous owner finished with it (its
         * unregister released in_use after clearing the reservations). */
        if (!atomic_load_explicit(&r->in_use, memory_order_relaxed) && /* relaxed: a hint; the CAS decides */
            atomic_compare_exchange_strong_explicit(&r->in_use, &free_rec, true, memory_order_acquire,
                                                    memory_order_relaxed))
            break;
    }
    if (!r) {
        r = aligned_alloc(64, sizeof *r);
        if (!r)
            return -ENOMEM;
        memset(r, 0, sizeof *r);
        r->engine = e;
        e->ops->init(r);
        atomic_store_explicit(&r->in_use, true, memory_order_relaxed); /* relaxed: published below */
        struct lfrcu_era_rec *top = atomic_load_explicit(&e->records, memory_order_relaxed); /* relaxed: the CAS checks */
        do
            r->next = top;
        /* release: the record's fields before its publication to scans. */
        while (!atomic_compare_exchange_weak_explicit(&e->records, &top, r, memory_order_release,
                                                      memory_order_relaxed));
    } else {
        lfrcu_tsan_acquire(r); /* the hand-over from its last owner */
    }
    r->depth = 0;
    r->pending = 0;
    r->next_ptr = NULL;
    self[es] = r;
    return 0;
}

/* Drops every reservation of r (release stores: the sections' reads come
 * before they are seen gone). */
static void clear_all(struct lfrcu_era_rec *r)
{
    lfrcu_tsan_release(&lfrcu_era_tsan);
    atomic_store_explicit(&r->res[0], LFRCU_ERA_NONE, memory_order_release);
    r->engine->ops->clear(r);
    for (unsigned i = 0; i < 2; i++)
        atomic_store_explicit(&r->value[i], 0, memory_order_release); /* release: as above */
    r->next_ptr = NULL;
}

static void try_reclaim(struct lfrcu_era_engine *e);

void lfrcu_era_unregister(struct lfrcu_era_engine *e)
{
    const unsigned es = engine_slot(e); /* the thread-local record index */
    struct lfrcu_era_rec *r = self[es];
    if (!r)
        return;
    /* An unregister inside a section ends it (lib/lfmap.h). */
    r->depth = 0;
    r->pending = 0;
    clear_all(r);
    self[es] = NULL;
    try_reclaim(e); /* helps; what stays pending is the engine's, not ours */
    lfrcu_tsan_release(r); /* see lfrcu_era_register */
    /* release: our sections and the clearing above come before the next
     * owner's claim (its acquire CAS). */
    atomic_store_explicit(&r->in_use, false, memory_order_release);
}

struct lfrcu_era_rec *lfrcu_era_reader(struct lfrcu_era_engine *e)
{
    return self[engine_slot(e)];
}

void lfrcu_era_read_lock(struct lfrcu_era_engine *e)
{
    struct lfrcu_era_rec *r = self[engine_slot(e)];
    bool outermost = r->depth == 0;
    lfrcu_era_lock_inline(r);
    if (outermost && !asym)
        lfrcu_era_publish();
}

void lfrcu_era_read_unlock(struct lfrcu_era_engine *e)
{
    lfrcu_era_unlock_inline(self[engine_slot(e)]);
}

void lfrcu_era_protect(struct lfrcu_era_engine *e, unsigned slot, const void *p)
{
    struct lfrcu_era_rec *r = self[engine_slot(e)];
    /* The store replaces the slot's previous protection: for TSan, a
     * release, as at the end of a section. */
    lfrcu_tsan_release(&lfrcu_era_tsan);
    if (slot >= LFRCU_HAZARD_VALUE) {
        /* release: it replaces the slot's previous value, so our reads of
         * that value come before a scanner can see it unprotected (as the
         * clearing stores); published by lfrcu_era_publish, then the caller
         * re-validates, as under hazard pointers. */
        atomic_store_explicit(&r->value[slot - LFRCU_HAZARD_VALUE], (uintptr_t)p, memory_order_release);
        r->pending |= LFRCU_ERA_CLEAR;
        lfrcu_era_publish();
        return;
    }
    e->ops->protect_table(r, slot, p);
}

void lfrcu_era_unlock_slow(struct lfrcu_era_rec *r)
{
    unsigned work = r->pending;
    r->pending = 0;
    if (work & LFRCU_ERA_CLEAR)
        clear_all(r);
    if (work & LFRCU_ERA_SCAN)
        try_reclaim((struct lfrcu_era_engine *)r->engine);
}

bool lfrcu_era_may_wait(struct lfrcu_era_engine *e)
{
    const unsigned es = engine_slot(e); /* the thread-local record index */
    struct lfrcu_era_rec *r = self[es];
    /* Not inside a section, and not in a callback: lfmap_free waits for
     * its map's objects, one of which may be on the list we are running.
     * Nor while the reclaimer's fence fails: nothing can be freed then. */
    return (!r || r->depth == 0) && running_here[es] == 0 &&
           !atomic_load_explicit(&fence_failing, memory_order_relaxed);
}

/* ---- retirement and scans ---------------------------------------------- */

void lfrcu_era_birth(struct lfrcu_head *head, bool known)
{
    uint64_t b = LFRCU_ERA_NONE;
    if (known)
        /* A fresh era, which no reader has reserved yet: a reader stalled
         * before the object existed never holds it.  relaxed: the object
         * is published (release) after this, and a reader that acquires it
         * reads the clock later: coherence gives it a value no smaller
         * (rcu/lfrcu_era.h); an RMW, it does not break the release sequence
         * of a retirer's increment either. */
        b = atomic_fetch_add_explicit(&lfrcu_era_clock, 1, memory_order_relaxed) + 1;
    head->scheme_private[1] = (void *)(uintptr_t)b;
}

void lfrcu_era_scan_add(struct lfrcu_era_scan *s, uint64_t lo, uint64_t hi)
{
    if (s->n == s->cap) {
        size_t cap = s->cap ? 2 * s->cap : 256;
        struct lfrcu_era_interval *iv = realloc(s->iv, cap * sizeof *iv);
        if (!iv) {
            s->failed = true;
            return;
        }
        s->iv = iv;
        s->cap = cap;
    }
    s->iv[s->n].lo = lo;
    s->iv[s->n].hi = hi;
    s->n++;
}

static int cmp_interval(const void *a, const void *b)
{
    uint64_t x = ((const struct lfrcu_era_interval *)a)->lo, y = ((const struct lfrcu_era_interval *)b)->lo;
    return x < y ? -1 : x > y;
}


/* Whether some reservation meets [b, r]: among the intervals with lo <= r
 * (a prefix, sorted by lo), is the largest hi >= b? */
static bool era_covered(const struct lfrcu_era_scan *s, uint64_t b, uint64_t r)
{
    size_t lo = 0, hi = s->n; /* find the first interval with lo > r */
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (s->iv[mid].lo <= r)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo > 0 && s->iv[lo - 1].hi >= b;
}

/* Collects the reservations and value hazards of every record.  Under the
 * lock, after heavy_fence.  False when out of memory. */
static bool collect(struct lfrcu_era_engine *e, size_t *nvalues)
{
    e->scan.n = 0;
    e->scan.failed = false;
    size_t nv = 0;
    /* acquire: records are pushed with release. */
    for (struct lfrcu_era_rec *r = atomic_load_explicit(&e->records, memory_order_acquire); r; r = r->next) {
        e->ops->collect(r, &e->scan);
        for (unsigned i = 0; i < 2; i++) {
            /* acquire: a hazard seen cleared or replaced (release stores)
             * orders the owner's reads of its old value before our frees. */
            uintptr_t v = atomic_load_explicit(&r->value[i], memory_order_acquire);
            if (!v)
                continue;
            if (nv == e->values_cap) {
                size_t cap = e->values_cap ? 2 * e->values_cap : 256;
                uintptr_t *b = realloc(e->values, cap * sizeof *b);
                if (!b)
                    return false;
                e->values = b;
                e->values_cap = cap;
            }
            e->values[nv++] = v;
        }
    }
    if (e->scan.failed)
        return false;
    if (e->scan.n) /* qsort's array may not be NULL, even when empty */
        qsort(e->scan.iv, e->scan.n, sizeof *e->scan.iv, cmp_interval);
    for (size_t i = 1; i < e->scan.n; i++) /* prefix maxima of hi */
        if (e->scan.iv[i].hi < e->scan.iv[i - 1].hi)
            e->scan.iv[i].hi = e->scan.iv[i - 1].hi;
    if (nv)
        qsort(e->values, nv, sizeof *e->values, lfrcu_cmp_uintptr);
    *nvalues = nv;
    return true;
}

/* What a scan holds: an object born at a known era is held while some
 * reservation meets its lifespan; one of unknown birth (a value), while a
 * value hazard names it. */
struct held_ctx {
    const struct lfrcu_era_engine *e;
    size_t nvalues;
};

static bool era_held(const struct lfrcu_head *h, void *arg)
{
    const struct held_ctx *c = arg;
    if (BIRTH(h) != LFRCU_ERA_NONE)
        return era_covered(&c->e->scan, BIRTH(h), RETIRED(h));
    uintptr_t key = lfrcu_protected_key(h);
    return c->nvalues && bsearch(&key, c->e->values, c->nvalues, sizeof *c->e->values, lfrcu_cmp_uintptr);
}

/* Under the lock: moves the incoming objects to `pending`, scans, and
 * returns those no reservation protects (counted in `running`). */
static struct lfrcu_head *scan_locked(struct lfrcu_era_engine *e)
{
    /* acquire: pairs with the retirers' release. */
    struct lfrcu_head *h = atomic_exchange_explicit(&e->incoming, NULL, memory_order_acquire);
    while (h) {
        struct lfrcu_head *next = LINK(h);
        LINK(h) = e->pending;
        e->pending = h;
        e->n_pending++;
        h = next;
    }
    if (!e->pending)
        return NULL;
    size_t nv = 0;
    if (!heavy_fence() || !collect(e, &nv))
        return NULL;
    struct held_ctx c = {e, nv};
    unsigned long freed;
    struct lfrcu_head *ready = lfrcu_list_partition(e->pending, era_held, &c, &e->pending, &freed);
    e->n_pending -= freed;
    /* relaxed: counted before the lock is released, which orders it
     * before a barrier's lock and load. */
    atomic_fetch_add_explicit(&e->running, freed, memory_order_relaxed);
    running_here[engine_slot(e)] += freed;
    return ready;
}

/* Runs what scan_locked returned (outside every section, lock not held). */
static void run_list(struct lfrcu_era_engine *e, struct lfrcu_head *h)
{
    const unsigned es = engine_slot(e); /* the thread-local record index */
    while (h) {
        struct lfrcu_head *next = LINK(h);
        lfrcu_tsan_acquire(&lfrcu_era_tsan);
        h->fn(h);
        running_here[es]--;
        /* release: the callback's effects come before a barrier that sees
         * the count drop (it loads with acquire). */
        atomic_fetch_sub_explicit(&e->running, 1, memory_order_release);
        h = next;
    }
}

static void try_reclaim(struct lfrcu_era_engine *e)
{
    if (pthread_mutex_trylock(&e->lock) != 0)
        return; /* another thread is scanning: it takes our objects too */
    struct lfrcu_head *ready = scan_locked(e);
    pthread_mutex_unlock(&e->lock);
    run_list(e, ready);
}

void lfrcu_era_retire(struct lfrcu_era_engine *e, struct lfrcu_head *head, lfrcu_callback fn)
{
    const unsigned es = engine_slot(e); /* the thread-local record index */
    head->fn = fn;
    if (BIRTH(head) != LFRCU_ERA_NONE)
        /* acq_rel: release, so that a reader whose acquire load of the
         * clock reads this increment (or a later one) sees the unlink that
         * preceded it (rcu/lfrcu_era.h); acquire keeps the stamp after it. */
        head->scheme_private[2] =
            (void *)(uintptr_t)atomic_fetch_add_explicit(&lfrcu_era_clock, 1, memory_order_acq_rel);
    struct lfrcu_head *top = atomic_load_explicit(&e->incoming, memory_order_relaxed); /* relaxed: the CAS checks */
    do
        LINK(head) = top;
    /* release: the head's fields before its publication. */
    while (!atomic_compare_exchange_weak_explicit(&e->incoming, &top, head, memory_order_release,
                                                  memory_order_relaxed));
    if (++retires[es] < RECLAIM_PERIOD)
        return;
    retires[es] = 0;
    struct lfrcu_era_rec *r = self[es];
    if (r && r->depth)
        r->pending |= LFRCU_ERA_SCAN; /* at the outermost unlock */
    else
        try_reclaim(e);
}

void lfrcu_era_quiescent(struct lfrcu_era_engine *e)
{
    struct lfrcu_era_rec *r = self[engine_slot(e)];
    if (!r || r->depth == 0)
        try_reclaim(e);
}

void lfrcu_era_barrier(struct lfrcu_era_engine *e)
{
    const unsigned es = engine_slot(e); /* the thread-local record index */
    for (;;) {
        pthread_mutex_lock(&e->lock);
        struct lfrcu_head *ready = scan_locked(e);
        size_t left = e->n_pending;
        pthread_mutex_unlock(&e->lock);
        run_list(e, ready);
        /* Callbacks other threads took may still be running: wait for
         * them, except in a barrier called from a callback.
         * acquire: pairs with run_list's release. */
        if (left == 0 && (running_here[es] || atomic_load_explicit(&e->running, memory_order_acquire) == 0))
            return;
        /* A reader still reserves an era (or names a value) of something
         * pending: sleep until it moves on. */
        struct timespec ts = {0, 100000};
        nanosleep(&ts, NULL);
    }
}
