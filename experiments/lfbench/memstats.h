/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Process memory figures for a run record: resident set (/proc/self/statm)
 * and the allocator's own view.  Under jemalloc, stats.allocated/active
 * through mallctl after bumping "epoch" (else they are stale); under glibc,
 * mallinfo2 (in-use arena bytes + mmapped chunks).  Memory that a map takes
 * straight from mmap (lfmap's and the plain tables' large arrays) shows in
 * the RSS only.
 */
#ifndef LFB_MEMSTATS_H
#define LFB_MEMSTATS_H

#include <stdbool.h>
#include <stdint.h>

struct lfb_mem {
    int64_t rss_bytes;
    int64_t allocated_bytes; /* -1 unknown */
    int64_t active_bytes;    /* -1 unknown (glibc) */
};

/* True when jemalloc is the process's malloc (mallctl resolvable). */
bool lfb_jemalloc_active(void);
/* jemalloc's "version" string, or NULL. */
const char *lfb_jemalloc_version(void);
void lfb_mem_sample(struct lfb_mem *out);
/* The resident set only (allocator figures -1): cheap enough for the memory
 * monitor's samples during a run. */
void lfb_mem_rss(struct lfb_mem *out);

#endif /* LFB_MEMSTATS_H */
