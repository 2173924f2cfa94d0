/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * One run: a fresh map, prefilled, driven by `threads` workers that start on
 * a barrier and stop together, and every figure the record needs.
 */
#ifndef LFB_RUNNER_H
#define LFB_RUNNER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cli.h"
#include "histogram.h"
#include "map_iface.h"
#include "maps/lock_profile.h"
#include "memstats.h"
#include "placement.h"
#include "workload.h"

struct lfb_run_spec {
    const struct lfb_map_ops *ops;
    const struct lfb_workload *w;
    const struct lfb_perm *perm;
    unsigned threads;
    uint64_t *const *streams; /* per thread (not bulkload) */
    size_t stream_len;        /* a power of two */
    double duration_s;        /* bulkload: the time cap */
    bool presized;            /* bulkload: capacity = keys to load */
    uint64_t map_seed;
    const int *cpus;          /* per thread, -1 = not pinned */
    const struct lfb_mempolicy *mem;
    unsigned sample_every;    /* 0 = no latency sampling */
    uint64_t timer_interval_ns; /* subtracted from every sample */
};

struct lfb_counts {
    uint64_t ops, reads, read_hits, writes, writes_effective;
    uint64_t added, removed; /* keys the writes added and removed */
};

struct lfb_thread_result {
    struct lfb_counts c;
    double elapsed_s;
    struct lfb_lock_profile lock;
};

struct lfb_run_result {
    double wall_s, prefill_s;
    struct lfb_counts c;
    struct lfb_thread_result *per_thread; /* threads entries (malloc'd) */
    struct histogram *read_hist, *write_hist; /* malloc'd */
    struct lfb_mem mem_before, mem_prefilled, mem_end;
    struct lfb_map_stats map_stats;
    uint64_t prefilled;
    struct lfb_lock_profile lock;
    bool completed; /* bulkload: every key loaded before the cap */
};

int lfb_run(const struct lfb_run_spec *spec, struct lfb_run_result *out, struct lfcli_err *err);
void lfb_run_result_free(struct lfb_run_result *r);

#endif /* LFB_RUNNER_H */
