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

/* Allocation requests served since the process started (jemalloc: small
 * and large nrequests of all arenas, thread caches included), or -1 when
 * the allocator does not count them (glibc). */
int64_t lfb_mem_allocations(void);

/* Resident anonymous memory of the process, exactly (the page-table walk of
 * /proc/self/smaps_rollup: /proc/self/status's counters are per-CPU
 * approximations, off by up to hundreds of KiB), or -1. */
int64_t lfb_mem_anon_bytes(void);

/* Hands the allocator's unused pages back to the system (jemalloc: purge
 * every arena and this thread's cache; glibc: malloc_trim), so that
 * resident memory is what live allocations hold. */
void lfb_mem_purge(void);

#endif /* LFB_MEMSTATS_H */
