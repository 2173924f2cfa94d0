/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * bytes_table: a single-threaded, non-atomic linear-probing table of key
 * objects: the plain table (plain_map.h) for byte-string keys, written once
 * and shared by the byte-key baselines (plain-bytes, mutex-bytes,
 * rwlock-bytes, striped-bytes: experiments/lfbench/maps/bmap_locked.c) and
 * the lock + map cache (maps/cache_lockmap.c).
 *
 * Like plain_map.h it copies every layout decision of lfmap that is not
 * about concurrency, so that it is a fair opponent of lfmap_bytes:
 *   - 16-byte slots in plain_map.h's arrays (its allocation: mmap for large
 *     tables, as lfmap's built-in allocator; load limit 3/4,
 *     growth by doubling, smallest table; a capacity c gets the table that
 *     holds c + 1 keys), 4 slots per cache line;
 *   - each key is one malloc'd object holding its bytes (lfmap_bytes's key
 *     objects hold the hash, the length and the bytes), compared only when
 *     the slot's hash matches; the hash is computed by the caller with
 *     lfmap's own seeded byte hash (lf_bytes_hash, lib/key.h), so all the
 *     byte-key maps hash at identical cost, and outside any lock.
 * Where it differs it takes the cheaper road a single-threaded table can:
 * the slot holds the whole 64-bit hash next to the object pointer (lfmap
 * keeps 16 bits of it in the key word), so a mismatching key never costs a
 * pointer chase and deletion shifts later keys back without reading their
 * objects (no tombstones); the value lives in the key object (16-byte slot,
 * value read on a hit from the object that the comparison reads anyway).
 * Keys of any length, empty included; the caller's bytes are copied in.
 */
#ifndef BYTES_TABLE_H
#define BYTES_TABLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "key.h"       /* lf_bytes_hash: lfmap's seeded byte hash */
#include "plain_map.h" /* the table arrays, load limit and sizes */

/* A key object: its value, then the key's bytes, then `extra` bytes the
 * owner may use (the cache keeps its entry there). */
struct bt_obj {
    uint64_t value;
    uint32_t len;
    uint32_t aux;  /* free for the owner */
    unsigned char bytes[];
};

struct bt_slot {
    uint64_t hash;
    struct bt_obj *obj; /* NULL = empty */
};
_Static_assert(sizeof(struct bt_slot) == sizeof(struct plain_slot), "bytes_table reuses plain_map's arrays");

struct bytes_table {
    struct bt_slot *slots;
    size_t mask;     /* slots - 1 */
    size_t size;
    size_t grow_at;  /* most keys the array holds before a doubling */
    uint64_t resizes;
};

static inline uint64_t bt_hash(const struct lfmap_hasher *h, const void *key, size_t len)
{
    return lf_bytes_hash(h, key, len);
}

/* A new object holding a copy of key, with `extra` more bytes; NULL when out of memory. */
static inline struct bt_obj *bt_obj_new(const void *key, size_t len, uint64_t value, size_t extra)
{
    struct bt_obj *o = malloc(sizeof *o + len + extra);
    if (!o)
        return NULL;
    o->value = value;
    o->len = (uint32_t)len;
    o->aux = 0;
    if (len)
        memcpy(o->bytes, key, len);
    return o;
}

static inline void bt_set_table(struct bytes_table *t, struct bt_slot *s, size_t nslots)
{
    t->slots = s;
    t->mask = nslots - 1;
    t->grow_at = nslots / PLAIN_MAX_LOAD_DEN * PLAIN_MAX_LOAD_NUM;
}

/* 0, or -1 when the table cannot be allocated.  capacity 0 = smallest table. */
static inline int bt_init(struct bytes_table *t, size_t capacity)
{
    memset(t, 0, sizeof *t);
    size_t n = plain_slots_for(capacity);
    struct bt_slot *s = (struct bt_slot *)(void *)plain_table_alloc(n, false);
    if (!s)
        return -1;
    bt_set_table(t, s, n);
    return 0;
}

/* Frees the table; with free_objs, every key object too. */
static inline void bt_destroy(struct bytes_table *t, bool free_objs)
{
    if (free_objs)
        for (size_t i = 0; i <= t->mask; i++)
            free(t->slots[i].obj);
    plain_table_free((struct plain_slot *)(void *)t->slots, t->mask + 1, false);
    t->slots = NULL;
}

