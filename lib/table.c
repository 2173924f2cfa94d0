/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Table allocation, sizing and retirement.
 */
#include "lfmap_internal.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

/* Above this size the built-in allocator maps fresh zero pages instead of
 * calling malloc + memset: the kernel then zero-fills lazily, page by page, as
 * the migration touches them, instead of one long memset in the thread that
 * starts the resize (a latency spike of ~1 ms per 10 MB). */
#define LARGE_ALLOC_BYTES ((size_t)256 * 1024)
/* Tables from this size on ask for transparent huge pages: a migration writes
 * the successor in order but touches a fresh 4 KiB page every 256 slots, and
 * on a VM each first-touch fault costs microseconds inside some writer's
 * insert.  With 2 MiB pages the fault is 512 times rarer. */
#define HUGE_PAGE_BYTES ((size_t)2 * 1024 * 1024)

static size_t page_round(size_t size)
{
    size_t page = (size_t)sysconf(_SC_PAGESIZE);
    return (size + page - 1) & ~(page - 1);
}

static void *map_huge_aligned(size_t size)
{
    size = page_round(size); /* the tail trimmed below must start on a page */
    /* Over-map by one huge page, then trim, so the table starts on a huge
     * page boundary (THP needs aligned 2 MiB ranges). */
    size_t span = size + HUGE_PAGE_BYTES;
    char *p = mmap(NULL, span, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED)
        return NULL;
    uintptr_t start = ((uintptr_t)p + HUGE_PAGE_BYTES - 1) & ~(uintptr_t)(HUGE_PAGE_BYTES - 1);
    size_t head = start - (uintptr_t)p;
    if (head)
        munmap(p, head);
    size_t tail = span - head - size;
    if (tail)
        munmap((char *)start + size, tail);
    madvise((void *)start, size, MADV_HUGEPAGE); /* advice only: failure is fine */
    return (void *)start;
}

static void *builtin_alloc(size_t size)
{
    if (size >= HUGE_PAGE_BYTES)
        return map_huge_aligned(size);
    if (size >= LARGE_ALLOC_BYTES) {
        void *p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        return p == MAP_FAILED ? NULL : p;
    }
    size_t rounded = (size + LFMAP_CACHE_LINE - 1) & ~(size_t)(LFMAP_CACHE_LINE - 1);
    void *p = aligned_alloc(LFMAP_CACHE_LINE, rounded);
    if (p)
        memset(p, 0, rounded);
    return p;
}

static void builtin_free(void *p, size_t size)
{
    if (size >= LARGE_ALLOC_BYTES)
        munmap(p, page_round(size));
    else
        free(p);
}

void *lf_alloc(const struct lfmap_allocator *a, size_t size)
{
    if (a->alloc)
        return a->alloc(size, a->ctx);
    return builtin_alloc(size);
}

void lf_dealloc(const struct lfmap_allocator *a, void *p, size_t size)
{
    if (!p)
        return;
    if (a->free)
        a->free(p, size, a->ctx);
    else
        builtin_free(p, size);
}

/* Smallest power of two >= LFMAP_MIN_SLOTS such that keys <= slots * num/den;
 * 0 when that would overflow. */
size_t lf_table_slots_for_keys(size_t keys, unsigned num, unsigned den)
{
    size_t slots = LFMAP_MIN_SLOTS;
    while (keys > slots / den * num + (slots % den) * num / den) {
        if (slots > SIZE_MAX / 2 / sizeof(struct lfmap_slot))
            return 0;
        slots *= 2;
    }
    return slots;
}

/* relaxed: only uniqueness matters. */
static _Atomic uint64_t next_serial = 1;

struct lfmap_table *lf_table_new(struct lfmap *m, size_t nslots)
{
    if (nslots == 0 || nslots > (SIZE_MAX - sizeof(struct lfmap_table)) / sizeof(struct lfmap_slot))
        return NULL;
    size_t bytes = sizeof(struct lfmap_table) + nslots * sizeof(struct lfmap_slot);
    struct lfmap_table *t = lf_alloc(&m->allocator, bytes);
    if (!t)
        return NULL;
    /* Era schemes: the table's birth era, before anyone can reach it. */
    if (m->rcu.scheme->birth)
        m->rcu.scheme->birth(&t->rcu, true);
    /* The memory is zero-filled: every slot is (empty, VALUE_UNSET) and every
     * counter 0; only the constant fields need writing. */
    t->nslots = nslots;
    t->mask = nslots - 1;
    t->grow_limit = nslots / GROW_DEN * GROW_NUM;
    t->hard_limit = nslots / HARD_DEN * HARD_NUM;
    size_t batch = nslots / ((size_t)CLAIM_BATCH_DIV * LFMAP_OWNED_STRIPES);
    t->claim_batch = batch < 1 ? 1 : batch > CLAIM_BATCH_MAX ? CLAIM_BATCH_MAX : batch;
    t->bytes = bytes;
    t->allocator = m->allocator;
    t->map = m;
    t->byte_keys = m->byte_keys;
    t->serial = atomic_fetch_add_explicit(&next_serial, 1, memory_order_relaxed);
    return t;
}

