/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* striped: the brief's sharded map.  LFB_STRIPES plain tables, each behind
 * its own mutex; a key's shard is the top bits of a hash (the tables use the
 * low bits of their own, differently seeded hash for the home slot, so the
 * two choices are independent).  No whole-map atomic operation exists: size
 * sums the shards one at a time. */
#include <stdio.h>
#include <stdlib.h>

#include "hash.h"
#include "locks.h"
#include "map_iface.h"
#include "plain_map.h"

/* The brief's default N; a power of two so the shard is a shift. */
#define LFB_STRIPES_LOG2 6u
#define LFB_STRIPES (1u << LFB_STRIPES_LOG2)
/* Keeps each shard's lock and table header on its own cache lines. */
#define LFB_CACHE_LINE 64
/* Salt separating the shard hash from the tables' hashes. */
#define LFB_SHARD_SEED_SALT 0x5348415244ull /* "SHARD" */

struct stripe {
    pthread_mutex_t lock;
    struct plain_map table;
} __attribute__((aligned(LFB_CACHE_LINE)));

/* Adaptive: short critical sections, rarely contended over 64 locks; at 2
 * threads it wins on every mix and shortens the tail (p99 write 0.5
 * against 1.6 us at 95/5): results/harness/README.md. */
#define STRIPED_OWN_KIND LFB_LOCK_ADAPTIVE

struct striped_map {
    struct stripe stripes[LFB_STRIPES];
    struct lfmap_hasher shard_hash;
    enum lfb_lock_kind kind;
};

static struct stripe *stripe_of(struct striped_map *m, uint64_t k)
{
    return &m->stripes[lf_mix(&m->shard_hash, k) >> (64u - LFB_STRIPES_LOG2)];
}

static void *striped_create(const struct lfb_map_config *cfg)
{
    struct striped_map *m = aligned_alloc(LFB_CACHE_LINE, sizeof *m);
    if (!m)
        return NULL;
    lf_hasher_init(&m->shard_hash, cfg->seed ^ LFB_SHARD_SEED_SALT);
    m->kind = lfb_lock_kind_pick(cfg->lock_kind, STRIPED_OWN_KIND);
    size_t per_stripe = cfg->capacity / LFB_STRIPES + 1;
    for (unsigned i = 0; i < LFB_STRIPES; i++) {
        if (plain_init(&m->stripes[i].table, per_stripe, cfg->seed + i) != 0 ||
            lfb_mutex_init(&m->stripes[i].lock, m->kind) != 0) {
            /* plain_destroy of a failed init is harmless: no table */
            plain_destroy(&m->stripes[i].table);
            while (i-- > 0) {
                pthread_mutex_destroy(&m->stripes[i].lock);
                plain_destroy(&m->stripes[i].table);
            }
            free(m);
            return NULL;
        }
    }
    return m;
}

static void striped_destroy(void *p)
{
    struct striped_map *m = p;
    for (unsigned i = 0; i < LFB_STRIPES; i++) {
        pthread_mutex_destroy(&m->stripes[i].lock);
        plain_destroy(&m->stripes[i].table);
    }
    free(m);
}

static bool striped_get(void *p, uint64_t k, uint64_t *v)
{
    struct stripe *s = stripe_of(p, k);
    lfb_mutex_lock(&s->lock);
    bool found = plain_get(&s->table, k, v);
    pthread_mutex_unlock(&s->lock);
    return found;
}

static bool striped_insert(void *p, uint64_t k, uint64_t v)
{
    struct stripe *s = stripe_of(p, k);
    lfb_mutex_lock(&s->lock);
    int rc = plain_insert(&s->table, k, v);
    pthread_mutex_unlock(&s->lock);
    return rc == 1;
}

static bool striped_remove(void *p, uint64_t k)
{
    struct stripe *s = stripe_of(p, k);
    lfb_mutex_lock(&s->lock);
    int rc = plain_remove(&s->table, k, NULL);
    pthread_mutex_unlock(&s->lock);
    return rc == 1;
}

static bool striped_put(void *p, uint64_t k, uint64_t v)
{
    struct stripe *s = stripe_of(p, k);
    lfb_mutex_lock(&s->lock);
    int rc = plain_put(&s->table, k, v, NULL);
    pthread_mutex_unlock(&s->lock);
    return rc == 1;
}

static bool striped_cas(void *p, uint64_t k, uint64_t expected, uint64_t desired)
{
    struct stripe *s = stripe_of(p, k);
    lfb_mutex_lock(&s->lock);
    uint64_t *slot = plain_value_slot(&s->table, k);
    bool ok = slot && *slot == expected;
    if (ok)
        *slot = desired;
    pthread_mutex_unlock(&s->lock);
    return ok;
}

static void striped_stats(void *p, struct lfb_map_stats *out)
{
    struct striped_map *m = p;
    out->size = 0;
    out->resizes = 0;
    for (unsigned i = 0; i < LFB_STRIPES; i++) {
        pthread_mutex_lock(&m->stripes[i].lock);
        out->size += plain_size(&m->stripes[i].table);
        out->resizes += (int64_t)m->stripes[i].table.resizes;
        pthread_mutex_unlock(&m->stripes[i].lock);
    }
    out->retired_bytes = 0;
    snprintf(out->config, sizeof out->config, "{\"stripes\":%u,\"lock\":\"pthread_mutex\",\"kind\":\"%s\"}",
             LFB_STRIPES, lfb_lock_kind_names[m->kind]);
}

const struct lfb_map_ops LFB_MAP_OPS(striped) = {
    .name = "striped",
    .description = "64 plain tables, one mutex each, shard by hash",
    .lock_kinds = LFB_MUTEX_KINDS,
    .profiled = LFB_LOCKS_PROFILED,
    .stats_concurrent = true,
    .create = striped_create,
    .destroy = striped_destroy,
    .get = striped_get,
    .insert = striped_insert,
    .remove = striped_remove,
    .put = striped_put,
    .cas = striped_cas,
    .stats = striped_stats,
};
