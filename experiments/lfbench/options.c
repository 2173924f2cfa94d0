/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* lfbench options, see options.h. */
#include "options.h"

#include <getopt.h>
#include <string.h>

#include "bytekeys.h"
#include "lfmap.h"
#include "locks.h"

const char *const lfb_allocator_names[] = {"jemalloc", "glibc", NULL};
const char *const lfb_values_names[] = {"int", "pointer", NULL};

#define DEFAULT_THREADS "1,2"
#define DEFAULT_INITIAL 10000u
#define DEFAULT_DURATION_S 1.0
#define DEFAULT_REPEAT 3u
#define DEFAULT_SEED 1u
/* 1 sampled operation in 64 (field-notes.md: a clock read costs as much as
 * a cached lookup, so timing every operation would double its cost). */
#define DEFAULT_SAMPLE_EVERY 64u
/* bulkload stops at duration x this factor, so that an O(n)-per-insert map
 * (cow) cannot hold the matrix for hours. */
#define DEFAULT_BULK_CAP_FACTOR 5.0
#define DURATION_MAX_S 86400.0
#define REPEAT_MAX 101u
#define SAMPLE_EVERY_MAX (UINT64_C(1) << 20)
#define ZIPF_S_MIN 0.01
#define ZIPF_S_MAX 5.0
/* The memory monitor samples every 10 ms by default: 100 points a second
 * for the time series, and a sample (lfmap_get_stats and /proc/self/statm,
 * a few microseconds) costs the run well under 0.1% of one CPU. */
#define DEFAULT_MONITOR_MS 10.0
#define MONITOR_MS_MIN 1.0
#define MONITOR_MS_MAX 1000.0
#define OPS_MAX (UINT64_C(1) << 40)
/* Stream entries --dump-streams prints per thread: a stream's length. */
#define DUMP_STREAMS_MAX (UINT64_C(1) << 20)
/* --ttl at most a day: the caches keep expiry times in 32-bit seconds. */
#define TTL_MAX_S 86400.0

