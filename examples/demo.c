/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * demo: lfmap in one page.  Four threads (-t) share one map that starts empty
 * and grows while they work; afterwards the map's contents are checked exactly.
 *
 * Each thread, step i: inserts its own key K(t,i); adds 1 to a shared counter
 * (fetch_add: every thread hits the same NCOUNTERS keys, key 0 among them);
 * reads back one of its earlier keys (the value must belong to that key);
 * on steps i = 1 mod 4 replaces K(t,i) with put; on steps i = 3 mod 4 removes
 * K(t,i-3).  Every ROUND steps a thread removes the rest of its keys, so the
 * map keeps growing and shrinking for the whole run with bounded memory.
 * The final state is known exactly, whatever the interleaving.
 * It then writes per-thread throughput as CSV and an SVG bar chart into the
 * output directory (-o; results/demo when run from the repository root).
 * `demo --help` lists the options.
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "lfmap.h"

#define DEFAULT_THREADS 4    /* more threads than this machine's 2 cores: real preemption */
#define MAX_THREADS 64
#define DEFAULT_SECONDS 1.5  /* long enough for several resizes, short for a demo */
#define MIN_SECONDS 0.01
#define MAX_SECONDS 3600.0
#define ROUND (1u << 17) /* steps per round, a multiple of 4: ~100k live keys per thread */
#define NCOUNTERS 16     /* shared hot keys, 0..15 */
#define PUT_TAG (1ull << 40) /* marks a put value; own indices stay below it */
/* Default output directory, used only when run from the repository root
 * (the current directory holds REPO_MARKER); elsewhere -o is required. */
#define DEFAULT_OUT_DIR "results/demo"
#define REPO_MARKER "lib/lfmap.h"

static lfmap *map;
static atomic_bool stop;
static unsigned nthreads = DEFAULT_THREADS;

struct worker {
    pthread_t tid;
    unsigned id;
    int register_rc; /* lfmap_thread_register's result in this thread */
    uint64_t steps, ops, errors; /* steps = fetch_adds made */
    double seconds;
};

static uint64_t own_key(unsigned t, uint64_t i) { return ((uint64_t)(t + 1) << 48) | i; }

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void *work(void *arg)
{
    struct worker *w = arg;
    uint64_t rng = w->id * 0x9e3779b97f4a7c15ull + 1, i, v;
    w->register_rc = lfmap_thread_register();
    if (w->register_rc != 0)
        return NULL; /* main reports it */
    double t0 = now_s();
    for (i = 0; !atomic_load_explicit(&stop, memory_order_relaxed); i++) {
        uint64_t base = i - i % ROUND;
        w->errors += lfmap_insert(map, own_key(w->id, i), i) != 1;
        w->errors += lfmap_fetch_add(map, i % NCOUNTERS, 1, NULL) < 0;
        rng = rng * 6364136223846793005ull + 1442695040888963407ull; /* an LCG is enough here */
        uint64_t j = base + (rng >> 33) % (i - base + 1);
        if (lfmap_get(map, own_key(w->id, j), &v) && (v & ~PUT_TAG) != j)
            w->errors++; /* a value that belongs to another key */
        if (i % 4 == 1)
            w->errors += lfmap_put(map, own_key(w->id, i), i | PUT_TAG, &v) != 0 || v != i;
        if (i % 4 == 3)
            w->errors += lfmap_remove(map, own_key(w->id, i - 3), &v) != 1 || v != i - 3;
        w->ops += 3 + (i % 4 == 1 || i % 4 == 3);
        for (j = base; i - base == ROUND - 1 && j <= i; j++) /* end of round */
            if (j % 4 != 0) {
                w->errors += lfmap_remove(map, own_key(w->id, j), &v) != 1 ||
                             v != (j % 4 == 1 ? (j | PUT_TAG) : j);
                w->ops++;
            }
    }
    w->seconds = now_s() - t0;
    w->steps = i;
    lfmap_thread_unregister();
    return NULL;
}

