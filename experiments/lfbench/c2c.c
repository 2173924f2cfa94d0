/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Cache-line ping-pong, see c2c.h. */
#include "c2c.h"

#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <time.h>

#include "placement.h"

/* Five batches of 2000 round trips: ~1-4 ms in all, the median batch is
 * robust to one preemption. */
#define C2C_BATCHES 5
#define C2C_ROUNDS 2000
#define C2C_LINE 64

struct c2c {
    _Alignas(C2C_LINE) _Atomic uint64_t ball; /* odd: with the responder */
    int cpu;
    int pinned;
};

static uint64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static void *responder(void *arg)
{
    struct c2c *c = arg;
    c->pinned = lfb_pin_self(c->cpu) == 0;
    uint64_t total = (uint64_t)C2C_BATCHES * C2C_ROUNDS;
    for (uint64_t i = 0; i < total; i++) {
        uint64_t odd = 2 * i + 1;
        while (atomic_load_explicit(&c->ball, memory_order_acquire) != odd)
            ;
        atomic_store_explicit(&c->ball, odd + 1, memory_order_release);
    }
    return NULL;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

void lfb_c2c_default_cpus(int *a, int *b)
{
    cpu_set_t set;
    *a = *b = -1;
    if (sched_getaffinity(0, sizeof set, &set) != 0)
        return;
    for (int i = 0; i < CPU_SETSIZE; i++) {
        if (!CPU_ISSET(i, &set))
            continue;
        if (*a < 0)
            *a = i;
        else {
            *b = i;
            return;
        }
    }
}

double lfb_c2c_round_trip_ns(int cpu_a, int cpu_b)
{
    if (cpu_a < 0 || cpu_b < 0 || cpu_a == cpu_b)
        return -1;
    struct c2c c = {.cpu = cpu_b};
    atomic_init(&c.ball, 0);
    cpu_set_t old;
    pthread_getaffinity_np(pthread_self(), sizeof old, &old);
    if (lfb_pin_self(cpu_a) != 0)
        return -1;
    pthread_t t;
    if (pthread_create(&t, NULL, responder, &c) != 0) {
        pthread_setaffinity_np(pthread_self(), sizeof old, &old);
        return -1;
    }
    double batch_ns[C2C_BATCHES];
    uint64_t i = 0;
    for (int b = 0; b < C2C_BATCHES; b++) {
        uint64_t t0 = now_ns();
        for (int r = 0; r < C2C_ROUNDS; r++, i++) {
            atomic_store_explicit(&c.ball, 2 * i + 1, memory_order_release);
            while (atomic_load_explicit(&c.ball, memory_order_acquire) != 2 * i + 2)
                ;
        }
        batch_ns[b] = (double)(now_ns() - t0) / C2C_ROUNDS;
    }
    pthread_join(t, NULL);
    pthread_setaffinity_np(pthread_self(), sizeof old, &old);
    if (!c.pinned)
        return -1;
    qsort(batch_ns, C2C_BATCHES, sizeof batch_ns[0], cmp_double);
    return batch_ns[C2C_BATCHES / 2];
}
