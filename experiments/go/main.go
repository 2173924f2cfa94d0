// SPDX-License-Identifier: LGPL-2.1-or-later

// lfbench-go: lfbench's workloads on the Go maps the brief's claims come
// from (maps.go), standard library only (Go 1.19).  Same options, presets,
// key streams and seed semantics as build/lfbench (workload.go), records in
// lfbench's JSON-lines schema with "lang": "go" (record.go), so that
// scripts/plot_harness.py draws Go and C series in one figure.
//
//	lfbench-go -m go-syncmap,go-mutex -w 95/5,hotkeys-churn -n 1,2 -i 1e4 -d 1 --repeat 3 -o runs.jsonl
//
// Built by `make go` (build/lfbench-go); scripts/reproduce.sh runs it
// beside lfbench when Go is installed.

package main

import (
	"bufio"
	"flag"
	"fmt"
	"math"
	"math/rand"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"time"
)

const (
	exitUsage         = 64
	streamPerKey      = 16      // as lfbench (main.c): operations per key of the range
	streamLenMin      = 1 << 20 // and its bounds per thread, a power of two
	streamLenMax      = 1 << 24
	streamTotalMax    = 1 << 27 // all of a point's streams together (1 GiB)
	warmupMaxS        = 3600.0
	mapSeedSalt       = 0x6d6170
	checkOps          = 20000
	checkKeys         = 1000
	defaultMonitorMs  = 10
	bulkCapFactor     = 5.0
	maxThreads        = 256
	initialMax        = uint64(1) << 32
	rangeMax          = uint64(1) << 33
	dumpStreamsMax    = 1 << 20
	opsMax            = uint64(1) << 40
	repeatMax         = 101
	sampleEveryMax    = 1 << 20
	durationMaxS      = 86400.0
	zipfSMin, zipfSMx = 0.01, 5.0
)

type options struct {
	maps            []*mapDef
	threads         []int
	initial         []uint64
	rangeOpt        uint64
	workloads       []string
	mix             wmix
	dist            wdist
	zipfS           float64
	hotKeys         uint64
	duration        float64
	repeat          int
	seed            uint64
	sampleEvery     int
	output          string
	opsLimit        uint64
	dumpStreams     int
	probeMemory     bool
	noProbe         bool
	noCheck         bool
	countPromotions bool
	monitorMs       float64
	warmup          float64
}

func usageError(format string, a ...any) {
	fmt.Fprintf(os.Stderr, "lfbench-go: "+format+"\n", a...)
	os.Exit(exitUsage)
}

// parseU64 accepts what lfbench's lfcli_parse_u64 does: decimal, 0x..., and
// an integral scientific form such as 1e6.
func parseU64(opt, text string, min, max uint64) uint64 {
	v, err := strconv.ParseUint(text, 0, 64)
	if err != nil && strings.ContainsAny(text, "eE") && !strings.HasPrefix(text, "0x") {
		f, ferr := strconv.ParseFloat(text, 64)
		if ferr == nil && f >= 0 && f < 18446744073709551616.0 && f == math.Floor(f) {
			v, err = uint64(f), nil
		}
	}
	if err != nil || text == "" || text[0] == '-' || text[0] == '+' {
		usageError("%s: '%s' is not a non-negative integer (accepted: %d .. %d)", opt, text, min, max)
	}
	if v < min || v > max {
		usageError("%s: %s is out of range (accepted: %d .. %d)", opt, text, min, max)
	}
	return v
}

func parseFloat(opt, text string, min, max float64) float64 {
	v, err := strconv.ParseFloat(text, 64)
	if err != nil || math.IsNaN(v) {
		usageError("%s: '%s' is not a number (accepted: %g .. %g)", opt, text, min, max)
	}
	if v < min || v > max {
		usageError("%s: %s is out of range (accepted: %g .. %g)", opt, text, min, max)
	}
	return v
}

func list(opt, text string) []string {
	items := strings.Split(text, ",")
	for _, it := range items {
		if it == "" {
			usageError("%s: empty item in '%s'", opt, text)
		}
	}
	return items
}

