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
    const char *rcu;
    bool no_check;
    bool help, list_maps;
};

/* 0 and *o filled, or -1 with err set. */
int lfb_options_parse(int argc, char **argv, struct lfb_options *o, struct lfcli_err *err);
void lfb_options_help(FILE *f);

/* Fills w for workload `name` at initial size `initial` from the options. */
void lfb_options_workload(const struct lfb_options *o, const char *name, uint64_t initial,
                          struct lfb_workload *w);

#endif /* LFB_OPTIONS_H */
