/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * ckht: Concurrency Kit's ck_ht in direct mode (keys and values stored in
 * the table), under its documented contract: any number of lock-free readers
 * (the *_spmc calls) and one writer at a time, here one mutex for all
 * writers.  When ck_ht grows it hands the old table to the allocator's free
 * with defer = true: readers may still be in it, so that free waits for an
 * RCU grace period (readers run ck_ht_get_spmc inside a read-side section).
 * Keys 0 and UINTPTR_MAX are ck_ht's empty and tombstone marks; the harness
 * never uses them (map_iface.h).
 */
#include <ck_ht.h>
#include <stdio.h>
#include <stdlib.h>

#include "locks.h"
#include "map_iface.h"
#include "urcu_glue.h"

/* ck_ht's smallest useful table; it rounds up to a power of two itself. */
#define CKHT_MIN_ENTRIES 64u

/* Adaptive: one writer at a time, short puts; spinning wins for every mix
 * at 2 threads (50/50 4.4 against 3.0 Mops/s): results/harness/README.md. */
#define CKHT_OWN_KIND LFB_LOCK_ADAPTIVE

struct ckht_map {
    ck_ht_t ht;
    pthread_mutex_t writer;
    enum lfb_lock_kind kind;
};

/* ck_ht calls this for lookups and again when it rehashes on growth; in
 * direct mode key points at the key word.  splitmix64's finalizer of the
 * seeded key: as strong a mix as lib/hash.h's, and stateless. */
static void ckht_hash_cb(ck_ht_hash_t *h, const void *key, size_t len, uint64_t seed)
{
    (void)len;
    uint64_t x = *(const uintptr_t *)key ^ seed;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
    h->value = x ^ (x >> 31);
}

static void *ck_malloc_cb(size_t size) { return malloc(size); }

static void *ck_realloc_cb(void *p, size_t old, size_t size, bool defer)
{
    (void)old;
    (void)defer;
    return realloc(p, size);
}

static void ck_free_cb(void *p, size_t size, bool defer)
{
    (void)size;
    if (defer)
        lfb_rcu_synchronize(); /* readers may still hold the old table */
    free(p);
}

static struct ck_malloc ckht_allocator = {
    .malloc = ck_malloc_cb,
    .realloc = ck_realloc_cb,
    .free = ck_free_cb,
};

static uintptr_t ck_key(const struct ckht_map *m, uint64_t key)
{
    (void)m;
    return (uintptr_t)key;
}

static void ck_hash(struct ckht_map *m, ck_ht_hash_t *h, uint64_t key)
{
    ck_ht_hash_direct(h, &m->ht, (uintptr_t)key);
}

static void *ckht_create(const struct lfb_map_config *cfg)
{
    struct ckht_map *m = calloc(1, sizeof *m);
    if (!m)
        return NULL;
    size_t entries = cfg->capacity > CKHT_MIN_ENTRIES ? cfg->capacity : CKHT_MIN_ENTRIES;
    if (!ck_ht_init(&m->ht, CK_HT_MODE_DIRECT | CK_HT_WORKLOAD_DELETE, ckht_hash_cb, &ckht_allocator,
                    entries, cfg->seed)) {
        free(m);
        return NULL;
    }
    m->kind = lfb_lock_kind_pick(cfg->lock_kind, CKHT_OWN_KIND);
    if (lfb_mutex_init(&m->writer, m->kind) != 0) {
        ck_ht_destroy(&m->ht);
        free(m);
        return NULL;
    }
    return m;
}

static void ckht_destroy(void *p)
{
    struct ckht_map *m = p;
    ck_ht_destroy(&m->ht);
    pthread_mutex_destroy(&m->writer);
    free(m);
}

static void ckht_enter(void *m) { (void)m; lfb_rcu_register(); }
static void ckht_exit(void *m) { (void)m; lfb_rcu_unregister(); }

static bool ckht_get(void *p, uint64_t key, uint64_t *value)
{
    struct ckht_map *m = p;
    ck_ht_hash_t h;
    ck_ht_entry_t e;
    ck_hash(m, &h, key);
    ck_ht_entry_key_set_direct(&e, ck_key(m, key));
    lfb_rcu_read_lock();
    bool found = ck_ht_get_spmc(&m->ht, h, &e);
    lfb_rcu_read_unlock();
    if (found && value)
        *value = (uint64_t)ck_ht_entry_value_direct(&e);
    return found;
}

