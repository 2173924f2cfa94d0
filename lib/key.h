/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Keys as the engine sees them: one engine (lookup, claim, write, freeze,
 * copy) serves the uint64_t maps (lfmap) and the byte-string maps
 * (lfmap_bytes).  What differs is how a slot's key word is compared with the
 * key, and where the key's probe path starts:
 *
 *   uint64_t maps  the key word is mix(key) (lib/hash.h), a bijection: equal
 *                  words are equal keys, and the word's low bits are the
 *                  home slot.  struct lf_key.bytes is NULL, which every
 *                  entry point of these maps sets as a constant, so that
 *                  the compiler folds the byte-key branches away.
 *   byte maps      the key word names an immutable key object (struct
 *                  lf_bkey: the bytes, their length and their seeded hash),
 *                  and carries the top LF_TAG_BITS of the hash as a tag when
 *                  the object's address fits below LF_TAG_SHIFT bits (on
 *                  x86-64 and AArch64 Linux user pointers do): a slot of
 *                  another key is then passed over by comparing words,
 *                  without reading its object; only a tag match (one in
 *                  65,536 for another key) reads the object to compare the
 *                  hash, the length and the bytes.  Two keys with equal
 *                  hashes are two keys.  The home slot comes from the
 *                  hash's low bits.
 *
 * A byte map's key object is claimed into a slot with the same CAS as a
 * uint64_t key word, and like it never changes for the life of that table,
 * so everything the engine proves about key words holds for it.  A
 * migration copies the word (the object is shared by both tables) and
 * takes a reference; a table's release drops one reference per claimed
 * slot, and the last frees the object (lib/table.c, lf_bkey_table_release):
 * objects of tombstones that a migration dropped go with the old table,
 * after its grace period, so no reader that could still see them is left.
 * Key memory is therefore bounded by the claimed slots of the tables alive.
 */
#ifndef LFMAP_KEY_H
#define LFMAP_KEY_H

#include "lf_atomic.h"
#include "hash.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

/* A byte map's key object.  Written once before the CAS that publishes it
 * (a release), read by whoever loads a key word that names it (acquire or
 * seq_cst loads, or ordered after one). */
#ifndef LFMAP_MODEL
typedef uint32_t lf_bkey_count; /* a handful of tables at most: 16 bytes of header in all */
#else
typedef uint64_t lf_bkey_count; /* the model check's atomics are 8 bytes */
#endif
struct lf_bkey {
    uint64_t hash;              /* lf_bytes_hash of the bytes under the map's seed */
    _Atomic lf_bkey_count refs; /* tables whose slot names it, and LF_BKEY_DROPPED */
    uint32_t len;
    unsigned char bytes[];
};

/* In refs: a migration left the object behind (lf_bkey_drop), so that it is
 * counted in the map's retired_bytes until it is freed. */
#define LF_BKEY_DROPPED ((lf_bkey_count)1 << (sizeof(lf_bkey_count) * 8 - 1))

/* Key words of byte maps: the object's address, or, when it fits below
 * LF_TAG_SHIFT bits, the address with LF_TAGGED set and the hash's top
 * LF_TAG_BITS above it.  Objects are 8-byte aligned and at least a page
 * above 0, so a key word is never KEY_EMPTY (0) or KEY_FROZEN (1). */
#define LF_TAG_SHIFT 48u
#define LF_TAG_BITS 16u
#define LF_TAGGED 4ull
#define LF_ADDR_MASK ((1ull << LF_TAG_SHIFT) - 1)

/* The key an operation looks for.  word: for uint64_t maps the mixed key;
 * for byte maps LF_KEY_NONE until the operation has an object for the key
 * (one it allocated to claim a slot), then that object's key word.  hash:
 * where the key's probe path starts (uint64_t maps: the word). */
#define LF_KEY_NONE UINT64_MAX /* no key word: low bits 111, which no object's word has */
struct lf_key {
    uint64_t word;
    uint64_t hash;
    const unsigned char *bytes; /* byte maps only (never NULL there); NULL: a uint64_t map */
    size_t len;
    struct lf_bkey *obj; /* byte maps: the object this operation allocated and has not published */
};

