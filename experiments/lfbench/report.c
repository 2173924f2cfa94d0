/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* JSON-lines records, see report.h and experiments/RESULTS-SCHEMA.md. */
#include "report.h"

#include <inttypes.h>

#include "bench_env.h"
#include "bytekeys.h"

#define LFB_SCHEMA "lfbench/1"

double lfb_throughput_mops(const struct lfb_run_result *r)
{
    return r->wall_s > 0 ? (double)r->c.ops / r->wall_s / 1e6 : 0;
}

static void json_double(FILE *f, double v)
{
    if (v < 0)
        fputs("null", f);
    else
        fprintf(f, "%.6g", v);
}

static void json_i64(FILE *f, int64_t v)
{
    if (v < 0)
        fputs("null", f);
    else
        fprintf(f, "%" PRId64, v);
}

static void latency(FILE *f, const struct histogram *h)
{
    if (h->count == 0) {
        fputs("null", f);
        return;
    }
    fprintf(f, "{\"samples\":%" PRIu64 ",\"mean\":%.1f,\"p50\":%" PRIu64 ",\"p90\":%" PRIu64
               ",\"p99\":%" PRIu64 ",\"p99_9\":%" PRIu64 ",\"max\":%" PRIu64 "}",
            h->count, hist_mean(h), hist_percentile(h, 50), hist_percentile(h, 90),
            hist_percentile(h, 99), hist_percentile(h, 99.9), h->max);
}

static void mem(FILE *f, const struct lfb_mem *m)
{
    fputs("{\"rss\":", f);
    json_i64(f, m->rss_bytes);
    fputs(",\"allocated\":", f);
    json_i64(f, m->allocated_bytes);
    fputs(",\"active\":", f);
    json_i64(f, m->active_bytes);
    fputc('}', f);
}

/* The memory probe's result (memprobe.h), or null. */
static void held(FILE *f, const struct lfb_held *h)
{
    if (!h || !h->measured) {
        fputs("null", f);
        return;
    }
    fprintf(f, "{\"method\":\"fresh-process-anon-rss\",\"keys\":%" PRIu64 ",\"threads\":%u,\"bytes\":%" PRId64
               ",\"bytes_per_key\":%.6g,\"allocator_bytes\":",
            h->keys, h->threads, h->bytes, h->keys ? (double)h->bytes / (double)h->keys : 0.0);
    json_i64(f, h->allocator_bytes);
    fprintf(f, ",\"anon_before\":%" PRId64 "}", h->anon_before);
}

/* Caches: hit ratio, what the cache holds and dropped, and the memory
 * probe per entry; null for the maps. */
static void cache_result(FILE *f, const struct lfb_record_ctx *ctx, const struct lfb_run_result *r)
{
    if (!r->cache_counted) {
        fputs(",\"cache_result\":null", f);
        return;
    }
    fputs(",\"cache_result\":{\"hit_ratio\":", f);
    if (r->c.reads)
        fprintf(f, "%.6g", (double)r->c.read_hits / (double)r->c.reads);
    else
        fputs("null", f);
    fprintf(f, ",\"entries\":%" PRIu64 ",\"evicted\":%" PRIu64 ",\"expired\":%" PRIu64, r->cache.entries,
            r->cache.evicted, r->cache.expired);
    const struct lfb_held *h = ctx->held;
    /* The probe loads -i entries; bytes per entry divide by them (a cache
     * bounded by bytes, segring, may hold fewer: its map_config says). */
    fputs(",\"held_bytes_per_entry\":", f);
    if (h && h->measured && h->keys)
        fprintf(f, "%.6g", (double)h->bytes / (double)h->keys);
    else
        fputs("null", f);
    fputs(",\"allocator_bytes_per_entry\":", f);
    if (h && h->measured && h->keys && h->allocator_bytes >= 0)
        fprintf(f, "%.6g", (double)h->allocator_bytes / (double)h->keys);
    else
        fputs("null", f);
    fputc('}', f);
}

