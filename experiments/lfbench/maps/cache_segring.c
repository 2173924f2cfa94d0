/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * segring-cache: a segmented ring-buffer cache, freecache's design written
 * here from its published description (no code of it):
 *   - the cache is 256 segments, chosen by the low 8 bits of the key's hash,
 *     each with its own lock (a pthread mutex: a get updates nothing shared
 *     here, but freecache locks its segment for gets too, and so do we);
 *   - a segment owns one preallocated ring buffer of bytes: an entry (a
 *     24-byte header, the key's bytes, the value's bytes, rounded to 8) is
 *     appended at the ring's tail; the space it takes is never returned to
 *     the allocator;
 *   - a segment's slot index maps the key's hash to the entry's offset in
 *     the ring: here one preallocated open-addressing array of 8-byte words
 *     (24 bits of hash tag, which also give the home slot, and the offset),
 *     deletion by shifting later words back (no tombstones);
 *   - eviction overwrites the ring's oldest entries: a set that finds no room
 *     at the tail drops entries from the head until the new entry fits (and
 *     when the index is at its load limit, too).  freecache gives an entry
 *     that was read recently a second life (it copies it to the tail instead
 *     of dropping it); this ring drops in order (FIFO), as lockmap-cache
 *     does, so the two differ in their layout and locking, not their policy;
 *   - a set of a present key overwrites its entry in place when the new
 *     value fits the old one's room, else marks the old entry deleted and
 *     appends; an expired entry is reported absent and deleted by the get.
 * So a set allocates nothing, and a get copies the value out under the lock.
 *
 * Capacity: the caches are given capacity in entries; a ring cache is sized
 * in bytes.  Its bytes are capacity x the mean entry of the session's key
 * set (header + mean key + mean value, rounded to 8: bytekeys.h draws
 * lengths uniformly), split evenly over the segments; a segment whose keys
 * are larger or more numerous than the mean evicts before the cache as a
 * whole is full, so it holds somewhat fewer than capacity entries (the
 * record's cache_result.entries says how many).  The index has room for
 * twice a segment's mean share at a load of 3/4.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bmap_iface.h"
#include "bytes_table.h" /* bt_hash: lfmap's seeded byte hash, as every cache uses */

#define SR_SEGMENTS 256u
#define SR_ALIGN 8u
/* Index words: tag (24 bits of hash) << 40 | (offset / 8 + 1); 0 = empty. */
#define SR_TAG_SHIFT 40u
#define SR_OFF_MASK ((UINT64_C(1) << SR_TAG_SHIFT) - 1)
#define SR_INDEX_MIN 16u
#define SR_FLAG_DELETED 1u
#define SR_FLAG_PAD 2u
#define SR_CACHE_LINE 64

/* The header of an entry in the ring (or of the padding that skips the
 * ring's end, SR_FLAG_PAD). */
struct sr_hdr {
    uint64_t hash;
    uint32_t expire_at; /* 0 = never */
    uint32_t len;       /* bytes of the entry in the ring, header included */
    uint16_t klen;
    uint16_t vlen;
    uint16_t vcap;      /* room for the value (an overwrite in place fits in it) */
    uint16_t flags;
};
_Static_assert(sizeof(struct sr_hdr) == 24, "an entry header is 24 bytes");

struct sr_segment {
    pthread_mutex_t lock;
    unsigned char *ring;
    size_t size;            /* bytes of the ring, a multiple of SR_ALIGN */
    size_t head, tail;      /* oldest entry, next append (offsets in the ring) */
    size_t used;            /* bytes from head to tail (padding included) */
    uint64_t *index;
    size_t index_mask, index_count, index_limit;
    uint64_t entries, evicted, expired;
} __attribute__((aligned(SR_CACHE_LINE)));

struct segring {
    struct lfmap_hasher hasher;
    size_t capacity, ring_bytes, index_slots;
    struct sr_segment seg[SR_SEGMENTS];
};

static size_t sr_round(size_t n)
{
    return (n + SR_ALIGN - 1) / SR_ALIGN * SR_ALIGN;
}

static struct sr_hdr sr_read_hdr(const struct sr_segment *s, size_t off)
{
    struct sr_hdr h;
    memcpy(&h, s->ring + off, sizeof h);
    return h;
}

static void sr_write_hdr(struct sr_segment *s, size_t off, const struct sr_hdr *h)
{
    memcpy(s->ring + off, h, sizeof *h);
}

static uint64_t sr_tag(uint64_t hash)
{
    return hash >> SR_TAG_SHIFT; /* 24 bits */
}

static size_t sr_home(const struct sr_segment *s, uint64_t tag)
{
    return (size_t)tag & s->index_mask;
}

/* The index slot of the key (hash, key bytes), or -1. */
static ptrdiff_t sr_find(const struct sr_segment *s, uint64_t hash, const void *key, size_t klen)
{
    uint64_t tag = sr_tag(hash);
    for (size_t i = sr_home(s, tag);; i = (i + 1) & s->index_mask) {
        uint64_t w = s->index[i];
        if (!w)
            return -1;
        if (w >> SR_TAG_SHIFT != tag)
            continue;
        size_t off = (size_t)((w & SR_OFF_MASK) - 1) * SR_ALIGN;
        struct sr_hdr h = sr_read_hdr(s, off);
        if (h.hash == hash && h.klen == klen &&
            (klen == 0 || memcmp(s->ring + off + sizeof h, key, klen) == 0))
            return (ptrdiff_t)i;
    }
}

/* The index slot that names the entry at `off` (it is indexed), found by
 * its offset alone. */
static size_t sr_slot_of(const struct sr_segment *s, uint64_t hash, size_t off)
{
    uint64_t want = off / SR_ALIGN + 1;
    for (size_t i = sr_home(s, sr_tag(hash));; i = (i + 1) & s->index_mask)
        if ((s->index[i] & SR_OFF_MASK) == want)
            return i;
}

/* Empties index slot i, moving later words of its cluster back into the
 * hole when their home is not between the hole and them (cyclically). */
static void sr_unindex_at(struct sr_segment *s, size_t i)
{
    size_t hole = i;
    for (size_t j = (i + 1) & s->index_mask; s->index[j]; j = (j + 1) & s->index_mask) {
        size_t home = sr_home(s, s->index[j] >> SR_TAG_SHIFT);
        if (((j - home) & s->index_mask) >= ((j - hole) & s->index_mask)) {
            s->index[hole] = s->index[j];
            hole = j;
        }
    }
    s->index[hole] = 0;
    s->index_count--;
}

static void sr_index_add(struct sr_segment *s, uint64_t hash, size_t off)
{
    uint64_t tag = sr_tag(hash);
    size_t i = sr_home(s, tag);
    while (s->index[i])
        i = (i + 1) & s->index_mask;
    s->index[i] = tag << SR_TAG_SHIFT | (off / SR_ALIGN + 1);
    s->index_count++;
}

/* Drops the entry at `off` (live): out of the index, marked deleted; its
 * bytes stay in the ring until the head passes them. */
static void sr_delete(struct sr_segment *s, size_t slot, size_t off)
{
    struct sr_hdr h = sr_read_hdr(s, off);
    sr_unindex_at(s, slot);
    h.flags |= SR_FLAG_DELETED;
    sr_write_hdr(s, off, &h);
    s->entries--;
}

/* Frees the ring's oldest bytes: the padding at its end, or the oldest
 * entry (evicted when it is still live). */
static void sr_evict_head(struct sr_segment *s)
{
    size_t rest = s->size - s->head;
    if (rest < sizeof(struct sr_hdr) || (sr_read_hdr(s, s->head).flags & SR_FLAG_PAD)) {
        s->used -= rest;
        s->head = 0;
        return;
    }
    struct sr_hdr h = sr_read_hdr(s, s->head);
    if (!(h.flags & SR_FLAG_DELETED)) {
        sr_unindex_at(s, sr_slot_of(s, h.hash, s->head));
        s->entries--;
        s->evicted++;
    }
    s->used -= h.len;
    s->head += h.len;
    if (s->head == s->size)
        s->head = 0;
}

/* The offset where n more bytes (n <= size) go, evicting the oldest
 * entries until they fit: at the tail, or at the ring's start after
 * padding out its end. */
static size_t sr_reserve(struct sr_segment *s, size_t n)
{
    for (;;) {
        if (s->used == 0)
            s->head = s->tail = 0;
        if (s->index_count < s->index_limit) {
            if (s->used == 0)
                return 0;
            if (s->tail > s->head) {
                /* free: [tail, size) and [0, head) */
                if (s->size - s->tail >= n)
                    return s->tail;
                if (s->head >= n) {
                    size_t pad = s->size - s->tail;
                    if (pad >= sizeof(struct sr_hdr)) {
                        struct sr_hdr p = {.len = (uint32_t)pad, .flags = SR_FLAG_PAD};
                        sr_write_hdr(s, s->tail, &p);
                    }
                    s->used += pad;
                    s->tail = 0;
                    return 0;
                }
            } else if (s->head - s->tail >= n) {
                return s->tail; /* free: [tail, head) */
            }
        }
        sr_evict_head(s);
    }
}

static void *sr_create(const struct lfb_map_config *cfg)
{
    struct segring *c = aligned_alloc(SR_CACHE_LINE, sizeof *c);
    if (!c)
        return NULL;
    memset(c, 0, sizeof *c);
    lf_hasher_init(&c->hasher, cfg->seed);
    size_t cap = cfg->capacity ? cfg->capacity : 1;
    size_t mean = sr_round(sizeof(struct sr_hdr) + (lfb_keys.len_min + lfb_keys.len_max) / 2 +
                           (lfb_keys.value_min + lfb_keys.value_max) / 2);
    size_t per_seg = sr_round((cap * mean + SR_SEGMENTS - 1) / SR_SEGMENTS);
    /* Every segment holds at least the session's largest entry, so that
     * every set of the session's keys and values succeeds. */
    size_t largest = sr_round(sizeof(struct sr_hdr) + lfb_keys.len_max + lfb_keys.value_max);
    if (per_seg < largest)
        per_seg = largest;
    size_t share = (cap + SR_SEGMENTS - 1) / SR_SEGMENTS;
    size_t slots = SR_INDEX_MIN;
    while (slots / 4 * 3 < 2 * share)
        slots <<= 1;
    c->capacity = cap;
    c->ring_bytes = per_seg;
    c->index_slots = slots;
    for (unsigned i = 0; i < SR_SEGMENTS; i++) {
        struct sr_segment *s = &c->seg[i];
        /* malloc, not calloc: the ring's pages are touched as entries are
         * written, so resident memory grows with use as freecache's does
         * (its buffers are allocated, not written, up front). */
        s->ring = malloc(per_seg);
        s->index = calloc(slots, sizeof *s->index);
        if (!s->ring || !s->index) {
            for (unsigned j = 0; j <= i; j++) {
                free(c->seg[j].ring);
                free(c->seg[j].index);
            }
            free(c);
            return NULL;
        }
        s->size = per_seg;
        s->index_mask = slots - 1;
        s->index_limit = slots / 4 * 3;
        pthread_mutex_init(&s->lock, NULL);
    }
    return c;
}

static void sr_destroy(void *p)
{
    struct segring *c = p;
    for (unsigned i = 0; i < SR_SEGMENTS; i++) {
        free(c->seg[i].ring);
        free(c->seg[i].index);
        pthread_mutex_destroy(&c->seg[i].lock);
    }
    free(c);
}

static struct sr_segment *sr_segment_of(struct segring *c, uint64_t hash)
{
    return &c->seg[hash & (SR_SEGMENTS - 1)];
}

static bool sr_get(void *p, const void *key, size_t klen, void *buf, size_t cap, size_t *vlen)
{
    struct segring *c = p;
    uint64_t hash = bt_hash(&c->hasher, key, klen);
    struct sr_segment *s = sr_segment_of(c, hash);
    bool hit = false;
    pthread_mutex_lock(&s->lock);
    ptrdiff_t i = sr_find(s, hash, key, klen);
    if (i >= 0) {
        size_t off = (size_t)((s->index[i] & SR_OFF_MASK) - 1) * SR_ALIGN;
        struct sr_hdr h = sr_read_hdr(s, off);
        if (lfb_cache_expired(h.expire_at)) {
            sr_delete(s, (size_t)i, off);
            s->expired++;
        } else {
            *vlen = h.vlen;
            memcpy(buf, s->ring + off + sizeof h + h.klen, h.vlen < cap ? h.vlen : cap);
            hit = true;
        }
    }
    pthread_mutex_unlock(&s->lock);
    return hit;
}

static bool sr_set(void *p, const void *key, size_t klen, const void *val, size_t vlen, uint32_t ttl_s)
{
    struct segring *c = p;
    size_t n = sr_round(sizeof(struct sr_hdr) + klen + vlen);
    if (klen > LFB_KEY_LEN_MAX || vlen > LFB_VALUE_LEN_MAX || n > c->ring_bytes)
        return false;
    uint64_t hash = bt_hash(&c->hasher, key, klen);
    uint32_t expire_at = lfb_cache_expiry(ttl_s);
    struct sr_segment *s = sr_segment_of(c, hash);
    pthread_mutex_lock(&s->lock);
    ptrdiff_t i = sr_find(s, hash, key, klen);
    if (i >= 0) {
        size_t off = (size_t)((s->index[i] & SR_OFF_MASK) - 1) * SR_ALIGN;
        struct sr_hdr h = sr_read_hdr(s, off);
        if (vlen <= h.vcap) {
            /* overwrite in place: the entry keeps its place in the ring */
            h.vlen = (uint16_t)vlen;
            h.expire_at = expire_at;
            sr_write_hdr(s, off, &h);
            memcpy(s->ring + off + sizeof h + klen, val, vlen);
            pthread_mutex_unlock(&s->lock);
            return true;
        }
        sr_delete(s, (size_t)i, off);
    }
    size_t off = sr_reserve(s, n);
    size_t room = n - sizeof(struct sr_hdr) - klen; /* vlen, and the rounding's bytes */
    struct sr_hdr h = {.hash = hash, .expire_at = expire_at, .len = (uint32_t)n, .klen = (uint16_t)klen,
                       .vlen = (uint16_t)vlen, .vcap = (uint16_t)(room < UINT16_MAX ? room : UINT16_MAX)};
    sr_write_hdr(s, off, &h);
    if (klen)
        memcpy(s->ring + off + sizeof h, key, klen);
    memcpy(s->ring + off + sizeof h + klen, val, vlen);
    s->tail = off + n == s->size ? 0 : off + n;
    s->used += n;
    sr_index_add(s, hash, off);
    s->entries++;
    pthread_mutex_unlock(&s->lock);
    return true;
}

static void sr_counters(void *p, struct lfb_cache_counters *out)
{
    struct segring *c = p;
    memset(out, 0, sizeof *out);
    for (unsigned i = 0; i < SR_SEGMENTS; i++) {
        struct sr_segment *s = &c->seg[i];
        pthread_mutex_lock(&s->lock);
        out->entries += s->entries;
        out->evicted += s->evicted;
        out->expired += s->expired;
        pthread_mutex_unlock(&s->lock);
    }
}

static void sr_stats(void *p, struct lfb_map_stats *out)
{
    struct segring *c = p;
    struct lfb_cache_counters n;
    sr_counters(p, &n);
    out->size = (int64_t)n.entries;
    out->resizes = 0;
    out->retired_bytes = 0;
    snprintf(out->config, sizeof out->config,
             "{\"design\":\"freecache\",\"segments\":%u,\"lock\":\"pthread_mutex\",\"bound\":\"fifo-ring\","
             "\"capacity\":%zu,\"ring_bytes_per_segment\":%zu,\"index_slots_per_segment\":%zu}",
             SR_SEGMENTS, c->capacity, c->ring_bytes, c->index_slots);
}

LFB_CACHE_SHIM(sr)

const struct lfb_map_ops lfb_map_segring_cache = {
    .name = "segring-cache",
    .description = "cache: 256 segments, each a mutex, a ring buffer and a slot index (freecache's design)",
    .create = sr_create,
    .destroy = sr_destroy,
    LFB_CACHE_SHIM_OPS(sr),
    .stats = sr_stats,
};

LFB_CACHE_RAW(segring_cache, sr);
