// SPDX-License-Identifier: LGPL-2.1-or-later

// What the Go program reads from the system: the clock, resident memory,
// CPU affinity, the cache-line round trip between two CPUs (as
// experiments/lfbench/c2c.c measures it) and the environment object of
// every record (the keys of experiments/bench_env.h's, with Go's build in
// place of the C compiler's).

package main

import (
	"bufio"
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"time"
	"unsafe"
)

var epoch = time.Now()

// nowNs: monotonic nanoseconds (time.Since reads the monotonic clock).
func nowNs() uint64 { return uint64(time.Since(epoch)) }

// timerCalibrate: mean cost of one clock read and the median interval of
// two back-to-back reads (subtracted from every latency sample), measured
// as bench_env.h's bench_timer_calibrate does.
func timerCalibrate() (callNs float64, intervalNs uint64) {
	const samples = 100000
	h := newHistogram()
	start := nowNs()
	for i := 0; i < samples; i++ {
		a := nowNs()
		b := nowNs()
		h.record(b - a)
	}
	total := nowNs() - start
	return float64(total) / (2*samples + 1), h.percentile(50)
}

// rssBytes reads /proc/self/statm into a fixed buffer: the memory monitor
// calls it during runs and must not allocate (the run counts allocations).
var statmBuf [128]byte

func rssBytes() int64 {
	fd, err := syscall.Open("/proc/self/statm", syscall.O_RDONLY, 0)
	if err != nil {
		return -1
	}
	n, _ := syscall.Read(fd, statmBuf[:])
	syscall.Close(fd)
	var fields [2]int64
	f := 0
	for i := 0; i < n && f < 2; i++ {
		c := statmBuf[i]
		if c >= '0' && c <= '9' {
			fields[f] = fields[f]*10 + int64(c-'0')
		} else if c == ' ' {
			f++
		}
	}
	return fields[1] * int64(os.Getpagesize())
}

// anonBytes: resident anonymous memory, exactly (smaps_rollup walks the
// page tables), as experiments/lfbench/memstats.c's lfb_mem_anon_bytes.
func anonBytes() int64 {
	f, err := os.Open("/proc/self/smaps_rollup")
	if err != nil {
		return -1
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fs := strings.Fields(sc.Text())
		if len(fs) >= 2 && fs[0] == "Anonymous:" {
			kib, err := strconv.ParseInt(fs[1], 10, 64)
			if err == nil {
				return kib * 1024
			}
		}
	}
	return -1
}

type cpuMask [16]uint64 // 1024 CPUs

func getAffinity() (cpuMask, bool) {
	var m cpuMask
	_, _, e := syscall.RawSyscall(syscall.SYS_SCHED_GETAFFINITY, 0, unsafe.Sizeof(m), uintptr(unsafe.Pointer(&m)))
	return m, e == 0
}

func setAffinity(m cpuMask) bool {
	_, _, e := syscall.RawSyscall(syscall.SYS_SCHED_SETAFFINITY, 0, unsafe.Sizeof(m), uintptr(unsafe.Pointer(&m)))
	return e == 0
}

func pinTo(cpu int) bool {
	var m cpuMask
	m[cpu/64] |= 1 << (cpu % 64)
	return setAffinity(m)
}

// defaultCPUs: the first two CPUs this process may run on (-1 when fewer).
func defaultCPUs() (int, int) {
	m, ok := getAffinity()
	a, b := -1, -1
	if !ok {
		return a, b
	}
	for i := 0; i < len(m)*64; i++ {
		if m[i/64]&(1<<(i%64)) == 0 {
			continue
		}
		if a < 0 {
			a = i
		} else {
			return a, i
		}
	}
	return a, b
}

// c2cRoundTripNs: the median of 5 batches of 2000 cache-line round trips
// between cpuA and cpuB, each side an OS thread pinned there (c2c.c).
func c2cRoundTripNs(cpuA, cpuB int) float64 {
	const batches, rounds = 5, 2000
	if cpuA < 0 || cpuB < 0 || cpuA == cpuB {
		return -1
	}
	var line struct {
		_    [64]byte
		ball atomic.Uint64
		_    [56]byte
	}
	pinned := make(chan bool, 1)
	go func() {
		runtime.LockOSThread()
		defer runtime.UnlockOSThread()
		old, _ := getAffinity()
		ok := pinTo(cpuB)
		pinned <- ok
		if ok {
			for i := uint64(0); i < batches*rounds; i++ {
				odd := 2*i + 1
				for line.ball.Load() != odd {
				}
				line.ball.Store(odd + 1)
			}
		}
		setAffinity(old)
	}()
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	old, _ := getAffinity()
	defer setAffinity(old)
	if !pinTo(cpuA) || !<-pinned {
		return -1
	}
	var batch [batches]float64
	i := uint64(0)
	for b := 0; b < batches; b++ {
		t0 := nowNs()
		for r := 0; r < rounds; r++ {
			line.ball.Store(2*i + 1)
			for line.ball.Load() != 2*i+2 {
			}
			i++
		}
		batch[b] = float64(nowNs()-t0) / rounds
	}
	sort.Float64s(batch[:])
	return batch[batches/2]
}

