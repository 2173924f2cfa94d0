/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * unit_lincheck: proves the linearizability checker (tests/support/lincheck)
 * on hand-made histories before any map is trusted to it: legal and illegal
 * sequential histories, overlapping ops where only one order works, stale
 * reads, lost updates, histories a final-state check accepts, cas and
 * fetch_add (overflow and wrap-around included), pending ops, the search
 * budget, the shrinker and printer, the per-key split and the recorder.
 * Random histories close it: sequential ones from a reference model must
 * pass and fail after any one result is changed; concurrent ones built around
 * known linearization points must pass.
 */
#include <check.h>

#include "ck_run.h"
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "ck_fast.h"
#include "lincheck.h"
#include "testutil.h"

#define K 5 /* the key of the single-key histories */

/* Op constructors: thread, [invoke, response], then the kind's fields. */
static struct lc_op mk(enum lc_kind kind, unsigned t, uint64_t inv, uint64_t resp, uint64_t arg,
                       uint64_t expected, int result, uint64_t out)
{
    return (struct lc_op){.invoke = inv, .response = resp, .key = K, .arg = arg,
                          .expected = expected, .out = out, .result = result,
                          .thread = (uint16_t)t, .kind = (uint8_t)kind};
}
/* The same as initializers (usable in static arrays); wrap in (struct lc_op)
 * to assign. */
#define MK(kind_, t, a, b, arg_, exp_, r, o)                                    \
    {.invoke = (a), .response = (b), .key = K, .arg = (arg_), .expected = (exp_), \
     .out = (o), .result = (r), .thread = (t), .kind = (kind_)}
#define GET(t, a, b, r, v) MK(LC_GET, t, a, b, 0, 0, r, v)
#define INS(t, a, b, v, r) MK(LC_INSERT, t, a, b, v, 0, r, 0)
#define GOI(t, a, b, v, r, cur) MK(LC_GET_OR_INSERT, t, a, b, v, 0, r, cur)
#define PUT(t, a, b, v, r, old) MK(LC_PUT, t, a, b, v, 0, r, old)
#define REM(t, a, b, r, old) MK(LC_REMOVE, t, a, b, 0, 0, r, old)
#define CAS(t, a, b, exp, des, r) MK(LC_CAS, t, a, b, des, exp, r, 0)
#define FADD(t, a, b, d, r, old) MK(LC_FETCH_ADD, t, a, b, d, 0, r, old)
#define RIF(t, a, b, exp, r) MK(LC_REMOVE_IF, t, a, b, 0, exp, r, 0)
#define N(arr) (sizeof(arr) / sizeof((arr)[0]))

/* Value bound of the overflow tests (small, so sums are easy to read). */
#define SMALL_MAX 100u

static enum lc_verdict check(const struct lc_op *ops, size_t n)
{
    return lc_check_key(ops, n, false, 0, UINT64_MAX, 0, NULL);
}

static enum lc_verdict check_from(const struct lc_op *ops, size_t n, uint64_t init)
{
    return lc_check_key(ops, n, true, init, UINT64_MAX, 0, NULL);
}

/* ---- sequential ------------------------------------------------------------ */

/* Every operation and outcome, one after another (times 10 apart). */
static const struct lc_op seq_legal[] = {
    GET(0, 0, 5, 0, 0),
    REM(0, 10, 15, 0, 0),
    CAS(0, 20, 25, 0, 1, 0),
    PUT(0, 30, 35, 10, 1, 0),
    GET(1, 40, 45, 1, 10),
    INS(1, 50, 55, 11, 0),
    GOI(1, 60, 65, 12, 0, 10),
    PUT(1, 70, 75, 20, 0, 10),
    CAS(0, 80, 85, 10, 30, 0),
    CAS(0, 90, 95, 20, 30, 1),
    FADD(0, 100, 105, 5, 0, 30),
    GET(0, 110, 115, 1, 35),
    REM(1, 120, 125, 1, 35),
    FADD(1, 130, 135, 7, 1, 0),
    REM(1, 140, 145, 1, 7),
    GOI(0, 150, 155, 40, 1, 40),
    REM(0, 160, 165, 1, 40),
    INS(0, 170, 175, 50, 1),
    GET(1, 180, 185, 1, 50),
};

START_TEST(test_sequential_legal)
{
    uint64_t states = 0;
    ck_assert_int_eq(lc_check_key(seq_legal, N(seq_legal), false, 0, UINT64_MAX, 0, &states),
                     LC_OK);
    /* A sequential history has exactly one linearization. */
    ck_assert_uint_eq(states, N(seq_legal));
}
END_TEST

