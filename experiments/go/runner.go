// SPDX-License-Identifier: LGPL-2.1-or-later

// One run, as experiments/lfbench/runner.c does it: a fresh map, prefilled
// on the calling goroutine, driven by `threads` workers (goroutines locked
// to their OS threads) that start together and stop on a flag looked at
// every 256 operations; one operation in sample-every timed; a monitor that
// samples resident memory and the Go heap every interval; allocations and
// garbage collections counted over the run (runtime.ReadMemStats before the
// workers start and after they stop).

package main

import (
	"runtime"
	"runtime/metrics"
	"sync"
	"sync/atomic"
	"time"
)

const (
	stopCheckEvery = 256 // as LFB_STOP_CHECK_EVERY
	valueLimit     = uint64(1) << 62
)

type runSpec struct {
	def          *mapDef
	w            *workload
	p            *perm
	threads      int
	streams      [][]uint64
	duration     time.Duration
	warmup       float64 // --warmup seconds (streamed workloads only)
	mapSeed      uint64
	sampleEvery  int
	timerSubNs   uint64
	streamSeed   uint64
	opsLimit     uint64
	monitorEvery time.Duration
	inspect      bool // --count-promotions (sync.Map only)
}

type counts struct {
	ops, reads, readHits, writes, writesEff, added, removed uint64
	addedUnknown                                            bool // a put could not tell
}

func (c *counts) add(o *counts) {
	c.ops += o.ops
	c.reads += o.reads
	c.readHits += o.readHits
	c.writes += o.writes
	c.writesEff += o.writesEff
	c.added += o.added
	c.removed += o.removed
	c.addedUnknown = c.addedUnknown || o.addedUnknown
}

type memSnap struct{ rss, heap int64 }

func snapMem() memSnap {
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return memSnap{rssBytes(), int64(ms.HeapAlloc)}
}

type threadResult struct {
	c            counts
	elapsed      float64
	rh, wh       *histogram
	tBegin, tEnd uint64
}

type runResult struct {
	wall, prefillS                         float64
	c                                      counts
	perThread                              []threadResult
	rh, wh                                 *histogram
	before, prefilled, end                 memSnap
	size                                   int
	prefilledKeys                          uint64
	warmup                                 counts // the --warmup operations, for the size check
	completed                              bool
	config                                 string
	samples                                int
	peakRSS, peakHeap                      int64
	mallocs, allocBytes, gcCycles, pauseNs uint64
	stoppedS                               float64
}

func doOp(m goMap, e, i uint64, c *counts) bool {
	key := keyFrom(e)
	switch opOf(e) {
	case opGet:
		c.reads++
		if _, ok := m.Get(key); ok {
			c.readHits++
		}
		return false
	case opInsert:
		c.writes++
		if m.Insert(key, valueOf(key, i)) {
			c.writesEff++
			c.added++
		}
	case opRemove:
		c.writes++
		if m.Remove(key) {
			c.writesEff++
			c.removed++
		}
	case opPut:
		c.writes++
		c.writesEff++ // a put always sets the value
		c.put(m, key, valueOf(key, i))
	case opCasInc:
		c.writes++
		if v, ok := m.Get(key); ok {
			next := v + 1
			if next >= valueLimit {
				next = 0
			}
			if sw, _ := m.CAS(key, v, next); sw {
				c.writesEff++
			}
		} else if m.Insert(key, 0) {
			c.writesEff++
			c.added++
		}
	case opReinsert:
		// remove-then-reinsert: two writes, timed together
		c.writes += 2
		if m.Remove(key) {
			c.writesEff++
			c.removed++
		}
		if m.Insert(key, valueOf(key, i)) {
			c.writesEff++
			c.added++
		}
		c.ops++
	case opPutRemove:
		// store-then-load-and-delete: two writes, timed together
		c.writes += 2
		c.writesEff++
		c.put(m, key, valueOf(key, i))
		if m.Remove(key) {
			c.writesEff++
			c.removed++
		}
		c.ops++
	}
	return true
}

func (c *counts) put(m goMap, k, v uint64) {
	isNew, known := m.Put(k, v)
	if !known {
		c.addedUnknown = true
	} else if isNew {
		c.added++
	}
}

// prefill loads key indices [0, n) through the map's Load (cow) or Insert.
func prefill(m goMap, p *perm, n uint64) bool {
	ld, hasLoad := m.(loader)
	for i := uint64(0); i < n; i++ {
		k := p.keyOf(i)
		var ok bool
		if hasLoad {
			ok = ld.Load(k, valueOf(k, 0))
		} else {
			ok = m.Insert(k, valueOf(k, 0))
		}
		if !ok {
			return false
		}
	}
	return true
}

// warmUp is lfbench's --warmup (runner.c, warm_up): the prefilling
// goroutine replays stream 0 for s.warmup seconds, untimed, so that the run
// starts from the map's steady state; its counts go to *c.
func warmUp(s *runSpec, m goMap, c *counts) {
	stream := s.streams[0]
	mask := uint64(len(stream) - 1)
	end := nowNs() + uint64(s.warmup*1e9)
	for i := uint64(0); ; i++ {
		if i%stopCheckEvery == 0 && nowNs() >= end {
			break
		}
		c.ops++
		doOp(m, stream[i&mask], i, c)
	}
}

