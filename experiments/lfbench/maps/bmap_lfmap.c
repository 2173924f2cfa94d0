/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* lfmap-bytes: lfmap_bytes (lib/lfmap.h, "Byte-string keys") through its
 * public API, linked as the "lfmap" series links lfmap: the shared library,
 * liblfmap.so, called through the PLT (experiments/harness.mk).  Default
 * configuration (the library's reclamation scheme unless --scheme names
 * one, migration chunk 64), presized to the prefill, integer values. */
#include <stdio.h>
#include <stdlib.h>

#include "bmap_iface.h"
#include "lfmap.h"
#include "lfmap_thread_glue.h"

static void *lb_create(const struct lfb_map_config *cfg)
{
    struct lfmap_config c = {.capacity = cfg->capacity, .seed = cfg->seed, .reclamation = cfg->scheme};
    return lfmap_bytes_new(&c);
}

static void lb_destroy(void *m) { lfmap_bytes_free(m); }

static bool lb_get(void *m, const void *k, size_t n, uint64_t *v) { return lfmap_bytes_get(m, k, n, v); }
static bool lb_insert(void *m, const void *k, size_t n, uint64_t v) { return lfmap_bytes_insert(m, k, n, v) == 1; }
static bool lb_remove(void *m, const void *k, size_t n) { return lfmap_bytes_remove(m, k, n, NULL) == 1; }
static bool lb_put(void *m, const void *k, size_t n, uint64_t v) { return lfmap_bytes_put(m, k, n, v, NULL) == 1; }

static bool lb_cas(void *m, const void *k, size_t n, uint64_t e, uint64_t d)
{
    return lfmap_bytes_cas(m, k, n, e, d) == 1;
}

static void lb_quiescent(void *m)
{
    (void)m;
    lfmap_quiescent();
}

static void lb_stats(void *m, struct lfb_map_stats *out)
{
    struct lfmap_stats s;
    lfmap_bytes_get_stats(m, &s);
    lfb_lfmap_stats_record(out, &s, lfmap_bytes_reclamation(m), "\"linked\":\"shared\"");
}

LFB_BYTES_SHIM(lb)

const struct lfb_map_ops lfb_map_lfmap_bytes = {
    .name = "lfmap-bytes",
    .description = "lfmap_bytes (byte-string keys), the shared library liblfmap.so (public API)",
    .stats_concurrent = true,
    .create = lb_create,
    .destroy = lb_destroy,
    .thread_enter = lfb_lfmap_thread_enter,
    .thread_exit = lfb_lfmap_thread_exit,
    LFB_BYTES_SHIM_OPS(lb),
    .stats = lb_stats,
    .quiescent = lb_quiescent,
};

LFB_BYTES_RAW(lfmap_bytes, lb);