static const struct lfcli_option_doc docs[] = {
    {"-m, --map LIST", "maps to compare, comma-separated, or 'all' (default all: the uint64_t maps;\n"
                       "-w cache: the caches); 'bytes' = every byte-key map, 'caches' = every\n"
                       "cache; see --list-maps"},
    {"-n, --threads LIST", "thread counts, e.g. 1,2,4 (default " DEFAULT_THREADS "; 1 .. 256)"},
    {"-i, --initial LIST", "prefilled keys per point, e.g. 1e4,1e6 (default 10000); bulkload: keys to load"},
    {"-r, --range N", "key range (default 2 x initial, so inserts and removes keep the size\n"
                      "near the prefill); needs a single -i"},
    {"-w, --workload LIST", "presets: 95/5, 50/50, 10/90 (read/write %, any R/W adding to 100),\n"
                            "hotkeys (remove-then-reinsert of a prefilled hot set under readers),\n"
                            "hotkeys-churn (the article's pattern: store, then load-and-delete, of\n"
                            "hot keys that are not prefilled; -empty: from an empty map),\n"
                            "bulkload (T threads load N keys, empty and presized map),\n"
                            "churn, churn-R/W (resize churn: each thread fills its share of the\n"
                            "key range to the high watermark -r, then drains it to the low -i, and\n"
                            "again; R% of operations are uniform reads; churn = churn-50/50;\n"
                            "default range 32 x initial, so the table grows and shrinks);\n"
                            "cache (the caches only: every operation a get, then a set on a miss;\n"
                            "-i is the capacity in entries, -r the working set, default 2 x -i);\n"
                            "default 95/5"},
    {"-u, --update PCT", "write percentage 0 .. 100 (shorthand for --workload (100-PCT)/PCT)"},
    {"--write-mix MIX", "insert-remove (default: half insert-if-absent, half remove), put,\n"
                        "cas-increment (get, then CAS value+1; insert 0 when absent)"},
    {"--dist DIST", "key distribution: uniform (default) or zipf"},
    {"--zipf-s S", "Zipf exponent (default 0.99; 0.01 .. 5); needs --dist zipf"},
    {"--hot-keys N", "hot-key presets: size of the hot set (default 100; hotkeys: at most the\n"
                     "prefill; hotkeys-churn: keys beyond the prefilled ones)"},
    {"-d, --duration S", "seconds per run (default 1; bulkload stops at 5 x this)"},
    {"--repeat N", "runs per point, maps interleaved within each (default 3; 1 .. 101)"},
    {"-s, --seed N", "seed of workloads and map hashing (default 1)"},
    {"--pin MODE", "thread pinning from the hwloc topology: none (default), compact, scatter"},
    {"--mem POLICY", "map memory: first-touch (default), interleave, node:N (libnuma)"},
    {"--allocator A", "jemalloc (default; preloaded) or glibc"},
    {"--sample-every N", "time 1 operation in N for the latency histograms (default 64; 0 = off)"},
    {"--scheme LIST", "reclamation schemes, comma-separated, or 'all' (default: each map's\n"
                      "default): lfmap's (see --list-schemes) and xenium's (epoch, new-epoch,\n"
                      "debra, quiescent-state, hazard-pointer, hazard-eras, stamp-it); each runs\n"
                      "as its own series MAP/NAME, interleaved with the maps"},
    {"--rcu LIST", "the same as --scheme (its old name)"},
    {"--values KIND", "int (default) or pointer: values are pointers to heap objects that\n"
                      "the map frees (lfmap: its value destructor; xenium: its reclaimer);\n"
                      "reads dereference them inside the read-side section; writes allocate\n"
                      "new ones (lfmap and xenium only)"},
    {"--warmup S", "before each timed run, the prefilling thread runs the workload's own\n"
                   "operations on the map for S seconds, untimed (default 0), so that the\n"
                   "run measures the map's steady state (its tombstones and the table\n"
                   "sizes that churn leads to) rather than the freshly prefilled map\n"
                   "(read/write and hot-key workloads only)"},
    {"--stall S", "a stalled reader: one more thread holds a read-side section (lfmap_read_lock,\n"
                  "xenium's region guard and last accessor) for S seconds from the start of\n"
                  "each run while the workers run (lfmap and xenium only; S below\n"
                  "--duration); implies --timeseries"},
    {"--timeseries", "write the memory monitor's samples (retired bytes and values, RSS)\n"
                     "into each record; after the run it samples on until nothing is pending"},
    {"--monitor-ms MS", "memory monitor interval, 1 .. 1000 ms (default 10)"},
    {"--lock-kind LIST", "lock-based maps run once per listed kind they take, as series MAP/KIND:\n"
                         "normal, adaptive (mutexes), prefer-reader, prefer-writer (rwlock);\n"
                         "default: each map's own choice (its map_config says which)"},
    {"--profile-locks", "run the copies of the lock-based maps built with the contention\n"
                        "profiler (a trylock and clock reads per acquisition): records get\n"
                        "a contention profile and profile_locks: true; never for throughput"},
    {"--ops N", "each thread runs N entries of its stream, then stops (--duration caps\n"
                "the run): deterministic at 1 thread; not with bulkload"},
    {"--dump-streams N", "print the first N entries of every thread's stream at every point and\n"
                         "repetition (op and key per line) and exit: the Go program's\n"
                         "--dump-streams prints the same (tests/harness/go_streams.sh)"},
    {"--key-len MIN[-MAX]", "byte-key maps and caches: key lengths in bytes, uniform over MIN .. MAX\n"
                            "(default 8-64; 8 .. 255)"},
    {"--value-len MIN[-MAX]", "cache preset: value lengths in bytes, uniform (default 64-512; 16 .. 65535)"},
    {"--ttl S", "cache preset: entries expire S seconds after their set (default 0: never)"},
    {"--no-memory-probe", "skip the memory probe (memory.held in the records is then null)"},
    {"--probe-memory", "internal: the child process of a memory probe (one map, -i, -n)"},
    {"-o, --output FILE", "JSON-lines results (default records/lfbench-DATE.jsonl beside the\n"
                          "lfbench program, build/records/ for build/lfbench: never the source\n"
                          "tree); schema in experiments/RESULTS-SCHEMA.md"},
    {"--no-check", "skip the differential check against the plain map before timing"},
    {"--list-maps", "print the map names, one per line, and exit"},
    {"--list-schemes", "print lfmap's reclamation scheme names, one per line, and exit"},
    {"-h, --help", "this help"},
};

void lfb_options_help(FILE *f)
{
    lfcli_print_help(f, "Usage: lfbench [OPTIONS]\n"
                        "Runs every (workload, initial size, threads) point for every map,\n"
                        "--repeat times with the maps interleaved; prints a table and writes JSON lines.",
                     docs, sizeof docs / sizeof docs[0]);
    fputs("\nMaps:\n", f);
    for (size_t i = 0; i < lfb_map_count; i++)
        fprintf(f, "  %-14s %s\n", lfb_maps[i]->name, lfb_maps[i]->description);
    fputs("\nByte-key maps (integer key k of a stream is byte string k of the key set):\n", f);
    for (size_t i = 0; i < lfb_byte_map_count; i++)
        fprintf(f, "  %-14s %s\n", lfb_byte_maps[i]->name, lfb_byte_maps[i]->description);
    fputs("\nCaches (-w cache):\n", f);
    for (size_t i = 0; i < lfb_cache_map_count; i++)
        fprintf(f, "  %-14s %s\n", lfb_cache_maps[i]->name, lfb_cache_maps[i]->description);
    fputs("\nExample: lfbench -m lfmap,mutex,lfht -w 95/5,50/50 -n 1,2 -i 1e4 -d 1 --repeat 3\n", f);
}

enum {
    OPT_WRITE_MIX = 256, OPT_DIST, OPT_ZIPF_S, OPT_HOT_KEYS, OPT_REPEAT, OPT_PIN, OPT_MEM,
    OPT_ALLOCATOR, OPT_SAMPLE_EVERY, OPT_RCU, OPT_NO_CHECK, OPT_LIST_MAPS, OPT_SCHEME, OPT_LIST_SCHEMES,
    OPT_VALUES, OPT_STALL, OPT_TIMESERIES, OPT_MONITOR_MS, OPT_WARMUP, OPT_LOCK_KIND, OPT_PROFILE_LOCKS,
    OPT_OPS, OPT_DUMP_STREAMS, OPT_PROBE_MEMORY, OPT_NO_PROBE, OPT_KEY_LEN, OPT_VALUE_LEN, OPT_TTL, OPT_LAST
};