/* Checks every key each thread owned and the counters; returns failures. */
static uint64_t check(const struct worker *ws, size_t *expect_size)
{
    uint64_t bad = 0, total = 0, v;
    *expect_size = 0;
    for (unsigned t = 0; t < nthreads; t++) {
        for (uint64_t i = 0; i < ws[t].steps; i++) {
            bool removed = (i % 4 == 0 && i + 3 < ws[t].steps) ||
                           i < ws[t].steps - ws[t].steps % ROUND; /* finished rounds */
            uint64_t want = i % 4 == 1 ? (i | PUT_TAG) : i;
            bool got = lfmap_get(map, own_key(t, i), &v);
            bad += got == removed || (got && v != want);
            *expect_size += !removed;
        }
        total += ws[t].steps;
    }
    uint64_t sum = 0;
    for (uint64_t c = 0; c < NCOUNTERS; c++)
        if (lfmap_get(map, c, &v)) {
            sum += v;
            ++*expect_size;
        }
    return bad + (sum != total);
}

/* Ops per second of one thread in millions (0 for a thread that did not run). */
static double mops_of(const struct worker *w)
{
    return w->seconds > 0 ? (double)w->ops / w->seconds / 1e6 : 0.0;
}

/* Writes dir/demo-throughput.csv and dir/demo-throughput.svg; on failure
 * prints what failed and returns -1. */
static int write_figure(const struct worker *ws, const char *dir, char *svg_path, size_t len)
{
    enum { W = 480, H = 280, MARGIN = 50, BAR_GAP = 20 }; /* SVG canvas, px */
    char csv_path[PATH_MAX];
    double top = 0;
    snprintf(csv_path, sizeof csv_path, "%s/demo-throughput.csv", dir);
    snprintf(svg_path, len, "%s/demo-throughput.svg", dir);
    FILE *csv = fopen(csv_path, "w");
    if (!csv) {
        fprintf(stderr, "demo: cannot write %s: %s\n", csv_path, strerror(errno));
        return -1;
    }
    FILE *svg = fopen(svg_path, "w");
    if (!svg) {
        fprintf(stderr, "demo: cannot write %s: %s\n", svg_path, strerror(errno));
        fclose(csv);
        return -1;
    }
    fprintf(csv, "thread,ops,seconds,mops_per_s\n");
    for (unsigned t = 0; t < nthreads; t++) {
        double mops = mops_of(&ws[t]);
        fprintf(csv, "%u,%llu,%.3f,%.3f\n", t, (unsigned long long)ws[t].ops, ws[t].seconds, mops);
        top = mops > top ? mops : top;
    }
    fprintf(svg, "<svg xmlns='http://www.w3.org/2000/svg' width='%d' height='%d' "
            "font-family='sans-serif' font-size='12'>\n<rect width='100%%' height='100%%' fill='white'/>\n"
            "<text x='%d' y='20' font-size='14'>lfmap demo: throughput per thread (Mops/s)</text>\n",
            W, H, MARGIN);
    /* One slot per thread; the gap shrinks for many threads (4 keep 20 px). */
    double slot = (W - 2.0 * MARGIN) / nthreads, gap = slot >= 4.0 * BAR_GAP ? BAR_GAP : slot / 4;
    double bw = slot - gap, plot_h = H - 2.0 * MARGIN;
    for (unsigned t = 0; t < nthreads; t++) {
        double mops = mops_of(&ws[t]), bh = top > 0 ? plot_h * mops / top : 0;
        double x = MARGIN + t * slot + gap / 2.0, y = H - MARGIN - bh;
        fprintf(svg, "<rect x='%.1f' y='%.1f' width='%.1f' height='%.1f' fill='#4a7ab5'/>\n",
                x, y, bw, bh);
        if (slot >= 40) /* room for the labels */
            fprintf(svg, "<text x='%.1f' y='%.1f' text-anchor='middle'>%.2f</text>\n"
                    "<text x='%.1f' y='%d' text-anchor='middle'>%s%u</text>\n",
                    x + bw / 2, y - 4, mops, x + bw / 2, H - MARGIN + 16,
                    slot >= 70 ? "thread " : "", t);
    }
    fprintf(svg, "<line x1='%d' y1='%d' x2='%d' y2='%d' stroke='black'/>\n</svg>\n",
            MARGIN, H - MARGIN, W - MARGIN, H - MARGIN);
    bool bad = ferror(csv) || ferror(svg);
    if ((fclose(csv) | fclose(svg)) != 0 || bad) {
        fprintf(stderr, "demo: error writing %s or %s: %s\n", csv_path, svg_path, strerror(errno));
        return -1;
    }
    return 0;
}

