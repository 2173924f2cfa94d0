/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * lfrcu: the memory-reclamation interface lfmap uses, and nothing else.
 *
 * Contract (the same for every scheme):
 *   - A thread calls lfrcu_thread_register() before its first read-side
 *     section and lfrcu_thread_unregister() before it exits.
 *   - lfrcu_read_lock()/lfrcu_read_unlock() bracket every access to shared,
 *     retirable memory.  Sections nest.  Inside one a thread must never call
 *     lfrcu_barrier() (it would wait for itself: pitfall 8).
 *   - lfrcu_retire(head, fn) schedules fn(head) to run once every read-side
 *     section that was running at the time of the call has ended.  It never
 *     blocks and never allocates, so it is allowed inside a read-side section.
 *   - lfrcu_barrier() waits until every callback retired before the call has
 *     run.  Called outside any read-side section (lfmap_free does).
 *
 * Schemes.  The default, liburcu's membarrier flavour (rcu/scheme_urcu_memb.c),
 * is inlined on the read side: the only cost of the pluggable design on a
 * read is one predictable branch on a global flag (measured in
 * experiments/bench_rcu_readside.c).  A
 * new scheme is one file rcu/scheme_NAME.c defining a `const struct
 * lfrcu_scheme lfrcu_scheme_NAME`, plus one line LFRCU_SCHEME(NAME) in
 * rcu/schemes.def.  lfrcu_select() (or the LFMAP_RCU environment variable)
 * picks one before the first thread registers.
 */
#ifndef LFRCU_H
#define LFRCU_H

#include <stdbool.h>
#include <stddef.h>

#define _LGPL_SOURCE /* inline liburcu's read side instead of calling it */
#include <urcu/urcu-memb.h>

/* Space for any scheme's bookkeeping; embed it in the object to retire. */
struct lfrcu_head {
    void *scheme_private[2];
    void (*fn)(struct lfrcu_head *head);
};

typedef void (*lfrcu_callback)(struct lfrcu_head *head);

struct lfrcu_scheme {
    const char *name;
    int (*thread_register)(void);   /* 0 or -errno */
    void (*thread_unregister)(void);
    void (*read_lock)(void);
    void (*read_unlock)(void);
    void (*retire)(struct lfrcu_head *head, lfrcu_callback fn);
    void (*barrier)(void);
    /* Optional (NULL = always): whether this thread may call barrier now.
     * False inside a read-side section and on the scheme's reclamation
     * threads (a callback that waited for callbacks would wait for itself). */
    bool (*may_wait)(void);
};

/* Selects a scheme by name; 0, -ENOENT unknown name, -EBUSY once a thread has
 * registered.  Without a call, the first registration reads LFMAP_RCU from
 * the environment and falls back to "urcu-memb". */
int lfrcu_select(const char *name);
/* Name of the active scheme. */
const char *lfrcu_scheme_name(void);
/* NULL-terminated list of every registered scheme. */
const struct lfrcu_scheme *const *lfrcu_schemes(void);

int lfrcu_thread_register(void);
void lfrcu_thread_unregister(void);
void lfrcu_retire(struct lfrcu_head *head, lfrcu_callback fn);
void lfrcu_barrier(void);
/* Whether the calling thread may call lfrcu_barrier() now. */
bool lfrcu_may_wait(void);

/* Internal to the inline read side below. */
#include <stdatomic.h>
extern _Atomic bool lfrcu_memb_fast;
void lfrcu_read_lock_slow(void);
void lfrcu_read_unlock_slow(void);
void lfrcu_tsan_read_unlock(void);
void lfrcu_memb_wake_gp(void);

/* ThreadSanitizer does not see the ordering that the membarrier grace period
 * gives (Debian's liburcu 0.13 predates its TSan support), so the read side
 * releases a shared sync object that the free callbacks acquire: see
 * rcu/scheme_urcu_memb.c.  Compiled out unless built with -fsanitize=thread. */
#if defined(__SANITIZE_THREAD__)
#define LFRCU_TSAN 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define LFRCU_TSAN 1
#endif
#endif

/* The read side of the default scheme, inlined.  It is liburcu's own memb
 * read side (urcu/static/urcu-memb.h, whose inlining through _LGPL_SOURCE
 * liburcu permits to LGPL-compatible code such as this library; see the
 * README's licence section) with two changes.  First, liburcu tests urcu_memb_has_sys_membarrier on
 * every lock and unlock (three times per pair) to pick a compiler barrier or
 * a full fence; we test it once, when the first thread registers, and fold
 * it with "the default scheme is active" into lfrcu_memb_fast.  Every other
 * case (another scheme, or no membarrier syscall) takes the slow path, which
 * calls the active scheme's functions.  Second, read-unlock tests the grace
 * period's futex inline and calls out of line only to wake a waiting
 * writer (lfrcu_memb_wake_gp, which tests it again), so that the common path
 * makes no call.  (In the shared library every access to liburcu's
 * thread-local reader state still goes through __tls_get_addr: the price of
 * loading through dlopen, paper-notes 6.3.) */
static inline void lfrcu_read_lock(void)
{
    /* relaxed: written once before any thread can pass its registration. */
    if (__builtin_expect(atomic_load_explicit(&lfrcu_memb_fast, memory_order_relaxed), 1)) {
        cmm_barrier();
        unsigned long tmp = URCU_TLS(urcu_memb_reader).ctr;
        if (__builtin_expect(!(tmp & URCU_GP_CTR_NEST_MASK), 1))
            _CMM_STORE_SHARED(URCU_TLS(urcu_memb_reader).ctr, _CMM_LOAD_SHARED(urcu_memb_gp.ctr));
        else
            _CMM_STORE_SHARED(URCU_TLS(urcu_memb_reader).ctr, tmp + URCU_GP_COUNT);
        cmm_barrier(); /* liburcu's smp_mb_slave() when membarrier is available */
    } else {
        lfrcu_read_lock_slow();
    }
}

static inline void lfrcu_read_unlock(void)
{
#ifdef LFRCU_TSAN
    lfrcu_tsan_read_unlock();
#endif
    /* relaxed: as above. */
    if (__builtin_expect(atomic_load_explicit(&lfrcu_memb_fast, memory_order_relaxed), 1)) {
        unsigned long tmp = URCU_TLS(urcu_memb_reader).ctr;
        if (__builtin_expect((tmp & URCU_GP_CTR_NEST_MASK) == URCU_GP_COUNT, 1)) {
            cmm_barrier(); /* smp_mb_slave(): the section precedes the store */
            _CMM_STORE_SHARED(URCU_TLS(urcu_memb_reader).ctr, tmp - URCU_GP_COUNT);
            cmm_barrier(); /* smp_mb_slave(): the store precedes the futex read */
            /* urcu_common_wake_up_gp, with its rare syscall out of line so
             * that the read side makes no call (and needs no saved
             * registers) on the common path. */
            if (__builtin_expect(uatomic_read(&urcu_memb_gp.futex) == -1, 0))
                lfrcu_memb_wake_gp();
        } else {
            _CMM_STORE_SHARED(URCU_TLS(urcu_memb_reader).ctr, tmp - URCU_GP_COUNT);
        }
        cmm_barrier();
    } else {
        lfrcu_read_unlock_slow();
    }
}

#endif /* LFRCU_H */
