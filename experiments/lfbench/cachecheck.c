/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The caches' pre-run check, see cachecheck.h. */
#include "cachecheck.h"

#include <pthread.h>
#include <string.h>

#include "bmap_iface.h"

/* The fewest hits the filled cache must give (of its keys / 4 entries). */
#define LFB_CHECK_RECENT 8u
#define LFB_CHECK_TTL_S 5u

struct cache_check {
    const struct lfb_map_ops *ops;
    const struct lfb_cache_ops *c;
    const char *scheme;
    uint64_t keys;
    struct lfcli_err *err;
    int rc;
};

/* Sets key k to its value (as the shim does: the key and length first). */
static bool set_key(const struct lfb_cache_ops *c, void *m, uint64_t k, uint32_t ttl_s)
{
    size_t n, want = lfb_value_len(k);
    const unsigned char *key = lfb_key_bytes(k, &n);
    uint64_t head[2] = {k, want};
    memcpy(lfb_cache_buf, head, sizeof head);
    for (size_t i = sizeof head; i < want; i++)
        lfb_cache_buf[i] = (unsigned char)(k + i);
    return c->set(m, key, n, lfb_cache_buf, want, ttl_s);
}

/* 1 hit with the right value, 0 miss, -1 hit with a wrong value. */
static int get_key(const struct lfb_cache_ops *c, void *m, uint64_t k)
{
    static _Thread_local unsigned char buf[LFB_VALUE_LEN_MAX];
    size_t n, vlen = 0, want = lfb_value_len(k);
    const unsigned char *key = lfb_key_bytes(k, &n);
    if (!c->get(m, key, n, buf, sizeof buf, &vlen))
        return 0;
    uint64_t head[2];
    memcpy(head, buf, sizeof head);
    if (vlen != want || head[0] != k || head[1] != want)
        return -1;
    for (size_t i = sizeof head; i < want; i++)
        if (buf[i] != (unsigned char)(k + i))
            return -1;
    return 1;
}

static int run_check(struct cache_check *cc, void *m)
{
    const struct lfb_cache_ops *c = cc->c;
    const char *name = cc->ops->name;
    uint64_t cap = cc->keys / 4;
    for (uint64_t k = 1; k <= cap / 2; k++)
        if (!set_key(c, m, k, 0))
            return lfcli_fail(cc->err, "%s: set of key %llu failed in an empty cache", name, (unsigned long long)k);
    /* Every key is found or was evicted (a cache bounded per segment, as
     * segring, may evict before the whole is full: small ones do), and most
     * are found. */
    uint64_t half_hits = 0;
    for (uint64_t k = 1; k <= cap / 2; k++) {
        int g = get_key(c, m, k);
        if (g < 0)
            return lfcli_fail(cc->err, "%s: key %llu returned another key's value", name, (unsigned long long)k);
        half_hits += (uint64_t)g;
    }
    struct lfb_cache_counters half;
    c->counters(m, &half);
    if (half_hits != half.entries || half.entries + half.evicted != cap / 2 || half_hits < cap / 4)
        return lfcli_fail(cc->err, "%s: %llu keys set into a cache of %llu entries: %llu found, %llu held, "
                                   "%llu evicted", name, (unsigned long long)(cap / 2), (unsigned long long)cap,
                          (unsigned long long)half_hits, (unsigned long long)half.entries,
                          (unsigned long long)half.evicted);
    for (uint64_t k = 1; k <= cc->keys; k++)
        if (!set_key(c, m, k, 0))
            return lfcli_fail(cc->err, "%s: set of key %llu failed", name, (unsigned long long)k);
    struct lfb_cache_counters n;
    c->counters(m, &n);
    /* A cache bounded by bytes (segring) holds about its capacity; small
     * ones a little more (each segment holds the largest entry at least). */
    if (n.entries > 2 * cap || n.evicted == 0)
        return lfcli_fail(cc->err, "%s: %llu keys set into a cache of %llu entries hold %llu entries, %llu evicted",
                          name, (unsigned long long)cc->keys, (unsigned long long)cap,
                          (unsigned long long)n.entries, (unsigned long long)n.evicted);
    uint64_t hits = 0;
    for (uint64_t k = 1; k <= cc->keys; k++) {
        int g = get_key(c, m, k);
        if (g < 0)
            return lfcli_fail(cc->err, "%s: key %llu returned another key's value", name, (unsigned long long)k);
        hits += (uint64_t)g;
        /* The last key set is held by every policy (FIFO, random: lfmap-cache
         * evicts before a set, never the key it sets). */
        if (g == 0 && k == cc->keys)
            return lfcli_fail(cc->err, "%s: key %llu, the last set, is missing", name, (unsigned long long)k);
    }
    if (hits < LFB_CHECK_RECENT || hits > n.entries)
        return lfcli_fail(cc->err, "%s: %llu of %llu keys found in a cache of %llu entries", name,
                          (unsigned long long)hits, (unsigned long long)cc->keys, (unsigned long long)cap);
    /* Expiry: found before its time, gone after it. */
    int64_t saved = lfb_cache_clock_offset_s;
    uint64_t k = cc->keys;
    int rc = 0;
    if (!set_key(c, m, k, LFB_CHECK_TTL_S) || get_key(c, m, k) != 1)
        rc = lfcli_fail(cc->err, "%s: key %llu set with a ttl of %us is not found at once", name,
                        (unsigned long long)k, LFB_CHECK_TTL_S);
    lfb_cache_clock_offset_s = saved + LFB_CHECK_TTL_S + 1;
    if (rc == 0 && get_key(c, m, k) != 0)
        rc = lfcli_fail(cc->err, "%s: key %llu is still found after its ttl", name, (unsigned long long)k);
    lfb_cache_clock_offset_s = saved;
    return rc;
}

static void *check_thread(void *arg)
{
    struct cache_check *cc = arg;
    struct lfb_map_config cfg = {.capacity = cc->keys / 4, .seed = 1, .threads = 1, .scheme = cc->scheme};
    void *m = cc->ops->create(&cfg);
    if (!m) {
        cc->rc = lfcli_fail(cc->err, "%s: create failed", cc->ops->name);
        return NULL;
    }
    if (cc->ops->thread_enter)
        cc->ops->thread_enter(m);
    cc->rc = run_check(cc, m);
    cc->ops->destroy(m);
    if (cc->ops->thread_exit)
        cc->ops->thread_exit(m);
    return NULL;
}

int lfb_check_cache(const struct lfb_map_ops *ops, const char *scheme, uint64_t keys, struct lfcli_err *err)
{
    struct cache_check cc = {.ops = ops, .c = lfb_cache_ops_of(ops), .scheme = scheme, .keys = keys, .err = err};
    if (!cc.c)
        return lfcli_fail(err, "%s is not a cache", ops->name);
    if (lfb_keys.nkeys < keys || keys < 4 * LFB_CHECK_RECENT)
        return lfcli_fail(err, "%s: the cache check needs a key set of %llu keys", ops->name,
                          (unsigned long long)keys);
    pthread_t t;
    if (pthread_create(&t, NULL, check_thread, &cc) != 0)
        return lfcli_fail(err, "cannot start the cache check's thread");
    pthread_join(t, NULL);
    return cc.rc;
}
