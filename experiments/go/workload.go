// SPDX-License-Identifier: LGPL-2.1-or-later

// The workload generator of lfbench (experiments/lfbench/workload.c) in Go:
// the same splitmix64 streams, key permutation, Zipf sampler, operation mix,
// presets and sizes, so that for a seed every thread of every point gets the
// very stream the C harness gives its maps (tests/harness/go_streams.sh compares
// the two programs' --dump-streams output entry by entry).  A change to
// workload.c must be made here too; that test fails until it is.

package main

import (
	"fmt"
	"math"
	"math/bits"
	"strconv"
	"strings"
)

const (
	seedStride    = 0x9e3779b97f4a7c15 // golden-ratio step between seeds
	pOne          = 4294967296.0       // probabilities in units of 1/2^32
	opShift       = 60
	keyMask       = (uint64(1) << opShift) - 1
	hotKeysDef    = 100
	hotUpdatePct  = 50.0
	hotReadShare  = 0.5
	zipfSDefault  = 0.99
	churnFactor   = 32
	churnUpdPct   = 50.0
	valueTagShift = 40
	valueTagMask  = (uint64(1) << 21) - 1
)

type wkind int

const (
	kindMixed wkind = iota
	kindHotkeys
	kindBulkload
	kindChurn
	kindHotkeysChurn
)

var kindNames = []string{"mixed", "hotkeys", "bulkload", "churn", "hotkeys-churn"}

type wmix int

const (
	mixInsertRemove wmix = iota
	mixPut
	mixCasInc
)

var mixNames = []string{"insert-remove", "put", "cas-increment"}

type wdist int

const (
	distUniform wdist = iota
	distZipf
)

var distNames = []string{"uniform", "zipf"}

type opKind uint64

const (
	opGet opKind = iota
	opInsert
	opRemove
	opPut
	opCasInc
	opReinsert
	opPutRemove
)

var opNames = []string{"get", "insert", "remove", "put", "cas-increment", "reinsert", "put-remove"}

func pack(op opKind, key uint64) uint64 { return uint64(op)<<opShift | key }
func opOf(e uint64) opKind              { return opKind(e >> opShift) }
func keyFrom(e uint64) uint64           { return e & keyMask }

// valueOf: the key in the low bits and a per-thread counter above, as the
// C runner writes values.
func valueOf(key, i uint64) uint64 { return key | (i&valueTagMask)<<valueTagShift }

type rng struct{ s uint64 }

func (r *rng) next() uint64 {
	r.s += seedStride
	z := r.s
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
	z = (z ^ (z >> 27)) * 0x94d049bb133111eb
	return z ^ (z >> 31)
}

// below: uniform in [0, n), Lemire's multiply-shift.
func (r *rng) below(n uint64) uint64 {
	hi, _ := bits.Mul64(r.next(), n)
	return hi
}

func (r *rng) unit() float64 { return float64(r.next()>>11) * 0x1p-53 }

type perm struct{ n, mult, add uint64 }

func gcd(a, b uint64) uint64 {
	for b != 0 {
		a, b = b, a%b
	}
	return a
}

func permInit(n, seed uint64) perm {
	r := rng{seed ^ 0x7065726d} // "perm"
	if n == 0 {
		n = 1
	}
	m := uint64(float64(n)*0.6180339887) | 1
	for gcd(m, n) != 1 {
		m++
	}
	p := perm{n: n, mult: m % n}
	if p.mult == 0 {
		p.mult = 1
	}
	p.add = r.below(n)
	return p
}

func (p *perm) apply(i uint64) uint64 {
	hi, lo := bits.Mul64(i, p.mult)
	lo, c := bits.Add64(lo, p.add, 0)
	return bits.Rem64(hi+c, lo, p.n)
}

func (p *perm) keyOf(index uint64) uint64 { return 1 + p.apply(index) }

// Zipf by rejection-inversion (Hörmann and Derflinger), as workload.c.
type zipf struct {
	n                  uint64
	s, hX1, hN, sParam float64
}

