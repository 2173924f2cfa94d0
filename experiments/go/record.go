// SPDX-License-Identifier: LGPL-2.1-or-later

// Records in lfbench's JSON-lines schema (experiments/RESULTS-SCHEMA.md,
// "lfbench/1"), with "lang": "go", so that scripts/plot_harness.py and
// scripts/lfbench_records.py read Go and C runs alike.  Fields that have no
// Go counterpart are null (the schema's "not measured"), never zero; what
// only Go has (garbage collections, GOMAXPROCS) is in the "go" object.

package main

import (
	"encoding/json"
	"io"
)

const schema = "lfbench/1"

// obj is a JSON object that keeps its keys in the order given, as the C
// records do (encoding/json would sort a map's keys).
type obj []kv
type kv struct {
	k string
	v any
}

func (o obj) MarshalJSON() ([]byte, error) {
	buf := []byte{'{'}
	for i, e := range o {
		if i > 0 {
			buf = append(buf, ',')
		}
		k, _ := json.Marshal(e.k)
		buf = append(buf, k...)
		buf = append(buf, ':')
		v, err := json.Marshal(e.v)
		if err != nil {
			return nil, err
		}
		buf = append(buf, v...)
	}
	return append(buf, '}'), nil
}

func orNull(v float64, ok bool) any {
	if !ok {
		return nil
	}
	return v
}

func latencyObj(h *histogram) any {
	if h.count == 0 {
		return nil
	}
	return obj{{"samples", h.count}, {"mean", float64(int64(h.mean()*10+0.5)) / 10}, {"p50", h.percentile(50)},
		{"p90", h.percentile(90)}, {"p99", h.percentile(99)}, {"p99_9", h.percentile(99.9)}, {"max", h.max}}
}

func memObj(m memSnap) obj { return obj{{"rss", m.rss}, {"allocated", m.heap}, {"active", nil}} }

func heldObj(h held) any {
	if !h.measured {
		return nil
	}
	perKey := 0.0
	if h.keys > 0 {
		perKey = float64(h.bytes) / float64(h.keys)
	}
	return obj{{"method", "fresh-process-anon-rss"}, {"keys", h.keys}, {"threads", h.threads}, {"bytes", h.bytes},
		{"bytes_per_key", perKey}, {"allocator_bytes", h.allocatorBytes}, {"anon_before", h.anonPre}}
}

// session-wide facts every record carries.
type recordCtx struct {
	seed                   uint64
	repeatIndex, repeatCnt int
	env                    map[string]any
	timerCallNs            float64
	timerSubNs             uint64
	sampleEvery            int
	c2cBefore, c2cAfter    float64
}

func head(ctx *recordCtx, status, name string) obj {
	return obj{{"schema", schema}, {"lang", "go"}, {"status", status}, {"map", name}, {"series", name},
		{"seed", ctx.seed}, {"repeat_index", ctx.repeatIndex}, {"repeat_count", ctx.repeatCnt},
		{"allocator", "go"}, {"pin", "none"}, {"mem_policy", "first-touch"}, {"profile_locks", false}}
}

func tail(ctx *recordCtx) obj {
	return obj{{"libs", obj{{"go", ctx.env["compiler_version"]}}}, {"env", ctx.env}}
}

func writeSkip(f io.Writer, ctx *recordCtx, name, status, why string) {
	o := head(ctx, status, name)
	o = append(o, kv{"reason", why})
	o = append(o, tail(ctx)...)
	writeLine(f, o)
}

func writeLine(f io.Writer, o obj) {
	b, err := json.Marshal(o)
	if err != nil {
		panic(err)
	}
	f.Write(append(b, '\n'))
}

