/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * xenium: xenium's vyukov_hash_map (Debian libxenium-dev 0.0.2; after
 * Vyukov's hash map: lock-free reads, bucket locks for writes, growth by
 * copying into a new block) with each of xenium's reclamation schemes, as a
 * reference implementation of the trade-offs lfmap's schemes make.  One
 * series per scheme ("xenium/hazard-eras"), chosen by lfb_map_config.scheme
 * (lfbench --scheme; the names are xenium's, dashed):
 *
 *   epoch, new-epoch, debra   generic_epoch_based (Fraser's EBR; Hart et
 *                              al.'s NEBR; Brown's DEBRA)
 *   quiescent-state           quiescent_state_based
 *   hazard-pointer            hazard_pointer (Michael)
 *   hazard-eras               hazard_eras (Ramalhete and Correia)
 *   stamp-it                  stamp_it (Pöter and Träff)
 *
 * (lock_free_ref_count is not offered: vyukov_hash_map does not build with
 * it in this version.)
 *
 * Integer values are stored in the map's atomics (only its blocks are
 * reclaimed, at growth).  With --values pointer (lfb_map_xenium_pointer),
 * each value is a 32-byte object the map owns (managed_ptr): erase retires
 * it through the scheme, and a get holds it with a guard_ptr (an accessor);
 * the adapter counts objects retired and destroyed, so that retired_values
 * and retired_bytes (objects only: xenium does not expose its own blocks)
 * are comparable with lfmap's.  read_lock/read_unlock: the region guard of
 * the scheme (a critical region for the epoch schemes, nothing for hazard
 * pointers and eras), and the accessor of the last get inside it is kept
 * until read_unlock, as lfmap's hazard-pointer schemes keep the last value
 * got (the stalled-reader experiment).
 *
 * vyukov_hash_map has no assignment: put is erase then emplace, and cas is
 * a lookup, a compare, then erase and emplace; neither is atomic against
 * concurrent writes of the same key (the scheme workloads' writes are
 * insert/remove or put; lfbench's checks are single-threaded or give each
 * key one writer).  It has no size either: counted per thread by the
 * adapter, summed when threads leave (exact once every worker has left).
 *
 * g++ 12 needs <cassert> before xenium's headers (they use assert without
 * including it).  xenium's stamp_it makes a compare_exchange whose failure
 * order (acquire) is stronger than its success order (relaxed), which
 * C++17 allows (P0418) and g++ 12 still warns about, as an error under
 * WERROR: that warning is off for this file, which is xenium's code only.
 */
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Winvalid-memory-model"
#endif
#include <cassert>

#include <xenium/reclamation/generic_epoch_based.hpp>
#include <xenium/reclamation/hazard_eras.hpp>
#include <xenium/reclamation/hazard_pointer.hpp>
#include <xenium/reclamation/quiescent_state_based.hpp>
#include <xenium/reclamation/stamp_it.hpp>
#include <xenium/vyukov_hash_map.hpp>

#include <atomic>
#include <cstdio>
#include <cstring>
#include <new>
#include <utility>
#include <new>

#include "hash.h"
#include "map_iface.h"

