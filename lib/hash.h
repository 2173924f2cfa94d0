/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Seeded, bijective 64-bit key mixing.
 *
 * The table stores mix(key) instead of the key: because the mix is a
 * bijection, equal stored words mean equal keys, the low bits serve directly as
 * the home slot, and lfmap_foreach recovers the key with unmix().  Each step
 * (xor with a constant, xor-shift by >= 32 bits, multiply by an odd constant)
 * is invertible mod 2^64.  The seed enters twice (xor before, odd multiplier
 * in the middle), so an adversary who does not know it cannot compute keys
 * that collide in the low bits.  Cost: two multiplies, three shifts (~2 ns).
 */
#ifndef LFMAP_HASH_H
#define LFMAP_HASH_H

#include <stdint.h>

struct lfmap_hasher {
    uint64_t xor_in;    /* from the seed */
    uint64_t mul_seed;  /* odd, from the seed */
    uint64_t mul_seed_inv;
    uint64_t sip_k0, sip_k1; /* byte maps: the SipHash key (lib/key.h), from the seed */
};

/* A fixed odd multiplier with good avalanche (from MurmurHash3's fmix64). */
#define LFMAP_HASH_MUL_FIXED 0xc4ceb9fe1a85ec53ull

static inline uint64_t lf_mul_inverse(uint64_t odd)
{
    /* Newton's iteration doubles the number of correct low bits each step:
     * x = odd is right to 3 bits, so 5 steps give 96 >= 64 bits. */
    uint64_t x = odd;
    for (int i = 0; i < 5; i++)
        x *= 2 - odd * x;
    return x;
}

static inline uint64_t lf_splitmix64(uint64_t *state)
{
    uint64_t z = (*state += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

static inline void lf_hasher_init(struct lfmap_hasher *h, uint64_t seed)
{
    uint64_t s = seed;
    h->xor_in = lf_splitmix64(&s);
    h->mul_seed = lf_splitmix64(&s) | 1;
    h->mul_seed_inv = lf_mul_inverse(h->mul_seed);
    h->sip_k0 = lf_splitmix64(&s);
    h->sip_k1 = lf_splitmix64(&s);
}

static inline uint64_t lf_mix(const struct lfmap_hasher *h, uint64_t key)
{
    uint64_t x = key ^ h->xor_in;
    x ^= x >> 32;
    x *= h->mul_seed;
    x ^= x >> 32;
    x *= LFMAP_HASH_MUL_FIXED;
    x ^= x >> 32;
    return x;
}

static inline uint64_t lf_unmix(const struct lfmap_hasher *h, uint64_t x)
{
    /* x ^= x >> 32 is its own inverse for a 64-bit word. */
    x ^= x >> 32;
    x *= lf_mul_inverse(LFMAP_HASH_MUL_FIXED);
    x ^= x >> 32;
    x *= h->mul_seed_inv;
    x ^= x >> 32;
    return x ^ h->xor_in;
}

#endif /* LFMAP_HASH_H */