/* Each entry: index into seq_legal and the wrong outcome put there. */
START_TEST(test_sequential_illegal)
{
    static const struct {
        size_t at;
        int result;
        uint64_t out;
    } bad[] = {
        {0, 1, 0},   /* get finds a key never written */
        {1, 1, 0},   /* remove of an absent key succeeds */
        {2, 1, 0},   /* cas on an absent key succeeds */
        {3, 0, 0},   /* put into an absent key "replaces" */
        {4, 1, 11},  /* get returns a wrong value */
        {5, 1, 0},   /* insert of a present key succeeds */
        {6, 0, 12},  /* get_or_insert reports its own value, not the existing one */
        {7, 0, 11},  /* put's old is wrong */
        {8, 1, 0},   /* cas with the wrong expected succeeds */
        {9, 0, 0},   /* cas with the right expected fails */
        {10, 0, 35}, /* fetch_add's old is the new value */
        {12, 0, 0},  /* remove of a present key fails */
        {13, 0, 0},  /* fetch_add on an absent key "updates" */
        {15, 0, 40}, /* get_or_insert on an absent key claims it was present */
        {18, 1, 51}, /* final read off by one */
    };
    for (size_t i = 0; i < N(bad); i++) {
        struct lc_op h[N(seq_legal)];
        memcpy(h, seq_legal, sizeof h);
        h[bad[i].at].result = bad[i].result;
        h[bad[i].at].out = bad[i].out;
        ck_assert_msg(check(h, N(h)) == LC_VIOLATION, "mutation %zu (op %zu) accepted", i,
                      bad[i].at);
    }
}
END_TEST

START_TEST(test_initial_state)
{
    const struct lc_op h[] = {GET(0, 0, 5, 1, 42), PUT(0, 10, 15, 43, 0, 42)};
    ck_assert_int_eq(check_from(h, N(h), 42), LC_OK);
    ck_assert_int_eq(check(h, N(h)), LC_VIOLATION);
    ck_assert_int_eq(check_from(h, N(h), 41), LC_VIOLATION);
    ck_assert_int_eq(check(NULL, 0), LC_OK);
}
END_TEST

/* ---- concurrent ------------------------------------------------------------ */

START_TEST(test_overlap_one_order)
{
    /* Two overlapping puts: put(2) says it replaced 1, so put(1) went first
     * although put(2) was invoked first; the later get must see 2. */
    struct lc_op h[] = {PUT(0, 0, 100, 2, 0, 1), PUT(1, 10, 90, 1, 1, 0), GET(2, 200, 210, 1, 2)};
    ck_assert_int_eq(check(h, N(h)), LC_OK);
    h[2].out = 1;
    ck_assert_int_eq(check(h, N(h)), LC_VIOLATION);

    /* Two overlapping inserts cannot both insert. */
    const struct lc_op both[] = {INS(0, 0, 10, 1, 1), INS(1, 5, 15, 2, 1)};
    ck_assert_int_eq(check(both, N(both)), LC_VIOLATION);
    const struct lc_op one[] = {INS(0, 0, 10, 1, 0), INS(1, 5, 15, 2, 1), GET(0, 20, 30, 1, 2)};
    ck_assert_int_eq(check(one, N(one)), LC_OK);

    /* cas(5->9) overlaps put(7): only "cas, then put" explains cas = 1, so a
     * later get must see 7, never 9. */
    struct lc_op c[] = {PUT(0, 0, 100, 7, 0, 9), CAS(1, 10, 20, 5, 9, 1), GET(2, 200, 210, 1, 7)};
    ck_assert_int_eq(check_from(c, N(c), 5), LC_OK);
    c[2].out = 9;
    ck_assert_int_eq(check_from(c, N(c), 5), LC_VIOLATION);
}
END_TEST

START_TEST(test_stale_read)
{
    /* put(2) completed before the get started: reading 1 is stale. */
    struct lc_op h[] = {PUT(0, 0, 10, 1, 1, 0), PUT(0, 20, 30, 2, 0, 1), GET(1, 40, 50, 1, 1)};
    ck_assert_int_eq(check(h, N(h)), LC_VIOLATION);
    /* Overlapping put(2), the same read is fine. */
    h[2].invoke = 25;
    ck_assert_int_eq(check(h, N(h)), LC_OK);
    /* Equal timestamps count as overlapping (never a false alarm). */
    h[2].invoke = 30;
    ck_assert_int_eq(check(h, N(h)), LC_OK);
    h[2].invoke = 31;
    ck_assert_int_eq(check(h, N(h)), LC_VIOLATION);
}
END_TEST

