/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * cache: a memoising cache with expiry on lfmap.
 *
 *   cc cache.c $(pkg-config --cflags --libs lfmap) -o cache
 *   ./cache [MILLISECONDS]
 *
 * Three reader threads ask for slow_square(x) of random x; the answer is
 * cached for TTL_MS in a heap entry {value, expires}.  A hit inside its
 * lifetime is served from the map; a miss or an expired entry is computed
 * and stored with lfmap_put, which replaces (and retires) the old entry.
 * A sweeper thread walks the map every few milliseconds with lfmap_foreach
 * and removes the entries that have expired, so that keys nobody asks for
 * any more do not stay forever.
 *
 * Two rules of lfmap the code follows:
 *  - An entry may be dereferenced only between lfmap_read_lock and
 *    lfmap_read_unlock, and only the one lfmap_get returned there; the value
 *    lfmap_foreach hands its callback may already be freed, so the sweeper
 *    looks the key up again inside a read-side section.
 *  - lfmap_remove is not conditional: between the sweeper's check and its
 *    remove, a reader may have refreshed the entry, and the sweeper then
 *    removes a fresh one.  For a cache that costs one extra miss, never a
 *    wrong answer (the sweeper counts it); a map whose entries must not be
 *    lost that way (sessions, say) needs the owner to remove them.
 */
#define _POSIX_C_SOURCE 200809L
#include <lfmap.h>

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#define READERS 3
#define KEYS 4096
#define TTL_MS 20
#define SWEEP_MS 5

struct entry {
    uint64_t value;
    uint64_t expires; /* ns, CLOCK_MONOTONIC */
};

static atomic_ulong allocated, freed;
static atomic_bool stop;

static uint64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static uint64_t slow_square(uint64_t x)
{
    volatile uint64_t r = 0;
    for (uint64_t i = 0; i < x; i++) /* the "expensive" computation */
        r += x;
    return r;
}

static void entry_free(uint64_t value, void *ctx)
{
    (void)ctx;
    free((struct entry *)(uintptr_t)value);
    atomic_fetch_add(&freed, 1);
}

struct reader {
    pthread_t tid;
    lfmap *cache;
    unsigned id;
    long hits, misses, errors;
};

static void *reader(void *arg)
{
    struct reader *r = arg;
    uint64_t rnd = 0x2545f4914f6cdd1dull * (r->id + 1);
    if (lfmap_thread_register() != 0) {
        r->errors++;
        return NULL;
    }
    while (!atomic_load(&stop)) {
        rnd ^= rnd << 13, rnd ^= rnd >> 7, rnd ^= rnd << 17;
        uint64_t x = rnd % KEYS, v, answer = 0;
        bool hit = false;
        lfmap_read_lock(r->cache);
        if (lfmap_get(r->cache, x, &v)) {
            const struct entry *e = (const struct entry *)(uintptr_t)v;
            if (e->expires > now_ns()) {
                hit = true;
                answer = e->value;
            }
        }
        lfmap_read_unlock(r->cache);
        if (!hit) {
            struct entry *e = malloc(sizeof *e);
            if (!e)
                abort();
            atomic_fetch_add(&allocated, 1);
            e->value = answer = slow_square(x);
            e->expires = now_ns() + TTL_MS * 1000000ull;
            if (lfmap_put(r->cache, x, (uint64_t)(uintptr_t)e, NULL) < 0) {
                entry_free((uint64_t)(uintptr_t)e, NULL); /* not stored: ours */
                r->errors++;
            }
            r->misses++;
        } else {
            r->hits++;
        }
        if (answer != x * x)
            r->errors++;
    }
    lfmap_thread_unregister();
    return NULL;
}

struct sweep {
    lfmap *cache;
    uint64_t now;
    long expired, refreshed_too;
};

/* lfmap_foreach's callback: `value` may be freed already, so look the key
 * up again inside a read-side section before reading the entry. */
static int sweep_one(uint64_t key, uint64_t value, void *arg)
{
    struct sweep *s = arg;
    uint64_t v;
    bool expired = false;
    (void)value;
    lfmap_read_lock(s->cache);
    if (lfmap_get(s->cache, key, &v))
        expired = ((const struct entry *)(uintptr_t)v)->expires <= s->now;
    lfmap_read_unlock(s->cache);
    if (expired) {
        uint64_t old;
        if (lfmap_remove(s->cache, key, &old) == 1) {
            s->expired++;
            if (old != v) /* a reader refreshed it in between: one extra miss */
                s->refreshed_too++;
        }
    }
    return 0;
}

int main(int argc, char **argv)
{
    long ms = argc > 1 ? strtol(argv[1], NULL, 10) : 1000;
    if (argc > 2 || ms <= 0) {
        fprintf(stderr, "usage: %s [MILLISECONDS]\n", argv[0]);
        return 64;
    }
    struct lfmap_config cfg = {.capacity = KEYS, .value_free = entry_free};
    lfmap *cache = lfmap_new(&cfg);
    if (!cache || lfmap_thread_register() != 0) {
        perror("lfmap_new");
        return 1;
    }
    struct reader r[READERS];
    for (unsigned i = 0; i < READERS; i++) {
        r[i] = (struct reader){.cache = cache, .id = i};
        if (pthread_create(&r[i].tid, NULL, reader, &r[i]) != 0)
            return 1;
    }
    /* The main thread sweeps. */
    struct sweep s = {.cache = cache};
    uint64_t end = now_ns() + (uint64_t)ms * 1000000u;
    long sweeps = 0;
    while (now_ns() < end) {
        nanosleep(&(struct timespec){.tv_nsec = SWEEP_MS * 1000000l}, NULL);
        s.now = now_ns();
        lfmap_foreach(cache, sweep_one, &s);
        sweeps++;
    }
    atomic_store(&stop, true);
    long hits = 0, misses = 0, errors = 0;
    for (unsigned i = 0; i < READERS; i++) {
        pthread_join(r[i].tid, NULL);
        hits += r[i].hits;
        misses += r[i].misses;
        errors += r[i].errors;
    }
    /* Once every entry has expired, one more sweep must empty the cache. */
    nanosleep(&(struct timespec){.tv_nsec = (TTL_MS + 1) * 1000000l}, NULL);
    s.now = now_ns();
    lfmap_foreach(cache, sweep_one, &s);
    size_t cached = lfmap_size(cache);
    lfmap_thread_unregister();
    lfmap_free(cache); /* frees what is still cached, waits for every destructor */
    unsigned long a = atomic_load(&allocated), f = atomic_load(&freed);
    printf("%ld hits, %ld misses; %ld sweeps expired %ld entries (%ld just refreshed); %zu cached after the "
           "last; %lu entries allocated, %lu freed\n",
           hits, misses, sweeps + 1, s.expired, s.refreshed_too, cached, a, f);
    if (errors || a != f || hits == 0 || cached != 0) {
        printf("FAILED: %ld wrong answers or errors, %zu entries left after the last sweep\n", errors, cached);
        return 1;
    }
    return 0;
}