// stringFlag records a flag's text; both spellings of an option share one.
type stringFlag struct {
	set  bool
	text string
}

func (s *stringFlag) String() string     { return s.text }
func (s *stringFlag) Set(v string) error { s.text, s.set = v, true; return nil }

type boolFlag struct{ set bool }

func (b *boolFlag) String() string     { return "false" }
func (b *boolFlag) Set(v string) error { b.set = v != "false"; return nil }
func (b *boolFlag) IsBoolFlag() bool   { return true }

func parseOptions(args []string) *options {
	fs := flag.NewFlagSet("lfbench-go", flag.ContinueOnError)
	fs.SetOutput(os.Stderr)
	str := map[string]*stringFlag{}
	boolean := map[string]*boolFlag{}
	def := func(names, usage string) {
		f := &stringFlag{}
		for _, n := range strings.Split(names, ",") {
			fs.Var(f, n, usage)
			str[n] = f
		}
	}
	defBool := func(name, usage string) {
		b := &boolFlag{}
		fs.Var(b, name, usage)
		boolean[name] = b
	}
	def("m,map", "maps, comma-separated, or 'all' (default all): "+mapNames())
	def("n,threads", "thread counts, e.g. 1,2 (default 1,2)")
	def("i,initial", "prefilled keys per point, e.g. 1e4,1e6 (default 10000)")
	def("r,range", "key range (default 2 x initial); needs a single -i")
	def("w,workload", "presets as lfbench's: 95/5, 50/50, 10/90, R/W, hotkeys, hotkeys-churn, hotkeys-churn-empty, bulkload, churn, churn-R/W (default 95/5)")
	def("write-mix", "insert-remove (default), put, cas-increment")
	def("dist", "uniform (default) or zipf")
	def("zipf-s", "Zipf exponent (default 0.99)")
	def("hot-keys", "hot-key presets: size of the hot set (default 100)")
	def("d,duration", "seconds per run (default 1; bulkload stops at 5 x this)")
	def("repeat", "runs per point, maps interleaved within each (default 3)")
	def("s,seed", "seed of workloads and hashing (default 1)")
	def("sample-every", "time 1 operation in N (default 64; 0 = off)")
	def("o,output", "JSON-lines results (default records/lfbench-go-DATE.jsonl beside the program)")
	def("ops", "each thread runs N entries of its stream, then stops")
	def("dump-streams", "print the first N entries of every thread's stream and exit")
	def("monitor-ms", "memory monitor interval in ms (default 10)")
	def("warmup", "seconds of the workload's own operations, untimed, between the prefill and each run (default 0; not bulkload or churn)")
	defBool("count-promotions", "count sync.Map's promotions and dirty-map builds (reflection after every operation; not for timing)")
	defBool("probe-memory", "internal: the child process of a memory probe")
	defBool("no-memory-probe", "skip the memory probe")
	defBool("no-check", "skip the differential check")
	defBool("list-maps", "print the map names and exit")
	fs.Usage = func() {
		fmt.Fprintln(os.Stderr, "Usage: lfbench-go [OPTIONS]  (lfbench's options; -x and --x are the same)")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if err == flag.ErrHelp {
			os.Exit(0)
		}
		os.Exit(exitUsage)
	}
	if fs.NArg() > 0 {
		usageError("unexpected argument '%s'", fs.Arg(0))
	}
	if boolean["list-maps"].set {
		for _, m := range goMaps {
			fmt.Println(m.name)
		}
		os.Exit(0)
	}
	o := &options{threads: []int{1, 2}, initial: []uint64{10000}, workloads: []string{"95/5"}, zipfS: zipfSDefault,
		hotKeys: hotKeysDef, duration: 1, repeat: 3, seed: 1, sampleEvery: 64, monitorMs: defaultMonitorMs}
	get := func(n string) (string, bool) { f := str[n]; return f.text, f.set }
	if v, ok := get("map"); ok && v != "all" {
		for _, n := range list("--map", v) {
			d := findMap(n)
			if d == nil {
				usageError("--map: unknown map '%s' (lfbench-go --list-maps lists them)", n)
			}
			for _, seen := range o.maps {
				if seen == d {
					usageError("--map: '%s' is listed twice", n)
				}
			}
			o.maps = append(o.maps, d)
		}
	} else {
		for i := range goMaps {
			o.maps = append(o.maps, &goMaps[i])
		}
	}
	if v, ok := get("threads"); ok {
		o.threads = nil
		for _, t := range list("--threads", v) {
			o.threads = append(o.threads, int(parseU64("--threads", t, 1, maxThreads)))
		}
	}
	if v, ok := get("initial"); ok {
		o.initial = nil
		for _, t := range list("--initial", v) {
			o.initial = append(o.initial, parseU64("--initial", t, 1, initialMax))
		}
	}
	if v, ok := get("range"); ok {
		o.rangeOpt = parseU64("--range", v, 1, rangeMax)
		if len(o.initial) != 1 {
			usageError("--range needs a single --initial value (it is 2 x initial by default)")
		}
	}
	if v, ok := get("workload"); ok {
		o.workloads = list("--workload", v)
	}
	for _, n := range o.workloads {
		if _, err := workloadPreset(n); err != nil {
			usageError("--workload: %v", err)
		}
	}
	if v, ok := get("write-mix"); ok {
		o.mix = wmix(indexOf("--write-mix", v, mixNames))
	}
	if v, ok := get("dist"); ok {
		o.dist = wdist(indexOf("--dist", v, distNames))
	}
	if v, ok := get("zipf-s"); ok {
		o.zipfS = parseFloat("--zipf-s", v, zipfSMin, zipfSMx)
	}
	if v, ok := get("hot-keys"); ok {
		o.hotKeys = parseU64("--hot-keys", v, 1, initialMax)
	}
	if v, ok := get("duration"); ok {
		o.duration = parseFloat("--duration", v, 0.01, durationMaxS)
	}
	if v, ok := get("repeat"); ok {
		o.repeat = int(parseU64("--repeat", v, 1, repeatMax))
	}
	if v, ok := get("seed"); ok {
		o.seed = parseU64("--seed", v, 0, math.MaxUint64)
	}
	if v, ok := get("sample-every"); ok {
		o.sampleEvery = int(parseU64("--sample-every", v, 0, sampleEveryMax))
	}
	if v, ok := get("output"); ok {
		o.output = v
	}
	if v, ok := get("ops"); ok {
		o.opsLimit = parseU64("--ops", v, 1, opsMax)
	}
	if v, ok := get("dump-streams"); ok {
		o.dumpStreams = int(parseU64("--dump-streams", v, 1, dumpStreamsMax))
	}
	if v, ok := get("monitor-ms"); ok {
		o.monitorMs = parseFloat("--monitor-ms", v, 1, 1000)
	}
	if v, ok := get("warmup"); ok {
		o.warmup = parseFloat("--warmup", v, 0, warmupMaxS)
	}
	o.countPromotions = boolean["count-promotions"].set
	o.probeMemory = boolean["probe-memory"].set
	o.noProbe = boolean["no-memory-probe"].set
	o.noCheck = boolean["no-check"].set
	for _, n := range o.workloads {
		w, _ := workloadPreset(n)
		for _, ini := range o.initial {
			if w.kind == kindHotkeys && o.hotKeys > ini {
				usageError("--hot-keys %d is larger than --initial %d", o.hotKeys, ini)
			}
		}
		if o.opsLimit > 0 && w.kind == kindBulkload {
			usageError("--ops does not apply to bulkload (each thread loads its share of the keys)")
		}
		if o.warmup > 0 && (w.kind == kindBulkload || w.kind == kindChurn) {
			usageError("--warmup runs with read/write and hot-key workloads, not bulkload or churn (they measure a map's whole life)")
		}
	}
	if o.probeMemory && (len(o.maps) != 1 || len(o.initial) != 1 || len(o.threads) != 1) {
		usageError("--probe-memory measures one map at one -i and one -n")
	}
	return o
}

