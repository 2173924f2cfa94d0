/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Workloads: what each worker thread does.  A workload is turned, before a
 * run, into one pre-generated operation stream per thread (so drawing keys,
 * Zipf included, costs nothing inside the timed loop), which every map of a
 * point replays identically.
 *
 * Keys: a key index i in [0, range) maps to key 1 + perm(i), perm a
 * multiplicative permutation of [0, range), so hot Zipf ranks and the
 * prefilled indices [0, initial) are scattered over the key space rather
 * than being the first integers.
 */
#ifndef LFB_WORKLOAD_H
#define LFB_WORKLOAD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum lfb_kind { LFB_KIND_MIXED, LFB_KIND_HOTKEYS, LFB_KIND_BULKLOAD, LFB_KIND_CHURN, LFB_KIND_HOTKEYS_CHURN };
enum lfb_mix { LFB_MIX_INSERT_REMOVE, LFB_MIX_PUT, LFB_MIX_CAS_INC };
enum lfb_dist { LFB_DIST_UNIFORM, LFB_DIST_ZIPF };
enum lfb_op {
    LFB_OP_GET, LFB_OP_INSERT, LFB_OP_REMOVE, LFB_OP_PUT, LFB_OP_CAS_INC,
    LFB_OP_REINSERT,   /* hotkeys: remove, then insert the key again */
    LFB_OP_PUT_REMOVE  /* hotkeys-churn: put (Go's Store), then remove (LoadAndDelete) */
};

extern const char *const lfb_mix_names[];  /* "insert-remove", "put", "cas-increment" */
extern const char *const lfb_dist_names[]; /* "uniform", "zipf" */
extern const char *const lfb_op_names[];
/* The record's workload.kind: "mixed", "hotkeys", "bulkload", "churn",
 * "hotkeys-churn". */
extern const char *const lfb_kind_names[];

/* The hot-key presets: the brief's read-mostly pathology (1e5
 * load-and-delete operations over 100 hot keys).
 *   hotkeys        the hot keys are prefilled (in readmostly's read
 *                  snapshot) and a write removes one and inserts it again:
 *                  the case the read snapshot serves without its lock.
 *   hotkeys-churn  the article's pattern: the hot keys are extra keys,
 *                  never prefilled, and a write stores one (put) and then
 *                  removes it (Go's LoadAndDelete), so every store misses
 *                  the read snapshot; hotkeys-churn-empty starts from an
 *                  empty map (nothing prefilled, the same stream).
 * Writes are pairs, timed together and counted as two operations. */
#define LFB_HOT_KEYS_DEFAULT 100u
#define LFB_HOTKEYS_UPDATE_PCT 50.0
/* Share of hot-key reads aimed at the hot set (the rest: uniform over the
 * prefilled keys), so that reads meet the churned keys as the pathology
 * needs. */
#define LFB_HOT_READ_SHARE 0.5
#define LFB_ZIPF_S_DEFAULT 0.99 /* YCSB's constant */
/* churn: the high watermark is this many times the low one (the prefill) by
 * default.  lfmap grows when 3/4 of its slots are claimed and shrinks when
 * live keys fall under 1/16 of them (lib/lfmap_internal.h), so only a range
 * of well over 16x makes every cycle both grow and shrink the table: at 32x
 * a cycle doubles the table three or four times on the way up and shrinks it
 * once on the way down (a shrink goes straight to the smallest table that
 * the keys fill at most half). */
#define LFB_CHURN_FACTOR 32u
/* churn's read share when the name gives none ("churn" = "churn-50/50"). */
#define LFB_CHURN_UPDATE_PCT_DEFAULT 50.0

struct lfb_workload {
    char name[32];          /* "95/5", "hotkeys", "bulkload", "70/30" */
    enum lfb_kind kind;
    bool empty;             /* hotkeys-churn-empty: nothing is prefilled */
    bool cache;             /* the cache preset: every operation a get (a cache
                             * access: get, then set on a miss; maps/bmap_iface.h),
                             * -i the capacity, the working set -r (2 x -i) */
    double update_pct;      /* writes as a percentage of operations */
    enum lfb_mix mix;
    enum lfb_dist dist;
    double zipf_s;
    uint64_t initial;       /* -i: prefilled keys (bulkload: keys to load) */
    uint64_t prefill;       /* keys prefilled (initial; 0 for bulkload and
                             * hotkeys-churn-empty), indices [0, prefill) */
    uint64_t range;         /* key indices drawn from [0, range) */
    uint64_t hot_keys;      /* hot-key presets: size of the hot set */
};

