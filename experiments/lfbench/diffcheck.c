/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Differential and conservation checks, see diffcheck.h. */
#include "diffcheck.h"

#include <inttypes.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>

#include "plain_map.h"
#include "workload.h"

/* Values carry their key: value = key << VALUE_KEY_SHIFT | version, so any
 * value read can be checked against the key it was read for. */
#define VALUE_KEY_SHIFT 20u
#define VALUE_VERSION_MASK ((UINT64_C(1) << VALUE_KEY_SHIFT) - 1)
#define ABSENT UINT64_MAX

static uint64_t value_for(uint64_t key, uint64_t version)
{
    return key << VALUE_KEY_SHIFT | (version & VALUE_VERSION_MASK);
}

struct diff_ctx {
    const struct lfb_map_ops *ops;
    const char *scheme;
    unsigned lock_kind;
    uint64_t count, range, seed;
    struct lfcli_err *err;
    int rc;
};

static void enter(const struct lfb_map_ops *ops, void *m)
{
    if (ops->thread_enter)
        ops->thread_enter(m);
}

static void leave(const struct lfb_map_ops *ops, void *m)
{
    if (ops->thread_exit)
        ops->thread_exit(m);
}

static void *diff_thread(void *arg)
{
    struct diff_ctx *c = arg;
    const struct lfb_map_ops *ops = c->ops;
    struct lfb_map_config cfg = {.capacity = 0, .seed = c->seed, .threads = 1, .scheme = c->scheme,
                                 .lock_kind = c->lock_kind};
    void *m = ops->create(&cfg);
    if (!m) {
        c->rc = lfcli_fail(c->err, "%s: create failed", ops->name);
        return NULL;
    }
    struct plain_map ref;
    if (plain_init(&ref, 0, c->seed) != 0) {
        ops->destroy(m);
        c->rc = lfcli_fail(c->err, "out of memory");
        return NULL;
    }
    enter(ops, m);
    struct lfb_rng r = {c->seed};
    c->rc = 0;
    /* The prefill path first (cow loads in place, the others insert):
     * every other key, so later inserts find both present and absent keys. */
    bool (*load)(void *, uint64_t, uint64_t) = ops->load ? ops->load : ops->insert;
    for (uint64_t key = 1; key <= c->range && c->rc == 0; key += 2) {
        uint64_t val = value_for(key, 0);
        bool rm = load(m, key, val);
        bool rp = plain_insert(&ref, key, val) == 1;
        if (rm != rp)
            c->rc = lfcli_fail(c->err, "%s: load(%" PRIu64 ") = %d, plain map says %d", ops->name, key, rm, rp);
    }
    for (uint64_t i = 0; i < c->count && c->rc == 0; i++) {
        uint64_t key = 1 + lfb_rng_below(&r, c->range);
        uint64_t val = value_for(key, i);
        uint64_t got = 0, want = 0;
        unsigned op = (unsigned)lfb_rng_below(&r, 5);
        bool rm, rp;
        switch (op) {
        case 0:
            rm = ops->get(m, key, &got);
            rp = plain_get(&ref, key, &want);
            if (rm != rp || (rm && got != want))
                c->rc = lfcli_fail(c->err, "%s: op %" PRIu64 " get(%" PRIu64 ") = %d/%" PRIu64
                                   ", plain map says %d/%" PRIu64, ops->name, i, key, rm, got, rp, want);
            break;
        case 1:
            rm = ops->insert(m, key, val);
            rp = plain_insert(&ref, key, val) == 1;
            if (rm != rp)
                c->rc = lfcli_fail(c->err, "%s: op %" PRIu64 " insert(%" PRIu64 ") = %d, plain map says %d",
                                   ops->name, i, key, rm, rp);
            break;
        case 2:
            rm = ops->remove(m, key);
            rp = plain_remove(&ref, key, NULL) == 1;
            if (rm != rp)
                c->rc = lfcli_fail(c->err, "%s: op %" PRIu64 " remove(%" PRIu64 ") = %d, plain map says %d",
                                   ops->name, i, key, rm, rp);
            break;
        case 3:
            rm = ops->put(m, key, val);
            rp = plain_put(&ref, key, val, NULL) == 1;
            if (rm != rp)
                c->rc = lfcli_fail(c->err, "%s: op %" PRIu64 " put(%" PRIu64 ") = %d, plain map says %d",
                                   ops->name, i, key, rm, rp);
            break;
        default: {
            /* Half the CASes expect the current value (they must succeed). */
            uint64_t *slot = plain_value_slot(&ref, key);
            uint64_t expected = (slot && (lfb_rng_next(&r) & 1)) ? *slot : value_for(key, i + 1);
            rm = ops->cas(m, key, expected, val);
            rp = slot && *slot == expected;
            if (rp)
                *slot = val;
            if (rm != rp)
                c->rc = lfcli_fail(c->err, "%s: op %" PRIu64 " cas(%" PRIu64 ") = %d, plain map says %d",
                                   ops->name, i, key, rm, rp);
            break;
        }
        }
    }
    for (uint64_t key = 1; key <= c->range && c->rc == 0; key++) {
        uint64_t got = 0, want = 0;
        bool rm = ops->get(m, key, &got), rp = plain_get(&ref, key, &want);
        if (rm != rp || (rm && got != want))
            c->rc = lfcli_fail(c->err, "%s: final get(%" PRIu64 ") = %d/%" PRIu64 ", plain map says %d/%" PRIu64,
                               ops->name, key, rm, got, rp, want);
    }
    struct lfb_map_stats st;
    ops->stats(m, &st);
    if (c->rc == 0 && st.size != (int64_t)plain_size(&ref))
        c->rc = lfcli_fail(c->err, "%s: size %" PRId64 ", plain map says %zu", ops->name, st.size,
                           plain_size(&ref));
    ops->destroy(m);
    leave(ops, m);
    plain_destroy(&ref);
    return NULL;
}

