/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * cow: the copy-on-write snapshot map (the brief's atomic.Value design).
 * Readers load one pointer to an immutable plain table inside an RCU
 * read-side section and never write shared memory.  A writer takes the
 * writer mutex, checks whether its operation changes anything (an insert of a
 * present key or a remove of an absent one publishes nothing), copies the
 * whole table, applies the change to the copy and publishes it; after
 * releasing the mutex it waits for a grace period and frees the old copy, so
 * at most one old copy per writer thread is alive (bounded memory churn
 * rather than an unbounded call_rcu backlog of O(n)-byte tables).
 *
 * Copies come from the allocator whatever their size (plain_map.h's
 * heap_tables): a copy is written whole at once, so mmap's lazy zeroing buys
 * nothing, and at 1e4 keys the 16,384-slot table is exactly 256 KiB, the
 * plain tables' mmap threshold, so every write paid an mmap, 64 page faults
 * and an munmap (with a TLB shootdown at 2 threads) that jemalloc's reuse of
 * the freed copy avoids.
 */
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "locks.h"
#include "map_iface.h"
#include "plain_map.h"
#include "urcu_glue.h"

/* Normal: the critical section copies the whole table (microseconds to
 * milliseconds), far longer than a spin pays for; adaptive measured no
 * better (10/90 at 2 threads 0.10 against 0.11 Mops/s): results/harness/README.md. */
#define COW_OWN_KIND LFB_LOCK_NORMAL

struct cow_map {
    _Atomic(struct plain_map *) current;
    pthread_mutex_t writer;
    enum lfb_lock_kind kind;
    atomic_uint_fast64_t copies;        /* snapshots published */
    atomic_int_fast64_t retired_bytes;  /* copies waiting for their grace period */
};

static size_t snapshot_bytes(const struct plain_map *t)
{
    return plain_table_bytes(plain_capacity_slots(t)) + sizeof *t;
}

static struct plain_map *snapshot_clone(const struct plain_map *src)
{
    struct plain_map *t = malloc(sizeof *t);
    if (!t)
        return NULL;
    *t = *src;
    size_t n = plain_capacity_slots(src);
    /* Not zeroed: the copy overwrites every byte. */
    t->slots = aligned_alloc(PLAIN_ALIGN, plain_table_bytes(n));
    t->heap_tables = true;
    if (!t->slots) {
        free(t);
        return NULL;
    }
    memcpy(t->slots, src->slots, plain_table_bytes(n));
    return t;
}

static void snapshot_free(struct plain_map *t)
{
    plain_destroy(t);
    free(t);
}

static void *cow_create(const struct lfb_map_config *cfg)
{
    struct cow_map *m = calloc(1, sizeof *m);
    struct plain_map *t = malloc(sizeof *t);
    if (!m || !t || plain_init(t, cfg->capacity, cfg->seed) != 0) {
        free(m);
        free(t);
        return NULL;
    }
    m->kind = lfb_lock_kind_pick(cfg->lock_kind, COW_OWN_KIND);
    if (lfb_mutex_init(&m->writer, m->kind) != 0) {
        plain_destroy(t);
        free(t);
        free(m);
        return NULL;
    }
    atomic_init(&m->current, t);
    return m;
}

static void cow_destroy(void *p)
{
    struct cow_map *m = p;
    snapshot_free(atomic_load(&m->current));
    pthread_mutex_destroy(&m->writer);
    free(m);
}

static void cow_enter(void *m) { (void)m; lfb_rcu_register(); }
static void cow_exit(void *m) { (void)m; lfb_rcu_unregister(); }

static bool cow_get(void *p, uint64_t k, uint64_t *v)
{
    struct cow_map *m = p;
    lfb_rcu_read_lock();
    bool found = plain_get(atomic_load_explicit(&m->current, memory_order_acquire), k, v);
    lfb_rcu_read_unlock();
    return found;
}

enum cow_op { COW_INSERT, COW_REMOVE, COW_PUT, COW_CAS };

/* Applies one write; returns the operation's result. */
static bool cow_write(struct cow_map *m, enum cow_op op, uint64_t k, uint64_t v, uint64_t expected)
{
    lfb_mutex_lock(&m->writer);
    struct plain_map *old = atomic_load_explicit(&m->current, memory_order_relaxed);
    uint64_t *slot = plain_value_slot(old, k);
    bool changes;
    switch (op) {
    case COW_INSERT: changes = slot == NULL; break;
    case COW_REMOVE: changes = slot != NULL; break;
    case COW_CAS: changes = slot != NULL && *slot == expected; break;
    default: changes = true; break;
    }
    if (!changes) {
        pthread_mutex_unlock(&m->writer);
        return false;
    }
    bool was_new = slot == NULL;
    struct plain_map *copy = snapshot_clone(old);
    if (!copy) {
        pthread_mutex_unlock(&m->writer);
        fputs("lfbench: cow: out of memory copying the table\n", stderr);
        abort();
    }
    int rc = 0;
    switch (op) {
    case COW_INSERT: rc = plain_insert(copy, k, v); break;
    case COW_REMOVE: plain_remove(copy, k, NULL); break;
    case COW_PUT: rc = plain_put(copy, k, v, NULL); break;
    case COW_CAS: *plain_value_slot(copy, k) = v; break;
    }
    if (rc < 0) {
        fputs("lfbench: cow: out of memory growing the copy\n", stderr);
        abort();
    }
    atomic_store_explicit(&m->current, copy, memory_order_release);
    atomic_fetch_add_explicit(&m->copies, 1, memory_order_relaxed);
    int64_t bytes = (int64_t)snapshot_bytes(old);
    atomic_fetch_add_explicit(&m->retired_bytes, bytes, memory_order_relaxed);
    pthread_mutex_unlock(&m->writer);
    lfb_rcu_synchronize();
    snapshot_free(old);
    atomic_fetch_sub_explicit(&m->retired_bytes, bytes, memory_order_relaxed);
    return op == COW_PUT ? was_new : true;
}

static bool cow_insert(void *m, uint64_t k, uint64_t v) { return cow_write(m, COW_INSERT, k, v, 0); }
static bool cow_remove(void *m, uint64_t k) { return cow_write(m, COW_REMOVE, k, 0, 0); }
static bool cow_put(void *m, uint64_t k, uint64_t v) { return cow_write(m, COW_PUT, k, v, 0); }
static bool cow_cas(void *m, uint64_t k, uint64_t e, uint64_t d) { return cow_write(m, COW_CAS, k, d, e); }

/* Prefill: no reader exists yet, so the current table is changed in place.
 * Not through the insert path, unlike every other map: a copy per key
 * would make loading n keys O(n^2) (1e6 keys: hours), and the state a
 * prefill leaves (one table, no retired copy) is the one inserts would. */
static bool cow_load(void *p, uint64_t k, uint64_t v)
{
    struct cow_map *m = p;
    return plain_insert(atomic_load(&m->current), k, v) == 1;
}

/* Safe while writers publish copies: the current table is read inside a
 * read-side section, like a lookup. */
static void cow_stats(void *p, struct lfb_map_stats *out)
{
    struct cow_map *m = p;
    lfb_rcu_read_lock();
    struct plain_map *t = atomic_load_explicit(&m->current, memory_order_acquire);
    out->size = (int64_t)plain_size(t);
    out->resizes = (int64_t)t->resizes;
    lfb_rcu_read_unlock();
    out->retired_bytes = atomic_load(&m->retired_bytes);
    snprintf(out->config, sizeof out->config,
             "{\"reclamation\":\"urcu-memb synchronize_rcu per write\",\"copies\":%llu,"
             "\"copy_tables\":\"allocator\",\"lock\":\"pthread_mutex\",\"kind\":\"%s\"}",
             (unsigned long long)atomic_load(&m->copies), lfb_lock_kind_names[m->kind]);
}

const struct lfb_map_ops LFB_MAP_OPS(cow) = {
    .name = "cow",
    .description = "copy-on-write snapshot (atomic.Value design), urcu grace period",
    .lock_kinds = LFB_MUTEX_KINDS,
    .profiled = LFB_LOCKS_PROFILED,
    .stats_concurrent = true,
    .create = cow_create,
    .destroy = cow_destroy,
    .thread_enter = cow_enter,
    .thread_exit = cow_exit,
    .get = cow_get,
    .insert = cow_insert,
    .remove = cow_remove,
    .put = cow_put,
    .cas = cow_cas,
    .load = cow_load,
    .stats = cow_stats,
};