static void common_head(FILE *f, const struct lfb_record_ctx *ctx, const char *map)
{
    fprintf(f, "{\"schema\":\"%s\",\"lang\":\"c\",\"status\":", LFB_SCHEMA);
    bench_json_str(f, ctx->status);
    fputs(",\"map\":", f);
    bench_json_str(f, map);
    fputs(",\"series\":", f);
    bench_json_str(f, ctx->series ? ctx->series : map);
    fprintf(f, ",\"seed\":%" PRIu64 ",\"repeat_index\":%u,\"repeat_count\":%u", ctx->seed,
            ctx->repeat_index, ctx->repeat_count);
    fputs(",\"allocator\":", f);
    bench_json_str(f, ctx->allocator);
    fputs(",\"pin\":", f);
    bench_json_str(f, ctx->pin);
    fputs(",\"mem_policy\":", f);
    bench_json_str(f, ctx->mem);
    fprintf(f, ",\"profile_locks\":%s", ctx->profile_locks ? "true" : "false");
}

static void common_tail(FILE *f, const struct lfb_record_ctx *ctx)
{
    fprintf(f, ",\"libs\":%s,\"env\":%s}\n", ctx->lib_versions, ctx->env_json ? ctx->env_json : "null");
    fflush(f);
}

void lfb_write_skip(FILE *f, const struct lfb_record_ctx *ctx, const char *map, const char *why)
{
    common_head(f, ctx, map);
    fputs(",\"reason\":", f);
    bench_json_str(f, why);
    common_tail(f, ctx);
}

