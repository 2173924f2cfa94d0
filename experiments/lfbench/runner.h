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
#include "maps/bmap_iface.h"
#include "maps/locks.h"
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
    const char *scheme;       /* lfmap's reclamation scheme (NULL = default) */
    bool pointer_values;      /* ops is a pointer-value adapter: count its objects (ops->value_counts) */
    double monitor_ms;        /* memory monitor interval (0 = the default, 10 ms) */
    bool timeseries;          /* keep every monitor sample; sample on after the run until drained */
    double stall_s;           /* > 0: a stalled reader holds a read-side section this long */
    double warmup_s;          /* > 0: untimed operations of stream 0 on the prefilling thread first */
    uint64_t stream_seed;     /* this repetition's (lfb_stream_seed): churn generates from it */
    uint64_t ops_limit;       /* stream entries per thread, 0 = until the duration ends */
    unsigned lock_kind;       /* lfb_map_config.lock_kind */
    /* A byte-key map or a cache: the workers prefetch the key set's slots
     * LFB_KEY_PREFETCH_AHEAD entries ahead (bytekeys.h). */
    bool prefetch_keys;
};

/* One sample of the memory monitor; t_s from the start barrier. */
struct lfb_mem_point {
    double t_s;
    int64_t retired_bytes, retired_values, rss, resizes;
    int64_t size; /* -1 = not counted */
};

struct lfb_monitor {
    double interval_ms;
    unsigned samples;                 /* taken in all */
    int64_t peak_retired_bytes, peak_retired_values, peak_rss; /* -1 = unknown */
    struct lfb_mem_point *series;     /* timeseries: every sample (malloc'd), else NULL */
    size_t nseries;
    double workers_stopped_s;         /* when the workers stopped */
    double drained_s;                 /* first sample after that with nothing pending; -1 = never */
    double drain_waited_s;            /* how long the monitor watched after the workers stopped */
};

struct lfb_stall {
    double entered_s, left_s; /* the reader's read-side section, from the start barrier */
};

/* Pointer values (lfb_pointer_value_counts over the run, the map freed). */
struct lfb_value_account {
    bool counted;
    uint64_t allocated, freed; /* objects the run's map kept, objects its destructor freed */
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
    struct lfb_counts warmup; /* the --warmup operations (their keys added and removed) */
    struct lfb_lock_profile lock;
    bool completed; /* bulkload: every key loaded before the cap */
    struct lfb_monitor monitor;
    struct lfb_stall stall;   /* spec->stall_s > 0 */
    struct lfb_value_account values;
    /* Allocation requests the allocator served from the start of the
     * workers to their end (all threads: the map's helpers too); -1 when
     * the allocator does not count them (memstats.h). */
    int64_t allocations;
    /* Caches: their counters after the run (entries, evicted, expired). */
    bool cache_counted;
    struct lfb_cache_counters cache;
};

/* Workers call ops->quiescent (lfmap_quiescent: urcu-qsbr's quiescent state,
 * a no-op for every other scheme) once per this many operations.  A qsbr
 * grace period ends when every registered thread has passed a quiescent
 * state, so this bounds how long a worker delays reclamation: 256 operations
 * are ~5-30 us at the measured 10-50 ns per operation, far below the call_rcu
 * thread's own batching, while the call (a store and a fence, ~20-30 ns)
 * costs ~0.1 ns per operation, below the run-to-run noise.  It is the stop
 * flag's period too, so the loop tests one counter for both. */
#define LFB_QUIESCENT_EVERY 256u
/* After the workers stop, a --timeseries run samples on until nothing is
 * pending (or this long), to show when the backlog is freed. */
#define LFB_DRAIN_WAIT_S 2.0
#define LFB_MONITOR_MS_DEFAULT 10.0

int lfb_run(const struct lfb_run_spec *spec, struct lfb_run_result *out, struct lfcli_err *err);

/* Loads key indices [0, n) (values as the runs write them) through the
 * map's load, or its insert when it has none, on the calling thread (which
 * is between thread_enter and thread_exit).  0, or -1 with err. */
int lfb_prefill(const struct lfb_map_ops *ops, void *m, const struct lfb_perm *perm, uint64_t n,
                struct lfcli_err *err);

/* The capacity a run's map is created for: the prefill, the keys a
 * presized bulkload loads, the hot set of hotkeys-churn-empty. */
size_t lfb_run_capacity(const struct lfb_workload *w, bool presized);
void lfb_run_result_free(struct lfb_run_result *r);

#endif /* LFB_RUNNER_H */