static inline bool bt_same(const struct bt_slot *s, uint64_t hash, const void *key, size_t len)
{
    /* len 0: key may be NULL, which memcmp must not be given */
    return s->hash == hash && s->obj->len == len && (len == 0 || memcmp(s->obj->bytes, key, len) == 0);
}

/* The slot index of the key, or -1 when absent. */
static inline ptrdiff_t bt_find_slot(const struct bytes_table *t, uint64_t hash, const void *key, size_t len)
{
    /* The load bound guarantees an empty slot, so the probe terminates. */
    for (size_t i = hash & t->mask;; i = (i + 1) & t->mask) {
        const struct bt_slot *s = &t->slots[i];
        if (!s->obj)
            return -1;
        if (bt_same(s, hash, key, len))
            return (ptrdiff_t)i;
    }
}

static inline struct bt_obj *bt_find(const struct bytes_table *t, uint64_t hash, const void *key, size_t len)
{
    ptrdiff_t i = bt_find_slot(t, hash, key, len);
    return i < 0 ? NULL : t->slots[i].obj;
}

static inline void bt_place(struct bt_slot *s, size_t mask, uint64_t hash, struct bt_obj *o)
{
    size_t i = hash & mask;
    while (s[i].obj)
        i = (i + 1) & mask;
    s[i].hash = hash;
    s[i].obj = o;
}

/* Doubles the table (a stop-the-world rehash from the stored hashes; no
 * object is read).  0 or -1 (out of memory, table unchanged). */
static inline int bt_grow(struct bytes_table *t)
{
    size_t old_n = t->mask + 1, new_n = old_n * 2;
    struct bt_slot *s = (struct bt_slot *)(void *)plain_table_alloc(new_n, false);
    if (!s)
        return -1;
    for (size_t i = 0; i < old_n; i++)
        if (t->slots[i].obj)
            bt_place(s, new_n - 1, t->slots[i].hash, t->slots[i].obj);
    plain_table_free((struct plain_slot *)(void *)t->slots, old_n, false);
    bt_set_table(t, s, new_n);
    t->resizes++;
    return 0;
}

/* Adds object o (its key absent: the caller looked) under hash.  0, or -1
 * when the table must grow and cannot (table unchanged, o not added). */
static inline int bt_add(struct bytes_table *t, uint64_t hash, struct bt_obj *o)
{
    if (t->size + 1 > t->grow_at && bt_grow(t) != 0)
        return -1;
    bt_place(t->slots, t->mask, hash, o);
    t->size++;
    return 0;
}

/* Empties slot i, pulling each later key of its cluster back into the hole
 * when the hole lies between the key's home slot and its slot (cyclically),
 * so that no probe for it would stop at the hole (plain_map.h's deletion). */
static inline void bt_remove_at(struct bytes_table *t, size_t i)
{
    size_t hole = i;
    for (size_t j = (i + 1) & t->mask; t->slots[j].obj; j = (j + 1) & t->mask) {
        size_t home = t->slots[j].hash & t->mask;
        if (((j - home) & t->mask) >= ((j - hole) & t->mask)) {
            t->slots[hole] = t->slots[j];
            hole = j;
        }
    }
    t->slots[hole].obj = NULL;
    t->slots[hole].hash = 0;
    t->size--;
}

/* Removes the key; returns its object (the caller frees it) or NULL. */
static inline struct bt_obj *bt_remove(struct bytes_table *t, uint64_t hash, const void *key, size_t len)
{
    ptrdiff_t i = bt_find_slot(t, hash, key, len);
    if (i < 0)
        return NULL;
    struct bt_obj *o = t->slots[i].obj;
    bt_remove_at(t, (size_t)i);
    return o;
}

/* Removes object o, stored under hash (the cache's eviction: no byte
 * comparison).  True if it was there. */
static inline bool bt_remove_obj(struct bytes_table *t, uint64_t hash, const struct bt_obj *o)
{
    for (size_t i = hash & t->mask; t->slots[i].obj; i = (i + 1) & t->mask) {
        if (t->slots[i].obj == o) {
            bt_remove_at(t, i);
            return true;
        }
    }
    return false;
}

#endif /* BYTES_TABLE_H */
