// SPDX-License-Identifier: LGPL-2.1-or-later

// The memory probe of experiments/lfbench/memprobe.h, the same way for the
// Go maps: a fresh process (this program again, with -probe-memory) starts
// its threads, collects garbage and returns free memory to the system
// (debug.FreeOSMemory, the counterpart of purging the C allocator), reads
// its resident anonymous memory, creates and prefills the map, lets each
// thread run one lookup, collects and returns again, and reads again.  The
// difference is every page the map holds: its live objects and the
// runtime's bookkeeping for them.  Between collections a running Go program
// holds more (up to GOGC% more heap): the records' rss_peak and the go
// object's heap_peak show it.

package main

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"runtime/debug"
	"strconv"
	"sync"
)

const probeTag = "lfbench-memprobe"

type held struct {
	measured                       bool
	keys                           uint64
	threads                        int
	bytes, allocatorBytes, anonPre int64
}

func probeChild(o *options) int {
	def := o.maps[0]
	w, _ := workloadPreset("95/5")
	w.size(o.initial[0], 0)
	p := permInit(w.rangeN, o.seed)
	threads := o.threads[0]
	var registered, measured sync.WaitGroup
	var m goMap
	begin := make(chan struct{})
	release := make(chan struct{})
	registered.Add(threads)
	measured.Add(threads)
	for t := 0; t < threads; t++ {
		go func(t int) {
			runtime.LockOSThread()
			defer runtime.UnlockOSThread()
			<-begin
			m.Get(p.keyOf(uint64(t) % w.initial))
			registered.Done()
			<-release
			measured.Done()
		}(t)
	}
	debug.FreeOSMemory()
	var ms0, ms1 runtime.MemStats
	runtime.ReadMemStats(&ms0)
	before := anonBytes()
	m = def.create(w.initial, o.seed)
	if !prefill(m, &p, w.initial) {
		fmt.Fprintln(os.Stderr, "lfbench-go -probe-memory: prefill: a key was present already")
		return 1
	}
	close(begin)
	registered.Wait()
	debug.FreeOSMemory()
	runtime.ReadMemStats(&ms1)
	after := anonBytes()
	close(release)
	measured.Wait()
	fmt.Printf("%s keys=%d threads=%d bytes=%d allocator_bytes=%d anon_before=%d\n", probeTag, w.initial, threads,
		after-before, int64(ms1.HeapAlloc)-int64(ms0.HeapAlloc), before)
	runtime.KeepAlive(m)
	if before < 0 || after < 0 {
		return 1
	}
	return 0
}

func probe(def *mapDef, keys, seed uint64, threads int) (held, error) {
	exe, err := os.Executable()
	if err != nil {
		return held{}, err
	}
	cmd := exec.Command(exe, "-probe-memory", "-no-check", "-m", def.name, "-i", strconv.FormatUint(keys, 10),
		"-n", strconv.Itoa(threads), "-s", strconv.FormatUint(seed, 10))
	cmd.Stderr = os.Stderr
	out, err := cmd.Output()
	if err != nil {
		return held{}, fmt.Errorf("memory probe of %s at %d keys failed: %v", def.name, keys, err)
	}
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		var h held
		n, _ := fmt.Sscanf(sc.Text(), probeTag+" keys=%d threads=%d bytes=%d allocator_bytes=%d anon_before=%d",
			&h.keys, &h.threads, &h.bytes, &h.allocatorBytes, &h.anonPre)
		if n == 5 {
			h.measured = true
			return h, nil
		}
	}
	return held{}, fmt.Errorf("memory probe of %s at %d keys printed no result", def.name, keys)
}
