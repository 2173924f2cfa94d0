/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * bench_env: everything a result record needs so that a number can be traced
 * to the code, build and machine that produced it (paper-notes.md, "Setup"):
 * git sha and dirty flag, compiler and build flags, dependency
 * versions, reclamation scheme, allocator, host facts (CPU, kernel, THP,
 * governor, SMT, NUMA nodes), the timer and its measured overhead, the date.
 *
 * bench_env_json() gathers it once and returns one JSON object (a string) that
 * the benchmark pastes into every record it writes.  Anything that cannot be
 * read is recorded as null rather than guessed.
 *
 * Build flags: the compiler cannot see its own command line, so the exact
 * flags are recorded only when the build passes them as
 * -DLFMAP_BUILD_CFLAGS='"..."'; otherwise the record keeps what the code can
 * see (optimisation, NDEBUG, sanitizers) and "cflags": null.
 */
#ifndef BENCH_ENV_H
#define BENCH_ENV_H

#include <gnu/libc-version.h>
#include <glob.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include "histogram.h"

/* Empty intervals timed to estimate the cost of one timed operation's two
 * clock reads: enough for a stable median (~3 ms at ~33 ns per read). */
#define BENCH_TIMER_CAL_SAMPLES 100000u
#define BENCH_ENV_LINE 512 /* longest line kept from a file or command */

static inline uint64_t bench_now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

struct bench_timer {
    double call_ns;         /* mean cost of one clock_gettime call */
    uint64_t interval_ns;   /* median t1 - t0 of back-to-back reads: what a
                             * timed operation over-reports, and subtracts */
};

static inline struct bench_timer bench_timer_calibrate(void)
{
    static struct histogram h; /* static: 30 KB is too big for some stacks */
    struct bench_timer t;
    hist_reset(&h);
    uint64_t start = bench_now_ns();
    for (unsigned i = 0; i < BENCH_TIMER_CAL_SAMPLES; i++) {
        uint64_t a = bench_now_ns();
        uint64_t b = bench_now_ns();
        hist_record(&h, b - a);
    }
    uint64_t total = bench_now_ns() - start;
    t.call_ns = (double)total / (2.0 * BENCH_TIMER_CAL_SAMPLES + 1.0);
    t.interval_ns = hist_percentile(&h, 50.0);
    return t;
}

/* Writes s as a JSON string (quoted, escaped), or null when s is NULL. */
static inline void bench_json_str(FILE *f, const char *s)
{
    if (!s) {
        fputs("null", f);
        return;
    }
    fputc('"', f);
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (*p == '"' || *p == '\\')
            fprintf(f, "\\%c", *p);
        else if (*p < 0x20)
            fprintf(f, "\\u%04x", *p);
        else
            fputc(*p, f);
    }
    fputc('"', f);
}

static inline void bench_chomp(char *s)
{
    size_t n = strlen(s);
    while (n > 0 && (s[n - 1] == '\n' || s[n - 1] == '\r' || s[n - 1] == ' '))
        s[--n] = '\0';
}

/* First line of a command's stdout into buf; NULL if it printed nothing or
 * failed.  *lines (if not NULL) receives the number of lines printed. */
static inline const char *bench_cmd_line(const char *cmd, char *buf, size_t len, int *lines)
{
    FILE *p = popen(cmd, "r");
    if (!p)
        return NULL;
    char line[BENCH_ENV_LINE];
    int n = 0;
    buf[0] = '\0';
    while (fgets(line, sizeof line, p)) {
        if (n++ == 0) {
            snprintf(buf, len, "%s", line);
            bench_chomp(buf);
        }
    }
    int rc = pclose(p);
    if (lines)
        *lines = n;
    return (rc == 0 && n > 0) ? buf : NULL;
}

/* First line of a file (or of the first line starting with prefix, returning
 * what follows ": "), NULL when unreadable. */
static inline const char *bench_file_line(const char *path, const char *prefix, char *buf, size_t len)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return NULL;
    char line[BENCH_ENV_LINE];
    const char *found = NULL;
    while (fgets(line, sizeof line, f)) {
        if (prefix && strncmp(line, prefix, strlen(prefix)) != 0)
            continue;
        const char *v = line;
        if (prefix) {
            const char *colon = strchr(line, ':');
            v = colon ? colon + 1 : line;
            while (*v == ' ' || *v == '\t')
                v++;
        }
        snprintf(buf, len, "%s", v);
        bench_chomp(buf);
        found = buf;
        break;
    }
    fclose(f);
    return found;
}

static inline int bench_count_paths(const char *pattern)
{
    glob_t g;
    int n = glob(pattern, 0, NULL, &g) == 0 ? (int)g.gl_pathc : 0;
    globfree(&g);
    return n;
}

static inline void bench_kv_str(FILE *f, const char *k, const char *v)
{
    fprintf(f, ",\"%s\":", k);
    bench_json_str(f, v);
}

static inline const char *bench_compiler_name(void)
{
#if defined(__clang__)
    return "clang";
#elif defined(__GNUC__)
    return "gcc";
#else
    return "unknown";
#endif
}

static inline const char *bench_sanitizer(void)
{
#if defined(__SANITIZE_THREAD__)
    return "thread";
#elif defined(__SANITIZE_ADDRESS__)
    return "address";
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
    return "thread";
#elif __has_feature(address_sanitizer)
    return "address";
#else
    return "none";
#endif
#else
    return "none";
#endif
}

