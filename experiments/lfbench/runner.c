/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* One run, see runner.h. */
#include "runner.h"

#include <errno.h>
#include <stdio.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bench_env.h"

/* Workers look at the stop flag once per this many operations: rare enough
 * to cost nothing, often enough (~10 us) that threads stop together. */
#define LFB_STOP_CHECK_EVERY 256u
/* The main thread polls for bulkload completion at this interval. */
#define LFB_BULK_POLL_NS 1000000L
/* Values written: the key in the low bits and a per-thread counter above, so
 * puts change the value and stay below LFB_VALUE_LIMIT. */
#define LFB_VALUE_TAG_SHIFT 40u
#define LFB_VALUE_TAG_MASK ((UINT64_C(1) << 21) - 1)

/* One cache line at least per worker, and the counters of the timed loop
 * kept in a local copy: workers in one array would otherwise write the same
 * lines on every operation (false sharing that halved 2-thread throughput). */
struct worker {
    _Alignas(64) const struct lfb_run_spec *spec;
    void *map;
    unsigned index;
    pthread_barrier_t *start;
    atomic_bool *stop;
    atomic_uint *finished;
    struct lfb_thread_result res;
    struct histogram *rh, *wh;
    uint64_t t_begin, t_end;
    pthread_t tid;
};

static uint64_t value_of(uint64_t key, uint64_t i)
{
    return key | ((i & LFB_VALUE_TAG_MASK) << LFB_VALUE_TAG_SHIFT);
}

/* One operation; returns whether it was a write. */
static inline bool do_op(const struct lfb_map_ops *ops, void *m, uint64_t e, uint64_t i,
                         struct lfb_counts *c)
{
    uint64_t key = lfb_key_from(e), v;
    switch (lfb_op_of(e)) {
    case LFB_OP_GET:
        c->reads++;
        c->read_hits += ops->get(m, key, &v);
        return false;
    case LFB_OP_INSERT:
        c->writes++;
        if (ops->insert(m, key, value_of(key, i))) {
            c->writes_effective++;
            c->added++;
        }
        return true;
    case LFB_OP_REMOVE:
        c->writes++;
        if (ops->remove(m, key)) {
            c->writes_effective++;
            c->removed++;
        }
        return true;
    case LFB_OP_PUT:
        c->writes++;
        c->writes_effective++; /* a put always sets the value */
        c->added += ops->put(m, key, value_of(key, i));
        return true;
    case LFB_OP_CAS_INC:
        c->writes++;
        if (ops->get(m, key, &v)) {
            uint64_t next = v + 1 < LFB_VALUE_LIMIT ? v + 1 : 0;
            c->writes_effective += ops->cas(m, key, v, next);
        } else if (ops->insert(m, key, 0)) {
            c->writes_effective++;
            c->added++;
        }
        return true;
    case LFB_OP_REINSERT:
        /* remove-then-reinsert: two writes, timed together */
        c->writes += 2;
        if (ops->remove(m, key)) {
            c->writes_effective++;
            c->removed++;
        }
        if (ops->insert(m, key, value_of(key, i))) {
            c->writes_effective++;
            c->added++;
        }
        c->ops++; /* the pair counts as two operations */
        return true;
    }
    return false;
}

static void worker_begin(struct worker *wk)
{
    const struct lfb_run_spec *s = wk->spec;
    lfb_pin_self(s->cpus[wk->index]);
    lfb_mempolicy_apply(s->mem);
    if (s->ops->thread_enter)
        s->ops->thread_enter(wk->map);
    lfb_lock_profile_take(); /* start from zero */
    pthread_barrier_wait(wk->start);
    wk->t_begin = bench_now_ns();
}

static void worker_end(struct worker *wk)
{
    wk->t_end = bench_now_ns();
    wk->res.lock = lfb_lock_profile_take();
    wk->res.elapsed_s = (double)(wk->t_end - wk->t_begin) / 1e9;
    if (wk->spec->ops->thread_exit)
        wk->spec->ops->thread_exit(wk->map);
    atomic_fetch_add(wk->finished, 1);
}

static void sample(struct histogram *h, uint64_t t0, uint64_t overhead)
{
    uint64_t d = bench_now_ns() - t0;
    hist_record(h, d > overhead ? d - overhead : 0);
}

