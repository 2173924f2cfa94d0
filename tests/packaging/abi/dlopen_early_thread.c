/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * dlopen() of the shared library with threads that exist before the load
 * and use it afterwards (their thread-local blocks for liblfmap and
 * liburcu-memb are allocated lazily, on their first access).  Run by
 * tests/packaging/dlopen_dynamic_tls.sh, also with glibc's optional static TLS
 * turned off, so that liblfmap's TLS descriptors resolve to glibc's
 * dynamic resolver (_dl_tlsdesc_dynamic, glibc bug 31372 before 2.40).
 * Each thread checks every answer: its own keys' values encode the key,
 * and a key range shared by all threads is written with put.  argv[1]: the
 * SONAME.  Linked with neither liblfmap nor liburcu (lfmap.h for its types).
 */
#include <lfmap.h> /* types only: the functions come from dlsym */

#include <dlfcn.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

static lfmap *(*p_new)(const void *cfg);
static void (*p_free)(lfmap *m);
static int (*p_register)(void);
static void (*p_unregister)(void);
static int (*p_insert)(lfmap *m, uint64_t key, uint64_t value);
static int (*p_put)(lfmap *m, uint64_t key, uint64_t value, uint64_t *old);
static int (*p_remove)(lfmap *m, uint64_t key, uint64_t *old);
static bool (*p_get)(lfmap *m, uint64_t key, uint64_t *value);
static size_t (*p_size)(lfmap *m);

#define EARLY 3
#define LATE 2
#define PER_THREAD 20000u
#define SHARED_KEYS 64u
static lfmap *map;
static atomic_int loaded;

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
    while (!atomic_load(&loaded))
        ;
    uint64_t id = (uint64_t)(uintptr_t)arg;
    uint64_t base = (id + 1) * 1000000u;
    if (p_register() != 0)
        return (void *)1;
    for (uint64_t k = base; k < base + PER_THREAD; k++) {
        uint64_t v = 0, s = k % SHARED_KEYS;
        if (p_insert(map, k, k * 2 + 1) != 1 || !p_get(map, k, &v) || v != k * 2 + 1)
            return (void *)1;
        if (p_put(map, s, s << 20 | id, NULL) < 0)
            return (void *)1;
        if (p_get(map, s, &v) && v >> 20 != s)
            return (void *)1; /* a value of another key */
        if (k % 3 == 0 && (p_remove(map, k, &v) != 1 || v != k * 2 + 1))
            return (void *)1;
    }
    for (uint64_t k = base; k < base + PER_THREAD; k++) {
        uint64_t v = 0;
        bool hit = p_get(map, k, &v);
        if (hit != (k % 3 != 0) || (hit && v != k * 2 + 1))
            return (void *)1;
    }
    p_unregister();
    return NULL;
}

int main(int argc, char **argv)
{
    const char *name = argc > 1 ? argv[1] : "liblfmap.so";
    pthread_t t[EARLY + LATE];
    for (uintptr_t i = 0; i < EARLY; i++) /* threads that exist before the load */
        if (pthread_create(&t[i], NULL, worker, (void *)i) != 0)
            return 1;
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
    *(void **)&p_put = sym(h, "lfmap_put");
    *(void **)&p_remove = sym(h, "lfmap_remove");
    *(void **)&p_get = sym(h, "lfmap_get");
    *(void **)&p_size = sym(h, "lfmap_size");
    struct lfmap_config cfg = {.capacity = 16};
    if (!(map = p_new(&cfg))) { /* small: the threads resize it many times */
        puts("lfmap_new failed");
        return 1;
    }
    atomic_store(&loaded, 1);
    for (uintptr_t i = EARLY; i < EARLY + LATE; i++)
        if (pthread_create(&t[i], NULL, worker, (void *)i) != 0)
            return 1;
    int bad = 0;
    for (int i = 0; i < EARLY + LATE; i++) {
        void *r;
        pthread_join(t[i], &r);
        bad |= r != NULL;
    }
    size_t n = p_size(map), want = SHARED_KEYS;
    for (uint64_t id = 0; id < EARLY + LATE; id++)
        for (uint64_t k = (id + 1) * 1000000u; k < (id + 1) * 1000000u + PER_THREAD; k++)
            want += k % 3 != 0;
    if (bad || n != want) {
        printf("wrong results: bad=%d size=%zu (want %zu)\n", bad, n, want);
        return 1;
    }
    p_free(map);
    printf("dlopen(%s): %d threads started before the load, %d after, %zu keys\n", name, EARLY, LATE, n);
    return 0;
}
