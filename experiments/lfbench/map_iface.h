/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The one small interface every map of the harness sits behind.  A map is
 * one adapter file (maps/map_NAME.c or .cc) that defines
 *     const struct lfb_map_ops lfb_map_NAME;
 * plus one line LFB_MAP(NAME) in maps/maps.def.
 *
 * Keys are 1 .. 2^40 (never 0 or UINT64_MAX, which some peers reserve);
 * values are below 2^62 (lfmap and the read-mostly map reserve values at the
 * top of the range).  Every operation is called from a thread between
 * thread_enter and thread_exit.
 */
#ifndef LFB_MAP_IFACE_H
#define LFB_MAP_IFACE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define LFB_KEY_MAX ((uint64_t)1 << 40)
#define LFB_VALUE_LIMIT ((uint64_t)1 << 62)

struct lfb_map_config {
    size_t capacity; /* expected keys (0 = the map's smallest table) */
    uint64_t seed;   /* hash seed, for maps that take one */
    unsigned threads; /* worker threads that will use the map */
};

struct lfb_map_stats {
    uint64_t size;
    int64_t resizes;        /* completed resizes, -1 when the map does not say */
    int64_t retired_bytes;  /* retired-but-not-freed bytes, -1 when unknown */
    char config[160];       /* the map's configuration, a JSON object */
};

struct lfb_map_ops {
    const char *name;
    const char *description;
    unsigned max_threads; /* 0 = any number */
    bool lock_based;      /* records a contention profile (lock_profile.h) */

    void *(*create)(const struct lfb_map_config *cfg); /* NULL on failure */
    void (*destroy)(void *m);
    /* Optional: per-thread registration (RCU readers and the like). */
    void (*thread_enter)(void *m);
    void (*thread_exit)(void *m);

    bool (*get)(void *m, uint64_t key, uint64_t *value);
    bool (*insert)(void *m, uint64_t key, uint64_t value);   /* true: inserted, false: present */
    bool (*remove)(void *m, uint64_t key);                   /* true: removed, false: absent */
    bool (*put)(void *m, uint64_t key, uint64_t value);      /* true: key was new */
    bool (*cas)(void *m, uint64_t key, uint64_t expected, uint64_t desired); /* true: swapped */
    /* Optional: insert while no other thread uses the map (prefill).  Maps
     * whose shared insert is O(n) (cow) load in place; NULL = insert. */
    bool (*load)(void *m, uint64_t key, uint64_t value);
    void (*stats)(void *m, struct lfb_map_stats *out);
};

/* The registry (maps/registry.c, generated from maps/maps.def). */
extern const struct lfb_map_ops *const lfb_maps[];
extern const size_t lfb_map_count;
const struct lfb_map_ops *lfb_map_find(const char *name);

#ifdef __cplusplus
}
#endif

#endif /* LFB_MAP_IFACE_H */
