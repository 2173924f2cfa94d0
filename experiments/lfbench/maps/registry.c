/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The map registry, generated from maps.def. */
#include <string.h>

#include "bytekeys.h"
#include "map_iface.h"

#define LFB_MAP(name) extern const struct lfb_map_ops lfb_map_##name;
#define LFB_LOCK_MAP(name) LFB_MAP(name) extern const struct lfb_map_ops lfb_map_##name##_profiled;
#include "maps.def"
#undef LFB_MAP
#undef LFB_LOCK_MAP

const struct lfb_map_ops *const lfb_maps[] = {
#define LFB_MAP(name) &lfb_map_##name,
#define LFB_LOCK_MAP(name) LFB_MAP(name)
#include "maps.def"
#undef LFB_MAP
#undef LFB_LOCK_MAP
};

const size_t lfb_map_count = sizeof lfb_maps / sizeof lfb_maps[0];

/* lfb_maps[i]'s profiled copy, or NULL. */
static const struct lfb_map_ops *const lfb_maps_profiled[] = {
#define LFB_MAP(name) NULL,
#define LFB_LOCK_MAP(name) &lfb_map_##name##_profiled,
#include "maps.def"
#undef LFB_MAP
#undef LFB_LOCK_MAP
};

const struct lfb_map_ops *lfb_map_find(const char *name)
{
    for (size_t i = 0; i < lfb_map_count; i++)
        if (strcmp(lfb_maps[i]->name, name) == 0)
            return lfb_maps[i];
    return lfb_byte_map_find(name); /* the byte-key maps and caches (bmaps.def) */
}

const struct lfb_map_ops *lfb_map_profiled(const struct lfb_map_ops *m)
{
    for (size_t i = 0; i < lfb_map_count; i++)
        if (lfb_maps[i] == m)
            return lfb_maps_profiled[i];
    return NULL;
}
