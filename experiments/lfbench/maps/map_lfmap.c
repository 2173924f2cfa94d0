/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* lfmap through its public API only (lib/lfmap.h), linked as users link it:
 * lfb_map_lfmap stores the harness's integers as values; lfb_map_lfmap_pointer
 * (lfbench --values pointer, map_iface.h) stores pointers to heap objects and
 * lets the map free them through its value destructor.
 *
 * This file is compiled twice (experiments/harness.mk).  Normally it calls the
 * shared library, liblfmap.so, through the PLT: the "lfmap" series.  With
 * LFB_LFMAP_STATIC, and a generated header that renames every API function
 * lfmap_static_NAME, it calls a copy of liblfmap.a with the same renames: the
 * "lfmap-static" series (integer values only). */
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lfmap.h"
#include "map_iface.h"
#include "lfmap_thread_glue.h"

static void *lfmap_a_create(const struct lfb_map_config *cfg)
{
    struct lfmap_config c = {.capacity = cfg->capacity, .seed = cfg->seed, .reclamation = cfg->scheme};
    return lfmap_new(&c);
}

static void lfmap_a_destroy(void *m) { lfmap_free(m); }

static bool lfmap_a_get(void *m, uint64_t k, uint64_t *v) { return lfmap_get(m, k, v); }
static bool lfmap_a_insert(void *m, uint64_t k, uint64_t v) { return lfmap_insert(m, k, v) == 1; }
static bool lfmap_a_remove(void *m, uint64_t k) { return lfmap_remove(m, k, NULL) == 1; }
static bool lfmap_a_put(void *m, uint64_t k, uint64_t v) { return lfmap_put(m, k, v, NULL) == 1; }
static bool lfmap_a_cas(void *m, uint64_t k, uint64_t e, uint64_t d) { return lfmap_cas(m, k, e, d) == 1; }
static void lfmap_a_quiescent(void *m) { (void)m; lfmap_quiescent(); }
static void lfmap_a_read_lock(void *m) { lfmap_read_lock(m); }
static void lfmap_a_read_unlock(void *m) { lfmap_read_unlock(m); }

static void stats_common(void *m, struct lfb_map_stats *out, const char *values)
{
    struct lfmap_stats s;
    lfmap_get_stats(m, &s);
    char extra[32];
    snprintf(extra, sizeof extra, "\"values\":\"%s\"", values);
    lfb_lfmap_stats_record(out, &s, lfmap_reclamation(m), extra);
}

static void lfmap_a_stats(void *m, struct lfb_map_stats *out) { stats_common(m, out, "int"); }

#ifdef LFB_LFMAP_STATIC
#define LFB_LFMAP_OPS lfb_map_lfmap_static
#define LFB_LFMAP_NAME "lfmap-static"
#define LFB_LFMAP_DESCRIPTION "lfmap, the static library liblfmap.a linked without LTO (public API)"
#else
#define LFB_LFMAP_OPS lfb_map_lfmap
#define LFB_LFMAP_NAME "lfmap"
#define LFB_LFMAP_DESCRIPTION "lfmap, the shared library liblfmap.so called through the PLT (public API)"
#endif

const struct lfb_map_ops LFB_LFMAP_OPS = {
    .name = LFB_LFMAP_NAME,
    .description = LFB_LFMAP_DESCRIPTION,
    .stats_concurrent = true,
    .create = lfmap_a_create,
    .destroy = lfmap_a_destroy,
    .thread_enter = lfb_lfmap_thread_enter,
    .thread_exit = lfb_lfmap_thread_exit,
    .get = lfmap_a_get,
    .insert = lfmap_a_insert,
    .remove = lfmap_a_remove,
    .put = lfmap_a_put,
    .cas = lfmap_a_cas,
    .stats = lfmap_a_stats,
    .quiescent = lfmap_a_quiescent,
    .read_lock = lfmap_a_read_lock,
    .read_unlock = lfmap_a_read_unlock,
#ifndef LFB_LFMAP_STATIC
    .pointer_variant = &lfb_map_lfmap_pointer,
#endif
};

#ifndef LFB_LFMAP_STATIC
/* ---- pointer values ---------------------------------------------------- */

/* A user's object: the key it belongs to (checked by every reader: a reader
 * that found another key's object, or a freed and reused one, stops the
 * program) and the harness's integer value, padded to LFB_POINTER_VALUE_BYTES. */
struct lfb_obj {
    uint64_t key;
    uint64_t value;
    uint64_t pad[LFB_POINTER_VALUE_BYTES / 8 - 2];
};
_Static_assert(sizeof(struct lfb_obj) == LFB_POINTER_VALUE_BYTES, "object size");

/* Allocations are counted per thread (no shared line on the write path) and
 * added to the total when the thread leaves; frees happen mostly on the
 * schemes' reclamation threads and are counted in one atomic. */
