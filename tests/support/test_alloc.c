/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Counting, failure-injecting allocator: see test_alloc.h. */
#include "test_alloc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void *ta_alloc(size_t size, void *ctx)
{
    struct test_alloc *ta = ctx;
    uint64_t n = atomic_fetch_add(&ta->calls, 1) + 1;
    uint64_t every = atomic_load(&ta->fail_every);
    if (atomic_load(&ta->fail_all) || n == atomic_load(&ta->fail_at) ||
        (every && n % every == 0)) {
        atomic_fetch_add(&ta->failed, 1);
        return NULL;
    }
    /* aligned_alloc wants a multiple of the alignment. */
    size_t rounded = (size + 63) & ~(size_t)63;
    void *p = aligned_alloc(64, rounded ? rounded : 64);
    if (!p)
        return NULL;
    memset(p, 0, rounded);
    pthread_mutex_lock(&ta->lock);
    if (ta->nlive == ta->cap) {
        size_t ncap = ta->cap ? ta->cap * 2 : 64;
        struct ta_block *nl = realloc(ta->live, ncap * sizeof *nl);
        if (!nl) {
            pthread_mutex_unlock(&ta->lock);
            free(p);
            return NULL;
        }
        ta->live = nl;
        ta->cap = ncap;
    }
    ta->live[ta->nlive++] = (struct ta_block){p, size};
    pthread_mutex_unlock(&ta->lock);
    atomic_fetch_add(&ta->bytes_alloc, size);
    return p;
}

static void ta_free(void *ptr, size_t size, void *ctx)
{
    struct test_alloc *ta = ctx;
    atomic_fetch_add(&ta->frees, 1);
    if (!ptr)
        return; /* free(NULL) is allowed and counts for nothing */
    pthread_mutex_lock(&ta->lock);
    size_t i;
    for (i = 0; i < ta->nlive; i++)
        if (ta->live[i].ptr == ptr)
            break;
    if (i == ta->nlive || ta->live[i].size != size) {
        fprintf(stderr, "test_alloc: bad free(%p, %zu): %s\n", ptr, size,
                i == ta->nlive ? "not allocated here (or freed twice)"
                               : "size differs from the one allocated");
        atomic_fetch_add(&ta->bad_frees, 1);
        pthread_mutex_unlock(&ta->lock);
        return; /* leak it rather than corrupt the heap */
    }
    ta->live[i] = ta->live[--ta->nlive];
    pthread_mutex_unlock(&ta->lock);
    atomic_fetch_add(&ta->bytes_freed, size);
    free(ptr);
}

void ta_init(struct test_alloc *ta)
{
    memset(ta, 0, sizeof *ta);
    pthread_mutex_init(&ta->lock, NULL);
    ta->iface.alloc = ta_alloc;
    ta->iface.free = ta_free;
    ta->iface.ctx = ta;
}

size_t ta_live(struct test_alloc *ta)
{
    pthread_mutex_lock(&ta->lock);
    size_t n = ta->nlive;
    pthread_mutex_unlock(&ta->lock);
    return n;
}

void ta_destroy(struct test_alloc *ta)
{
    for (size_t i = 0; i < ta->nlive; i++)
        free(ta->live[i].ptr);
    free(ta->live);
    pthread_mutex_destroy(&ta->lock);
}