func firstLine(path, prefix string) any {
	f, err := os.Open(path)
	if err != nil {
		return nil
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		l := sc.Text()
		if prefix == "" {
			return strings.TrimSpace(l)
		}
		if strings.HasPrefix(l, prefix) {
			if i := strings.Index(l, ":"); i >= 0 {
				return strings.TrimSpace(l[i+1:])
			}
		}
	}
	return nil
}

func cmdLine(name string, args ...string) (string, int, bool) {
	out, err := exec.Command(name, args...).Output()
	lines := strings.Split(strings.TrimRight(string(out), "\n"), "\n")
	n := len(lines)
	if len(out) == 0 {
		n = 0
	}
	return strings.TrimSpace(lines[0]), n, err == nil && n > 0
}

func nullable(s string, ok bool) any {
	if !ok {
		return nil
	}
	return s
}

// envObject: bench_env.h's keys; "compiler" is "go".
func envObject(callNs float64, intervalNs uint64) map[string]any {
	e := map[string]any{}
	sha, _, ok := cmdLine("git", "rev-parse", "HEAD")
	e["git_sha"] = nullable(sha, ok)
	_, dirty, _ := cmdLine("git", "status", "--porcelain", "--untracked-files=no")
	e["git_dirty"] = dirty > 0
	out, _ := exec.Command("git", "status", "--porcelain").Output()
	untracked := 0
	for _, l := range strings.Split(string(out), "\n") {
		if strings.HasPrefix(l, "??") {
			untracked++
		}
	}
	e["git_untracked"] = untracked
	e["compiler"] = "go"
	e["compiler_version"] = runtime.Version()
	e["cflags"] = buildFlags
	e["optimized"] = true
	e["ndebug"] = true
	e["sanitizer"] = "none"
	e["liburcu"] = nil
	e["rcu_scheme"] = nil
	e["LFMAP_RCU"] = nil
	e["allocator"] = "go runtime " + runtime.Version()
	e["GOGC"] = nullable(os.Getenv("GOGC"), os.Getenv("GOGC") != "")
	e["GODEBUG"] = nullable(os.Getenv("GODEBUG"), os.Getenv("GODEBUG") != "")
	e["GOMAXPROCS"] = runtime.GOMAXPROCS(0)
	e["MALLOC_CONF"] = nil
	e["LD_PRELOAD"] = nullable(os.Getenv("LD_PRELOAD"), os.Getenv("LD_PRELOAD") != "")
	var u syscall.Utsname
	if syscall.Uname(&u) == nil {
		str := func(b [65]int8) string {
			var s []byte
			for _, c := range b {
				if c == 0 {
					break
				}
				s = append(s, byte(c))
			}
			return string(s)
		}
		e["hostname"] = str(u.Nodename)
		e["kernel"] = fmt.Sprintf("%s %s %s %s", str(u.Sysname), str(u.Release), str(u.Version), str(u.Machine))
	}
	e["cpu_model"] = firstLine("/proc/cpuinfo", "model name")
	e["nproc_online"] = runtime.NumCPU()
	m, ok := getAffinity()
	if ok {
		n := 0
		for _, w := range m {
			for ; w != 0; w &= w - 1 {
				n++
			}
		}
		e["cpus_allowed"] = n
	}
	e["smt_active"] = firstLine("/sys/devices/system/cpu/smt/active", "")
	nodes := 0
	if ents, err := os.ReadDir("/sys/devices/system/node"); err == nil {
		for _, d := range ents {
			if strings.HasPrefix(d.Name(), "node") && len(d.Name()) > 4 && d.Name()[4] >= '0' && d.Name()[4] <= '9' {
				nodes++
			}
		}
	}
	e["numa_nodes"] = nodes
	e["numa_policy"] = "default (first touch), threads not pinned"
	e["mem_total"] = firstLine("/proc/meminfo", "MemTotal")
	e["thp_enabled"] = firstLine("/sys/kernel/mm/transparent_hugepage/enabled", "")
	e["thp_defrag"] = firstLine("/sys/kernel/mm/transparent_hugepage/defrag", "")
	e["governor"] = firstLine("/sys/devices/system/cpu/cpu0/cpufreq/scaling_governor", "")
	e["timer"] = "time.Since (CLOCK_MONOTONIC)"
	e["timer_call_ns"] = callNs
	e["timer_interval_ns"] = intervalNs
	e["date"] = time.Now().UTC().Format("2006-01-02T15:04:05Z")
	return e
}

// buildFlags: set by `make go` (-ldflags -X main.buildFlags=...).
var buildFlags = ""
