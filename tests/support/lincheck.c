/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * lincheck's search: the register model and the Wing-Gong / Lowe search with
 * memoization, for one key (lc_check_key) and for a whole history split by
 * key (lc_check).  Shrinking and printing are in lincheck_report.c, the
 * recorder's out-of-line parts in lincheck_log.c.
 */
#include "lincheck.h"
#include "lincheck_internal.h"

#include <stdlib.h>
#include <string.h>

void lc_options_init(struct lc_options *o)
{
    memset(o, 0, sizeof *o);
    o->max_states = LC_DEFAULT_MAX_STATES;
    o->value_max = UINT64_MAX;
    o->report = stderr;
}

/* ---- the model ----------------------------------------------------------- */

bool lc_step(const struct lc_op *op, uint64_t value_max, struct lc_state s, struct lc_state *next)
{
    /* A pending op has no result to match: it only has its effect. */
    bool any = op->response == LC_PENDING;
    int r = op->result;
    *next = s;
    switch ((enum lc_kind)op->kind) {
    case LC_GET:
        return any || (r == (s.present ? 1 : 0) && (!s.present || op->out == s.value));
    case LC_INSERT:
        if (s.present)
            return any || r == 0;
        *next = (struct lc_state){.present = true, .value = op->arg};
        return any || r == 1;
    case LC_GET_OR_INSERT:
        if (s.present)
            return any || (r == 0 && op->out == s.value);
        *next = (struct lc_state){.present = true, .value = op->arg};
        return any || (r == 1 && op->out == op->arg);
    case LC_PUT:
        *next = (struct lc_state){.present = true, .value = op->arg};
        return any || (s.present ? r == 0 && op->out == s.value : r == 1);
    case LC_REMOVE:
        if (!s.present)
            return any || r == 0;
        *next = (struct lc_state){.present = false, .value = 0};
        return any || (r == 1 && op->out == s.value);
    case LC_CAS:
        if (!s.present || s.value != op->expected)
            return any || r == 0;
        *next = (struct lc_state){.present = true, .value = op->arg};
        return any || r == 1;
    case LC_REMOVE_IF:
        if (!s.present || s.value != op->expected)
            return any || r == 0;
        *next = (struct lc_state){.present = false, .value = 0};
        return any || r == 1;
    case LC_FETCH_ADD: {
        uint64_t cur = s.present ? s.value : 0;
        uint64_t sum = cur + op->arg; /* mod 2^64, as the API defines it */
        if (sum > value_max)
            return any || r == LC_EOVERFLOW;
        *next = (struct lc_state){.present = true, .value = sum};
        return any || (r == (s.present ? 0 : 1) && op->out == cur);
    }
    }
    return false; /* unknown kind: never linearizable */
}

/* ---- entries: the history as a linked list of calls and returns ---------- */

struct entry {
    uint64_t time;
    uint32_t op;
    bool is_return;
    int32_t prev, next; /* list links; -1 = none */
    int32_t match;      /* call: its return entry */
};

static int entry_cmp(const void *a, const void *b)
{
    const struct entry *x = a, *y = b;
    if (x->time != y->time)
        return x->time < y->time ? -1 : 1;
    /* At equal times the call comes first: the two ops then count as
     * overlapping, which can only allow more orders (never a false alarm). */
    if (x->is_return != y->is_return)
        return x->is_return ? 1 : -1;
    return x->op < y->op ? -1 : x->op > y->op;
}

/* ---- memo: the set of (linearized ops, state) seen ------------------------ */

struct memo {
    struct memo_slot {
        uint64_t hash;
        uint64_t value;
        size_t bits; /* offset in arena + 1; 0 = empty slot */
        bool present;
    } *slots;
    size_t mask, count;
    uint64_t *arena;
    size_t arena_len, arena_cap, words;
};

/* Initial memo slots; it doubles at half load. */
#define MEMO_MIN_SLOTS 1024u