START_TEST(test_lost_update)
{
    /* Two overlapping puts both replaced 12: one update was lost. */
    const struct lc_op h[] = {PUT(0, 0, 100, 77, 0, 12), PUT(1, 10, 110, 78, 0, 12)};
    ck_assert_int_eq(check_from(h, N(h), 12), LC_VIOLATION);
    /* The same for fetch_add: both saw 12. */
    const struct lc_op f[] = {FADD(0, 0, 100, 1, 0, 12), FADD(1, 10, 110, 1, 0, 12)};
    ck_assert_int_eq(check_from(f, N(f), 12), LC_VIOLATION);
    const struct lc_op g[] = {FADD(0, 0, 100, 1, 0, 13), FADD(1, 10, 110, 1, 0, 12),
                              GET(2, 120, 130, 1, 14)};
    ck_assert_int_eq(check_from(g, N(g), 12), LC_OK);
    /* Two removes cannot both remove the same value. */
    const struct lc_op r[] = {REM(0, 0, 100, 1, 12), REM(1, 10, 110, 1, 12)};
    ck_assert_int_eq(check_from(r, N(r), 12), LC_VIOLATION);
}
END_TEST

/* What a final-state check does: apply every successful write in response
 * order and compare with the last read. */
static bool naive_final_state_ok(const struct lc_op *h, size_t n)
{
    bool present = false, last_read_present = false;
    uint64_t value = 0, last_read = 0;
    for (size_t i = 0; i < n; i++) {
        const struct lc_op *op = &h[i];
        if (op->kind == LC_PUT || (op->kind == LC_INSERT && op->result == 1)) {
            present = true;
            value = op->arg;
        } else if (op->kind == LC_REMOVE && op->result == 1) {
            present = false;
        } else if (op->kind == LC_GET) {
            last_read_present = op->result == 1;
            last_read = op->out;
        }
    }
    return present == last_read_present && (!present || value == last_read);
}

START_TEST(test_final_state_is_not_enough)
{
    /* remove returns 1, which put(2) had overwritten before the remove began;
     * the final state (absent) is still right. */
    const struct lc_op h[] = {PUT(0, 0, 10, 1, 1, 0), PUT(1, 20, 30, 2, 0, 1),
                              REM(0, 40, 50, 1, 1), GET(1, 60, 70, 0, 0)};
    ck_assert(naive_final_state_ok(h, N(h)));
    ck_assert_int_eq(check(h, N(h)), LC_VIOLATION);
    /* A get returns 2 before anyone wrote 2 (a read from the future). */
    const struct lc_op f[] = {PUT(0, 0, 10, 1, 1, 0), GET(1, 20, 30, 1, 2),
                              PUT(0, 40, 50, 2, 0, 1), GET(1, 60, 70, 1, 2)};
    ck_assert(naive_final_state_ok(f, N(f)));
    ck_assert_int_eq(check(f, N(f)), LC_VIOLATION);
}
END_TEST

START_TEST(test_cas)
{
    /* cas on an absent key fails; with no writer around, a cas with the
     * right expected value cannot fail. */
    const struct lc_op a[] = {CAS(0, 0, 10, 0, 1, 1)};
    ck_assert_int_eq(check(a, N(a)), LC_VIOLATION);
    const struct lc_op b[] = {CAS(0, 0, 10, 5, 6, 0)};
    ck_assert_int_eq(check_from(b, N(b), 5), LC_VIOLATION);
    ck_assert_int_eq(check_from(b, N(b), 4), LC_OK);
    /* A failing cas overlapping a remove: fine (the key was gone). */
    const struct lc_op c[] = {REM(0, 0, 100, 1, 5), CAS(1, 10, 20, 5, 6, 0),
                              GET(0, 200, 210, 0, 0)};
    ck_assert_int_eq(check_from(c, N(c), 5), LC_OK);
    /* Two overlapping cas from 5: only one can win. */
    const struct lc_op d[] = {CAS(0, 0, 100, 5, 6, 1), CAS(1, 10, 90, 5, 7, 1)};
    ck_assert_int_eq(check_from(d, N(d), 5), LC_VIOLATION);
    /* A chain that only works in one order: 5->6 (T1), 6->7 (T0). */
    const struct lc_op e[] = {CAS(0, 0, 100, 6, 7, 1), CAS(1, 10, 90, 5, 6, 1),
                              GET(2, 200, 210, 1, 7)};
    ck_assert_int_eq(check_from(e, N(e), 5), LC_OK);
}
END_TEST