static inline struct lf_bkey *lf_bkey_of(uint64_t word)
{
    return (struct lf_bkey *)(uintptr_t)((word & LF_TAGGED ? word & LF_ADDR_MASK : word) & ~7ull);
}

/* The key a claimed key word k stands for, in a map of byte keys or not
 * (the caller has ordered its load of k after the claim: acquire). */
static inline struct lf_key lf_key_of_word(bool byte_keys, uint64_t k)
{
    if (!byte_keys)
        return (struct lf_key){.word = k, .hash = k};
    const struct lf_bkey *o = lf_bkey_of(k);
    return (struct lf_key){.word = k, .hash = o->hash, .bytes = o->bytes, .len = o->len};
}

static inline uint64_t lf_bkey_word(const struct lf_bkey *o)
{
    uint64_t a = (uint64_t)(uintptr_t)o;
    if (a & ~LF_ADDR_MASK)
        return a; /* an address with high bits (a tagged pointer ABI): compared by reading the object */
    return (o->hash >> (64 - LF_TAG_BITS)) << LF_TAG_SHIFT | a | LF_TAGGED;
}

/* Whether the object k names holds key's bytes (the caller checked the tag). */
static inline bool lf_bkey_matches(uint64_t k, const struct lf_key *key)
{
    const struct lf_bkey *o = lf_bkey_of(k);
    return o->hash == key->hash && o->len == key->len && memcmp(o->bytes, key->bytes, key->len) == 0;
}

/* Whether a slot's key word k is the key (k may be KEY_EMPTY or KEY_FROZEN:
 * never a match).  For uint64_t maps this is k == word, the word being >=
 * KEY_RESERVED on every path that probes a table. */
static inline __attribute__((always_inline)) bool lf_key_matches(uint64_t k, const struct lf_key *key)
{
    if (!key->bytes)
        return k == key->word;
    if (k == key->word)
        return true; /* our own object, in a table we hold (lf_key_leave_table) */
    if (k < 2u) /* KEY_EMPTY, KEY_FROZEN (lib/lfmap_internal.h) */
        return false;
    if (k & LF_TAGGED) {
        /* A tag differs: another key, without reading its object. */
        if ((k >> LF_TAG_SHIFT) != key->hash >> (64 - LF_TAG_BITS))
            return false;
    }
    return lf_bkey_matches(k, key);
}

/* The operation goes on in another table.  A key word it published names
 * an object that only the tables holding it keep alive, and under a
 * hazard-pointer scheme the operation no longer protects the table it
 * claimed in: that table can be freed with the object, and malloc can hand
 * the address to another key whose hash has the same tag, which would then
 * carry the very same key word.  From here on the key is compared by its
 * bytes (the identity shortcut of lf_key_matches holds only while the
 * object is one the operation still owns or protects).  A no-op for
 * uint64_t maps, whose key word is the key itself. */
static inline __attribute__((always_inline)) void lf_key_leave_table(struct lf_key *key)
{
    if (key->bytes && !key->obj)
        key->word = LF_KEY_NONE;
}

/* The bytes an object of a key of len bytes takes (its malloc request). */
static inline size_t lf_bkey_size(size_t len)
{
    return sizeof(struct lf_bkey) + len;
}

/* The seeded hash of a byte string: SipHash-1-3 (one compression round per
 * 8-byte block, three finalization rounds), keyed by 128 bits drawn from
 * the map's 64-bit seed (lf_hasher_init: no more unpredictable than the
 * seed).  A keyed PRF, not only a mixer: without
 * the key, no difference between inputs is known that gives equal outputs,
 * so an adversary who does not know the seed cannot choose many keys that
 * share a hash, a home slot or a tag (the multiply/xor-shift chain this
 * replaced had seed-independent colliding block pairs: 2^n keys of 16n
 * bytes with one hash under every seed).  Collisions that do happen are
 * handled exactly (lf_bkey_matches compares the bytes).  SipHash-1-3 is
 * the variant Rust's and Python's hash tables use for the same reason.
 * The rounds are parameters so that tests can check the round function and
 * the padding against SipHash-2-4's published test vector. */
