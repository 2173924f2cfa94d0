// SPDX-License-Identifier: LGPL-2.1-or-later

// The Go maps the brief's designs come from, each as a Go programmer would
// write it with the standard library only (Go 1.19), behind one interface
// (the counterpart of experiments/lfbench/map_iface.h):
//
//	go-syncmap  sync.Map: keys and values are boxed in `any`, as every user
//	            of sync.Map pays; Store is the put (Go 1.19 has no Swap, so
//	            a put cannot tell whether the key was new) and there is no
//	            CompareAndSwap (cas-increment is not run on it)
//	go-mutex    map[uint64]uint64 behind a sync.Mutex
//	go-rwmutex  map[uint64]uint64 behind a sync.RWMutex (reads share it)
//	go-sharded  64 such maps, each behind its own Mutex and padded to its own
//	            cache lines; shard = top 6 bits of lfmap's seeded mixer, as
//	            the C striped map chooses
//	go-cow      an atomic.Pointer to an immutable map; a writer takes a
//	            Mutex, copies the map, changes the copy and publishes it (a
//	            write that changes nothing publishes nothing); the garbage
//	            collector frees old copies
//
// Maps are created for the workload's capacity (make's size hint), except
// sync.Map, which takes none.

package main

import (
	"fmt"
	"reflect"
	"sync"
	"sync/atomic"
)

type goMap interface {
	Get(k uint64) (uint64, bool)
	Insert(k, v uint64) bool // true: inserted (the key was absent)
	Remove(k uint64) bool    // true: removed
	// Put sets the value; isNew is meaningful only when known.
	Put(k, v uint64) (isNew, known bool)
	// CAS: swapped; ok false when the map has no compare-and-swap.
	CAS(k, expected, desired uint64) (swapped, ok bool)
	Len() int
	Config() string // a JSON object, as the C adapters' map_config
}

type mapDef struct {
	name, description, analogue string
	hasCAS                      bool
	create                      func(capacity uint64, seed uint64) goMap
}

var goMaps = []mapDef{
	{"go-syncmap", "Go 1.19 sync.Map (boxed any keys and values)", "readmostly", false,
		func(c, s uint64) goMap { return &syncMap{} }},
	{"go-mutex", "map[uint64]uint64 behind a sync.Mutex", "mutex", true,
		func(c, s uint64) goMap { return &mutexMap{m: make(plainMap, c)} }},
	{"go-rwmutex", "map[uint64]uint64 behind a sync.RWMutex", "rwlock", true,
		func(c, s uint64) goMap { return &rwMap{m: make(plainMap, c)} }},
	{"go-sharded", "64 maps, one sync.Mutex each, shard by hash", "striped", true, newSharded},
	{"go-cow", "atomic.Pointer to an immutable map, copied per write", "cow", true, newCow},
}

func findMap(name string) *mapDef {
	for i := range goMaps {
		if goMaps[i].name == name {
			return &goMaps[i]
		}
	}
	return nil
}

// ---- sync.Map ----------------------------------------------------------

type syncMap struct {
	m sync.Map
	// --count-promotions: after every operation, sync.Map's private dirty
	// map is looked at (reflection reads unexported fields) and its
	// transitions counted: non-nil to nil is a promotion (missLocked; Range
	// is never called), nil to non-nil a dirty-map build (dirtyLocked).
	// Off in timed runs (the reflection costs more than the operation).
	inspect                 bool
	promotions, dirtyBuilds uint64
	dirty                   reflect.Value
}

func (s *syncMap) startInspect() {
	s.inspect = true
	s.dirty = reflect.ValueOf(&s.m).Elem().FieldByName("dirty")
}

func (s *syncMap) before() bool { return s.inspect && s.dirty.IsNil() }

func (s *syncMap) after(wasNil bool) {
	if !s.inspect {
		return
	}
	isNil := s.dirty.IsNil()
	if !wasNil && isNil {
		s.promotions++
	} else if wasNil && !isNil {
		s.dirtyBuilds++
	}
}

func (s *syncMap) Get(k uint64) (uint64, bool) {
	b := s.before()
	v, ok := s.m.Load(k)
	s.after(b)
	if !ok {
		return 0, false
	}
	return v.(uint64), true
}

func (s *syncMap) Insert(k, v uint64) bool {
	b := s.before()
	_, loaded := s.m.LoadOrStore(k, v)
	s.after(b)
	return !loaded
}