static void *mixed_worker(void *arg)
{
    struct worker *wk = arg;
    const struct lfb_run_spec *s = wk->spec;
    const struct lfb_map_ops *ops = s->ops;
    const uint64_t *stream = s->streams[wk->index];
    size_t mask = s->stream_len - 1;
    struct lfb_counts counts = wk->res.c, *c = &counts;
    unsigned until_sample = s->sample_every;
    worker_begin(wk);
    for (uint64_t i = 0;; i++) {
        if (i % LFB_STOP_CHECK_EVERY == 0 && atomic_load_explicit(wk->stop, memory_order_relaxed))
            break;
        uint64_t e = stream[i & mask];
        c->ops++;
        if (until_sample && --until_sample == 0) {
            until_sample = s->sample_every;
            uint64_t t0 = bench_now_ns();
            bool w = do_op(ops, wk->map, e, i, c);
            sample(w ? wk->wh : wk->rh, t0, s->timer_interval_ns);
        } else {
            do_op(ops, wk->map, e, i, c);
        }
    }
    wk->res.c = counts;
    worker_end(wk);
    return NULL;
}

/* Bulkload: thread t inserts key indices t, t + T, t + 2T, ... < N. */
static void *bulk_worker(void *arg)
{
    struct worker *wk = arg;
    const struct lfb_run_spec *s = wk->spec;
    const struct lfb_map_ops *ops = s->ops;
    struct lfb_counts counts = wk->res.c, *c = &counts;
    unsigned until_sample = s->sample_every;
    worker_begin(wk);
    uint64_t n = s->w->initial;
    for (uint64_t idx = wk->index, i = 0; idx < n; idx += s->threads, i++) {
        if (i % LFB_STOP_CHECK_EVERY == 0 && atomic_load_explicit(wk->stop, memory_order_relaxed))
            break;
        uint64_t e = lfb_pack(LFB_OP_INSERT, lfb_key_of(s->perm, idx));
        c->ops++;
        if (until_sample && --until_sample == 0) {
            until_sample = s->sample_every;
            uint64_t t0 = bench_now_ns();
            do_op(ops, wk->map, e, i, c);
            sample(wk->wh, t0, s->timer_interval_ns);
        } else {
            do_op(ops, wk->map, e, i, c);
        }
    }
    wk->res.c = counts;
    worker_end(wk);
    return NULL;
}

static void sleep_ns(uint64_t ns)
{
    struct timespec ts = {(time_t)(ns / 1000000000u), (long)(ns % 1000000000u)};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
        ;
}

static void add_counts(struct lfb_counts *to, const struct lfb_counts *from)
{
    to->ops += from->ops;
    to->reads += from->reads;
    to->read_hits += from->read_hits;
    to->writes += from->writes;
    to->writes_effective += from->writes_effective;
    to->added += from->added;
    to->removed += from->removed;
}

/* Prefill on the calling thread under the run's memory policy. */
static int prefill(const struct lfb_run_spec *s, void *m, uint64_t *loaded, struct lfcli_err *err)
{
    const struct lfb_map_ops *ops = s->ops;
    bool (*load)(void *, uint64_t, uint64_t) = ops->load ? ops->load : ops->insert;
    uint64_t n = s->w->kind == LFB_KIND_BULKLOAD ? 0 : s->w->initial;
    for (uint64_t i = 0; i < n; i++) {
        uint64_t key = lfb_key_of(s->perm, i);
        if (!load(m, key, value_of(key, 0)))
            return lfcli_fail(err, "%s: prefill: key %llu was present already", ops->name,
                              (unsigned long long)key);
    }
    *loaded = n;
    return 0;
}

