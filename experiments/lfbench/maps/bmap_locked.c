/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The lock-based byte-key baselines over one table of key objects
 * (experiments/bytes_table.h), each the byte-key twin of an integer map:
 *   plain-bytes    the table alone, 1 thread only (the single-thread floor)
 *   mutex-bytes    one pthread mutex around it
 *   rwlock-bytes   one pthread reader-writer lock around it
 *   striped-bytes  64 tables on their own cache lines, one mutex each; the
 *                  shard is the top 6 bits of the key's hash, the home slot
 *                  in the shard its low bits
 * At their best: the hash is computed before the lock is taken, a removed
 * key's object is freed after it is released, locks are taken with one call
 * (no contention profiling in timed runs), and every operation is a direct,
 * inlined call into the table.  An insert allocates its key object under the
 * lock, only when the key is absent.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

#include "bmap_iface.h"
#include "bytes_table.h"

#define LFB_BSTRIPES_LOG2 6u
#define LFB_BSTRIPES (1u << LFB_BSTRIPES_LOG2)
#define LFB_CACHE_LINE 64

struct shard {
    union {
        pthread_mutex_t mutex;
        pthread_rwlock_t rwlock;
    } lock;
    struct bytes_table t;
} __attribute__((aligned(LFB_CACHE_LINE)));

struct lmap {
    struct lfmap_hasher hasher;
    unsigned nshards;
    struct shard shards[];
};

enum lock_kind { LOCK_NONE, LOCK_MUTEX, LOCK_RWLOCK };

static struct lmap *lmap_new(const struct lfb_map_config *cfg, unsigned nshards, enum lock_kind kind)
{
    struct lmap *m = aligned_alloc(LFB_CACHE_LINE, sizeof *m + nshards * sizeof m->shards[0]);
    if (!m)
        return NULL;
    lf_hasher_init(&m->hasher, cfg->seed);
    m->nshards = nshards;
    size_t per_shard = nshards > 1 ? cfg->capacity / nshards + 1 : cfg->capacity;
    for (unsigned i = 0; i < nshards; i++) {
        if (bt_init(&m->shards[i].t, per_shard) != 0) {
            while (i-- > 0)
                bt_destroy(&m->shards[i].t, true);
            free(m);
            return NULL;
        }
        if (kind == LOCK_MUTEX)
            pthread_mutex_init(&m->shards[i].lock.mutex, NULL);
        else if (kind == LOCK_RWLOCK)
            pthread_rwlock_init(&m->shards[i].lock.rwlock, NULL);
    }
    return m;
}

static void lmap_free(struct lmap *m, enum lock_kind kind)
{
    for (unsigned i = 0; i < m->nshards; i++) {
        bt_destroy(&m->shards[i].t, true);
        if (kind == LOCK_MUTEX)
            pthread_mutex_destroy(&m->shards[i].lock.mutex);
        else if (kind == LOCK_RWLOCK)
            pthread_rwlock_destroy(&m->shards[i].lock.rwlock);
    }
    free(m);
}

static void lmap_stats(struct lmap *m, struct lfb_map_stats *out, const char *config)
{
    out->size = 0;
    out->resizes = 0;
    for (unsigned i = 0; i < m->nshards; i++) {
        out->size += m->shards[i].t.size;
        out->resizes += (int64_t)m->shards[i].t.resizes;
    }
    out->retired_bytes = 0;
    snprintf(out->config, sizeof out->config, "%s", config);
}

/* The five operations of one variant: SHARD(m, hash) picks the table,
 * RD/WR/UN(s) lock and unlock it. */