static bool memo_init(struct memo *m, size_t words)
{
    memset(m, 0, sizeof *m);
    m->words = words;
    m->mask = MEMO_MIN_SLOTS - 1;
    m->slots = calloc(MEMO_MIN_SLOTS, sizeof *m->slots);
    return m->slots != NULL;
}

static void memo_free(struct memo *m)
{
    free(m->slots);
    free(m->arena);
}

static bool memo_grow(struct memo *m)
{
    size_t n = (m->mask + 1) * 2;
    struct memo_slot *s = calloc(n, sizeof *s);
    if (!s)
        return false;
    for (size_t i = 0; i <= m->mask; i++) {
        if (!m->slots[i].bits)
            continue;
        size_t j = m->slots[i].hash & (n - 1);
        while (s[j].bits)
            j = (j + 1) & (n - 1);
        s[j] = m->slots[i];
    }
    free(m->slots);
    m->slots = s;
    m->mask = n - 1;
    return true;
}

/* Adds (bits, s) unless present.  1 added, 0 seen before, -1 out of memory. */
static int memo_add(struct memo *m, const uint64_t *bits, uint64_t hash, struct lc_state s)
{
    size_t i = hash & m->mask;
    for (; m->slots[i].bits; i = (i + 1) & m->mask) {
        const struct memo_slot *e = &m->slots[i];
        if (e->hash == hash && e->value == s.value && e->present == s.present &&
            memcmp(m->arena + e->bits - 1, bits, m->words * sizeof *bits) == 0)
            return 0;
    }
    if (m->arena_len + m->words > m->arena_cap) {
        size_t cap = m->arena_cap ? m->arena_cap * 2 : 4096;
        while (cap < m->arena_len + m->words)
            cap *= 2;
        uint64_t *a = realloc(m->arena, cap * sizeof *a);
        if (!a)
            return -1;
        m->arena = a;
        m->arena_cap = cap;
    }
    memcpy(m->arena + m->arena_len, bits, m->words * sizeof *bits);
    m->slots[i] = (struct memo_slot){
        .hash = hash, .value = s.value, .bits = m->arena_len + 1, .present = s.present};
    m->arena_len += m->words;
    if (++m->count * 2 > m->mask + 1 && !memo_grow(m))
        return -1;
    return 1;
}

/* ---- the search ------------------------------------------------------------ */

/* Zobrist key of op i: the memo hash of a set of ops is the XOR of its
 * members' keys, updated in O(1) as ops are linearized and undone. */
static uint64_t zobrist(uint32_t i)
{
    return lc_mix64((uint64_t)i * 0x9e3779b97f4a7c15ULL + 0x2545f4914f6cdd1dULL);
}

static uint64_t state_hash(uint64_t zob, struct lc_state s)
{
    return lc_mix64(zob ^ lc_mix64(s.value + (s.present ? 0x51afd7ed558ccd1dULL : 0)));
}

struct frame {
    int32_t entry;        /* the call entry linearized */
    struct lc_state prev; /* the state before it */
};

static void lift(struct entry *e, int32_t call)
{
    struct entry *c = &e[call], *r = &e[c->match];
    e[c->prev].next = c->next;
    if (c->next >= 0)
        e[c->next].prev = c->prev;
    e[r->prev].next = r->next;
    if (r->next >= 0)
        e[r->next].prev = r->prev;
}

/* Undoes lift(call) (dancing links: relink in the reverse order). */
static void unlift(struct entry *e, int32_t call)
{
    struct entry *c = &e[call], *r = &e[c->match];
    e[r->prev].next = c->match;
    if (r->next >= 0)
        e[r->next].prev = c->match;
    e[c->prev].next = call;
    if (c->next >= 0)
        e[c->next].prev = call;
}

