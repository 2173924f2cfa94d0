/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Key objects of byte-string maps (lib/key.h): created by the insert that
 * claims a slot for a new key, shared by every table a migration copies the
 * key into (one reference per table), freed when the last table naming them
 * is freed.  Allocated with malloc, like the retire records of values: the
 * map's allocator (lfmap_config.allocator) serves tables and the header.
 */
#include "lfmap_internal.h"

#include <stdlib.h>

struct lf_bkey *lf_bkey_new(struct lf_key *key)
{
    struct lf_bkey *o = malloc(lf_bkey_size(key->len));
    if (!o)
        return NULL;
    o->hash = key->hash;
    o->len = (uint32_t)key->len; /* at most LFMAP_BYTES_KEY_MAX, checked by the API */
    /* relaxed: o is not shared yet; the claiming CAS publishes it. */
    atomic_store_explicit(&o->refs, 1, memory_order_relaxed);
    if (key->len)
        memcpy(o->bytes, key->bytes, key->len);
    key->obj = o;
    key->word = lf_bkey_word(o);
    return o;
}

void lf_bkey_discard(struct lf_key *key)
{
    free(key->obj);
    key->obj = NULL;
    key->word = LF_KEY_NONE;
}

void lf_bkey_ref(uint64_t k)
{
    /* relaxed: the caller's table holds a reference already (the object
     * cannot be freed under us), as for any reference count; the drop that
     * frees it is acq_rel. */
    atomic_fetch_add_explicit(&lf_bkey_of(k)->refs, 1, memory_order_relaxed);
}

void lf_bkey_drop(struct lfmap *m, uint64_t k)
{
    struct lf_bkey *o = lf_bkey_of(k);
    /* relaxed (both): a statistic, and a flag read by the RMW that drops
     * the last reference, which comes after this one in the object's
     * modification order: the caller's table names the object and is
     * protected by the caller until after this call. */
    atomic_fetch_add_explicit(&m->retired_bytes, lf_bkey_size(o->len), memory_order_relaxed);
    atomic_fetch_or_explicit(&o->refs, LF_BKEY_DROPPED, memory_order_relaxed);
}

static void bkey_unref(struct lfmap *m, uint64_t k)
{
    struct lf_bkey *o = lf_bkey_of(k);
    /* acq_rel: every use of the object through this table happens before
     * the drop (release), and the thread that drops the last reference
     * sees all of them before it frees (acquire). */
    lf_bkey_count old = atomic_fetch_sub_explicit(&o->refs, 1, memory_order_acq_rel);
    if ((old & ~LF_BKEY_DROPPED) != 1)
        return;
    if (old & LF_BKEY_DROPPED)
        /* relaxed: a statistic; m outlives its tables' releases. */
        atomic_fetch_sub_explicit(&m->retired_bytes, lf_bkey_size(o->len), memory_order_relaxed);
    free(o);
}

void lf_bkey_table_release(struct lfmap_table *t)
{
    if (!t->byte_keys)
        return;
    for (size_t i = 0; i < t->nslots; i++) {
        /* relaxed: no thread uses t any more (its grace period has passed,
         * or lfmap_free's caller owns the map); its claims were ordered
         * before by the grace period or by the caller. */
        uint64_t k = atomic_load_explicit(&t->slots[i].key, memory_order_relaxed);
        if (k >= KEY_RESERVED)
            bkey_unref(t->map, k);
    }
}
