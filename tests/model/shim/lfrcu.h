/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The model build's stand-in for rcu/lfrcu.h (make modelcheck puts this
 * directory first on the include path).  lib/ sees the same interface: the
 * same struct lfrcu_head, struct lfrcu_scheme, enum lfrcu_kind and struct
 * lfrcu_domain, and the same functions.  There is one scheme, "urcu-memb"
 * (the process default), whose domain has kind LFRCU_INLINE_MEMB, so lib/
 * takes the same paths as for the default scheme in production: the inline
 * read side (here lfrcu_domain_lock/unlock call the model's read side), no
 * hazard pointers, retire through scheme->retire.  The implementation is a
 * grace-period model in tests/model/lf_model_rt.cpp: scheme->retire(head, fn)
 * runs fn(head) once every simulated thread that was inside a read-side
 * section at the call has left it, and the free it does goes through the
 * model's allocator, which flags any later access to the memory.  Callbacks
 * run on a call_rcu worker thread of the scenario.  The ordering is what a
 * grace period promises and no more: a section's end releases on its
 * thread's own word, which the callback acquires (the section happens before
 * the free); the retire releases on a global word that each section's start
 * acquires (a section that begins after the retire sees what the retirer did
 * before it: the grace period starts at the retire).  Readers never
 * synchronise with each other through it.  Hazard-pointer and era schemes
 * (ck-hp, he, ibr) are not modelled: lfrcu_domain_init accepts only the
 * default, so the era read side below is never reached.
 * tests/model/check_rcu_shim.sh checks that this interface is the one
 * rcu/lfrcu.h declares.
 */
#ifndef LFRCU_H
#define LFRCU_H

#include <stdbool.h>
#include <stddef.h>

#ifdef __cplusplus
extern "C" {
/* C++ (the model runtime and scenarios) never names lfrcu_head.protected,
 * a C++ keyword; the layout is unchanged. */
#define protected protected_
#endif

/* The era schemes' reader (rcu/lfrcu_era.h): not modelled; lib/ names the
 * record and its inline functions, which the model never reaches. */
#define LFRCU_ERA_READERS 2u
struct lfrcu_era_rec;

/* The layer's types, constants and struct lfrcu_head included from the
 * library's own file (the model's include path has no rcu/, hence the
 * relative path), so the model cannot drift from it; C++ reads the head's
 * `protected` member as protected_ (above). */
#include "../../../rcu/lfrcu_types.h"

#ifdef __cplusplus
#undef protected
#endif

int lfrcu_domain_init(struct lfrcu_domain *d, const char *name);
int lfrcu_domain_init_unnamed(struct lfrcu_domain *d);
const struct lfrcu_scheme *lfrcu_scheme_at(size_t i);
const struct lfrcu_scheme *const *lfrcu_schemes(void);
unsigned lfrcu_scheme_bit(const struct lfrcu_scheme *s);
int lfrcu_default_resolve(void);
const char *lfrcu_scheme_name(void);
int lfrcu_thread_register(void);
void lfrcu_thread_unregister(void);
void lfrcu_retire(struct lfrcu_head *head, lfrcu_callback fn);
void lfrcu_barrier(void);
bool lfrcu_may_wait(void);
extern struct lfrcu_domain lfrcu_default_domain;

/* The model's read side (the model scheme's read_lock/read_unlock). */
void lfrcu_model_read_lock(void);
void lfrcu_model_read_unlock(void);

/* The thread's memb reader counter: the model has none (its read side is
 * lfrcu_model_read_lock), so a null pointer that nothing dereferences. */
static inline unsigned long *lfrcu_memb_reader_ctr(void)
{
    return NULL;
}

/* The model's stand-in for the inline memb read side is its read side. */
static inline __attribute__((always_inline)) void lfrcu_memb_lock_inline(unsigned long *ctr)
{
    (void)ctr;
    lfrcu_model_read_lock();
}

static inline __attribute__((always_inline)) void lfrcu_memb_unlock_inline(unsigned long *ctr)
{
    (void)ctr;
    lfrcu_model_read_unlock();
}

/* Never reached in the model (no era scheme); the same signatures. */
static inline __attribute__((always_inline)) void lfrcu_era_lock_inline(struct lfrcu_era_rec *r)
{
    (void)r;
}

static inline __attribute__((always_inline)) bool lfrcu_era_current_ok(const struct lfrcu_era_rec *r)
{
    (void)r;
    return true;
}

static inline __attribute__((always_inline)) void lfrcu_era_unlock_inline(struct lfrcu_era_rec *r)
{
    (void)r;
}

/* A domain's read side.  The caller is registered with d's scheme. */
static inline __attribute__((always_inline)) void lfrcu_domain_lock_at(const struct lfrcu_domain *d, unsigned long *memb_ctr,
                                                                       struct lfrcu_era_rec *const *era)
{
    (void)era;
    if (__builtin_expect(d->kind == LFRCU_INLINE_MEMB, 1))
        lfrcu_memb_lock_inline(memb_ctr);
    else if (d->kind != LFRCU_NO_SECTION)
        d->scheme->read_lock();
}

static inline __attribute__((always_inline)) void lfrcu_domain_unlock_at(const struct lfrcu_domain *d, unsigned long *memb_ctr,
                                                                         struct lfrcu_era_rec *const *era)
{
    (void)era;
    if (__builtin_expect(d->kind == LFRCU_INLINE_MEMB, 1))
        lfrcu_memb_unlock_inline(memb_ctr);
    else if (d->kind != LFRCU_NO_SECTION)
        d->scheme->read_unlock();
}

static inline __attribute__((always_inline)) void lfrcu_domain_lock(const struct lfrcu_domain *d)
{
    lfrcu_domain_lock_at(d, NULL, NULL);
}

static inline __attribute__((always_inline)) void lfrcu_domain_unlock(const struct lfrcu_domain *d)
{
    lfrcu_domain_unlock_at(d, NULL, NULL);
}

static inline void lfrcu_read_lock(void)
{
    lfrcu_domain_lock(&lfrcu_default_domain);
}

static inline void lfrcu_read_unlock(void)
{
    lfrcu_domain_unlock(&lfrcu_default_domain);
}

#ifdef __cplusplus
}
#endif

#endif /* LFRCU_H */
