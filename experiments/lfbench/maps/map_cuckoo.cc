/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * cuckoo: libcuckoo's cuckoohash_map (Li et al., EuroSys'14): bucketised
 * cuckoo hashing with fine-grained striped spinlocks.  It hashes with the
 * same mixer as the other maps (lib/hash.h) rather than std::hash, which is
 * the identity for integers.
 */
#include <libcuckoo/cuckoohash_map.hh>

#include <cstdio>

#include "hash.h"
#include "map_iface.h"

namespace {

struct MixHash {
    struct lfmap_hasher h;
    explicit MixHash(uint64_t seed = 0) { lf_hasher_init(&h, seed); }
    size_t operator()(uint64_t k) const { return lf_mix(&h, k); }
};

using Map = libcuckoo::cuckoohash_map<uint64_t, uint64_t, MixHash>;

Map *as_map(void *m) { return static_cast<Map *>(m); }

void *create(const struct lfb_map_config *cfg)
{
    try {
        return new Map(cfg->capacity ? cfg->capacity : libcuckoo::DEFAULT_SIZE, MixHash(cfg->seed));
    } catch (...) {
        return nullptr;
    }
}

void destroy(void *m) { delete as_map(m); }

bool get(void *m, uint64_t k, uint64_t *v)
{
    uint64_t out;
    if (!as_map(m)->find(k, out))
        return false;
    if (v)
        *v = out;
    return true;
}

bool insert(void *m, uint64_t k, uint64_t v) { return as_map(m)->insert(k, v); }
bool remove(void *m, uint64_t k) { return as_map(m)->erase(k); }
bool put(void *m, uint64_t k, uint64_t v) { return as_map(m)->insert_or_assign(k, v); }

bool cas(void *m, uint64_t k, uint64_t expected, uint64_t desired)
{
    bool swapped = false;
    as_map(m)->update_fn(k, [&](uint64_t &v) {
        if (v == expected) {
            v = desired;
            swapped = true;
        }
    });
    return swapped;
}

void stats(void *m, struct lfb_map_stats *out)
{
    out->size = as_map(m)->size();
    out->resizes = -1;
    out->retired_bytes = 0;
    snprintf(out->config, sizeof out->config, "{\"hashpower\":%zu,\"slot_per_bucket\":%d}",
             static_cast<size_t>(as_map(m)->hashpower()), static_cast<int>(Map::slot_per_bucket()));
}

struct lfb_map_ops make_ops()
{
    struct lfb_map_ops ops = {};
    ops.name = "cuckoo";
    ops.description = "libcuckoo cuckoohash_map (C++)";
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

extern "C" const struct lfb_map_ops lfb_map_cuckoo = make_ops();