func indexOf(opt, v string, names []string) int {
	for i, n := range names {
		if n == v {
			return i
		}
	}
	usageError("%s: unknown value '%s' (accepted: %s)", opt, v, strings.Join(names, ", "))
	return 0
}

func mapNames() string {
	var n []string
	for _, m := range goMaps {
		n = append(n, m.name)
	}
	return strings.Join(n, ", ")
}

func (o *options) workload(name string, initial uint64) workload {
	w, _ := workloadPreset(name)
	w.mix, w.dist, w.zipfS, w.hotKeys = o.mix, o.dist, o.zipfS, o.hotKeys
	w.size(initial, o.rangeOpt)
	return w
}

// dumpStreams prints what lfbench --dump-streams prints, line for line.
func dumpStreams(o *options) {
	out := make([]uint64, o.dumpStreams)
	bw := bufio.NewWriterSize(os.Stdout, 1<<16)
	for _, name := range o.workloads {
		for _, ini := range o.initial {
			w := o.workload(name, ini)
			p := permInit(w.rangeN, o.seed)
			for _, T := range o.threads {
				for rep := 0; rep < o.repeat; rep++ {
					seed := streamSeed(o.seed, rep)
					for t := 0; t < T; t++ {
						n := len(out)
						switch w.kind {
						case kindBulkload:
							for n = 0; n < len(out); n++ {
								if out[n] = bulkEntry(&p, w.initial, t, T, uint64(n)); out[n] == 0 {
									break
								}
							}
						case kindChurn:
							g := churnInit(&w, &p, seed, t, T)
							for i := range out {
								out[i] = g.next()
							}
						default:
							streamFill(&w, &p, seed, t, out)
						}
						fmt.Fprintf(bw, "# workload=%s initial=%d range=%d threads=%d rep=%d thread=%d\n", w.name,
							w.initial, w.rangeN, T, rep, t)
						for _, e := range out[:n] {
							fmt.Fprintf(bw, "%s %d\n", opNames[opOf(e)], keyFrom(e))
						}
					}
				}
			}
		}
	}
	bw.Flush()
}

