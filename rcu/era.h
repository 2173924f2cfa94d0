/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The engine of the era-based schemes (rcu/era.c), for their scheme files:
 * rcu/scheme_he.c (hazard eras) and rcu/scheme_ibr.c (interval-based
 * reclamation).  Not part of lfrcu.h: lib/ sees only struct lfrcu_scheme
 * and the inline reader of rcu/lfrcu_era.h.
 *
 * The engine does what the schemes share: the registry of reader records,
 * the read side (sections, value hazards), retirement (stamps, the clock),
 * scans, running callbacks, the barrier.  A scheme says what a reader
 * reserves (struct lfrcu_era_ops): how protect() of a table slot changes
 * the record's reservations, and which eras a record's reservations cover
 * (as closed intervals); an object born at b and retired at r is freed once
 * no interval of any record meets [b, r].
 */
#ifndef LFRCU_ERA_ENGINE_H
#define LFRCU_ERA_ENGINE_H

#include "lfrcu.h"

#include <limits.h>
#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

/* A scan's view of every reader's reservations: closed intervals of eras. */
struct lfrcu_era_interval {
    uint64_t lo, hi;
};
struct lfrcu_era_scan {
    struct lfrcu_era_interval *iv; /* sorted by lo once collected; hi then holds prefix maxima */
    size_t n, cap;
    bool failed; /* out of memory: this scan frees nothing */
};
/* Adds [lo, hi] to the scan (lo <= hi). */
void lfrcu_era_scan_add(struct lfrcu_era_scan *s, uint64_t lo, uint64_t hi);

struct lfrcu_era_ops {
    /* A new or recycled record's reservations (nothing reserved). */
    void (*init)(struct lfrcu_era_rec *r);
    /* protect(slot, p) for a table slot (LFRCU_HAZARD_TABLE, _NEXT,
     * _FROM), in a section: make the tables p may be covered, update
     * r->cur for the inline check, and publish with lfrcu_era_publish();
     * lfmap then re-validates p. */
    void (*protect_table)(struct lfrcu_era_rec *r, unsigned slot, const void *p);
    /* At a scan: the intervals record r reserves (acquire loads). */
    void (*collect)(struct lfrcu_era_rec *r, struct lfrcu_era_scan *s);
    /* At the outermost unlock (when LFRCU_ERA_CLEAR is pending) and at
     * unregistration: drop the reservations beyond res[0] (release). */
    void (*clear)(struct lfrcu_era_rec *r);
};

struct lfrcu_era_engine {
    const struct lfrcu_era_ops *ops;
    const struct lfrcu_scheme *scheme; /* the scheme this engine serves */
    /* Its thread-local record index, lfrcu_era_slot_of(scheme): set at the
     * first use (engine_slot in era.c); LFRCU_ERA_SLOT_UNSET before. */
    _Atomic unsigned slot;
    _Atomic(struct lfrcu_era_rec *) records; /* the registry: push only */
    _Atomic(struct lfrcu_head *) incoming;    /* retired, not scanned yet: push only, taken whole */
    pthread_mutex_t lock;                     /* scans */
    struct lfrcu_head *pending;               /* under the lock: retired, protected at the last scan */
    size_t n_pending;
    struct lfrcu_era_scan scan;               /* under the lock */
    uintptr_t *values;                        /* under the lock: the value hazards seen */
    size_t values_cap;
    _Atomic unsigned long running;            /* callbacks taken to run and not run yet */
};
#define LFRCU_ERA_SLOT_UNSET UINT_MAX
#define LFRCU_ERA_ENGINE(ops_, scheme_)                                                                       \
    {.ops = (ops_), .scheme = (scheme_), .slot = LFRCU_ERA_SLOT_UNSET, .lock = PTHREAD_MUTEX_INITIALIZER}

/* After a store of a reservation: a seq_cst fence, or only a compiler
 * barrier when reclaimers use membarrier (lfrcu_era_asymmetric). */
void lfrcu_era_publish(void);

/* The struct lfrcu_scheme members of an era scheme, for engine e. */
int lfrcu_era_register(struct lfrcu_era_engine *e);
void lfrcu_era_unregister(struct lfrcu_era_engine *e);
void lfrcu_era_read_lock(struct lfrcu_era_engine *e);
void lfrcu_era_read_unlock(struct lfrcu_era_engine *e);
void lfrcu_era_protect(struct lfrcu_era_engine *e, unsigned slot, const void *p);
void lfrcu_era_birth(struct lfrcu_head *head, bool known);
void lfrcu_era_retire(struct lfrcu_era_engine *e, struct lfrcu_head *head, lfrcu_callback fn);
void lfrcu_era_barrier(struct lfrcu_era_engine *e);
bool lfrcu_era_may_wait(struct lfrcu_era_engine *e);
void lfrcu_era_quiescent(struct lfrcu_era_engine *e);
struct lfrcu_era_rec *lfrcu_era_reader(struct lfrcu_era_engine *e);

/* Defines `const struct lfrcu_scheme lfrcu_scheme_<id>` named name_ (its
 * .name, as users spell it), on a static engine for ops_: every member
 * calls the engine.  A scheme file is its ops and this line (its
 * thread-local slot comes from the registry, lfrcu_era_slot_of). */
#define LFRCU_ERA_SCHEME(id, name_, ops_)                                                                     \
    extern const struct lfrcu_scheme lfrcu_scheme_##id;                                                       \
    static struct lfrcu_era_engine id##_engine = LFRCU_ERA_ENGINE(ops_, &lfrcu_scheme_##id);                  \
    static int id##_register(void) { return lfrcu_era_register(&id##_engine); }                              \
    static void id##_unregister(void) { lfrcu_era_unregister(&id##_engine); }                                \
    static void id##_read_lock(void) { lfrcu_era_read_lock(&id##_engine); }                                  \
    static void id##_read_unlock(void) { lfrcu_era_read_unlock(&id##_engine); }                              \
    static void id##_retire(struct lfrcu_head *head, lfrcu_callback fn)                                       \
    {                                                                                                         \
        lfrcu_era_retire(&id##_engine, head, fn);                                                             \
    }                                                                                                         \
    static void id##_barrier(void) { lfrcu_era_barrier(&id##_engine); }                                      \
    static bool id##_may_wait(void) { return lfrcu_era_may_wait(&id##_engine); }                             \
    static void id##_quiescent(void) { lfrcu_era_quiescent(&id##_engine); }                                  \
    static void id##_protect(unsigned slot, const void *p) { lfrcu_era_protect(&id##_engine, slot, p); }     \
    static struct lfrcu_era_rec *id##_reader(void) { return lfrcu_era_reader(&id##_engine); }                \
    const struct lfrcu_scheme lfrcu_scheme_##id = {                                                           \
        .name = name_,                                                                                        \
        .thread_register = id##_register,                                                                     \
        .thread_unregister = id##_unregister,                                                                 \
        .read_lock = id##_read_lock,                                                                          \
        .read_unlock = id##_read_unlock,                                                                      \
        .retire = id##_retire,                                                                                \
        .barrier = id##_barrier,                                                                              \
        .may_wait = id##_may_wait,                                                                            \
        .quiescent = id##_quiescent,                                                                          \
        .protect = id##_protect,                                                                              \
        .birth = lfrcu_era_birth,                                                                             \
        .era_reader = id##_reader,                                                                            \
    }

#endif /* LFRCU_ERA_ENGINE_H */
