// SPDX-License-Identifier: LGPL-2.1-or-later
//
// The model runtime: what lib/lf_atomic.h routes lib/'s atomics to in the
// model build (-DLFMAP_MODEL), on top of the Relacy model checker.
//
//  * Atomics.  Each 8-byte atomic object of lib/ (found by its address) is
//    backed by a Relacy rl::atomic<uint64_t>, created on its first access in
//    an execution with the value the C object's storage holds (zero for
//    table memory, the static initialiser for globals), and destroyed at the
//    end of the execution.  Every load, store, RMW, CAS and fence is a
//    Relacy operation with lib/'s own memory order, so Relacy explores the
//    values C11 allows each load to return, not only the x86 ones.
//  * Memory.  Tables and map headers come from the model allocator (the
//    map's lfmap_allocator): Relacy's allocator (rl::rl_malloc), zeroed, and
//    registered as a block with a non-atomic guard variable written at
//    allocation.  Every atomic access inside a block first reads the guard
//    as a plain (rl::var) load: Relacy reports a data race unless the
//    allocation happens before the access, which is exactly the C11
//    requirement on the block's non-atomic initialisation (the zero fill and
//    the constant fields such as nslots and mask).  So a publication of a
//    table with a relaxed load is caught.  A free marks the block dead and
//    any later access to it fails the execution ("access to freed memory");
//    the memory itself goes back to Relacy at the end of the execution, and
//    a block never freed by then is reported as a leak (a table retired
//    never), one freed twice as a double free (retired twice).
//  * RCU.  See tests/model/shim/lfrcu.h.  Callbacks run on a worker thread
//    of their own (each scenario has one), as liburcu's call_rcu does, so
//    the free they do adds no synchronisation to the map's threads.
//  * Thread-local storage.  lf_model_thread() names the simulated thread;
//    the set-up and check code of a scenario runs as thread
//    LF_MODEL_MAX_THREADS - 1.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include <relacy/relacy.hpp>
// relacy.hpp redirects these names to its own versions for test code that
// uses them unqualified; this file calls the Relacy ones explicitly.
#undef new
#undef delete
#undef malloc
#undef calloc
#undef realloc
#undef free
#undef assert
// relacy.hpp spells C11's memory_order_* names as Relacy arguments; lib/'s
// header below defines them as C11's enumerators instead.
#undef memory_order_relaxed
#undef memory_order_consume
#undef memory_order_acquire
#undef memory_order_release
#undef memory_order_acq_rel
#undef memory_order_seq_cst

#include "lf_model.hpp"

extern "C" {
#include "lf_atomic.h"
#include "lfmap.h"
#include "lfrcu.h"
#include "perturb.h"
void lf_assert_fail(const char *expr, const char *file, int line) __attribute__((noreturn));
}
// This file calls Relacy directly, not through lib/'s C11 names.
#undef atomic_thread_fence
#undef atomic_signal_fence

