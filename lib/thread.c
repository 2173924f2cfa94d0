/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Thread registration: a small thread id per registered thread (it names the
 * thread's box and its live-counter stripe) and the RCU registration.
 */
#include "lfmap_internal.h"

#include <errno.h>
#include <stdlib.h>

LF_TLS(struct lfmap_thread_state, lf_self);

#define ID_WORDS (LFMAP_MAX_THREADS / 64u)
_Static_assert(LFMAP_MAX_THREADS % 64u == 0, "thread ids are allocated 64 per word");

static _Atomic uint64_t ids_in_use[ID_WORDS];
static _Atomic size_t registered;

/* One box per thread, each on its own cache line: a box is written once per
 * live slot its thread freezes, so sharing lines would bounce them between
 * migrating threads. */
struct box {
    _Alignas(LFMAP_CACHE_LINE) _Atomic uint64_t value;
};
static struct box boxes[LFMAP_MAX_THREADS];

_Atomic uint64_t *lf_box(unsigned tid)
{
    return &boxes[tid].value;
}

size_t lf_registered_threads(void)
{
    /* seq_cst: see lf_table_successor_slots. */
    return atomic_load_explicit(&registered, memory_order_seq_cst);
}

static int id_alloc(unsigned *out)
{
    for (unsigned w = 0; w < ID_WORDS; w++) {
        /* relaxed load: only a hint for the CAS, which rereads on failure. */
        uint64_t bits = atomic_load_explicit(&ids_in_use[w], memory_order_relaxed);
        while (bits != UINT64_MAX) {
            unsigned bit = (unsigned)__builtin_ctzll(~bits);
            /* acq_rel: the id's previous owner finished with its box before
             * releasing the bit; we must not reuse the box before that. */
            if (atomic_compare_exchange_weak_explicit(&ids_in_use[w], &bits, bits | (1ull << bit),
                                                      memory_order_acq_rel, memory_order_relaxed)) {
                *out = w * 64u + bit;
                return 0;
            }
        }
    }
    return -EAGAIN;
}

static void id_release(unsigned id)
{
    /* release: pairs with the acquire in id_alloc (the box hand-over). */
    atomic_fetch_and_explicit(&ids_in_use[id / 64u], ~(1ull << (id % 64u)), memory_order_release);
}

int lfmap_thread_register(void)
{
    if (lf_self.registered)
        return 0;
    unsigned tid;
    int rc = id_alloc(&tid);
    if (rc)
        return rc;
    /* Registration with a scheme waits for the thread's first use of a map
     * of that scheme (lf_attach_slow); LFMAP_RCU plays no part here: it
     * can only pick the scheme of maps that name none (lfmap_new). */
    lf_self.tid = tid;
    lf_self.schemes = 0;
    lf_self.removes_since_check = 0;
    lf_self.registered = true;
    /* seq_cst: a resizer sizes a successor for one in-flight operation per
     * registered thread; a thread whose registration its count misses
     * comes after its fence in the seq_cst order, and so does the first
     * load of t->next of every operation it starts, which then sees the
     * sentinel (lf_live_add has the whole argument). */
    atomic_fetch_add_explicit(&registered, 1, memory_order_seq_cst);
    return 0;
}

void lfmap_thread_unregister(void)
{
    if (!lf_self.registered)
        return;
    const struct lfrcu_scheme *const *all = lfrcu_schemes();
    /* First let every scheme drain (its quiescent hook may run deferred
     * callbacks) while all of this thread's schemes are still registered,
     * so that a destructor using a map of another scheme finds it usable. */
    for (unsigned i = 0; all[i]; i++)
        if ((lf_self.schemes & (1u << i)) && all[i]->quiescent)
            all[i]->quiescent();
    /* Then unregister one scheme at a time, clearing its bit first: a
     * callback run by a later unregister that uses a map of a scheme
     * already unregistered registers it again (lf_attach sees the bit
     * clear), and the loop unregisters it once more; nothing registered
     * is left behind when the mask is empty. */
    while (lf_self.schemes) {
        unsigned i = (unsigned)__builtin_ctz(lf_self.schemes);
        lf_self.schemes &= ~(1u << i);
        all[i]->thread_unregister();
    }
    free(lf_self.spare);
    lf_self.spare = NULL;
    /* seq_cst: the successor-sizing bound needs it (lf_table_successor_slots). */
    atomic_fetch_sub_explicit(&registered, 1, memory_order_seq_cst);
    id_release(lf_self.tid);
    lf_self.registered = false;
}

int lf_attach_slow(struct lfmap *m, struct lfmap_thread_state *self)
{
    if (!self->registered)
        return -EPERM;
    int rc = m->rcu.scheme->thread_register();
    if (rc)
        return rc;
    /* The inline read side of urcu-memb maps works on the thread's reader
     * counter by address (lfrcu_memb_reader_ctr): look it up once here, on
     * the thread's first map of the scheme whatever that map's kind.  A map
     * created before liburcu's constructor set urcu_memb_has_sys_membarrier
     * takes the calls (LFRCU_CALLS) while later maps of the same scheme are
     * inline, and this bit is set only once per registration
     * (tests/core/unit_thread_record.c). */
    if (m->rcu.scheme == lfrcu_scheme_at(0)) /* urcu-memb, the built-in default */
        self->memb_ctr = lfrcu_memb_reader_ctr();
    /* Likewise the era schemes' record (whatever the map's kind: another
     * map of the scheme may have the inline read side). */
    if (m->rcu.scheme->era_reader)
        self->era_rec[m->rcu.era_slot] = m->rcu.scheme->era_reader();
    self->schemes |= m->rcu.bit;
    return 0;
}