static const struct option long_opts[] = {
    {"map", required_argument, NULL, 'm'},
    {"threads", required_argument, NULL, 'n'},
    {"initial", required_argument, NULL, 'i'},
    {"range", required_argument, NULL, 'r'},
    {"workload", required_argument, NULL, 'w'},
    {"update", required_argument, NULL, 'u'},
    {"write-mix", required_argument, NULL, OPT_WRITE_MIX},
    {"dist", required_argument, NULL, OPT_DIST},
    {"zipf-s", required_argument, NULL, OPT_ZIPF_S},
    {"hot-keys", required_argument, NULL, OPT_HOT_KEYS},
    {"duration", required_argument, NULL, 'd'},
    {"repeat", required_argument, NULL, OPT_REPEAT},
    {"seed", required_argument, NULL, 's'},
    {"pin", required_argument, NULL, OPT_PIN},
    {"mem", required_argument, NULL, OPT_MEM},
    {"allocator", required_argument, NULL, OPT_ALLOCATOR},
    {"sample-every", required_argument, NULL, OPT_SAMPLE_EVERY},
    {"rcu", required_argument, NULL, OPT_RCU},
    {"scheme", required_argument, NULL, OPT_SCHEME},
    {"values", required_argument, NULL, OPT_VALUES},
    {"stall", required_argument, NULL, OPT_STALL},
    {"warmup", required_argument, NULL, OPT_WARMUP},
    {"timeseries", no_argument, NULL, OPT_TIMESERIES},
    {"monitor-ms", required_argument, NULL, OPT_MONITOR_MS},
    {"lock-kind", required_argument, NULL, OPT_LOCK_KIND},
    {"profile-locks", no_argument, NULL, OPT_PROFILE_LOCKS},
    {"ops", required_argument, NULL, OPT_OPS},
    {"dump-streams", required_argument, NULL, OPT_DUMP_STREAMS},
    {"probe-memory", no_argument, NULL, OPT_PROBE_MEMORY},
    {"no-memory-probe", no_argument, NULL, OPT_NO_PROBE},
    {"key-len", required_argument, NULL, OPT_KEY_LEN},
    {"value-len", required_argument, NULL, OPT_VALUE_LEN},
    {"ttl", required_argument, NULL, OPT_TTL},
    {"list-schemes", no_argument, NULL, OPT_LIST_SCHEMES},
    {"output", required_argument, NULL, 'o'},
    {"no-check", no_argument, NULL, OPT_NO_CHECK},
    {"list-maps", no_argument, NULL, OPT_LIST_MAPS},
    {"help", no_argument, NULL, 'h'},
    {NULL, 0, NULL, 0},
};

static int map_item(size_t index, const char *text, void *ctx, struct lfcli_err *err)
{
    struct lfb_options *o = ctx;
    const struct lfb_map_ops *m = lfb_map_find(text);
    if (!m)
        return lfcli_fail(err, "--map: unknown map '%s' (lfbench --list-maps lists them)", text);
    for (size_t i = 0; i < index; i++)
        if (o->maps[i] == m)
            return lfcli_fail(err, "--map: '%s' is listed twice", text);
    o->maps[index] = m;
    return 0;
}

static bool lfmap_scheme_known(const char *name)
{
    for (size_t i = 0; lfmap_reclamation_scheme(i); i++)
        if (strcmp(lfmap_reclamation_scheme(i), name) == 0)
            return true;
    return false;
}

static bool in_list(const char *const *list, const char *name)
{
    for (size_t i = 0; list && list[i]; i++)
        if (strcmp(list[i], name) == 0)
            return true;
    return false;
}

/* Whether map m runs scheme `name`: lfmap runs the library's schemes, a
 * map with a list of its own (xenium) the names on it. */
static bool map_knows(const struct lfb_map_ops *m, const char *name)
{
    /* lfmap-bytes and lfmap-cache are the library's map too. */
    if (strcmp(m->name, "lfmap") == 0 || strcmp(m->name, "lfmap-bytes") == 0 || strcmp(m->name, "lfmap-cache") == 0)
        return lfmap_scheme_known(name);
    return in_list(m->schemes, name);
}

static bool scheme_known(const char *name)
{
    if (lfmap_scheme_known(name))
        return true;
    for (size_t i = 0; i < lfb_map_count; i++)
        if (in_list(lfb_maps[i]->schemes, name))
            return true;
    return false;
}

size_t lfb_map_schemes(const struct lfb_options *o, const struct lfb_map_ops *m, const char *names[LFB_MAX_LIST])
{
    size_t n = 0;
    for (size_t i = 0; i < o->nschemes; i++)
        if (map_knows(m, o->schemes[i]))
            names[n++] = o->schemes[i];
    return n;
}

