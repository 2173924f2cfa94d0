/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The locks of the lock-based maps: which glibc lock each one uses (its
 * kind), and the contention profile, the C counterpart of Go's mutex
 * profile.
 *
 * Kinds.  glibc offers a plain ("normal") mutex, which sleeps in the kernel
 * as soon as it finds the lock taken, and an adaptive one
 * (PTHREAD_MUTEX_ADAPTIVE_NP), which first spins a little, betting that a
 * short critical section ends before a futex sleep and wake-up would; its
 * reader-writer lock prefers readers (the default) or writers
 * (PTHREAD_RWLOCK_PREFER_WRITER_NONRECURSIVE_NP).  Each map keeps the kind
 * that measured best for its critical sections (results/harness/README.md has the
 * numbers); `lfbench --lock-kind` runs the others side by side.
 *
 * Profile.  Each acquisition first tries the lock; only when that fails is
 * it counted as contended and the wait timed.  That is a trylock more per
 * acquisition and two clock reads per contended one, the second while the
 * lock is held, so it slows the map it measures: the adapters are compiled
 * twice (experiments/harness.mk), and only the copy built with
 * LFB_PROFILE_LOCKS, which `lfbench --profile-locks` runs in a run of its
 * own, records labelled as such, has it.  Throughput runs take the lock
 * with one plain call.  Counters are thread-local (a shared counter would
 * itself be a contended cache line); the harness takes each worker's totals
 * when it stops (lfb_lock_profile_take).
 */
#ifndef LFB_LOCKS_H
#define LFB_LOCKS_H

#include <pthread.h>
#include <stdint.h>
#include <time.h>

#ifdef __cplusplus
extern "C" {
#endif

/* lfb_map_config.lock_kind; bit k of lfb_map_ops.lock_kinds: the map honours
 * kind k.  LFB_LOCK_DEFAULT is the map's own choice. */
enum lfb_lock_kind {
    LFB_LOCK_DEFAULT,
    LFB_LOCK_NORMAL,
    LFB_LOCK_ADAPTIVE,
    LFB_LOCK_PREFER_READER,
    LFB_LOCK_PREFER_WRITER,
    LFB_LOCK_KINDS
};
/* "default", "normal", "adaptive", "prefer-reader", "prefer-writer", NULL */
extern const char *const lfb_lock_kind_names[];
#define LFB_LOCK_BIT(kind) (1u << (kind))
#define LFB_MUTEX_KINDS (LFB_LOCK_BIT(LFB_LOCK_NORMAL) | LFB_LOCK_BIT(LFB_LOCK_ADAPTIVE))
#define LFB_RWLOCK_KINDS (LFB_LOCK_BIT(LFB_LOCK_PREFER_READER) | LFB_LOCK_BIT(LFB_LOCK_PREFER_WRITER))

/* The kind a map uses: the one asked for, or its own when asked for none. */
static inline enum lfb_lock_kind lfb_lock_kind_pick(unsigned asked, enum lfb_lock_kind own)
{
    return asked == LFB_LOCK_DEFAULT || asked >= LFB_LOCK_KINDS ? own : (enum lfb_lock_kind)asked;
}

/* Initialise a mutex of kind LFB_LOCK_NORMAL or LFB_LOCK_ADAPTIVE, a
 * reader-writer lock of kind LFB_LOCK_PREFER_READER or _WRITER.  0 or an
 * error number. */
int lfb_mutex_init(pthread_mutex_t *m, enum lfb_lock_kind kind);
int lfb_rwlock_init(pthread_rwlock_t *l, enum lfb_lock_kind kind);

struct lfb_lock_profile {
    uint64_t acquisitions;
    uint64_t contended;
    uint64_t wait_ns;
};

/* Returns this thread's counters and zeroes them (all zero unless a
 * profiled adapter ran on this thread). */
struct lfb_lock_profile lfb_lock_profile_take(void);

#ifdef LFB_PROFILE_LOCKS
/* The profiled copy of an adapter: its ops are lfb_map_NAME_profiled. */
#define LFB_MAP_OPS(name) lfb_map_##name##_profiled
#define LFB_LOCKS_PROFILED 1

extern __thread struct lfb_lock_profile lfb_lock_profile_tls;

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
#else
#define LFB_MAP_OPS(name) lfb_map_##name
#define LFB_LOCKS_PROFILED 0

static inline void lfb_mutex_lock(pthread_mutex_t *m) { pthread_mutex_lock(m); }
static inline void lfb_rwlock_rdlock(pthread_rwlock_t *l) { pthread_rwlock_rdlock(l); }
static inline void lfb_rwlock_wrlock(pthread_rwlock_t *l) { pthread_rwlock_wrlock(l); }
#endif

#ifdef __cplusplus
}
#endif

#endif /* LFB_LOCKS_H */
