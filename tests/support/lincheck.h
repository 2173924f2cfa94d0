/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * lincheck: a linearizability checker for histories of a concurrent map from
 * uint64_t keys to uint64_t values, and a cheap recorder for such histories.
 *
 * The checker sees only operations and their results, never the map, so it
 * can check any map with these semantics (lfmap.h's):
 *   get            result 1 found (out = value) / 0 absent
 *   insert         1 inserted / 0 present (map unchanged)
 *   get_or_insert  1 inserted / 0 present; out = the value after the call
 *   put            1 inserted / 0 replaced (out = old value)
 *   remove         1 removed (out = old value) / 0 absent
 *   cas            1 swapped (present and equal to expected) / 0 otherwise
 *   remove_if      1 removed (present and equal to expected) / 0 otherwise
 *   fetch_add      1 inserted (absent counts as 0) / 0 updated, out = value
 *                  before; -EOVERFLOW (map unchanged) when the sum (mod 2^64)
 *                  exceeds the model's value_max
 * `out` is only compared where the API sets it (lc_has_out).
 *
 * Linearizability is local (Herlihy and Wing), so the history is split by
 * key and each key's sub-history is checked alone against a register model
 * (present, value) with a Wing-Gong / Lowe search: ops ordered by invoke
 * time, linearize any op that is minimal (invoked before every pending
 * response), backtrack on a dead end, and memoize (set of linearized ops,
 * register state) so no configuration is explored twice (as Porcupine and
 * Knossos do).  A per-key budget of explored states turns a pathological
 * search into an "unknown" verdict instead of a hang.
 *
 * A violation is reported with a shrunk sub-history (see lincheck.c).
 */
#ifndef LFMAP_LINCHECK_H
#define LFMAP_LINCHECK_H

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <time.h>

enum lc_kind { LC_GET, LC_INSERT, LC_PUT, LC_REMOVE, LC_CAS, LC_GET_OR_INSERT, LC_FETCH_ADD, LC_REMOVE_IF };
#define LC_NKINDS 8

/* The one negative result that is part of the model (fetch_add overflow);
 * other errors mean "not executed" and are dropped by the recorder. */
#define LC_EOVERFLOW (-EOVERFLOW)

/* A response time meaning "no response": the op may or may not have taken
 * effect, with any result (Herlihy-Wing pending op).  The shrinker uses it;
 * a recorder could use it for calls cut short. */
#define LC_PENDING UINT64_MAX

struct lc_op {
    uint64_t invoke;   /* ns, CLOCK_MONOTONIC, taken before the call */
    uint64_t response; /* ns, taken after it returned; LC_PENDING: none */
    uint64_t key;
    uint64_t arg;      /* value (insert, put, get_or_insert), desired (cas), delta (fetch_add) */
    uint64_t expected; /* cas and remove_if only */
    uint64_t out;      /* value returned through the out pointer (see lc_has_out) */
    int32_t result;    /* return code; get: 1 found, 0 absent */
    uint16_t thread;
    uint8_t kind;      /* enum lc_kind */
};

/* Does the API set *out for this kind and result? */
static inline bool lc_has_out(enum lc_kind kind, int result)
{
    switch (kind) {
    case LC_GET:
    case LC_REMOVE:
        return result == 1;
    case LC_PUT:
        return result == 0;
    case LC_GET_OR_INSERT:
    case LC_FETCH_ADD:
        return result >= 0;
    case LC_INSERT:
    case LC_CAS:
    case LC_REMOVE_IF:
        break;
    }
    return false;
}

/* A key's state before the history (keys not listed start absent). */
struct lc_initial {
    uint64_t key;
    uint64_t value;
};

enum lc_verdict { LC_OK, LC_VIOLATION, LC_UNKNOWN };

/* Explored states allowed per key by default.  A linearizable history with
 * unique written values needs about one state per op; 2^18 leaves room for
 * heavy overlap while bounding the memo table (state + bitset per entry) to
 * tens of MB for sub-histories of a few hundred ops. */
#define LC_DEFAULT_MAX_STATES (UINT64_C(1) << 18)

struct lc_options {
    uint64_t max_states;               /* per key; 0 = LC_DEFAULT_MAX_STATES */
    uint64_t value_max;                /* largest storable value (fetch_add overflow bound) */
    const struct lc_initial *initial;  /* prefilled keys, any order */
    size_t ninitial;
    FILE *report;                      /* where violations are printed; NULL = nowhere */
    unsigned max_reports;              /* violating keys printed in full; 0 = 3 */
};

/* Defaults: budget LC_DEFAULT_MAX_STATES, value_max UINT64_MAX (no
 * overflow), all keys absent, reports to stderr. */
void lc_options_init(struct lc_options *o);

struct lc_result {
    uint64_t keys;       /* sub-histories checked */
    uint64_t keys_ok;
    uint64_t violations; /* keys whose sub-history is not linearizable */
    uint64_t unknown;    /* keys whose search ran out of budget */
    uint64_t ops;        /* operations checked */
    uint64_t overlapping; /* ops that overlap another op on their key in time */
    uint64_t states;     /* states explored, all keys */
    uint64_t max_key_states; /* most states one key needed */
};

/* Checks a whole history (any order, any keys).  Returns the worst verdict
 * (VIOLATION > UNKNOWN > OK) and adds the counts to *res (if not NULL). */
enum lc_verdict lc_check(const struct lc_op *ops, size_t n, const struct lc_options *o,
                         struct lc_result *res);

/* Checks one key's sub-history from an initial state (present, value).
 * ops need not be sorted; their keys are not looked at.  *states (if not
 * NULL) gets the number of states explored. */
enum lc_verdict lc_check_key(const struct lc_op *ops, size_t n, bool present, uint64_t value,
                             uint64_t value_max, uint64_t max_states, uint64_t *states);

/* What lc_shrink leaves. */
struct lc_shrunk {
    size_t n;        /* ops left in the array; 0 if the history did not fail */
    size_t culprit;  /* index of the op whose response makes it fail; SIZE_MAX if unknown */
    bool present;    /* the initial state of the shrunk history */
    uint64_t value;
    size_t replaced; /* earlier ops replaced by the (unique) state they leave */
};

/* Shrinks a violating sub-history in place to a small one that still fails
 * in the same way (see lincheck_report.c).  The initial state may change: a
 * leading part of the history that ends at a quiescent point and leaves a
 * unique state is replaced by that state. */
void lc_shrink(struct lc_op *ops, size_t n, bool present, uint64_t value, uint64_t value_max,
               uint64_t max_states, struct lc_shrunk *out);

/* Prints a sub-history sorted by invoke time, one op a line, times relative
 * to the first invoke, e.g.
 *     T2 [  1203,  1410] put(k=5, v=77) -> 0 old=12
 * preceded by the initial state; culprit (SIZE_MAX = none) is marked. */
void lc_print_history(FILE *f, const struct lc_op *ops, size_t n, bool present, uint64_t value,
                      size_t culprit);

/* One op in the print format above, without a newline. */
void lc_print_op(FILE *f, const struct lc_op *op, uint64_t t0);

/* ---- recorder ------------------------------------------------------------ */

/* One thread's log: preallocated, written only by its thread (no locks, no
 * allocation while recording). */
struct lc_log {
    struct lc_op *ops;
    size_t n, cap;
    uint64_t dropped; /* calls that returned an error other than LC_EOVERFLOW */
    uint16_t thread;
};

/* 0, or -ENOMEM. */
int lc_log_init(struct lc_log *l, uint16_t thread, size_t cap);
void lc_log_free(struct lc_log *l);
static inline void lc_log_reset(struct lc_log *l)
{
    l->n = 0;
    l->dropped = 0;
}
static inline bool lc_log_full(const struct lc_log *l)
{
    return l->n >= l->cap;
}

/* Monotonic ns; call immediately before the map call and after it returns. */
static inline uint64_t lc_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* Appends a completed call.  out is ignored where lc_has_out says the API
 * did not set it.  Returns false (and records nothing) when the log is full;
 * a call that returned an error other than LC_EOVERFLOW is dropped (it left
 * the map unchanged) and returns true. */
static inline bool lc_record(struct lc_log *l, enum lc_kind kind, uint64_t key, uint64_t arg,
                             uint64_t expected, int result, uint64_t out, uint64_t invoke,
                             uint64_t response)
{
    if (result < 0 && !(kind == LC_FETCH_ADD && result == LC_EOVERFLOW)) {
        l->dropped++;
        return true;
    }
    if (l->n >= l->cap)
        return false;
    struct lc_op *op = &l->ops[l->n++];
    op->invoke = invoke;
    op->response = response;
    op->key = key;
    op->arg = arg;
    op->expected = kind == LC_CAS || kind == LC_REMOVE_IF ? expected : 0;
    op->out = lc_has_out(kind, result) ? out : 0;
    op->result = result;
    op->thread = l->thread;
    op->kind = (uint8_t)kind;
    return true;
}

/* Concatenates the logs into one malloc'd history (*out, length returned;
 * the order does not matter to lc_check).  Returns -ENOMEM on failure. */
long lc_merge(struct lc_log *logs, size_t nlogs, struct lc_op **out);

#endif /* LFMAP_LINCHECK_H */