namespace {

// Strong initialisation: the constructing thread initialises the object to
// 0 at construction, as the zero fill of the model allocator does.
typedef rl::generic_atomic<uint64_t, true> shadow_t;

rl::memory_order to_rl(memory_order mo)
{
    switch (mo) {
    case memory_order_relaxed: return rl::mo_relaxed;
    case memory_order_consume: return rl::mo_consume;
    case memory_order_acquire: return rl::mo_acquire;
    case memory_order_release: return rl::mo_release;
    case memory_order_acq_rel: return rl::mo_acq_rel;
    case memory_order_seq_cst: return rl::mo_seq_cst;
    }
    return rl::mo_seq_cst;
}

struct block {
    uintptr_t lo, hi;
    bool freed;
    rl::var<int> *guard;
};

struct pending_cb {
    lfrcu_head *head;
    lfrcu_callback fn;
    bool wait[LF_MODEL_MAX_THREADS];
    unsigned section[LF_MODEL_MAX_THREADS];
};

struct rcu_thread {
    int nest;
    unsigned section;
};

// Per-execution state (reset by lf_model_begin / lf_model_end).
lf_raw_map<uintptr_t, shadow_t *> shadows;
lf_raw_vector<block> blocks;
lf_raw_vector<pending_cb> rcu_pending;
rcu_thread rcu_threads[LF_MODEL_MAX_THREADS];
shadow_t *rcu_gp;
shadow_t *rcu_ctr[LF_MODEL_MAX_THREADS];
shadow_t *spin_word; // private: loaded by lf_model_spin, never written
bool outside_threads = true;
unsigned allocs_done;
void *last_alloc[LF_MODEL_MAX_THREADS]; // each thread's latest block
const char *failure_note;

// Whole-run state.
unsigned long hook_counts[LFMAP_HOOK_COUNT];
lf_model_hook_fn scenario_hook;

void fail(const char *what, const char *file, int line, const char *func)
{
    rl::ctx().fail_test(what, rl::test_result_user_assert_failed, rl::debug_info(func, file, line));
}

block *find_block(uintptr_t a)
{
    for (auto &b : blocks)
        if (a >= b.lo && a < b.hi)
            return &b;
    return nullptr;
}

shadow_t *shadow_of(const volatile void *obj, const char *file, int line, const char *func)
{
    uintptr_t a = (uintptr_t)obj;
    rl::debug_info info(func, file, line);
    if (block *b = find_block(a)) {
        if (b->freed) {
            fail("access to freed memory (a table or map used after its grace period)", file, line, func);
            return nullptr;
        }
        // A plain read of the block's initialisation: a data race unless the
        // allocation happens before this access (see the file comment).
        int g = (*b->guard)(info);
        (void)g;
    }
    auto it = shadows.find(a);
    if (it != shadows.end())
        return it->second;
    // A static object of lib/ (the atomics of blocks are created with
    // them): its initial value is its static initialiser.  Scenarios touch
    // them all in before() (lf_model_prepare_globals), which happens before
    // every thread.
    auto *s = lf_raw_new<shadow_t>();
    uint64_t raw;
    std::memcpy(&raw, (const void *)obj, sizeof raw);
    if (raw)
        s->store(raw, rl::mo_relaxed, info);
    shadows[a] = s;
    return s;
}

} // namespace

