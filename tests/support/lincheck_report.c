/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * lincheck's reporting: shrinking a violating sub-history to a small one
 * that still fails in the same way, and printing it.
 *
 * Shrinking, in rounds until nothing changes:
 *  1. Prefix: the smallest failing prefix by response time.  The prefix at
 *     time t holds the ops that responded by t, plus the ops invoked by t and
 *     still running as *pending* ops (they may or may not have taken effect,
 *     with any result).  That is a Herlihy-Wing prefix, so every prefix of a
 *     linearizable history is linearizable: failing is monotone in t and a
 *     binary search finds the response that breaks the history (the
 *     "culprit").  Cutting the running ops instead would not be sound: a read
 *     that completed before its writer responded would then fail on its own.
 *  2. Cut: the ops before a quiescent point (no op running across it) are
 *     replaced by the state they leave, if they can leave only one (the usual
 *     case with unique values).  Then the rest fails from that state exactly
 *     when the whole did.  The latest such point that keeps the failure, and
 *     leaves no observed value without a writer (below), wins.
 *  3. Drops: single ops are dropped while the failure stays the same: the
 *     history still fails, the prefix just before the culprit's response still
 *     passes, and no observed value is left without a writer that could have
 *     stored it in time.  (Dropping a writer could otherwise turn a lost
 *     update into a dull "read of a value nobody wrote".)
 */
#include "lincheck.h"
#include "lincheck_internal.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

/* Rounds of (prefix, cut, drops); a round that changes nothing ends it. */
#define SHRINK_ROUNDS 4
/* Single-op drops cost two searches each: only tried on histories this
 * small (after the first two steps), about what a reader can take in. */
#define SHRINK_DROP_MAX 256u
/* States all searches of one shrink may explore (bounds the time spent
 * reporting a violation to seconds even for budget-sized searches). */
#define SHRINK_STATE_BUDGET (UINT64_C(1) << 24)

struct shrink {
    struct lc_state init;
    uint64_t value_max, max_states;
    uint64_t spent; /* states explored so far */
};

static bool fails(struct shrink *sh, const struct lc_op *ops, size_t n)
{
    uint64_t states = 0;
    enum lc_verdict v =
        lc_search(ops, n, sh->init, sh->value_max, sh->max_states, &states, NULL, NULL);
    sh->spent += states;
    return v == LC_VIOLATION; /* unknown counts as "does not fail" */
}

static bool completed(const struct lc_op *op)
{
    return op->response != LC_PENDING;
}

static bool over_budget(const struct shrink *sh)
{
    return sh->spent >= SHRINK_STATE_BUDGET;
}

/* ---- step 1: smallest failing prefix -------------------------------------- */

/* The prefix at time t into out; returns its length and sets *culprit to the
 * position of ops[cidx] in it (if there). */
static size_t prefix_at(const struct lc_op *ops, size_t n, uint64_t t, size_t cidx,
                        struct lc_op *out, size_t *culprit)
{
    size_t m = 0;
    for (size_t i = 0; i < n; i++) {
        if (completed(&ops[i]) && ops[i].response <= t) {
            if (i == cidx)
                *culprit = m;
            out[m++] = ops[i];
        } else if (ops[i].invoke <= t) {
            out[m] = ops[i];
            out[m].response = LC_PENDING;
            out[m].result = 0;
            out[m].out = 0;
            m++;
        }
    }
    return m;
}

/* qsort has no context argument; reporting is single-threaded. */
static const struct lc_op *sort_base;

static int by_response(const void *a, const void *b)
{
    uint64_t x = sort_base[*(const size_t *)a].response, y = sort_base[*(const size_t *)b].response;
    return x < y ? -1 : x > y;
}

static int by_invoke(const void *a, const void *b)
{
    const struct lc_op *x = &sort_base[*(const size_t *)a], *y = &sort_base[*(const size_t *)b];
    if (x->invoke != y->invoke)
        return x->invoke < y->invoke ? -1 : 1;
    return *(const size_t *)a < *(const size_t *)b ? -1 : 1;
}

/* Replaces ops[0..n) by its smallest failing prefix (if one is found);
 * returns the new length, *culprit the op whose response ends it. */
