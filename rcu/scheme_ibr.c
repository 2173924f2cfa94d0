/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * ibr: interval-based reclamation, the two-global-epoch variant 2GEIBR
 * (Wen, Izraelevitz, Cai, Beadle and Scott, "Interval-Based Memory
 * Reclamation", PPoPP 2018), written here from the published algorithm on
 * the era engine (rcu/era.c, rcu/era.h).
 *
 * The idea.  Each object carries its birth and retire eras; each reader
 * reserves one interval of eras [lower, upper] for its whole operation:
 * lower is the era when the operation began, and upper is raised to the
 * current era whenever the reader reads a pointer while the era has moved.
 * A reclaimer frees an object once its lifespan meets no reader's interval.
 * A stalled reader's interval stops growing, so it holds only the objects
 * alive during it: bounded, like hazard pointers, with the read cost of
 * epochs while the era does not move (a load of the clock and a compare).
 * Unlike hazard eras, one interval covers every pointer of the operation,
 * so there are no slots to manage, at the price of holding everything born
 * and retired inside the interval.
 *
 * Here.  res[0] is lower (the era reserved by the outermost lock, before
 * the section's first load: the inline read side, rcu/lfrcu_era.h) and
 * res[1] upper; outside sections res[0] is LFRCU_ERA_NONE and res[1] keeps
 * its last value, so that the outermost lock and unlock store one word
 * each: a record reserves [res[0], max(res[0], res[1])], and upper left
 * over from an earlier section is no larger than the lower end of any
 * later one (eras only grow).  protect(slot, p) of a table slot, whatever
 * the slot: if the clock moved past upper, raise upper (a store and a
 * publication), then lfmap re-validates p: the paper's read loop.  The
 * clock advances when a table is allocated or retired; values, which have
 * no birth era, are protected by identity (rcu/lfrcu_era.h).
 */
#include "era.h"

static void ibr_init(struct lfrcu_era_rec *r)
{
    /* relaxed (both): published with the record. */
    atomic_store_explicit(&r->res[0], LFRCU_ERA_NONE, memory_order_relaxed);
    atomic_store_explicit(&r->res[1], 0, memory_order_relaxed);
}

static void ibr_protect_table(struct lfrcu_era_rec *r, unsigned slot, const void *p)
{
    (void)slot;
    if (!p)
        return; /* protect(slot, NULL): the interval stays as it is */
    /* acquire: as the inline lock's (rcu/lfrcu_era.h). */
    uint64_t e = atomic_load_explicit(&lfrcu_era_clock, memory_order_acquire);
    if (e != r->cur) {
        r->cur = e;
        /* relaxed: published below; only ever raised within a section. */
        atomic_store_explicit(&r->res[1], e, memory_order_relaxed);
        lfrcu_era_publish();
    }
}

static void ibr_collect(struct lfrcu_era_rec *r, struct lfrcu_era_scan *s)
{
    /* acquire: a reservation seen cleared (a release store) orders the
     * owner's section before our frees. */
    uint64_t lo = atomic_load_explicit(&r->res[0], memory_order_acquire);
    if (lo == LFRCU_ERA_NONE)
        return;
    /* acquire: as above.  Read after lower: if the owner has moved on to a
     * later section meanwhile, this upper is that section's, which only
     * widens the interval. */
    uint64_t hi = atomic_load_explicit(&r->res[1], memory_order_acquire);
    lfrcu_era_scan_add(s, lo, hi > lo ? hi : lo);
}

static void ibr_clear(struct lfrcu_era_rec *r)
{
    (void)r; /* upper is ignored while lower is LFRCU_ERA_NONE */
}

static const struct lfrcu_era_ops ibr_ops = {
    .init = ibr_init,
    .protect_table = ibr_protect_table,
    .collect = ibr_collect,
    .clear = ibr_clear,
};

LFRCU_ERA_SCHEME(ibr, "ibr", &ibr_ops);
