/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Helper for tests/rcu/rcu_select.sh: THREADS threads register and call
 * lfmap_new(NULL) at the same moment, each twice, as the first maps of the
 * process that name no scheme.  Every registration must return 0 (LFMAP_RCU
 * plays no part in it), and every lfmap_new must give `expected` (argv[1]:
 * 0 for a map, or -errno, e.g. -22 for EINVAL): the reclamation scheme named
 * by LFMAP_RCU is resolved once for all of them.
 * Exits 0 when every answer matched, 1 otherwise (and says which).
 */
#include "lfmap.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

#define THREADS 8

static pthread_barrier_t start;
static int answers[THREADS][2];

static int new_map(void)
{
    lfmap *m = lfmap_new(NULL);
    if (!m)
        return -errno;
    lfmap_free(m);
    return 0;
}

static void *register_twice(void *arg)
{
    int *out = arg;
    pthread_barrier_wait(&start);
    int reg = lfmap_thread_register();
    out[0] = new_map();
    out[1] = new_map();
    if (reg != 0 || lfmap_thread_register() != 0)
        out[0] = out[1] = 1000; /* not an errno: a registration failed */
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