static void oom(void)
{
    fputs("lfbench: ckht: out of memory\n", stderr);
    abort();
}

static bool ckht_insert(void *p, uint64_t key, uint64_t value)
{
    struct ckht_map *m = p;
    ck_ht_hash_t h;
    ck_ht_entry_t e;
    ck_hash(m, &h, key);
    lfb_mutex_lock(&m->writer);
    /* Look first: ck 0.7.1's put_spmc can add a second copy of a present key
     * when a tombstone precedes it on the probe path (the differential check
     * caught it); as the only writer we may look and then put. */
    ck_ht_entry_key_set_direct(&e, ck_key(m, key));
    bool present = ck_ht_get_spmc(&m->ht, h, &e);
    if (!present) {
        ck_ht_entry_set_direct(&e, h, ck_key(m, key), (uintptr_t)value);
        if (!ck_ht_put_spmc(&m->ht, h, &e))
            oom();
    }
    pthread_mutex_unlock(&m->writer);
    return !present;
}

static bool ckht_remove(void *p, uint64_t key)
{
    struct ckht_map *m = p;
    ck_ht_hash_t h;
    ck_ht_entry_t e;
    ck_hash(m, &h, key);
    lfb_mutex_lock(&m->writer);
    ck_ht_entry_key_set_direct(&e, ck_key(m, key));
    bool removed = ck_ht_remove_spmc(&m->ht, h, &e);
    pthread_mutex_unlock(&m->writer);
    return removed;
}

static bool ckht_put(void *p, uint64_t key, uint64_t value)
{
    struct ckht_map *m = p;
    ck_ht_hash_t h;
    ck_ht_entry_t e;
    ck_hash(m, &h, key);
    lfb_mutex_lock(&m->writer);
    ck_ht_entry_key_set_direct(&e, ck_key(m, key));
    bool existed = ck_ht_get_spmc(&m->ht, h, &e);
    ck_ht_entry_set_direct(&e, h, ck_key(m, key), (uintptr_t)value);
    if (!ck_ht_set_spmc(&m->ht, h, &e))
        oom();
    pthread_mutex_unlock(&m->writer);
    return !existed;
}

static bool ckht_cas(void *p, uint64_t key, uint64_t expected, uint64_t desired)
{
    struct ckht_map *m = p;
    ck_ht_hash_t h;
    ck_ht_entry_t e;
    ck_hash(m, &h, key);
    lfb_mutex_lock(&m->writer);
    ck_ht_entry_key_set_direct(&e, ck_key(m, key));
    bool ok = ck_ht_get_spmc(&m->ht, h, &e) && (uint64_t)ck_ht_entry_value_direct(&e) == expected;
    if (ok) {
        ck_ht_entry_set_direct(&e, h, ck_key(m, key), (uintptr_t)desired);
        if (!ck_ht_set_spmc(&m->ht, h, &e))
            oom();
    }
    pthread_mutex_unlock(&m->writer);
    return ok;
}

static void ckht_stats(void *p, struct lfb_map_stats *out)
{
    struct ckht_map *m = p;
    pthread_mutex_lock(&m->writer);
    out->size = ck_ht_count(&m->ht);
    pthread_mutex_unlock(&m->writer);
    out->resizes = -1;
    out->retired_bytes = 0; /* deferred frees wait inline for their grace period */
    snprintf(out->config, sizeof out->config,
             "{\"mode\":\"DIRECT|WORKLOAD_DELETE\",\"writers\":\"one mutex\",\"reclamation\":\"urcu-memb synchronize_rcu\","
             "\"lock\":\"pthread_mutex\",\"kind\":\"%s\"}",
             lfb_lock_kind_names[m->kind]);
}

const struct lfb_map_ops LFB_MAP_OPS(ckht) = {
    .name = "ckht",
    .description = "Concurrency Kit ck_ht: lock-free readers, writers behind one mutex",
    .lock_kinds = LFB_MUTEX_KINDS,
    .profiled = LFB_LOCKS_PROFILED,
    .stats_concurrent = true,
    .create = ckht_create,
    .destroy = ckht_destroy,
    .thread_enter = ckht_enter,
    .thread_exit = ckht_exit,
    .get = ckht_get,
    .insert = ckht_insert,
    .remove = ckht_remove,
    .put = ckht_put,
    .cas = ckht_cas,
    .stats = ckht_stats,
};