func writeRecord(f io.Writer, ctx *recordCtx, s *runSpec, r *runResult, h held) {
	w := s.w
	c := &r.c
	o := head(ctx, "ok", s.def.name)
	var mapConfig json.RawMessage = []byte(r.config)
	var zipfS, hot, presized any
	if w.kind == kindMixed && w.dist == distZipf {
		zipfS = w.zipfS
	}
	if w.kind == kindHotkeys || w.kind == kindHotkeysChurn {
		hot = w.hotKeys
	}
	if w.kind == kindBulkload {
		presized = w.presized
	}
	dist := "uniform"
	if w.kind == kindMixed {
		dist = distNames[w.dist]
	}
	cpus := make([]int, s.threads)
	for i := range cpus {
		cpus[i] = -1
	}
	var opsLimit any
	if s.opsLimit > 0 {
		opsLimit = s.opsLimit
	}
	ops := float64(c.ops)
	if ops == 0 {
		ops = 1
	}
	perThread := make([]float64, s.threads)
	for t, tr := range r.perThread {
		if tr.elapsed > 0 {
			perThread[t] = float64(tr.c.ops) / tr.elapsed / 1e6
		}
	}
	var added, expected, conserved any
	if !c.addedUnknown {
		added = c.added
	}
	warmed := int64(r.warmup.added) - int64(r.warmup.removed)
	if !c.addedUnknown && !r.warmup.addedUnknown {
		e := int64(r.prefilledKeys) + warmed + int64(c.added) - int64(c.removed)
		expected, conserved = e, int64(r.size) == e
	}
	var streamLen any
	if len(s.streams) > 0 && s.streams[0] != nil {
		streamLen = len(s.streams[0])
	}
	var warmupNet any
	if !r.warmup.addedUnknown {
		warmupNet = warmed
	}
	perThreadNs := 0.0
	if c.ops > 0 {
		perThreadNs = r.wall * 1e9 * float64(s.threads) / float64(c.ops)
	}
	var overhead any
	if s.sampleEvery > 0 && perThreadNs > 0 {
		overhead = 100 * 2 * ctx.timerCallNs / (float64(s.sampleEvery) * perThreadNs)
	}
	o = append(o,
		kv{"map_config", mapConfig}, kv{"scheme", nil}, kv{"lock_kind", nil},
		kv{"workload", obj{{"name", w.name}, {"kind", kindNames[w.kind]}, {"update_pct", w.update},
			{"write_mix", w.writeMixName()}, {"dist", dist}, {"zipf_s", zipfS}, {"initial", w.initial},
			{"prefill", w.prefill}, {"range", w.rangeN}, {"hot_keys", hot}, {"presized", presized}, {"values", "int"}}},
		kv{"threads", s.threads}, kv{"cpus", cpus}, kv{"duration_s", s.duration.Seconds()}, kv{"ops_limit", opsLimit},
		kv{"wall_s", r.wall}, kv{"prefill_s", r.prefillS}, kv{"completed", r.completed},
		kv{"stream_len", streamLen}, kv{"warmup_s", s.warmup},
		kv{"ops", obj{{"total", c.ops}, {"reads", c.reads}, {"read_hits", c.readHits}, {"writes_attempted", c.writes},
			{"writes_effective", c.writesEff}, {"keys_added", added}, {"keys_removed", c.removed}}},
		kv{"update_rate_attempted_pct", 100 * float64(c.writes) / ops},
		kv{"update_rate_effective_pct", 100 * float64(c.writesEff) / ops},
		kv{"allocs_per_op", float64(r.mallocs) / ops},
		kv{"throughput_mops", r.throughput()}, kv{"per_thread_mops", perThread},
		kv{"latency_ns", obj{{"sample_every", s.sampleEvery}, {"timer", "time.Since (CLOCK_MONOTONIC)"},
			{"timer_call_ns", ctx.timerCallNs}, {"timer_interval_subtracted_ns", ctx.timerSubNs},
			{"est_sampling_overhead_pct", overhead}, {"read", latencyObj(r.rh)}, {"write", latencyObj(r.wh)}}},
		kv{"size", obj{{"prefilled", r.prefilledKeys}, {"warmup_ops", r.warmup.ops}, {"warmup_net", warmupNet},
			{"final", r.size}, {"expected", expected},
			{"conserved", conserved}}},
		kv{"memory", obj{{"before", memObj(r.before)}, {"prefilled", memObj(r.prefilled)}, {"end", memObj(r.end)},
			{"held", heldObj(h)}, {"resizes", nil}, {"retired_bytes", nil}, {"retired_values", nil},
			{"retired_bytes_peak", nil}, {"retired_values_peak", nil}, {"rss_peak", r.peakRSS},
			{"monitor", obj{{"interval_ms", float64(s.monitorEvery) / 1e6}, {"samples", r.samples},
				{"workers_stopped_s", r.stoppedS}, {"drained_s", nil}, {"drain_waited_s", 0}}}}},
		kv{"values", obj{{"kind", "int"}}}, kv{"stall", nil}, kv{"timeseries", nil}, kv{"contention", nil},
		kv{"c2c_round_trip_ns", obj{{"before", orNull(ctx.c2cBefore, ctx.c2cBefore >= 0)},
			{"after", orNull(ctx.c2cAfter, ctx.c2cAfter >= 0)}}},
		kv{"go", obj{{"gomaxprocs", ctx.env["GOMAXPROCS"]}, {"gogc", ctx.env["GOGC"]},
			{"mallocs", r.mallocs}, {"alloc_bytes", r.allocBytes}, {"bytes_per_op", float64(r.allocBytes) / ops},
			{"gc_cycles", r.gcCycles}, {"gc_pause_total_ns", r.pauseNs}, {"heap_peak", r.peakHeap}}},
	)
	o = append(o, tail(ctx)...)
	writeLine(f, o)
}
