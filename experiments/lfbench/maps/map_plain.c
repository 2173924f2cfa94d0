/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* plain: the non-concurrent linear-probing map (experiments/plain_map.h) at
 * one thread, the single-thread limit every concurrent map is measured
 * against.  No synchronisation at all, hence max_threads = 1.
 *
 * Compiled a second time with PLAIN_LOCKED_WRITES (experiments/harness.mk):
 * plain-locked, the same map whose effective inserts and removes commit
 * with one atomic exchange (plain_map.h, PLAIN_COMMIT_KEY): the cost of one
 * locked instruction per write and nothing else, the floor under any
 * concurrent map's writes.  Still one thread only. */
#include <stdio.h>
#include <stdlib.h>

#include "map_iface.h"
#include "plain_map.h"

static void *plain_create(const struct lfb_map_config *cfg)
{
    struct plain_map *m = malloc(sizeof *m);
    if (m && plain_init(m, cfg->capacity, cfg->seed) != 0) {
        free(m);
        return NULL;
    }
    return m;
}

static void plain_destroy_map(void *m)
{
    plain_destroy(m);
    free(m);
}

static bool plain_a_get(void *m, uint64_t k, uint64_t *v) { return plain_get(m, k, v); }
static bool plain_a_insert(void *m, uint64_t k, uint64_t v) { return plain_insert(m, k, v) == 1; }
static bool plain_a_remove(void *m, uint64_t k) { return plain_remove(m, k, NULL) == 1; }
static bool plain_a_put(void *m, uint64_t k, uint64_t v) { return plain_put(m, k, v, NULL) == 1; }

static bool plain_a_cas(void *m, uint64_t k, uint64_t expected, uint64_t desired)
{
    uint64_t *slot = plain_value_slot(m, k);
    if (!slot || *slot != expected)
        return false;
    *slot = desired;
    return true;
}

static void plain_a_stats(void *m, struct lfb_map_stats *out)
{
    struct plain_map *p = m;
    out->size = plain_size(p);
    out->resizes = (int64_t)p->resizes;
    out->retired_bytes = 0;
    snprintf(out->config, sizeof out->config, "{\"slots\":%zu}", plain_capacity_slots(p));
}

#ifdef PLAIN_LOCKED_WRITES
#define LFB_PLAIN_OPS lfb_map_plain_locked
#define LFB_PLAIN_NAME "plain-locked"
#define LFB_PLAIN_DESCRIPTION "plain, each effective insert/remove committed by one atomic exchange, 1 thread only"
#else
#define LFB_PLAIN_OPS lfb_map_plain
#define LFB_PLAIN_NAME "plain"
#define LFB_PLAIN_DESCRIPTION "non-concurrent linear probing (experiments/plain_map.h), 1 thread only"
#endif

const struct lfb_map_ops LFB_PLAIN_OPS = {
    .name = LFB_PLAIN_NAME,
    .description = LFB_PLAIN_DESCRIPTION,
    .max_threads = 1,
    .create = plain_create,
    .destroy = plain_destroy_map,
    .get = plain_a_get,
    .insert = plain_a_insert,
    .remove = plain_a_remove,
    .put = plain_a_put,
    .cas = plain_a_cas,
    .stats = plain_a_stats,
};
