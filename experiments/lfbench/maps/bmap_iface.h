/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Byte-key maps and caches behind lfbench's map interface (map_iface.h).
 *
 * A byte-key map is written against keys that are byte strings (pointer +
 * length): its adapter (maps/bmap_NAME.c or .cc) defines
 *     static bool P_get(void *m, const void *key, size_t len, uint64_t *value);
 *     static bool P_insert(void *m, const void *key, size_t len, uint64_t value);
 *     static bool P_remove(void *m, const void *key, size_t len);
 *     static bool P_put(void *m, const void *key, size_t len, uint64_t value);
 *     static bool P_cas(void *m, const void *key, size_t len, uint64_t expected, uint64_t desired);
 * with the meanings of map_iface.h, and LFB_BYTES_SHIM(P) turns them into
 * the harness's operations on integer keys: integer key k is the byte string
 * lfb_key_bytes(k) of the session's key set (bytekeys.h).  The shim calls P_*
 * directly (they inline), so a byte-key map is timed by the same driver, on
 * the same operation streams, with the same differential check against the
 * plain integer map (the key set is a bijection) as every other map; only
 * the key bytes are read from the key set in between.  It also defines
 * lfb_bmap_NAME, the byte operations themselves, for the tests that give
 * keys the key set never holds (empty, NUL bytes, prefixes of each other).
 *
 * A cache (maps/cache_NAME.c) defines
 *     static bool P_get(void *c, const void *key, size_t klen, void *buf, size_t cap, size_t *vlen);
 *         (a hit copies the value, at most cap bytes, into buf)
 *     static bool P_set(void *c, const void *key, size_t klen, const void *val, size_t vlen, uint32_t ttl_s);
 * and LFB_CACHE_SHIM(P) makes the harness's get one cache access: a get, and
 * on a miss a set of the key's value (the cache preset's get-then-set-on-miss;
 * every operation of its stream is a get).  The value of key k is
 * lfb_value_len(k) bytes that start with k and the length, so every hit
 * checks that it got the value of its own key.  Insert (the prefill) is a
 * set; remove and cas are not cache operations (false).
 */
#ifndef LFB_BMAP_IFACE_H
#define LFB_BMAP_IFACE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bytekeys.h"
#include "map_iface.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The byte operations of a byte-key map, for tests. */
struct lfb_bmap_ops {
    const struct lfb_map_ops *map; /* create, destroy, thread_enter/exit, stats, ... */
    bool (*get)(void *m, const void *key, size_t len, uint64_t *value);
    bool (*insert)(void *m, const void *key, size_t len, uint64_t value);
    bool (*remove)(void *m, const void *key, size_t len);
    bool (*put)(void *m, const void *key, size_t len, uint64_t value);
    bool (*cas)(void *m, const void *key, size_t len, uint64_t expected, uint64_t desired);
};

/* What a cache counts (its stats also go into the record's map_config). */
struct lfb_cache_counters {
    uint64_t entries;
    uint64_t evicted; /* entries dropped to make room */
    uint64_t expired; /* entries found or dropped expired */
};

/* The cache operations themselves, for tests and the pre-run check. */
struct lfb_cache_ops {
    const struct lfb_map_ops *map;
    bool (*get)(void *c, const void *key, size_t klen, void *buf, size_t cap, size_t *vlen);
    bool (*set)(void *c, const void *key, size_t klen, const void *val, size_t vlen, uint32_t ttl_s);
    void (*counters)(void *c, struct lfb_cache_counters *out);
};

extern const struct lfb_bmap_ops *const lfb_bmap_raw[];   /* lfb_byte_maps' byte operations, same order */
extern const struct lfb_cache_ops *const lfb_cache_raw[]; /* lfb_cache_maps' cache operations */
const struct lfb_cache_ops *lfb_cache_ops_of(const struct lfb_map_ops *map);

#define LFB_BYTES_SHIM(P)                                                                       \
    static bool P##_k_get(void *m, uint64_t k, uint64_t *v)                                     \
    {                                                                                           \
        size_t n;                                                                               \
        const unsigned char *b = lfb_key_bytes(k, &n);                                          \
        return P##_get(m, b, n, v);                                                             \
    }                                                                                           \
    static bool P##_k_insert(void *m, uint64_t k, uint64_t v)                                   \
    {                                                                                           \
        size_t n;                                                                               \
        const unsigned char *b = lfb_key_bytes(k, &n);                                          \
        return P##_insert(m, b, n, v);                                                          \
    }                                                                                           \
    static bool P##_k_remove(void *m, uint64_t k)                                               \
    {                                                                                           \
        size_t n;                                                                               \
        const unsigned char *b = lfb_key_bytes(k, &n);                                          \
        return P##_remove(m, b, n);                                                             \
    }                                                                                           \
    static bool P##_k_put(void *m, uint64_t k, uint64_t v)                                      \
    {                                                                                           \
        size_t n;                                                                               \
        const unsigned char *b = lfb_key_bytes(k, &n);                                          \
        return P##_put(m, b, n, v);                                                             \
    }                                                                                           \
    static bool P##_k_cas(void *m, uint64_t k, uint64_t e, uint64_t d)                          \
    {                                                                                           \
        size_t n;                                                                               \
        const unsigned char *b = lfb_key_bytes(k, &n);                                          \
        return P##_cas(m, b, n, e, d);                                                          \
    }

