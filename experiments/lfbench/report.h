/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Output of lfbench: one JSON line per run (schema:
 * experiments/RESULTS-SCHEMA.md) and the readable table on stdout. */
#ifndef LFB_REPORT_H
#define LFB_REPORT_H

#include <stdio.h>

#include "memprobe.h"
#include "runner.h"

struct lfb_record_ctx {
    const char *env_json;     /* bench_env_json() */
    const char *lib_versions; /* JSON object */
    const char *allocator;
    const char *pin;
    const char *mem;
    unsigned repeat_index, repeat_count;
    uint64_t seed;
    double c2c_before_ns, c2c_after_ns; /* -1 = not measured */
    double timer_call_ns;
    uint64_t timer_interval_ns;
    unsigned sample_every;
    const char *status; /* "ok" */
    const char *series; /* "lfmap/ck-hp" for a --scheme series, else the map's name; NULL = map */
    const char *scheme; /* the scheme asked for (--scheme), NULL = the default */
    const struct lfb_held *held; /* the series' memory probe at this point, NULL = none */
    bool profile_locks;          /* a --profile-locks session */
};

void lfb_write_record(FILE *f, const struct lfb_record_ctx *ctx, const struct lfb_run_spec *spec,
                      const struct lfb_run_result *r);
/* Writes a record for a map skipped before timing (failed check). */
void lfb_write_skip(FILE *f, const struct lfb_record_ctx *ctx, const char *map, const char *why);

double lfb_throughput_mops(const struct lfb_run_result *r);

#endif /* LFB_REPORT_H */
