/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* rwlock: one pthread reader-writer lock around a plain table: readers
 * share, writers serialise, and the lock word bounces between cores. */
#include <stdio.h>
#include <stdlib.h>

#include "locks.h"
#include "map_iface.h"
#include "plain_map.h"

/* Reader preference (glibc's default): writer preference starved the
 * readers' shared acquisitions at 2 threads (50/50 0.9 against 3.1 Mops/s,
 * p99 read 25 against 3.6 us): results/harness/README.md. */
#define RWLOCK_OWN_KIND LFB_LOCK_PREFER_READER

struct rwlock_map {
    pthread_rwlock_t lock;
    enum lfb_lock_kind kind;
    struct plain_map table;
};

static void *rwlock_create(const struct lfb_map_config *cfg)
{
    struct rwlock_map *m = malloc(sizeof *m);
    if (!m)
        return NULL;
    if (plain_init(&m->table, cfg->capacity, cfg->seed) != 0) {
        free(m);
        return NULL;
    }
    m->kind = lfb_lock_kind_pick(cfg->lock_kind, RWLOCK_OWN_KIND);
    if (lfb_rwlock_init(&m->lock, m->kind) != 0) {
        plain_destroy(&m->table);
        free(m);
        return NULL;
    }
    return m;
}

static void rwlock_destroy(void *p)
{
    struct rwlock_map *m = p;
    pthread_rwlock_destroy(&m->lock);
    plain_destroy(&m->table);
    free(m);
}

static bool rwlock_get(void *p, uint64_t k, uint64_t *v)
{
    struct rwlock_map *m = p;
    lfb_rwlock_rdlock(&m->lock);
    bool found = plain_get(&m->table, k, v);
    pthread_rwlock_unlock(&m->lock);
    return found;
}

static bool rwlock_insert(void *p, uint64_t k, uint64_t v)
{
    struct rwlock_map *m = p;
    lfb_rwlock_wrlock(&m->lock);
    int rc = plain_insert(&m->table, k, v);
    pthread_rwlock_unlock(&m->lock);
    return rc == 1;
}

static bool rwlock_remove(void *p, uint64_t k)
{
    struct rwlock_map *m = p;
    lfb_rwlock_wrlock(&m->lock);
    int rc = plain_remove(&m->table, k, NULL);
    pthread_rwlock_unlock(&m->lock);
    return rc == 1;
}

static bool rwlock_put(void *p, uint64_t k, uint64_t v)
{
    struct rwlock_map *m = p;
    lfb_rwlock_wrlock(&m->lock);
    int rc = plain_put(&m->table, k, v, NULL);
    pthread_rwlock_unlock(&m->lock);
    return rc == 1;
}

static bool rwlock_cas(void *p, uint64_t k, uint64_t expected, uint64_t desired)
{
    struct rwlock_map *m = p;
    lfb_rwlock_wrlock(&m->lock);
    uint64_t *slot = plain_value_slot(&m->table, k);
    bool ok = slot && *slot == expected;
    if (ok)
        *slot = desired;
    pthread_rwlock_unlock(&m->lock);
    return ok;
}

static void rwlock_stats(void *p, struct lfb_map_stats *out)
{
    struct rwlock_map *m = p;
    pthread_rwlock_rdlock(&m->lock);
    out->size = plain_size(&m->table);
    out->resizes = (int64_t)m->table.resizes;
    pthread_rwlock_unlock(&m->lock);
    out->retired_bytes = 0;
    snprintf(out->config, sizeof out->config, "{\"lock\":\"pthread_rwlock\",\"kind\":\"%s\"}",
             lfb_lock_kind_names[m->kind]);
}

const struct lfb_map_ops LFB_MAP_OPS(rwlock) = {
    .name = "rwlock",
    .description = "one pthread rwlock around a plain table",
    .lock_kinds = LFB_RWLOCK_KINDS,
    .profiled = LFB_LOCKS_PROFILED,
    .stats_concurrent = true,
    .create = rwlock_create,
    .destroy = rwlock_destroy,
    .get = rwlock_get,
    .insert = rwlock_insert,
    .remove = rwlock_remove,
    .put = rwlock_put,
    .cas = rwlock_cas,
    .stats = rwlock_stats,
};
