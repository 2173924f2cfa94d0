/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The harness's glue for every map built on lfmap (integer keys, byte keys,
 * the lfmap cache): one registration per worker thread, and the map's
 * statistics as the harness records them.  Static
 * inline, so that map_lfmap.c's static-library build (which renames the API
 * before including lfmap.h) gets its own copy calling its own library. */
#ifndef LFB_LFMAP_THREAD_GLUE_H
#define LFB_LFMAP_THREAD_GLUE_H

#include <stdio.h>
#include <stdlib.h>

#include "lfmap.h"
#include "map_iface.h"

static inline void lfb_lfmap_thread_enter(void *m)
{
    (void)m;
    if (lfmap_thread_register() != 0) {
        /* Only > LFMAP_MAX_THREADS threads get here; the driver checks. */
        fputs("lfbench: lfmap_thread_register failed\n", stderr);
        abort();
    }
}

static inline void lfb_lfmap_thread_exit(void *m)
{
    (void)m;
    lfmap_thread_unregister();
}

/* A map's statistics s (scheme: its reclamation scheme's name, or NULL) as
 * the harness's record; extra: the last member of the configuration's JSON
 * object, what differs between the lfmap adapters. */
static inline void lfb_lfmap_stats_record(struct lfb_map_stats *out, const struct lfmap_stats *s,
                                          const char *scheme, const char *extra)
{
    out->size = s->size;
    out->resizes = (int64_t)s->resizes;
    out->retired_bytes = (int64_t)s->retired_bytes_pending;
    out->retired_values = (int64_t)s->retired_values_pending;
    snprintf(out->scheme, sizeof out->scheme, "%s", scheme ? scheme : "");
    snprintf(out->config, sizeof out->config,
             "{\"capacity_slots\":%zu,\"table_bytes\":%zu,\"migration_chunk\":%u,\"reclamation\":\"%s\",%s}",
             s->capacity_slots, s->table_bytes, LFMAP_DEFAULT_MIGRATION_CHUNK, out->scheme, extra);
}

/* The scheme for a map of a series that names none: the one a map that
 * names none gets (LFMAP_RCU's when the environment may choose it: lfmap.h,
 * "What the environment may change"), named explicitly so that every map
 * of the series has it and the record's scheme is the one measured.  NULL
 * (the map's own default) if it cannot be found. */
static inline const char *lfb_lfmap_scheme(const char *named)
{
    if (named)
        return named;
    lfmap *probe = lfmap_new(NULL);
    const char *name = probe ? lfmap_reclamation(probe) : NULL; /* a static string */
    if (probe)
        lfmap_free(probe);
    return name;
}

#endif /* LFB_LFMAP_THREAD_GLUE_H */
