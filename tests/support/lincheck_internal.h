/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Shared between lincheck's files (not for tests): the register model's
 * state and step function, and a hash mixer.
 */
#ifndef LFMAP_LINCHECK_INTERNAL_H
#define LFMAP_LINCHECK_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>

#include "lincheck.h"

/* One key's register: absent, or present with a value. */
struct lc_state {
    uint64_t value; /* 0 when absent, so equal states compare equal */
    bool present;
};

/* Applies op to s: true if op's recorded result and out are what the model
 * gives in state s (always, for a pending op), with the state after in *next. */
bool lc_step(const struct lc_op *op, uint64_t value_max, struct lc_state s, struct lc_state *next);

/* The search behind lc_check_key.  With finals == NULL it stops at the first
 * linearization; otherwise it looks for the final states of complete
 * linearizations, stopping at two distinct ones (*nfinals = 0, 1 or 2). */
enum lc_verdict lc_search(const struct lc_op *ops, size_t n, struct lc_state init,
                          uint64_t value_max, uint64_t max_states, uint64_t *states,
                          struct lc_state finals[2], size_t *nfinals);

/* Shrinks a violating sub-history (one key, n > 0) and prints it to
 * o->report. */
void lc_report_violation(const struct lc_options *o, const struct lc_op *ops, size_t n,
                         bool present, uint64_t value, uint64_t max_states);

/* splitmix64's finalizer (a private copy: lincheck depends on nothing else). */
static inline uint64_t lc_mix64(uint64_t x)
{
    x ^= x >> 30;
    x *= 0xbf58476d1ce4e5b9ULL;
    x ^= x >> 27;
    x *= 0x94d049bb133111ebULL;
    x ^= x >> 31;
    return x;
}

#endif