// check: the map against Go's own map (the reference), single-threaded:
// half the keys loaded through the prefill path, then random operations;
// results compared where the map reports them (sync.Map's Store cannot say
// whether the key was new, and it has no CompareAndSwap).
func check(def *mapDef, seed uint64) error {
	m := def.create(0, seed)
	ref := map[uint64]uint64{}
	r := rand.New(rand.NewSource(int64(seed)))
	var ld loader
	if l, ok := m.(loader); ok {
		ld = l
	}
	for k := uint64(1); k <= checkKeys; k += 2 {
		var ok bool
		if ld != nil {
			ok = ld.Load(k, k<<20)
		} else {
			ok = m.Insert(k, k<<20)
		}
		if !ok {
			return fmt.Errorf("%s: load(%d) found the key present", def.name, k)
		}
		ref[k] = k << 20
	}
	for i := 0; i < checkOps; i++ {
		k := 1 + uint64(r.Intn(checkKeys))
		v := k<<20 | uint64(i&0xfffff)
		_, present := ref[k]
		switch r.Intn(5) {
		case 0:
			got, ok := m.Get(k)
			if ok != present || (ok && got != ref[k]) {
				return fmt.Errorf("%s: op %d get(%d) = %v/%d, reference %v/%d", def.name, i, k, ok, got, present, ref[k])
			}
		case 1:
			if m.Insert(k, v) == present {
				return fmt.Errorf("%s: op %d insert(%d) disagrees with the reference", def.name, i, k)
			}
			if !present {
				ref[k] = v
			}
		case 2:
			if m.Remove(k) != present {
				return fmt.Errorf("%s: op %d remove(%d) disagrees with the reference", def.name, i, k)
			}
			delete(ref, k)
		case 3:
			isNew, known := m.Put(k, v)
			if known && isNew == present {
				return fmt.Errorf("%s: op %d put(%d) disagrees with the reference", def.name, i, k)
			}
			ref[k] = v
		default:
			if !def.hasCAS {
				continue
			}
			exp := v + 1
			if present && r.Intn(2) == 0 {
				exp = ref[k]
			}
			sw, _ := m.CAS(k, exp, v)
			want := present && ref[k] == exp
			if sw != want {
				return fmt.Errorf("%s: op %d cas(%d) = %v, reference %v", def.name, i, k, sw, want)
			}
			if want {
				ref[k] = v
			}
		}
	}
	if m.Len() != len(ref) {
		return fmt.Errorf("%s: size %d, reference %d", def.name, m.Len(), len(ref))
	}
	for k := uint64(1); k <= checkKeys; k++ {
		got, ok := m.Get(k)
		want, present := ref[k]
		if ok != present || got != want {
			return fmt.Errorf("%s: final get(%d) = %v/%d, reference %v/%d", def.name, k, ok, got, present, want)
		}
	}
	return nil
}