enum lc_verdict lc_search(const struct lc_op *ops, size_t n, struct lc_state init,
                          uint64_t value_max, uint64_t max_states, uint64_t *states,
                          struct lc_state finals[2], size_t *nfinals)
{
    if (states)
        *states = 0;
    if (nfinals)
        *nfinals = 0;
    if (max_states == 0)
        max_states = LC_DEFAULT_MAX_STATES;
    if (n == 0) {
        if (finals) {
            finals[0] = init;
            *nfinals = 1;
        }
        return LC_OK;
    }
    if (n > INT32_MAX / 2 - 1)
        return LC_UNKNOWN;
    /* Entries 0..2n-1 in time order; entry 2n is the list head. */
    const int32_t head = (int32_t)(2 * n);
    struct entry *e = malloc((2 * n + 1) * sizeof *e);
    int32_t *call_of = malloc(n * sizeof *call_of);
    struct frame *stack = malloc(n * sizeof *stack);
    size_t words = (n + 63) / 64;
    uint64_t *lin = calloc(words, sizeof *lin);
    struct memo memo;
    bool memo_ok = memo_init(&memo, words);
    enum lc_verdict verdict = LC_UNKNOWN; /* out of memory reads as unknown */
    uint64_t explored = 0;
    if (!e || !call_of || !stack || !lin || !memo_ok)
        goto out;

    for (size_t i = 0; i < n; i++) {
        e[2 * i] = (struct entry){.time = ops[i].invoke, .op = (uint32_t)i};
        e[2 * i + 1] =
            (struct entry){.time = ops[i].response, .op = (uint32_t)i, .is_return = true};
    }
    qsort(e, 2 * n, sizeof *e, entry_cmp);
    for (int32_t i = 0; i < head; i++) {
        e[i].prev = i == 0 ? head : i - 1;
        e[i].next = i + 1 < head ? i + 1 : -1;
        if (!e[i].is_return)
            call_of[e[i].op] = i;
    }
    for (int32_t i = 0; i < head; i++)
        if (e[i].is_return)
            e[call_of[e[i].op]].match = i;
    e[head] = (struct entry){.prev = -1, .next = 0};

    struct lc_state s = init;
    if (!s.present)
        s.value = 0;
    uint64_t zob = 0;
    size_t depth = 0;
    int32_t cur = e[head].next;
    for (;;) {
        if (e[head].next < 0) {
            /* Every op linearized. */
            if (!finals) {
                verdict = LC_OK;
                goto out;
            }
            if (*nfinals == 0 || finals[0].present != s.present || finals[0].value != s.value)
                finals[(*nfinals)++] = s;
            if (*nfinals == 2) {
                verdict = LC_OK;
                goto out;
            }
            /* Look for other final states: backtrack as from a dead end. */
        } else if (cur >= 0 && !e[cur].is_return) {
            uint32_t op = e[cur].op;
            struct lc_state next;
            if (lc_step(&ops[op], value_max, s, &next)) {
                uint64_t z = zob ^ zobrist(op);
                lin[op / 64] |= UINT64_C(1) << (op % 64);
                int added = memo_add(&memo, lin, state_hash(z, next), next);
                if (added < 0)
                    goto out;
                if (added) {
                    if (++explored > max_states)
                        goto out;
                    stack[depth++] = (struct frame){.entry = cur, .prev = s};
                    s = next;
                    zob = z;
                    lift(e, cur);
                    cur = e[head].next;
                    continue;
                }
                lin[op / 64] &= ~(UINT64_C(1) << (op % 64));
            }
            cur = e[cur].next;
            continue;
        }
        /* A return entry: that op must be linearized before it, and was not.
         * (cur < 0 cannot happen: the list always ends with a return.) */
        if (depth == 0) {
            verdict = finals && *nfinals ? LC_OK : LC_VIOLATION;
            goto out;
        }
        struct frame f = stack[--depth];
        uint32_t op = e[f.entry].op;
        s = f.prev;
        zob ^= zobrist(op);
        lin[op / 64] &= ~(UINT64_C(1) << (op % 64));
        unlift(e, f.entry);
        cur = e[f.entry].next;
    }
out:
    if (states)
        *states = explored;
    free(e);
    free(call_of);
    free(stack);
    free(lin);
    if (memo_ok)
        memo_free(&memo);
    return verdict;
}

