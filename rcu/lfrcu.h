/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * lfrcu: the memory-reclamation interface lfmap uses, and nothing else.
 * rcu/README.md has the contract in full and a walkthrough of adding a scheme.
 *
 * Contract (the same for every scheme):
 *   - A thread calls s->thread_register() before its first read-side
 *     section of scheme s and s->thread_unregister() before it exits.  lfmap
 *     registers lazily, on a thread's first use of a map of that scheme
 *     (lf_self.schemes in lib/thread.c holds one bit per scheme).
 *   - s->read_lock()/s->read_unlock() bracket every access to shared,
 *     retirable memory.  Sections nest.  Inside one a thread must never call
 *     s->barrier() (it would wait for itself: pitfall 8).
 *   - s->retire(head, fn) schedules fn(head) to run once no reader can hold
 *     the object: every read-side section that was running at the time of
 *     the call has ended (section schemes), or no hazard pointer names
 *     head->protected (hazard-pointer schemes).  It never waits for
 *     readers and is allowed inside a read-side section.
 *   - s->barrier() waits until every callback retired before the call has
 *     run (or, for `leak`, returns: nothing ever runs).  Called outside any
 *     read-side section.
 *   - Hazard-pointer schemes (s->protect != NULL) protect only what the
 *     reader names: s->protect(slot, p) publishes p in the thread's hazard
 *     slot `slot` (< LFRCU_HAZARDS) followed by a full fence (or, for the
 *     era schemes when membarrier is available, a compiler barrier: their
 *     reclaimers issue membarrier before scanning); the reader then
 *     re-validates that p is still reachable before using it.
 *     protect(slot, NULL) drops the slot.  The outermost read_unlock
 *     clears the thread's hazards.  ck-hp's read_lock only counts nesting;
 *     the era schemes (he, ibr) also reserve the current era there.
 *   - Era schemes (s->birth != NULL) must be told when each object they
 *     will retire was born: s->birth(head, true) when it is allocated,
 *     before any reader can reach it (tables), or s->birth(head, false)
 *     before retiring an object whose birth is unknown (a value's retire
 *     record: the value may have been readable long before), which is
 *     then protected by identity (head->protected), as hazard pointers do.
 *
 * A new scheme is one file rcu/scheme_NAME.c defining a `const struct
 * lfrcu_scheme lfrcu_scheme_NAME`, plus one line LFRCU_SCHEME(NAME) in
 * rcu/schemes.def.  Maps choose theirs by name (lfmap_config.reclamation).
 *
 * The default scheme, liburcu's membarrier flavour (rcu/scheme_urcu_memb.c),
 * is inlined on the read side for maps that use it (struct lfrcu_domain,
 * kind LFRCU_INLINE_MEMB); every other scheme goes through its function
 * pointers.
 */
#ifndef LFRCU_H
#define LFRCU_H

#include <stdbool.h>
#include <stddef.h>
#include <stdatomic.h>

#include "lfrcu_types.h"


/* Resolves name (NULL: the process default, LFMAP_RCU else "urcu-memb").
 * 0, or -ENOENT for an unknown name. */
int lfrcu_domain_init(struct lfrcu_domain *d, const char *name);
/* The scheme of a map created without naming one: the process default
 * (lfrcu_select, else LFMAP_RCU, else the built-in default), except that a
 * scheme LFMAP_RCU names is taken only if it keeps the default's contract
 * (default_contract) or LFMAP_RCU_ANY_CONTRACT is set (a test runner or a
 * measurement that follows every scheme's rules): else the built-in
 * default.  So the environment cannot change what a map promises (lfmap.h,
 * "Reclamation schemes").  0, or lfrcu_default_resolve's error (-ENOENT: an
 * unknown LFMAP_RCU). */
int lfrcu_domain_init_unnamed(struct lfrcu_domain *d);
/* The i-th scheme (NULL past the end); index 0 is the built-in default. */
const struct lfrcu_scheme *lfrcu_scheme_at(size_t i);
/* NULL-terminated list of every registered scheme. */
const struct lfrcu_scheme *const *lfrcu_schemes(void);
/* Bit of scheme s in a thread's registration mask. */
unsigned lfrcu_scheme_bit(const struct lfrcu_scheme *s);
/* An era scheme's slot (rcu/lfrcu_era.h, LFRCU_ERA_READERS): how many
 * schemes with era_reader come before s in rcu/schemes.def; a pure
 * function of the registry, so every caller gets the same answer.  Not
 * below LFRCU_ERA_READERS for a scheme past the limit (or not an era
 * scheme, or not registered). */