int lfb_run(const struct lfb_run_spec *s, struct lfb_run_result *out, struct lfcli_err *err)
{
    memset(out, 0, sizeof *out);
    const struct lfb_map_ops *ops = s->ops;
    bool bulk = s->w->kind == LFB_KIND_BULKLOAD;
    out->per_thread = calloc(s->threads, sizeof *out->per_thread);
    out->read_hist = malloc(sizeof *out->read_hist);
    out->write_hist = malloc(sizeof *out->write_hist);
    struct worker *wk = aligned_alloc(64, s->threads * sizeof *wk);
    if (wk)
        memset(wk, 0, s->threads * sizeof *wk);
    if (!out->per_thread || !out->read_hist || !out->write_hist || !wk) {
        free(wk);
        return lfcli_fail(err, "out of memory");
    }
    hist_reset(out->read_hist);
    hist_reset(out->write_hist);

    lfb_mempolicy_apply(s->mem);
    lfb_mem_sample(&out->mem_before);
    struct lfb_map_config cfg = {
        .capacity = bulk ? (s->presized ? s->w->initial : 0) : s->w->initial,
        .seed = s->map_seed,
        .threads = s->threads,
    };
    void *m = ops->create(&cfg);
    if (!m) {
        free(wk);
        return lfcli_fail(err, "%s: create failed (capacity %zu)", ops->name, cfg.capacity);
    }
    if (ops->thread_enter)
        ops->thread_enter(m);
    uint64_t t0 = bench_now_ns();
    int rc = prefill(s, m, &out->prefilled, err);
    out->prefill_s = (double)(bench_now_ns() - t0) / 1e9;
    if (ops->thread_exit)
        ops->thread_exit(m);
    lfb_mem_sample(&out->mem_prefilled);

    if (rc != 0) {
        ops->destroy(m);
        free(wk);
        return rc;
    }

    pthread_barrier_t start;
    atomic_bool stop;
    atomic_uint finished;
    atomic_init(&stop, false);
    atomic_init(&finished, 0);
    pthread_barrier_init(&start, NULL, s->threads + 1);
    for (unsigned t = 0; t < s->threads; t++) {
        wk[t] = (struct worker){.spec = s, .map = m, .index = t, .start = &start, .stop = &stop,
                                .finished = &finished};
        wk[t].rh = malloc(sizeof *wk[t].rh);
        wk[t].wh = malloc(sizeof *wk[t].wh);
        /* Workers already wait on the barrier, which cannot shrink: a
         * failure here cannot be unwound, so it ends the program. */
        if (wk[t].rh && wk[t].wh) {
            hist_reset(wk[t].rh);
            hist_reset(wk[t].wh);
        }
        if (!wk[t].rh || !wk[t].wh ||
            pthread_create(&wk[t].tid, NULL, bulk ? bulk_worker : mixed_worker, &wk[t]) != 0) {
            fprintf(stderr, "lfbench: cannot start worker %u of %u (out of memory?)\n", t, s->threads);
            exit(EXIT_FAILURE);
        }
    }
    pthread_barrier_wait(&start);
    uint64_t begin = bench_now_ns();
    uint64_t deadline = begin + (uint64_t)(s->duration_s * 1e9);
    if (bulk) {
        while (atomic_load(&finished) < s->threads && bench_now_ns() < deadline)
            sleep_ns(LFB_BULK_POLL_NS);
    } else {
        sleep_ns(deadline - begin);
    }
    atomic_store(&stop, true);
    /* Timed from the first worker's start to the last one's end, as the
     * workers saw them: a small bulk load can finish before this thread
     * even reads the clock after the barrier. */
    uint64_t first_begin = UINT64_MAX, last_end = 0;
    for (unsigned t = 0; t < s->threads; t++) {
        pthread_join(wk[t].tid, NULL);
        if (wk[t].t_begin < first_begin)
            first_begin = wk[t].t_begin;
        if (wk[t].t_end > last_end)
            last_end = wk[t].t_end;
    }
    out->wall_s = last_end > first_begin ? (double)(last_end - first_begin) / 1e9 : 0.0;

    for (unsigned t = 0; t < s->threads; t++) {
        out->per_thread[t] = wk[t].res;
        add_counts(&out->c, &wk[t].res.c);
        out->lock.acquisitions += wk[t].res.lock.acquisitions;
        out->lock.contended += wk[t].res.lock.contended;
        out->lock.wait_ns += wk[t].res.lock.wait_ns;
        hist_merge(out->read_hist, wk[t].rh);
        hist_merge(out->write_hist, wk[t].wh);
    }
    for (unsigned t = 0; t < s->threads; t++) {
        free(wk[t].rh);
        free(wk[t].wh);
    }
    out->completed = !bulk || out->c.added == s->w->initial;

    if (ops->thread_enter)
        ops->thread_enter(m);
    ops->stats(m, &out->map_stats);
    lfb_mem_sample(&out->mem_end);
    ops->destroy(m);
    if (ops->thread_exit)
        ops->thread_exit(m);
    lfb_mempolicy_apply(&(struct lfb_mempolicy){LFB_MEM_FIRST_TOUCH, 0});
    pthread_barrier_destroy(&start);
    free(wk);
    return rc;
}

void lfb_run_result_free(struct lfb_run_result *r)
{
    free(r->per_thread);
    free(r->read_hist);
    free(r->write_hist);
    r->per_thread = NULL;
    r->read_hist = r->write_hist = NULL;
}