type probeKey struct {
	mi      int
	initial uint64
	threads int
}

func main() {
	o := parseOptions(os.Args[1:])
	if o.dumpStreams > 0 {
		dumpStreams(o)
		return
	}
	if o.probeMemory {
		os.Exit(probeChild(o))
	}
	path := o.output
	if path == "" {
		// As lfbench: beside the program (build/records/ for
		// build/lfbench-go), whatever the current directory is.
		exe, err := os.Executable()
		if err != nil {
			usageError("cannot find the program's directory for the default output: give -o FILE")
		}
		dir := filepath.Join(filepath.Dir(exe), "records")
		os.MkdirAll(dir, 0o777)
		path = filepath.Join(dir, "lfbench-go-"+time.Now().UTC().Format("20060102T150405Z")+".jsonl")
	}
	out, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o666)
	if err != nil {
		usageError("--output: cannot open '%s': %v", path, err)
	}
	defer out.Close()
	callNs, subNs := timerCalibrate()
	ctx := &recordCtx{seed: o.seed, repeatCnt: o.repeat, env: envObject(callNs, subNs), timerCallNs: callNs,
		timerSubNs: subNs, sampleEvery: o.sampleEvery}
	fmt.Printf("lfbench-go: %d map(s), %s, GOMAXPROCS %d, timer %.1f ns/call (%d ns subtracted per sample), results -> %s\n",
		len(o.maps), runtime.Version(), runtime.GOMAXPROCS(0), callNs, subNs, path)
	var maps []*mapDef
	for _, d := range o.maps {
		if !o.noCheck {
			if err := check(d, o.seed); err != nil {
				fmt.Printf("lfbench-go: %s FAILED the differential check and is skipped: %v\n", d.name, err)
				writeSkip(out, ctx, d.name, "failed_check", err.Error())
				continue
			}
		}
		maps = append(maps, d)
	}
	if len(maps) == 0 {
		fmt.Fprintln(os.Stderr, "lfbench-go: no map left to run")
		os.Exit(1)
	}
	probes := map[probeKey]held{}
	started := time.Now()
	runs := 0
	for _, name := range o.workloads {
		for _, ini := range o.initial {
			for _, T := range o.threads {
				w := o.workload(name, ini)
				variants := 1
				if w.kind == kindBulkload {
					variants = 2
				}
				for v := 0; v < variants; v++ {
					w.presized = v == 1
					runs += runPoint(o, ctx, out, maps, &w, T, probes)
				}
			}
		}
	}
	fmt.Printf("\nlfbench-go: %d runs in %s; records in %s\n", runs, time.Since(started).Round(time.Second), path)
}

// streamLen is lfbench's stream length (main.c, run_point): 16 operations
// per key of the range, at least 2^20 and at most 2^24, a power of two, and
// all threads' streams together at most 2^27 entries.
func streamLen(rangeN uint64, T int) int {
	n := streamLenMin
	for n < streamLenMax && uint64(n) < rangeN*streamPerKey {
		n <<= 1
	}
	for n > 1 && n*T > streamTotalMax {
		n >>= 1
	}
	return n
}