static size_t shrink_prefix(struct shrink *sh, struct lc_op *ops, size_t n, size_t *culprit)
{
    size_t *order = malloc(n * sizeof *order);
    struct lc_op *buf = malloc(n * sizeof *buf);
    size_t r = 0;
    if (!order || !buf)
        goto out;
    for (size_t i = 0; i < n; i++)
        if (completed(&ops[i]))
            order[r++] = i;
    if (r == 0)
        goto out;
    sort_base = ops;
    qsort(order, r, sizeof *order, by_response);
    size_t lo = 0, hi = r - 1, c = SIZE_MAX;
    size_t m = prefix_at(ops, n, ops[order[hi]].response, order[hi], buf, &c);
    if (!fails(sh, buf, m))
        goto out; /* should not happen (the search ran out of budget): keep all */
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        m = prefix_at(ops, n, ops[order[mid]].response, order[mid], buf, &c);
        if (fails(sh, buf, m))
            hi = mid;
        else
            lo = mid + 1;
    }
    m = prefix_at(ops, n, ops[order[hi]].response, order[hi], buf, &c);
    memcpy(ops, buf, m * sizeof *ops);
    *culprit = c;
    n = m;
out:
    free(order);
    free(buf);
    return n;
}

/* ---- step 2: replace a quiescent prefix by its state ------------------------ */

static size_t unexplained(const struct shrink *sh, const struct lc_op *ops, size_t n);

static size_t shrink_cut(struct shrink *sh, struct lc_op *ops, size_t n, size_t *culprit,
                         size_t *replaced)
{
    size_t *order = malloc(n * sizeof *order);
    struct lc_op *before = malloc(n * sizeof *before), *after = malloc(n * sizeof *after);
    bool *quiet = calloc(n, sizeof *quiet); /* quiet[p]: a cut after order[0..p] */
    if (!order || !before || !after || !quiet)
        goto out;
    for (size_t i = 0; i < n; i++)
        order[i] = i;
    sort_base = ops;
    qsort(order, n, sizeof *order, by_invoke);
    size_t base = unexplained(sh, ops, n);
    uint64_t last = 0; /* latest response so far (LC_PENDING = never) */
    for (size_t p = 0; p + 1 < n; p++) {
        if (ops[order[p]].response > last)
            last = ops[order[p]].response;
        /* Strictly before: equal times count as overlapping. */
        quiet[p] = last < ops[order[p + 1]].invoke;
    }
    for (size_t p = n - 1; p-- > 0 && !over_budget(sh);) {
        if (!quiet[p])
            continue;
        size_t nb = 0, na = 0, c = SIZE_MAX;
        for (size_t q = 0; q < n; q++) {
            if (q <= p)
                before[nb++] = ops[order[q]];
            else {
                if (order[q] == *culprit)
                    c = na;
                after[na++] = ops[order[q]];
            }
        }
        if (c == SIZE_MAX)
            continue; /* the culprit must stay */
        struct lc_state finals[2];
        size_t nf = 0;
        uint64_t states = 0;
        enum lc_verdict v = lc_search(before, nb, sh->init, sh->value_max, sh->max_states,
                                      &states, finals, &nf);
        sh->spent += states;
        if (v != LC_OK || nf != 1)
            continue;
        struct shrink sub = *sh;
        sub.init = finals[0];
        /* The cut must not hide a writer that explained a read after it. */
        if (unexplained(&sub, after, na) > base)
            continue;
        bool still = fails(&sub, after, na);
        sh->spent = sub.spent;
        if (!still)
            continue;
        memcpy(ops, after, na * sizeof *ops);
        sh->init = finals[0];
        *culprit = c;
        *replaced += nb;
        n = na;
        break;
    }
out:
    free(order);
    free(before);
    free(after);
    free(quiet);
    return n;
}

/* ---- step 3: single-op drops ------------------------------------------------ */

/* The value op observed in the map, if it reports one. */
static bool observed(const struct lc_op *op, uint64_t *v)
{
    if (!completed(op))
        return false;
    switch ((enum lc_kind)op->kind) {
    case LC_GET:
    case LC_REMOVE:
        *v = op->out;
        return op->result == 1;
    case LC_PUT:
    case LC_GET_OR_INSERT:
    case LC_FETCH_ADD:
        *v = op->out;
        return op->result == 0;
    case LC_CAS:
    case LC_REMOVE_IF:
        *v = op->expected;
        return op->result == 1;
    case LC_INSERT:
        break;
    }
    return false;
}

/* Could op have stored v? */
static bool writes(const struct lc_op *op, uint64_t v)
{
    bool done = completed(op);
    switch ((enum lc_kind)op->kind) {
    case LC_PUT:
        return op->arg == v;
    case LC_INSERT:
    case LC_GET_OR_INSERT:
    case LC_CAS:
        return op->arg == v && (!done || op->result == 1);
    case LC_FETCH_ADD:
        return done ? op->result >= 0 && op->out + op->arg == v : op->arg == v;
    case LC_GET:
    case LC_REMOVE:
    case LC_REMOVE_IF:
        break;
    }
    return false;
}