unsigned lfrcu_era_slot_of(const struct lfrcu_scheme *s);

/* The process default, for code that uses one scheme for everything (the
 * tests of this layer, bench_rcu_readside).  lfrcu_select picks it before
 * the first lfrcu_thread_register / lfrcu_default_resolve; -ENOENT unknown,
 * -EBUSY once resolved. */
int lfrcu_select(const char *name);
/* Resolves the default once (LFMAP_RCU, race-free); 0 or -ENOENT. */
int lfrcu_default_resolve(void);
const char *lfrcu_scheme_name(void);
int lfrcu_thread_register(void);
void lfrcu_thread_unregister(void);
void lfrcu_retire(struct lfrcu_head *head, lfrcu_callback fn);
void lfrcu_barrier(void);
bool lfrcu_may_wait(void);
void lfrcu_read_lock_slow(void);
void lfrcu_read_unlock_slow(void);
extern struct lfrcu_domain lfrcu_default_domain;

/* The out-of-line parts of the inline memb read side below (rcu/registry.c,
 * so that every scheme file defines nothing but its struct and a renamed
 * copy of any scheme links: tests/rcu/scheme_copies.sh). */
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

/* TSan annotations for schemes whose ordering TSan cannot see (liburcu's
 * uatomics, ck's inline assembly, standalone fences): a scheme's read-side
 * exit releases a per-scheme object that its callbacks acquire before
 * running, which is the happens-before edge a grace period (or a hazard
 * scan) guarantees, and no more. */
#ifdef LFRCU_TSAN
void __tsan_acquire(void *addr);
void __tsan_release(void *addr);
#define lfrcu_tsan_acquire(p) __tsan_acquire((void *)(p))
/* Released by every memb read-side exit, acquired by memb's callbacks. */
extern char lfrcu_memb_tsan_grace_period;
#define lfrcu_tsan_release(p) __tsan_release((void *)(p))
#else
#define lfrcu_tsan_acquire(p) ((void)(p))
#define lfrcu_tsan_release(p) ((void)(p))
#endif

/* The era schemes' reader (hazard eras, interval-based reclamation). */
#include "lfrcu_era.h"

/* The inline memb read side.  Scheme files for other liburcu flavours
 * define LFRCU_NO_INLINE_MEMB first: liburcu's flavour headers cannot all be
 * included, inlined, in one file. */
#ifndef LFRCU_NO_INLINE_MEMB
#define _LGPL_SOURCE /* inline liburcu's read side instead of calling it */
#include <urcu/urcu-memb.h>

/* It is liburcu's own memb read side (urcu/static/urcu-memb.h, whose
 * inlining through _LGPL_SOURCE liburcu permits to LGPL-compatible code such
 * as this library; see the README's licence section) with three changes.
 * First, liburcu tests urcu_memb_has_sys_membarrier on every lock and unlock
 * (three times per pair) to pick a compiler barrier or a full fence; we test
 * it once, in lfrcu_domain_init, and fold it with "the map uses urcu-memb"
 * into the map's kind.  Second, read-unlock tests the grace period's futex
 * inline and calls out of line only to wake a waiting writer
 * (lfrcu_memb_wake_gp, which tests it again), so that the common path makes
 * no call.  Third, it works on the thread's reader counter by address
 * (lfrcu_memb_reader_ctr): the address of a thread-local variable is
 * constant for the thread's life, so lfmap looks it up once, when the
 * thread first uses a map of this scheme, and keeps it in its own thread
 * record; an operation then makes one thread-local access in all (its own
 * record), however the library was built.  The caller is registered with
 * memb. */
static inline unsigned long *lfrcu_memb_reader_ctr(void)
{
    return &URCU_TLS(urcu_memb_reader).ctr;
}

