/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * demo: lfmap in one page.  Four threads share one map that starts empty and
 * grows while they work; afterwards the map's contents are checked exactly.
 *
 * Each thread, step i: inserts its own key K(t,i); adds 1 to a shared counter
 * (fetch_add: every thread hits the same NCOUNTERS keys, key 0 among them);
 * reads back one of its earlier keys (the value must belong to that key);
 * on steps i = 1 mod 4 replaces K(t,i) with put; on steps i = 3 mod 4 removes
 * K(t,i-3).  Every ROUND steps a thread removes the rest of its keys, so the
 * map keeps growing and shrinking for the whole run with bounded memory.
 * The final state is known exactly, whatever the interleaving.
 * It then writes per-thread throughput as CSV and an SVG bar chart.
 */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <time.h>

#include "lfmap.h"

#define NTHREADS 4       /* more threads than this machine's 2 cores: real preemption */
#define RUN_MS 1500      /* long enough for several resizes, short for a demo */
#define ROUND (1u << 17) /* steps per round, a multiple of 4: <= 400k live keys */
#define NCOUNTERS 16     /* shared hot keys, 0..15 */
#define PUT_TAG (1ull << 40) /* marks a put value; own indices stay below it */
#define OUT_DIR "results/demo"

static lfmap *map;
static atomic_bool stop;

struct worker {
    pthread_t tid;
    unsigned id;
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
    if (lfmap_thread_register() != 0)
        abort();
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
    for (unsigned t = 0; t < NTHREADS; t++) {
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

static int write_figure(const struct worker *ws, char *svg_path, size_t len)
{
    enum { W = 480, H = 280, MARGIN = 50, BAR_GAP = 20 }; /* SVG canvas, px */
    double top = 0;
    if (mkdir("results", 0777) != 0 && errno != EEXIST)
        return -1;
    if (mkdir(OUT_DIR, 0777) != 0 && errno != EEXIST)
        return -1;
    FILE *csv = fopen(OUT_DIR "/demo-throughput.csv", "w");
    snprintf(svg_path, len, "%s/demo-throughput.svg", OUT_DIR);
    FILE *svg = fopen(svg_path, "w");
    if (!csv || !svg)
        return -1;
    fprintf(csv, "thread,ops,seconds,mops_per_s\n");
    for (unsigned t = 0; t < NTHREADS; t++) {
        double mops = (double)ws[t].ops / ws[t].seconds / 1e6;
        fprintf(csv, "%u,%llu,%.3f,%.3f\n", t, (unsigned long long)ws[t].ops, ws[t].seconds, mops);
        top = mops > top ? mops : top;
    }
    fprintf(svg, "<svg xmlns='http://www.w3.org/2000/svg' width='%d' height='%d' "
            "font-family='sans-serif' font-size='12'>\n<rect width='100%%' height='100%%' fill='white'/>\n"
            "<text x='%d' y='20' font-size='14'>lfmap demo: throughput per thread (Mops/s)</text>\n",
            W, H, MARGIN);
    double bw = (W - 2.0 * MARGIN) / NTHREADS - BAR_GAP, plot_h = H - 2.0 * MARGIN;
    for (unsigned t = 0; t < NTHREADS; t++) {
        double mops = (double)ws[t].ops / ws[t].seconds / 1e6, bh = plot_h * mops / top;
        double x = MARGIN + t * (bw + BAR_GAP) + BAR_GAP / 2.0, y = H - MARGIN - bh;
        fprintf(svg, "<rect x='%.1f' y='%.1f' width='%.1f' height='%.1f' fill='#4a7ab5'/>\n"
                "<text x='%.1f' y='%.1f' text-anchor='middle'>%.2f</text>\n"
                "<text x='%.1f' y='%d' text-anchor='middle'>thread %u</text>\n",
                x, y, bw, bh, x + bw / 2, y - 4, mops, x + bw / 2, H - MARGIN + 16, t);
    }
    fprintf(svg, "<line x1='%d' y1='%d' x2='%d' y2='%d' stroke='black'/>\n</svg>\n",
            MARGIN, H - MARGIN, W - MARGIN, H - MARGIN);
    return (fclose(csv) | fclose(svg)) ? -1 : 0;
}

int main(void)
{
    struct lfmap_config cfg = { .capacity = 0, .seed = 42 }; /* fixed seed: repeatable */
    struct worker ws[NTHREADS] = { 0 };
    struct timespec run = { RUN_MS / 1000, (RUN_MS % 1000) * 1000000L };
    map = lfmap_new(&cfg);
    if (!map || lfmap_thread_register() != 0) {
        fprintf(stderr, "demo: cannot create the map\n");
        return 1;
    }
    for (unsigned t = 0; t < NTHREADS; t++) {
        ws[t].id = t;
        if (pthread_create(&ws[t].tid, NULL, work, &ws[t]) != 0)
            return 1;
    }
    nanosleep(&run, NULL);
    atomic_store(&stop, true);
    uint64_t errors = 0, ops = 0;
    for (unsigned t = 0; t < NTHREADS; t++) {
        pthread_join(ws[t].tid, NULL);
        errors += ws[t].errors;
        ops += ws[t].ops;
        printf("thread %u: %llu steps, %llu ops in %.2f s (%.2f Mops/s)\n", t,
               (unsigned long long)ws[t].steps, (unsigned long long)ws[t].ops, ws[t].seconds,
               (double)ws[t].ops / ws[t].seconds / 1e6);
    }
    size_t expect_size;
    errors += check(ws, &expect_size);
    struct lfmap_stats st;
    lfmap_get_stats(map, &st);
    errors += st.size != expect_size;
    printf("total %llu ops, %llu resizes, size %zu (expected %zu), %.1f bytes/key\n",
           (unsigned long long)ops, (unsigned long long)st.resizes, st.size, expect_size,
           (double)st.table_bytes / (double)(st.size ? st.size : 1));
    char svg[256];
    if (write_figure(ws, svg, sizeof svg) == 0)
        printf("figure: %s (data: %s/demo-throughput.csv)\n", svg, OUT_DIR);
    else
        perror("demo: cannot write the figure");
    lfmap_thread_unregister();
    lfmap_free(map);
    if (errors) {
        printf("demo: FAILED (%llu errors)\n", (unsigned long long)errors);
        return 1;
    }
    printf("demo: OK\n");
    return 0;
}