/* Observed values that neither the initial state nor another op invoked
 * before the observer responded could have written. */
static size_t unexplained(const struct shrink *sh, const struct lc_op *ops, size_t n)
{
    size_t count = 0;
    for (size_t i = 0; i < n; i++) {
        uint64_t v;
        if (!observed(&ops[i], &v) || (sh->init.present && sh->init.value == v))
            continue;
        bool found = false;
        for (size_t j = 0; j < n && !found; j++)
            found = j != i && ops[j].invoke <= ops[i].response && writes(&ops[j], v);
        count += !found;
    }
    return count;
}

/* Does ops (culprit at c) still fail first at the culprit's response? */
static bool same_failure(struct shrink *sh, const struct lc_op *ops, size_t n, size_t c,
                         struct lc_op *scratch)
{
    if (!fails(sh, ops, n))
        return false;
    size_t ignored;
    size_t m = prefix_at(ops, n, ops[c].response - 1, SIZE_MAX, scratch, &ignored);
    return !fails(sh, scratch, m);
}

static size_t shrink_drops(struct shrink *sh, struct lc_op *ops, size_t n, size_t *culprit)
{
    struct lc_op *buf = malloc(n * sizeof *buf), *scratch = malloc(n * sizeof *scratch);
    if (!buf || !scratch || *culprit >= n)
        goto out;
    size_t base = unexplained(sh, ops, n);
    for (size_t i = 0; i < n && n > 1 && !over_budget(sh);) {
        if (i == *culprit) {
            i++;
            continue;
        }
        memcpy(buf, ops, i * sizeof *buf);
        memcpy(buf + i, ops + i + 1, (n - i - 1) * sizeof *buf);
        size_t c = *culprit > i ? *culprit - 1 : *culprit;
        size_t u = unexplained(sh, buf, n - 1);
        if (u <= base && same_failure(sh, buf, n - 1, c, scratch)) {
            memcpy(ops, buf, (n - 1) * sizeof *ops);
            n--;
            base = u;
            *culprit = c;
        } else {
            i++;
        }
    }
out:
    free(buf);
    free(scratch);
    return n;
}

void lc_shrink(struct lc_op *ops, size_t n, bool present, uint64_t value, uint64_t value_max,
               uint64_t max_states, struct lc_shrunk *out)
{
    struct shrink sh = {.init = {.present = present, .value = present ? value : 0},
                        .value_max = value_max,
                        .max_states = max_states ? max_states : LC_DEFAULT_MAX_STATES};
    *out = (struct lc_shrunk){.culprit = SIZE_MAX, .present = present, .value = sh.init.value};
    if (!fails(&sh, ops, n))
        return;
    size_t c = SIZE_MAX, replaced = 0;
    for (int round = 0; round < SHRINK_ROUNDS && !over_budget(&sh); round++) {
        size_t before = n;
        n = shrink_prefix(&sh, ops, n, &c);
        if (c != SIZE_MAX)
            n = shrink_cut(&sh, ops, n, &c, &replaced);
        if (c != SIZE_MAX && n <= SHRINK_DROP_MAX)
            n = shrink_drops(&sh, ops, n, &c);
        if (n == before)
            break;
    }
    *out = (struct lc_shrunk){.n = n, .culprit = c, .present = sh.init.present,
                              .value = sh.init.value, .replaced = replaced};
}

/* ---- printing -------------------------------------------------------------- */

/* Small numbers in decimal, large ones (unique values, mixed keys) in hex. */
#define DECIMAL_BELOW 1000000u

static const char *num(char *buf, size_t len, uint64_t v)
{
    snprintf(buf, len, v < DECIMAL_BELOW ? "%" PRIu64 : "%#" PRIx64, v);
    return buf;
}