static inline uint64_t lf_bytes_read(const unsigned char *p, size_t n)
{
    uint64_t w = 0;
    memcpy(&w, p, n); /* any alignment; n <= 8; little-endian targets (x86-64, AArch64) */
    return w;
}

static inline uint64_t lf_rotl(uint64_t x, unsigned r)
{
    return x << r | x >> (64 - r);
}

#define LF_SIP_ROUND(v0, v1, v2, v3)                                                                   \
    do {                                                                                               \
        v0 += v1, v1 = lf_rotl(v1, 13), v1 ^= v0, v0 = lf_rotl(v0, 32);                                \
        v2 += v3, v3 = lf_rotl(v3, 16), v3 ^= v2;                                                      \
        v0 += v3, v3 = lf_rotl(v3, 21), v3 ^= v0;                                                      \
        v2 += v1, v1 = lf_rotl(v1, 17), v1 ^= v2, v2 = lf_rotl(v2, 32);                                \
    } while (0)

static inline __attribute__((always_inline)) uint64_t lf_siphash(unsigned c_rounds, unsigned d_rounds, uint64_t k0,
                                                                 uint64_t k1, const void *data, size_t len)
{
    /* The initial state: the key xored with the ASCII of
     * "somepseudorandomlygeneratedbytes", as the SipHash paper gives it. */
    uint64_t v0 = k0 ^ 0x736f6d6570736575ull, v1 = k1 ^ 0x646f72616e646f6dull;
    uint64_t v2 = k0 ^ 0x6c7967656e657261ull, v3 = k1 ^ 0x7465646279746573ull;
    const unsigned char *p = data;
    size_t left = len;
    for (; left >= 8; p += 8, left -= 8) {
        uint64_t m = lf_bytes_read(p, 8);
        v3 ^= m;
        for (unsigned r = 0; r < c_rounds; r++)
            LF_SIP_ROUND(v0, v1, v2, v3);
        v0 ^= m;
    }
    /* The last block: the remaining bytes, and the length's low byte on top. */
    uint64_t b = (uint64_t)len << 56 | (left ? lf_bytes_read(p, left) : 0);
    v3 ^= b;
    for (unsigned r = 0; r < c_rounds; r++)
        LF_SIP_ROUND(v0, v1, v2, v3);
    v0 ^= b;
    v2 ^= 0xff;
    for (unsigned r = 0; r < d_rounds; r++)
        LF_SIP_ROUND(v0, v1, v2, v3);
    return v0 ^ v1 ^ v2 ^ v3;
}

static inline uint64_t lf_bytes_hash(const struct lfmap_hasher *h, const void *data, size_t len)
{
    return lf_siphash(1, 3, h->sip_k0, h->sip_k1, data, len);
}

/* lib/key.c: the life of key objects. */
struct lfmap_table;
/* A new object for key (refs 1: the table it will be claimed into), with
 * key->word set to its key word; NULL when out of memory. */
struct lf_bkey *lf_bkey_new(struct lf_key *key);
/* An object never published (its claim was not needed). */
void lf_bkey_discard(struct lf_key *key);
/* One more table names the object of key word k (a copy into a successor). */
void lf_bkey_ref(uint64_t k);
/* A migration out of a table of m left the object of key word k behind:
 * no newer table names it, and it is freed with the last table that does.
 * Counted in m's retired_bytes from now until then (lfmap_stats). */
struct lfmap;
void lf_bkey_drop(struct lfmap *m, uint64_t k);
/* t is being freed (after its grace period, or by lfmap_free): drop the
 * reference of every object its slots name; the last one frees it. */
void lf_bkey_table_release(struct lfmap_table *t);

#endif /* LFMAP_KEY_H */
