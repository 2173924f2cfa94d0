/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * A plugin that uses lfmap: a shared object linked with liblfmap.so (not
 * with liblfmap.a: see the README), loaded and unloaded by a host that knows
 * nothing of lfmap (host.c).  Its entry point, plugin_run(), does what a
 * plugin's life does in one call: two threads share a map of heap values
 * with a destructor, the map grows through several resizes (so the
 * reclamation machinery starts its threads), then everything is freed
 * before returning, so that no callback of ours (value_free) can run once
 * the host has unloaded us.
 *
 * What makes unloading safe is in the library, not here: liblfmap.so is
 * built with -z nodelete, so it (and liburcu, whose call_rcu thread keeps
 * running) stays mapped after the host's dlclose of this plugin; lfmap.h
 * ("Plugins") says why.  What a plugin must do itself: lfmap_free every map
 * it created and lfmap_thread_unregister every thread it registered before
 * it is unloaded.
 */
#include <lfmap.h>

#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>

#define PER_THREAD 20000u

struct item {
    uint64_t key;
};

static atomic_ulong freed;

static void item_free(uint64_t value, void *ctx)
{
    (void)ctx;
    free((void *)(uintptr_t)value);
    atomic_fetch_add(&freed, 1);
}

struct job {
    lfmap *map;
    uint64_t base;
    int failed;
};

static void *worker(void *arg)
{
    struct job *j = arg;
    if (lfmap_thread_register() != 0) {
        j->failed = 1;
        return NULL;
    }
    for (uint64_t k = j->base; k < j->base + PER_THREAD; k++) {
        struct item *it = malloc(sizeof *it);
        if (!it) {
            j->failed = 1;
            break;
        }
        it->key = k;
        if (lfmap_insert(j->map, k, (uint64_t)(uintptr_t)it) != 1) {
            free(it);
            j->failed = 1;
            break;
        }
        /* Read it back inside a read-side section: the value is ours to
         * dereference until lfmap_read_unlock. */
        uint64_t v;
        lfmap_read_lock(j->map);
        if (!lfmap_get(j->map, k, &v) || ((struct item *)(uintptr_t)v)->key != k)
            j->failed = 1;
        lfmap_read_unlock(j->map);
        if (k % 2 && lfmap_remove(j->map, k, NULL) != 1) /* retires the item */
            j->failed = 1;
    }
    lfmap_thread_unregister();
    return NULL;
}

/* 0 when every check passed and every value was freed; exported (the
 * plugin is built with -fvisibility=hidden). */
__attribute__((visibility("default"))) int plugin_run(void);
int plugin_run(void)
{
    struct lfmap_config cfg = {.value_free = item_free};
    lfmap *m = lfmap_new(&cfg);
    if (!m)
        return 1;
    atomic_store(&freed, 0);
    struct job jobs[2] = {{m, 0, 0}, {m, PER_THREAD, 0}};
    pthread_t t[2];
    int failed = 0;
    for (int i = 0; i < 2; i++)
        if (pthread_create(&t[i], NULL, worker, &jobs[i]) != 0)
            return 1;
    for (int i = 0; i < 2; i++) {
        pthread_join(t[i], NULL);
        failed |= jobs[i].failed;
    }
    /* lfmap_free retires the values still in the map and waits for every
     * retired value and table of the map to be freed. */
    lfmap_free(m);
    if (atomic_load(&freed) != 2u * PER_THREAD)
        failed = 1;
    return failed;
}
