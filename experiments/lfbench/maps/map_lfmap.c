/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* lfmap through its public API only (lib/lfmap.h), linked as users link it. */
#include <stdio.h>
#include <stdlib.h>

#include "lfmap.h"
#include "map_iface.h"

static void *lfmap_a_create(const struct lfb_map_config *cfg)
{
    struct lfmap_config c = {.capacity = cfg->capacity, .seed = cfg->seed};
    return lfmap_new(&c);
}

static void lfmap_a_destroy(void *m) { lfmap_free(m); }

static void lfmap_a_enter(void *m)
{
    (void)m;
    if (lfmap_thread_register() != 0) {
        /* Only a bad LFMAP_RCU or > LFMAP_MAX_THREADS threads get here; the
         * driver checks both before any run. */
        fputs("lfbench: lfmap_thread_register failed\n", stderr);
        abort();
    }
}

static void lfmap_a_exit(void *m)
{
    (void)m;
    lfmap_thread_unregister();
}

static bool lfmap_a_get(void *m, uint64_t k, uint64_t *v) { return lfmap_get(m, k, v); }
static bool lfmap_a_insert(void *m, uint64_t k, uint64_t v) { return lfmap_insert(m, k, v) == 1; }
static bool lfmap_a_remove(void *m, uint64_t k) { return lfmap_remove(m, k, NULL) == 1; }
static bool lfmap_a_put(void *m, uint64_t k, uint64_t v) { return lfmap_put(m, k, v, NULL) == 1; }
static bool lfmap_a_cas(void *m, uint64_t k, uint64_t e, uint64_t d) { return lfmap_cas(m, k, e, d) == 1; }

static void lfmap_a_stats(void *m, struct lfb_map_stats *out)
{
    struct lfmap_stats s;
    lfmap_get_stats(m, &s);
    out->size = s.size;
    out->resizes = (int64_t)s.resizes;
    out->retired_bytes = -1; /* the public API does not report the RCU backlog */
    snprintf(out->config, sizeof out->config,
             "{\"capacity_slots\":%zu,\"table_bytes\":%zu,\"migration_chunk\":%u}",
             s.capacity_slots, s.table_bytes, LFMAP_DEFAULT_MIGRATION_CHUNK);
}

const struct lfb_map_ops lfb_map_lfmap = {
    .name = "lfmap",
    .description = "this project's lock-free RCU open-addressing map (public API)",
    .create = lfmap_a_create,
    .destroy = lfmap_a_destroy,
    .thread_enter = lfmap_a_enter,
    .thread_exit = lfmap_a_exit,
    .get = lfmap_a_get,
    .insert = lfmap_a_insert,
    .remove = lfmap_a_remove,
    .put = lfmap_a_put,
    .cas = lfmap_a_cas,
    .stats = lfmap_a_stats,
};
