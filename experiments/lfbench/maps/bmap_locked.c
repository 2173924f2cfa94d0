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

LMAP_OPS(pb, ONE_SHARD, NO_LOCK, NO_LOCK, NO_LOCK)
LMAP_OPS(mb, ONE_SHARD, MUTEX_LOCK, MUTEX_LOCK, MUTEX_UNLOCK)
LMAP_OPS(rb, ONE_SHARD, RW_RD, RW_WR, RW_UN)
LMAP_OPS(sb, STRIPE, MUTEX_LOCK, MUTEX_LOCK, MUTEX_UNLOCK)

static void *pb_create(const struct lfb_map_config *c) { return lmap_new(c, 1, LOCK_NONE); }
static void *mb_create(const struct lfb_map_config *c) { return lmap_new(c, 1, LOCK_MUTEX); }
static void *rb_create(const struct lfb_map_config *c) { return lmap_new(c, 1, LOCK_RWLOCK); }
static void *sb_create(const struct lfb_map_config *c) { return lmap_new(c, LFB_BSTRIPES, LOCK_MUTEX); }
static void pb_destroy(void *m) { lmap_free(m, LOCK_NONE); }
static void mb_destroy(void *m) { lmap_free(m, LOCK_MUTEX); }
static void rb_destroy(void *m) { lmap_free(m, LOCK_RWLOCK); }
static void sb_destroy(void *m) { lmap_free(m, LOCK_MUTEX); }

/* stats runs with no operation in flight (the harness's contract for maps
 * without stats_concurrent), so it reads the tables without their locks. */
static void pb_stats(void *m, struct lfb_map_stats *o) { lmap_stats(m, o, "{\"table\":\"bytes_table\"}"); }
static void mb_stats(void *m, struct lfb_map_stats *o)
{
    lmap_stats(m, o, "{\"table\":\"bytes_table\",\"lock\":\"pthread_mutex\"}");
}
static void rb_stats(void *m, struct lfb_map_stats *o)
{
    lmap_stats(m, o, "{\"table\":\"bytes_table\",\"lock\":\"pthread_rwlock\"}");
}
static void sb_stats(void *m, struct lfb_map_stats *o)
{
    lmap_stats(m, o, "{\"table\":\"bytes_table\",\"stripes\":64,\"lock\":\"pthread_mutex\"}");
}

const struct lfb_map_ops lfb_map_plain_bytes = {
    .name = "plain-bytes",
    .description = "the byte-key table (experiments/bytes_table.h) alone, 1 thread only",
    .max_threads = 1,
    .create = pb_create,
    .destroy = pb_destroy,
    LFB_BYTES_SHIM_OPS(pb),
    .stats = pb_stats,
};
const struct lfb_map_ops lfb_map_mutex_bytes = {
    .name = "mutex-bytes",
    .description = "one pthread mutex around the byte-key table",
    .create = mb_create,
    .destroy = mb_destroy,
    LFB_BYTES_SHIM_OPS(mb),
    .stats = mb_stats,
};
const struct lfb_map_ops lfb_map_rwlock_bytes = {
    .name = "rwlock-bytes",
    .description = "one pthread rwlock around the byte-key table",
    .create = rb_create,
    .destroy = rb_destroy,
    LFB_BYTES_SHIM_OPS(rb),
    .stats = rb_stats,
};
const struct lfb_map_ops lfb_map_striped_bytes = {
    .name = "striped-bytes",
    .description = "64 byte-key tables, one mutex each, shard by hash",
    .create = sb_create,
    .destroy = sb_destroy,
    LFB_BYTES_SHIM_OPS(sb),
    .stats = sb_stats,
};

LFB_BYTES_RAW(plain_bytes, pb);
LFB_BYTES_RAW(mutex_bytes, mb);
LFB_BYTES_RAW(rwlock_bytes, rb);
LFB_BYTES_RAW(striped_bytes, sb);