/* Designated initializers of the shim's operations (C adapters). */
#define LFB_BYTES_SHIM_OPS(P) \
    .get = P##_k_get, .insert = P##_k_insert, .remove = P##_k_remove, .put = P##_k_put, .cas = P##_k_cas

/* lfb_bmap_NAME, the byte operations of the map lfb_map_NAME. */
#define LFB_BYTES_RAW(NAME, P)                                                                  \
    const struct lfb_bmap_ops lfb_bmap_##NAME = {&lfb_map_##NAME, P##_get, P##_insert,          \
                                                 P##_remove, P##_put, P##_cas}

/* ---- caches -------------------------------------------------------------- */

/* Tests move the caches' clock forward (seconds); 0 in lfbench. */
extern int64_t lfb_cache_clock_offset_s;

/* Seconds, from a clock that costs a few ns (the coarse monotonic clock, a
 * vDSO read with no TSC access, ~4 ms resolution): every cache reads it the
 * same way, freecache's design on every access (its eviction compares access
 * times), the others only when entries expire. */
static inline uint32_t lfb_cache_now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
    return (uint32_t)(ts.tv_sec + lfb_cache_clock_offset_s);
}

/* The expiry time of an entry set now with ttl_s (0 = never). */
static inline uint32_t lfb_cache_expiry(uint32_t ttl_s)
{
    return ttl_s ? lfb_cache_now_s() + ttl_s : 0;
}

static inline bool lfb_cache_expired(uint32_t expire_at)
{
    return expire_at != 0 && lfb_cache_now_s() >= expire_at;
}

#ifdef __cplusplus
#define LFB_THREAD_LOCAL thread_local
#else
#define LFB_THREAD_LOCAL _Thread_local
#endif

/* Each worker's value buffer: a get copies into it; after a miss it holds
 * the value to set. */
extern LFB_THREAD_LOCAL unsigned char lfb_cache_buf[LFB_VALUE_LEN_MAX];

void lfb_cache_bad_value(uint64_t k, size_t vlen, const unsigned char *buf);

static inline uint32_t lfb_cache_ttl(void)
{
    return (uint32_t)lfb_keys.ttl_s;
}

#define LFB_CACHE_SHIM(P)                                                                       \
    static bool P##_k_get(void *c, uint64_t k, uint64_t *v)                                     \
    {                                                                                           \
        size_t n, vlen, want = lfb_value_len(k);                                                \
        const unsigned char *key = lfb_key_bytes(k, &n);                                        \
        unsigned char *buf = lfb_cache_buf;                                                     \
        uint64_t head[2];                                                                       \
        if (P##_get(c, key, n, buf, sizeof lfb_cache_buf, &vlen)) {                             \
            memcpy(head, buf, sizeof head);                                                     \
            if (vlen != want || head[0] != k || head[1] != want)                                \
                lfb_cache_bad_value(k, vlen, buf);                                              \
            *v = k;                                                                             \
            return true;                                                                        \
        }                                                                                       \
        head[0] = k;                                                                            \
        head[1] = want;                                                                         \
        memcpy(buf, head, sizeof head);                                                         \
        P##_set(c, key, n, buf, want, lfb_cache_ttl());                                         \
        return false;                                                                           \
    }                                                                                           \
    static bool P##_k_insert(void *c, uint64_t k, uint64_t v)                                   \
    {                                                                                           \
        (void)v;                                                                                \
        size_t n, want = lfb_value_len(k);                                                      \
        const unsigned char *key = lfb_key_bytes(k, &n);                                        \
        uint64_t head[2] = {k, want};                                                           \
        memcpy(lfb_cache_buf, head, sizeof head);                                               \
        return P##_set(c, key, n, lfb_cache_buf, want, lfb_cache_ttl());                        \
    }                                                                                           \
    static bool P##_k_none(void *c, uint64_t k)                                                 \
    {                                                                                           \
        (void)c, (void)k;                                                                       \
        return false;                                                                           \
    }                                                                                           \
    static bool P##_k_nocas(void *c, uint64_t k, uint64_t e, uint64_t d)                        \
    {                                                                                           \
        (void)c, (void)k, (void)e, (void)d;                                                     \
        return false;                                                                           \
    }

#define LFB_CACHE_SHIM_OPS(P) \
    .get = P##_k_get, .insert = P##_k_insert, .remove = P##_k_none, .put = P##_k_insert, .cas = P##_k_nocas

#define LFB_CACHE_RAW(NAME, P) \
    const struct lfb_cache_ops lfb_cache_##NAME = {&lfb_map_##NAME, P##_get, P##_set, P##_counters}

#ifdef __cplusplus
}
#endif

#endif /* LFB_BMAP_IFACE_H */