START_TEST(test_remove_if)
{
    /* remove_if on an absent key, or with another value, removes nothing. */
    const struct lc_op a[] = {RIF(0, 0, 10, 5, 1)};
    ck_assert_int_eq(check(a, N(a)), LC_VIOLATION);
    ck_assert_int_eq(check_from(a, N(a), 4), LC_VIOLATION);
    ck_assert_int_eq(check_from(a, N(a), 5), LC_OK);
    const struct lc_op b[] = {RIF(0, 0, 10, 5, 0)};
    ck_assert_int_eq(check_from(b, N(b), 5), LC_VIOLATION);
    /* A refresh (put 6) done before the sweep's remove_if(5) began: the sweep
     * must not remove it. */
    const struct lc_op c[] = {PUT(1, 0, 10, 6, 0, 5), RIF(0, 20, 30, 5, 1)};
    ck_assert_int_eq(check_from(c, N(c), 5), LC_VIOLATION);
    /* Overlapping: either order; a removal that won leaves the put to insert. */
    const struct lc_op d[] = {PUT(1, 0, 100, 6, 1, 0), RIF(0, 10, 20, 5, 1), GET(2, 200, 210, 1, 6)};
    ck_assert_int_eq(check_from(d, N(d), 5), LC_OK);
    /* ...and after the removal the key is absent. */
    const struct lc_op e[] = {RIF(0, 0, 10, 5, 1), GET(1, 20, 30, 1, 5)};
    ck_assert_int_eq(check_from(e, N(e), 5), LC_VIOLATION);
}
END_TEST

START_TEST(test_fetch_add)
{
    /* Absent counts as 0 and the call inserts. */
    const struct lc_op a[] = {FADD(0, 0, 10, 3, 1, 0), FADD(0, 20, 30, 4, 0, 3),
                              GET(0, 40, 50, 1, 7)};
    ck_assert_int_eq(check(a, N(a)), LC_OK);
    /* Overflow leaves the map unchanged; a sum within bounds cannot overflow. */
    const struct lc_op o[] = {FADD(0, 0, 10, 20, LC_EOVERFLOW, 0), FADD(0, 20, 30, 5, 0, 90),
                              GET(0, 40, 50, 1, 95)};
    ck_assert_int_eq(lc_check_key(o, N(o), true, 90, SMALL_MAX, 0, NULL), LC_OK);
    ck_assert_int_eq(lc_check_key(o, N(o), true, 70, SMALL_MAX, 0, NULL), LC_VIOLATION);
    const struct lc_op x[] = {FADD(0, 0, 10, 101, LC_EOVERFLOW, 0)};
    ck_assert_int_eq(lc_check_key(x, N(x), false, 0, SMALL_MAX, 0, NULL), LC_OK);
    ck_assert_int_eq(lc_check_key(x, N(x), false, 0, UINT64_MAX, 0, NULL), LC_VIOLATION);
    /* The sum is mod 2^64: adding 2^64 - 3 subtracts 3. */
    const struct lc_op w[] = {FADD(0, 0, 10, UINT64_MAX - 2, 0, 10), GET(0, 20, 30, 1, 7)};
    ck_assert_int_eq(lc_check_key(w, N(w), true, 10, SMALL_MAX, 0, NULL), LC_OK);
    /* Overlapping overflow: 60 + 50 overflows only after the put(60). */
    const struct lc_op p[] = {PUT(0, 0, 100, 60, 0, 10), FADD(1, 10, 90, 50, LC_EOVERFLOW, 0),
                              GET(0, 200, 210, 1, 60)};
    ck_assert_int_eq(lc_check_key(p, N(p), true, 10, SMALL_MAX, 0, NULL), LC_OK);
    const struct lc_op q[] = {PUT(0, 0, 10, 60, 0, 10), FADD(1, 20, 90, 30, LC_EOVERFLOW, 0)};
    ck_assert_int_eq(lc_check_key(q, N(q), true, 10, SMALL_MAX, 0, NULL), LC_VIOLATION);
}
END_TEST

