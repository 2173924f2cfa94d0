/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Loads the shared library with dlopen() (argv[1]: its SONAME, found through
 * LD_LIBRARY_PATH), as plugins and FFI bindings do, resolves the API with
 * dlsym and uses it from the main thread and from two threads created after
 * the load.  Linked with neither liblfmap nor liburcu.  Run by
 * tests/packaging/dlopen.sh.
 */
#include <dlfcn.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

typedef struct lfmap lfmap;
static lfmap *(*p_new)(const void *cfg);
static void (*p_free)(lfmap *m);
static int (*p_register)(void);
static void (*p_unregister)(void);
static int (*p_insert)(lfmap *m, uint64_t key, uint64_t value);
static bool (*p_get)(lfmap *m, uint64_t key, uint64_t *value);
static size_t (*p_size)(lfmap *m);
static unsigned (*p_version)(void);

static lfmap *map;
#define PER_THREAD 20000u

static void *sym(void *h, const char *name)
{
    void *p = dlsym(h, name);
    if (!p) {
        fprintf(stderr, "dlsym %s: %s\n", name, dlerror());
        exit(1);
    }
    return p;
}

static void *worker(void *arg)
{
    uint64_t base = (uint64_t)(uintptr_t)arg * PER_THREAD;
    if (p_register() != 0)
        return (void *)1;
    for (uint64_t k = base; k < base + PER_THREAD; k++) {
        uint64_t v;
        if (p_insert(map, k, k + 7) != 1 || !p_get(map, k, &v) || v != k + 7)
            return (void *)1;
    }
    p_unregister();
    return NULL;
}

int main(int argc, char **argv)
{
    const char *name = argc > 1 ? argv[1] : "liblfmap.so";
    void *h = dlopen(name, RTLD_NOW | RTLD_LOCAL);
    if (!h) {
        printf("dlopen(%s): %s\n", name, dlerror());
        return 1;
    }
    *(void **)&p_new = sym(h, "lfmap_new");
    *(void **)&p_free = sym(h, "lfmap_free");
    *(void **)&p_register = sym(h, "lfmap_thread_register");
    *(void **)&p_unregister = sym(h, "lfmap_thread_unregister");
    *(void **)&p_insert = sym(h, "lfmap_insert");
    *(void **)&p_get = sym(h, "lfmap_get");
    *(void **)&p_size = sym(h, "lfmap_size");
    *(void **)&p_version = sym(h, "lfmap_version");

    if (p_register() != 0 || !(map = p_new(NULL))) {
        puts("register or lfmap_new failed");
        return 1;
    }
    pthread_t t[2];
    for (uintptr_t i = 0; i < 2; i++)
        if (pthread_create(&t[i], NULL, worker, (void *)(i + 1)) != 0)
            return 1;
    int bad = 0;
    bad |= worker((void *)0) != NULL;
    for (int i = 0; i < 2; i++) {
        void *r;
        pthread_join(t[i], &r);
        bad |= r != NULL;
    }
    size_t n = p_size(map);
    uint64_t v = 0;
    p_register(); /* worker(0) unregistered the main thread */
    bool hit = p_get(map, 2 * PER_THREAD + 5, &v);
    if (bad || n != 3 * PER_THREAD || !hit || v != 2 * PER_THREAD + 12) {
        printf("wrong results: bad=%d size=%zu hit=%d v=%" PRIu64 "\n", bad, n, hit, v);
        return 1;
    }
    p_free(map);
    p_unregister();
    printf("dlopen(%s): 3 threads, %zu keys, version 0x%06x\n", name, n, p_version());
    return 0;
}