static inline __attribute__((always_inline)) void lfrcu_memb_lock_inline(unsigned long *ctr)
{
    cmm_barrier();
    unsigned long tmp = *ctr;
    if (__builtin_expect(!(tmp & URCU_GP_CTR_NEST_MASK), 1))
        _CMM_STORE_SHARED(*ctr, _CMM_LOAD_SHARED(urcu_memb_gp.ctr));
    else
        _CMM_STORE_SHARED(*ctr, tmp + URCU_GP_COUNT);
    cmm_barrier(); /* liburcu's smp_mb_slave() when membarrier is available */
}

static inline __attribute__((always_inline)) void lfrcu_memb_unlock_inline(unsigned long *ctr)
{
#ifdef LFRCU_TSAN
    lfrcu_tsan_read_unlock();
#endif
    unsigned long tmp = *ctr;
    if (__builtin_expect((tmp & URCU_GP_CTR_NEST_MASK) == URCU_GP_COUNT, 1)) {
        cmm_barrier(); /* smp_mb_slave(): the section precedes the store */
        _CMM_STORE_SHARED(*ctr, tmp - URCU_GP_COUNT);
        cmm_barrier(); /* smp_mb_slave(): the store precedes the futex read */
        /* urcu_common_wake_up_gp, with its rare syscall out of line so
         * that the read side makes no call (and needs no saved
         * registers) on the common path. */
        if (__builtin_expect(uatomic_read(&urcu_memb_gp.futex) == -1, 0))
            lfrcu_memb_wake_gp();
    } else {
        _CMM_STORE_SHARED(*ctr, tmp - URCU_GP_COUNT);
    }
    cmm_barrier();
}

/* A domain's read side.  The caller is registered with d's scheme; for kind
 * LFRCU_INLINE_MEMB, memb_ctr is its lfrcu_memb_reader_ctr(), and for
 * LFRCU_INLINE_ERA, era[d->era_slot] is its d->scheme->era_reader()
 * (each ignored for the other kinds). */
static inline __attribute__((always_inline)) void lfrcu_domain_lock_at(const struct lfrcu_domain *d, unsigned long *memb_ctr,
                                                                       struct lfrcu_era_rec *const *era)
{
    if (__builtin_expect(d->kind == LFRCU_INLINE_MEMB, 1))
        lfrcu_memb_lock_inline(memb_ctr);
    else if (d->kind == LFRCU_INLINE_ERA)
        lfrcu_era_lock_inline(era[d->era_slot]);
    else if (d->kind != LFRCU_NO_SECTION)
        d->scheme->read_lock();
}

static inline __attribute__((always_inline)) void lfrcu_domain_unlock_at(const struct lfrcu_domain *d, unsigned long *memb_ctr,
                                                                         struct lfrcu_era_rec *const *era)
{
    if (__builtin_expect(d->kind == LFRCU_INLINE_MEMB, 1))
        lfrcu_memb_unlock_inline(memb_ctr);
    else if (d->kind == LFRCU_INLINE_ERA)
        lfrcu_era_unlock_inline(era[d->era_slot]);
    else if (d->kind != LFRCU_NO_SECTION)
        d->scheme->read_unlock();
}

/* The same, looking the reader up (for callers without a cached one). */
static inline __attribute__((always_inline)) void lfrcu_domain_lock(const struct lfrcu_domain *d)
{
    if (d->kind == LFRCU_INLINE_ERA)
        d->scheme->read_lock();
    else
        lfrcu_domain_lock_at(d, d->kind == LFRCU_INLINE_MEMB ? lfrcu_memb_reader_ctr() : NULL, NULL);
}

static inline __attribute__((always_inline)) void lfrcu_domain_unlock(const struct lfrcu_domain *d)
{
    if (d->kind == LFRCU_INLINE_ERA)
        d->scheme->read_unlock();
    else
        lfrcu_domain_unlock_at(d, d->kind == LFRCU_INLINE_MEMB ? lfrcu_memb_reader_ctr() : NULL, NULL);
}

/* The process default's read side (lfrcu_thread_register first). */
static inline void lfrcu_read_lock(void)
{
    lfrcu_domain_lock(&lfrcu_default_domain);
}

static inline void lfrcu_read_unlock(void)
{
    lfrcu_domain_unlock(&lfrcu_default_domain);
}
#endif /* LFRCU_NO_INLINE_MEMB */

#endif /* LFRCU_H */
