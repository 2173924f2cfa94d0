/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * plain_map: a single-threaded, non-atomic linear-probing map from uint64_t to
 * uint64_t, the baseline that lfmap's single-thread cost is measured against.
 *
 * It is meant to be a fair opponent, not a straw man, so it copies every
 * layout decision of lfmap that is not about concurrency:
 *   - 16-byte {key, value} slots in a 64-byte-aligned power-of-two array
 *     (four slots per cache line, a probe rarely crosses a line);
 *   - the same seeded bijective mixer (lib/hash.h), and the table stores the
 *     mix rather than the key, so the home slot is the low bits of the stored
 *     word and a probe compares one word;
 *   - the same maximum load (PLAIN_MAX_LOAD_NUM / PLAIN_MAX_LOAD_DEN = 0.75)
 *     and growth by doubling;
 *   - large tables come from mmap, as lfmap's built-in allocator does, so both
 *     pay first-touch page faults the same way (lazily, during inserts);
 *     a map that fills each new table at once (cow's copies) asks for its
 *     tables from the allocator instead (heap_tables), which reuses freed
 *     memory without a system call or a page fault.
 * What it leaves out is exactly what a concurrent map must pay for: atomics,
 * RCU read-side sections, frozen slots, incremental migration.
 *
 * The mix that equals 0 marks an empty slot; the one key whose mix is 0 lives
 * in a side flag (has_zero/zero_value), so every uint64_t key is valid.
 * Deletion is backward-shift (no tombstones): the table never degrades under
 * churn, which is the best case for a baseline.
 * Values are unrestricted (no reserved values).
 */
#ifndef PLAIN_MAP_H
#define PLAIN_MAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "hash.h" /* lfmap's own mixer: the two maps hash at identical cost */

/* The store that makes an insert or a remove take effect (the key word of
 * the slot claimed or emptied).  A plain store by default.  The harness's
 * plain-locked map (experiments/lfbench/maps/map_plain.c compiled with
 * PLAIN_LOCKED_WRITES) makes it one atomic exchange, a locked instruction on
 * x86: the one read-modify-write that every effective write of a concurrent
 * map pays at least (lfmap's CAS, a bucket lock's acquire), with nothing
 * else of a concurrent map, so that its cost alone can be measured.  On x86
 * a locked instruction also keeps later loads from running ahead of it,
 * which removes the overlap of one operation's cache miss with the next
 * one's when the table does not fit in the cache. */
#ifdef PLAIN_LOCKED_WRITES
#define PLAIN_COMMIT_KEY(slot, k) ((void)__atomic_exchange_n(&(slot)->key, (k), __ATOMIC_SEQ_CST))
#else
#define PLAIN_COMMIT_KEY(slot, k) ((slot)->key = (k))
#endif

/* Grow when a key would take the array past 3/4 of its slots: lfmap's
 * trigger (a table holds up to grow_limit = slots/4*3 claimed slots; the next
 * claim starts a migration, lib/lfmap.c reserve_claim).  Like lfmap_new, a
 * capacity c gets the smallest table that holds c + 1 keys. */
#define PLAIN_MAX_LOAD_NUM 3u
#define PLAIN_MAX_LOAD_DEN 4u
/* Smallest table: lfmap's (LFMAP_MIN_SLOTS in lib/lfmap_internal.h), so an
 * empty map and the number of growth steps are the same for both. */
#define PLAIN_MIN_SLOTS 64u
/* Tables at least this big come from mmap (lazily zeroed pages, first touch
 * paid during inserts) instead of aligned_alloc + memset: lfmap's built-in
 * allocator does the same above the same size (LARGE_ALLOC_BYTES, lib/table.c). */
#define PLAIN_MMAP_THRESHOLD ((size_t)256 << 10)
#define PLAIN_ALIGN 64u

struct plain_slot {
    uint64_t key;   /* mix of the key; 0 = empty */
    uint64_t value;
};

struct plain_map {
    struct plain_slot *slots;
    size_t mask;          /* slots - 1 */
    size_t size;          /* keys, the side key included */
    size_t grow_at;       /* most keys the array holds before a doubling */
    uint64_t resizes;     /* doublings so far (as lfmap_stats.resizes) */
    bool has_zero;        /* the key whose mix is 0 is present */
    uint64_t zero_value;
    /* Tables from the allocator whatever their size.  The current table
     * was allocated under the same setting (it decides how it is freed):
     * plain_init leaves it false; cow sets it on each copy together with
     * the copy's table. */
    bool heap_tables;
    struct lfmap_hasher hasher;
};

static inline size_t plain_table_bytes(size_t nslots)
{
    return nslots * sizeof(struct plain_slot);
}

/* Whether a table of nslots slots comes from mmap. */
static inline bool plain_table_mapped(size_t nslots, bool heap_tables)
{
    return !heap_tables && plain_table_bytes(nslots) >= PLAIN_MMAP_THRESHOLD;
}

/* Zero-filled, 64-byte-aligned table, or NULL. */
static inline struct plain_slot *plain_table_alloc(size_t nslots, bool heap_tables)
{
    size_t bytes = plain_table_bytes(nslots);
    if (plain_table_mapped(nslots, heap_tables)) {
        void *p = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        return p == MAP_FAILED ? NULL : p;
    }
    void *p = aligned_alloc(PLAIN_ALIGN, bytes); /* bytes is a multiple of 64 */
    if (p)
        memset(p, 0, bytes);
    return p;
}

static inline void plain_table_free(struct plain_slot *t, size_t nslots, bool heap_tables)
{
    size_t bytes = plain_table_bytes(nslots);
    if (plain_table_mapped(nslots, heap_tables))
        munmap(t, bytes);
    else
        free(t);
}

/* Slots needed so that capacity keys stay below the grow trigger. */
static inline size_t plain_slots_for(size_t capacity)
{
    size_t n = PLAIN_MIN_SLOTS;
    while (n / PLAIN_MAX_LOAD_DEN * PLAIN_MAX_LOAD_NUM < capacity + 1)
        n <<= 1;
    return n;
}

static inline void plain_set_table(struct plain_map *m, struct plain_slot *t, size_t nslots)
{
    m->slots = t;
    m->mask = nslots - 1;
    m->grow_at = nslots / PLAIN_MAX_LOAD_DEN * PLAIN_MAX_LOAD_NUM;
}

/* 0, or -1 when the table cannot be allocated.  capacity 0 = smallest table.
 * heap_tables: this map's tables (the first and every doubling) come from
 * the allocator whatever their size (see heap_tables above). */
static inline int plain_init_tables(struct plain_map *m, size_t capacity, uint64_t seed, bool heap_tables)
{
    memset(m, 0, sizeof *m);
    m->heap_tables = heap_tables;
    lf_hasher_init(&m->hasher, seed);
    size_t nslots = plain_slots_for(capacity);
    struct plain_slot *t = plain_table_alloc(nslots, m->heap_tables);
    if (!t)
        return -1;
    plain_set_table(m, t, nslots);
    return 0;
}

static inline int plain_init(struct plain_map *m, size_t capacity, uint64_t seed)
{
    return plain_init_tables(m, capacity, seed, false);
}

static inline void plain_destroy(struct plain_map *m)
{
    if (m->slots)
        plain_table_free(m->slots, m->mask + 1, m->heap_tables);
    m->slots = NULL;
}

static inline size_t plain_size(const struct plain_map *m)
{
    return m->size;
}

static inline size_t plain_capacity_slots(const struct plain_map *m)
{
    return m->mask + 1;
}

static inline bool plain_get(const struct plain_map *m, uint64_t key, uint64_t *value)
{
    uint64_t h = lf_mix(&m->hasher, key);
    if (__builtin_expect(h == 0, 0)) {
        if (m->has_zero && value)
            *value = m->zero_value;
        return m->has_zero;
    }
    /* The load bound guarantees an empty slot, so the probe terminates. */
    for (size_t i = h & m->mask;; i = (i + 1) & m->mask) {
        uint64_t k = m->slots[i].key;
        if (k == h) {
            if (value)
                *value = m->slots[i].value;
            return true;
        }
        if (k == 0)
            return false;
    }
}

/* Places a mixed key known to be absent; the table has room. */
static inline void plain_place(struct plain_slot *t, size_t mask, uint64_t h, uint64_t value)
{
    size_t i = h & mask;
    while (t[i].key != 0)
        i = (i + 1) & mask;
    t[i].key = h;
    t[i].value = value;
}

/* Doubles the table by rehashing every key: a stop-the-world resize, the way
 * a single-threaded map grows.  0 or -1 (out of memory, map unchanged). */
static inline int plain_grow(struct plain_map *m)
{
    size_t old_n = m->mask + 1, new_n = old_n * 2;
    struct plain_slot *t = plain_table_alloc(new_n, m->heap_tables);
    if (!t)
        return -1;
    for (size_t i = 0; i < old_n; i++)
        if (m->slots[i].key != 0)
            plain_place(t, new_n - 1, m->slots[i].key, m->slots[i].value);
    plain_table_free(m->slots, old_n, m->heap_tables);
    plain_set_table(m, t, new_n);
    m->resizes++;
    return 0;
}

/* As lfmap_insert: 1 inserted, 0 key present (map unchanged), -1 no memory. */
static inline int plain_insert(struct plain_map *m, uint64_t key, uint64_t value)
{
    uint64_t h = lf_mix(&m->hasher, key);
    if (__builtin_expect(h == 0, 0)) {
        if (m->has_zero)
            return 0;
        m->has_zero = true;
        m->zero_value = value;
        m->size++;
        return 1;
    }
    size_t i = h & m->mask;
    for (;; i = (i + 1) & m->mask) {
        uint64_t k = m->slots[i].key;
        if (k == h)
            return 0;
        if (k == 0)
            break;
    }
    /* Keys in the array (the side key does not occupy a slot). */
    size_t in_array = m->size - (m->has_zero ? 1 : 0);
    if (in_array + 1 > m->grow_at) {
        if (plain_grow(m) != 0)
            return -1;
        plain_place(m->slots, m->mask, h, value);
    } else {
        m->slots[i].value = value;
        PLAIN_COMMIT_KEY(&m->slots[i], h);
    }
    m->size++;
    return 1;
}

/* As lfmap_remove: 1 removed (*old set if old != NULL), 0 absent. */
static inline int plain_remove(struct plain_map *m, uint64_t key, uint64_t *old)
{
    uint64_t h = lf_mix(&m->hasher, key);
    if (__builtin_expect(h == 0, 0)) {
        if (!m->has_zero)
            return 0;
        if (old)
            *old = m->zero_value;
        m->has_zero = false;
        m->size--;
        return 1;
    }
    size_t i = h & m->mask;
    for (;; i = (i + 1) & m->mask) {
        uint64_t k = m->slots[i].key;
        if (k == h)
            break;
        if (k == 0)
            return 0;
    }
    if (old)
        *old = m->slots[i].value;
    /* Backward shift: pull each later key of the cluster into the hole when
     * the hole lies between its home slot and its current slot (cyclically),
     * so no probe for it would stop at the hole. */
    size_t hole = i;
    for (size_t j = (i + 1) & m->mask; m->slots[j].key != 0; j = (j + 1) & m->mask) {
        size_t home = m->slots[j].key & m->mask;
        if (((j - home) & m->mask) >= ((j - hole) & m->mask)) {
            m->slots[hole] = m->slots[j];
            hole = j;
        }
    }
    PLAIN_COMMIT_KEY(&m->slots[hole], 0);
    m->slots[hole].value = 0;
    m->size--;
    return 1;
}

/* Address of the key's value word, or NULL when absent.  Valid until the next
 * insert or remove (either may move slots).  Lets wrappers update in place. */
static inline uint64_t *plain_value_slot(struct plain_map *m, uint64_t key)
{
    uint64_t h = lf_mix(&m->hasher, key);
    if (__builtin_expect(h == 0, 0))
        return m->has_zero ? &m->zero_value : NULL;
    for (size_t i = h & m->mask;; i = (i + 1) & m->mask) {
        uint64_t k = m->slots[i].key;
        if (k == h)
            return &m->slots[i].value;
        if (k == 0)
            return NULL;
    }
}

/* Upsert: 1 inserted, 0 replaced (*old set if old != NULL), -1 no memory. */
static inline int plain_put(struct plain_map *m, uint64_t key, uint64_t value, uint64_t *old)
{
    uint64_t *slot = plain_value_slot(m, key);
    if (slot) {
        if (old)
            *old = *slot;
        *slot = value;
        return 0;
    }
    return plain_insert(m, key, value);
}

#endif /* PLAIN_MAP_H */