extern "C" {

uint64_t lf_model_load(const volatile void *obj, memory_order mo, const char *file, int line, const char *func)
{
    shadow_t *s = shadow_of(obj, file, line, func);
    return s ? s->load(to_rl(mo), rl::debug_info(func, file, line)) : 0;
}

void lf_model_store(volatile void *obj, uint64_t v, memory_order mo, const char *file, int line, const char *func)
{
    shadow_t *s = shadow_of(obj, file, line, func);
    if (s)
        s->store(v, to_rl(mo), rl::debug_info(func, file, line));
}

uint64_t lf_model_rmw(volatile void *obj, enum lf_model_rmw_op op, uint64_t v, memory_order mo, const char *file,
                      int line, const char *func)
{
    shadow_t *s = shadow_of(obj, file, line, func);
    if (!s)
        return 0;
    rl::debug_info info(func, file, line);
    switch (op) {
    case LF_MODEL_ADD: return s->fetch_add(v, to_rl(mo), info);
    case LF_MODEL_SUB: return s->fetch_sub(v, to_rl(mo), info);
    case LF_MODEL_AND: return s->fetch_and(v, to_rl(mo), info);
    case LF_MODEL_OR: return s->fetch_or(v, to_rl(mo), info);
    }
    return 0;
}

bool lf_model_cas(volatile void *obj, uint64_t *expected, uint64_t desired, bool weak, memory_order success,
                  memory_order failure, const char *file, int line, const char *func)
{
    shadow_t *s = shadow_of(obj, file, line, func);
    if (!s)
        return false;
    rl::debug_info info(func, file, line);
    if (weak)
        return s->compare_exchange_weak(*expected, desired, to_rl(success), info, to_rl(failure), info);
    return s->compare_exchange_strong(*expected, desired, to_rl(success), info, to_rl(failure), info);
}

void lf_model_fence(memory_order mo, const char *file, int line, const char *func)
{
    rl::atomic_thread_fence(to_rl(mo), rl::debug_info(func, file, line));
}

unsigned lf_model_thread(void)
{
    return outside_threads ? LF_MODEL_MAX_THREADS - 1 : rl::thread_index();
}

void lf_model_relax(void)
{
    rl::yield(1, $);
}

void lf_model_hook(enum lf_hook hook)
{
    hook_counts[hook]++;
    if (scenario_hook && !outside_threads)
        scenario_hook(hook);
}

void lf_assert_fail(const char *expr, const char *file, int line)
{
    static lf_raw_string msg;
    msg = lf_raw_string("lf_assert: ") + expr;
    fail(msg.c_str(), file, line, "lf_assert");
    std::abort(); // not reached: fail_test leaves this execution
}

// ---- RCU model (tests/model/shim/lfrcu.h) ----

int lfrcu_thread_register(void)
{
    return 0;
}

void lfrcu_thread_unregister(void)
{
}

// Runs the callbacks whose grace period has ended: every thread that was
// inside a read-side section at the retire has left that section.  The
// acquire RMW on each thread's word reads its last section-ending release,
// so its sections happen before the callback (and before the free in it).
static void rcu_run_ready(void)
{
    for (size_t i = 0; i < rcu_pending.size();) {
        pending_cb &p = rcu_pending[i];
        bool ready = true;
        for (unsigned t = 0; t < LF_MODEL_MAX_THREADS; t++)
            if (p.wait[t] && rcu_threads[t].nest > 0 && rcu_threads[t].section == p.section[t])
                ready = false;
        if (!ready) {
            i++;
            continue;
        }
        pending_cb run = p;
        rcu_pending.erase(rcu_pending.begin() + (long)i);
        // Every thread, not only those waited for: a section that ended
        // before the retire must happen before the free too (a grace
        // period reads every reader's state).
        for (unsigned t = 0; t < LF_MODEL_MAX_THREADS; t++)
            rcu_ctr[t]->fetch_add(0, rl::mo_acquire, $);
        run.fn(run.head);
        i = 0; // the callback may have changed the list
    }
}

void lfrcu_model_read_lock(void)
{
    rcu_thread &t = rcu_threads[lf_model_thread()];
    if (t.nest++ == 0) {
        t.section++;
        // acquire RMW (reads the latest): a section that starts after a
        // retire sees what the retirer did before it (the grace period
        // starts at the retire).  Readers do not synchronise with each
        // other through it: no reader releases on this word.
        rcu_gp->fetch_add(0, rl::mo_acquire, $);
    }
}

void lfrcu_model_read_unlock(void)
{
    unsigned self = lf_model_thread();
    rcu_thread &t = rcu_threads[self];
    if (t.nest == 1) {
        // release, on this thread's own word: the section's accesses
        // happen before any callback that waited for it.
        rcu_ctr[self]->fetch_add(1, rl::mo_release, $);
    }
    t.nest--;
}

void lfrcu_retire(struct lfrcu_head *head, lfrcu_callback fn)
{
    // release: orders the retirer's earlier writes (the promotion) before
    // every section that starts later.
    rcu_gp->fetch_add(1, rl::mo_release, $);
    pending_cb p;
    p.head = head;
    p.fn = fn;
    for (unsigned t = 0; t < LF_MODEL_MAX_THREADS; t++) {
        p.wait[t] = rcu_threads[t].nest > 0;
        p.section[t] = rcu_threads[t].section;
    }
    rcu_pending.push_back(p);
}

void lfrcu_barrier(void)
{
    rcu_run_ready();
    if (!rcu_pending.empty())
        fail("lfrcu_barrier: a callback still waits (a thread left inside a read-side section)", __FILE__,
             __LINE__, __func__);
}

bool lfrcu_may_wait(void)
{
    return rcu_threads[lf_model_thread()].nest == 0;
}

// The model's one scheme: the default, urcu-memb, whose maps take the
// inline read side (LFRCU_INLINE_MEMB: lfrcu_domain_lock in the shim).
static void model_quiescent(void)
{
}

static const struct lfrcu_scheme model_scheme = {
    "urcu-memb",
    lfrcu_thread_register,
    lfrcu_thread_unregister,
    lfrcu_model_read_lock,
    lfrcu_model_read_unlock,
    lfrcu_retire,
    lfrcu_barrier,
    lfrcu_may_wait,
    model_quiescent,
    nullptr, // no offline/online: not a QSBR scheme
    nullptr,
    nullptr, // no hazard pointers: ck-hp is not modelled
    false,   // no_read_side
    nullptr, // no birth: the era schemes are not modelled
    nullptr, // no era_reader
    false,   // never_frees
    true,    // default_contract: it stands for urcu-memb
};
static const struct lfrcu_scheme *const model_schemes[] = {&model_scheme, nullptr};

struct lfrcu_domain lfrcu_default_domain = {&model_scheme, 1u, LFRCU_INLINE_MEMB, false, 0};

int lfrcu_domain_init(struct lfrcu_domain *d, const char *name)
{
    if (name && std::strcmp(name, model_scheme.name) != 0)
        return -ENOENT;
    *d = lfrcu_default_domain;
    return 0;
}

int lfrcu_domain_init_unnamed(struct lfrcu_domain *d)
{
    *d = lfrcu_default_domain;
    return 0;
}

const struct lfrcu_scheme *lfrcu_scheme_at(size_t i)
{
    return i == 0 ? &model_scheme : nullptr;
}

const struct lfrcu_scheme *const *lfrcu_schemes(void)
{
    return model_schemes;
}

unsigned lfrcu_scheme_bit(const struct lfrcu_scheme *s)
{
    return s == &model_scheme ? 1u : 0u;
}

int lfrcu_default_resolve(void)
{
    return 0;
}

const char *lfrcu_scheme_name(void)
{
    return model_scheme.name;
}

} // extern "C"