START_TEST(test_pending)
{
    /* A pending put may explain a read of its value... */
    const struct lc_op h[] = {PUT(0, 0, LC_PENDING, 9, 0, 0), GET(1, 10, 20, 1, 9)};
    ck_assert_int_eq(check(h, N(h)), LC_OK);
    /* ...or never have happened. */
    const struct lc_op g[] = {PUT(0, 0, LC_PENDING, 9, 0, 0), GET(1, 10, 20, 0, 0)};
    ck_assert_int_eq(check(g, N(g)), LC_OK);
    /* But not before its invoke. */
    const struct lc_op f[] = {GET(1, 10, 20, 1, 9), PUT(0, 30, LC_PENDING, 9, 0, 0)};
    ck_assert_int_eq(check(f, N(f)), LC_VIOLATION);
}
END_TEST

/* ---- budget ---------------------------------------------------------------- */

/* n concurrent gets that all saw the key absent, then a read of a value that
 * nobody wrote: the search tries every subset of the gets before giving up. */
static size_t many_gets(struct lc_op *h, size_t n)
{
    for (size_t i = 0; i < n; i++)
        h[i] = (struct lc_op)GET((unsigned)i, i, 1000, 0, 0);
    h[n] = (struct lc_op)GET(0, 2000, 2010, 1, 99);
    return n + 1;
}

START_TEST(test_budget_unknown)
{
    struct lc_op h[25];
    size_t n = many_gets(h, 10);
    uint64_t states;
    ck_assert_int_eq(lc_check_key(h, n, false, 0, UINT64_MAX, 0, &states), LC_VIOLATION);
    ck_assert_uint_eq(states, (1u << 10) - 1); /* every non-empty subset */
    n = many_gets(h, 24);
    ck_assert_int_eq(lc_check_key(h, n, false, 0, UINT64_MAX, 1000, &states), LC_UNKNOWN);
    ck_assert_uint_le(states, 1001);

    /* lc_check counts it as unknown, not as a pass or a violation. */
    struct lc_options o;
    lc_options_init(&o);
    o.max_states = 1000;
    o.report = NULL;
    struct lc_result r = {0};
    ck_assert_int_eq(lc_check(h, n, &o, &r), LC_UNKNOWN);
    ck_assert_uint_eq(r.keys, 1);
    ck_assert_uint_eq(r.unknown, 1);
    ck_assert_uint_eq(r.keys_ok, 0);
    ck_assert_uint_eq(r.violations, 0);
    ck_assert_uint_eq(r.ops, n);
    ck_assert_uint_eq(r.overlapping, n - 1); /* all gets but the last */
}
END_TEST

/* ---- whole histories, shrinking, printing -------------------------------------- */

START_TEST(test_split_by_key)
{
    /* Key 1's ops are fine; key 2's put(v=2) "replaced" key 1's value, which
     * a checker that mixed keys up would accept. */
    struct lc_op h[] = {PUT(0, 0, 10, 1, 1, 0), PUT(1, 20, 30, 2, 0, 1), GET(0, 40, 50, 1, 1),
                        INS(1, 60, 70, 3, 0)};
    h[0].key = 1;
    h[1].key = 2;
    h[2].key = 1;
    h[3].key = 2;
    struct lc_options o;
    lc_options_init(&o);
    o.report = NULL;
    struct lc_result r = {0};
    ck_assert_int_eq(lc_check(h, N(h), &o, &r), LC_VIOLATION);
    ck_assert_uint_eq(r.keys, 2);
    ck_assert_uint_eq(r.keys_ok, 1);
    ck_assert_uint_eq(r.violations, 1);
    ck_assert_uint_eq(r.ops, 4);
    /* With key 2 prefilled to 1 both keys pass. */
    const struct lc_initial init[] = {{.key = 2, .value = 1}};
    o.initial = init;
    o.ninitial = 1;
    memset(&r, 0, sizeof r);
    ck_assert_int_eq(lc_check(h, N(h), &o, &r), LC_OK);
    ck_assert_uint_eq(r.keys_ok, 2);
}
END_TEST

