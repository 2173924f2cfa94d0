/*
 * Table allocation, sizing and retirement.
 */
#include "lfmap_internal.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

/* Above this size the built-in allocator maps fresh zero pages instead of
 * calling malloc + memset: the kernel then zero-fills lazily, page by page, as
 * the migration touches them, instead of one long memset in the thread that
 * starts the resize (a latency spike of ~1 ms per 10 MB). */
#define LARGE_ALLOC_BYTES ((size_t)256 * 1024)

static void *builtin_alloc(size_t size)
{
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
        munmap(p, size);
    else
        free(p);
}

void *lfmap_alloc(const struct lfmap_allocator *a, size_t size)
{
    if (a->alloc)
        return a->alloc(size, a->ctx);
    return builtin_alloc(size);
}

void lfmap_dealloc(const struct lfmap_allocator *a, void *p, size_t size)
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
size_t table_slots_for_keys(size_t keys, unsigned num, unsigned den)
{
    size_t slots = LFMAP_MIN_SLOTS;
    while (keys > slots / den * num + (slots % den) * num / den) {
        if (slots > SIZE_MAX / 2 / sizeof(struct lfmap_slot))
            return 0;
        slots *= 2;
    }
    return slots;
}

struct lfmap_table *table_new(struct lfmap *m, size_t nslots)
{
    if (nslots == 0 || nslots > (SIZE_MAX - sizeof(struct lfmap_table)) / sizeof(struct lfmap_slot))
        return NULL;
    size_t bytes = sizeof(struct lfmap_table) + nslots * sizeof(struct lfmap_slot);
    struct lfmap_table *t = lfmap_alloc(&m->allocator, bytes);
    if (!t)
        return NULL;
    /* The memory is zero-filled: every slot is (empty, VALUE_UNSET) and every
     * counter 0; only the constant fields need writing. */
    t->nslots = nslots;
    t->mask = nslots - 1;
    t->grow_limit = nslots / GROW_DEN * GROW_NUM;
    t->hard_limit = nslots / HARD_DEN * HARD_NUM;
    t->bytes = bytes;
    t->map = m;
    return t;
}

void table_free(struct lfmap_table *t)
{
    lfmap_dealloc(&t->map->allocator, t, t->bytes);
}

static void table_free_callback(struct lfrcu_head *head)
{
    struct lfmap_table *t = (struct lfmap_table *)((char *)head - offsetof(struct lfmap_table, rcu));
    table_free(t);
}

void table_retire(struct lfmap_table *t)
{
    lfrcu_retire(&t->rcu, table_free_callback);
}
