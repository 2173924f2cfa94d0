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
 * to cost nothing, often enough (~10 us) that threads stop together.  The
 * same period as LFB_QUIESCENT_EVERY (runner.h), checked by one test. */
#define LFB_STOP_CHECK_EVERY LFB_QUIESCENT_EVERY
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
    case LFB_OP_PUT_REMOVE:
        /* store-then-load-and-delete: two writes, timed together */
        c->writes += 2;
        c->writes_effective++; /* a put always sets the value */
        c->added += ops->put(m, key, value_of(key, i));
        if (ops->remove(m, key)) {
            c->writes_effective++;
            c->removed++;
        }
        c->ops++; /* the pair counts as two operations */
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
    uint64_t limit = s->ops_limit ? s->ops_limit : UINT64_MAX;
    /* Byte keys: the key set stands in for keys a program has at hand (in
     * its cache), so its slots are fetched ahead and their misses are not
     * charged to the map (bytekeys.h).  NULL for the uint64_t maps. */
    const unsigned char *arena = s->prefetch_keys ? lfb_keys.arena : NULL;
    size_t stride = lfb_keys.stride;
    worker_begin(wk);
    void (*quiescent)(void *) = ops->quiescent;
    for (uint64_t i = 0; i < limit; i++) {
        if (i % LFB_STOP_CHECK_EVERY == 0) {
            if (atomic_load_explicit(wk->stop, memory_order_relaxed))
                break;
            if (quiescent)
                quiescent(wk->map);
        }
        if (arena)
            lfb_key_prefetch(arena, stride, lfb_key_from(stream[(i + LFB_KEY_PREFETCH_AHEAD) & mask]));
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

/* Bulkload: thread t inserts key indices t, t + T, t + 2T, ... < N
 * (lfb_bulk_entry). */
static void *bulk_worker(void *arg)
{
    struct worker *wk = arg;
    const struct lfb_run_spec *s = wk->spec;
    const struct lfb_map_ops *ops = s->ops;
    struct lfb_counts counts = wk->res.c, *c = &counts;
    unsigned until_sample = s->sample_every;
    worker_begin(wk);
    uint64_t n = s->w->initial, e;
    for (uint64_t i = 0; (e = lfb_bulk_entry(s->perm, n, wk->index, s->threads, i)) != 0; i++) {
        if (i % LFB_STOP_CHECK_EVERY == 0) {
            if (atomic_load_explicit(wk->stop, memory_order_relaxed))
                break;
            if (ops->quiescent)
                ops->quiescent(wk->map);
        }
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

/* Churn (workload.h, lfb_churn): the fill and drain cycles of this
 * thread's own keys, and uniform reads. */
static void *churn_worker(void *arg)
{
    struct worker *wk = arg;
    const struct lfb_run_spec *s = wk->spec;
    const struct lfb_map_ops *ops = s->ops;
    struct lfb_counts counts = wk->res.c, *c = &counts;
    unsigned until_sample = s->sample_every;
    struct lfb_churn gen;
    lfb_churn_init(&gen, s->w, s->perm, s->stream_seed, wk->index, s->threads);
    uint64_t limit = s->ops_limit ? s->ops_limit : UINT64_MAX;
    worker_begin(wk);
    for (uint64_t i = 0; i < limit; i++) {
        if (i % LFB_STOP_CHECK_EVERY == 0) {
            if (atomic_load_explicit(wk->stop, memory_order_relaxed))
                break;
            if (ops->quiescent)
                ops->quiescent(wk->map);
        }
        uint64_t e = lfb_churn_next(&gen);
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

/* ---- the memory monitor and the stalled reader --------------------------- */

struct monitor_ctx {
    const struct lfb_run_spec *spec;
    void *map;
    uint64_t begin_ns;            /* the start barrier */
    atomic_bool workers_done;     /* the workers have stopped */
    atomic_uint_least64_t stopped_ns;
    struct lfb_monitor *out;
    size_t capacity;              /* of out->series */
    pthread_t tid;
};

static void monitor_sample(struct monitor_ctx *mc, struct lfb_mem_point *pt)
{
    const struct lfb_map_ops *ops = mc->spec->ops;
    struct lfb_map_stats st;
    memset(&st, 0, sizeof st);
    st.retired_bytes = st.retired_values = st.resizes = -1;
    st.size = -1;
    void (*read)(void *, struct lfb_map_stats *) = ops->sample ? ops->sample
                                                   : ops->stats_concurrent ? ops->stats : NULL;
    /* Registered only while it samples: a thread registered with urcu-qsbr
     * that sleeps would hold back every grace period. */
    if (read) {
        if (ops->thread_enter)
            ops->thread_enter(mc->map);
        read(mc->map, &st);
        if (ops->quiescent)
            ops->quiescent(mc->map);
        if (ops->thread_exit)
            ops->thread_exit(mc->map);
    }
    struct lfb_mem m;
    lfb_mem_rss(&m);
    pt->t_s = (double)(bench_now_ns() - mc->begin_ns) / 1e9;
    pt->retired_bytes = st.retired_bytes;
    pt->retired_values = st.retired_values;
    pt->rss = m.rss_bytes;
    pt->resizes = st.resizes;
    pt->size = st.size;
}

static void monitor_keep(struct monitor_ctx *mc, const struct lfb_mem_point *pt)
{
    struct lfb_monitor *o = mc->out;
    o->samples++;
    if (pt->retired_bytes > o->peak_retired_bytes)
        o->peak_retired_bytes = pt->retired_bytes;
    if (pt->retired_values > o->peak_retired_values)
        o->peak_retired_values = pt->retired_values;
    if (pt->rss > o->peak_rss)
        o->peak_rss = pt->rss;
    if (o->series && o->nseries < mc->capacity)
        o->series[o->nseries++] = *pt;
}

static void sleep_ns(uint64_t ns);

static void *monitor_thread(void *arg)
{
    struct monitor_ctx *mc = arg;
    const struct lfb_run_spec *s = mc->spec;
    uint64_t interval = (uint64_t)(mc->out->interval_ms * 1e6);
    uint64_t next = mc->begin_ns;
    for (;;) {
        bool done = atomic_load(&mc->workers_done);
        struct lfb_mem_point pt;
        monitor_sample(mc, &pt);
        monitor_keep(mc, &pt);
        if (done) {
            /* After the run: until nothing is pending, or LFB_DRAIN_WAIT_S. */
            double stopped = (double)(atomic_load(&mc->stopped_ns) - mc->begin_ns) / 1e9;
            mc->out->drain_waited_s = pt.t_s - stopped;
            if (pt.retired_bytes <= 0 && pt.retired_values <= 0) {
                mc->out->drained_s = pt.t_s;
                break;
            }
            if (!s->timeseries || pt.t_s - stopped >= LFB_DRAIN_WAIT_S)
                break;
        }
        next += interval;
        uint64_t now = bench_now_ns();
        if (next > now)
            sleep_ns(next - now);
        else
            next = now; /* a slow sample: no burst to catch up */
    }
    return NULL;
}

struct stall_ctx {
    const struct lfb_run_spec *spec;
    void *map;
    pthread_barrier_t *start;
    uint64_t begin_ns_hint;
    uint64_t entered_ns, left_ns;
    pthread_t tid;
};

/* The stalled reader: registered like a worker, it enters a read-side
 * section at the start barrier, gets a prefilled key inside it (under
 * hazard pointers the protection covers what was got), and sleeps there for
 * stall_s; it never passes a quiescent state meanwhile. */
static void *stall_thread(void *arg)
{
    struct stall_ctx *sc = arg;
    const struct lfb_run_spec *s = sc->spec;
    const struct lfb_map_ops *ops = s->ops;
    if (ops->thread_enter)
        ops->thread_enter(sc->map);
    pthread_barrier_wait(sc->start);
    ops->read_lock(sc->map);
    sc->entered_ns = bench_now_ns();
    uint64_t v;
    if (s->w->initial)
        (void)ops->get(sc->map, lfb_key_of(s->perm, 0), &v);
    sleep_ns((uint64_t)(s->stall_s * 1e9));
    sc->left_ns = bench_now_ns();
    ops->read_unlock(sc->map);
    if (ops->quiescent)
        ops->quiescent(sc->map);
    if (ops->thread_exit)
        ops->thread_exit(sc->map);
    return NULL;
}

int lfb_prefill(const struct lfb_map_ops *ops, void *m, const struct lfb_perm *perm, uint64_t n,
                struct lfcli_err *err)
{
    bool (*load)(void *, uint64_t, uint64_t) = ops->load ? ops->load : ops->insert;
    for (uint64_t i = 0; i < n; i++) {
        if (ops->quiescent && i % LFB_QUIESCENT_EVERY == 0)
            ops->quiescent(m);
        uint64_t key = lfb_key_of(perm, i);
        if (!load(m, key, value_of(key, 0)))
            return lfcli_fail(err, "%s: prefill: key %llu was present already", ops->name,
                              (unsigned long long)key);
    }
    return 0;
}

/* --warmup: the prefilling thread replays stream 0 for warmup_s seconds,
 * untimed, so that the timed run starts from the map's steady state.  Its
 * counts go to *c, for the size check only. */
static void warm_up(const struct lfb_run_spec *s, void *m, struct lfb_counts *c)
{
    const struct lfb_map_ops *ops = s->ops;
    size_t mask = s->stream_len - 1;
    uint64_t end = bench_now_ns() + (uint64_t)(s->warmup_s * 1e9);
    for (uint64_t i = 0;; i++) {
        if (i % LFB_STOP_CHECK_EVERY == 0) {
            if (bench_now_ns() >= end)
                break;
            if (ops->quiescent)
                ops->quiescent(m);
        }
        c->ops++;
        do_op(ops, m, s->streams[0][i & mask], i, c);
    }
}

size_t lfb_run_capacity(const struct lfb_workload *w, bool presized)
{
    if (w->kind == LFB_KIND_BULKLOAD)
        return presized ? w->initial : 0;
    if (w->kind == LFB_KIND_HOTKEYS_CHURN && w->empty)
        return w->hot_keys; /* the most keys it ever holds */
    return w->initial;
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
        .capacity = lfb_run_capacity(s->w, s->presized),
        .seed = s->map_seed,
        .threads = s->threads,
        .scheme = s->scheme,
        .lock_kind = s->lock_kind,
    };
    struct lfb_value_counts vc0;
    if (s->pointer_values)
        ops->value_counts(&vc0);
    void *m = ops->create(&cfg);
    if (!m) {
        free(wk);
        return lfcli_fail(err, "%s: create failed (capacity %zu)", ops->name, cfg.capacity);
    }
    if (ops->thread_enter)
        ops->thread_enter(m);
    uint64_t t0 = bench_now_ns();
    int rc = lfb_prefill(ops, m, s->perm, s->w->prefill, err);
    out->prefilled = rc == 0 ? s->w->prefill : 0;
    out->prefill_s = (double)(bench_now_ns() - t0) / 1e9;
    if (rc == 0 && s->warmup_s > 0 && s->streams && s->streams[0])
        warm_up(s, m, &out->warmup);
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
    bool stalled = s->stall_s > 0 && ops->read_lock && ops->read_unlock;
    pthread_barrier_init(&start, NULL, s->threads + 1 + (stalled ? 1 : 0));
    for (unsigned t = 0; t < s->threads; t++) {
        wk[t] = (struct worker){.spec = s, .map = m, .index = t, .start = &start, .stop = &stop,
                                .finished = &finished};
        wk[t].rh = malloc(sizeof *wk[t].rh);
        wk[t].wh = malloc(sizeof *wk[t].wh);
        if (!wk[t].rh || !wk[t].wh) {
            fputs("lfbench: out of memory for the latency histograms\n", stderr);
            exit(EXIT_FAILURE);
        }
        hist_reset(wk[t].rh);
        hist_reset(wk[t].wh);
    }
    /* From here on every allocation is the map's (or its threads'): the
     * harness allocates nothing until the workers are joined. */
    int64_t allocs_before = lfb_mem_allocations();
    for (unsigned t = 0; t < s->threads; t++) {
        void *(*fn)(void *) = bulk ? bulk_worker : s->w->kind == LFB_KIND_CHURN ? churn_worker : mixed_worker;
        /* Workers already wait on the barrier, which cannot shrink: a
         * failure here cannot be unwound, so it ends the program. */
        if (pthread_create(&wk[t].tid, NULL, fn, &wk[t]) != 0) {
            fprintf(stderr, "lfbench: cannot start worker %u of %u (out of memory?)\n", t, s->threads);
            exit(EXIT_FAILURE);
        }
    }
    struct stall_ctx sc = {.spec = s, .map = m, .start = &start};
    if (stalled && pthread_create(&sc.tid, NULL, stall_thread, &sc) != 0) {
        fputs("lfbench: cannot start the stalled reader\n", stderr);
        exit(EXIT_FAILURE);
    }
    pthread_barrier_wait(&start);
    uint64_t begin = bench_now_ns();
    uint64_t deadline = begin + (uint64_t)(s->duration_s * 1e9);
    /* The memory monitor, from the start barrier on. */
    struct lfb_monitor *mon = &out->monitor;
    mon->interval_ms = s->monitor_ms > 0 ? s->monitor_ms : LFB_MONITOR_MS_DEFAULT;
    mon->peak_retired_bytes = mon->peak_retired_values = mon->peak_rss = -1;
    mon->drained_s = -1;
    struct monitor_ctx mc = {.spec = s, .map = m, .begin_ns = begin, .out = mon};
    atomic_init(&mc.workers_done, false);
    atomic_init(&mc.stopped_ns, 0);
    if (s->timeseries) {
        mc.capacity = (size_t)((s->duration_s + LFB_DRAIN_WAIT_S) * 1e3 / mon->interval_ms) + 64;
        mon->series = calloc(mc.capacity, sizeof *mon->series);
        if (!mon->series)
            mc.capacity = 0;
    }
    bool monitoring = pthread_create(&mc.tid, NULL, monitor_thread, &mc) == 0;
    if (bulk || s->ops_limit) {
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
    int64_t allocs_after = lfb_mem_allocations();
    out->allocations = allocs_before >= 0 && allocs_after >= allocs_before ? allocs_after - allocs_before : -1;
    if (stalled) {
        pthread_join(sc.tid, NULL);
        /* The reader may pass the barrier before this thread reads the clock. */
        out->stall.entered_s = (double)(int64_t)(sc.entered_ns - begin) / 1e9;
        out->stall.left_s = (double)(int64_t)(sc.left_ns - begin) / 1e9;
    }
    uint64_t stopped = bench_now_ns();
    mon->workers_stopped_s = (double)(stopped - begin) / 1e9;
    atomic_store(&mc.stopped_ns, stopped);
    atomic_store(&mc.workers_done, true);
    if (monitoring)
        pthread_join(mc.tid, NULL);

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
    out->map_stats.retired_bytes = out->map_stats.retired_values = out->map_stats.resizes = -1;
    ops->stats(m, &out->map_stats);
    const struct lfb_cache_ops *cache = lfb_cache_ops_of(ops);
    if (cache) {
        cache->counters(m, &out->cache);
        out->cache_counted = true;
    }
    lfb_mem_sample(&out->mem_end);
    ops->destroy(m);
    if (ops->thread_exit)
        ops->thread_exit(m);
    if (s->pointer_values) {
        struct lfb_value_counts vc1;
        ops->value_counts(&vc1);
        out->values.counted = true;
        out->values.allocated = vc1.allocated - vc0.allocated;
        out->values.freed = vc1.freed - vc0.freed;
    }
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
    free(r->monitor.series);
    r->monitor.series = NULL;
    r->per_thread = NULL;
    r->read_hist = r->write_hist = NULL;
}