/* A lost update hidden among unrelated legal traffic on the same key. */
static size_t noisy_lost_update(struct lc_op *h)
{
    size_t n = 0;
    uint64_t t = 0, v = 12;
    h[n++] = (struct lc_op)PUT(3, t, t + 50, v, 1, 0);
    for (int i = 0; i < 40; i++, t += 100) {
        h[n++] = (struct lc_op)GET(3, t + 60, t + 70, 1, v);
        h[n++] = (struct lc_op)PUT(3, t + 80, t + 90, v + 1000, 0, v);
        h[n++] = (struct lc_op)PUT(3, t + 92, t + 99, v, 0, v + 1000);
    }
    /* The bug: both puts replaced 12. */
    h[n++] = (struct lc_op)PUT(2, t + 1203, t + 1410, 77, 0, 12);
    h[n++] = (struct lc_op)PUT(1, t + 1250, t + 1500, 78, 0, 12);
    for (uint64_t i = 0; i < 20; i++)
        h[n++] = (struct lc_op)GET(3, t + 2000 + 10 * i, t + 2005 + 10 * i, 1, 78);
    return n;
}

START_TEST(test_shrink_and_print)
{
    struct lc_op h[200];
    size_t n = noisy_lost_update(h);
    ck_assert_int_eq(check(h, n), LC_VIOLATION);

    struct lc_op s[200];
    memcpy(s, h, n * sizeof *h);
    struct lc_shrunk sh;
    lc_shrink(s, n, false, 0, UINT64_MAX, 0, &sh);
    /* The 121 legal ops before the race leave exactly one state (12): they
     * are replaced by it, and the trailing reads go; the two puts remain. */
    ck_assert_uint_eq(sh.n, 2);
    ck_assert_uint_eq(sh.replaced, 121);
    ck_assert(sh.present);
    ck_assert_uint_eq(sh.value, 12);
    ck_assert_int_eq(check_from(s, sh.n, 12), LC_VIOLATION);
    ck_assert_uint_lt(sh.culprit, sh.n);
    ck_assert_uint_eq(s[sh.culprit].kind, LC_PUT);
    ck_assert(s[sh.culprit].arg == 77 || s[sh.culprit].arg == 78);
    /* A history that passes does not shrink. */
    lc_shrink(s, 1, true, 12, UINT64_MAX, 0, &sh);
    ck_assert_uint_eq(sh.n, 0);

    /* The report names the key and shows the offending ops. */
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    ck_assert_ptr_nonnull(f);
    struct lc_options o;
    lc_options_init(&o);
    o.report = f;
    struct lc_result r = {0};
    ck_assert_int_eq(lc_check(h, n, &o, &r), LC_VIOLATION);
    fclose(f);
    ck_assert_uint_gt(len, 0);
    ck_assert_ptr_nonnull(strstr(text, "NOT LINEARIZABLE"));
    ck_assert_ptr_nonnull(strstr(text, "initial: k=5 present, value 12"));
    ck_assert_ptr_nonnull(strstr(text, "T2 ["));
    ck_assert_ptr_nonnull(strstr(text, "put(k=5, v=77) -> 0 old=12"));
    ck_assert_ptr_nonnull(strstr(text, "put(k=5, v=78) -> 0 old=12"));
    ck_assert_ptr_nonnull(strstr(text, "<=="));
    /* Shrunk: far fewer op lines than the 143 ops of the history. */
    size_t lines = 0;
    for (const char *p = text; *p; p++)
        lines += *p == '\n';
    ck_assert_uint_le(lines, 8);
    free(text);
}
END_TEST

START_TEST(test_print_formats)
{
    const struct lc_op ops[] = {
        GET(1, 1000, 1100, 1, 5),  PUT(2, 1203, 1410, 77, 0, 12), REM(0, 1000, 1001, 0, 0),
        CAS(3, 1000, 1500, 1, 2, 1), FADD(0, 1000, 1002, 9, LC_EOVERFLOW, 0),
        GOI(0, 1000, 1003, 4, 0, 3), PUT(4, 1300, LC_PENDING, 0x123456789ULL, 0, 0)};
    static const char *const want[] = {
        "T1 [     0,    100] get(k=5) -> 1 v=5",
        "T2 [   203,    410] put(k=5, v=77) -> 0 old=12",
        "T0 [     0,      1] remove(k=5) -> 0",
        "T3 [     0,    500] cas(k=5, expected=1, desired=2) -> 1",
        "T0 [     0,      2] fetch_add(k=5, delta=9) -> -EOVERFLOW",
        "T0 [     0,      3] get_or_insert(k=5, v=4) -> 0 cur=3",
        "T4 [   300,      ?] put(k=5, v=0x123456789) -> ?",
    };
    for (size_t i = 0; i < N(ops); i++) {
        char *text = NULL;
        size_t len = 0;
        FILE *f = open_memstream(&text, &len);
        ck_assert_ptr_nonnull(f);
        lc_print_op(f, &ops[i], 1000);
        fclose(f);
        ck_assert_msg(strncmp(text, want[i], strlen(want[i])) == 0, "got '%s', want '%s'", text,
                      want[i]);
        free(text);
    }
}
END_TEST

