/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The types of the reclamation layer: what a scheme is (struct
 * lfrcu_scheme), what lib/ embeds in what it retires (struct lfrcu_head) and
 * a map's resolved scheme (struct lfrcu_domain), with the hazard-slot
 * constants.  One copy, included by rcu/lfrcu.h (the contract and the
 * functions) and by the model check's stand-in for it
 * (tests/model/shim/lfrcu.h), so the model and the library cannot disagree
 * on them.
 */
#ifndef LFRCU_TYPES_H
#define LFRCU_TYPES_H

#include <stdbool.h>
#include <stddef.h>

struct lfrcu_era_rec; /* rcu/lfrcu_era.h */

/* Hazard slots per thread in hazard-pointer schemes: three tables (the one
 * a thread is in, the successor it moves to, and the predecessor a writer
 * helps finish migrating) and two values (lfmap_read_lock's protection of
 * the last value lfmap_get returned, and of the last old value a write
 * returned in *old). */
#define LFRCU_HAZARDS 5u
#define LFRCU_HAZARD_TABLE 0u
#define LFRCU_HAZARD_NEXT 1u
#define LFRCU_HAZARD_FROM 2u
#define LFRCU_HAZARD_VALUE 3u
#define LFRCU_HAZARD_OLD 4u
/* Most schemes in rcu/schemes.def (one bit each in a thread's mask). */
#define LFRCU_MAX_SCHEMES 32u

/* Space for any scheme's bookkeeping; embed it in the object to retire. */
struct lfrcu_head {
    void *scheme_private[4];
    /* Hazard-pointer schemes: the address readers protect for this object
     * (NULL: the head itself).  Set before retire. */
    void *protected;
    /* The start of the allocation that embeds the head (NULL: the head),
     * for schemes that keep objects (leak: LeakSanitizer follows only
     * pointers to a block's start).  Set before retire. */
    void *object;
    void (*fn)(struct lfrcu_head *head);
};

typedef void (*lfrcu_callback)(struct lfrcu_head *head);

struct lfrcu_scheme {
    const char *name;
    int (*thread_register)(void);   /* 0 or -errno; registering twice: 0 */
    void (*thread_unregister)(void);
    void (*read_lock)(void);
    void (*read_unlock)(void);
    void (*retire)(struct lfrcu_head *head, lfrcu_callback fn);
    void (*barrier)(void);
    /* Optional (NULL = always): whether this thread may call barrier now.
     * False inside a read-side section and on the scheme's reclamation
     * threads (a callback that waited for callbacks would wait for itself). */
    bool (*may_wait)(void);
    /* Optional: announce a quiescent state (QSBR schemes); schemes with
     * deferred reclamation also try to reclaim here (never waiting), so
     * that idle threads free what was retired last. */
    void (*quiescent)(void);
    /* Optional (QSBR schemes): an extended quiescent state for a thread
     * about to block (offline) and its end (online).  No map of the scheme
     * may be used in between. */
    void (*thread_offline)(void);
    void (*thread_online)(void);
    /* Optional: hazard-pointer schemes (see the contract in rcu/lfrcu.h). */
    void (*protect)(unsigned slot, const void *p);
    /* Optional: reads need no section at all (leak); lets lfmap skip the
     * calls on the read path. */
    bool no_read_side;
    /* Optional: era schemes (see the contract in rcu/lfrcu.h). */
    void (*birth)(struct lfrcu_head *head, bool known);
    /* Optional: era schemes with the inline read side (rcu/lfrcu_era.h):
     * the calling thread's record, which lfmap keeps at the scheme's era
     * slot (lfrcu_era_slot_of) of its thread record after registration. */
    struct lfrcu_era_rec *(*era_reader)(void);
    /* Optional: the scheme never frees what is retired (leak).  Tests and
     * tools ask this property, never the name: tests/prog_schemes
     * --never-frees lists such schemes. */
    bool never_frees;
    /* Optional: the scheme keeps the default's contract with programs:
     * a read-side section protects every value read in it, values are freed
     * (value_free runs, shortly after a grace period, with no call from the
     * program: a reclamation thread), reads are wait-free per table, and it
     * asks nothing more of a thread (no quiescent states, no offline around
     * blocking, registration ends at unregister).  Only such a scheme can be chosen
     * by the environment (LFMAP_RCU) for a map that names none, unless
     * LFMAP_RCU_ANY_CONTRACT opts in (rcu/registry.c). */
    bool default_contract;
};

/* A map's scheme, resolved once by lfrcu_domain_init and constant after. */
enum lfrcu_kind {
    LFRCU_INLINE_MEMB, /* urcu-memb with membarrier: the inline read side */
    LFRCU_NO_SECTION,  /* no read side at all (leak) */
    LFRCU_CALLS,       /* the scheme's function pointers */
    LFRCU_INLINE_ERA,  /* an era scheme with membarrier: the inline read side */
};
struct lfrcu_domain {
    const struct lfrcu_scheme *scheme;
    unsigned bit;       /* 1 << the scheme's index in rcu/schemes.def */
    unsigned char kind; /* enum lfrcu_kind */
    bool hazards;       /* scheme->protect != NULL */
    unsigned char era_slot; /* era schemes: lfrcu_era_slot_of(scheme) */
};

#endif /* LFRCU_TYPES_H */