static int scheme_item(size_t index, const char *text, void *ctx, struct lfcli_err *err)
{
    struct lfb_options *o = ctx;
    if (strlen(text) >= sizeof o->schemes[0] || !scheme_known(text))
        return lfcli_fail(err, "%s: unknown reclamation scheme '%s' (lfbench --list-schemes lists them)",
                          o->scheme_opt, text);
    for (size_t i = 0; i < index; i++)
        if (strcmp(o->schemes[i], text) == 0)
            return lfcli_fail(err, "%s: '%s' is listed twice", o->scheme_opt, text);
    snprintf(o->schemes[index], sizeof o->schemes[index], "%s", text);
    return 0;
}

static int parse_schemes(struct lfb_options *o, const char *opt, const char *arg, struct lfcli_err *err)
{
    o->scheme_opt = opt;
    if (strcmp(arg, "all") == 0) {
        /* lfmap's, then those of the maps with their own (xenium's). */
        size_t n = 0;
        for (; lfmap_reclamation_scheme(n) && n < LFB_MAX_LIST; n++)
            snprintf(o->schemes[n], sizeof o->schemes[n], "%s", lfmap_reclamation_scheme(n));
        if (n == 0)
            return lfcli_fail(err, "%s all: the library lists no reclamation scheme", opt);
        for (size_t i = 0; i < lfb_map_count; i++)
            for (size_t k = 0; lfb_maps[i]->schemes && lfb_maps[i]->schemes[k] && n < LFB_MAX_LIST; k++)
                snprintf(o->schemes[n++], sizeof o->schemes[0], "%s", lfb_maps[i]->schemes[k]);
        o->nschemes = n;
        o->all_schemes = true;
        return 0;
    }
    int n = lfcli_parse_list(opt, arg, LFB_MAX_LIST, scheme_item, o, err);
    o->nschemes = n > 0 ? (size_t)n : 0;
    return n > 0 ? 0 : -1;
}

static int lock_kind_item(size_t index, const char *text, void *ctx, struct lfcli_err *err)
{
    struct lfb_options *o = ctx;
    for (unsigned k = LFB_LOCK_DEFAULT + 1; k < LFB_LOCK_KINDS; k++) {
        if (strcmp(text, lfb_lock_kind_names[k]) != 0)
            continue;
        for (size_t i = 0; i < index; i++)
            if (o->lock_kinds[i] == k)
                return lfcli_fail(err, "--lock-kind: '%s' is listed twice", text);
        o->lock_kinds[index] = k;
        return 0;
    }
    return lfcli_fail(err, "--lock-kind: unknown kind '%s' (accepted: normal, adaptive, prefer-reader, "
                           "prefer-writer)", text);
}

static int workload_item(size_t index, const char *text, void *ctx, struct lfcli_err *err)
{
    struct lfb_options *o = ctx;
    struct lfb_workload w;
    if (strlen(text) >= sizeof o->workloads[0] || lfb_workload_preset(&w, text) != 0)
        return lfcli_fail(err, "--workload: unknown workload '%s' (accepted: 95/5, 50/50, 10/90, "
                               "any R/W adding up to 100, hotkeys, hotkeys-churn, hotkeys-churn-empty, "
                               "bulkload, churn, churn-R/W, cache)", text);
    snprintf(o->workloads[index], sizeof o->workloads[index], "%s", text);
    return 0;
}

/* "MIN" or "MIN-MAX" within lo .. hi, MIN <= MAX. */
static int parse_len_range(const char *opt, const char *arg, unsigned lo, unsigned hi, unsigned *min,
                           unsigned *max, struct lfcli_err *err)
{
    char buf[64];
    if (strlen(arg) >= sizeof buf)
        return lfcli_fail(err, "%s: '%s' is not MIN or MIN-MAX", opt, arg);
    snprintf(buf, sizeof buf, "%s", arg);
    char *dash = strchr(buf, '-');
    if (dash == buf)
        return lfcli_fail(err, "%s: '%s' is not MIN or MIN-MAX (lengths are positive)", opt, arg);
    if (dash)
        *dash = '\0';
    uint64_t a, b;
    if (lfcli_parse_u64(opt, buf, lo, hi, &a, err) != 0)
        return -1;
    b = a;
    if (dash && lfcli_parse_u64(opt, dash + 1, lo, hi, &b, err) != 0)
        return -1;
    if (b < a)
        return lfcli_fail(err, "%s: MIN %llu is larger than MAX %llu", opt, (unsigned long long)a,
                          (unsigned long long)b);
    *min = (unsigned)a;
    *max = (unsigned)b;
    return 0;
}

static const char *opt_name(int c)
{
    for (const struct option *lo = long_opts; lo->name; lo++)
        if (lo->val == c)
            return lo->name;
    return "?";
}

static bool has_kind(const struct lfb_options *o, enum lfb_kind kind)
{
    for (size_t i = 0; i < o->nworkloads; i++) {
        struct lfb_workload w;
        lfb_workload_preset(&w, o->workloads[i]);
        if (w.kind == kind)
            return true;
    }
    return false;
}