/* A multiplicative permutation of [0, n). */
struct lfb_perm {
    uint64_t n, mult, add;
};
void lfb_perm_init(struct lfb_perm *p, uint64_t n, uint64_t seed);
static inline uint64_t lfb_perm_apply(const struct lfb_perm *p, uint64_t i)
{
    return (uint64_t)(((unsigned __int128)i * p->mult + p->add) % p->n);
}
static inline uint64_t lfb_key_of(const struct lfb_perm *p, uint64_t index)
{
    return 1 + lfb_perm_apply(p, index);
}

/* splitmix64 stream. */
struct lfb_rng {
    uint64_t s;
};
uint64_t lfb_rng_next(struct lfb_rng *r);
/* Uniform in [0, n) (Lemire's multiply-shift; bias < n / 2^64). */
static inline uint64_t lfb_rng_below(struct lfb_rng *r, uint64_t n)
{
    return (uint64_t)(((unsigned __int128)lfb_rng_next(r) * n) >> 64);
}
double lfb_rng_unit(struct lfb_rng *r); /* [0, 1) */

/* Zipf over ranks 1..n with exponent s > 0 by rejection-inversion
 * (Hörmann and Derflinger 1996): O(1) per draw, any n and s. */
struct lfb_zipf {
    uint64_t n;
    double s, h_x1, h_n, s_param;
};
void lfb_zipf_init(struct lfb_zipf *z, uint64_t n, double s);
uint64_t lfb_zipf_next(const struct lfb_zipf *z, struct lfb_rng *r); /* 1..n */

/* Packed stream entry: operation in the top 4 bits, key below. */
#define LFB_OP_SHIFT 60u
#define LFB_KEY_MASK ((UINT64_C(1) << LFB_OP_SHIFT) - 1)
static inline uint64_t lfb_pack(enum lfb_op op, uint64_t key) { return ((uint64_t)op << LFB_OP_SHIFT) | key; }
static inline enum lfb_op lfb_op_of(uint64_t e) { return (enum lfb_op)(e >> LFB_OP_SHIFT); }
static inline uint64_t lfb_key_from(uint64_t e) { return e & LFB_KEY_MASK; }

/* The seed of repetition rep's streams (0-based) in a session of seed
 * `seed`: each repetition replays other streams, every map of it the same. */
uint64_t lfb_stream_seed(uint64_t seed, unsigned rep);

/* Fills out[0..len) with thread `thread`'s operations for workload w
 * (mixed and hot-key kinds) from the given stream seed. */
void lfb_stream_fill(const struct lfb_workload *w, const struct lfb_perm *perm, uint64_t seed,
                     unsigned thread, uint64_t *out, size_t len);

/* Churn: thread t of T owns the key indices t, t + T, ... in [initial,
 * range); it inserts them in order (fill: the map heads for `range` keys,
 * the high watermark), then removes them in reverse (drain: back to the
 * `initial` prefilled keys), and again, so the table grows and shrinks over
 * and over.  A share update_pct of the operations are these writes; the
 * rest are reads of uniform keys over the whole range.  Generated on the
 * fly (the writes depend on the position in the cycle, not on a stored
 * stream), from the stream seed, so every map replays the same. */
struct lfb_churn {
    const struct lfb_perm *perm;
    struct lfb_rng r;
    uint64_t update_cut, hi, T, first, owned, held;
    bool filling;
};
void lfb_churn_init(struct lfb_churn *c, const struct lfb_workload *w, const struct lfb_perm *perm,
                    uint64_t seed, unsigned thread, unsigned threads);
uint64_t lfb_churn_next(struct lfb_churn *c); /* a packed stream entry */

/* Bulkload: the i-th key thread t of T inserts (index t + i T), or 0 when
 * it has none left of the n to load. */
static inline uint64_t lfb_bulk_entry(const struct lfb_perm *perm, uint64_t n, unsigned t, unsigned T, uint64_t i)
{
    uint64_t idx = t + i * T;
    return idx < n ? lfb_pack(LFB_OP_INSERT, lfb_key_of(perm, idx)) : 0;
}

/* Sets the preset named `name` ("95/5", "50/50", "10/90", "hotkeys",
 * "hotkeys-churn", "hotkeys-churn-empty", "bulkload", "R/W" with R + W =
 * 100, "churn", "churn-R/W" or "cache": a mixed workload of gets only, for
 * the caches).  0, or -1 if unknown.  The sizes (initial,
 * prefill, range) are set by lfb_workload_size. */
int lfb_workload_preset(struct lfb_workload *w, const char *name);

/* Sets initial, prefill and range for -i `initial` and -r `range` (0 = the
 * preset's default): hotkeys reads only prefilled keys (range = initial);
 * hotkeys-churn adds its hot keys after the prefilled ones (range =
 * initial + hot_keys); churn's range is its high watermark (default
 * LFB_CHURN_FACTOR x initial); the others default to 2 x initial. */
void lfb_workload_size(struct lfb_workload *w, uint64_t initial, uint64_t range);

#endif /* LFB_WORKLOAD_H */