func helper1(x float64) float64 {
	if math.Abs(x) > 1e-8 {
		return math.Log1p(x) / x
	}
	return 1 - x*(0.5-x*(1.0/3-0.25*x))
}

func helper2(x float64) float64 {
	if math.Abs(x) > 1e-8 {
		return math.Expm1(x) / x
	}
	return 1 + x*0.5*(1+x*(1.0/3)*(1+0.25*x))
}

func (z *zipf) h(x float64) float64 { return math.Exp(-z.s * math.Log(x)) }

func (z *zipf) hint(x float64) float64 {
	lx := math.Log(x)
	return helper2((1-z.s)*lx) * lx
}

func (z *zipf) hintInv(x float64) float64 {
	t := x * (1 - z.s)
	if t < -1 {
		t = -1
	}
	return math.Exp(helper1(t) * x)
}

func zipfInit(n uint64, s float64) zipf {
	z := zipf{n: n, s: s}
	z.hX1 = z.hint(1.5) - 1
	z.hN = z.hint(float64(n) + 0.5)
	z.sParam = 2 - z.hintInv(z.hint(2.5)-z.h(2))
	return z
}

func (z *zipf) next(r *rng) uint64 {
	for {
		u := z.hN + r.unit()*(z.hX1-z.hN)
		x := z.hintInv(u)
		kd := math.Floor(x + 0.5)
		var k uint64
		switch {
		case kd < 1:
			k = 1
		case kd > float64(z.n):
			k = z.n
		default:
			k = uint64(kd)
		}
		if float64(k)-x <= z.sParam || u >= z.hint(float64(k)+0.5)-z.h(float64(k)) {
			return k
		}
	}
}

type workload struct {
	name     string
	kind     wkind
	empty    bool
	update   float64
	mix      wmix
	dist     wdist
	zipfS    float64
	initial  uint64
	prefill  uint64
	rangeN   uint64
	hotKeys  uint64
	presized bool
}

func streamSeed(seed uint64, rep int) uint64 { return seed ^ (uint64(rep+1) * seedStride) }

func writeOp(m wmix, r *rng) opKind {
	switch m {
	case mixPut:
		return opPut
	case mixCasInc:
		return opCasInc
	}
	if r.next()>>63 != 0 {
		return opInsert
	}
	return opRemove
}

// streamFill: thread `thread`'s operations (mixed and hot-key kinds).
func streamFill(w *workload, p *perm, seed uint64, thread int, out []uint64) {
	r := rng{seed + seedStride*uint64(thread+1)}
	var z zipf
	if w.dist == distZipf {
		z = zipfInit(w.rangeN, w.zipfS)
	}
	updateCut := uint64(w.update / 100.0 * pOne)
	hotCut := uint64(hotReadShare * pOne)
	for i := range out {
		isWrite := r.next()>>32 < updateCut
		var index uint64
		var op opKind
		switch w.kind {
		case kindHotkeys:
			hot := isWrite || r.next()>>32 < hotCut
			if hot {
				index = r.below(w.hotKeys)
			} else {
				index = r.below(w.rangeN)
			}
			op = opGet
			if isWrite {
				op = opReinsert
			}
		case kindHotkeysChurn:
			hot := isWrite || r.next()>>32 < hotCut
			if hot {
				index = w.initial + r.below(w.hotKeys)
			} else {
				index = r.below(w.initial)
			}
			op = opGet
			if isWrite {
				op = opPutRemove
			}
		default:
			if w.dist == distZipf {
				index = z.next(&r) - 1
			} else {
				index = r.below(w.rangeN)
			}
			op = opGet
			if isWrite {
				op = writeOp(w.mix, &r)
			}
		}
		out[i] = pack(op, p.keyOf(index))
	}
}

// churnGen: workload.h's lfb_churn.
type churnGen struct {
	p                                    *perm
	r                                    rng
	updateCut, hi, t, first, owned, held uint64
	filling                              bool
}