static int parse_one(int c, const char *arg, struct lfb_options *o, struct lfcli_err *err,
                     bool seen[])
{
    int e, n;
    double d;
    switch (c) {
    case 'm':
        if (strcmp(arg, "all") == 0) {
            for (size_t i = 0; i < lfb_map_count; i++)
                o->maps[i] = lfb_maps[i];
            o->nmaps = lfb_map_count;
            return 0;
        }
        if (strcmp(arg, "bytes") == 0 || strcmp(arg, "caches") == 0) {
            bool bytes = arg[0] == 'b';
            const struct lfb_map_ops *const *list = bytes ? lfb_byte_maps : lfb_cache_maps;
            size_t count = bytes ? lfb_byte_map_count : lfb_cache_map_count;
            for (size_t i = 0; i < count; i++)
                o->maps[i] = list[i];
            o->nmaps = count;
            return 0;
        }
        n = lfcli_parse_list("--map", arg, LFB_MAX_LIST, map_item, o, err);
        o->nmaps = n > 0 ? (size_t)n : 0;
        return n > 0 ? 0 : -1;
    case 'n':
        n = lfcli_parse_u64_list("--threads", arg, 1, LFB_MAX_THREADS, o->threads, LFB_MAX_LIST, err);
        o->nthreads = n > 0 ? (size_t)n : 0;
        return n > 0 ? 0 : -1;
    case 'i':
        n = lfcli_parse_u64_list("--initial", arg, 1, LFB_INITIAL_MAX, o->initial, LFB_MAX_LIST, err);
        o->ninitial = n > 0 ? (size_t)n : 0;
        return n > 0 ? 0 : -1;
    case 'r':
        return lfcli_parse_u64("--range", arg, 1, LFB_RANGE_MAX, &o->range, err);
    case 'w':
        n = lfcli_parse_list("--workload", arg, LFB_MAX_LIST, workload_item, o, err);
        o->nworkloads = n > 0 ? (size_t)n : 0;
        return n > 0 ? 0 : -1;
    case 'u':
        if (lfcli_parse_double("--update", arg, 0, 100, &d, err) != 0)
            return -1;
        if (d != (double)(int)d)
            return lfcli_fail(err, "--update: %s is not a whole percentage (accepted: 0 .. 100)", arg);
        snprintf(o->workloads[0], sizeof o->workloads[0], "%d/%d", 100 - (int)d, (int)d);
        o->nworkloads = 1;
        return 0;
    case OPT_WRITE_MIX:
        if (lfcli_parse_enum("--write-mix", arg, lfb_mix_names, &e, err) != 0)
            return -1;
        o->mix = (enum lfb_mix)e;
        return 0;
    case OPT_DIST:
        if (lfcli_parse_enum("--dist", arg, lfb_dist_names, &e, err) != 0)
            return -1;
        o->dist = (enum lfb_dist)e;
        return 0;
    case OPT_ZIPF_S:
        return lfcli_parse_double("--zipf-s", arg, ZIPF_S_MIN, ZIPF_S_MAX, &o->zipf_s, err);
    case OPT_HOT_KEYS:
        return lfcli_parse_u64("--hot-keys", arg, 1, LFB_INITIAL_MAX, &o->hot_keys, err);
    case 'd':
        return lfcli_parse_double("--duration", arg, 0.01, DURATION_MAX_S, &o->duration_s, err);
    case OPT_REPEAT:
        return lfcli_parse_u64("--repeat", arg, 1, REPEAT_MAX, &o->repeat, err);
    case 's':
        return lfcli_parse_u64("--seed", arg, 0, UINT64_MAX, &o->seed, err);
    case OPT_PIN:
        if (lfcli_parse_enum("--pin", arg, lfb_pin_names, &e, err) != 0)
            return -1;
        o->pin = (enum lfb_pin)e;
        return 0;
    case OPT_MEM:
        return lfb_mempolicy_parse("--mem", arg, &o->mem, err);
    case OPT_ALLOCATOR:
        if (lfcli_parse_enum("--allocator", arg, lfb_allocator_names, &e, err) != 0)
            return -1;
        o->allocator = (enum lfb_allocator)e;
        return 0;
    case OPT_SAMPLE_EVERY:
        return lfcli_parse_u64("--sample-every", arg, 0, SAMPLE_EVERY_MAX, &o->sample_every, err);
    case OPT_RCU:
    case OPT_SCHEME:
        if (seen[OPT_RCU] && seen[OPT_SCHEME])
            return lfcli_fail(err, "--rcu is the old name of --scheme; give one of them");
        return parse_schemes(o, c == OPT_RCU ? "--rcu" : "--scheme", arg, err);
    case OPT_VALUES:
        if (lfcli_parse_enum("--values", arg, lfb_values_names, &e, err) != 0)
            return -1;
        o->values = (enum lfb_values)e;
        return 0;
    case OPT_WARMUP:
        return lfcli_parse_double("--warmup", arg, 0, LFB_WARMUP_MAX_S, &o->warmup_s, err);
    case OPT_STALL:
        if (lfcli_parse_double("--stall", arg, 0.001, LFB_STALL_MAX_S, &o->stall_s, err) != 0)
            return -1;
        o->timeseries = true;
        return 0;
    case OPT_TIMESERIES:
        o->timeseries = true;
        return 0;
    case OPT_MONITOR_MS:
        return lfcli_parse_double("--monitor-ms", arg, MONITOR_MS_MIN, MONITOR_MS_MAX, &o->monitor_ms, err);
    case OPT_LOCK_KIND:
        n = lfcli_parse_list("--lock-kind", arg, LFB_MAX_LIST, lock_kind_item, o, err);
        o->nlock_kinds = n > 0 ? (size_t)n : 0;
        return n > 0 ? 0 : -1;
    case OPT_PROFILE_LOCKS:
        o->profile_locks = true;
        return 0;
    case OPT_OPS:
        return lfcli_parse_u64("--ops", arg, 1, OPS_MAX, &o->ops_limit, err);
    case OPT_DUMP_STREAMS:
        return lfcli_parse_u64("--dump-streams", arg, 1, DUMP_STREAMS_MAX, &o->dump_streams, err);
    case OPT_PROBE_MEMORY:
        o->probe_memory = true;
        return 0;
    case OPT_NO_PROBE:
        o->no_probe = true;
        return 0;
    case OPT_LIST_SCHEMES:
        o->list_schemes = true;
        return 0;
    case OPT_KEY_LEN:
        return parse_len_range("--key-len", arg, LFB_KEY_LEN_MIN, LFB_KEY_LEN_MAX, &o->key_len_min,
                               &o->key_len_max, err);
    case OPT_VALUE_LEN:
        return parse_len_range("--value-len", arg, LFB_VALUE_LEN_MIN, LFB_VALUE_LEN_MAX, &o->value_len_min,
                               &o->value_len_max, err);
    case OPT_TTL:
        return lfcli_parse_double("--ttl", arg, 0, TTL_MAX_S, &o->ttl_s, err);
    case 'o':
        if (!*arg)
            return lfcli_fail(err, "--output: empty file name");
        o->output = arg;
        return 0;
    case OPT_NO_CHECK:
        o->no_check = true;
        return 0;
    case OPT_LIST_MAPS:
        o->list_maps = true;
        return 0;
    case 'h':
        o->help = true;
        return 0;
    }
    return lfcli_fail(err, "internal: unhandled option %d", c);
}