void lf_table_free(struct lfmap_table *t)
{
    lf_bkey_table_release(t); /* byte maps: the key objects its slots name */
    struct lfmap_allocator a = t->allocator;
    lf_dealloc(&a, t, t->bytes);
}

/* The table is unreachable and no walker holds it: free it and tell m.
 * Test builds poison it first (LFMAP_POISON_BYTE in every byte), so that a
 * reader that reaches it after its reclamation reads poison (a key word no
 * table holds, a next pointer that faults) even without a sanitizer:
 * tests/rcu/unit_schemes.c looks for it. */
static void table_release(struct lfmap_table *t)
{
    struct lfmap *m = t->map;
    size_t bytes = t->bytes;
    struct lfmap_allocator a = t->allocator;
    lf_bkey_table_release(t); /* byte maps: the key objects its slots name */
    /* relaxed: a statistic. */
    atomic_fetch_sub_explicit(&m->retired_bytes, bytes, memory_order_relaxed);
#ifdef LFMAP_ASSERTIONS
    memset(t, LFMAP_POISON_BYTE, bytes);
#endif
    lf_dealloc(&a, t, bytes);
    lf_map_unref(m, 1);
}

void lf_map_unref(struct lfmap *m, uint64_t ref)
{
    /* acq_rel: release orders our last use of m before its free; acquire,
     * for the last reference, orders the free after everyone else's. */
    if (atomic_fetch_sub_explicit(&m->retired_pending, ref, memory_order_acq_rel) == ref) {
        struct lfmap_allocator a = m->allocator;
        lf_dealloc(&a, m, sizeof *m);
    }
}

static void table_free_callback(struct lfrcu_head *head)
{
    struct lfmap_table *t = (struct lfmap_table *)((char *)head - offsetof(struct lfmap_table, rcu));
    /* acq_rel: acquire orders the free after every walker's reads (each
     * walker's unpin releases); release hands the table to the last walker.
     * A walker pins t inside a read-side section that began before this
     * grace period, so its pin is visible here (the grace period orders it
     * before this callback) and no walker can pin t after. */
    if (atomic_fetch_or_explicit(&t->pins, TABLE_DEAD, memory_order_acq_rel) == 0)
        table_release(t);
}

void lf_table_retire(struct lfmap_table *t)
{
    /* relaxed: the promotion CAS that made us the retirer already ordered
     * us; lfmap_free runs only after every operation has returned. */
    atomic_fetch_add_explicit(&t->map->retired_pending, 1, memory_order_relaxed);
    atomic_fetch_add_explicit(&t->map->retired_bytes, t->bytes, memory_order_relaxed); /* relaxed: a statistic */
    t->rcu.protected = t; /* what hazard-pointer readers publish */
    t->rcu.object = t;
    t->map->rcu.scheme->retire(&t->rcu, table_free_callback);
}

struct lfmap_table *lf_current_hp(struct lfmap *m, struct lfmap_table *t)
{
    for (;;) {
        m->rcu.scheme->protect(LFRCU_HAZARD_TABLE, t); /* store, then a full fence */
        /* acquire: pairs with the promoting CAS.  Read after the hazard is
         * visible (the fence): if t is still current, it was not retired
         * before then, and its retirer's scan will see the hazard. */
        struct lfmap_table *again = atomic_load_explicit(&m->current, memory_order_acquire);
        if (again == t)
            return t;
        t = again;
    }
}

bool lf_protect_next_hp(struct lfmap *m, struct lfmap_table *t, struct lfmap_table *nt)
{
    m->rcu.scheme->protect(LFRCU_HAZARD_NEXT, nt);
    /* acquire: as in lf_current_hp.  nt is retired only after m->current
     * moved from nt to its own successor; current still t or nt after our
     * hazard became visible means that has not happened yet.  Anything else
     * (t and nt both replaced while we were stalled) and nt may be freed
     * already: the caller starts again from the current table, so a reader
     * under hazard pointers can restart repeatedly: lock-free, not
     * wait-free. */
    struct lfmap_table *c = atomic_load_explicit(&m->current, memory_order_acquire);
    if (c == t || c == nt)
        return true;
    /* Not protected: drop the slot, so that nothing (he's lf_advance,
     * which moves this slot's protection to the table slot) takes the
     * failed protection for a valid one. */
    m->rcu.scheme->protect(LFRCU_HAZARD_NEXT, NULL);
    return false;
}

void lf_table_pin(struct lfmap_table *t)
{
    /* relaxed: the caller is inside a read-side section, which alone keeps t
     * alive until the pin is counted; the callback's RMW reads this
     * increment (or a later value) because it runs after that section. */
    atomic_fetch_add_explicit(&t->pins, TABLE_PIN, memory_order_relaxed);
}

void lf_table_unpin(struct lfmap_table *t)
{
    /* acq_rel: release orders this walker's reads of t before the free;
     * acquire, when we are last after the callback, orders the free after
     * the callback's RMW. */
    if (atomic_fetch_sub_explicit(&t->pins, TABLE_PIN, memory_order_acq_rel) == (TABLE_DEAD | TABLE_PIN))
        table_release(t);
}