/*
 * The environment as one JSON object (malloc'd; the caller frees it).
 * rcu_scheme: the reclamation scheme in use (lfrcu_scheme_name());
 * clock_cal: the timer calibration the benchmark subtracts.
 */
static inline char *bench_env_json(const char *rcu_scheme, struct bench_timer clock_cal)
{
    char *json = NULL;
    size_t json_len = 0;
    FILE *f = open_memstream(&json, &json_len);
    if (!f)
        return NULL;
    char b[BENCH_ENV_LINE];
    int lines = 0;

    fputs("{\"git_sha\":", f);
    bench_json_str(f, bench_cmd_line("git rev-parse HEAD 2>/dev/null", b, sizeof b, NULL));
    /* Dirty = tracked files differ from HEAD; untracked files counted apart
     * (result files a run writes are untracked and must not flip the flag). */
    bench_cmd_line("git status --porcelain --untracked-files=no 2>/dev/null", b, sizeof b, &lines);
    fprintf(f, ",\"git_dirty\":%s", lines > 0 ? "true" : "false");
    bench_cmd_line("git status --porcelain 2>/dev/null | grep -c '^[?][?]'", b, sizeof b, NULL);
    fprintf(f, ",\"git_untracked\":%d", atoi(b));

    bench_kv_str(f, "compiler", bench_compiler_name());
    bench_kv_str(f, "compiler_version", __VERSION__);
#ifdef LFMAP_BUILD_CFLAGS
    bench_kv_str(f, "cflags", LFMAP_BUILD_CFLAGS);
#else
    bench_kv_str(f, "cflags", NULL);
#endif
    /* Which lfmap the program linked: "shared" (liblfmap.so, as a program
     * built with pkg-config --libs lfmap links it) or "static" (liblfmap.a). */
#ifdef LFMAP_LINKED
    bench_kv_str(f, "lfmap_linked", LFMAP_LINKED);
#else
    bench_kv_str(f, "lfmap_linked", NULL);
#endif
#ifdef __OPTIMIZE__
    fputs(",\"optimized\":true", f);
#else
    fputs(",\"optimized\":false", f);
#endif
#ifdef NDEBUG
    fputs(",\"ndebug\":true", f);
#else
    fputs(",\"ndebug\":false", f);
#endif
    bench_kv_str(f, "sanitizer", bench_sanitizer());

    bench_kv_str(f, "liburcu", bench_cmd_line("pkg-config --modversion liburcu-memb 2>/dev/null",
                                              b, sizeof b, NULL));
    bench_kv_str(f, "rcu_scheme", rcu_scheme);
    bench_kv_str(f, "LFMAP_RCU", getenv("LFMAP_RCU"));
    snprintf(b, sizeof b, "glibc malloc %s", gnu_get_libc_version());
    bench_kv_str(f, "allocator", b);
    bench_kv_str(f, "MALLOC_CONF", getenv("MALLOC_CONF"));
    bench_kv_str(f, "LD_PRELOAD", getenv("LD_PRELOAD"));

    struct utsname u;
    if (uname(&u) == 0) {
        bench_kv_str(f, "hostname", u.nodename);
        snprintf(b, sizeof b, "%s %s %s %s", u.sysname, u.release, u.version, u.machine);
        bench_kv_str(f, "kernel", b);
    }
    bench_kv_str(f, "cpu_model", bench_file_line("/proc/cpuinfo", "model name", b, sizeof b));
    fprintf(f, ",\"nproc_online\":%ld", sysconf(_SC_NPROCESSORS_ONLN));
    cpu_set_t set;
    CPU_ZERO(&set);
    if (sched_getaffinity(0, sizeof set, &set) == 0)
        fprintf(f, ",\"cpus_allowed\":%d", CPU_COUNT(&set));
    bench_kv_str(f, "smt_active", bench_file_line("/sys/devices/system/cpu/smt/active", NULL, b, sizeof b));
    fprintf(f, ",\"numa_nodes\":%d", bench_count_paths("/sys/devices/system/node/node[0-9]*"));
    bench_kv_str(f, "numa_policy", "default (first touch), threads not pinned");
    bench_kv_str(f, "mem_total", bench_file_line("/proc/meminfo", "MemTotal", b, sizeof b));
    bench_kv_str(f, "thp_enabled",
                 bench_file_line("/sys/kernel/mm/transparent_hugepage/enabled", NULL, b, sizeof b));
    bench_kv_str(f, "thp_defrag",
                 bench_file_line("/sys/kernel/mm/transparent_hugepage/defrag", NULL, b, sizeof b));
    bench_kv_str(f, "governor",
                 bench_file_line("/sys/devices/system/cpu/cpu0/cpufreq/scaling_governor", NULL, b, sizeof b));

    bench_kv_str(f, "timer", "clock_gettime(CLOCK_MONOTONIC)");
    fprintf(f, ",\"timer_call_ns\":%.1f,\"timer_interval_ns\":%llu", clock_cal.call_ns,
            (unsigned long long)clock_cal.interval_ns);

    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    strftime(b, sizeof b, "%Y-%m-%dT%H:%M:%SZ", &tm);
    bench_kv_str(f, "date", b);
    fputc('}', f);
    if (fclose(f) != 0) {
        free(json);
        return NULL;
    }
    return json;
}

#endif /* BENCH_ENV_H */
