/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Contention profile of the lock-based maps: the C counterpart of Go's mutex
 * profile.  Each acquisition first tries the lock; only when that fails is it
 * counted as contended and the wait timed, so an uncontended acquisition
 * costs one extra branch and no clock read.  Counters are thread-local (a
 * shared counter would itself be a contended cache line); the harness takes
 * each worker's totals when it stops (lfb_lock_profile_take).
 */
#ifndef LFB_LOCK_PROFILE_H
#define LFB_LOCK_PROFILE_H

#include <pthread.h>
#include <stdint.h>
#include <time.h>

#ifdef __cplusplus
extern "C" {
#endif

struct lfb_lock_profile {
    uint64_t acquisitions;
    uint64_t contended;
    uint64_t wait_ns;
};

extern __thread struct lfb_lock_profile lfb_lock_profile_tls;

/* Returns this thread's counters and zeroes them. */
struct lfb_lock_profile lfb_lock_profile_take(void);

static inline uint64_t lfb_lock_now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static inline void lfb_mutex_lock(pthread_mutex_t *m)
{
    struct lfb_lock_profile *p = &lfb_lock_profile_tls;
    p->acquisitions++;
    if (pthread_mutex_trylock(m) == 0)
        return;
    p->contended++;
    uint64_t t0 = lfb_lock_now_ns();
    pthread_mutex_lock(m);
    p->wait_ns += lfb_lock_now_ns() - t0;
}

static inline void lfb_rwlock_rdlock(pthread_rwlock_t *l)
{
    struct lfb_lock_profile *p = &lfb_lock_profile_tls;
    p->acquisitions++;
    if (pthread_rwlock_tryrdlock(l) == 0)
        return;
    p->contended++;
    uint64_t t0 = lfb_lock_now_ns();
    pthread_rwlock_rdlock(l);
    p->wait_ns += lfb_lock_now_ns() - t0;
}

static inline void lfb_rwlock_wrlock(pthread_rwlock_t *l)
{
    struct lfb_lock_profile *p = &lfb_lock_profile_tls;
    p->acquisitions++;
    if (pthread_rwlock_trywrlock(l) == 0)
        return;
    p->contended++;
    uint64_t t0 = lfb_lock_now_ns();
    pthread_rwlock_wrlock(l);
    p->wait_ns += lfb_lock_now_ns() - t0;
}

#ifdef __cplusplus
}
#endif

#endif /* LFB_LOCK_PROFILE_H */