namespace {

namespace xr = xenium::reclamation;

/* lfmap's mixer (lib/hash.h), as for the other peers; xenium default-
 * constructs its hash functor, so the seed is process-wide. */
struct lfmap_hasher mix_hasher;
std::atomic<bool> mix_seeded{false};

struct MixHash {
    xenium::hash_t operator()(uint64_t k) const noexcept { return lf_mix(&mix_hasher, k); }
};

/* Size: per-thread deltas, added to the total when the thread leaves. */
std::atomic<int64_t> size_total{0};
thread_local int64_t size_here = 0;

/* Pointer values: objects published (allocated and kept), retired
 * (erased) and destroyed.  Retired and destroyed are shared counters, read
 * by the memory monitor during runs (lfmap counts its retired values in
 * shared counters too); published ones are per thread, added when the
 * thread leaves. */
std::atomic<uint64_t> objs_allocated{0}, objs_retired{0}, objs_freed{0};
thread_local uint64_t allocated_here = 0;

void flush_counts()
{
    size_total.fetch_add(size_here);
    size_here = 0;
    objs_allocated.fetch_add(allocated_here);
    allocated_here = 0;
}

/* The operations of one scheme R, integer and pointer values. */
struct scheme_ops {
    const char *name;
    void *(*create)(size_t capacity, bool pointer);
    void (*destroy)(void *m, bool pointer);
    bool (*get)(void *m, bool pointer, uint64_t k, uint64_t *v);
    bool (*insert)(void *m, bool pointer, uint64_t k, uint64_t v);
    bool (*remove)(void *m, bool pointer, uint64_t k);
    void (*read_lock)();
    void (*read_unlock)();
};

template <class R>
struct impl {
    struct obj : R::template enable_concurrent_ptr<obj> {
        uint64_t key, value, pad[2];
        bool published = false; /* counted: an object never published is not */
        obj(uint64_t k, uint64_t v) : key(k), value(v), pad{} {}
        ~obj()
        {
            key = UINT64_MAX; /* what a late reader would see */
            if (published)
                objs_freed.fetch_add(1, std::memory_order_relaxed);
        }
    };
    using int_map = xenium::vyukov_hash_map<uint64_t, uint64_t, xenium::policy::reclaimer<R>,
                                            xenium::policy::hash<MixHash>>;
    using ptr_map = xenium::vyukov_hash_map<uint64_t, xenium::managed_ptr<obj, R>, xenium::policy::reclaimer<R>,
                                            xenium::policy::hash<MixHash>>;

    /* The region guard and the accessor of the last get inside
     * read_lock..read_unlock (storage for them, constructed in place and
     * destroyed at read_unlock: a thread_local accessor destroyed at thread
     * exit would run after xenium's own thread data is gone, UBSan: a null
     * thread_control_block in release_hazard_pointer). */
    using accessor = typename ptr_map::accessor;
    struct held {
        alignas(typename R::region_guard) unsigned char region[sizeof(typename R::region_guard)];
        alignas(accessor) unsigned char last[sizeof(accessor)];
        bool in_region = false;
        bool has_last = false;
    };
    static void drop_last(held &h)
    {
        if (h.has_last) {
            reinterpret_cast<accessor *>(h.last)->~accessor();
            h.has_last = false;
        }
    }
    static held &here()
    {
        static thread_local held h;
        return h;
    }