/* mkdir -p: creates dir and its missing parents.  0, or -1 with errno. */
static int make_dirs(const char *dir)
{
    char path[PATH_MAX];
    if (snprintf(path, sizeof path, "%s", dir) >= (int)sizeof path) {
        errno = ENAMETOOLONG;
        return -1;
    }
    for (char *p = path + 1; *p; p++) {
        if (*p != '/')
            continue;
        *p = '\0';
        if (mkdir(path, 0777) != 0 && errno != EEXIST)
            return -1;
        *p = '/';
    }
    if (mkdir(path, 0777) != 0 && errno != EEXIST)
        return -1;
    struct stat st;
    if (stat(path, &st) != 0)
        return -1;
    if (!S_ISDIR(st.st_mode)) {
        errno = ENOTDIR;
        return -1;
    }
    return 0;
}

/* ---- options ------------------------------------------------------------ */

static const struct lfcli_option_doc docs[] = {
    {"-o, --out DIR", "write demo-throughput.csv and .svg into DIR (created if\n"
                      "missing).  Default: " DEFAULT_OUT_DIR " when run from the lfmap\n"
                      "repository root (the directory holding " REPO_MARKER ");\n"
                      "required when run from anywhere else"},
    {"-t, --threads N", "worker threads, 1 .. 64 (default 4)"},
    {"-d, --duration S", "seconds of work, 0.01 .. 3600 (default 1.5)"},
    {"-h, --help", "this help"},
};

static void help(void)
{
    lfcli_print_help(stdout,
                     "Usage: demo [-o DIR] [-t N] [-d S]\n"
                     "N threads share one growing lfmap for S seconds (insert, fetch_add, get,\n"
                     "put, remove); the map's contents are then checked exactly, and the\n"
                     "throughput per thread is written as CSV and an SVG bar chart.\n"
                     "Exit status: 0 all checks passed, 1 a check or the run failed, 64 bad usage.\n"
                     "LFMAP_RCU (environment) selects the reclamation scheme among those that keep the default's\n"
                     "contract, as for any lfmap program (lfmap_reclamation(3)).",
                     docs, sizeof docs / sizeof docs[0]);
}

static void usage_error(const char *msg)
{
    fprintf(stderr, "demo: %s\nTry 'demo --help'.\n", msg);
    exit(LFCLI_EXIT_USAGE);
}

struct options {
    const char *out_dir;
    double seconds;
};