func churnInit(w *workload, p *perm, seed uint64, thread, threads int) churnGen {
	lo, T, t := w.initial, uint64(threads), uint64(thread)
	c := churnGen{p: p, hi: w.rangeN, t: T, filling: true}
	c.first = lo + (t+T-lo%T)%T
	if c.first < c.hi {
		c.owned = (c.hi - c.first + T - 1) / T
	}
	c.r.s = seed ^ (0x636875726e + t*seedStride) // "churn"
	c.updateCut = uint64(w.update / 100.0 * pOne)
	return c
}

func (c *churnGen) next() uint64 {
	if c.owned != 0 && c.r.next()>>32 < c.updateCut {
		if c.filling {
			e := pack(opInsert, c.p.keyOf(c.first+c.t*c.held))
			c.held++
			if c.held == c.owned {
				c.filling = false
			}
			return e
		}
		c.held--
		e := pack(opRemove, c.p.keyOf(c.first+c.t*c.held))
		if c.held == 0 {
			c.filling = true
		}
		return e
	}
	return pack(opGet, c.p.keyOf(c.r.below(c.hi)))
}

// bulkEntry: the i-th key thread t of T loads, 0 when none is left.
func bulkEntry(p *perm, n uint64, t, T int, i uint64) uint64 {
	idx := uint64(t) + i*uint64(T)
	if idx >= n {
		return 0
	}
	return pack(opInsert, p.keyOf(idx))
}

// workloadPreset: lfb_workload_preset.
func workloadPreset(name string) (workload, error) {
	w := workload{name: name, kind: kindMixed}
	switch {
	case name == "hotkeys":
		w.kind, w.update = kindHotkeys, hotUpdatePct
		return w, nil
	case name == "hotkeys-churn" || name == "hotkeys-churn-empty":
		w.kind, w.update, w.empty = kindHotkeysChurn, hotUpdatePct, name != "hotkeys-churn"
		return w, nil
	case name == "bulkload":
		w.kind, w.update = kindBulkload, 100
		return w, nil
	case name == "churn":
		w.kind, w.update = kindChurn, churnUpdPct
		return w, nil
	case strings.HasPrefix(name, "churn-"):
		m, err := workloadPreset(name[6:])
		if err != nil || m.kind != kindMixed {
			return w, fmt.Errorf("unknown workload '%s'", name)
		}
		w.kind, w.update = kindChurn, m.update
		return w, nil
	}
	parts := strings.Split(name, "/")
	if len(parts) != 2 {
		return w, fmt.Errorf("unknown workload '%s'", name)
	}
	rd, err1 := strconv.ParseUint(parts[0], 10, 32)
	wr, err2 := strconv.ParseUint(parts[1], 10, 32)
	if err1 != nil || err2 != nil || rd+wr != 100 {
		return w, fmt.Errorf("unknown workload '%s'", name)
	}
	w.update = float64(wr)
	return w, nil
}

// size: lfb_workload_size.
func (w *workload) size(initial, rangeOpt uint64) {
	w.initial = initial
	w.prefill = initial
	if w.kind == kindBulkload || w.empty {
		w.prefill = 0
	}
	switch w.kind {
	case kindHotkeys:
		w.rangeN = initial
	case kindHotkeysChurn:
		w.rangeN = initial + w.hotKeys
	case kindChurn:
		w.rangeN = rangeOpt
		if w.rangeN == 0 {
			w.rangeN = churnFactor * initial
		}
	default:
		w.rangeN = rangeOpt
		if w.rangeN == 0 {
			w.rangeN = 2 * initial
		}
	}
}

// capacity: lfb_run_capacity.
func (w *workload) capacity() uint64 {
	switch {
	case w.kind == kindBulkload:
		if w.presized {
			return w.initial
		}
		return 0
	case w.kind == kindHotkeysChurn && w.empty:
		return w.hotKeys
	}
	return w.initial
}

func (w *workload) writeMixName() string {
	switch w.kind {
	case kindMixed:
		return mixNames[w.mix]
	case kindHotkeys:
		return "remove-then-reinsert"
	case kindHotkeysChurn:
		return "store-then-load-and-delete"
	case kindChurn:
		return "fill-drain"
	}
	return "insert"
}
