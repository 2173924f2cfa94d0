/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Pointer values for the value-destructor tests (unit_schemes,
 * unit_scheme_review): heap objects that carry MAGIC while live.  The
 * destructor poisons an object and keeps it on a graveyard instead of
 * freeing it, so that a second destruction is reported (not a double free)
 * and a reader that meets a destroyed object sees POISON; graveyard_free
 * frees them all at the end of a test.
 */
#ifndef TEST_VALUES_H
#define TEST_VALUES_H

#include "ck_fast.h"

#include <check.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>

#define MAGIC 0x600d0b1ec7ull
#define POISON 0xa5a5a5a5a5a5a5a5ull

struct obj {
    _Atomic uint64_t magic; /* MAGIC while live, POISON once destroyed */
    uint64_t key;
    struct obj *grave; /* graveyard link */
};

static _Atomic uint64_t created, destroyed;
static _Atomic(struct obj *) graveyard;

static inline struct obj *obj_alloc(uint64_t key)
{
    struct obj *o = calloc(1, sizeof *o);
    ck_assert_ptr_nonnull(o);
    atomic_store(&o->magic, MAGIC);
    o->key = key;
    atomic_fetch_add(&created, 1);
    return o;
}

static inline bool obj_live(uint64_t v)
{
    return atomic_load(&((struct obj *)(uintptr_t)v)->magic) == MAGIC;
}

/* The maps' value_free. */
static inline void obj_destroy(uint64_t value, void *ctx)
{
    (void)ctx;
    struct obj *o = (struct obj *)(uintptr_t)value;
    CK_REQUIRE(atomic_exchange(&o->magic, POISON) == MAGIC, "value destroyed twice (or never live)");
    struct obj *top = atomic_load(&graveyard);
    do
        o->grave = top;
    while (!atomic_compare_exchange_weak(&graveyard, &top, o));
    atomic_fetch_add(&destroyed, 1);
}

static inline void graveyard_free(void)
{
    struct obj *o = atomic_exchange(&graveyard, NULL);
    while (o) {
        struct obj *next = o->grave;
        free(o);
        o = next;
    }
}

#endif