static bool has_cache_workload(const struct lfb_options *o)
{
    for (size_t i = 0; i < o->nworkloads; i++) {
        struct lfb_workload w;
        lfb_workload_preset(&w, o->workloads[i]);
        if (w.cache)
            return true;
    }
    return false;
}

bool lfb_options_need_keys(const struct lfb_options *o)
{
    for (size_t i = 0; i < o->nmaps; i++)
        if (lfb_map_key_kind(o->maps[i]) != LFB_KEYS_U64)
            return true;
    return false;
}

uint64_t lfb_options_key_count(const struct lfb_options *o, uint64_t at_least)
{
    uint64_t n = at_least;
    for (size_t wi = 0; wi < o->nworkloads; wi++)
        for (size_t ii = 0; ii < o->ninitial; ii++) {
            struct lfb_workload w;
            lfb_options_workload(o, o->workloads[wi], o->initial[ii], &w);
            if (w.range > n)
                n = w.range;
        }
    return n;
}

/* The cache preset runs caches only, and caches run the cache preset only:
 * a cache has no remove or cas, and its get is a get-then-set. */
static int check_keys(const struct lfb_options *o, const bool seen[], struct lfcli_err *err)
{
    bool cache_w = has_cache_workload(o), any_cache = false;
    for (size_t i = 0; i < o->nmaps; i++) {
        enum lfb_key_kind k = lfb_map_key_kind(o->maps[i]);
        any_cache |= k == LFB_KEYS_CACHE;
        if (cache_w && k != LFB_KEYS_CACHE)
            return lfcli_fail(err, "--workload cache runs the caches only (-m caches or lockmap-cache, "
                                   "segring-cache, lfmap-cache); %s is not a cache", o->maps[i]->name);
        if (!cache_w && k == LFB_KEYS_CACHE)
            return lfcli_fail(err, "--map %s is a cache: it runs the cache workload only (-w cache)",
                              o->maps[i]->name);
    }
    if (cache_w && o->nworkloads > 1)
        return lfcli_fail(err, "--workload cache runs alone (other workloads need other maps): give it in a "
                               "session of its own");
    /* --warmup suits it (the hit ratio of a cold cache climbs during a run:
     * a warmed one is measured in its steady state); --ops too. */
    if (cache_w && seen[OPT_WRITE_MIX])
        return lfcli_fail(err, "--write-mix does not apply to the cache workload (its writes are the sets "
                               "of its misses)");
    if ((seen[OPT_VALUE_LEN] || seen[OPT_TTL]) && !any_cache)
        return lfcli_fail(err, "--value-len and --ttl apply to the cache workload (-w cache)");
    if (seen[OPT_KEY_LEN] && !lfb_options_need_keys(o))
        return lfcli_fail(err, "--key-len needs a byte-key map or a cache in --map (-m bytes lists them all)");
    return 0;
}

