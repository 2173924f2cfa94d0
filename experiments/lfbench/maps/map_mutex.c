/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* mutex: one pthread mutex around a plain table (the brief's "global mutex
 * map"): simple, and it serialises everything.  Its lock kind is the one
 * that measured best (locks.h; results/harness/README.md). */
#include <stdio.h>
#include <stdlib.h>

#include "locks.h"
#include "map_iface.h"
#include "plain_map.h"

/* Adaptive: its critical sections are one probe of a plain table, shorter
 * than a futex sleep and wake-up, so spinning briefly wins at 2 threads
 * (95/5 10.2 against 9.6 Mops/s, 50/50 5.7 against 4.4; equal at 1 thread),
 * at the price of a longer tail (p99 5.0 against 3.1 us): results/harness/README.md. */
#define MUTEX_OWN_KIND LFB_LOCK_ADAPTIVE

struct mutex_map {
    pthread_mutex_t lock;
    enum lfb_lock_kind kind;
    struct plain_map table;
};

static void *mutex_create(const struct lfb_map_config *cfg)
{
    struct mutex_map *m = malloc(sizeof *m);
    if (!m)
        return NULL;
    if (plain_init(&m->table, cfg->capacity, cfg->seed) != 0) {
        free(m);
        return NULL;
    }
    m->kind = lfb_lock_kind_pick(cfg->lock_kind, MUTEX_OWN_KIND);
    if (lfb_mutex_init(&m->lock, m->kind) != 0) {
        plain_destroy(&m->table);
        free(m);
        return NULL;
    }
    return m;
}

static void mutex_destroy(void *p)
{
    struct mutex_map *m = p;
    pthread_mutex_destroy(&m->lock);
    plain_destroy(&m->table);
    free(m);
}

static bool mutex_get(void *p, uint64_t k, uint64_t *v)
{
    struct mutex_map *m = p;
    lfb_mutex_lock(&m->lock);
    bool found = plain_get(&m->table, k, v);
    pthread_mutex_unlock(&m->lock);
    return found;
}

static bool mutex_insert(void *p, uint64_t k, uint64_t v)
{
    struct mutex_map *m = p;
    lfb_mutex_lock(&m->lock);
    int rc = plain_insert(&m->table, k, v);
    pthread_mutex_unlock(&m->lock);
    return rc == 1;
}

static bool mutex_remove(void *p, uint64_t k)
{
    struct mutex_map *m = p;
    lfb_mutex_lock(&m->lock);
    int rc = plain_remove(&m->table, k, NULL);
    pthread_mutex_unlock(&m->lock);
    return rc == 1;
}

static bool mutex_put(void *p, uint64_t k, uint64_t v)
{
    struct mutex_map *m = p;
    lfb_mutex_lock(&m->lock);
    int rc = plain_put(&m->table, k, v, NULL);
    pthread_mutex_unlock(&m->lock);
    return rc == 1;
}

static bool mutex_cas(void *p, uint64_t k, uint64_t expected, uint64_t desired)
{
    struct mutex_map *m = p;
    lfb_mutex_lock(&m->lock);
    uint64_t *slot = plain_value_slot(&m->table, k);
    bool ok = slot && *slot == expected;
    if (ok)
        *slot = desired;
    pthread_mutex_unlock(&m->lock);
    return ok;
}

static void mutex_stats(void *p, struct lfb_map_stats *out)
{
    struct mutex_map *m = p;
    pthread_mutex_lock(&m->lock);
    out->size = plain_size(&m->table);
    out->resizes = (int64_t)m->table.resizes;
    pthread_mutex_unlock(&m->lock);
    out->retired_bytes = 0;
    snprintf(out->config, sizeof out->config, "{\"lock\":\"pthread_mutex\",\"kind\":\"%s\"}",
             lfb_lock_kind_names[m->kind]);
}

const struct lfb_map_ops LFB_MAP_OPS(mutex) = {
    .name = "mutex",
    .description = "one pthread mutex around a plain table",
    .lock_kinds = LFB_MUTEX_KINDS,
    .profiled = LFB_LOCKS_PROFILED,
    .stats_concurrent = true,
    .create = mutex_create,
    .destroy = mutex_destroy,
    .get = mutex_get,
    .insert = mutex_insert,
    .remove = mutex_remove,
    .put = mutex_put,
    .cas = mutex_cas,
    .stats = mutex_stats,
};
