/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * lockmap-cache: a lock around a hash map of malloc'd entries, go-cache's
 * design (a Go map from string to item under a sync.RWMutex; Get takes the
 * read lock, Set the write lock, an item holds the value and its expiry
 * time, and an expired item is reported absent).  In C, at its best: one
 * pthread rwlock around the byte-key table of experiments/bytes_table.h,
 * whose key object is the entry itself (key, hash, expiry, length and value
 * in one malloc'd block: one allocation per set), the entry built before
 * the lock is taken and a dropped one freed after it is released.
 *
 * go-cache has no capacity: it grows until items expire.  To hold a working
 * set larger than the capacity it needs a bound, and it gets the cheapest
 * one: a FIFO ring of the entries under the same lock (capacity entries; a
 * set that adds a key when the ring is full drops the oldest entry; a set
 * that replaces a key keeps the old entry's place).  Expired entries stay
 * until a set replaces them or the ring drops them (go-cache's janitor,
 * which deletes them periodically, is left out: nothing here waits for it).
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>

#include "bmap_iface.h"
#include "bytes_table.h"

/* After the key's bytes in the entry (bt_obj: value = the key's hash, aux =
 * its ring position). */
struct lm_tail {
    uint32_t expire_at;
    uint32_t vlen;
};

struct lockmap {
    pthread_rwlock_t lock;
    struct bytes_table t;
    struct lfmap_hasher hasher;
    struct bt_obj **ring;
    size_t cap, head;
    uint64_t evicted;
    _Atomic uint64_t expired; /* counted under the read lock, by several readers */
};

static struct lm_tail lm_tail_of(const struct bt_obj *o)
{
    struct lm_tail t;
    memcpy(&t, o->bytes + o->len, sizeof t); /* after a key of any length: unaligned */
    return t;
}

static const unsigned char *lm_value(const struct bt_obj *o)
{
    return o->bytes + o->len + sizeof(struct lm_tail);
}

static void *lm_create(const struct lfb_map_config *cfg)
{
    struct lockmap *c = calloc(1, sizeof *c);
    if (!c)
        return NULL;
    c->cap = cfg->capacity ? cfg->capacity : 1;
    c->ring = calloc(c->cap, sizeof *c->ring);
    if (!c->ring || bt_init(&c->t, c->cap) != 0) {
        free(c->ring);
        free(c);
        return NULL;
    }
    lf_hasher_init(&c->hasher, cfg->seed);
    pthread_rwlock_init(&c->lock, NULL);
    return c;
}

static void lm_destroy(void *p)
{
    struct lockmap *c = p;
    bt_destroy(&c->t, true);
    pthread_rwlock_destroy(&c->lock);
    free(c->ring);
    free(c);
}

static bool lm_get(void *p, const void *key, size_t klen, void *buf, size_t cap, size_t *vlen)
{
    struct lockmap *c = p;
    uint64_t h = bt_hash(&c->hasher, key, klen);
    bool hit = false;
    pthread_rwlock_rdlock(&c->lock);
    const struct bt_obj *o = bt_find(&c->t, h, key, klen);
    if (o) {
        struct lm_tail t = lm_tail_of(o);
        if (lfb_cache_expired(t.expire_at)) {
            atomic_fetch_add_explicit(&c->expired, 1, memory_order_relaxed);
        } else {
            *vlen = t.vlen;
            memcpy(buf, lm_value(o), t.vlen < cap ? t.vlen : cap);
            hit = true;
        }
    }
    pthread_rwlock_unlock(&c->lock);
    return hit;
}

static bool lm_set(void *p, const void *key, size_t klen, const void *val, size_t vlen, uint32_t ttl_s)
{
    struct lockmap *c = p;
    uint64_t h = bt_hash(&c->hasher, key, klen);
    struct lm_tail tail = {lfb_cache_expiry(ttl_s), (uint32_t)vlen};
    struct bt_obj *e = bt_obj_new(key, klen, h, sizeof tail + vlen);
    if (!e)
        return false;
    memcpy(e->bytes + klen, &tail, sizeof tail);
    memcpy(e->bytes + klen + sizeof tail, val, vlen);
    struct bt_obj *drop = NULL;
    bool ok = true;
    pthread_rwlock_wrlock(&c->lock);
    ptrdiff_t i = bt_find_slot(&c->t, h, key, klen);
    if (i >= 0) {
        drop = c->t.slots[i].obj;
        c->t.slots[i].obj = e;
        e->aux = drop->aux;
        c->ring[e->aux] = e;
    } else {
        drop = c->ring[c->head];
        if (drop) {
            bt_remove_obj(&c->t, drop->value, drop);
            c->evicted++;
        }
        if (bt_add(&c->t, h, e) == 0) {
            e->aux = (uint32_t)c->head;
            c->ring[c->head] = e;
            c->head = c->head + 1 == c->cap ? 0 : c->head + 1;
        } else {
            c->ring[c->head] = NULL;
            ok = false;
        }
    }
    pthread_rwlock_unlock(&c->lock);
    free(drop);
    if (!ok)
        free(e);
    return ok;
}

static void lm_counters(void *p, struct lfb_cache_counters *out)
{
    struct lockmap *c = p;
    pthread_rwlock_rdlock(&c->lock);
    out->entries = c->t.size;
    out->evicted = c->evicted;
    out->expired = atomic_load_explicit(&c->expired, memory_order_relaxed);
    pthread_rwlock_unlock(&c->lock);
}

static void lm_stats(void *p, struct lfb_map_stats *out)
{
    struct lockmap *c = p;
    struct lfb_cache_counters n;
    lm_counters(p, &n);
    out->size = n.entries;
    out->resizes = (int64_t)c->t.resizes;
    out->retired_bytes = 0;
    snprintf(out->config, sizeof out->config,
             "{\"design\":\"go-cache\",\"lock\":\"pthread_rwlock\",\"bound\":\"fifo\",\"capacity\":%zu,"
             "\"evicted\":%llu,\"expired\":%llu}",
             c->cap, (unsigned long long)n.evicted, (unsigned long long)n.expired);
}

LFB_CACHE_SHIM(lm)

const struct lfb_map_ops lfb_map_lockmap_cache = {
    .name = "lockmap-cache",
    .description = "cache: rwlock + map of malloc'd entries, FIFO bound (go-cache's design)",
    .create = lm_create,
    .destroy = lm_destroy,
    LFB_CACHE_SHIM_OPS(lm),
    .stats = lm_stats,
};

LFB_CACHE_RAW(lockmap_cache, lm);