/* ---- recorder ---------------------------------------------------------------- */

START_TEST(test_recorder)
{
    struct lc_log l[2];
    ck_assert_int_eq(lc_log_init(&l[0], 0, 3), 0);
    ck_assert_int_eq(lc_log_init(&l[1], 1, 3), 0);
    uint64_t t0 = lc_now();
    ck_assert(lc_record(&l[0], LC_PUT, K, 7, 0, 1, 12345, t0, t0 + 1)); /* out not set: cleared */
    ck_assert(lc_record(&l[0], LC_PUT, K, 8, 0, -ENOMEM, 0, t0, t0 + 1)); /* dropped */
    ck_assert(lc_record(&l[0], LC_FETCH_ADD, K, 8, 0, LC_EOVERFLOW, 0, t0, t0 + 1)); /* kept */
    ck_assert(lc_record(&l[0], LC_GET, K, 0, 0, 1, 7, t0 + 2, t0 + 3));
    ck_assert(!lc_record(&l[0], LC_GET, K, 0, 0, 1, 7, t0 + 2, t0 + 3)); /* full */
    ck_assert(lc_log_full(&l[0]));
    ck_assert_uint_eq(l[0].n, 3);
    ck_assert_uint_eq(l[0].dropped, 1);
    ck_assert_uint_eq(l[0].ops[0].out, 0);
    ck_assert_uint_ge(lc_now(), t0);
    ck_assert(lc_record(&l[1], LC_GET, K, 0, 0, 1, 7, t0 + 4, t0 + 5));

    struct lc_op *h = NULL;
    long n = lc_merge(l, 2, &h);
    ck_assert_int_eq(n, 4);
    ck_assert_uint_eq(h[3].thread, 1);
    /* The put(7) inserted, so fetch_add(8) overflows a bound of 10. */
    ck_assert_int_eq(lc_check_key(h, (size_t)n, false, 0, 10, 0, NULL), LC_OK);
    ck_assert_int_eq(lc_check_key(h, (size_t)n, false, 0, 15, 0, NULL), LC_VIOLATION);
    free(h);
    lc_log_reset(&l[0]);
    ck_assert_uint_eq(l[0].n, 0);
    lc_log_free(&l[0]);
    lc_log_free(&l[1]);
}
END_TEST

/* ---- random histories ------------------------------------------------------- */

/* The reference semantics, written apart from lincheck's model. */
static void ref_apply(struct lc_op *op, bool *present, uint64_t *value, uint64_t value_max)
{
    bool p = *present;
    uint64_t v = *value;
    op->out = 0;
    switch ((enum lc_kind)op->kind) {
    case LC_GET:
        op->result = p;
        op->out = p ? v : 0;
        break;
    case LC_INSERT:
        op->result = !p;
        if (!p)
            *present = true, *value = op->arg;
        break;
    case LC_GET_OR_INSERT:
        op->result = !p;
        op->out = p ? v : op->arg;
        if (!p)
            *present = true, *value = op->arg;
        break;
    case LC_PUT:
        op->result = !p;
        op->out = p ? v : 0;
        *present = true, *value = op->arg;
        break;
    case LC_REMOVE:
        op->result = p;
        op->out = p ? v : 0;
        *present = false;
        break;
    case LC_CAS:
        op->result = p && v == op->expected;
        if (op->result)
            *value = op->arg;
        break;
    case LC_REMOVE_IF:
        op->result = p && v == op->expected;
        if (op->result)
            *present = false;
        break;
    case LC_FETCH_ADD:
        if ((p ? v : 0) + op->arg > value_max) {
            op->result = LC_EOVERFLOW;
        } else {
            op->result = !p;
            op->out = p ? v : 0;
            *present = true, *value = (p ? v : 0) + op->arg;
        }
        break;
    }
}

/* Random ops over a few values (so values repeat: the hard case), applied
 * in order; op i linearizes at time 1000 * (i + 1). */