    static void *create(size_t capacity, bool pointer)
    {
        size_t c = capacity < 128 ? 128 : capacity;
        try {
            if (pointer)
                return new ptr_map(c);
            return new int_map(c);
        } catch (...) {
            return nullptr;
        }
    }
    static void destroy(void *m, bool pointer)
    {
        if (pointer)
            delete static_cast<ptr_map *>(m);
        else
            delete static_cast<int_map *>(m);
    }
    static bool get(void *m, bool pointer, uint64_t k, uint64_t *v)
    {
        if (!pointer) {
            typename int_map::accessor a;
            if (!static_cast<int_map *>(m)->try_get_value(k, a))
                return false;
            *v = *a;
            return true;
        }
        held &h = here();
        if (h.in_region)
            drop_last(h); /* hazard slots are few: let go of the previous one first */
        typename ptr_map::accessor a;
        if (!static_cast<ptr_map *>(m)->try_get_value(k, a))
            return false;
        if (a->key != k) {
            std::fprintf(stderr, "lfbench: xenium: key %llu's value points to an object of key %llu "
                                 "(freed while a reader held it?)\n",
                         (unsigned long long)k, (unsigned long long)a->key);
            std::abort();
        }
        *v = a->value;
        if (h.in_region) {
            new (h.last) accessor(std::move(a)); /* held until read_unlock */
            h.has_last = true;
        }
        return true;
    }
    static bool insert(void *m, bool pointer, uint64_t k, uint64_t v)
    {
        bool done;
        if (pointer) {
            obj *o = new obj(k, v);
            o->published = true; /* before emplace publishes it */
            done = static_cast<ptr_map *>(m)->emplace(k, o);
            if (done) {
                allocated_here++;
            } else {
                o->published = false; /* never published: ours to delete */
                delete o;
            }
        } else {
            done = static_cast<int_map *>(m)->emplace(k, v);
        }
        size_here += done;
        return done;
    }
    static bool remove(void *m, bool pointer, uint64_t k)
    {
        bool done;
        if (pointer) {
            /* Not erase(): with managed_ptr values it retires the empty
             * accessor of an absent key too, which hazard_eras
             * dereferences (a crash in xenium 0.0.2).  extract, then retire
             * what it found. */
            typename ptr_map::accessor a;
            done = static_cast<ptr_map *>(m)->extract(k, a);
            if (done)
                a.reclaim();
        } else {
            done = static_cast<int_map *>(m)->erase(k);
        }
        size_here -= done;
        if (pointer && done)
            objs_retired.fetch_add(1, std::memory_order_relaxed); /* erase retired it */
        return done;
    }
    static void read_lock()
    {
        held &h = here();
        if (!h.in_region) {
            new (h.region) typename R::region_guard();
            h.in_region = true;
        }
    }
    static void read_unlock()
    {
        held &h = here();
        if (h.in_region) {
            drop_last(h);
            reinterpret_cast<typename R::region_guard *>(h.region)->~region_guard();
            h.in_region = false;
        }
    }
    static constexpr scheme_ops ops(const char *name)
    {
        return {name, create, destroy, get, insert, remove, read_lock, read_unlock};
    }
};

const scheme_ops schemes[] = {
    impl<xr::epoch_based<>>::ops("epoch"),
    impl<xr::new_epoch_based<>>::ops("new-epoch"),
    impl<xr::debra<>>::ops("debra"),
    impl<xr::quiescent_state_based>::ops("quiescent-state"),
    impl<xr::hazard_pointer<>>::ops("hazard-pointer"),
    impl<xr::hazard_eras<>>::ops("hazard-eras"),
    impl<xr::stamp_it>::ops("stamp-it"),
};
const char *const scheme_names[] = {"epoch",          "new-epoch",   "debra",    "quiescent-state",
                                    "hazard-pointer", "hazard-eras", "stamp-it", nullptr};
static_assert(sizeof schemes / sizeof schemes[0] + 1 == sizeof scheme_names / sizeof scheme_names[0],
              "one name per scheme");

/* A map: the scheme's operations and its vyukov_hash_map. */
struct map {
    const scheme_ops *s;
    bool pointer;
    void *m;
};

map *as_map(void *m) { return static_cast<map *>(m); }

void *create_common(const struct lfb_map_config *cfg, bool pointer)
{
    const char *name = cfg->scheme ? cfg->scheme : "epoch";
    const scheme_ops *s = nullptr;
    for (const scheme_ops &c : schemes)
        if (std::strcmp(c.name, name) == 0)
            s = &c;
    if (!s)
        return nullptr;
    if (!mix_seeded.exchange(true))
        lf_hasher_init(&mix_hasher, cfg->seed ? cfg->seed : 1);
    size_total.store(0);
    map *m = new (std::nothrow) map{s, pointer, nullptr};
    if (!m)
        return nullptr;
    m->m = s->create(cfg->capacity, pointer);
    if (!m->m) {
        delete m;
        return nullptr;
    }
    return m;
}

void *create_int(const struct lfb_map_config *cfg) { return create_common(cfg, false); }
void *create_ptr(const struct lfb_map_config *cfg) { return create_common(cfg, true); }

void destroy(void *p)
{
    map *m = as_map(p);
    m->s->destroy(m->m, m->pointer);
    delete m;
}

void thread_exit(void *p)
{
    (void)p;
    flush_counts();
}

bool get(void *p, uint64_t k, uint64_t *v)
{
    map *m = as_map(p);
    uint64_t out;
    if (!m->s->get(m->m, m->pointer, k, &out))
        return false;
    if (v)
        *v = out;
    return true;
}

bool insert(void *p, uint64_t k, uint64_t v)
{
    map *m = as_map(p);
    return m->s->insert(m->m, m->pointer, k, v);
}

bool remove(void *p, uint64_t k)
{
    map *m = as_map(p);
    return m->s->remove(m->m, m->pointer, k);
}

bool put(void *p, uint64_t k, uint64_t v)
{
    map *m = as_map(p);
    bool was = m->s->remove(m->m, m->pointer, k);
    m->s->insert(m->m, m->pointer, k, v);
    return !was;
}

bool cas(void *p, uint64_t k, uint64_t expected, uint64_t desired)
{
    map *m = as_map(p);
    uint64_t cur;
    if (!m->s->get(m->m, m->pointer, k, &cur) || cur != expected)
        return false;
    if (!m->s->remove(m->m, m->pointer, k))
        return false;
    m->s->insert(m->m, m->pointer, k, desired);
    return true;
}

void read_lock(void *p) { as_map(p)->s->read_lock(); }
void read_unlock(void *p) { as_map(p)->s->read_unlock(); }

void stats(void *p, struct lfb_map_stats *out)
{
    map *m = as_map(p);
    int64_t size = size_total.load() + size_here;
    out->size = size < 0 ? 0 : (uint64_t)size;
    out->resizes = -1;
    out->retired_bytes = -1;
    out->retired_values = -1;
    if (m->pointer) {
        /* Objects erased and not destroyed yet. */
        uint64_t retired = objs_retired.load(std::memory_order_relaxed);
        uint64_t freed = objs_freed.load(std::memory_order_relaxed);
        int64_t pending = retired > freed ? (int64_t)(retired - freed) : 0;
        out->retired_values = pending;
        out->retired_bytes = pending * (int64_t)LFB_POINTER_VALUE_BYTES;
    }
    std::snprintf(out->scheme, sizeof out->scheme, "%s", m->s->name);
    std::snprintf(out->config, sizeof out->config, "{\"reclamation\":\"%s\",\"values\":\"%s\"}", m->s->name,
                  m->pointer ? "pointer" : "int");
}

void value_counts(struct lfb_value_counts *out)
{
    out->allocated = objs_allocated.load() + allocated_here;
    out->freed = objs_freed.load();
}

struct lfb_map_ops make_ops(bool pointer)
{
    struct lfb_map_ops ops = {};
    ops.name = "xenium";
    ops.description = pointer ? "xenium vyukov_hash_map with pointer values (managed_ptr; C++)"
                              : "xenium vyukov_hash_map, one series per reclamation scheme (C++)";
    ops.stats_concurrent = true;
    ops.create = pointer ? create_ptr : create_int;
    ops.destroy = destroy;
    ops.thread_exit = thread_exit;
    ops.get = get;
    ops.insert = insert;
    ops.remove = remove;
    ops.put = put;
    ops.cas = cas;
    ops.stats = stats;
    ops.read_lock = read_lock;
    ops.read_unlock = read_unlock;
    ops.schemes = scheme_names;
    if (pointer)
        ops.value_counts = value_counts;
    return ops;
}

} // namespace

extern "C" const struct lfb_map_ops lfb_map_xenium_pointer;
const struct lfb_map_ops lfb_map_xenium_pointer = make_ops(true);

namespace {
struct lfb_map_ops make_int_ops()
{
    struct lfb_map_ops ops = make_ops(false);
    ops.pointer_variant = &lfb_map_xenium_pointer;
    return ops;
}
} // namespace

extern "C" const struct lfb_map_ops lfb_map_xenium;
const struct lfb_map_ops lfb_map_xenium = make_int_ops();
