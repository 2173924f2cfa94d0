/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * tbb-bytes: oneTBB's concurrent_hash_map with std::string keys, configured
 * as the integer tbb (maps/map_tbb.cc): per-bucket reader-writer locks held
 * through accessors, presized to the prefill.  At its best: the hash-compare
 * is transparent (oneTBB's heterogeneous lookup), so find, erase and the
 * accessors take the key as a std::string_view and no std::string is built
 * but for a key that is added; lfmap's seeded byte hash (bkey_hash.h).
 */
#include <oneapi/tbb/concurrent_hash_map.h>
#include <oneapi/tbb/version.h>

#include <cstdio>
#include <string>
#include <string_view>

#include "bkey_hash.h"
#include "bmap_iface.h"

namespace {

struct BHashCompare {
    using is_transparent = void;
    struct lfmap_hasher h;
    explicit BHashCompare(uint64_t seed = 0) { lf_hasher_init(&h, seed); }
    size_t hash(std::string_view s) const { return lfb_bkey_hash(&h, s.data(), s.size()); }
    bool equal(std::string_view a, std::string_view b) const { return a == b; }
};

using Map = tbb::concurrent_hash_map<std::string, uint64_t, BHashCompare>;

Map *as_map(void *m) { return static_cast<Map *>(m); }

std::string_view sv(const void *k, size_t n) { return std::string_view(static_cast<const char *>(k), n); }

void *create(const struct lfb_map_config *cfg)
{
    try {
        return new Map(cfg->capacity, BHashCompare(cfg->seed));
    } catch (...) {
        return nullptr;
    }
}

void destroy(void *m) { delete as_map(m); }

} // namespace

static bool tb_get(void *m, const void *k, size_t n, uint64_t *v)
{
    Map::const_accessor a;
    if (!as_map(m)->find(a, sv(k, n)))
        return false;
    if (v)
        *v = a->second;
    return true;
}

static bool tb_insert(void *m, const void *k, size_t n, uint64_t v)
{
    Map::accessor a;
    if (!as_map(m)->insert(a, sv(k, n)))
        return false;
    a->second = v;
    return true;
}

static bool tb_remove(void *m, const void *k, size_t n) { return as_map(m)->erase(sv(k, n)); }

static bool tb_put(void *m, const void *k, size_t n, uint64_t v)
{
    Map::accessor a;
    bool fresh = as_map(m)->insert(a, sv(k, n));
    a->second = v;
    return fresh;
}

static bool tb_cas(void *m, const void *k, size_t n, uint64_t expected, uint64_t desired)
{
    Map::accessor a;
    if (!as_map(m)->find(a, sv(k, n)) || a->second != expected)
        return false;
    a->second = desired;
    return true;
}

static void tb_stats(void *m, struct lfb_map_stats *out)
{
    out->size = as_map(m)->size();
    out->resizes = -1;
    out->retired_bytes = 0;
    snprintf(out->config, sizeof out->config,
             "{\"bucket_count\":%zu,\"tbb\":\"%s\",\"key\":\"std::string\",\"lookup\":\"string_view\"}",
             static_cast<size_t>(as_map(m)->bucket_count()), TBB_VERSION_STRING);
}

LFB_BYTES_SHIM(tb)

static struct lfb_map_ops make_ops()
{
    struct lfb_map_ops ops = {};
    ops.name = "tbb-bytes";
    ops.description = "oneTBB concurrent_hash_map with std::string keys (C++)";
    ops.create = create;
    ops.destroy = destroy;
    ops.get = tb_k_get;
    ops.insert = tb_k_insert;
    ops.remove = tb_k_remove;
    ops.put = tb_k_put;
    ops.cas = tb_k_cas;
    ops.stats = tb_stats;
    return ops;
}

extern "C" const struct lfb_map_ops lfb_map_tbb_bytes = make_ops();
extern "C" const struct lfb_bmap_ops lfb_bmap_tbb_bytes = {&lfb_map_tbb_bytes, tb_get, tb_insert, tb_remove, tb_put,
                                                           tb_cas};