static _Thread_local uint64_t objs_allocated_here;
static _Atomic uint64_t objs_allocated, objs_freed;

static void obj_free(uint64_t value, void *ctx)
{
    (void)ctx;
    struct lfb_obj *o = (struct lfb_obj *)(uintptr_t)value;
    /* Poison what a late reader would see: a key no reader asks for. */
    o->key = UINT64_MAX;
    free(o);
    atomic_fetch_add_explicit(&objs_freed, 1, memory_order_relaxed);
}

static struct lfb_obj *obj_new(uint64_t key, uint64_t value)
{
    struct lfb_obj *o = malloc(sizeof *o);
    if (!o) {
        fputs("lfbench: out of memory for a pointer value\n", stderr);
        abort();
    }
    memset(o, 0, sizeof *o);
    o->key = key;
    o->value = value;
    return o;
}

static void obj_check(const struct lfb_obj *o, uint64_t key)
{
    if (o->key != key) {
        fprintf(stderr, "lfbench: --values pointer: key %llu's value points to an object of key %llu "
                        "(freed while a reader held it?)\n",
                (unsigned long long)key, (unsigned long long)o->key);
        abort();
    }
}

void lfb_pointer_value_counts(struct lfb_value_counts *out)
{
    out->allocated = atomic_load(&objs_allocated) + objs_allocated_here;
    out->freed = atomic_load(&objs_freed);
}

static void *lfmap_p_create(const struct lfb_map_config *cfg)
{
    struct lfmap_config c = {.capacity = cfg->capacity, .seed = cfg->seed,
                             .reclamation = lfb_lfmap_scheme(cfg->scheme), .value_free = obj_free};
    return lfmap_new(&c);
}

static void lfmap_p_exit(void *m)
{
    atomic_fetch_add(&objs_allocated, objs_allocated_here);
    objs_allocated_here = 0;
    lfb_lfmap_thread_exit(m);
}

static bool lfmap_p_get(void *m, uint64_t k, uint64_t *v)
{
    uint64_t p;
    lfmap_read_lock(m);
    bool hit = lfmap_get(m, k, &p);
    if (hit) {
        const struct lfb_obj *o = (const struct lfb_obj *)(uintptr_t)p;
        obj_check(o, k);
        *v = o->value;
    }
    lfmap_read_unlock(m);
    return hit;
}

static bool lfmap_p_insert(void *m, uint64_t k, uint64_t v)
{
    struct lfb_obj *o = obj_new(k, v);
    if (lfmap_insert(m, k, (uint64_t)(uintptr_t)o) == 1) {
        objs_allocated_here++;
        return true;
    }
    free(o); /* never published */
    return false;
}

static bool lfmap_p_put(void *m, uint64_t k, uint64_t v)
{
    struct lfb_obj *o = obj_new(k, v);
    int rc = lfmap_put(m, k, (uint64_t)(uintptr_t)o, NULL); /* the map retires the old object */
    if (rc < 0) {
        free(o);
        return false;
    }
    objs_allocated_here++;
    return rc == 1;
}

/* CAS on the integer inside the object: read the current object (kept alive
 * by the read-side section), compare its value, swap in a new object. */
static bool lfmap_p_cas(void *m, uint64_t k, uint64_t expected, uint64_t desired)
{
    bool swapped = false;
    uint64_t p;
    lfmap_read_lock(m);
    if (lfmap_get(m, k, &p)) {
        const struct lfb_obj *cur = (const struct lfb_obj *)(uintptr_t)p;
        obj_check(cur, k);
        if (cur->value == expected) {
            struct lfb_obj *o = obj_new(k, desired);
            if (lfmap_cas(m, k, p, (uint64_t)(uintptr_t)o) == 1) {
                objs_allocated_here++;
                swapped = true;
            } else {
                free(o);
            }
        }
    }
    lfmap_read_unlock(m);
    return swapped;
}

static void lfmap_p_stats(void *m, struct lfb_map_stats *out) { stats_common(m, out, "pointer"); }

const struct lfb_map_ops lfb_map_lfmap_pointer = {
    .name = "lfmap",
    .description = "lfmap with pointer values freed by its value destructor (--values pointer)",
    .stats_concurrent = true,
    .create = lfmap_p_create,
    .destroy = lfmap_a_destroy,
    .thread_enter = lfb_lfmap_thread_enter,
    .thread_exit = lfmap_p_exit,
    .get = lfmap_p_get,
    .insert = lfmap_p_insert,
    .remove = lfmap_a_remove,
    .put = lfmap_p_put,
    .cas = lfmap_p_cas,
    .stats = lfmap_p_stats,
    .quiescent = lfmap_a_quiescent,
    .read_lock = lfmap_a_read_lock,
    .read_unlock = lfmap_a_read_unlock,
    .value_counts = lfb_pointer_value_counts,
};
#endif /* !LFB_LFMAP_STATIC */