static int check_combinations(const struct lfb_options *o, const bool seen[], struct lfcli_err *err)
{
    if (check_keys(o, seen, err) != 0)
        return -1;
    if (seen['u'] && seen['w'])
        return lfcli_fail(err, "-u/--update and -w/--workload both set the workload; give one");
    if (seen[OPT_ZIPF_S] && o->dist != LFB_DIST_ZIPF)
        return lfcli_fail(err, "--zipf-s needs --dist zipf");
    bool hot = has_kind(o, LFB_KIND_HOTKEYS) || has_kind(o, LFB_KIND_HOTKEYS_CHURN);
    bool special = hot || has_kind(o, LFB_KIND_BULKLOAD);
    if (has_kind(o, LFB_KIND_CHURN) && seen[OPT_DIST])
        return lfcli_fail(err, "--dist does not apply to churn (its writes walk each thread's keys in order)");
    if (special && (seen[OPT_WRITE_MIX] || seen[OPT_DIST]))
        return lfcli_fail(err, "--write-mix and --dist apply to read/write workloads, not to the hot-key "
                               "presets or bulkload (their operations are fixed)");
    if (seen[OPT_HOT_KEYS] && !hot)
        return lfcli_fail(err, "--hot-keys needs a hot-key workload (hotkeys, hotkeys-churn, hotkeys-churn-empty)");
    if (o->ops_limit && has_kind(o, LFB_KIND_BULKLOAD))
        return lfcli_fail(err, "--ops does not apply to bulkload (each thread loads its share of the keys)");
    if (seen['r'] && o->ninitial != 1)
        return lfcli_fail(err, "--range needs a single --initial value (it is 2 x initial by default)");
    if (o->range && o->range < o->initial[0])
        return lfcli_fail(err, "--range %llu is smaller than --initial %llu: the prefill needs that "
                               "many distinct keys", (unsigned long long)o->range,
                          (unsigned long long)o->initial[0]);
    for (size_t i = 0; i < o->ninitial; i++) {
        if (has_kind(o, LFB_KIND_HOTKEYS) && o->hot_keys > o->initial[i])
            return lfcli_fail(err, "--hot-keys %llu is larger than --initial %llu",
                              (unsigned long long)o->hot_keys, (unsigned long long)o->initial[i]);
        if (!o->range && has_kind(o, LFB_KIND_CHURN) && LFB_CHURN_FACTOR * o->initial[i] > LFB_RANGE_MAX)
            return lfcli_fail(err, "--initial %llu: churn's default range %u x initial exceeds %llu",
                              (unsigned long long)o->initial[i], LFB_CHURN_FACTOR,
                              (unsigned long long)LFB_RANGE_MAX);
        if (o->range && o->range == o->initial[i] && has_kind(o, LFB_KIND_CHURN))
            return lfcli_fail(err, "--range %llu equals --initial: churn fills from --initial (low "
                                   "watermark) to --range (high watermark)", (unsigned long long)o->range);
        if (!o->range && 2 * o->initial[i] > LFB_RANGE_MAX)
            return lfcli_fail(err, "--initial %llu: the default range 2 x initial exceeds %llu",
                              (unsigned long long)o->initial[i], (unsigned long long)LFB_RANGE_MAX);
    }
    unsigned kinds_taken = 0;
    for (size_t i = 0; i < o->nmaps; i++)
        kinds_taken |= o->maps[i]->lock_kinds;
    for (size_t i = 0; i < o->nlock_kinds; i++)
        if (!(kinds_taken & LFB_LOCK_BIT(o->lock_kinds[i])))
            return lfcli_fail(err, "--lock-kind %s: no map in --map takes it (mutexes: normal, adaptive; "
                                   "rwlock: prefer-reader, prefer-writer)", lfb_lock_kind_names[o->lock_kinds[i]]);
    if (o->profile_locks && !kinds_taken)
        return lfcli_fail(err, "--profile-locks: no map in --map takes locks of its own to profile");
    if (o->probe_memory && (o->nmaps != 1 || o->ninitial != 1 || o->nthreads != 1 || o->nlock_kinds > 1 ||
                            o->nschemes > 1))
        return lfcli_fail(err, "--probe-memory measures one map at one -i and one -n");
    /* Every scheme named must be one a selected map runs (lfmap's, or a
     * map's own: xenium's). */
    for (size_t k = 0; k < o->nschemes && !o->all_schemes; k++) {
        bool known = false;
        for (size_t i = 0; i < o->nmaps; i++)
            known |= map_knows(o->maps[i], o->schemes[k]);
        if (!known)
            return lfcli_fail(err, "%s %s: no map of --map runs it (lfmap's schemes need --map lfmap; "
                                   "xenium's, --map xenium)", o->scheme_opt, o->schemes[k]);
    }
    for (size_t i = 0; i < o->nmaps; i++) {
        const struct lfb_map_ops *m = o->maps[i];
        if (o->values == LFB_VALUES_POINTER && !m->pointer_variant)
            return lfcli_fail(err, "--values pointer: only maps that free replaced values safely (lfmap, "
                                   "through its value destructor; xenium, through its reclaimer) take it; "
                                   "%s does not", m->name);
        if (o->values == LFB_VALUES_POINTER)
            m = m->pointer_variant;
        if (o->stall_s > 0 && (!m->read_lock || !m->read_unlock))
            return lfcli_fail(err, "--stall needs a read-side section (lfmap_read_lock, xenium's region "
                                   "guard); %s has none: give --map lfmap or xenium", m->name);
    }
    if (o->stall_s > 0 && o->stall_s >= o->duration_s)
        return lfcli_fail(err, "--stall %g must be shorter than --duration %g (the experiment watches "
                               "the writers after the reader leaves)", o->stall_s, o->duration_s);
    if (o->warmup_s > 0 && (has_kind(o, LFB_KIND_BULKLOAD) || has_kind(o, LFB_KIND_CHURN)))
        return lfcli_fail(err, "--warmup runs with read/write and hot-key workloads, not bulkload or churn (they "
                               "measure a map's whole life)");
    if (o->stall_s > 0 && (has_kind(o, LFB_KIND_BULKLOAD)))
        return lfcli_fail(err, "--stall runs with read/write, hotkeys or churn workloads, not bulkload");
    if (seen[OPT_WRITE_MIX] && has_kind(o, LFB_KIND_CHURN))
        return lfcli_fail(err, "--write-mix does not apply to churn (its writes are the inserts of the "
                               "fill and the removes of the drain)");
    /* A map limited to fewer threads than every requested count would never run. */
    uint64_t min_threads = UINT64_MAX;
    for (size_t i = 0; i < o->nthreads; i++)
        if (o->threads[i] < min_threads)
            min_threads = o->threads[i];
    for (size_t i = 0; i < o->nmaps; i++)
        if (o->maps[i]->max_threads && min_threads > o->maps[i]->max_threads)
            return lfcli_fail(err, "--map %s runs with at most %u thread(s), but --threads asks for "
                                   "at least %llu", o->maps[i]->name, o->maps[i]->max_threads,
                              (unsigned long long)min_threads);
    return 0;
}

