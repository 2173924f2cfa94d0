/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The key set of byte-key runs, see bytekeys.h. */
#include "bytekeys.h"

#include <string.h>
#include <sys/mman.h>

#include "workload.h"

struct lfb_keyset lfb_keys;

/* base64url: keys are printable, like session ids and cache keys. */
static const char alphabet[65] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
#define CHAR_BITS 6u
#define CHAR_MASK 63u
/* The bijection k -> key id: an odd multiplier and an offset mod 2^36. */
#define ID_MULT 0x9e3779b97f4a7c15ull
/* Salts separating the per-key generator from the id offset. */
#define ID_SALT 0x6b65796964ull   /* "keyid" */
#define GEN_SALT 0x6b657967656eull /* "keygen" */

static size_t round_up(size_t n, size_t to)
{
    return (n + to - 1) / to * to;
}

static void fill_slot(unsigned char *s, uint64_t k, const struct lfb_keyset *ks, uint64_t id_add)
{
    struct lfb_rng r = {ks->seed ^ GEN_SALT ^ k * 0xd1b54a32d192ed03ull};
    unsigned len = ks->len_min + (unsigned)lfb_rng_below(&r, ks->len_max - ks->len_min + 1);
    unsigned vlen = ks->value_min + (unsigned)lfb_rng_below(&r, ks->value_max - ks->value_min + 1);
    uint64_t id = (k * ID_MULT + id_add) & ((UINT64_C(1) << LFB_KEY_ID_BITS) - 1);
    s[0] = (unsigned char)len;
    s[1] = (unsigned char)(vlen & 0xff);
    s[2] = (unsigned char)(vlen >> 8);
    unsigned char *b = s + LFB_KEY_SLOT_HEADER;
    unsigned i = 0;
    for (; i < LFB_KEY_ID_BITS / CHAR_BITS; i++)
        b[i] = (unsigned char)alphabet[(id >> (CHAR_BITS * i)) & CHAR_MASK];
    uint64_t w = 0;
    unsigned left = 0;
    for (; i < len; i++) {
        if (left == 0) {
            w = lfb_rng_next(&r);
            left = 64 / CHAR_BITS;
        }
        b[i] = (unsigned char)alphabet[w & CHAR_MASK];
        w >>= CHAR_BITS;
        left--;
    }
}

int lfb_keyset_build(struct lfb_keyset *ks, uint64_t nkeys, unsigned len_min, unsigned len_max,
                     unsigned value_min, unsigned value_max, uint64_t seed)
{
    lfb_keyset_free(ks);
    ks->nkeys = nkeys;
    ks->len_min = len_min;
    ks->len_max = len_max;
    ks->value_min = value_min;
    ks->value_max = value_max;
    ks->seed = seed;
    ks->stride = round_up(LFB_KEY_SLOT_HEADER + len_max, 8);
    ks->arena_bytes = round_up((size_t)nkeys * ks->stride, 4096);
    /* Straight from mmap, with huge pages where the kernel gives them
     * (transparent huge pages "madvise" on the VMs here): with 1e6 keys the
     * arena is tens of MiB, and the workers' prefetches should not each
     * cost a page walk. */
    void *p = mmap(NULL, ks->arena_bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) {
        memset(ks, 0, sizeof *ks);
        return -1;
    }
    (void)madvise(p, ks->arena_bytes, MADV_HUGEPAGE);
    ks->arena = p;
    struct lfb_rng r = {seed ^ ID_SALT};
    uint64_t id_add = lfb_rng_next(&r);
    for (uint64_t k = 1; k <= nkeys; k++)
        fill_slot(ks->arena + (k - 1) * ks->stride, k, ks, id_add);
    return 0;
}

void lfb_keyset_free(struct lfb_keyset *ks)
{
    if (ks->arena)
        munmap(ks->arena, ks->arena_bytes);
    memset(ks, 0, sizeof *ks);
}

static const char *const kind_names[] = {"u64", "bytes", "cache"};

void lfb_keys_json(FILE *f, const struct lfb_map_ops *ops)
{
    enum lfb_key_kind kind = lfb_map_key_kind(ops);
    fprintf(f, ",\"keys\":{\"kind\":\"%s\"", kind_names[kind]);
    if (kind != LFB_KEYS_U64)
        fprintf(f, ",\"len_min\":%u,\"len_max\":%u,\"len_dist\":\"uniform\",\"alphabet\":\"base64url\","
                   "\"prefetch_ahead\":%u,\"key_set_seed\":%llu",
                lfb_keys.len_min, lfb_keys.len_max, LFB_KEY_PREFETCH_AHEAD, (unsigned long long)lfb_keys.seed);
    fputc('}', f);
    if (kind == LFB_KEYS_CACHE)
        fprintf(f, ",\"cache\":{\"access\":\"get-then-set-on-miss\",\"value_min\":%u,\"value_max\":%u,"
                   "\"value_dist\":\"uniform\",\"ttl_s\":%g}",
                lfb_keys.value_min, lfb_keys.value_max, lfb_keys.ttl_s);
    else
        fputs(",\"cache\":null", f);
}
