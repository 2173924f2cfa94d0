/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * A counting lfmap_allocator for the allocation-failure tests: it checks the
 * allocator contract from the map's side (free gets the pointer and size that
 * alloc returned, nothing freed twice, nothing leaked) and can be told to fail
 * the Nth call or every call from now on.
 */
#ifndef LFMAP_TEST_ALLOC_H
#define LFMAP_TEST_ALLOC_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lfmap.h"

struct ta_block {
    void *ptr;
    size_t size;
};

struct test_alloc {
    struct lfmap_allocator iface; /* pass &ta.iface in lfmap_config */
    pthread_mutex_t lock;         /* guards live[]; the map calls us from any thread */
    struct ta_block *live;
    size_t nlive, cap;
    atomic_uint_fast64_t calls;      /* alloc calls, failed ones included */
    atomic_uint_fast64_t failed;     /* alloc calls we made fail */
    atomic_uint_fast64_t frees;
    atomic_uint_fast64_t bytes_alloc, bytes_freed;
    atomic_uint_fast64_t bad_frees;  /* unknown pointer or wrong size */
    atomic_uint_fast64_t fail_at;    /* fail call number N (1-based); 0 = never */
    atomic_bool fail_all;            /* fail every call while set */
    atomic_uint_fast64_t fail_every; /* fail calls whose number is a multiple; 0 = never */
};

void ta_init(struct test_alloc *ta);
void ta_destroy(struct test_alloc *ta);
/* Blocks currently allocated and not freed. */
size_t ta_live(struct test_alloc *ta);

#endif
