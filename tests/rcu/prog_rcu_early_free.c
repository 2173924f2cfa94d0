/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * prog_rcu_early_free MODE: shows that our RCU layer's ThreadSanitizer
 * annotations hide only the false reports, not real bugs.
 *
 * Readers, inside lfrcu read-side sections, load a published pointer
 * (acquire), pause briefly, and read the object's payload with plain loads.
 * A writer publishes fresh objects (atomic exchange, release) and disposes of
 * the old one:
 *   correct   lfrcu_retire() -> freed after a grace period: must run clean
 *             (exit 0, no sanitizer report) in every build;
 *   early     free() at once: a use-after-free that TSan (data race on the
 *             freed memory) or ASan (heap-use-after-free) must report.
 * The payload is poisoned before it is freed, so a broken grace period shows
 * up as a torn payload even without a sanitizer (exit 1 in "correct" mode).
 */
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "lfrcu.h"

#define NREADERS 3

struct obj {
    uint64_t a, b, c; /* invariant: b == a * 3 + 1, c == ~a */
    struct lfrcu_head head;
};

static _Atomic(struct obj *) current;
static atomic_bool done;
static atomic_uint_fast64_t torn, reads;
static long iterations;
static int early;

static struct obj *make(uint64_t a)
{
    struct obj *o = malloc(sizeof *o);
    if (!o)
        abort();
    o->a = a;
    o->b = a * 3 + 1;
    o->c = ~a;
    return o;
}

static void poison_and_free(struct obj *o)
{
    o->a = 0xdeaddeaddeaddeadULL; /* breaks the invariant for a late reader */
    o->b = 0;
    o->c = 0;
    free(o);
}

static void free_cb(struct lfrcu_head *h)
{
    poison_and_free((struct obj *)((char *)h - offsetof(struct obj, head)));
}

static void *reader(void *arg)
{
    (void)arg;
    if (lfrcu_thread_register() != 0)
        abort();
    uint64_t n = 0, bad = 0;
    while (!atomic_load_explicit(&done, memory_order_relaxed)) {
        lfrcu_read_lock();
        struct obj *p = atomic_load_explicit(&current, memory_order_acquire);
        /* Widen the window between the load and the use, so that the early
         * free lands in it often. */
        if (n % 4 == 0)
            sched_yield();
        uint64_t a = p->a, b = p->b, c = p->c;
        lfrcu_read_unlock();
        bad += b != a * 3 + 1 || c != ~a;
        n++;
    }
    atomic_fetch_add(&torn, bad);
    atomic_fetch_add(&reads, n);
    lfrcu_thread_unregister();
    return NULL;
}

static void *writer(void *arg)
{
    (void)arg;
    if (lfrcu_thread_register() != 0)
        abort();
    for (long i = 1; i <= iterations; i++) {
        struct obj *o = make((uint64_t)i);
        struct obj *old = atomic_exchange_explicit(&current, o, memory_order_acq_rel);
        if (early)
            poison_and_free(old); /* the bug: readers may still hold old */
        else
            lfrcu_retire(&old->head, free_cb);
        if (i % 8 == 0)
            sched_yield();
    }
    atomic_store(&done, true);
    lfrcu_thread_unregister();
    return NULL;
}

int main(int argc, char **argv)
{
    if (argc < 2 || (strcmp(argv[1], "correct") && strcmp(argv[1], "early"))) {
        fprintf(stderr, "usage: %s correct|early [iterations]\n", argv[0]);
        return 2;
    }
    early = !strcmp(argv[1], "early");
    iterations = argc > 2 ? atol(argv[2]) : 20000;
    atomic_store(&current, make(0));
    if (lfrcu_thread_register() != 0)
        return 2;
    pthread_t r[NREADERS], w;
    for (int i = 0; i < NREADERS; i++)
        pthread_create(&r[i], NULL, reader, NULL);
    pthread_create(&w, NULL, writer, NULL);
    pthread_join(w, NULL);
    for (int i = 0; i < NREADERS; i++)
        pthread_join(r[i], NULL);
    lfrcu_retire(&atomic_load(&current)->head, free_cb);
    lfrcu_barrier(); /* every retired object is freed before we exit */
    lfrcu_thread_unregister();
    printf("%s: %llu reads, %llu torn, scheme %s\n", argv[1],
           (unsigned long long)atomic_load(&reads), (unsigned long long)atomic_load(&torn),
           lfrcu_scheme_name());
    return atomic_load(&torn) ? 1 : 0;
}
