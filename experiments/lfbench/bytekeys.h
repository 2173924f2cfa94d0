/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Byte-string keys for lfbench: the key set of a session and what the
 * byte-key maps and the caches do with it.
 *
 * The harness draws integer keys 1 .. range exactly as for the uint64_t maps
 * (workload.h: one operation stream per thread, the same for every map of a
 * point).  A byte-key map receives, for integer key k, the byte string
 * lfb_key_bytes(k): printable strings (the base64url alphabet, like session
 * ids and cache keys), deterministic per k and seed:
 *   - length: len_min .. len_max bytes, uniform over the integers in between
 *     (default 8 .. 64, mean 36; --key-len 16 makes every key 16 bytes);
 *   - the first 6 characters encode a bijection of k (36 bits, so two keys
 *     never share them: every key is distinct, and no key is a prefix of
 *     another), the rest are drawn from a generator seeded by (seed, k).
 * The strings live in one table (the key arena), one slot per k, built before
 * the first run; a worker reads key k's bytes from its slot.  So a byte-key
 * map pays for hashing and comparing the bytes (and copying them in on
 * insert), and the uint64_t maps of the same session run the same streams
 * with the integers themselves: they are the reference the byte-key maps are
 * measured against, in the same run.
 *
 * In a program a key is usually in the cache when it is looked up (it was
 * just received or built); the arena is a stand-in for it, and with 1e6 keys
 * it is far larger than the cache.  So the workers prefetch the slot of the
 * key LFB_KEY_PREFETCH_AHEAD operations ahead (runner.c), for byte-key maps
 * only, and its misses are not charged to the map.
 *
 * Caches (the cache preset) use the same keys, and a value length per key:
 * value_min .. value_max bytes, uniform (default 64 .. 512, mean 288).
 */
#ifndef LFB_BYTEKEYS_H
#define LFB_BYTEKEYS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "map_iface.h"

#ifdef __cplusplus
extern "C" {
#endif

#define LFB_KEY_LEN_MIN 8u   /* 6 characters name the key; two more at least */
#define LFB_KEY_LEN_MAX 255u /* a slot's length byte */
#define LFB_KEY_LEN_DEFAULT_MIN 8u
#define LFB_KEY_LEN_DEFAULT_MAX 64u
#define LFB_VALUE_LEN_MIN 16u /* the key and its length are written at the front */
#define LFB_VALUE_LEN_MAX 65535u
#define LFB_VALUE_LEN_DEFAULT_MIN 64u
#define LFB_VALUE_LEN_DEFAULT_MAX 512u
/* Keys named by 6 base64url characters: 36 bits. */
#define LFB_KEY_ID_BITS 36u
/* How far ahead the workers prefetch key slots: far enough that a slot in
 * memory (~100 ns) arrives before its operation at ~10-30 ns per operation. */
#define LFB_KEY_PREFETCH_AHEAD 16u
/* A slot: the key's length (1 byte), its value length (2 bytes, caches), then
 * the key's bytes from LFB_KEY_SLOT_HEADER on (8-byte aligned). */
#define LFB_KEY_SLOT_HEADER 8u

struct lfb_keyset {
    unsigned char *arena;  /* slot of key k at arena + (k - 1) * stride */
    size_t stride;
    size_t arena_bytes;
    uint64_t nkeys;        /* keys 1 .. nkeys */
    unsigned len_min, len_max;
    unsigned value_min, value_max;
    double ttl_s;          /* caches: entries expire this long after their set (0 = never) */
    uint64_t seed;
};

/* The session's key set: built by lfbench's main (or a test) before any
 * byte-key map or cache runs, read-only afterwards. */
extern struct lfb_keyset lfb_keys;

/* Builds ks for keys 1 .. nkeys.  0, or -1 (out of memory; ks left empty). */
int lfb_keyset_build(struct lfb_keyset *ks, uint64_t nkeys, unsigned len_min, unsigned len_max,
                     unsigned value_min, unsigned value_max, uint64_t seed);
void lfb_keyset_free(struct lfb_keyset *ks);

static inline const unsigned char *lfb_key_slot(const struct lfb_keyset *ks, uint64_t k)
{
    return ks->arena + (k - 1) * ks->stride;
}

/* Key k's bytes and length (k in 1 .. nkeys). */
static inline const unsigned char *lfb_key_bytes(uint64_t k, size_t *len)
{
    const unsigned char *s = lfb_key_slot(&lfb_keys, k);
    *len = s[0];
    return s + LFB_KEY_SLOT_HEADER;
}

/* Key k's value length (caches). */
static inline size_t lfb_value_len(uint64_t k)
{
    const unsigned char *s = lfb_key_slot(&lfb_keys, k);
    return (size_t)s[1] | (size_t)s[2] << 8;
}

/* The slot of key k, into the cache (both ends: a slot may straddle lines). */
static inline void lfb_key_prefetch(const unsigned char *arena, size_t stride, uint64_t k)
{
    const unsigned char *s = arena + (k - 1) * stride;
    __builtin_prefetch(s);
    __builtin_prefetch(s + stride - 1);
}

/* What a map does with keys: integers (the uint64_t maps), byte strings
 * (the byte-key maps, maps/bmaps.def) or cache accesses (the caches). */
enum lfb_key_kind { LFB_KEYS_U64, LFB_KEYS_BYTES, LFB_KEYS_CACHE };
enum lfb_key_kind lfb_map_key_kind(const struct lfb_map_ops *ops);

/* The byte-key maps and the caches (maps/bmaps.def); lookups by name. */
extern const struct lfb_map_ops *const lfb_byte_maps[];
extern const size_t lfb_byte_map_count;
extern const struct lfb_map_ops *const lfb_cache_maps[];
extern const size_t lfb_cache_map_count;
const struct lfb_map_ops *lfb_byte_map_find(const char *name);

/* Writes the workload record's "keys" and "cache" members (with their
 * leading commas) for a run of map ops: {"kind":"u64"} for the integer
 * maps; the key set for the others; the cache parameters for caches, null
 * otherwise. */
void lfb_keys_json(FILE *f, const struct lfb_map_ops *ops);

#ifdef __cplusplus
}
#endif

#endif /* LFB_BYTEKEYS_H */