#define LMAP_OPS(P, SHARD, RD, WR, UN)                                                          \
    static bool P##_get(void *p, const void *k, size_t n, uint64_t *v)                          \
    {                                                                                           \
        struct lmap *m = p;                                                                     \
        uint64_t h = bt_hash(&m->hasher, k, n);                                                 \
        struct shard *s = SHARD(m, h);                                                          \
        RD(s);                                                                                  \
        struct bt_obj *o = bt_find(&s->t, h, k, n);                                             \
        if (o && v)                                                                             \
            *v = o->value;                                                                      \
        UN(s);                                                                                  \
        return o != NULL;                                                                       \
    }                                                                                           \
    static bool P##_insert(void *p, const void *k, size_t n, uint64_t v)                        \
    {                                                                                           \
        struct lmap *m = p;                                                                     \
        uint64_t h = bt_hash(&m->hasher, k, n);                                                 \
        struct shard *s = SHARD(m, h);                                                          \
        bool added = false;                                                                     \
        WR(s);                                                                                  \
        if (!bt_find(&s->t, h, k, n)) {                                                         \
            struct bt_obj *o = bt_obj_new(k, n, v, 0);                                          \
            added = o && bt_add(&s->t, h, o) == 0;                                              \
            if (o && !added)                                                                    \
                free(o);                                                                        \
        }                                                                                       \
        UN(s);                                                                                  \
        return added;                                                                           \
    }                                                                                           \
    static bool P##_remove(void *p, const void *k, size_t n)                                    \
    {                                                                                           \
        struct lmap *m = p;                                                                     \
        uint64_t h = bt_hash(&m->hasher, k, n);                                                 \
        struct shard *s = SHARD(m, h);                                                          \
        WR(s);                                                                                  \
        struct bt_obj *o = bt_remove(&s->t, h, k, n);                                           \
        UN(s);                                                                                  \
        free(o);                                                                                \
        return o != NULL;                                                                       \
    }                                                                                           \
    static bool P##_put(void *p, const void *k, size_t n, uint64_t v)                           \
    {                                                                                           \
        struct lmap *m = p;                                                                     \
        uint64_t h = bt_hash(&m->hasher, k, n);                                                 \
        struct shard *s = SHARD(m, h);                                                          \
        bool added = false;                                                                     \
        WR(s);                                                                                  \
        struct bt_obj *o = bt_find(&s->t, h, k, n);                                             \
        if (o) {                                                                                \
            o->value = v;                                                                       \
        } else {                                                                                \
            o = bt_obj_new(k, n, v, 0);                                                         \
            added = o && bt_add(&s->t, h, o) == 0;                                              \
            if (o && !added)                                                                    \
                free(o);                                                                        \
        }                                                                                       \
        UN(s);                                                                                  \
        return added;                                                                           \
    }                                                                                           \
    static bool P##_cas(void *p, const void *k, size_t n, uint64_t e, uint64_t d)               \
    {                                                                                           \
        struct lmap *m = p;                                                                     \
        uint64_t h = bt_hash(&m->hasher, k, n);                                                 \
        struct shard *s = SHARD(m, h);                                                          \
        WR(s);                                                                                  \
        struct bt_obj *o = bt_find(&s->t, h, k, n);                                             \
        bool ok = o && o->value == e;                                                           \
        if (ok)                                                                                 \
            o->value = d;                                                                       \
        UN(s);                                                                                  \
        return ok;                                                                              \
    }                                                                                           \
    LFB_BYTES_SHIM(P)

#define ONE_SHARD(m, h) (&(m)->shards[0])
#define STRIPE(m, h) (&(m)->shards[(h) >> (64u - LFB_BSTRIPES_LOG2)])
#define NO_LOCK(s) ((void)(s))
#define MUTEX_LOCK(s) pthread_mutex_lock(&(s)->lock.mutex)
#define MUTEX_UNLOCK(s) pthread_mutex_unlock(&(s)->lock.mutex)
#define RW_RD(s) pthread_rwlock_rdlock(&(s)->lock.rwlock)
#define RW_WR(s) pthread_rwlock_wrlock(&(s)->lock.rwlock)
#define RW_UN(s) pthread_rwlock_unlock(&(s)->lock.rwlock)

/* One map of this family: its operations (LMAP_OPS), its lifetime, its
 * statistics and its registration.  stats runs with no operation in flight
 * (the harness's contract for maps without stats_concurrent), so it reads
 * the tables without their locks. */
#define LMAP_DEFINE(P, NAME, LABEL, DESCRIPTION, MAX_THREADS, NSHARDS, SHARD_OF, LOCK_KIND, RD, WR, UN, CONFIG) \
    LMAP_OPS(P, SHARD_OF, RD, WR, UN)                                                             \
    static void *P##_create(const struct lfb_map_config *c) { return lmap_new(c, NSHARDS, LOCK_KIND); } \
    static void P##_destroy(void *m) { lmap_free(m, LOCK_KIND); }                                 \
    static void P##_stats(void *m, struct lfb_map_stats *o) { lmap_stats(m, o, CONFIG); }        \
    const struct lfb_map_ops lfb_map_##NAME = {                                                   \
        .name = LABEL,                                                                            \
        .description = DESCRIPTION,                                                               \
        .max_threads = MAX_THREADS,                                                               \
        .create = P##_create,                                                                     \
        .destroy = P##_destroy,                                                                   \
        LFB_BYTES_SHIM_OPS(P),                                                                    \
        .stats = P##_stats,                                                                       \
    };                                                                                            \
    LFB_BYTES_RAW(NAME, P)

LMAP_DEFINE(pb, plain_bytes, "plain-bytes", "the byte-key table (experiments/bytes_table.h) alone, 1 thread only", 1,
            1, ONE_SHARD, LOCK_NONE, NO_LOCK, NO_LOCK, NO_LOCK, "{\"table\":\"bytes_table\"}");
LMAP_DEFINE(mb, mutex_bytes, "mutex-bytes", "one pthread mutex around the byte-key table", 0, 1, ONE_SHARD,
            LOCK_MUTEX, MUTEX_LOCK, MUTEX_LOCK, MUTEX_UNLOCK, "{\"table\":\"bytes_table\",\"lock\":\"pthread_mutex\"}");
LMAP_DEFINE(rb, rwlock_bytes, "rwlock-bytes", "one pthread rwlock around the byte-key table", 0, 1, ONE_SHARD,
            LOCK_RWLOCK, RW_RD, RW_WR, RW_UN, "{\"table\":\"bytes_table\",\"lock\":\"pthread_rwlock\"}");
LMAP_DEFINE(sb, striped_bytes, "striped-bytes", "64 byte-key tables, one mutex each, shard by hash", 0,
            LFB_BSTRIPES, STRIPE, LOCK_MUTEX, MUTEX_LOCK, MUTEX_LOCK, MUTEX_UNLOCK,
            "{\"table\":\"bytes_table\",\"stripes\":64,\"lock\":\"pthread_mutex\"}");
