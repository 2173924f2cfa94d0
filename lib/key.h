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
    _Atomic lf_bkey_count refs; /* tables whose slot names it */
    uint32_t len;
    unsigned char bytes[];
};

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
        return true; /* our own object (a claimed slot re-read, or a copy of it) */
    if (k < 2u) /* KEY_EMPTY, KEY_FROZEN (lib/lfmap_internal.h) */
        return false;
    if (k & LF_TAGGED) {
        /* A tag differs: another key, without reading its object. */
        if ((k >> LF_TAG_SHIFT) != key->hash >> (64 - LF_TAG_BITS))
            return false;
    }
    return lf_bkey_matches(k, key);
}

/* The seeded hash of a byte string: 8 bytes at a time, each mixed into the
 * state with a multiply and xor-shifts (the state's update is a bijection for
 * a fixed input word, and the seed enters at the start and in the
 * multiplier), then the length, then the finalizer of lf_mix.  Two keys may
 * collide: the engine then compares their bytes.  Not a cryptographic PRF:
 * the seed (random per map unless the program gives one) keeps an adversary
 * who does not know it from choosing keys that share a home slot. */
static inline uint64_t lf_bytes_read(const unsigned char *p, size_t n)
{
    uint64_t w = 0;
    memcpy(&w, p, n); /* any alignment; n <= 8 */
    return w;
}

static inline uint64_t lf_bytes_hash(const struct lfmap_hasher *h, const void *data, size_t len)
{
    const unsigned char *p = data;
    uint64_t x = h->xor_in ^ (uint64_t)len * LFMAP_HASH_MUL_FIXED;
    while (len >= 8) {
        x = (x ^ lf_bytes_read(p, 8)) * h->mul_seed;
        x ^= x >> 29;
        p += 8;
        len -= 8;
    }
    if (len) {
        x = (x ^ lf_bytes_read(p, len)) * h->mul_seed;
        x ^= x >> 29;
    }
    x ^= x >> 32;
    x *= LFMAP_HASH_MUL_FIXED;
    x ^= x >> 32;
    x *= h->mul_seed;
    x ^= x >> 32;
    return x;
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
/* t is being freed (after its grace period, or by lfmap_free): drop the
 * reference of every object its slots name; the last one frees it. */
void lf_bkey_table_release(struct lfmap_table *t);

#endif /* LFMAP_KEY_H */
