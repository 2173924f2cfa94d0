/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Shared helpers for every lfmap test program: a deterministic PRNG, the
 * LFMAP_TEST_SCALE / LFMAP_TEST_SEED knobs, a key and value encoding that lets
 * any read be checked against its key, and pass/fail counters for the stress
 * drivers (which print "N passed, N failed" and exit non-zero on a failure).
 */
#ifndef LFMAP_TESTUTIL_H
#define LFMAP_TESTUTIL_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

/* ---- PRNG ---------------------------------------------------------------- */

/* splitmix64's finalizer: a bijection of uint64_t with mix(0) == 0. */
static inline uint64_t tu_mix64(uint64_t x)
{
    x ^= x >> 30;
    x *= 0xbf58476d1ce4e5b9ULL;
    x ^= x >> 27;
    x *= 0x94d049bb133111ebULL;
    x ^= x >> 31;
    return x;
}

/* Inverse of tu_mix64 (so a key seen by foreach can be mapped to its index). */
static inline uint64_t tu_unmix64(uint64_t x)
{
    x ^= (x >> 31) ^ (x >> 62);
    x *= 0x319642b2d24d8ec3ULL;
    x ^= (x >> 27) ^ (x >> 54);
    x *= 0x96de1b173f119089ULL;
    x ^= (x >> 30) ^ (x >> 60);
    return x;
}

/* splitmix64: tiny, fast, and good enough to drive tests. */
struct tu_rng {
    uint64_t s;
};

static inline void tu_rng_seed(struct tu_rng *r, uint64_t seed)
{
    r->s = seed;
}

static inline uint64_t tu_next(struct tu_rng *r)
{
    r->s += 0x9e3779b97f4a7c15ULL;
    return tu_mix64(r->s);
}

/* Uniform in [0, n), n > 0 (multiply-shift, no modulo bias worth caring about). */
static inline uint64_t tu_below(struct tu_rng *r, uint64_t n)
{
    return (uint64_t)(((unsigned __int128)tu_next(r) * n) >> 64);
}

/* True with probability 1/n. */
static inline bool tu_one_in(struct tu_rng *r, uint64_t n)
{
    return tu_below(r, n) == 0;
}

/* ---- knobs ---------------------------------------------------------------- */

/* LFMAP_TEST_SCALE (default 1.0): sanitizer runs set 0.1. */
double tu_scale(void);
/* n * scale, but at least min. */
uint64_t tu_scaled(uint64_t n, uint64_t min);
/* LFMAP_TEST_SEED if set (any strtoull base), else dflt; printed to stdout
 * with the program name so a failing run can be repeated. */
uint64_t tu_seed(const char *prog, uint64_t dflt);
/* Monotonic time in seconds. */
double tu_now(void);

/* ---- keys and values ------------------------------------------------------ */

/* Key universe used by the stress drivers: index j -> key.  Index 0 is key 0,
 * index 1 is UINT64_MAX (the two keys a map is most likely to get wrong); the
 * rest alternate in pairs between sequential keys (j itself) and scattered
 * ones (mix(j)), so both hash-hostile and random-looking keys are covered. */
static inline uint64_t tu_key(uint64_t j)
{
    if (j == 1)
        return UINT64_MAX;
    if (j & 2)
        return tu_mix64(j);
    return j;
}

/* Maps a key back to its index if it is tu_key(j) for some j < limit. */
bool tu_key_index(uint64_t key, uint64_t limit, uint64_t *j);

/* A value carries a 24-bit tag derived from its key and a 40-bit sequence
 * number, so a reader can tell that a value belongs to the key it read (a
 * value from another key passes with probability 2^-24).  The largest value
 * produced, 0xfffffeffffffffff, is below LFMAP_VALUE_MAX. */
#define TU_SEQ_BITS 40
#define TU_SEQ_MASK ((UINT64_C(1) << TU_SEQ_BITS) - 1)

static inline uint64_t tu_tag(uint64_t key)
{
    uint64_t t = tu_mix64(key ^ 0x6a09e667f3bcc909ULL) >> TU_SEQ_BITS;
    return t == 0xffffff ? 0xfffffe : t;
}

static inline uint64_t tu_val(uint64_t key, uint64_t seq)
{
    return (tu_tag(key) << TU_SEQ_BITS) | (seq & TU_SEQ_MASK);
}

static inline bool tu_val_ok(uint64_t key, uint64_t v)
{
    return (v >> TU_SEQ_BITS) == tu_tag(key);
}

static inline uint64_t tu_val_seq(uint64_t v)
{
    return v & TU_SEQ_MASK;
}

/* ---- pass/fail accounting for stress drivers ------------------------------ */

/* Per-thread counters (no shared cache line on the hot path); each thread
 * calls tu_flush() before it exits, main calls tu_report() at the end. */
extern _Thread_local uint64_t tu_tl_pass;

void tu_fail_at(const char *file, int line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
void tu_flush(void);
/* Prints "N passed, N failed" and returns the exit status (0 = no failure). */
int tu_report(void);
uint64_t tu_failures(void);

#define TU_CHECK(cond, ...)                                                    \
    do {                                                                       \
        if (__builtin_expect(!!(cond), 1))                                     \
            tu_tl_pass++;                                                      \
        else                                                                   \
            tu_fail_at(__FILE__, __LINE__, __VA_ARGS__);                       \
    } while (0)

/* lfmap_thread_register() or exit(2): a test cannot run without it. */
void tu_register(void);
void tu_unregister(void);

/* ---- foreach ------------------------------------------------------------ */

struct lfmap;
/* lfmap_foreach callback that counts visits into *(size_t *)arg. */
int tu_count_cb(uint64_t key, uint64_t value, void *arg);
/* Keys lfmap_foreach visits; SIZE_MAX if it failed. */
size_t tu_foreach_count(struct lfmap *m);

#endif /* LFMAP_TESTUTIL_H */