void lfb_write_record(FILE *f, const struct lfb_record_ctx *ctx, const struct lfb_run_spec *s,
                      const struct lfb_run_result *r)
{
    const struct lfb_workload *w = s->w;
    common_head(f, ctx, s->ops->name);
    fprintf(f, ",\"map_config\":%s", r->map_stats.config[0] ? r->map_stats.config : "{}");
    fputs(",\"scheme\":", f);
    if (r->map_stats.scheme[0])
        bench_json_str(f, r->map_stats.scheme);
    else
        fputs("null", f);
    fputs(",\"lock_kind\":", f);
    bench_json_str(f, s->lock_kind ? lfb_lock_kind_names[s->lock_kind] : NULL);
    fputs(",\"workload\":{\"name\":", f);
    bench_json_str(f, w->name);
    bool hot = w->kind == LFB_KIND_HOTKEYS || w->kind == LFB_KIND_HOTKEYS_CHURN;
    fprintf(f, ",\"kind\":\"%s\",\"update_pct\":%.6g,\"write_mix\":\"%s\",\"dist\":\"%s\",\"zipf_s\":",
            lfb_kind_names[w->kind],
            w->update_pct, w->cache ? "get-then-set-on-miss" :
                           w->kind == LFB_KIND_MIXED ? lfb_mix_names[w->mix] :
                           w->kind == LFB_KIND_HOTKEYS ? "remove-then-reinsert" :
                           w->kind == LFB_KIND_HOTKEYS_CHURN ? "store-then-load-and-delete" :
                           w->kind == LFB_KIND_CHURN ? "fill-drain" : "insert",
            w->kind == LFB_KIND_MIXED ? lfb_dist_names[w->dist] : "uniform");
    if (w->kind == LFB_KIND_MIXED && w->dist == LFB_DIST_ZIPF)
        fprintf(f, "%.6g", w->zipf_s);
    else
        fputs("null", f);
    fprintf(f, ",\"initial\":%" PRIu64 ",\"prefill\":%" PRIu64 ",\"range\":%" PRIu64 ",\"hot_keys\":",
            w->initial, w->prefill, w->range);
    if (hot)
        fprintf(f, "%" PRIu64, w->hot_keys);
    else
        fputs("null", f);
    fprintf(f, ",\"presized\":%s", w->kind == LFB_KIND_BULKLOAD ? (s->presized ? "true" : "false") : "null");
    fprintf(f, ",\"values\":\"%s\",\"capacity\":%zu", s->pointer_values ? "pointer" : "int",
            lfb_run_capacity(w, s->presized));
    lfb_keys_json(f, s->ops); /* "keys" and "cache": what the keys and values are */
    fputc('}', f);

    fprintf(f, ",\"threads\":%u,\"cpus\":[", s->threads);
    for (unsigned t = 0; t < s->threads; t++)
        fprintf(f, "%s%d", t ? "," : "", s->cpus[t]);
    fprintf(f, "],\"duration_s\":%.6g,\"ops_limit\":", s->duration_s);
    if (s->ops_limit)
        fprintf(f, "%" PRIu64, s->ops_limit);
    else
        fputs("null", f);
    fprintf(f, ",\"wall_s\":%.6f,\"prefill_s\":%.6f,\"completed\":%s,\"stream_len\":", r->wall_s, r->prefill_s,
            r->completed ? "true" : "false");
    if (s->streams && s->streams[0])
        fprintf(f, "%zu", s->stream_len);
    else
        fputs("null", f);
    fprintf(f, ",\"warmup_s\":%.6g", s->warmup_s);

    const struct lfb_counts *c = &r->c;
    fprintf(f, ",\"ops\":{\"total\":%" PRIu64 ",\"reads\":%" PRIu64 ",\"read_hits\":%" PRIu64
               ",\"writes_attempted\":%" PRIu64 ",\"writes_effective\":%" PRIu64
               ",\"keys_added\":%" PRIu64 ",\"keys_removed\":%" PRIu64 "}",
            c->ops, c->reads, c->read_hits, c->writes, c->writes_effective, c->added, c->removed);
    double ops = c->ops ? (double)c->ops : 1;
    fprintf(f, ",\"update_rate_attempted_pct\":%.4f,\"update_rate_effective_pct\":%.4f",
            100.0 * (double)c->writes / ops, 100.0 * (double)c->writes_effective / ops);
    fputs(",\"allocs_per_op\":", f);
    if (r->allocations >= 0 && c->ops)
        fprintf(f, "%.6g", (double)r->allocations / (double)c->ops);
    else
        fputs("null", f);
    fprintf(f, ",\"throughput_mops\":%.6f,\"per_thread_mops\":[", lfb_throughput_mops(r));
    for (unsigned t = 0; t < s->threads; t++) {
        const struct lfb_thread_result *pt = &r->per_thread[t];
        fprintf(f, "%s%.6f", t ? "," : "",
                pt->elapsed_s > 0 ? (double)pt->c.ops / pt->elapsed_s / 1e6 : 0.0);
    }
    fputs("]", f);

    double per_thread_ns = c->ops ? r->wall_s * 1e9 * s->threads / (double)c->ops : 0;
    fprintf(f, ",\"latency_ns\":{\"sample_every\":%u,\"timer\":\"clock_gettime(CLOCK_MONOTONIC)\","
               "\"timer_call_ns\":%.1f,\"timer_interval_subtracted_ns\":%" PRIu64
               ",\"est_sampling_overhead_pct\":",
            ctx->sample_every, ctx->timer_call_ns, ctx->timer_interval_ns);
    /* Each sampled op pays two clock reads: their share of the run time. */
    if (ctx->sample_every && per_thread_ns > 0)
        fprintf(f, "%.3f", 100.0 * 2 * ctx->timer_call_ns / (ctx->sample_every * per_thread_ns));
    else
        fputs("null", f);
    fputs(",\"read\":", f);
    latency(f, r->read_hist);
    fputs(",\"write\":", f);
    latency(f, r->write_hist);
    fputc('}', f);

    int64_t size = r->map_stats.size;
    int64_t warmed = (int64_t)r->warmup.added - (int64_t)r->warmup.removed;
    int64_t expected = (int64_t)(r->prefilled + c->added - c->removed) + warmed;
    fprintf(f, ",\"size\":{\"prefilled\":%" PRIu64 ",\"warmup_ops\":%" PRIu64 ",\"warmup_net\":%" PRId64
               ",\"final\":%" PRId64, r->prefilled, r->warmup.ops, warmed, size);
    /* A cache evicts and sets inside its gets: nothing to conserve. */
    if (r->cache_counted)
        fputs(",\"expected\":null,\"conserved\":null}", f);
    else
        fprintf(f, ",\"expected\":%" PRId64 ",\"conserved\":%s}", expected, size == expected ? "true" : "false");

    fputs(",\"memory\":{\"before\":", f);
    mem(f, &r->mem_before);
    fputs(",\"prefilled\":", f);
    mem(f, &r->mem_prefilled);
    fputs(",\"end\":", f);
    mem(f, &r->mem_end);
    fputs(",\"held\":", f);
    held(f, ctx->held);
    fputs(",\"resizes\":", f);
    json_i64(f, r->map_stats.resizes);
    fputs(",\"retired_bytes\":", f);
    json_i64(f, r->map_stats.retired_bytes);
    fputs(",\"retired_values\":", f);
    json_i64(f, r->map_stats.retired_values);
    const struct lfb_monitor *mon = &r->monitor;
    fputs(",\"retired_bytes_peak\":", f);
    json_i64(f, mon->samples ? mon->peak_retired_bytes : -1);
    fputs(",\"retired_values_peak\":", f);
    json_i64(f, mon->samples ? mon->peak_retired_values : -1);
    fputs(",\"rss_peak\":", f);
    json_i64(f, mon->samples ? mon->peak_rss : -1);
    fprintf(f, ",\"monitor\":{\"interval_ms\":%.6g,\"samples\":%u,\"workers_stopped_s\":%.6f,\"drained_s\":",
            mon->interval_ms, mon->samples, mon->workers_stopped_s);
    json_double(f, mon->drained_s);
    fprintf(f, ",\"drain_waited_s\":%.6f}", mon->drain_waited_s);
    fputc('}', f);

    if (r->values.counted)
        fprintf(f, ",\"values\":{\"kind\":\"pointer\",\"object_bytes\":%u,\"allocated\":%" PRIu64
                   ",\"freed\":%" PRIu64 ",\"unfreed_after_free\":%" PRId64 "}",
                LFB_POINTER_VALUE_BYTES, r->values.allocated, r->values.freed,
                (int64_t)(r->values.allocated - r->values.freed));
    else
        fputs(",\"values\":{\"kind\":\"int\"}", f);
    cache_result(f, ctx, r);
    if (s->stall_s > 0)
        fprintf(f, ",\"stall\":{\"s\":%.6g,\"entered_s\":%.6f,\"left_s\":%.6f}", s->stall_s,
                r->stall.entered_s, r->stall.left_s);
    else
        fputs(",\"stall\":null", f);
    if (mon->series) {
        fputs(",\"timeseries\":{\"fields\":[\"t_s\",\"retired_bytes\",\"retired_values\",\"rss\",\"resizes\","
              "\"size\"],\"samples\":[", f);
        for (size_t i = 0; i < mon->nseries; i++) {
            const struct lfb_mem_point *pt = &mon->series[i];
            fprintf(f, "%s[%.4f,", i ? "," : "", pt->t_s);
            json_i64(f, pt->retired_bytes);
            fputc(',', f);
            json_i64(f, pt->retired_values);
            fputc(',', f);
            json_i64(f, pt->rss);
            fputc(',', f);
            json_i64(f, pt->resizes);
            fputc(',', f);
            json_i64(f, pt->size);
            fputc(']', f);
        }
        fputs("]}", f);
    } else {
        fputs(",\"timeseries\":null", f);
    }

    if (s->ops->profiled)
        fprintf(f, ",\"contention\":{\"acquisitions\":%" PRIu64 ",\"contended\":%" PRIu64
                   ",\"wait_ns\":%" PRIu64 "}",
                r->lock.acquisitions, r->lock.contended, r->lock.wait_ns);
    else
        fputs(",\"contention\":null", f);
    fputs(",\"c2c_round_trip_ns\":{\"before\":", f);
    json_double(f, ctx->c2c_before_ns);
    fputs(",\"after\":", f);
    json_double(f, ctx->c2c_after_ns);
    fputc('}', f);
    common_tail(f, ctx);
}
