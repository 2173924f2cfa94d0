/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* lfmap's seeded byte hash (lib/key.h, through bytes_table.h) for the C++
 * adapters, which cannot include lib/key.h (it is C11 only): one direct
 * call, as std::hash of a string is itself (std::_Hash_bytes, out of line in
 * libstdc++). */
#include "bkey_hash.h"

#include "bytes_table.h"

uint64_t lfb_bkey_hash(const struct lfmap_hasher *h, const void *key, size_t len)
{
    return bt_hash(h, key, len);
}
