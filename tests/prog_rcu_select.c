/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Helper for tests/rcu_select.sh: THREADS threads call lfmap_thread_register
 * at the same moment, each twice, as the first registrations of the process.
 * Every call must return `expected` (argv[1], e.g. 0 or -2 for -ENOENT):
 * the reclamation scheme named by LFMAP_RCU is resolved once for all of them.
 * Exits 0 when every answer matched, 1 otherwise (and says which).
 */
#include "lfmap.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

#define THREADS 8

static pthread_barrier_t start;
static int answers[THREADS][2];

static void *register_twice(void *arg)
{
    int *out = arg;
    pthread_barrier_wait(&start);
    out[0] = lfmap_thread_register();
    out[1] = lfmap_thread_register();
    lfmap_thread_unregister();
    return NULL;
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: %s EXPECTED_RC\n", argv[0]);
        return 2;
    }
    int expected = atoi(argv[1]);
    pthread_t th[THREADS];
    pthread_barrier_init(&start, NULL, THREADS);
    for (int i = 0; i < THREADS; i++)
        if (pthread_create(&th[i], NULL, register_twice, answers[i]) != 0) {
            perror("pthread_create");
            return 2;
        }
    for (int i = 0; i < THREADS; i++)
        pthread_join(th[i], NULL);
    int bad = 0;
    for (int i = 0; i < THREADS; i++)
        for (int j = 0; j < 2; j++)
            if (answers[i][j] != expected) {
                fprintf(stderr, "thread %d call %d: %d, expected %d\n", i, j, answers[i][j], expected);
                bad = 1;
            }
    return bad;
}