int lfb_check_differential(const struct lfb_map_ops *ops, uint64_t ops_count, uint64_t key_range,
                           uint64_t seed, struct lfcli_err *err)
{
    return lfb_check_differential_scheme(ops, NULL, ops_count, key_range, seed, err);
}

int lfb_check_differential_scheme(const struct lfb_map_ops *ops, const char *scheme, uint64_t ops_count,
                                  uint64_t key_range, uint64_t seed, struct lfcli_err *err)
{
    return lfb_check_differential_config(ops, scheme, 0, ops_count, key_range, seed, err);
}

int lfb_check_differential_config(const struct lfb_map_ops *ops, const char *scheme, unsigned lock_kind,
                                  uint64_t ops_count, uint64_t key_range, uint64_t seed, struct lfcli_err *err)
{
    struct diff_ctx c = {ops, scheme, lock_kind, ops_count, key_range, seed, err, -1};
    pthread_t t;
    if (pthread_create(&t, NULL, diff_thread, &c) != 0)
        return lfcli_fail(err, "pthread_create failed");
    pthread_join(t, NULL);
    return c.rc;
}

/* ---- conservation ------------------------------------------------------ */

struct cons_shared {
    const struct lfb_map_ops *ops;
    void *m;
    unsigned threads;
    uint64_t ops_per_thread, keys_per_thread, seed;
    pthread_barrier_t start;
    atomic_int failed;
    char why[LFCLI_ERR_LEN];
    pthread_mutex_t why_lock;
};

struct cons_thread {
    struct cons_shared *s;
    unsigned index;
    uint64_t *shadow; /* value per owned key, ABSENT when absent */
    pthread_t tid;
};

static uint64_t owned_key(const struct cons_shared *s, unsigned t, uint64_t j)
{
    return 1 + t + (uint64_t)s->threads * j;
}

static void cons_fail(struct cons_shared *s, const char *what, uint64_t key, uint64_t got)
{
    pthread_mutex_lock(&s->why_lock);
    if (!atomic_load(&s->failed))
        snprintf(s->why, sizeof s->why, "%s: %s (key %" PRIu64 ", value %#" PRIx64 ")", s->ops->name,
                 what, key, got);
    atomic_store(&s->failed, 1);
    pthread_mutex_unlock(&s->why_lock);
}

/* Operations between two quiescent states of a conservation worker (as
 * lfbench's LFB_QUIESCENT_EVERY). */
#define CONS_QUIESCENT_EVERY 256u

