/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Lock kinds and the thread-local contention counters, see locks.h.  Built
 * once, without LFB_PROFILE_LOCKS: the counters are defined here for the
 * profiled copies of the adapters. */
#define LFB_PROFILE_LOCKS 1 /* declares lfb_lock_profile_tls */
#include "locks.h"

const char *const lfb_lock_kind_names[] = {"default", "normal", "adaptive", "prefer-reader", "prefer-writer",
                                           NULL};

__thread struct lfb_lock_profile lfb_lock_profile_tls;

struct lfb_lock_profile lfb_lock_profile_take(void)
{
    struct lfb_lock_profile p = lfb_lock_profile_tls;
    lfb_lock_profile_tls = (struct lfb_lock_profile){0, 0, 0};
    return p;
}

int lfb_mutex_init(pthread_mutex_t *m, enum lfb_lock_kind kind)
{
    pthread_mutexattr_t a;
    int rc = pthread_mutexattr_init(&a);
    if (rc != 0)
        return rc;
    rc = pthread_mutexattr_settype(&a, kind == LFB_LOCK_ADAPTIVE ? PTHREAD_MUTEX_ADAPTIVE_NP : PTHREAD_MUTEX_NORMAL);
    if (rc == 0)
        rc = pthread_mutex_init(m, &a);
    pthread_mutexattr_destroy(&a);
    return rc;
}

int lfb_rwlock_init(pthread_rwlock_t *l, enum lfb_lock_kind kind)
{
    pthread_rwlockattr_t a;
    int rc = pthread_rwlockattr_init(&a);
    if (rc != 0)
        return rc;
    /* Writer preference must be the non-recursive kind: glibc's plain
     * PTHREAD_RWLOCK_PREFER_WRITER_NP behaves as reader preference. */
    rc = pthread_rwlockattr_setkind_np(&a, kind == LFB_LOCK_PREFER_WRITER
                                               ? PTHREAD_RWLOCK_PREFER_WRITER_NONRECURSIVE_NP
                                               : PTHREAD_RWLOCK_PREFER_READER_NP);
    if (rc == 0)
        rc = pthread_rwlock_init(l, &a);
    pthread_rwlockattr_destroy(&a);
    return rc;
}