int lfb_options_parse(int argc, char **argv, struct lfb_options *o, struct lfcli_err *err)
{
    memset(o, 0, sizeof *o);
    for (size_t i = 0; i < lfb_map_count; i++)
        o->maps[i] = lfb_maps[i];
    o->nmaps = lfb_map_count;
    o->threads[0] = 1;
    o->threads[1] = 2;
    o->nthreads = 2;
    o->initial[0] = DEFAULT_INITIAL;
    o->ninitial = 1;
    snprintf(o->workloads[0], sizeof o->workloads[0], "95/5");
    o->nworkloads = 1;
    o->mix = LFB_MIX_INSERT_REMOVE;
    o->dist = LFB_DIST_UNIFORM;
    o->zipf_s = LFB_ZIPF_S_DEFAULT;
    o->hot_keys = LFB_HOT_KEYS_DEFAULT;
    o->duration_s = DEFAULT_DURATION_S;
    o->repeat = DEFAULT_REPEAT;
    o->seed = DEFAULT_SEED;
    o->pin = LFB_PIN_NONE;
    o->mem.kind = LFB_MEM_FIRST_TOUCH;
    o->allocator = LFB_ALLOC_JEMALLOC;
    o->sample_every = DEFAULT_SAMPLE_EVERY;
    o->bulk_cap_factor = DEFAULT_BULK_CAP_FACTOR;
    o->values = LFB_VALUES_INT;
    o->monitor_ms = DEFAULT_MONITOR_MS;
    o->key_len_min = LFB_KEY_LEN_DEFAULT_MIN;
    o->key_len_max = LFB_KEY_LEN_DEFAULT_MAX;
    o->value_len_min = LFB_VALUE_LEN_DEFAULT_MIN;
    o->value_len_max = LFB_VALUE_LEN_DEFAULT_MAX;

    bool seen[OPT_LAST] = {false};
    optind = 1;
    opterr = 0; /* our own messages */
    int c;
    while ((c = getopt_long(argc, argv, ":m:n:i:r:w:u:d:s:o:h", long_opts, NULL)) != -1) {
        if (c == '?' || c == ':')
            return lfcli_getopt_error(c, argv, err);
        if (c >= 0 && c < OPT_LAST && seen[c] && c != OPT_NO_CHECK && c != 'h' && c != OPT_LIST_MAPS &&
            c != OPT_LIST_SCHEMES && c != OPT_TIMESERIES && c != OPT_PROFILE_LOCKS && c != OPT_NO_PROBE)
            return lfcli_fail(err, "option --%s given twice", opt_name(c));
        if (c >= 0 && c < OPT_LAST)
            seen[c] = true;
        if (parse_one(c, optarg, o, err, seen) != 0)
            return -1;
    }
    if (lfcli_no_operands(argc, argv, err) != 0)
        return -1;
    if (o->help || o->list_maps || o->list_schemes)
        return 0;
    /* -w cache without -m: the caches, not the uint64_t maps. */
    if (!seen['m'] && has_cache_workload(o)) {
        for (size_t i = 0; i < lfb_cache_map_count; i++)
            o->maps[i] = lfb_cache_maps[i];
        o->nmaps = lfb_cache_map_count;
    }
    return check_combinations(o, seen, err);
}

void lfb_options_workload(const struct lfb_options *o, const char *name, uint64_t initial,
                          struct lfb_workload *w)
{
    memset(w, 0, sizeof *w);
    lfb_workload_preset(w, name);
    w->mix = o->mix;
    w->dist = o->dist;
    w->zipf_s = o->zipf_s;
    w->hot_keys = o->hot_keys;
    lfb_workload_size(w, initial, o->range);
}