static void parse_options(int argc, char **argv, struct options *o)
{
    static const struct option long_opts[] = {
        {"out", required_argument, NULL, 'o'},
        {"threads", required_argument, NULL, 't'},
        {"duration", required_argument, NULL, 'd'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    struct lfcli_err err;
    uint64_t n = 0;
    int c;
    o->out_dir = NULL;
    o->seconds = DEFAULT_SECONDS;
    opterr = 0; /* our own messages */
    while ((c = getopt_long(argc, argv, ":o:t:d:h", long_opts, NULL)) != -1) {
        switch (c) {
        case 'o':
            if (!*optarg)
                usage_error("-o/--out: empty directory name");
            o->out_dir = optarg;
            break;
        case 't':
            if (lfcli_parse_u64("-t/--threads", optarg, 1, MAX_THREADS, &n, &err) != 0)
                usage_error(err.msg);
            nthreads = (unsigned)n;
            break;
        case 'd':
            if (lfcli_parse_double("-d/--duration", optarg, MIN_SECONDS, MAX_SECONDS, &o->seconds,
                                   &err) != 0)
                usage_error(err.msg);
            break;
        case 'h':
            help();
            exit(0);
        default: /* ':' a missing value, '?' an unknown option */
            lfcli_getopt_error(c, argv, &err);
            usage_error(err.msg);
        }
    }
    if (lfcli_no_operands(argc, argv, &err) != 0)
        usage_error(err.msg);
    if (!o->out_dir) {
        if (access(REPO_MARKER, F_OK) != 0)
            usage_error("no output directory: give -o DIR (the default, " DEFAULT_OUT_DIR
                        ", applies only when run from the lfmap repository root)");
        o->out_dir = DEFAULT_OUT_DIR;
    }
}

/* Why lfmap_thread_register failed, with the errno text. */
static void report_register(const char *who, int rc)
{
    if (rc == -EAGAIN)
        fprintf(stderr, "demo: %slfmap_thread_register: %s (LFMAP_MAX_THREADS threads are "
                "registered already)\n", who, strerror(-rc));
    else
        fprintf(stderr, "demo: %slfmap_thread_register: %s\n", who, strerror(-rc));
}

int main(int argc, char **argv)
{
    struct options o;
    parse_options(argc, argv, &o);
    /* The output directory first: a path that cannot be written fails before
     * any work. */
    if (make_dirs(o.out_dir) != 0) {
        fprintf(stderr, "demo: cannot create the output directory %s: %s\n", o.out_dir,
                strerror(errno));
        return 1;
    }

    struct lfmap_config cfg = { .capacity = 0, .seed = 42 }; /* fixed seed: repeatable */
    struct worker ws[MAX_THREADS] = { 0 };
    struct timespec run = { (time_t)o.seconds,
                            (long)((o.seconds - (double)(time_t)o.seconds) * 1e9) };
    int rc = lfmap_thread_register();
    if (rc != 0) {
        report_register("", rc);
        return 1;
    }
    map = lfmap_new(&cfg);
    if (!map) {
        const char *rcu = getenv("LFMAP_RCU");
        /* The map names no scheme: LFMAP_RCU's is the one EINVAL can be about. */
        fprintf(stderr, "demo: lfmap_new: %s%s%s%s\n", strerror(errno),
                errno == EINVAL && rcu && *rcu ? " (LFMAP_RCU=" : "", errno == EINVAL && rcu && *rcu ? rcu : "",
                errno == EINVAL && rcu && *rcu ? " names no reclamation scheme)" : "");
        lfmap_thread_unregister();
        return 1;
    }
    unsigned started = 0;
    for (; started < nthreads; started++) {
        ws[started].id = started;
        rc = pthread_create(&ws[started].tid, NULL, work, &ws[started]);
        if (rc != 0) {
            fprintf(stderr, "demo: pthread_create (thread %u of %u): %s\n", started, nthreads,
                    strerror(rc));
            break;
        }
    }
    if (started == nthreads)
        nanosleep(&run, NULL);
    atomic_store(&stop, true);
    uint64_t errors = 0, ops = 0;
    bool failed = started < nthreads;
    for (unsigned t = 0; t < started; t++)
        pthread_join(ws[t].tid, NULL);
    for (unsigned t = 0; t < started; t++) {
        if (ws[t].register_rc != 0) {
            char who[32];
            snprintf(who, sizeof who, "thread %u: ", t);
            report_register(who, ws[t].register_rc);
            failed = true;
        }
    }
    if (failed) {
        lfmap_thread_unregister();
        lfmap_free(map);
        return 1;
    }
    for (unsigned t = 0; t < nthreads; t++) {
        errors += ws[t].errors;
        ops += ws[t].ops;
        printf("thread %u: %llu steps, %llu ops in %.2f s (%.2f Mops/s)\n", t,
               (unsigned long long)ws[t].steps, (unsigned long long)ws[t].ops, ws[t].seconds,
               mops_of(&ws[t]));
    }
    size_t expect_size;
    errors += check(ws, &expect_size);
    struct lfmap_stats st;
    lfmap_get_stats(map, &st);
    errors += st.size != expect_size;
    printf("total %llu ops, %llu resizes, size %zu (expected %zu), %.1f bytes/key\n",
           (unsigned long long)ops, (unsigned long long)st.resizes, st.size, expect_size,
           (double)st.table_bytes / (double)(st.size ? st.size : 1));
    char svg[PATH_MAX];
    if (write_figure(ws, o.out_dir, svg, sizeof svg) == 0)
        printf("figure: %s (data: %s/demo-throughput.csv)\n", svg, o.out_dir);
    lfmap_thread_unregister();
    lfmap_free(map);
    if (errors) {
        printf("demo: FAILED (%llu errors)\n", (unsigned long long)errors);
        return 1;
    }
    printf("demo: OK\n");
    return 0;
}