func (s *syncMap) Remove(k uint64) bool {
	b := s.before()
	_, loaded := s.m.LoadAndDelete(k)
	s.after(b)
	return loaded
}

func (s *syncMap) Put(k, v uint64) (bool, bool) {
	b := s.before()
	s.m.Store(k, v)
	s.after(b)
	return false, false
}

func (s *syncMap) CAS(k, e, d uint64) (bool, bool) { return false, false }

func (s *syncMap) Len() int {
	n := 0
	s.m.Range(func(_, _ any) bool { n++; return true })
	return n
}

func (s *syncMap) Config() string {
	if s.inspect {
		return fmt.Sprintf(`{"design":"Go 1.19 sync.Map","promotions":%d,"dirty_builds":%d}`,
			s.promotions, s.dirtyBuilds)
	}
	return `{"design":"Go 1.19 sync.Map","promotions":null,"dirty_builds":null}`
}

// ---- Mutex and RWMutex maps --------------------------------------------

// plainMap: a Go map's operations, each under a lock its caller holds (the
// lock-based maps below differ only in their locks).
type plainMap map[uint64]uint64

func (p plainMap) insert(k, v uint64) bool {
	if _, ok := p[k]; ok {
		return false
	}
	p[k] = v
	return true
}

func (p plainMap) remove(k uint64) bool {
	_, ok := p[k]
	if ok {
		delete(p, k)
	}
	return ok
}

func (p plainMap) put(k, v uint64) bool {
	_, ok := p[k]
	p[k] = v
	return !ok
}

func (p plainMap) cas(k, e, d uint64) bool {
	v, ok := p[k]
	if ok && v == e {
		p[k] = d
		return true
	}
	return false
}

type mutexMap struct {
	mu sync.Mutex
	m  plainMap
}

func (t *mutexMap) Get(k uint64) (uint64, bool) {
	t.mu.Lock()
	v, ok := t.m[k]
	t.mu.Unlock()
	return v, ok
}

func (t *mutexMap) Insert(k, v uint64) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.m.insert(k, v)
}

func (t *mutexMap) Remove(k uint64) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.m.remove(k)
}

func (t *mutexMap) Put(k, v uint64) (bool, bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.m.put(k, v), true
}

func (t *mutexMap) CAS(k, e, d uint64) (bool, bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.m.cas(k, e, d), true
}

func (t *mutexMap) Len() int {
	t.mu.Lock()
	defer t.mu.Unlock()
	return len(t.m)
}

func (t *mutexMap) Config() string { return `{"lock":"sync.Mutex"}` }

// rwMap: a mutexMap whose lookups share the lock (RLock).
type rwMap struct {
	mu sync.RWMutex
	m  plainMap
}

func (t *rwMap) Get(k uint64) (uint64, bool) {
	t.mu.RLock()
	v, ok := t.m[k]
	t.mu.RUnlock()
	return v, ok
}

func (t *rwMap) Insert(k, v uint64) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.m.insert(k, v)
}

func (t *rwMap) Remove(k uint64) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.m.remove(k)
}

func (t *rwMap) Put(k, v uint64) (bool, bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.m.put(k, v), true
}

func (t *rwMap) CAS(k, e, d uint64) (bool, bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.m.cas(k, e, d), true
}

func (t *rwMap) Len() int {
	t.mu.RLock()
	defer t.mu.RUnlock()
	return len(t.m)
}

func (t *rwMap) Config() string { return `{"lock":"sync.RWMutex"}` }

// ---- 64 shards ---------------------------------------------------------

const (
	shardsLog2 = 6
	shards     = 1 << shardsLog2
	shardSalt  = 0x5348415244 // "SHARD", the C striped map's salt
)

// lfmap's seeded mixer (lib/hash.h), for the shard choice only.
type hasher struct{ xorIn, mulSeed uint64 }

func splitmix(state *uint64) uint64 {
	*state += seedStride
	z := *state
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
	z = (z ^ (z >> 27)) * 0x94d049bb133111eb
	return z ^ (z >> 31)
}

func newHasher(seed uint64) hasher {
	s := seed
	h := hasher{xorIn: splitmix(&s)}
	h.mulSeed = splitmix(&s) | 1
	return h
}