static void *cons_worker(void *arg)
{
    struct cons_thread *t = arg;
    struct cons_shared *s = t->s;
    const struct lfb_map_ops *ops = s->ops;
    struct lfb_rng r = {s->seed + t->index * 0x9e3779b97f4a7c15ull};
    enter(ops, s->m);
    pthread_barrier_wait(&s->start);
    uint64_t all_keys = s->keys_per_thread * s->threads;
    for (uint64_t i = 0; i < s->ops_per_thread && !atomic_load_explicit(&s->failed, memory_order_relaxed); i++) {
        if (ops->quiescent && i % CONS_QUIESCENT_EVERY == 0)
            ops->quiescent(s->m); /* urcu-qsbr: let reclamation progress */
        uint64_t j = lfb_rng_below(&r, s->keys_per_thread);
        uint64_t key = owned_key(s, t->index, j);
        uint64_t val = value_for(key, i);
        uint64_t *sh = &t->shadow[j];
        switch (lfb_rng_below(&r, 4)) {
        case 0:
            if (ops->insert(s->m, key, val) != (*sh == ABSENT))
                cons_fail(s, "insert result differs from the owner's shadow", key, 0);
            if (*sh == ABSENT)
                *sh = val;
            break;
        case 1:
            if (ops->remove(s->m, key) != (*sh != ABSENT))
                cons_fail(s, "remove result differs from the owner's shadow", key, 0);
            *sh = ABSENT;
            break;
        case 2:
            if (ops->put(s->m, key, val) != (*sh == ABSENT))
                cons_fail(s, "put result differs from the owner's shadow", key, 0);
            *sh = val;
            break;
        default:
            if (*sh != ABSENT) {
                if (!ops->cas(s->m, key, *sh, val))
                    cons_fail(s, "cas of the owner's current value failed", key, *sh);
                *sh = val;
            }
            break;
        }
        /* A read of any key (others' keys change under us): the value must
         * belong to the key. */
        uint64_t rk = 1 + lfb_rng_below(&r, all_keys), got;
        if (ops->get(s->m, rk, &got) && got >> VALUE_KEY_SHIFT != rk)
            cons_fail(s, "read a value that belongs to another key", rk, got);
    }
    leave(ops, s->m);
    return NULL;
}

int lfb_check_conservation(const struct lfb_map_ops *ops, unsigned threads, uint64_t ops_per_thread,
                           uint64_t keys_per_thread, uint64_t seed, struct lfcli_err *err)
{
    return lfb_check_conservation_scheme(ops, NULL, threads, ops_per_thread, keys_per_thread, seed, err);
}

int lfb_check_conservation_scheme(const struct lfb_map_ops *ops, const char *scheme, unsigned threads,
                                  uint64_t ops_per_thread, uint64_t keys_per_thread, uint64_t seed,
                                  struct lfcli_err *err)
{
    struct cons_shared s = {.ops = ops, .threads = threads, .ops_per_thread = ops_per_thread,
                            .keys_per_thread = keys_per_thread, .seed = seed};
    struct lfb_map_config cfg = {.capacity = 0, .seed = seed, .threads = threads, .scheme = scheme};
    s.m = ops->create(&cfg);
    if (!s.m)
        return lfcli_fail(err, "%s: create failed", ops->name);
    atomic_init(&s.failed, 0);
    pthread_mutex_init(&s.why_lock, NULL);
    pthread_barrier_init(&s.start, NULL, threads);
    struct cons_thread *ts = calloc(threads, sizeof *ts);
    for (unsigned t = 0; t < threads; t++) {
        ts[t].s = &s;
        ts[t].index = t;
        ts[t].shadow = malloc(keys_per_thread * sizeof(uint64_t));
        for (uint64_t j = 0; j < keys_per_thread; j++)
            ts[t].shadow[j] = ABSENT;
        pthread_create(&ts[t].tid, NULL, cons_worker, &ts[t]);
    }
    for (unsigned t = 0; t < threads; t++)
        pthread_join(ts[t].tid, NULL);

    int rc = atomic_load(&s.failed) ? lfcli_fail(err, "%s", s.why) : 0;
    /* The known final state: exactly the union of the shadows. */
    enter(ops, s.m);
    uint64_t present = 0;
    for (unsigned t = 0; t < threads && rc == 0; t++) {
        for (uint64_t j = 0; j < keys_per_thread && rc == 0; j++) {
            uint64_t key = owned_key(&s, t, j), got = ABSENT;
            bool found = ops->get(s.m, key, &got);
            if (found != (ts[t].shadow[j] != ABSENT) || (found && got != ts[t].shadow[j]))
                rc = lfcli_fail(err, "%s: final state: key %" PRIu64 " is %s (%#" PRIx64 "), expected %#" PRIx64,
                                ops->name, key, found ? "present" : "absent", got, ts[t].shadow[j]);
            present += found;
        }
    }
    struct lfb_map_stats st;
    ops->stats(s.m, &st);
    if (rc == 0 && st.size != (int64_t)present)
        rc = lfcli_fail(err, "%s: size %" PRId64 " after the run, %" PRIu64 " keys present", ops->name,
                        st.size, present);
    ops->destroy(s.m);
    leave(ops, s.m);
    for (unsigned t = 0; t < threads; t++)
        free(ts[t].shadow);
    free(ts);
    pthread_barrier_destroy(&s.start);
    pthread_mutex_destroy(&s.why_lock);
    return rc;
}
