/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * tbb: oneTBB's concurrent_hash_map (per-bucket reader-writer locks held
 * through accessors).  Same mixer as the other maps (lib/hash.h).
 */
#include <oneapi/tbb/concurrent_hash_map.h>
#include <oneapi/tbb/version.h>

#include <cstdio>

#include "hash.h"
#include "map_iface.h"

namespace {

struct MixHashCompare {
    struct lfmap_hasher h;
    explicit MixHashCompare(uint64_t seed = 0) { lf_hasher_init(&h, seed); }
    size_t hash(uint64_t k) const { return lf_mix(&h, k); }
    bool equal(uint64_t a, uint64_t b) const { return a == b; }
};

using Map = tbb::concurrent_hash_map<uint64_t, uint64_t, MixHashCompare>;

Map *as_map(void *m) { return static_cast<Map *>(m); }

void *create(const struct lfb_map_config *cfg)
{
    try {
        return new Map(cfg->capacity, MixHashCompare(cfg->seed));
    } catch (...) {
        return nullptr;
    }
}

void destroy(void *m) { delete as_map(m); }

bool get(void *m, uint64_t k, uint64_t *v)
{
    Map::const_accessor a;
    if (!as_map(m)->find(a, k))
        return false;
    if (v)
        *v = a->second;
    return true;
}

bool insert(void *m, uint64_t k, uint64_t v) { return as_map(m)->insert(Map::value_type(k, v)); }
bool remove(void *m, uint64_t k) { return as_map(m)->erase(k); }

bool put(void *m, uint64_t k, uint64_t v)
{
    Map::accessor a;
    bool fresh = as_map(m)->insert(a, k);
    a->second = v;
    return fresh;
}

bool cas(void *m, uint64_t k, uint64_t expected, uint64_t desired)
{
    Map::accessor a;
    if (!as_map(m)->find(a, k) || a->second != expected)
        return false;
    a->second = desired;
    return true;
}

void stats(void *m, struct lfb_map_stats *out)
{
    out->size = as_map(m)->size();
    out->resizes = -1;
    out->retired_bytes = 0;
    snprintf(out->config, sizeof out->config, "{\"bucket_count\":%zu,\"tbb\":\"%s\"}",
             static_cast<size_t>(as_map(m)->bucket_count()), TBB_VERSION_STRING);
}

struct lfb_map_ops make_ops()
{
    struct lfb_map_ops ops = {};
    ops.name = "tbb";
    ops.description = "oneTBB concurrent_hash_map (C++)";
    ops.create = create;
    ops.destroy = destroy;
    ops.get = get;
    ops.insert = insert;
    ops.remove = remove;
    ops.put = put;
    ops.cas = cas;
    ops.stats = stats;
    ops.stats_concurrent = true; /* size() reads counters, no walk, no lock */
    return ops;
}

} // namespace

extern "C" const struct lfb_map_ops lfb_map_tbb = make_ops();