func (h hasher) mix(k uint64) uint64 {
	x := k ^ h.xorIn
	x ^= x >> 32
	x *= h.mulSeed
	x ^= x >> 32
	x *= 0xc4ceb9fe1a85ec53
	x ^= x >> 32
	return x
}

type shard struct {
	mutexMap
	_ [64 - 16]byte // a shard per cache line: no false sharing of locks
}

type shardedMap struct {
	s [shards]shard
	h hasher
}

func newSharded(capacity, seed uint64) goMap {
	t := &shardedMap{h: newHasher(seed ^ shardSalt)}
	for i := range t.s {
		t.s[i].m = make(plainMap, capacity/shards+1)
	}
	return t
}

func (t *shardedMap) of(k uint64) *mutexMap { return &t.s[t.h.mix(k)>>(64-shardsLog2)].mutexMap }

func (t *shardedMap) Get(k uint64) (uint64, bool)     { return t.of(k).Get(k) }
func (t *shardedMap) Insert(k, v uint64) bool         { return t.of(k).Insert(k, v) }
func (t *shardedMap) Remove(k uint64) bool            { return t.of(k).Remove(k) }
func (t *shardedMap) Put(k, v uint64) (bool, bool)    { return t.of(k).Put(k, v) }
func (t *shardedMap) CAS(k, e, d uint64) (bool, bool) { return t.of(k).CAS(k, e, d) }

func (t *shardedMap) Len() int {
	n := 0
	for i := range t.s {
		n += t.s[i].Len()
	}
	return n
}

func (t *shardedMap) Config() string {
	return fmt.Sprintf(`{"stripes":%d,"lock":"sync.Mutex"}`, shards)
}

// ---- copy on write -----------------------------------------------------

type cowMap struct {
	cur    atomic.Pointer[map[uint64]uint64]
	mu     sync.Mutex
	copies atomic.Uint64
}

func newCow(capacity, seed uint64) goMap {
	t := &cowMap{}
	m := make(map[uint64]uint64, capacity)
	t.cur.Store(&m)
	return t
}

func (t *cowMap) Get(k uint64) (uint64, bool) {
	v, ok := (*t.cur.Load())[k]
	return v, ok
}

// write applies change to a copy when it changes anything (decided on the
// current map under the lock) and publishes the copy.
func (t *cowMap) write(k uint64, changes func(old map[uint64]uint64) bool, change func(m map[uint64]uint64)) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	old := *t.cur.Load()
	if !changes(old) {
		return false
	}
	m := make(map[uint64]uint64, len(old)+1)
	for key, v := range old {
		m[key] = v
	}
	change(m)
	t.cur.Store(&m)
	t.copies.Add(1)
	return true
}

func (t *cowMap) Insert(k, v uint64) bool {
	return t.write(k, func(old map[uint64]uint64) bool { _, ok := old[k]; return !ok },
		func(m map[uint64]uint64) { m[k] = v })
}

func (t *cowMap) Remove(k uint64) bool {
	return t.write(k, func(old map[uint64]uint64) bool { _, ok := old[k]; return ok },
		func(m map[uint64]uint64) { delete(m, k) })
}

func (t *cowMap) Put(k, v uint64) (bool, bool) {
	isNew := false
	t.write(k, func(old map[uint64]uint64) bool { _, ok := old[k]; isNew = !ok; return true },
		func(m map[uint64]uint64) { m[k] = v })
	return isNew, true
}

func (t *cowMap) CAS(k, e, d uint64) (bool, bool) {
	return t.write(k, func(old map[uint64]uint64) bool { v, ok := old[k]; return ok && v == e },
		func(m map[uint64]uint64) { m[k] = d }), true
}

func (t *cowMap) Len() int { return len(*t.cur.Load()) }

func (t *cowMap) Config() string {
	return fmt.Sprintf(`{"reclamation":"Go garbage collector","copies":%d,"lock":"sync.Mutex"}`, t.copies.Load())
}

// load: the prefill of a map that has one cheaper than Insert (the C cow's
// in-place load: a copy per key would make the prefill O(n^2)); the others
// load through Insert.
type loader interface{ Load(k, v uint64) bool }

func (t *cowMap) Load(k, v uint64) bool {
	m := *t.cur.Load()
	if _, ok := m[k]; ok {
		return false
	}
	m[k] = v
	return true
}
