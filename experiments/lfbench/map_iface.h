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
    /* lfmap: its reclamation scheme by name (lfmap_config.reclamation; NULL =
     * the library's default).  Other maps ignore it. */
    const char *scheme;
    /* Lock-based maps: the kind of lock (enum lfb_lock_kind, maps/locks.h);
     * 0 = the map's own choice.  Maps ignore kinds not in their lock_kinds. */
    unsigned lock_kind;
};

struct lfb_map_stats {
    int64_t size;           /* keys; -1 when not counted (sample) */
    int64_t resizes;        /* completed resizes, -1 when the map does not say */
    int64_t retired_bytes;  /* retired-but-not-freed bytes, -1 when unknown */
    int64_t retired_values; /* retired values whose destructor has not run, -1 unknown */
    char scheme[32];        /* reclamation scheme the map uses, "" = none / not reported */
    char config[384];       /* the map's configuration, a JSON object (segring-cache writes ~190 bytes; 160 cut its closing brace) */
};

/* Objects a pointer-value adapter published (allocated and kept: an insert
 * that finds its key frees its object at once and does not count) and
 * objects the map's reclamation freed; with every map freed, allocated -
 * freed is what the reclamation scheme leaked. */
struct lfb_value_counts {
    uint64_t allocated, freed;
};

struct lfb_map_ops {
    const char *name;
    const char *description;
    unsigned max_threads; /* 0 = any number */
    /* Lock-based maps: bit k set when the map honours lock kind k
     * (lfb_map_config.lock_kind, maps/locks.h); 0 for the others. */
    unsigned lock_kinds;
    /* The copy built with the contention profiler (maps/locks.h): its runs
     * record a contention profile and are labelled profile_locks. */
    bool profiled;
    /* stats is cheap (no walk of the map) and may run while other threads
     * run operations: lfbench's memory monitor calls it every interval
     * during runs.  Maps whose stats is not both give `sample` instead. */
    bool stats_concurrent;

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
    /* Called from a thread between thread_enter and thread_exit. */
    void (*stats)(void *m, struct lfb_map_stats *out);
    /* Optional, for maps whose stats walks the map or is unsafe during a
     * run: what the memory monitor reads while workers run (resizes,
     * retired memory; size -1 = not counted), cheap and safe alongside
     * every operation.  A map with neither this nor stats_concurrent is
     * sampled for RSS only (plain: single-threaded by design). */
    void (*sample)(void *m, struct lfb_map_stats *out);
    /* Optional: the calling thread is in a quiescent state (holds nothing
     * it got from the map).  Workers call it every LFB_QUIESCENT_EVERY
     * operations; lfmap under urcu-qsbr needs it for reclamation to progress. */
    void (*quiescent)(void *m);
    /* Optional: enter / leave a read-side section that keeps whatever the
     * thread gets from the map valid (the stalled-reader experiment). */
    void (*read_lock)(void *m);
    void (*read_unlock)(void *m);
    /* Optional: the map's own reclamation schemes, NULL-terminated; lfbench
     * runs one series per scheme ("NAME/SCHEME", lfb_map_config.scheme).
     * (lfmap's schemes come from the library, lfmap_reclamation_scheme.) */
    const char *const *schemes;
    /* Optional: the same map with pointer values (lfbench --values
     * pointer): heap objects of LFB_POINTER_VALUE_BYTES that the map frees
     * once no reader can hold them; that variant has value_counts. */
    const struct lfb_map_ops *pointer_variant;
    /* Pointer variants: objects published and freed since the program
     * started (struct lfb_value_counts, below). */
    void (*value_counts)(struct lfb_value_counts *out);
};

/* lfmap with pointer values (lfbench --values pointer; maps/map_lfmap.c): not
 * in the registry.  Each value is a heap object of LFB_POINTER_VALUE_BYTES
 * holding the key and the integer value the harness asked for; the map frees
 * replaced and removed objects through lfmap_config.value_free once no
 * reader can hold them; get dereferences the object between lfmap_read_lock
 * and lfmap_read_unlock.  Same name ("lfmap") as the integer adapter. */
#define LFB_POINTER_VALUE_BYTES 32u
extern const struct lfb_map_ops lfb_map_lfmap_pointer;
/* lfb_map_lfmap_pointer's value_counts. */
void lfb_pointer_value_counts(struct lfb_value_counts *out);

/* The registry (maps/registry.c, generated from maps/maps.def). */
extern const struct lfb_map_ops *const lfb_maps[];
extern const size_t lfb_map_count;
const struct lfb_map_ops *lfb_map_find(const char *name);
/* The copy of a lock-based map built with the contention profiler, NULL
 * for a map without locks of its own to profile. */
const struct lfb_map_ops *lfb_map_profiled(const struct lfb_map_ops *m);

#ifdef __cplusplus
}
#endif

#endif /* LFB_MAP_IFACE_H */
