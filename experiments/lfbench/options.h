/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* lfbench's command line: parsing (experiments/common/cli.h) and every check
 * of values and combinations, so that a bad invocation stops with one clear
 * message and exit status LFCLI_EXIT_USAGE before anything runs. */
#ifndef LFB_OPTIONS_H
#define LFB_OPTIONS_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "cli.h"
#include "map_iface.h"
#include "placement.h"
#include "workload.h"

#define LFB_MAX_LIST 32
#define LFB_MAX_THREADS 256u
#define LFB_INITIAL_MAX (UINT64_C(1) << 32)
#define LFB_RANGE_MAX (UINT64_C(1) << 33)

enum lfb_allocator { LFB_ALLOC_JEMALLOC, LFB_ALLOC_GLIBC };
extern const char *const lfb_allocator_names[];
enum lfb_values { LFB_VALUES_INT, LFB_VALUES_POINTER };
extern const char *const lfb_values_names[]; /* "int", "pointer" */
/* Longest reclamation scheme name accepted. */
#define LFB_SCHEME_NAME_MAX 32
/* The stalled reader (--stall) at most this long. */
#define LFB_STALL_MAX_S 3600.0
#define LFB_WARMUP_MAX_S 3600.0

struct lfb_options {
    const struct lfb_map_ops *maps[LFB_MAX_LIST];
    size_t nmaps;
    uint64_t threads[LFB_MAX_LIST];
    size_t nthreads;
    uint64_t initial[LFB_MAX_LIST];
    size_t ninitial;
    uint64_t range; /* 0 = 2 x initial */
    char workloads[LFB_MAX_LIST][32];
    size_t nworkloads;
    enum lfb_mix mix;
    enum lfb_dist dist;
    double zipf_s;
    uint64_t hot_keys;
    double duration_s;
    uint64_t repeat;
    uint64_t seed;
    enum lfb_pin pin;
    struct lfb_mempolicy mem;
    enum lfb_allocator allocator;
    uint64_t sample_every;
    double bulk_cap_factor;
    const char *output;
    /* --scheme (or its alias --rcu): reclamation schemes, each run as its
     * own series "MAP/NAME": lfmap's and those of maps with a list of their
     * own (xenium's); a map none of them names runs once, with its default. */
    char schemes[LFB_MAX_LIST][LFB_SCHEME_NAME_MAX];
    size_t nschemes;
    bool all_schemes; /* --scheme all */
    const char *scheme_opt; /* "--scheme" or "--rcu", for messages */
    enum lfb_values values;
    double stall_s;        /* --stall: a reader holds a read-side section this long; 0 = none */
    double warmup_s;       /* --warmup: untimed operations before each run; 0 = none */
    bool timeseries;       /* --timeseries (implied by --stall): memory samples in the record */
    double monitor_ms;     /* --monitor-ms: memory sampling interval */
    /* --lock-kind: lock-based maps run once per kind listed that they
     * honour, as series "map/KIND" (maps/locks.h); none = each map's own. */
    unsigned lock_kinds[LFB_MAX_LIST];
    size_t nlock_kinds;
    bool profile_locks;    /* --profile-locks: the profiled adapter copies */
    uint64_t ops_limit;    /* --ops: stream entries per thread, 0 = until --duration */
    uint64_t dump_streams; /* --dump-streams N: print streams, run nothing */
    bool probe_memory;     /* --probe-memory: the child of a memory probe (memprobe.h) */
    bool no_probe;         /* --no-memory-probe */
    bool no_check;
    bool help, list_maps, list_schemes;
    /* Byte-key maps and caches (bytekeys.h): --key-len, --value-len, --ttl. */
    unsigned key_len_min, key_len_max;
    unsigned value_len_min, value_len_max;
    double ttl_s;
};

/* True when any map of the session takes byte keys (a byte-key map or a
 * cache): lfbench then builds the key set (bytekeys.h) before the checks. */
bool lfb_options_need_keys(const struct lfb_options *o);
/* The key set's size: the largest range of any point, at least `at_least`
 * (the differential check's keys). */
uint64_t lfb_options_key_count(const struct lfb_options *o, uint64_t at_least);

/* 0 and *o filled, or -1 with err set. */
int lfb_options_parse(int argc, char **argv, struct lfb_options *o, struct lfcli_err *err);
/* The schemes map m runs as its series (pointers into o->schemes or into
 * m->schemes), 0 = one series with the map's default. */
size_t lfb_map_schemes(const struct lfb_options *o, const struct lfb_map_ops *m, const char *names[LFB_MAX_LIST]);
void lfb_options_help(FILE *f);

/* Fills w for workload `name` at initial size `initial` from the options. */
void lfb_options_workload(const struct lfb_options *o, const char *name, uint64_t initial,
                          struct lfb_workload *w);

#endif /* LFB_OPTIONS_H */