enum lc_verdict lc_check_key(const struct lc_op *ops, size_t n, bool present, uint64_t value,
                             uint64_t value_max, uint64_t max_states, uint64_t *states)
{
    struct lc_state init = {.present = present, .value = present ? value : 0};
    return lc_search(ops, n, init, value_max, max_states, states, NULL, NULL);
}

/* ---- whole histories -------------------------------------------------------- */

static int op_key_cmp(const void *a, const void *b)
{
    const struct lc_op *x = a, *y = b;
    if (x->key != y->key)
        return x->key < y->key ? -1 : 1;
    return x->invoke < y->invoke ? -1 : x->invoke > y->invoke;
}

static int initial_cmp(const void *a, const void *b)
{
    const struct lc_initial *x = a, *y = b;
    return x->key < y->key ? -1 : x->key > y->key;
}

enum lc_verdict lc_check(const struct lc_op *ops, size_t n, const struct lc_options *o,
                         struct lc_result *res)
{
    struct lc_options dflt;
    if (!o) {
        lc_options_init(&dflt);
        o = &dflt;
    }
    struct lc_result local = {0};
    if (!res)
        res = &local;
    struct lc_op *sorted = malloc((n ? n : 1) * sizeof *sorted);
    struct lc_initial *init = malloc((o->ninitial ? o->ninitial : 1) * sizeof *init);
    if (!sorted || !init) {
        free(sorted);
        free(init);
        res->unknown++;
        return LC_UNKNOWN;
    }
    memcpy(sorted, ops, n * sizeof *sorted);
    qsort(sorted, n, sizeof *sorted, op_key_cmp);
    if (o->ninitial)
        memcpy(init, o->initial, o->ninitial * sizeof *init);
    qsort(init, o->ninitial, sizeof *init, initial_cmp);

    uint64_t max_states = o->max_states ? o->max_states : LC_DEFAULT_MAX_STATES;
    unsigned reports_left = o->max_reports ? o->max_reports : 3;
    enum lc_verdict worst = LC_OK;
    for (size_t i = 0, j; i < n; i = j) {
        for (j = i + 1; j < n && sorted[j].key == sorted[i].key; j++)
            ;
        struct lc_initial probe = {.key = sorted[i].key};
        const struct lc_initial *in = o->ninitial
            ? bsearch(&probe, init, o->ninitial, sizeof *init, initial_cmp)
            : NULL;
        uint64_t states = 0;
        enum lc_verdict v = lc_check_key(sorted + i, j - i, in != NULL, in ? in->value : 0,
                                         o->value_max, max_states, &states);
        res->keys++;
        res->ops += j - i;
        /* Sorted by invoke: op q overlaps another op iff it was invoked
         * before the latest response among the ops invoked before it, or the
         * next op was invoked before q responded. */
        uint64_t last = 0;
        for (size_t q = i; q < j; q++) {
            res->overlapping += (q > i && sorted[q].invoke <= last) ||
                                (q + 1 < j && sorted[q + 1].invoke <= sorted[q].response);
            if (sorted[q].response > last)
                last = sorted[q].response;
        }
        res->states += states;
        if (states > res->max_key_states)
            res->max_key_states = states;
        if (v == LC_OK) {
            res->keys_ok++;
        } else if (v == LC_UNKNOWN) {
            res->unknown++;
            if (worst == LC_OK)
                worst = LC_UNKNOWN;
        } else {
            res->violations++;
            worst = LC_VIOLATION;
            if (o->report && reports_left) {
                reports_left--;
                lc_report_violation(o, sorted + i, j - i, in != NULL, in ? in->value : 0,
                                    max_states);
            }
        }
    }
    free(sorted);
    free(init);
    return worst;
}