void lc_print_op(FILE *f, const struct lc_op *op, uint64_t t0)
{
    char k[24], a[24], b[24], o[24];
    num(k, sizeof k, op->key);
    num(a, sizeof a, op->arg);
    num(b, sizeof b, op->expected);
    num(o, sizeof o, op->out);
    if (completed(op))
        fprintf(f, "T%u [%6" PRIu64 ", %6" PRIu64 "] ", op->thread, op->invoke - t0,
                op->response - t0);
    else
        fprintf(f, "T%u [%6" PRIu64 ",      ?] ", op->thread, op->invoke - t0);
    switch ((enum lc_kind)op->kind) {
    case LC_GET:
        fprintf(f, "get(k=%s)", k);
        break;
    case LC_INSERT:
        fprintf(f, "insert(k=%s, v=%s)", k, a);
        break;
    case LC_GET_OR_INSERT:
        fprintf(f, "get_or_insert(k=%s, v=%s)", k, a);
        break;
    case LC_PUT:
        fprintf(f, "put(k=%s, v=%s)", k, a);
        break;
    case LC_REMOVE:
        fprintf(f, "remove(k=%s)", k);
        break;
    case LC_CAS:
        fprintf(f, "cas(k=%s, expected=%s, desired=%s)", k, b, a);
        break;
    case LC_FETCH_ADD:
        fprintf(f, "fetch_add(k=%s, delta=%s)", k, a);
        break;
    case LC_REMOVE_IF:
        fprintf(f, "remove_if(k=%s, expected=%s)", k, b);
        break;
    default:
        fprintf(f, "op%u(k=%s)", op->kind, k);
        break;
    }
    if (!completed(op)) {
        fprintf(f, " -> ? (running at the cut: may or may not have taken effect)");
        return;
    }
    if (op->result == LC_EOVERFLOW)
        fprintf(f, " -> -EOVERFLOW");
    else
        fprintf(f, " -> %d", op->result);
    if (lc_has_out((enum lc_kind)op->kind, op->result)) {
        static const char *const names[LC_NKINDS] = {
            [LC_GET] = "v", [LC_PUT] = "old", [LC_REMOVE] = "old",
            [LC_GET_OR_INSERT] = "cur", [LC_FETCH_ADD] = "old"};
        fprintf(f, " %s=%s", names[op->kind] ? names[op->kind] : "out", o);
    }
}

void lc_print_history(FILE *f, const struct lc_op *ops, size_t n, bool present, uint64_t value,
                      size_t culprit)
{
    char k[24], v[24];
    num(k, sizeof k, n ? ops[0].key : 0);
    if (present)
        fprintf(f, "  initial: k=%s present, value %s\n", k, num(v, sizeof v, value));
    else
        fprintf(f, "  initial: k=%s absent\n", k);
    size_t *order = malloc((n ? n : 1) * sizeof *order);
    if (!order)
        return;
    uint64_t t0 = UINT64_MAX;
    for (size_t i = 0; i < n; i++) {
        order[i] = i;
        if (ops[i].invoke < t0)
            t0 = ops[i].invoke;
    }
    sort_base = ops;
    qsort(order, n, sizeof *order, by_invoke);
    for (size_t i = 0; i < n; i++) {
        fputs("  ", f);
        lc_print_op(f, &ops[order[i]], t0);
        if (order[i] == culprit)
            fputs("   <== no linearization once this responds", f);
        fputc('\n', f);
    }
    free(order);
}

void lc_report_violation(const struct lc_options *o, const struct lc_op *ops, size_t n,
                         bool present, uint64_t value, uint64_t max_states)
{
    char k[24];
    struct lc_op *copy = malloc(n * sizeof *copy);
    if (!copy) {
        fprintf(o->report, "lincheck: key %s: not linearizable (%zu ops; no memory to shrink)\n",
                num(k, sizeof k, ops[0].key), n);
        return;
    }
    memcpy(copy, ops, n * sizeof *copy);
    struct lc_shrunk sh;
    lc_shrink(copy, n, present, value, o->value_max, max_states, &sh);
    if (sh.n == 0) { /* cannot happen: it failed once; print it whole */
        sh = (struct lc_shrunk){.n = n, .culprit = SIZE_MAX, .present = present, .value = value};
        memcpy(copy, ops, n * sizeof *copy);
    }
    fprintf(o->report,
            "lincheck: key %s: NOT LINEARIZABLE (%zu ops); a minimal failing history "
            "(%zu op%s, times in ns from its first invoke):\n",
            num(k, sizeof k, ops[0].key), n, sh.n, sh.n == 1 ? "" : "s");
    if (sh.replaced)
        fprintf(o->report,
                "  (%zu earlier op%s, up to a quiescent point, replaced by the one state %s "
                "leave%s: shown as initial)\n",
                sh.replaced, sh.replaced == 1 ? "" : "s", sh.replaced == 1 ? "it" : "they",
                sh.replaced == 1 ? "s" : "");
    lc_print_history(o->report, copy, sh.n, sh.present, sh.value, sh.culprit);
    fflush(o->report);
    free(copy);
}
