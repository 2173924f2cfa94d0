/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Workload generators, see workload.h. */
#include "workload.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *const lfb_mix_names[] = {"insert-remove", "put", "cas-increment", NULL};
const char *const lfb_dist_names[] = {"uniform", "zipf", NULL};
const char *const lfb_op_names[] = {"get", "insert", "remove", "put", "cas-increment", "reinsert", "put-remove",
                                    NULL};
const char *const lfb_kind_names[] = {"mixed", "hotkeys", "bulkload", "churn", "hotkeys-churn", NULL};

/* Independent streams per thread: seeds spread by the golden-ratio step. */
#define LFB_SEED_STRIDE 0x9e3779b97f4a7c15ull
/* Probabilities are drawn in units of 1/2^32. */
#define LFB_P_ONE 4294967296.0

uint64_t lfb_rng_next(struct lfb_rng *r)
{
    uint64_t z = (r->s += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

double lfb_rng_unit(struct lfb_rng *r)
{
    return (double)(lfb_rng_next(r) >> 11) * 0x1.0p-53;
}

static uint64_t gcd(uint64_t a, uint64_t b)
{
    while (b) {
        uint64_t t = a % b;
        a = b;
        b = t;
    }
    return a;
}

void lfb_perm_init(struct lfb_perm *p, uint64_t n, uint64_t seed)
{
    struct lfb_rng r = {seed ^ 0x7065726dull}; /* "perm" */
    p->n = n ? n : 1;
    /* A multiplier near n * golden ratio spreads neighbours far apart; it
     * must be coprime with n to be a bijection. */
    uint64_t m = (uint64_t)((double)p->n * 0.6180339887) | 1;
    while (gcd(m, p->n) != 1)
        m++;
    p->mult = m % p->n ? m % p->n : 1;
    p->add = lfb_rng_below(&r, p->n);
}

/* ---- Zipf by rejection-inversion (after Apache Commons RNG) ------------- */

static double helper1(double x) /* log1p(x) / x */
{
    return fabs(x) > 1e-8 ? log1p(x) / x : 1 - x * (0.5 - x * (1.0 / 3 - 0.25 * x));
}

static double helper2(double x) /* expm1(x) / x */
{
    return fabs(x) > 1e-8 ? expm1(x) / x : 1 + x * 0.5 * (1 + x * (1.0 / 3) * (1 + 0.25 * x));
}

static double zipf_h(const struct lfb_zipf *z, double x) { return exp(-z->s * log(x)); }

static double zipf_hint(const struct lfb_zipf *z, double x)
{
    double lx = log(x);
    return helper2((1 - z->s) * lx) * lx;
}

static double zipf_hint_inv(const struct lfb_zipf *z, double x)
{
    double t = x * (1 - z->s);
    if (t < -1)
        t = -1;
    return exp(helper1(t) * x);
}

void lfb_zipf_init(struct lfb_zipf *z, uint64_t n, double s)
{
    z->n = n;
    z->s = s;
    z->h_x1 = zipf_hint(z, 1.5) - 1;
    z->h_n = zipf_hint(z, (double)n + 0.5);
    z->s_param = 2 - zipf_hint_inv(z, zipf_hint(z, 2.5) - zipf_h(z, 2));
}

uint64_t lfb_zipf_next(const struct lfb_zipf *z, struct lfb_rng *r)
{
    for (;;) {
        double u = z->h_n + lfb_rng_unit(r) * (z->h_x1 - z->h_n);
        double x = zipf_hint_inv(z, u);
        double kd = floor(x + 0.5);
        uint64_t k = kd < 1 ? 1 : kd > (double)z->n ? z->n : (uint64_t)kd;
        if ((double)k - x <= z->s_param || u >= zipf_hint(z, (double)k + 0.5) - zipf_h(z, (double)k))
            return k;
    }
}

/* ---- streams ----------------------------------------------------------- */

uint64_t lfb_stream_seed(uint64_t seed, unsigned rep)
{
    return seed ^ ((uint64_t)(rep + 1) * LFB_SEED_STRIDE);
}

struct keydraw {
    const struct lfb_workload *w;
    struct lfb_zipf zipf;
    uint64_t n; /* indices drawn from [0, n) */
};

static uint64_t draw_index(const struct keydraw *d, struct lfb_rng *r)
{
    if (d->w->dist == LFB_DIST_ZIPF)
        return lfb_zipf_next(&d->zipf, r) - 1; /* rank 1 = index 0 */
    return lfb_rng_below(r, d->n);
}

static enum lfb_op write_op(enum lfb_mix mix, struct lfb_rng *r)
{
    switch (mix) {
    case LFB_MIX_PUT: return LFB_OP_PUT;
    case LFB_MIX_CAS_INC: return LFB_OP_CAS_INC;
    default: return (lfb_rng_next(r) >> 63) ? LFB_OP_INSERT : LFB_OP_REMOVE;
    }
}

void lfb_stream_fill(const struct lfb_workload *w, const struct lfb_perm *perm, uint64_t seed,
                     unsigned thread, uint64_t *out, size_t len)
{
    struct lfb_rng r = {seed + LFB_SEED_STRIDE * (thread + 1)};
    struct keydraw d = {.w = w, .n = w->range};
    if (w->dist == LFB_DIST_ZIPF)
        lfb_zipf_init(&d.zipf, w->range, w->zipf_s);
    uint64_t update_cut = (uint64_t)(w->update_pct / 100.0 * LFB_P_ONE);
    uint64_t hot_cut = (uint64_t)(LFB_HOT_READ_SHARE * LFB_P_ONE);
    for (size_t i = 0; i < len; i++) {
        bool is_write = (lfb_rng_next(&r) >> 32) < update_cut;
        uint64_t index;
        enum lfb_op op;
        if (w->kind == LFB_KIND_HOTKEYS) {
            bool hot = is_write || (lfb_rng_next(&r) >> 32) < hot_cut;
            index = hot ? lfb_rng_below(&r, w->hot_keys) : lfb_rng_below(&r, w->range);
            op = is_write ? LFB_OP_REINSERT : LFB_OP_GET;
        } else if (w->kind == LFB_KIND_HOTKEYS_CHURN) {
            /* Hot keys are the indices after the prefilled ones; the other
             * reads go to the prefilled indices (misses from an empty map). */
            bool hot = is_write || (lfb_rng_next(&r) >> 32) < hot_cut;
            index = hot ? w->initial + lfb_rng_below(&r, w->hot_keys) : lfb_rng_below(&r, w->initial);
            op = is_write ? LFB_OP_PUT_REMOVE : LFB_OP_GET;
        } else {
            index = draw_index(&d, &r);
            op = is_write ? write_op(w->mix, &r) : LFB_OP_GET;
        }
        out[i] = lfb_pack(op, lfb_key_of(perm, index));
    }
}

void lfb_churn_init(struct lfb_churn *c, const struct lfb_workload *w, const struct lfb_perm *perm,
                    uint64_t seed, unsigned thread, unsigned threads)
{
    uint64_t lo = w->initial, T = threads, t = thread;
    memset(c, 0, sizeof *c);
    c->perm = perm;
    c->hi = w->range;
    c->T = T;
    c->first = lo + (t + T - lo % T) % T; /* smallest owned index >= lo */
    c->owned = c->first < c->hi ? (c->hi - c->first + T - 1) / T : 0;
    c->filling = true;
    c->r.s = seed ^ (0x636875726eull + t * LFB_SEED_STRIDE); /* "churn" */
    c->update_cut = (uint64_t)(w->update_pct / 100.0 * LFB_P_ONE);
}

uint64_t lfb_churn_next(struct lfb_churn *c)
{
    if (c->owned && (lfb_rng_next(&c->r) >> 32) < c->update_cut) {
        if (c->filling) {
            uint64_t e = lfb_pack(LFB_OP_INSERT, lfb_key_of(c->perm, c->first + c->T * c->held));
            if (++c->held == c->owned)
                c->filling = false;
            return e;
        }
        uint64_t e = lfb_pack(LFB_OP_REMOVE, lfb_key_of(c->perm, c->first + c->T * --c->held));
        if (c->held == 0)
            c->filling = true;
        return e;
    }
    return lfb_pack(LFB_OP_GET, lfb_key_of(c->perm, lfb_rng_below(&c->r, c->hi)));
}

int lfb_workload_preset(struct lfb_workload *w, const char *name)
{
    snprintf(w->name, sizeof w->name, "%s", name);
    w->kind = LFB_KIND_MIXED;
    w->empty = false;
    w->cache = false;
    if (strcmp(name, "cache") == 0) {
        w->cache = true;
        w->update_pct = 0; /* the cache's own sets happen inside its gets */
        return 0;
    }
    if (strcmp(name, "hotkeys") == 0) {
        w->kind = LFB_KIND_HOTKEYS;
        w->update_pct = LFB_HOTKEYS_UPDATE_PCT;
        return 0;
    }
    if (strcmp(name, "hotkeys-churn") == 0 || strcmp(name, "hotkeys-churn-empty") == 0) {
        w->kind = LFB_KIND_HOTKEYS_CHURN;
        w->empty = name[13] != '\0';
        w->update_pct = LFB_HOTKEYS_UPDATE_PCT;
        return 0;
    }
    if (strcmp(name, "bulkload") == 0) {
        w->kind = LFB_KIND_BULKLOAD;
        w->update_pct = 100;
        return 0;
    }
    if (strcmp(name, "churn") == 0) {
        w->kind = LFB_KIND_CHURN;
        w->update_pct = LFB_CHURN_UPDATE_PCT_DEFAULT;
        return 0;
    }
    if (strncmp(name, "churn-", 6) == 0) {
        struct lfb_workload mix;
        if (lfb_workload_preset(&mix, name + 6) != 0 || mix.kind != LFB_KIND_MIXED || mix.cache)
            return -1;
        w->kind = LFB_KIND_CHURN;
        w->update_pct = mix.update_pct;
        return 0;
    }
    /* "R/W": two integers that add up to 100 */
    char *end;
    unsigned long rd = strtoul(name, &end, 10);
    if (end == name || *end != '/' || name[0] == '-' || name[0] == '+')
        return -1;
    const char *ws = end + 1;
    if (*ws == '-' || *ws == '+' || *ws == '\0')
        return -1;
    unsigned long wr = strtoul(ws, &end, 10);
    if (*end != '\0' || rd + wr != 100)
        return -1;
    w->update_pct = (double)wr;
    return 0;
}

void lfb_workload_size(struct lfb_workload *w, uint64_t initial, uint64_t range)
{
    w->initial = initial;
    w->prefill = w->kind == LFB_KIND_BULKLOAD || w->empty ? 0 : initial;
    if (w->kind == LFB_KIND_HOTKEYS)
        w->range = initial; /* every key is prefilled: reads of non-hot keys hit */
    else if (w->kind == LFB_KIND_HOTKEYS_CHURN)
        w->range = initial + w->hot_keys;
    else if (w->kind == LFB_KIND_CHURN)
        w->range = range ? range : LFB_CHURN_FACTOR * initial; /* the high watermark */
    else
        w->range = range ? range : 2 * initial;
}
