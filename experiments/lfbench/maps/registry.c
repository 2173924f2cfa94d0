/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The map registry, generated from maps.def. */
#include <string.h>

#include "map_iface.h"

#define LFB_MAP(name) extern const struct lfb_map_ops lfb_map_##name;
#include "maps.def"
#undef LFB_MAP

const struct lfb_map_ops *const lfb_maps[] = {
#define LFB_MAP(name) &lfb_map_##name,
#include "maps.def"
#undef LFB_MAP
};

const size_t lfb_map_count = sizeof lfb_maps / sizeof lfb_maps[0];

const struct lfb_map_ops *lfb_map_find(const char *name)
{
    for (size_t i = 0; i < lfb_map_count; i++)
        if (strcmp(lfb_maps[i]->name, name) == 0)
            return lfb_maps[i];
    return NULL;
}