func runPoint(o *options, ctx *recordCtx, out *os.File, maps []*mapDef, w *workload, T int, probes map[probeKey]held) int {
	p := permInit(w.rangeN, o.seed)
	n := streamLen(w.rangeN, T)
	streamed := w.kind != kindBulkload && w.kind != kindChurn
	streams := make([][]uint64, T)
	if streamed {
		for t := range streams {
			streams[t] = make([]uint64, n)
		}
	}
	variant := ""
	if w.kind == kindBulkload {
		variant = map[bool]string{true: " presized", false: " growing"}[w.presized]
	}
	fmt.Printf("\n== %s%s, initial %d, range %d, %d thread(s)\n%-12s %3s %9s %9s %9s %11s %9s\n", w.name, variant,
		w.initial, w.rangeN, T, "map", "rep", "Mops/s", "p99 rd", "p99 wr", "allocs/op", "GCs")
	dur := time.Duration(o.duration * float64(time.Second))
	if w.kind == kindBulkload {
		dur = time.Duration(o.duration * bulkCapFactor * float64(time.Second))
	}
	ca, cb := defaultCPUs()
	mops := map[string][]float64{}
	runs := 0
	for rep := 0; rep < o.repeat; rep++ {
		seed := streamSeed(o.seed, rep)
		if streamed {
			for t := range streams {
				streamFill(w, &p, seed, t, streams[t])
			}
		}
		ctx.repeatIndex = rep
		for k := range maps {
			mi := (k + rep) % len(maps) // rotate: no map always first
			def := maps[mi]
			if w.kind == kindMixed && w.mix == mixCasInc && !def.hasCAS {
				writeSkip(out, ctx, def.name, "run_failed", "Go 1.19's sync.Map has no CompareAndSwap")
				continue
			}
			key := probeKey{mi, w.initial, T}
			h, seen := probes[key]
			if !seen && !o.noProbe {
				var err error
				if h, err = probe(def, w.initial, o.seed, T); err != nil {
					fmt.Fprintf(os.Stderr, "lfbench-go: %v (memory.held will be null)\n", err)
				}
				probes[key] = h
			}
			s := &runSpec{def: def, w: w, p: &p, threads: T, streams: streams, duration: dur, warmup: o.warmup,
				mapSeed: o.seed ^ (mapSeedSalt + uint64(mi)), sampleEvery: o.sampleEvery, timerSubNs: ctx.timerSubNs,
				streamSeed: seed, opsLimit: o.opsLimit, inspect: o.countPromotions,
				monitorEvery: time.Duration(o.monitorMs * float64(time.Millisecond))}
			ctx.c2cBefore, ctx.c2cAfter = -1, -1
			if T > 1 {
				ctx.c2cBefore = c2cRoundTripNs(ca, cb)
			}
			r, why := run(s)
			if T > 1 {
				ctx.c2cAfter = c2cRoundTripNs(ca, cb)
			}
			runs++
			if r == nil {
				writeSkip(out, ctx, def.name, "run_failed", why)
				continue
			}
			writeRecord(out, ctx, s, r, h)
			fmt.Printf("%-12s %3d %9.3f %9d %9d %11.3f %9d\n", def.name, rep+1, r.throughput(), r.rh.percentile(99),
				r.wh.percentile(99), float64(r.mallocs)/math.Max(1, float64(r.c.ops)), r.gcCycles)
			mops[def.name] = append(mops[def.name], r.throughput())
		}
	}
	if o.repeat > 1 {
		fmt.Printf("-- median of %d (min .. max)\n", o.repeat)
		for _, d := range maps {
			v := mops[d.name]
			if len(v) == 0 {
				continue
			}
			sort.Float64s(v)
			fmt.Printf("%-12s     %9.3f (%.3f .. %.3f)\n", d.name, v[len(v)/2], v[0], v[len(v)-1])
		}
	}
	return runs
}
