/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The reader's side of the era-based schemes (rcu/scheme_he.c, hazard eras;
 * rcu/scheme_ibr.c, interval-based reclamation), shared by their engine
 * (rcu/era.c) and by lfmap's inline read path.  Included by lfrcu.h.
 *
 * A global era clock (lfrcu_era_clock) advances by one each time one of
 * these schemes allocates or retires a table, that is with resizes only.
 * Every table is stamped at its allocation with the fresh era its
 * fetch_add made (its birth era) and at its retirement with the value the
 * retiring fetch_add replaced (its retire era), so its lifespan is the
 * interval [birth, retire], and a table born after a reader reserved its
 * eras is never held by that reader.  A reader reserves eras in its record; a reclaimer frees
 * a table once no reservation of any reader falls in its lifespan.  What a
 * reservation is differs between the schemes (he: one era per hazard slot;
 * ibr: one interval per section); the common part is res[0], the era the
 * outermost section began in, and `cur`, the era the reader's last table
 * pointer was checked against.
 *
 * The read side, inline (lfrcu.h, LFRCU_INLINE_ERA):
 *   lock     e = clock; res[0] = e; cur = e                 (one store)
 *   load     t = m->current; then clock == cur?             (one load)
 *            if not, the slow path: the scheme's protect(), which moves
 *            the reservation to the new era, then lfmap re-validates t
 *   unlock   res[0] = NONE                                   (one store)
 * No fence: the reclaimer issues membarrier(MEMBARRIER_CMD_PRIVATE_EXPEDITED)
 * before it reads the reservations, which orders every running reader's
 * store before its later loads as a full fence in the reader would
 * (liburcu-memb's argument).  Where membarrier is missing the inline path
 * is not used (the map's kind is LFRCU_CALLS) and the scheme's functions
 * fence.
 *
 * Why the check after the load is enough: the table t we loaded from
 * m->current at time T was reachable at T, so birth(t) <= clock(T) (t's
 * stamp was read before t was published, and our clock load comes after
 * our acquire load of the pointer: read-read coherence), and if
 * clock == cur after the load, clock(T) == cur.  Its retire era is at
 * least the era e we reserved at the lock: the retirer stamps t with the
 * value its fetch_add on the clock replaces, after the unlink.  Were that
 * value below e, our acquire load at the lock (which returned e) read the
 * result of that fetch_add or of a later one, and so synchronises with it;
 * our load of m->current, after it, would then have seen the unlink and
 * not returned t.  So e (== cur on this path) is in t's lifespan, and the
 * reservation, published before the load, protects t.
 *
 * Values have no birth era (the map stores the user's 64-bit word, not an
 * object lfmap allocates: a value may have been readable for long before
 * the write that retires it allocated its retire record), so both schemes
 * protect values by identity, as hazard pointers do: value[0] names the
 * value of the thread's last lfmap_get inside lfmap_read_lock, value[1] the
 * last *old of a put or remove (LFRCU_HAZARD_VALUE, LFRCU_HAZARD_OLD).
 */
#ifndef LFRCU_ERA_H
#define LFRCU_ERA_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

/* The most era schemes a process may register (one record pointer each in
 * lfmap's thread record and in the engine's thread-local arrays).  Each
 * era scheme's slot is its rank among the registered era schemes
 * (lfrcu_era_slot_of, rcu/registry.c): no scheme file chooses one, so a
 * new or copied scheme cannot share another's slot.  An era scheme beyond
 * this many cannot be used: lfmap_new fails for it (EINVAL). */
#define LFRCU_ERA_READERS 8u
/* A reservation that reserves nothing. */
#define LFRCU_ERA_NONE UINT64_MAX
/* Work for the outermost unlock (struct lfrcu_era_rec.pending). */
#define LFRCU_ERA_SCAN 1u  /* this thread retired enough to scan */
#define LFRCU_ERA_CLEAR 2u /* slots beyond res[0] (values, he's next/from) to clear */

struct lfrcu_era_engine;

/* One per thread and era scheme, from rcu/era.c's registry (never freed:
 * reused by the next thread that registers). */
struct lfrcu_era_rec {
    /* First line: what reclaimers read, and the owner's inline state. */
    _Alignas(64) _Atomic uint64_t res[3]; /* reservations; the scheme's (res[0]: see above) */
    _Atomic uintptr_t value[2];           /* value hazards by identity; 0 = none */
    uint64_t cur;                         /* owner: the era the inline check compares with */
    unsigned depth;                       /* owner: section nesting */
    unsigned pending;                     /* owner: LFRCU_ERA_SCAN | LFRCU_ERA_CLEAR */
    /* Second line: the registry and the owner's out-of-line state. */
    _Alignas(64) struct lfrcu_era_rec *next; /* registry list, push only */
    _Atomic bool in_use;
    const struct lfrcu_era_engine *engine;
    const void *next_ptr; /* he: the table last protected in the successor slot */
};

extern _Atomic uint64_t lfrcu_era_clock;
/* The outermost unlock's rare work (rcu/era.c): clear the extra slots,
 * scan and run what is free (the thread is outside every section). */
void lfrcu_era_unlock_slow(struct lfrcu_era_rec *r);
/* Whether the inline read side may go without fences (membarrier). */
bool lfrcu_era_asymmetric(void);
extern char lfrcu_era_tsan; /* TSan: released at a section's end, acquired by callbacks */

static inline __attribute__((always_inline)) void lfrcu_era_lock_inline(struct lfrcu_era_rec *r)
{
    if (r->depth++ == 0) {
        /* acquire: if this era came from a retirer's fetch_add, we
         * synchronise with it, and the table loads of our section see what
         * it unlinked (see above). */
        uint64_t e = atomic_load_explicit(&lfrcu_era_clock, memory_order_acquire);
        r->cur = e;
        /* relaxed: the reclaimer's membarrier orders it before our loads
         * (see above); the signal fence keeps the compiler from moving the
         * section's loads above it. */
        atomic_store_explicit(&r->res[0], e, memory_order_relaxed);
        atomic_signal_fence(memory_order_seq_cst);
    }
}

/* After loading a table pointer inside the section: true when the era has
 * not moved since the reservation, so that the table is covered by it. */
static inline __attribute__((always_inline)) bool lfrcu_era_current_ok(const struct lfrcu_era_rec *r)
{
    /* acquire: as in the lock (a retirer's fetch_add we read from
     * happens before our later loads). */
    return atomic_load_explicit(&lfrcu_era_clock, memory_order_acquire) == r->cur;
}

static inline __attribute__((always_inline)) void lfrcu_era_unlock_inline(struct lfrcu_era_rec *r)
{
    if (--r->depth == 0) {
        lfrcu_tsan_release(&lfrcu_era_tsan);
        /* release: the section's reads come before the reservation is
         * seen gone. */
        atomic_store_explicit(&r->res[0], LFRCU_ERA_NONE, memory_order_release);
        if (__builtin_expect(r->pending != 0, 0))
            lfrcu_era_unlock_slow(r);
    }
}

#endif /* LFRCU_ERA_H */