// ---- allocator ----

static void *model_alloc(size_t size, void *ctx)
{
    lf_model_alloc_policy *pol = (lf_model_alloc_policy *)ctx;
    if (pol && pol->fail_from && ++allocs_done >= pol->fail_from && allocs_done < pol->fail_to)
        return nullptr;
    void *p = rl::rl_malloc(size, $);
    std::memset(p, 0, size);
    // Every 8-byte word of the block may be an atomic object: each gets its
    // Relacy atomic now, initialised to 0 by this thread, so that a thread
    // that reaches the block without synchronising with this allocation
    // reads uninitialised memory (Relacy reports it).
    for (uintptr_t w = (uintptr_t)p; w + 8 <= (uintptr_t)p + size; w += 8)
        shadows[w] = lf_raw_new<shadow_t>();
    block b;
    b.lo = (uintptr_t)p;
    b.hi = b.lo + size;
    b.freed = false;
    b.guard = lf_raw_new<rl::var<int>>();
    // The block's initialisation (zero fill, then its constant fields).
    (*b.guard)($) = 1;
    blocks.push_back(b);
    last_alloc[lf_model_thread()] = p;
    return p;
}

static void model_free(void *p, size_t size, void *ctx)
{
    (void)size;
    (void)ctx;
    uintptr_t a = (uintptr_t)p;
    for (auto &b : blocks) {
        if (b.lo != a)
            continue;
        if (b.freed)
            fail("double free (a table retired twice)", __FILE__, __LINE__, __func__);
        // A plain write: the free must happen after every access.
        (*b.guard)($) = 2;
        b.freed = true;
        // The atomics of the block die with it.
        for (auto it = shadows.lower_bound(b.lo); it != shadows.end() && it->first < b.hi;) {
            lf_raw_delete(it->second);
            it = shadows.erase(it);
        }
        return;
    }
    fail("free of memory the model allocator did not hand out", __FILE__, __LINE__, __func__);
}

