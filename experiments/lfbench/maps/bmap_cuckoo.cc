/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * cuckoo-bytes: libcuckoo's cuckoohash_map with std::string keys, configured
 * as the integer cuckoo (maps/map_cuckoo.cc): 4 slots per bucket, striped
 * spinlocks, initial capacity the prefill.  At its best: lookups, erases and
 * updates take the key as a std::string_view (libcuckoo's heterogeneous
 * lookup: no std::string is built for them; only an insert that adds a key
 * constructs its std::string, which allocates beyond 15 bytes), hashed with
 * lfmap's seeded byte hash (bkey_hash.h).
 */
#include <libcuckoo/cuckoohash_map.hh>

#include <cstdio>
#include <string>
#include <string_view>

#include "bkey_hash.h"
#include "bmap_iface.h"

namespace {

struct BHash {
    struct lfmap_hasher h;
    explicit BHash(uint64_t seed = 0) { lf_hasher_init(&h, seed); }
    size_t operator()(std::string_view s) const { return lfb_bkey_hash(&h, s.data(), s.size()); }
};

struct BEq {
    bool operator()(std::string_view a, std::string_view b) const { return a == b; }
};

using Map = libcuckoo::cuckoohash_map<std::string, uint64_t, BHash, BEq>;

Map *as_map(void *m) { return static_cast<Map *>(m); }

std::string_view sv(const void *k, size_t n) { return std::string_view(static_cast<const char *>(k), n); }

void *create(const struct lfb_map_config *cfg)
{
    try {
        return new Map(cfg->capacity ? cfg->capacity : libcuckoo::DEFAULT_SIZE, BHash(cfg->seed));
    } catch (...) {
        return nullptr;
    }
}

void destroy(void *m) { delete as_map(m); }

} // namespace

static bool cb_get(void *m, const void *k, size_t n, uint64_t *v)
{
    uint64_t out;
    if (!as_map(m)->find(sv(k, n), out))
        return false;
    if (v)
        *v = out;
    return true;
}

static bool cb_insert(void *m, const void *k, size_t n, uint64_t v) { return as_map(m)->insert(sv(k, n), v); }
static bool cb_remove(void *m, const void *k, size_t n) { return as_map(m)->erase(sv(k, n)); }
static bool cb_put(void *m, const void *k, size_t n, uint64_t v) { return as_map(m)->insert_or_assign(sv(k, n), v); }

static bool cb_cas(void *m, const void *k, size_t n, uint64_t expected, uint64_t desired)
{
    bool swapped = false;
    as_map(m)->update_fn(sv(k, n), [&](uint64_t &v) {
        if (v == expected) {
            v = desired;
            swapped = true;
        }
    });
    return swapped;
}

static void cb_stats(void *m, struct lfb_map_stats *out)
{
    out->size = as_map(m)->size();
    out->resizes = -1;
    out->retired_bytes = 0;
    snprintf(out->config, sizeof out->config,
             "{\"hashpower\":%zu,\"slot_per_bucket\":%d,\"key\":\"std::string\",\"lookup\":\"string_view\"}",
             static_cast<size_t>(as_map(m)->hashpower()), static_cast<int>(Map::slot_per_bucket()));
}

LFB_BYTES_SHIM(cb)

static struct lfb_map_ops make_ops()
{
    struct lfb_map_ops ops = {};
    ops.name = "cuckoo-bytes";
    ops.description = "libcuckoo cuckoohash_map with std::string keys (C++)";
    ops.create = create;
    ops.destroy = destroy;
    ops.get = cb_k_get;
    ops.insert = cb_k_insert;
    ops.remove = cb_k_remove;
    ops.put = cb_k_put;
    ops.cas = cb_k_cas;
    ops.stats = cb_stats;
    return ops;
}

extern "C" const struct lfb_map_ops lfb_map_cuckoo_bytes = make_ops();
extern "C" const struct lfb_bmap_ops lfb_bmap_cuckoo_bytes = {&lfb_map_cuckoo_bytes, cb_get, cb_insert, cb_remove,
                                                              cb_put, cb_cas};
