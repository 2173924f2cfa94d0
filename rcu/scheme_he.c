/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * he: hazard eras (Ramalhete and Correia, "Brief Announcement: Hazard
 * Eras - Non-Blocking Memory Reclamation", SPAA 2017), written here from
 * the published algorithm on the era engine (rcu/era.c, rcu/era.h).
 *
 * The idea.  Hazard pointers protect an object by publishing its address;
 * hazard eras publish, in the same slot, the era in which the pointer was
 * read instead.  Every object carries the era it was born in and the era it
 * was retired in; a reclaimer frees an object once no published era falls
 * inside that lifespan.  A reader stalled with its eras published holds
 * only the objects alive in those eras (bounded, as with hazard pointers),
 * and while the era does not move a reader re-protecting a new pointer
 * stores nothing and issues no fence (unlike hazard pointers): one load of
 * the clock and a compare.
 *
 * Here.  lfmap's hazard slots LFRCU_HAZARD_TABLE, _NEXT and _FROM are three
 * era slots (res[0], res[1], res[2] of the thread's record).  The clock
 * advances when a table is allocated or retired, so it moves only with
 * resizes; values,
 * which have no birth era, are protected by identity (rcu/lfrcu_era.h).
 * protect(slot, p): the slot's era becomes the current era (a store and a
 * publication only when it changes), and lfmap re-validates p, exactly the
 * paper's get_protected loop; except that moving to the successor the
 * caller has just validated in the NEXT slot (lfmap's lf_advance, which does
 * not validate again) copies the NEXT slot's era, which is known to cover
 * the successor, instead of reading the clock, which may have moved past
 * the successor's retirement meanwhile.  The outermost lock reserves the
 * current era in the TABLE slot before the section's first load (the
 * inline read side, rcu/lfrcu_era.h); the outermost unlock clears every
 * slot.  A record's reservations, for a scan, are its three eras as
 * one-era intervals.
 */
#include "era.h"

static void he_init(struct lfrcu_era_rec *r)
{
    for (unsigned i = 0; i < 3; i++)
        atomic_store_explicit(&r->res[i], LFRCU_ERA_NONE, memory_order_relaxed); /* relaxed: published with the record */
}

static void he_protect_table(struct lfrcu_era_rec *r, unsigned slot, const void *p)
{
    if (!p) { /* protect(slot, NULL): the slot protects nothing any more */
        if (slot == LFRCU_HAZARD_NEXT)
            r->next_ptr = NULL;
        /* release: what we read under the slot's era comes before it is
         * seen gone. */
        atomic_store_explicit(&r->res[slot], LFRCU_ERA_NONE, memory_order_release);
        return;
    }
    uint64_t e;
    if (slot == LFRCU_HAZARD_TABLE && p == r->next_ptr)
        /* relaxed: our own slot, which only we write. */
        e = atomic_load_explicit(&r->res[LFRCU_HAZARD_NEXT], memory_order_relaxed);
    else
        /* acquire: as the inline lock's (rcu/lfrcu_era.h). */
        e = atomic_load_explicit(&lfrcu_era_clock, memory_order_acquire);
    if (slot == LFRCU_HAZARD_NEXT)
        r->next_ptr = p;
    if (slot != LFRCU_HAZARD_TABLE)
        r->pending |= LFRCU_ERA_CLEAR;
    else
        r->cur = e;
    /* relaxed load: our own slot.  release store: it replaces the slot's
     * previous era, so our reads under that era come before a scanner can
     * see it gone (as the clearing stores); published below. */
    if (atomic_load_explicit(&r->res[slot], memory_order_relaxed) != e) {
        atomic_store_explicit(&r->res[slot], e, memory_order_release);
        lfrcu_era_publish();
    }
}

static void he_collect(struct lfrcu_era_rec *r, struct lfrcu_era_scan *s)
{
    for (unsigned i = 0; i < 3; i++) {
        /* acquire: a slot seen cleared or moved (release stores) orders the
         * owner's reads under its old era before our frees. */
        uint64_t e = atomic_load_explicit(&r->res[i], memory_order_acquire);
        if (e != LFRCU_ERA_NONE)
            lfrcu_era_scan_add(s, e, e);
    }
}

static void he_clear(struct lfrcu_era_rec *r)
{
    for (unsigned i = 1; i < 3; i++)
        /* release: the section's reads come before the era is seen gone. */
        atomic_store_explicit(&r->res[i], LFRCU_ERA_NONE, memory_order_release);
    r->next_ptr = NULL;
}

static const struct lfrcu_era_ops he_ops = {
    .init = he_init,
    .protect_table = he_protect_table,
    .collect = he_collect,
    .clear = he_clear,
};

LFRCU_ERA_SCHEME(he, "he", &he_ops);