var heapMetric = []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}

func run(s *runSpec) (*runResult, string) {
	r := &runResult{rh: newHistogram(), wh: newHistogram(), perThread: make([]threadResult, s.threads)}
	r.before = snapMem()
	m := s.def.create(s.w.capacity(), s.mapSeed)
	if sm, ok := m.(*syncMap); ok && s.inspect {
		sm.startInspect()
	}
	t0 := nowNs()
	if !prefill(m, s.p, s.w.prefill) {
		return nil, "prefill: a key was present already"
	}
	r.prefilledKeys = s.w.prefill
	r.prefillS = float64(nowNs()-t0) / 1e9
	if s.warmup > 0 && len(s.streams) > 0 && s.streams[0] != nil {
		warmUp(s, m, &r.warmup)
	}
	r.prefilled = snapMem()
	for t := range r.perThread {
		r.perThread[t].rh, r.perThread[t].wh = newHistogram(), newHistogram()
	}

	var stop atomic.Bool
	var ready, done sync.WaitGroup
	start := make(chan struct{})
	ready.Add(s.threads)
	done.Add(s.threads)
	limit := s.opsLimit
	if limit == 0 {
		limit = ^uint64(0)
	}
	for t := 0; t < s.threads; t++ {
		go func(t int) {
			runtime.LockOSThread()
			defer runtime.UnlockOSThread()
			tr := &r.perThread[t]
			var c counts
			var gen churnGen
			var stream []uint64
			var mask uint64
			switch s.w.kind {
			case kindChurn:
				gen = churnInit(s.w, s.p, s.streamSeed, t, s.threads)
			case kindBulkload:
			default:
				stream = s.streams[t]
				mask = uint64(len(stream) - 1)
			}
			untilSample := s.sampleEvery
			lim := limit
			ready.Done()
			<-start
			tr.tBegin = nowNs()
			for i := uint64(0); i < lim; i++ {
				if i%stopCheckEvery == 0 && stop.Load() {
					break
				}
				var e uint64
				switch s.w.kind {
				case kindChurn:
					e = gen.next()
				case kindBulkload:
					e = bulkEntry(s.p, s.w.initial, t, s.threads, i)
					if e == 0 {
						lim = 0
						continue
					}
				default:
					e = stream[i&mask]
				}
				c.ops++
				if untilSample > 0 {
					untilSample--
					if untilSample == 0 {
						untilSample = s.sampleEvery
						t1 := nowNs()
						w := doOp(m, e, i, &c)
						d := nowNs() - t1
						if d > s.timerSubNs {
							d -= s.timerSubNs
						} else {
							d = 0
						}
						if w {
							tr.wh.record(d)
						} else {
							tr.rh.record(d)
						}
						continue
					}
				}
				doOp(m, e, i, &c)
			}
			tr.tEnd = nowNs()
			tr.c = c
			tr.elapsed = float64(tr.tEnd-tr.tBegin) / 1e9
			done.Done()
		}(t)
	}
	ready.Wait()
	var ms0, ms1 runtime.MemStats
	runtime.ReadMemStats(&ms0)
	begin := nowNs()
	close(start)

	// The monitor: resident memory and live heap objects every interval.
	monitorDone := make(chan struct{})
	var monStop atomic.Bool
	r.peakRSS, r.peakHeap = -1, -1
	go func() {
		for {
			if rss := rssBytes(); rss > r.peakRSS {
				r.peakRSS = rss
			}
			metrics.Read(heapMetric)
			if h := int64(heapMetric[0].Value.Uint64()); h > r.peakHeap {
				r.peakHeap = h
			}
			r.samples++
			if monStop.Load() {
				close(monitorDone)
				return
			}
			time.Sleep(s.monitorEvery)
		}
	}()
	finished := make(chan struct{})
	go func() { done.Wait(); close(finished) }()
	timer := time.NewTimer(s.duration)
	select {
	case <-finished:
	case <-timer.C:
	}
	timer.Stop()
	stop.Store(true)
	<-finished
	runtime.ReadMemStats(&ms1)
	r.stoppedS = float64(nowNs()-begin) / 1e9
	monStop.Store(true)
	<-monitorDone

	first, last := ^uint64(0), uint64(0)
	for t := range r.perThread {
		tr := &r.perThread[t]
		if tr.tBegin < first {
			first = tr.tBegin
		}
		if tr.tEnd > last {
			last = tr.tEnd
		}
		r.c.add(&tr.c)
		r.rh.merge(tr.rh)
		r.wh.merge(tr.wh)
	}
	if last > first {
		r.wall = float64(last-first) / 1e9
	}
	r.mallocs = ms1.Mallocs - ms0.Mallocs
	r.allocBytes = ms1.TotalAlloc - ms0.TotalAlloc
	r.gcCycles = uint64(ms1.NumGC - ms0.NumGC)
	r.pauseNs = ms1.PauseTotalNs - ms0.PauseTotalNs
	r.completed = s.w.kind != kindBulkload || r.c.added == s.w.initial
	r.size = m.Len()
	r.config = m.Config()
	r.end = snapMem()
	runtime.KeepAlive(m)
	return r, ""
}

func (r *runResult) throughput() float64 {
	if r.wall <= 0 {
		return 0
	}
	return float64(r.c.ops) / r.wall / 1e6
}
