/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * lfmap-cache: a cache over lfmap_bytes (lib/lfmap.h) with pointer values,
 * as a program would build one from the installed library (the shared
 * library, public API only):
 *   - the value of a key is a malloc'd object {expiry, length, bytes}; a
 *     set allocates one and lfmap_bytes_put publishes it; the object it
 *     replaces, and every object removed, is freed by the map's value
 *     destructor (lfmap_config.value_free) once no reader can hold it;
 *   - a get looks the key up and copies the value out inside
 *     lfmap_bytes_read_lock .. read_unlock, the section that keeps the
 *     object alive; an expired object is reported absent (the set that
 *     follows the miss replaces it);
 *   - the map copies the key in when a put adds it: a set of a new key is
 *     two allocations (the key's copy, the value object), a set of a
 *     present key one (and the retire record the library reuses).
 * Capacity (lfmap has no eviction of its own): random eviction in batches.
 * An atomic count of entries goes up when a put adds a key and down when
 * the eviction removes one.  A set that finds it at the high watermark
 * (capacity + capacity/16) evicts before its put (so never its own key;
 * one thread at a time: the others go on, a few entries past the mark)
 * walks the map once with lfmap_bytes_foreach, picks each entry with
 * probability (count - low watermark) / count, low = capacity -
 * capacity/16, copies the picked keys, and removes them after the walk
 * (a walk's callback must not keep the key's bytes).  So the cache holds
 * between about capacity - capacity/16 and capacity + capacity/16 entries,
 * and an eviction costs its remove plus 1/8 of a walk of the table per
 * entry evicted, amortised; the set that runs the walk pays for all of it
 * (its latency shows in the p99).  Victims are random, not oldest-first:
 * lfmap keeps no order.
 */
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bmap_iface.h"
#include "lfmap.h"
#include "lfmap_thread_glue.h"
#include "workload.h" /* lfb_rng: the victims' draw */

/* The watermarks' distance from the capacity: capacity >> this. */
#define LC_SLACK_SHIFT 4u
#define LC_SLACK_MIN 4u
#define LC_P_ONE 4294967296.0

struct lc_value {
    uint32_t expire_at; /* 0 = never */
    uint32_t vlen;
    unsigned char bytes[];
};

struct lfcache {
    lfmap_bytes *m;
    size_t capacity, high, low;
    /* Its own cache line: every set of a new key adds to it. */
    _Alignas(64) _Atomic int64_t entries;
    atomic_bool sweeping;
    _Atomic uint64_t evicted, expired, sweeps;
    uint64_t seed;
};

/* The keys one walk picked: each a length, then its bytes. */
struct lc_victims {
    unsigned char *buf;
    size_t len, cap, count, want;
    uint64_t cut; /* a draw below it picks the entry */
    struct lfb_rng rng;
    bool failed;
};

static void lc_value_free(uint64_t value, void *ctx)
{
    (void)ctx;
    free((void *)(uintptr_t)value);
}

static void *lc_create(const struct lfb_map_config *cfg)
{
    struct lfcache *c = calloc(1, sizeof *c);
    if (!c)
        return NULL;
    c->capacity = cfg->capacity ? cfg->capacity : 1;
    size_t slack = c->capacity >> LC_SLACK_SHIFT;
    if (slack < LC_SLACK_MIN)
        slack = LC_SLACK_MIN;
    c->high = c->capacity + slack;
    c->low = c->capacity > slack ? c->capacity - slack : 0;
    c->seed = cfg->seed;
    struct lfmap_config mc = {.capacity = c->high, .seed = cfg->seed,
                              .reclamation = lfb_lfmap_scheme(cfg->scheme), .value_free = lc_value_free};
    c->m = lfmap_bytes_new(&mc);
    if (!c->m) {
        free(c);
        return NULL;
    }
    return c;
}

static void lc_destroy(void *p)
{
    struct lfcache *c = p;
    lfmap_bytes_free(c->m);
    free(c);
}

static void lc_quiescent(void *p)
{
    (void)p;
    lfmap_quiescent();
}

static bool lc_get(void *p, const void *key, size_t klen, void *buf, size_t cap, size_t *vlen)
{
    struct lfcache *c = p;
    uint64_t v;
    bool hit = false;
    lfmap_bytes_read_lock(c->m);
    if (lfmap_bytes_get(c->m, key, klen, &v)) {
        const struct lc_value *o = (const struct lc_value *)(uintptr_t)v;
        if (lfb_cache_expired(o->expire_at)) {
            atomic_fetch_add_explicit(&c->expired, 1, memory_order_relaxed);
        } else {
            *vlen = o->vlen;
            memcpy(buf, o->bytes, o->vlen < cap ? o->vlen : cap);
            hit = true;
        }
    }
    lfmap_bytes_read_unlock(c->m);
    return hit;
}

static int lc_pick(const void *key, size_t len, uint64_t value, void *arg)
{
    (void)value; /* may be freed already: never read */
    struct lc_victims *vs = arg;
    if ((lfb_rng_next(&vs->rng) >> 32) >= vs->cut)
        return 0;
    size_t need = vs->len + sizeof len + len;
    if (need > vs->cap) {
        size_t cap = vs->cap ? 2 * vs->cap : 4096;
        while (cap < need)
            cap *= 2;
        unsigned char *grown = realloc(vs->buf, cap);
        if (!grown) {
            vs->failed = true;
            return 1;
        }
        vs->buf = grown;
        vs->cap = cap;
    }
    memcpy(vs->buf + vs->len, &len, sizeof len);
    if (len)
        memcpy(vs->buf + vs->len + sizeof len, key, len);
    vs->len = need;
    return ++vs->count >= vs->want;
}

/* One eviction batch (the caller won c->sweeping). */
static void lc_sweep(struct lfcache *c)
{
    int64_t n = atomic_load_explicit(&c->entries, memory_order_relaxed);
    if (n <= (int64_t)c->low)
        return;
    uint64_t sweep = atomic_fetch_add_explicit(&c->sweeps, 1, memory_order_relaxed);
    struct lc_victims vs = {.want = (size_t)n - c->low, .rng = {c->seed ^ (sweep * 0x9e3779b97f4a7c15ull)}};
    double share = (double)vs.want / (double)n;
    vs.cut = share >= 1 ? UINT64_MAX : (uint64_t)(share * LC_P_ONE);
    (void)lfmap_bytes_foreach(c->m, lc_pick, &vs);
    for (size_t at = 0; at < vs.len;) {
        size_t len;
        memcpy(&len, vs.buf + at, sizeof len);
        if (lfmap_bytes_remove(c->m, vs.buf + at + sizeof len, len, NULL) == 1) {
            atomic_fetch_sub_explicit(&c->entries, 1, memory_order_relaxed);
            atomic_fetch_add_explicit(&c->evicted, 1, memory_order_relaxed);
        }
        at += sizeof len + len;
    }
    free(vs.buf);
}

static bool lc_set(void *p, const void *key, size_t klen, const void *val, size_t vlen, uint32_t ttl_s)
{
    struct lfcache *c = p;
    struct lc_value *o = malloc(sizeof *o + vlen);
    if (!o)
        return false;
    o->expire_at = lfb_cache_expiry(ttl_s);
    o->vlen = (uint32_t)vlen;
    memcpy(o->bytes, val, vlen);
    /* Evict before the put, so that a set never evicts its own key. */
    if (atomic_load_explicit(&c->entries, memory_order_relaxed) >= (int64_t)c->high &&
        !atomic_exchange_explicit(&c->sweeping, true, memory_order_acquire)) {
        lc_sweep(c);
        atomic_store_explicit(&c->sweeping, false, memory_order_release);
    }
    int rc = lfmap_bytes_put(c->m, key, klen, (uint64_t)(uintptr_t)o, NULL);
    if (rc < 0) {
        free(o); /* not published */
        return false;
    }
    if (rc == 1)
        atomic_fetch_add_explicit(&c->entries, 1, memory_order_relaxed);
    return true;
}

static void lc_counters(void *p, struct lfb_cache_counters *out)
{
    struct lfcache *c = p;
    out->entries = lfmap_bytes_size(c->m);
    out->evicted = atomic_load_explicit(&c->evicted, memory_order_relaxed);
    out->expired = atomic_load_explicit(&c->expired, memory_order_relaxed);
}

static void lc_stats(void *p, struct lfb_map_stats *out)
{
    struct lfcache *c = p;
    struct lfmap_stats s;
    lfmap_bytes_get_stats(c->m, &s);
    const char *scheme = lfmap_bytes_reclamation(c->m);
    out->size = (int64_t)s.size;
    out->resizes = (int64_t)s.resizes;
    out->retired_bytes = (int64_t)s.retired_bytes_pending;
    out->retired_values = (int64_t)s.retired_values_pending;
    snprintf(out->scheme, sizeof out->scheme, "%s", scheme ? scheme : "");
    snprintf(out->config, sizeof out->config,
             "{\"design\":\"lfmap_bytes+pointer values\",\"bound\":\"random-batch\",\"capacity\":%zu,"
             "\"high\":%zu,\"low\":%zu,\"sweeps\":%llu,\"reclamation\":\"%s\"}",
             c->capacity, c->high, c->low, (unsigned long long)atomic_load(&c->sweeps), out->scheme);
}

LFB_CACHE_SHIM(lc)

const struct lfb_map_ops lfb_map_lfmap_cache = {
    .name = "lfmap-cache",
    .description = "cache: lfmap_bytes with pointer values freed by its value destructor, random eviction",
    .stats_concurrent = true,
    .create = lc_create,
    .destroy = lc_destroy,
    .thread_enter = lfb_lfmap_thread_enter,
    .thread_exit = lfb_lfmap_thread_exit,
    LFB_CACHE_SHIM_OPS(lc),
    .stats = lc_stats,
    .quiescent = lc_quiescent,
};

LFB_CACHE_RAW(lfmap_cache, lc);
