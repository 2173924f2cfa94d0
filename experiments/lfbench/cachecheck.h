/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The check every cache passes before it is timed (the caches' counterpart
 * of diffcheck.h: a cache's get is a get-then-set, so it has no plain-map
 * reference).  Needs the session's key set (bytekeys.h) with at least
 * `keys` keys.
 */
#ifndef LFB_CACHECHECK_H
#define LFB_CACHECHECK_H

#include <stdint.h>

#include "cli.h"
#include "map_iface.h"

/* Single-threaded, in a thread of its own (registration), on a cache of
 * capacity keys / 4 entries: of the first keys / 8 set, every one is
 * found with its own value or counted evicted, and at least half are
 * found; setting all `keys` keys evicts (the cache holds at most
 * twice its capacity: one bounded by bytes holds what its bytes hold),
 * every hit returns its key's value, and the last key set is found; an
 * entry set with a ttl is
 * found before it expires and not after (the clock moved through
 * lfb_cache_clock_offset_s, restored afterwards).  0, or -1 with the first
 * failure in err. */
int lfb_check_cache(const struct lfb_map_ops *ops, const char *scheme, uint64_t keys, struct lfcli_err *err);

#endif /* LFB_CACHECHECK_H */
