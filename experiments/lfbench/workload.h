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

enum lfb_kind { LFB_KIND_MIXED, LFB_KIND_HOTKEYS, LFB_KIND_BULKLOAD, LFB_KIND_CHURN };
enum lfb_mix { LFB_MIX_INSERT_REMOVE, LFB_MIX_PUT, LFB_MIX_CAS_INC };
enum lfb_dist { LFB_DIST_UNIFORM, LFB_DIST_ZIPF };
enum lfb_op { LFB_OP_GET, LFB_OP_INSERT, LFB_OP_REMOVE, LFB_OP_PUT, LFB_OP_CAS_INC, LFB_OP_REINSERT };

extern const char *const lfb_mix_names[];  /* "insert-remove", "put", "cas-increment" */
extern const char *const lfb_dist_names[]; /* "uniform", "zipf" */
extern const char *const lfb_op_names[];

/* The hotkeys preset: the brief's read-mostly pathology (1e5
 * load-and-delete operations over 100 hot keys). */
#define LFB_HOT_KEYS_DEFAULT 100u
#define LFB_HOTKEYS_UPDATE_PCT 50.0
/* Share of hotkeys reads aimed at the hot set (the rest: uniform over all
 * keys), so that reads meet the churned keys as the pathology needs. */
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
    double update_pct;      /* writes as a percentage of operations */
    enum lfb_mix mix;
    enum lfb_dist dist;
    double zipf_s;
    uint64_t initial;       /* prefilled keys (bulkload: keys to load) */
    uint64_t range;         /* key indices drawn from [0, range) */
    uint64_t hot_keys;      /* hotkeys: size of the hot set */
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

/* Fills out[0..len) with thread `thread`'s operations for workload w (not
 * bulkload) from the given seed. */
void lfb_stream_fill(const struct lfb_workload *w, const struct lfb_perm *perm, uint64_t seed,
                     unsigned thread, uint64_t *out, size_t len);

/* Sets the preset named `name` ("95/5", "50/50", "10/90", "hotkeys",
 * "bulkload", "R/W" with R + W = 100, "churn" or "churn-R/W").  0, or -1 if
 * unknown. */
int lfb_workload_preset(struct lfb_workload *w, const char *name);

#endif /* LFB_WORKLOAD_H */