static void random_history(struct tu_rng *g, struct lc_op *h, size_t n, bool *present,
                           uint64_t *value, uint64_t value_max)
{
    bool p = *present;
    uint64_t v = *value;
    for (size_t i = 0; i < n; i++) {
        enum lc_kind kind = (enum lc_kind)tu_below(g, LC_NKINDS);
        unsigned thread = (unsigned)tu_below(g, 4);
        uint64_t arg = 1 + tu_below(g, 4), expected = 1 + tu_below(g, 4);
        h[i] = mk(kind, thread, 0, 0, arg, expected, 0, 0);
        if (kind == LC_FETCH_ADD && tu_one_in(g, 4))
            h[i].arg = value_max - tu_below(g, 8); /* sometimes overflows */
        ref_apply(&h[i], &p, &v, value_max);
    }
}

START_TEST(test_random_sequential)
{
    struct tu_rng g;
    tu_rng_seed(&g, 0x5e9);
    for (int round = 0; round < 300; round++) {
        struct lc_op h[40];
        bool present = tu_one_in(&g, 2);
        uint64_t value = present ? 1 + tu_below(&g, 4) : 0;
        bool p = present;
        uint64_t v = value;
        random_history(&g, h, N(h), &p, &v, SMALL_MAX);
        for (size_t i = 0; i < N(h); i++) {
            h[i].invoke = 1000 * (i + 1) - 100;
            h[i].response = 1000 * (i + 1) + 100;
        }
        CK_REQUIRE(lc_check_key(h, N(h), present, value, SMALL_MAX, 0, NULL) == LC_OK,
                   "round %d: legal history rejected", round);
        /* Any changed outcome of any op is illegal: there is one order. */
        size_t i = tu_below(&g, N(h));
        if (lc_has_out((enum lc_kind)h[i].kind, h[i].result) && tu_one_in(&g, 2))
            h[i].out += 1 + tu_below(&g, 3);
        else
            h[i].result = h[i].result == 1 ? 0 : 1;
        CK_REQUIRE(lc_check_key(h, N(h), present, value, SMALL_MAX, 0, NULL) == LC_VIOLATION,
                   "round %d: op %zu changed, still accepted", round, i);
    }
}
END_TEST

START_TEST(test_random_concurrent)
{
    struct tu_rng g;
    tu_rng_seed(&g, 0xc0c0);
    uint64_t most = 0;
    for (int round = 0; round < 300; round++) {
        struct lc_op h[60];
        bool p = false;
        uint64_t v = 0;
        random_history(&g, h, N(h), &p, &v, SMALL_MAX);
        /* Each interval contains its op's linearization point, so the order
         * of the points is a legal linearization; intervals span up to ~8
         * neighbours, some pending. */
        for (size_t i = 0; i < N(h); i++) {
            uint64_t at = 1000 * (i + 1) + 4000;
            h[i].invoke = at - tu_below(&g, 4000);
            h[i].response = at + tu_below(&g, 4000);
            if (tu_one_in(&g, 30))
                h[i].response = LC_PENDING;
        }
        uint64_t states;
        CK_REQUIRE(lc_check_key(h, N(h), false, 0, SMALL_MAX, 0, &states) == LC_OK,
                   "round %d: linearizable history rejected", round);
        most = states > most ? states : most;
    }
    ck_assert_uint_lt(most, LC_DEFAULT_MAX_STATES);
}
END_TEST

static Suite *lincheck_suite(void)
{
    Suite *s = suite_create("lincheck");
    TCase *tc = tcase_create("model");
    tcase_add_test(tc, test_sequential_legal);
    tcase_add_test(tc, test_sequential_illegal);
    tcase_add_test(tc, test_initial_state);
    tcase_add_test(tc, test_overlap_one_order);
    tcase_add_test(tc, test_stale_read);
    tcase_add_test(tc, test_lost_update);
    tcase_add_test(tc, test_final_state_is_not_enough);
    tcase_add_test(tc, test_cas);
    tcase_add_test(tc, test_remove_if);
    tcase_add_test(tc, test_fetch_add);
    tcase_add_test(tc, test_pending);
    suite_add_tcase(s, tc);

    tc = tcase_create("machinery");
    tcase_add_test(tc, test_budget_unknown);
    tcase_add_test(tc, test_split_by_key);
    tcase_add_test(tc, test_shrink_and_print);
    tcase_add_test(tc, test_print_formats);
    tcase_add_test(tc, test_recorder);
    suite_add_tcase(s, tc);

    tc = tcase_create("random");
    tcase_add_test(tc, test_random_sequential);
    tcase_add_test(tc, test_random_concurrent);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return ck_run_suite(lincheck_suite(), true);
}
