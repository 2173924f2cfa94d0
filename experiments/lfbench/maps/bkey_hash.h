/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* lfmap's seeded byte hash as a function the C++ adapters can call (bkey_hash.c). */
#ifndef LFB_BKEY_HASH_H
#define LFB_BKEY_HASH_H

#include <stddef.h>
#include <stdint.h>

#include "hash.h"

#ifdef __cplusplus
extern "C" {
#endif

uint64_t lfb_bkey_hash(const struct lfmap_hasher *h, const void *key, size_t len);

#ifdef __cplusplus
}
#endif

#endif /* LFB_BKEY_HASH_H */
