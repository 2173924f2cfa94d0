/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The registry of byte-key maps and caches, generated from bmaps.def, and
 * what the harness needs to tell the three kinds of map apart. */
#include <string.h>

#include "bmap_iface.h"

#define LFB_BYTES_MAP(name) extern const struct lfb_map_ops lfb_map_##name; \
    extern const struct lfb_bmap_ops lfb_bmap_##name;
#define LFB_CACHE_MAP(name) extern const struct lfb_map_ops lfb_map_##name; \
    extern const struct lfb_cache_ops lfb_cache_##name;
#include "bmaps.def"
#undef LFB_BYTES_MAP
#undef LFB_CACHE_MAP

const struct lfb_map_ops *const lfb_byte_maps[] = {
#define LFB_BYTES_MAP(name) &lfb_map_##name,
#define LFB_CACHE_MAP(name)
#include "bmaps.def"
#undef LFB_BYTES_MAP
#undef LFB_CACHE_MAP
};
const size_t lfb_byte_map_count = sizeof lfb_byte_maps / sizeof lfb_byte_maps[0];

const struct lfb_bmap_ops *const lfb_bmap_raw[] = {
#define LFB_BYTES_MAP(name) &lfb_bmap_##name,
#define LFB_CACHE_MAP(name)
#include "bmaps.def"
#undef LFB_BYTES_MAP
#undef LFB_CACHE_MAP
};

const struct lfb_map_ops *const lfb_cache_maps[] = {
#define LFB_BYTES_MAP(name)
#define LFB_CACHE_MAP(name) &lfb_map_##name,
#include "bmaps.def"
#undef LFB_BYTES_MAP
#undef LFB_CACHE_MAP
};
const size_t lfb_cache_map_count = sizeof lfb_cache_maps / sizeof lfb_cache_maps[0];

const struct lfb_cache_ops *const lfb_cache_raw[] = {
#define LFB_BYTES_MAP(name)
#define LFB_CACHE_MAP(name) &lfb_cache_##name,
#include "bmaps.def"
#undef LFB_BYTES_MAP
#undef LFB_CACHE_MAP
};

const struct lfb_map_ops *lfb_byte_map_find(const char *name)
{
    for (size_t i = 0; i < lfb_byte_map_count; i++)
        if (strcmp(lfb_byte_maps[i]->name, name) == 0)
            return lfb_byte_maps[i];
    for (size_t i = 0; i < lfb_cache_map_count; i++)
        if (strcmp(lfb_cache_maps[i]->name, name) == 0)
            return lfb_cache_maps[i];
    return NULL;
}

const struct lfb_cache_ops *lfb_cache_ops_of(const struct lfb_map_ops *map)
{
    for (size_t i = 0; i < lfb_cache_map_count; i++)
        if (lfb_cache_maps[i] == map)
            return lfb_cache_raw[i];
    return NULL;
}

enum lfb_key_kind lfb_map_key_kind(const struct lfb_map_ops *ops)
{
    for (size_t i = 0; i < lfb_byte_map_count; i++)
        if (lfb_byte_maps[i] == ops)
            return LFB_KEYS_BYTES;
    return lfb_cache_ops_of(ops) ? LFB_KEYS_CACHE : LFB_KEYS_U64;
}

/* The caches' shared state (bmap_iface.h). */
int64_t lfb_cache_clock_offset_s;
LFB_THREAD_LOCAL unsigned char lfb_cache_buf[LFB_VALUE_LEN_MAX];

void lfb_cache_bad_value(uint64_t k, size_t vlen, const unsigned char *buf)
{
    uint64_t head[2];
    memcpy(head, buf, sizeof head);
    fprintf(stderr, "lfbench: cache: a hit on key %llu returned %zu bytes starting with key %llu, length %llu "
                    "(another key's value, or a torn or freed one)\n",
            (unsigned long long)k, vlen, (unsigned long long)head[0], (unsigned long long)head[1]);
    abort();
}
