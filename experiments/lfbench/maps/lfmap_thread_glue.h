/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The harness's thread hooks for every map built on lfmap (integer keys,
 * byte keys, the lfmap cache): one registration per worker thread.  Static
 * inline, so that map_lfmap.c's static-library build (which renames the API
 * before including lfmap.h) gets its own copy calling its own library. */
#ifndef LFB_LFMAP_THREAD_GLUE_H
#define LFB_LFMAP_THREAD_GLUE_H

#include <stdio.h>
#include <stdlib.h>

#include "lfmap.h"

static inline void lfb_lfmap_thread_enter(void *m)
{
    (void)m;
    if (lfmap_thread_register() != 0) {
        /* Only a bad LFMAP_RCU or > LFMAP_MAX_THREADS threads get here; the
         * driver checks both before any run. */
        fputs("lfbench: lfmap_thread_register failed\n", stderr);
        abort();
    }
}

static inline void lfb_lfmap_thread_exit(void *m)
{
    (void)m;
    lfmap_thread_unregister();
}

#endif /* LFB_LFMAP_THREAD_GLUE_H */