struct lfmap_allocator lf_model_allocator(lf_model_alloc_policy *policy)
{
    struct lfmap_allocator a;
    std::memset(&a, 0, sizeof a);
    a.alloc = model_alloc;
    a.free = model_free;
    a.ctx = policy;
    return a;
}

void lf_model_begin(void)
{
    // A failed execution leaves the run without reaching lf_model_end (and
    // Relacy replays it in a fresh context): drop, without destroying, what
    // it left.
    shadows.clear();
    blocks.clear();
    rcu_pending.clear();
    outside_threads = true;
    allocs_done = 0;
    std::memset(last_alloc, 0, sizeof last_alloc);
    failure_note = nullptr;
    std::memset(rcu_threads, 0, sizeof rcu_threads);
    rcu_gp = lf_raw_new<shadow_t>();
    for (auto &c : rcu_ctr)
        c = lf_raw_new<shadow_t>();
    spin_word = lf_raw_new<shadow_t>();
}

void lf_model_threads_running(bool running)
{
    outside_threads = !running;
}

bool lf_model_end(void)
{
    outside_threads = true;
    bool ok = true;
    for (auto &b : blocks)
        if (!b.freed) {
            ok = false;
            fail("memory never freed (a table never retired, or the map leaked)", __FILE__, __LINE__, __func__);
        }
    for (auto &kv : shadows)
        lf_raw_delete(kv.second);
    shadows.clear();
    for (auto &b : blocks) {
        lf_raw_delete(b.guard);
        rl::rl_free((void *)b.lo, $);
    }
    blocks.clear();
    rcu_pending.clear();
    lf_raw_delete(rcu_gp);
    rcu_gp = nullptr;
    for (auto &c : rcu_ctr) {
        lf_raw_delete(c);
        c = nullptr;
    }
    lf_raw_delete(spin_word);
    spin_word = nullptr;
    return ok;
}

uint64_t lf_model_peek(const volatile void *obj)
{
    uintptr_t a = (uintptr_t)obj;
    auto it = shadows.find(a);
    if (it != shadows.end())
        return it->second->debug_value();
    uint64_t raw;
    std::memcpy(&raw, (const void *)obj, sizeof raw);
    return raw;
}

void *lf_model_last_alloc(void)
{
    return last_alloc[lf_model_thread()];
}

bool lf_model_is_freed(const volatile void *obj)
{
    block *b = find_block((uintptr_t)obj);
    return b && b->freed;
}

void lf_model_spin(void)
{
    // A scheduling point that is not a yield: Relacy lets a thread that
    // yielded read only the latest values afterwards (its livelock rule),
    // which would hide exactly the stale reads the scenarios look for.
    (void)spin_word->load(rl::mo_relaxed, $);
}

// The call_rcu worker's step (the scenarios' extra thread runs it).
bool lf_model_rcu_poll(void)
{
    rcu_run_ready();
    return !rcu_pending.empty();
}

void lf_model_clock(unsigned *self, uint64_t *own, uint64_t vc[LF_MODEL_MAX_THREADS])
{
    rl::thread_info_base *th = rl::ctx().threadx_;
    *self = th->index_;
    *own = th->own_acq_rel_order_;
    for (unsigned i = 0; i < LF_MODEL_MAX_THREADS; i++)
        vc[i] = i < (unsigned)rl::ctx().get_thread_count() ? th->acq_rel_order_[i] : 0;
}

void lf_model_set_hook(lf_model_hook_fn fn)
{
    scenario_hook = fn;
}

unsigned long lf_model_hook_count(int hook)
{
    return hook_counts[hook];
}

void lf_model_fail(const char *what)
{
    fail(what, "scenario", 0, "check");
}
