/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * A log-linear latency histogram (the HdrHistogram idea; Debian has no C
 * package for it).
 *
 * Values below HIST_SUB are counted exactly.  Above, each power of two
 * [2^e, 2^(e+1)) is cut into HIST_SUB equal sub-buckets of width 2^(e-6), so a
 * value is known to within 1/64 = 1.56% of itself, whatever its size.  All of
 * uint64_t fits in HIST_BUCKETS counters (~30 KB): no range to configure and
 * no value is ever clipped.  Recording is a count-leading-zeros and an add.
 *
 * Percentiles report the upper edge of the bucket that holds the rank (the
 * highest value the bucket could have held), so a reported tail is never
 * below the true one by more than the bucket width; max is exact.
 */
#ifndef HISTOGRAM_H
#define HISTOGRAM_H

#include <stdint.h>
#include <string.h>

#define HIST_SUB_BITS 6u
#define HIST_SUB (1u << HIST_SUB_BITS) /* 64 sub-buckets: 1.56% error */
/* Exact buckets [0, 64), then 64 per power of two for exponents 6..63. */
#define HIST_BUCKETS (HIST_SUB + (64u - HIST_SUB_BITS) * HIST_SUB)

struct histogram {
    uint64_t count;
    uint64_t sum;  /* for the mean; wraps only after ~584 years of ns */
    uint64_t min;
    uint64_t max;
    uint64_t buckets[HIST_BUCKETS];
};

static inline void hist_reset(struct histogram *h)
{
    memset(h, 0, sizeof *h);
    h->min = UINT64_MAX;
}

static inline unsigned hist_index(uint64_t v)
{
    if (v < HIST_SUB)
        return (unsigned)v;
    unsigned e = 63u - (unsigned)__builtin_clzll(v); /* e >= HIST_SUB_BITS */
    unsigned sub = (unsigned)(v >> (e - HIST_SUB_BITS)) - HIST_SUB;
    return HIST_SUB + (e - HIST_SUB_BITS) * HIST_SUB + sub;
}

/* Highest value that lands in bucket i. */
static inline uint64_t hist_bucket_high(unsigned i)
{
    if (i < HIST_SUB)
        return i;
    unsigned e = (i - HIST_SUB) / HIST_SUB + HIST_SUB_BITS;
    uint64_t sub = (i - HIST_SUB) % HIST_SUB;
    uint64_t width = (uint64_t)1 << (e - HIST_SUB_BITS);
    uint64_t low = ((uint64_t)HIST_SUB + sub) * width;
    return low + (width - 1);
}

static inline void hist_record(struct histogram *h, uint64_t v)
{
    h->buckets[hist_index(v)]++;
    h->count++;
    h->sum += v;
    if (v < h->min)
        h->min = v;
    if (v > h->max)
        h->max = v;
}

/* Adds src's samples to dst (to merge per-thread or per-repetition data). */
static inline void hist_merge(struct histogram *dst, const struct histogram *src)
{
    for (unsigned i = 0; i < HIST_BUCKETS; i++)
        dst->buckets[i] += src->buckets[i];
    dst->count += src->count;
    dst->sum += src->sum;
    if (src->min < dst->min)
        dst->min = src->min;
    if (src->max > dst->max)
        dst->max = src->max;
}

/* Value at percentile p (0 < p <= 100): the smallest bucket edge with at least
 * ceil(p% of count) samples at or below it, capped at the exact max.
 * 0 for an empty histogram. */
static inline uint64_t hist_percentile(const struct histogram *h, double p)
{
    if (h->count == 0)
        return 0;
    double want = p / 100.0 * (double)h->count;
    uint64_t rank = (uint64_t)want;
    if ((double)rank < want)
        rank++; /* ceil */
    if (rank == 0)
        rank = 1;
    uint64_t seen = 0;
    for (unsigned i = 0; i < HIST_BUCKETS; i++) {
        seen += h->buckets[i];
        if (seen >= rank) {
            uint64_t v = hist_bucket_high(i);
            return v < h->max ? v : h->max;
        }
    }
    return h->max;
}

static inline double hist_mean(const struct histogram *h)
{
    return h->count ? (double)h->sum / (double)h->count : 0.0;
}

#endif /* HISTOGRAM_H */
