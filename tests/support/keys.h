/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * One test body for both kinds of map: tests that drive a map by uint64_t
 * keys include this header and call tmap_* instead of lfmap_*.  Built as is,
 * tmap is lfmap; built with -DTEST_BYTE_KEYS (a second program that
 * #defines it and includes the test's .c file), tmap is lfmap_bytes, and
 * each uint64_t key k stands for a byte string (tkey_bytes):
 *
 *   k < 64     k bytes 'p': the empty key and keys that are prefixes of
 *              each other;
 *   otherwise  'K', the 8 bytes of k, then k % 23 bytes of filler (NULs
 *              among them): 9 to 31 bytes.
 *
 * and back (tkey_of_bytes, for foreach callbacks).  In perturbed builds the
 * byte maps also hash with tkey_colliding_hash (lib/perturb.h,
 * lf_test_bytes_hash): 1024 hash values in all, so that among more than
 * 1024 keys many share their whole hash with others (and every key below
 * 64 with the keys 1024 apart), and the map must compare their bytes.
 */
#ifndef LFMAP_TEST_KEYS_H
#define LFMAP_TEST_KEYS_H

#include <stdbool.h>
#include <stddef.h>
#include <errno.h>
#include <stdint.h>
#include <string.h>

#include "lfmap.h"

#define TKEY_MAX 64 /* the longest: 63 bytes of p */

static inline size_t tkey_bytes(uint64_t k, unsigned char *out)
{
    if (k < 64) {
        memset(out, 'p', (size_t)k);
        return (size_t)k;
    }
    out[0] = 'K';
    memcpy(out + 1, &k, 8);
    size_t fill = (size_t)(k % 23);
    for (size_t i = 0; i < fill; i++)
        out[9 + i] = (unsigned char)((k >> (i % 8)) * 7u); /* zero for some k and i */
    return 9 + fill;
}

static inline bool tkey_of_bytes(const void *bytes, size_t len, uint64_t *k)
{
    const unsigned char *b = (const unsigned char *)bytes;
    if (len < 64 && (len == 0 || b[0] == 'p')) {
        for (size_t i = 0; i < len; i++)
            if (b[i] != 'p')
                return false;
        *k = len;
        return true;
    }
    if (len < 9 || b[0] != 'K')
        return false;
    memcpy(k, b + 1, 8);
    unsigned char again[TKEY_MAX];
    return tkey_bytes(*k, again) == len && memcmp(again, b, len) == 0;
}

#ifdef TEST_BYTE_KEYS
typedef lfmap_bytes tmap;
#define TMAP_KIND "bytes"

#ifdef LFMAP_PERTURB
#include "perturb.h"
static inline uint64_t tkey_colliding_hash(const void *key, size_t len)
{
    uint64_t k = 0;
    if (!tkey_of_bytes(key, len, &k))
        k = len;
    return (k & 1023) * 0x9e3779b97f4a7c15ull; /* 1024 values, spread over home slots and tags */
}
#endif

static inline tmap *tmap_new(const struct lfmap_config *cfg)
{
#ifdef LFMAP_PERTURB
    lf_test_bytes_hash = tkey_colliding_hash;
#endif
    return lfmap_bytes_new(cfg);
}
static inline void tmap_free(tmap *m) { lfmap_bytes_free(m); }
#define TKEY(k)                                                                                        \
    unsigned char tkey_buf_[TKEY_MAX];                                                                 \
    size_t tkey_len_ = tkey_bytes((k), tkey_buf_)
static inline bool tmap_get(tmap *m, uint64_t k, uint64_t *v) { TKEY(k); return lfmap_bytes_get(m, tkey_buf_, tkey_len_, v); }
static inline int tmap_insert(tmap *m, uint64_t k, uint64_t v) { TKEY(k); return lfmap_bytes_insert(m, tkey_buf_, tkey_len_, v); }
static inline int tmap_get_or_insert(tmap *m, uint64_t k, uint64_t v, uint64_t *cur)
{
    TKEY(k);
    return lfmap_bytes_get_or_insert(m, tkey_buf_, tkey_len_, v, cur);
}
static inline int tmap_put(tmap *m, uint64_t k, uint64_t v, uint64_t *old) { TKEY(k); return lfmap_bytes_put(m, tkey_buf_, tkey_len_, v, old); }
static inline int tmap_remove(tmap *m, uint64_t k, uint64_t *old) { TKEY(k); return lfmap_bytes_remove(m, tkey_buf_, tkey_len_, old); }
static inline int tmap_cas(tmap *m, uint64_t k, uint64_t e, uint64_t d) { TKEY(k); return lfmap_bytes_cas(m, tkey_buf_, tkey_len_, e, d); }
static inline int tmap_remove_if(tmap *m, uint64_t k, uint64_t e) { TKEY(k); return lfmap_bytes_remove_if(m, tkey_buf_, tkey_len_, e); }
static inline int tmap_lookup(tmap *m, uint64_t k, uint64_t *v) { TKEY(k); return lfmap_bytes_lookup(m, tkey_buf_, tkey_len_, v); }
static inline int tmap_fetch_add(tmap *m, uint64_t k, uint64_t d, uint64_t *old)
{
    TKEY(k);
    return lfmap_bytes_fetch_add(m, tkey_buf_, tkey_len_, d, old);
}
static inline size_t tmap_size(tmap *m) { return lfmap_bytes_size(m); }
static inline void tmap_get_stats(tmap *m, struct lfmap_stats *s) { lfmap_bytes_get_stats(m, s); }

struct tmap_walk {
    int (*fn)(uint64_t key, uint64_t value, void *arg);
    void *arg;
    bool bad_key; /* a key that no uint64_t key stands for */
};
static inline int tmap_walk_visit(const void *key, size_t len, uint64_t value, void *arg)
{
    struct tmap_walk *w = arg;
    uint64_t k;
    if (!tkey_of_bytes(key, len, &k)) {
        w->bad_key = true;
        return -1;
    }
    return w->fn(k, value, w->arg);
}
/* As lfmap_foreach; a key that decodes to no uint64_t key stops the walk
 * with -EILSEQ (the map handed out bytes it was never given). */
static inline int tmap_foreach(tmap *m, int (*fn)(uint64_t key, uint64_t value, void *arg), void *arg)
{
    struct tmap_walk w = {fn, arg, false};
    int rc = lfmap_bytes_foreach(m, tmap_walk_visit, &w);
    return w.bad_key ? -EILSEQ : rc;
}
#else
typedef lfmap tmap;
#define TMAP_KIND "u64"
static inline tmap *tmap_new(const struct lfmap_config *cfg) { return lfmap_new(cfg); }
static inline void tmap_free(tmap *m) { lfmap_free(m); }
static inline bool tmap_get(tmap *m, uint64_t k, uint64_t *v) { return lfmap_get(m, k, v); }
static inline int tmap_insert(tmap *m, uint64_t k, uint64_t v) { return lfmap_insert(m, k, v); }
static inline int tmap_get_or_insert(tmap *m, uint64_t k, uint64_t v, uint64_t *cur) { return lfmap_get_or_insert(m, k, v, cur); }
static inline int tmap_put(tmap *m, uint64_t k, uint64_t v, uint64_t *old) { return lfmap_put(m, k, v, old); }
static inline int tmap_remove(tmap *m, uint64_t k, uint64_t *old) { return lfmap_remove(m, k, old); }
static inline int tmap_cas(tmap *m, uint64_t k, uint64_t e, uint64_t d) { return lfmap_cas(m, k, e, d); }
static inline int tmap_remove_if(tmap *m, uint64_t k, uint64_t e) { return lfmap_remove_if(m, k, e); }
static inline int tmap_lookup(tmap *m, uint64_t k, uint64_t *v) { return lfmap_lookup(m, k, v); }
static inline int tmap_fetch_add(tmap *m, uint64_t k, uint64_t d, uint64_t *old) { return lfmap_fetch_add(m, k, d, old); }
static inline size_t tmap_size(tmap *m) { return lfmap_size(m); }
static inline void tmap_get_stats(tmap *m, struct lfmap_stats *s) { lfmap_get_stats(m, s); }
static inline int tmap_foreach(tmap *m, int (*fn)(uint64_t key, uint64_t value, void *arg), void *arg)
{
    return lfmap_foreach(m, fn, arg);
}
#endif

#endif /* LFMAP_TEST_KEYS_H */
