/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Exact interleavings of every lost-CAS branch of the migration and
 * publication path (lib/migrate.c), built with the hooks that precede each
 * of those CASes (lib/perturb.h): a thread is stopped at a named hook, at a
 * chosen slot, while another thread wins the race for the same word; then
 * the stopped thread goes on and must take the branch for a lost CAS
 * correctly.  Each test asserts the preconditions that make its interleaving
 * the intended one (the test fails, rather than passes vacuously, if the map
 * no longer behaves so), then the exact final contents: every key with its
 * last value, lfmap_size equal to the count, foreach agreeing, one slot per
 * key in the current table.  Migration tests also check the moved count of
 * the old table against its frozen slots, and that no table is promoted
 * while one of its slots is not yet moved.
 *
 * White box: the tests read lib/lfmap_internal.h to find slots and to place
 * the migration cursor.  Perturbed builds only (make perturb); in other
 * builds the hooks are compiled out and the program reports a skip.
 */
#include "lfmap.h"
#include "lfmap_internal.h"
#include "hash.h"
#include "perturb.h"
#include "test_alloc.h"

#include <check.h>

#include "exact_stops_main.h"
#include "scheme_props.h"
#include <pthread.h>
#include <semaphore.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#ifdef LFMAP_PERTURB
#define SEED 0x5eedull
#define PREFILL 3000u
#define KEYSPACE (1u << 18)

/* ---- stopping one thread at one hook -------------------------------- */

/* Each thread has a role; a rule stops the thread of its role at the
 * (skip+1)-th passage of its hook, once.  Role 0 (the main thread) is never
 * stopped. */
enum { ROLE_MAIN, ROLE_A, ROLE_B, ROLE_C };
static _Thread_local int role;

#define MAX_RULES 4
struct rule {
    int role;
    enum lf_hook hook;
    int skip;
    atomic_bool fired;
    sem_t reached, release;
};
static struct rule rules[MAX_RULES];
static atomic_int nrules;

static lfmap *map;
/* A table whose promotion is watched: promoting it while one of its slots is
 * not final (KEY_FROZEN or VALUE_MOVED) sets early_promotion. */
static struct lfmap_table *_Atomic watch;
static atomic_bool early_promotion;

static bool slot_final(const struct lfmap_slot *s)
{
    return atomic_load(&s->key) == KEY_FROZEN || atomic_load(&s->value) == VALUE_MOVED;
}

static size_t count_final(struct lfmap_table *t)
{
    size_t n = 0;
    for (size_t i = 0; i < t->nslots; i++)
        n += slot_final(&t->slots[i]);
    return n;
}

static void rules_hook(enum lf_hook hook, void *arg)
{
    (void)arg;
    if (hook == LFMAP_HOOK_BEFORE_PROMOTE) {
        /* Called inside a read-side section: w, still current when read,
         * cannot be freed under us. */
        struct lfmap_table *w = atomic_load(&watch);
        if (w && atomic_load(&map->current) == w && count_final(w) != w->nslots)
            atomic_store(&early_promotion, true);
    }
    int n = atomic_load(&nrules);
    for (int i = 0; i < n; i++) {
        struct rule *r = &rules[i];
        if (r->role != role || r->hook != hook || atomic_load(&r->fired))
            continue;
        if (r->skip > 0) { /* only the thread of r's role touches skip */
            r->skip--;
            continue;
        }
        atomic_store(&r->fired, true);
        sem_post(&r->reached);
        sem_wait(&r->release);
        return;
    }
}

static struct rule *stop_at(int who, enum lf_hook hook, int skip)
{
    int n = atomic_load(&nrules);
    ck_assert_int_lt(n, MAX_RULES);
    struct rule *r = &rules[n];
    r->role = who;
    r->hook = hook;
    r->skip = skip;
    atomic_store(&r->fired, false);
    sem_init(&r->reached, 0, 0);
    sem_init(&r->release, 0, 0);
    atomic_store(&nrules, n + 1); /* seq_cst: the rule is complete first */
    return r;
}

/* Waits (up to 10 s) for r's thread to stop at r's hook. */
static void reached(struct rule *r)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    ts.tv_sec += 10;
    ck_assert_msg(sem_timedwait(&r->reached, &ts) == 0, "thread of role %d never reached hook %d", r->role,
                  (int)r->hook);
}

static void release(struct rule *r)
{
    sem_post(&r->release);
}

/* ---- the expected contents ------------------------------------------ */

static uint64_t mval[KEYSPACE];
static bool mhas[KEYSPACE];
static bool mused[KEYSPACE]; /* ever written, or reserved for a role */
static uint64_t next_fresh = PREFILL;

static void m_insert(uint64_t k, uint64_t v)
{
    ck_assert_int_eq(lfmap_insert(map, k, v), mhas[k] ? 0 : 1);
    if (!mhas[k])
        mval[k] = v;
    mhas[k] = mused[k] = true;
}

static void m_put(uint64_t k, uint64_t v)
{
    ck_assert_int_eq(lfmap_put(map, k, v, NULL), mhas[k] ? 0 : 1);
    mval[k] = v;
    mhas[k] = mused[k] = true;
}

static void m_remove(uint64_t k)
{
    ck_assert_int_eq(lfmap_remove(map, k, NULL), mhas[k] ? 1 : 0);
    mhas[k] = false;
    mused[k] = true;
}

static uint64_t fresh_key(void)
{
    while (mused[next_fresh])
        next_fresh++;
    ck_assert_uint_lt(next_fresh, KEYSPACE);
    mused[next_fresh] = true;
    return next_fresh;
}

static uint64_t mix(uint64_t k)
{
    return lf_mix(&map->hasher, k);
}

/* A key never used yet whose home slot in a table of mask+1 slots is p. */
static uint64_t fresh_key_with_home(uint64_t mask, size_t p)
{
    for (uint64_t k = PREFILL; k < KEYSPACE; k++)
        if (!mused[k] && mix(k) >= KEY_RESERVED && (mix(k) & mask) == p) {
            mused[k] = true;
            return k;
        }
    ck_abort_msg("no key with home slot %zu", p);
    return 0;
}

static int seen_key(uint64_t key, uint64_t value, void *arg)
{
    static bool seen[KEYSPACE];
    size_t *n = arg;
    if (*n == 0)
        memset(seen, 0, sizeof seen);
    ck_assert_uint_lt(key, KEYSPACE);
    ck_assert_msg(mhas[key], "foreach reports key %llu, which is absent", (unsigned long long)key);
    ck_assert_uint_eq(value, mval[key]);
    ck_assert_msg(!seen[key], "foreach reports key %llu twice", (unsigned long long)key);
    seen[key] = true;
    ++*n;
    return 0;
}

static int count_nothing(uint64_t key, uint64_t value, void *arg)
{
    (void)key, (void)value, (void)arg;
    return 0;
}

static struct lfmap_table *current(void)
{
    return atomic_load(&map->current);
}

static bool resizing(void)
{
    struct lfmap_stats st;
    lfmap_get_stats(map, &st);
    return st.resizing;
}

static uint64_t resizes(void)
{
    struct lfmap_stats st;
    lfmap_get_stats(map, &st);
    return st.resizes;
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

/* Finishes any migration (foreach does), then checks the exact contents:
 * every key used with its last value, size and foreach agreeing, and one
 * slot per key in the current table. */
static void check_contents(void)
{
    lfmap_foreach(map, count_nothing, NULL);
    ck_assert(!resizing());
    size_t n = 0;
    for (uint64_t k = 0; k < KEYSPACE; k++) {
        if (!mused[k])
            continue;
        uint64_t v = 0;
        ck_assert_msg(lfmap_get(map, k, &v) == mhas[k], "key %llu: expected %s", (unsigned long long)k,
                      mhas[k] ? "present" : "absent");
        if (mhas[k]) {
            ck_assert_msg(v == mval[k], "key %llu: value %llu, expected %llu", (unsigned long long)k,
                          (unsigned long long)v, (unsigned long long)mval[k]);
            n++;
        }
    }
    ck_assert_uint_eq(lfmap_size(map), n);
    size_t walked = 0;
    ck_assert_int_eq(lfmap_foreach(map, seen_key, &walked), 0);
    ck_assert_uint_eq(walked, n);
    /* Quiescent and not resizing: the current table cannot be freed. */
    struct lfmap_table *t = current();
    size_t live = 0, claimed = 0;
    uint64_t *keys = malloc(t->nslots * sizeof *keys);
    ck_assert_ptr_nonnull(keys);
    for (size_t i = 0; i < t->nslots; i++) {
        uint64_t k = atomic_load(&t->slots[i].key);
        ck_assert_uint_ne(k, KEY_FROZEN);
        if (k == KEY_EMPTY)
            continue;
        live += value_is_live(atomic_load(&t->slots[i].value));
        keys[claimed++] = k;
    }
    qsort(keys, claimed, sizeof *keys, cmp_u64);
    for (size_t i = 1; i < claimed; i++)
        ck_assert_msg(keys[i] != keys[i - 1], "key word %llx has two slots", (unsigned long long)keys[i]);
    free(keys);
    ck_assert_uint_eq(live, n);
    ck_assert(!atomic_load(&early_promotion));
}

/* ---- threads ---------------------------------------------------------- */

enum op_kind { OP_INSERT, OP_PUT, OP_REMOVE, OP_FINISH, OP_REMOVE_RANGE, OP_INSERT_N };
struct job {
    int role;
    enum op_kind kind;
    uint64_t key, value, n;
    pthread_t th;
    atomic_bool done;
};

static void *job_main(void *p)
{
    struct job *j = p;
    ck_assert_int_eq(lfmap_thread_register(), 0);
    role = j->role;
    switch (j->kind) {
    case OP_INSERT:
        m_insert(j->key, j->value);
        break;
    case OP_PUT:
        m_put(j->key, j->value);
        break;
    case OP_REMOVE:
        m_remove(j->key);
        break;
    case OP_FINISH: /* foreach sweeps and promotes any table migrating */
        lfmap_foreach(map, count_nothing, NULL);
        break;
    case OP_REMOVE_RANGE:
        for (uint64_t k = j->key; k < j->key + j->n; k++)
            m_remove(k);
        break;
    case OP_INSERT_N:
        for (uint64_t i = 0; i < j->n; i++)
            m_insert(j->key + i, j->value);
        break;
    }
    lfmap_thread_unregister();
    atomic_store(&j->done, true);
    return NULL;
}

static void spawn(struct job *j)
{
    atomic_store(&j->done, false);
    ck_assert_int_eq(pthread_create(&j->th, NULL, job_main, j), 0);
}

static void join(struct job *j)
{
    pthread_join(j->th, NULL);
    ck_assert(atomic_load(&j->done));
}

/* Waits up to `secs` for j to finish on its own. */
static bool finishes_within(struct job *j, int secs)
{
    for (int i = 0; i < secs * 100; i++) {
        if (atomic_load(&j->done))
            return true;
        struct timespec ts = {0, 10 * 1000 * 1000};
        nanosleep(&ts, NULL);
    }
    return false;
}

/* ---- setting up a migration ------------------------------------------- */

static void setup(size_t chunk, const struct lfmap_allocator *a, size_t capacity)
{
    ck_assert_int_eq(lfmap_thread_register(), 0);
    struct lfmap_config cfg = {.seed = SEED, .migration_chunk = chunk, .allocator = a, .capacity = capacity};
    map = lfmap_new(&cfg);
    ck_assert_ptr_nonnull(map);
    lf_hook_set(rules_hook, NULL);
}

static void teardown(void)
{
    lf_hook_set(NULL, NULL);
    lfmap_free(map);
    lfmap_thread_unregister();
}

static uint64_t next_removed;

/* PREFILL keys (value k + 1), growth finished, then keys removed in order
 * from 0 until the live count is exactly the shrink threshold: no shrink has
 * started, and the next (at most SHRINK_CHECK_PERIOD) removes start one. */
static void fill_to_shrink_edge(void)
{
    for (uint64_t k = 0; k < PREFILL; k++)
        m_insert(k, k + 1);
    lfmap_foreach(map, count_nothing, NULL);
    size_t edge = current()->nslots / SHRINK_DIV;
    next_removed = 0;
    while (lfmap_size(map) > edge)
        m_remove(next_removed++);
    ck_assert(!resizing());
}

/* Removes keys in order until a shrink of t is published.  With migration
 * chunk 1 nothing of t is migrated yet when this returns. */
static struct lfmap_table *start_shrink(void)
{
    struct lfmap_table *t = current();
    while (!resizing()) {
        ck_assert_uint_lt(next_removed, PREFILL - 2 * SHRINK_CHECK_PERIOD);
        m_remove(next_removed++);
    }
    struct lfmap_table *nt = atomic_load(&t->next);
    ck_assert(nt && !lf_table_next_is_sentinel(nt));
    ck_assert_ptr_eq(current(), t);
    return t;
}

/* Keys at and above this one are never removed by start_shrink. */
static uint64_t safe_keys(void)
{
    return next_removed + 2 * SHRINK_CHECK_PERIOD;
}

static size_t slot_of(struct lfmap_table *t, uint64_t h)
{
    size_t i = h & t->mask;
    for (size_t n = 0; n < t->nslots; n++, i = (i + 1) & t->mask)
        if (atomic_load(&t->slots[i].key) == h)
            return i;
    ck_abort_msg("key word %llx has no slot", (unsigned long long)h);
    return 0;
}

enum slot_kind { S_EMPTY, S_ABSENT, S_LIVE };
static bool slot_is(const struct lfmap_slot *s, enum slot_kind kind)
{
    uint64_t k = atomic_load(&s->key), v = atomic_load(&s->value);
    if (kind == S_EMPTY)
        return k == KEY_EMPTY;
    if (k < KEY_RESERVED || value_is_frozen(v))
        return false;
    return kind == S_LIVE ? value_is_live(v) : !value_is_live(v);
}

static size_t first_slot(struct lfmap_table *t, enum slot_kind kind)
{
    for (size_t i = 0; i < t->nslots; i++)
        if (slot_is(&t->slots[i], kind))
            return i;
    ck_abort_msg("no slot of kind %d", (int)kind);
    return 0;
}

/* Slots before j of the given kind: a sweep from slot 0 passes the kind's
 * hook once for each before it reaches j. */
static int count_before(struct lfmap_table *t, size_t j, enum slot_kind kind)
{
    int n = 0;
    for (size_t i = 0; i < j; i++)
        n += slot_is(&t->slots[i], kind);
    return n;
}

/* Points t's migration cursor at a slot that a helper may migrate without
 * touching the slots under test: one already final, or else an empty one
 * outside [lo, hi]. */
static void park_cursor(struct lfmap_table *t, size_t lo, size_t hi)
{
    for (size_t i = 0; i < t->nslots; i++)
        if (slot_final(&t->slots[i])) {
            atomic_store(&t->claim_cursor, i);
            return;
        }
    for (size_t i = 0; i < t->nslots; i++)
        if ((i < lo || i > hi) && slot_is(&t->slots[i], S_EMPTY)) {
            atomic_store(&t->claim_cursor, i);
            return;
        }
    ck_abort_msg("no slot to park the cursor on");
}

static void check_moved_count(struct lfmap_table *t)
{
    ck_assert_ptr_eq(current(), t); /* not promoted: t is alive */
    ck_assert_uint_eq(atomic_load(&t->moved), count_final(t));
    ck_assert_uint_lt(count_final(t), t->nslots);
}

/* ---- (a) slot_migrate: the empty-key freeze loses to a claimer -------- */

/* C saw slot j empty and is stopped before its claim; a shrink starts; the
 * sweeper M sees slot j empty and is stopped before freezing it; C claims
 * it and stores its value; M's freeze CAS fails.  The slot holds a key now:
 * M must migrate it, not count it as moved. */
START_TEST(empty_freeze_loses_to_claimer)
{
    setup(1, NULL, 0);
    fill_to_shrink_edge();
    struct lfmap_table *t = current();
    size_t j = first_slot(t, S_EMPTY);
    uint64_t c = fresh_key_with_home(t->mask, j);
    struct rule *rc = stop_at(ROLE_C, LFMAP_HOOK_BEFORE_CLAIM, 0);
    struct job jc = {.role = ROLE_C, .kind = OP_PUT, .key = c, .value = 77};
    spawn(&jc);
    reached(rc);
    ck_assert_ptr_eq(start_shrink(), t);
    ck_assert_uint_eq(first_slot(t, S_EMPTY), j);
    struct rule *rm = stop_at(ROLE_A, LFMAP_HOOK_BEFORE_FREEZE_EMPTY, 0);
    struct job jm = {.role = ROLE_A, .kind = OP_FINISH};
    spawn(&jm);
    reached(rm); /* M is at slot j, the first empty slot of its sweep */
    release(rc);
    join(&jc);
    ck_assert_uint_eq(atomic_load(&t->slots[j].key), mix(c));
    ck_assert(value_is_live(atomic_load(&t->slots[j].value)));
    atomic_store(&watch, t);
    release(rm);
    join(&jm);
    ck_assert_ptr_ne(current(), t);
    check_contents();
    teardown();
}
END_TEST

/* ---- (b) slot_migrate: the absent-value freeze loses to an insert ------ */

/* W found key x's tombstone and is stopped before its value CAS; a shrink
 * starts; M is stopped before freezing x's absent slot; W's insert lands;
 * M's CAS fails and must reload: the slot is live now, and its value must
 * reach the successor. */
START_TEST(absent_freeze_loses_to_insert)
{
    setup(1, NULL, 0);
    fill_to_shrink_edge();
    struct lfmap_table *t = current();
    uint64_t x = 0; /* removed first: a tombstone */
    size_t j = slot_of(t, mix(x));
    ck_assert(slot_is(&t->slots[j], S_ABSENT));
    struct rule *rw = stop_at(ROLE_B, LFMAP_HOOK_BEFORE_VALUE_CAS, 0);
    struct job jw = {.role = ROLE_B, .kind = OP_INSERT, .key = x, .value = 55};
    spawn(&jw);
    reached(rw);
    ck_assert_ptr_eq(start_shrink(), t);
    ck_assert(slot_is(&t->slots[j], S_ABSENT));
    struct rule *rm = stop_at(ROLE_A, LFMAP_HOOK_BEFORE_FREEZE_ABSENT, count_before(t, j, S_ABSENT));
    struct job jm = {.role = ROLE_A, .kind = OP_FINISH};
    spawn(&jm);
    reached(rm);
    ck_assert(slot_is(&t->slots[j], S_ABSENT)); /* M is at slot j */
    for (size_t i = 0; i < j; i++)
        ck_assert(slot_final(&t->slots[i]));
    release(rw);
    join(&jw);
    ck_assert_uint_eq(atomic_load(&t->slots[j].value), value_encode(55));
    atomic_store(&watch, t);
    release(rm);
    join(&jm);
    ck_assert_ptr_ne(current(), t);
    check_contents();
    teardown();
}
END_TEST

/* ---- (c) slot_migrate: the live->box freeze loses to a writer ---------- */

/* W is stopped before its value CAS on key x (put of a newer value); a
 * shrink starts; M has boxed x's old value and is stopped before the
 * freeze; W's put lands; M's freeze fails and must box and copy the newer
 * value, not the one in its box. */
START_TEST(box_freeze_loses_to_writer)
{
    setup(1, NULL, 0);
    fill_to_shrink_edge();
    struct lfmap_table *t = current();
    uint64_t x = PREFILL - 1;
    ck_assert_uint_ge(x, safe_keys());
    size_t j = slot_of(t, mix(x));
    struct rule *rw = stop_at(ROLE_B, LFMAP_HOOK_BEFORE_VALUE_CAS, 0);
    struct job jw = {.role = ROLE_B, .kind = OP_PUT, .key = x, .value = 5000};
    spawn(&jw);
    reached(rw);
    ck_assert_ptr_eq(start_shrink(), t);
    struct rule *rm = stop_at(ROLE_A, LFMAP_HOOK_BEFORE_FREEZE, count_before(t, j, S_LIVE));
    struct job jm = {.role = ROLE_A, .kind = OP_FINISH};
    spawn(&jm);
    reached(rm);
    ck_assert_uint_eq(atomic_load(&t->slots[j].value), value_encode(x + 1)); /* M at slot j */
    for (size_t i = 0; i < j; i++)
        ck_assert(slot_final(&t->slots[i]));
    release(rw);
    join(&jw);
    ck_assert_uint_eq(atomic_load(&t->slots[j].value), value_encode(5000));
    atomic_store(&watch, t);
    release(rm);
    join(&jm);
    ck_assert_ptr_ne(current(), t);
    check_contents();
    teardown();
}
END_TEST

/* ---- (d) copy_into: the successor key claim loses --------------------- */

/* M boxed the first live key x of its sweep and, copying it, found x's home
 * slot p in the successor empty; it is stopped before claiming p.  An insert
 * of a new key y whose successor home is p claims p first.  M's claim fails
 * and must go on probing: x must be copied to another slot, and y kept. */
START_TEST(copy_claim_loses_to_inserter)
{
    setup(1, NULL, 0);
    fill_to_shrink_edge();
    struct lfmap_table *t = start_shrink();
    struct lfmap_table *nt = atomic_load(&t->next);
    size_t j = first_slot(t, S_LIVE);
    uint64_t hx = atomic_load(&t->slots[j].key), x = lf_unmix(&map->hasher, hx);
    size_t p = hx & nt->mask;
    uint64_t y = fresh_key_with_home(nt->mask, p);
    struct rule *rm = stop_at(ROLE_A, LFMAP_HOOK_BEFORE_COPY_CLAIM, 0);
    struct job jm = {.role = ROLE_A, .kind = OP_FINISH};
    spawn(&jm);
    reached(rm);
    ck_assert(value_is_box(atomic_load(&t->slots[j].value))); /* M copies x */
    ck_assert_uint_eq(atomic_load(&nt->slots[p].key), KEY_EMPTY);
    park_cursor(t, j, j);
    m_insert(y, 99);
    ck_assert_uint_eq(atomic_load(&nt->slots[p].key), mix(y)); /* y won p */
    atomic_store(&watch, t);
    release(rm);
    join(&jm);
    ck_assert_ptr_ne(current(), t);
    ck_assert(mhas[x]);
    check_contents();
    teardown();
}
END_TEST

/* The same stop, but the winner is another copier of x: a writer of x
 * finishes M's box (copies x into p, marks the slot moved) and then updates
 * x in the successor.  M's claim fails on its own key: it must neither
 * overwrite the newer value nor put x into a second slot (checked after x
 * is removed: a second slot would bring the stale value back). */
START_TEST(copy_claim_loses_to_copier)
{
    setup(1, NULL, 0);
    fill_to_shrink_edge();
    struct lfmap_table *t = start_shrink();
    struct lfmap_table *nt = atomic_load(&t->next);
    size_t j = first_slot(t, S_LIVE);
    uint64_t hx = atomic_load(&t->slots[j].key), x = lf_unmix(&map->hasher, hx);
    size_t p = hx & nt->mask;
    struct rule *rm = stop_at(ROLE_A, LFMAP_HOOK_BEFORE_COPY_CLAIM, 0);
    struct job jm = {.role = ROLE_A, .kind = OP_FINISH};
    spawn(&jm);
    reached(rm);
    ck_assert_uint_eq(atomic_load(&nt->slots[p].key), KEY_EMPTY);
    park_cursor(t, j, j);
    m_put(x, 4242);
    ck_assert_uint_eq(atomic_load(&nt->slots[p].key), hx);
    ck_assert_uint_eq(atomic_load(&t->slots[j].value), VALUE_MOVED);
    atomic_store(&watch, t);
    release(rm);
    join(&jm);
    ck_assert_ptr_ne(current(), t);
    check_contents();
    m_remove(x);
    check_contents();
    teardown();
}
END_TEST

/* ---- (e) copy_into: the value CAS loses -------------------------------- */

/* M claimed x's successor slot and is stopped before storing the copied
 * value; a writer of x finishes M's box (its copy stores x's value), then
 * puts a newer value in the successor.  M's value CAS fails: the stale copy
 * must not overwrite the newer value. */
START_TEST(copy_value_loses_to_later_write)
{
    setup(1, NULL, 0);
    fill_to_shrink_edge();
    struct lfmap_table *t = start_shrink();
    struct lfmap_table *nt = atomic_load(&t->next);
    size_t j = first_slot(t, S_LIVE);
    uint64_t hx = atomic_load(&t->slots[j].key), x = lf_unmix(&map->hasher, hx);
    size_t p = hx & nt->mask;
    struct rule *rm = stop_at(ROLE_A, LFMAP_HOOK_BEFORE_COPY_VALUE, 0);
    struct job jm = {.role = ROLE_A, .kind = OP_FINISH};
    spawn(&jm);
    reached(rm);
    ck_assert_uint_eq(atomic_load(&nt->slots[p].key), hx);
    ck_assert_uint_eq(atomic_load(&nt->slots[p].value), VALUE_UNSET);
    park_cursor(t, j, j);
    m_put(x, 4343);
    ck_assert_uint_eq(atomic_load(&nt->slots[p].value), value_encode(4343));
    atomic_store(&watch, t);
    release(rm);
    join(&jm);
    ck_assert_ptr_ne(current(), t);
    check_contents();
    teardown();
}
END_TEST

/* ---- (f) box_finish: box -> MOVED loses to another finisher ------------ */

/* A helper H migrating the one-slot chunk of key x has copied x and is
 * stopped before marking the slot moved; a writer of x finishes the same box
 * (marks it moved, counts it) and updates x in the successor.  H's CAS fails:
 * the slot must be counted exactly once, so the table is not promoted while
 * a slot is not moved, and it is promoted once helpers have moved the rest. */
START_TEST(box_moved_loses_to_other_finisher)
{
    setup(1, NULL, 0);
    fill_to_shrink_edge();
    struct lfmap_table *t = start_shrink();
    size_t j = first_slot(t, S_LIVE);
    uint64_t x = lf_unmix(&map->hasher, atomic_load(&t->slots[j].key));
    atomic_store(&t->claim_cursor, j); /* H's help takes slot j */
    struct rule *rh = stop_at(ROLE_A, LFMAP_HOOK_COPIED_BEFORE_MOVED, 0);
    struct job jh = {.role = ROLE_A, .kind = OP_INSERT, .key = fresh_key(), .value = 1};
    spawn(&jh);
    reached(rh);
    ck_assert(value_is_box(atomic_load(&t->slots[j].value)));
    park_cursor(t, j, j);
    m_put(x, 4444);
    ck_assert_uint_eq(atomic_load(&t->slots[j].value), VALUE_MOVED);
    atomic_store(&watch, t);
    release(rh);
    join(&jh);
    check_moved_count(t);
    uint64_t before = resizes();
    /* Writers alone (one chunk and one path end each) finish the migration. */
    for (size_t i = 0; current() == t; i++) {
        ck_assert_uint_lt(i, 4 * t->nslots);
        m_remove(fresh_key());
    }
    ck_assert_uint_eq(resizes(), before + 1);
    check_contents();
    teardown();
}
END_TEST

/* ---- (g) freeze_key_path: the empty-slot freeze loses to a claimer ----- */

/* C saw slot e empty (its key's home) and is stopped before claiming it; a
 * shrink starts; W, inserting a key y with the same home, is stopped before
 * freezing e as the end of y's path; C claims e.  W's freeze fails: it must
 * look at e again and freeze the next empty slot instead, counting only what
 * it froze. */
START_TEST(path_freeze_loses_to_claimer)
{
    setup(1, NULL, 0);
    fill_to_shrink_edge();
    struct lfmap_table *t = current();
    size_t e = first_slot(t, S_EMPTY);
    uint64_t c = fresh_key_with_home(t->mask, e);
    uint64_t y = fresh_key_with_home(t->mask, e);
    struct rule *rc = stop_at(ROLE_C, LFMAP_HOOK_BEFORE_CLAIM, 0);
    struct job jc = {.role = ROLE_C, .kind = OP_PUT, .key = c, .value = 7};
    spawn(&jc);
    reached(rc);
    ck_assert_ptr_eq(start_shrink(), t);
    park_cursor(t, e, e + 1);
    struct rule *rw = stop_at(ROLE_B, LFMAP_HOOK_BEFORE_PATH_FREEZE, 0);
    struct job jw = {.role = ROLE_B, .kind = OP_INSERT, .key = y, .value = 8};
    spawn(&jw);
    reached(rw);
    ck_assert_uint_eq(atomic_load(&t->slots[e].key), KEY_EMPTY);
    release(rc);
    join(&jc);
    ck_assert_uint_eq(atomic_load(&t->slots[e].key), mix(c));
    atomic_store(&watch, t);
    release(rw);
    join(&jw);
    check_moved_count(t);
    check_contents();
    teardown();
}
END_TEST

/* The first slot e of t such that e and e + 1 are both empty. */
static size_t first_empty_pair(struct lfmap_table *t)
{
    for (size_t i = 0; i + 1 < t->nslots; i++)
        if (slot_is(&t->slots[i], S_EMPTY) && slot_is(&t->slots[i + 1], S_EMPTY))
            return i;
    ck_abort_msg("no two adjacent empty slots");
    return 0;
}

/* The consequence a user sees when a lost path freeze is not re-examined:
 * y's path in the old table stays open, and an insert of y that started on
 * it before the resize lands there after y was inserted in the successor.
 * L (an insert of y) saw slot e empty and is stopped before claiming it; C
 * (a put of c, same home) likewise; a shrink starts; W (an insert of y) is
 * stopped before freezing e as the end of y's path; C claims e; W's freeze
 * fails, and W must look at e again, freeze e + 1, and insert y in the
 * successor.  Then L's claim of e fails too and L must meet the frozen e + 1,
 * follow the migration and find y present: exactly one of the two inserts
 * of y succeeds.  (A variant that stops at the lost freeze without counting
 * it leaves e + 1 open: L claims it and also returns "inserted".) */
START_TEST(path_freeze_loses_then_late_insert)
{
    setup(1, NULL, 0);
    fill_to_shrink_edge();
    struct lfmap_table *t = current();
    size_t e = first_empty_pair(t);
    uint64_t c = fresh_key_with_home(t->mask, e);
    uint64_t y = fresh_key_with_home(t->mask, e);
    struct rule *rl = stop_at(ROLE_A, LFMAP_HOOK_BEFORE_CLAIM, 0);
    struct job jl = {.role = ROLE_A, .kind = OP_INSERT, .key = y, .value = 9};
    spawn(&jl);
    reached(rl);
    struct rule *rc = stop_at(ROLE_C, LFMAP_HOOK_BEFORE_CLAIM, 0);
    struct job jc = {.role = ROLE_C, .kind = OP_PUT, .key = c, .value = 7};
    spawn(&jc);
    reached(rc);
    ck_assert_ptr_eq(start_shrink(), t);
    park_cursor(t, e, e + 1);
    struct rule *rw = stop_at(ROLE_B, LFMAP_HOOK_BEFORE_PATH_FREEZE, 0);
    struct job jw = {.role = ROLE_B, .kind = OP_INSERT, .key = y, .value = 8};
    spawn(&jw);
    reached(rw);
    ck_assert_uint_eq(atomic_load(&t->slots[e].key), KEY_EMPTY);
    ck_assert_uint_eq(atomic_load(&t->slots[e + 1].key), KEY_EMPTY);
    release(rc);
    join(&jc);
    ck_assert_uint_eq(atomic_load(&t->slots[e].key), mix(c));
    atomic_store(&watch, t);
    release(rw);
    join(&jw); /* W's insert of y returned 1 (m_insert checks it) */
    release(rl);
    join(&jl); /* L's insert of y must return 0: y is present (m_insert checks it) */
    ck_assert_msg(atomic_load(&t->slots[e + 1].key) == KEY_FROZEN,
                  "the insert of y did not freeze slot e + 1, the end of y's path in the old table");
    check_moved_count(t);
    check_contents();
    teardown();
}
END_TEST

/* ---- (h) a stale candidate and a new resize attempt -------------------- */

static struct test_alloc ta;

/* The maps here use the default scheme (LFMAP_RCU): under a scheme that
 * never frees by design (leak), the allocator cannot balance. */

static void check_allocator(void)
{
    if (!scheme_never_frees(NULL))
        ck_assert_uint_eq(ta_live(&ta), 0);
    ck_assert_uint_eq(atomic_load(&ta.bad_frees), 0);
    ta_destroy(&ta);
}

/* A big presized table with 100 keys: 64 removes by one thread start a
 * shrink. */
#define BIG_CAPACITY 30000u
static void fill_small(void)
{
    for (uint64_t k = 0; k < 100; k++)
        m_insert(k, k + 1);
    ck_assert_uint_ge(current()->nslots, 16 * 4096);
}

/* P starts a shrink (sentinel s1), allocates a small candidate and is
 * stopped before publishing it.  A writer's candidate allocation fails, so
 * it withdraws s1 and the attempt is over; 3,000 keys are inserted; Q starts
 * a new shrink (sentinel s2) and is stopped before publishing.  P's stale
 * candidate, sized for ~40 keys, must not be published into Q's attempt (it
 * could not hold the keys): that is what the sentinel's generation is for. */
START_TEST(stale_candidate_not_published_into_new_attempt)
{
    ta_init(&ta);
    setup(0, &ta.iface, BIG_CAPACITY);
    fill_small();
    struct lfmap_table *t = current();
    struct rule *rp = stop_at(ROLE_A, LFMAP_HOOK_BEFORE_PUBLISH, 0);
    struct job jp = {.role = ROLE_A, .kind = OP_REMOVE_RANGE, .key = 0, .n = SHRINK_CHECK_PERIOD};
    spawn(&jp);
    reached(rp);
    struct lfmap_table *s1 = atomic_load(&t->next);
    ck_assert(lf_table_next_is_sentinel(s1));
    atomic_store(&ta.fail_all, true);
    m_insert(fresh_key(), 1); /* helps, fails to allocate, withdraws s1 */
    atomic_store(&ta.fail_all, false);
    ck_assert_ptr_null(atomic_load(&t->next));
    uint64_t base = fresh_key();
    for (uint64_t k = base; k < base + 3000; k++)
        m_insert(k, k);
    struct rule *rq = stop_at(ROLE_B, LFMAP_HOOK_BEFORE_PUBLISH, 0);
    struct job jq = {.role = ROLE_B, .kind = OP_REMOVE_RANGE, .key = base, .n = SHRINK_CHECK_PERIOD};
    spawn(&jq);
    reached(rq);
    struct lfmap_table *s2 = atomic_load(&t->next);
    ck_assert(lf_table_next_is_sentinel(s2));
    release(rp);
    join(&jp);
    ck_assert_msg(atomic_load(&t->next) == s2, "a stale candidate was published into a newer attempt");
    release(rq);
    join(&jq);
    ck_assert_ptr_nonnull(atomic_load(&t->next));
    check_contents();
    teardown();
    check_allocator();
}
END_TEST

/* ---- (i) allocation failure during a stalled resize -------------------- */

/* The sentinel's owner O allocated its candidate and is stopped before
 * publishing.  Another writer W waits on the sentinel (SENTINEL_PATIENCE),
 * allocates a candidate of its own, and that allocation fails: W must
 * withdraw the sentinel and go on in the old table without waiting for O
 * (lock-freedom).  O's stale candidate must then not be published, and
 * nothing is leaked or freed twice. */
START_TEST(helper_alloc_fails_while_owner_stalled)
{
    ta_init(&ta);
    setup(0, &ta.iface, BIG_CAPACITY);
    fill_small();
    struct lfmap_table *t = current();
    struct rule *ro = stop_at(ROLE_A, LFMAP_HOOK_BEFORE_PUBLISH, 0);
    struct job jo = {.role = ROLE_A, .kind = OP_REMOVE_RANGE, .key = 0, .n = SHRINK_CHECK_PERIOD};
    spawn(&jo);
    reached(ro);
    ck_assert(lf_table_next_is_sentinel(atomic_load(&t->next)));
    atomic_store(&ta.fail_all, true);
    struct job jw = {.role = ROLE_B, .kind = OP_INSERT_N, .key = fresh_key(), .value = 3, .n = 50};
    for (uint64_t i = 1; i < jw.n; i++)
        ck_assert_uint_eq(fresh_key(), jw.key + i);
    spawn(&jw);
    bool done = finishes_within(&jw, 5);
    atomic_store(&ta.fail_all, false);
    ck_assert_msg(done, "a writer waited for a stalled resize owner after its own allocation failed");
    join(&jw);
    ck_assert_uint_ge(atomic_load(&ta.failed), 1);
    ck_assert_ptr_null(atomic_load(&t->next));
    release(ro);
    join(&jo);
    ck_assert_ptr_null(atomic_load(&t->next)); /* O's stale candidate freed */
    ck_assert_ptr_eq(current(), t);
    /* Usable: keys go in, and a resize works again. */
    uint64_t base = fresh_key();
    for (uint64_t k = base; k < base + 200; k++)
        m_insert(k, k);
    uint64_t before = resizes();
    for (uint64_t k = base; k < base + 2 * SHRINK_CHECK_PERIOD; k++)
        m_remove(k);
    check_contents();
    ck_assert_uint_eq(resizes(), before + 1);
    teardown();
    check_allocator();
}
END_TEST

/* The sentinel's owner O fails to allocate and is stopped before withdrawing
 * the sentinel; a writer waits on it, allocates a candidate, publishes it and
 * works in the successor.  O's withdrawal must then fail: the published
 * migration stays, and every key stays. */
START_TEST(owner_alloc_fails_helper_publishes)
{
    ta_init(&ta);
    setup(0, &ta.iface, BIG_CAPACITY);
    fill_small();
    struct lfmap_table *t = current();
    atomic_store(&ta.fail_at, atomic_load(&ta.calls) + 1); /* O's candidate */
    struct rule *ro = stop_at(ROLE_A, LFMAP_HOOK_BEFORE_UNPUBLISH, 0);
    struct job jo = {.role = ROLE_A, .kind = OP_REMOVE_RANGE, .key = 0, .n = SHRINK_CHECK_PERIOD};
    spawn(&jo);
    reached(ro);
    ck_assert_uint_eq(atomic_load(&ta.failed), 1);
    ck_assert(lf_table_next_is_sentinel(atomic_load(&t->next)));
    uint64_t base = fresh_key();
    m_insert(base, 1); /* waits, allocates, publishes */
    struct lfmap_table *nt = atomic_load(&t->next);
    ck_assert(nt && !lf_table_next_is_sentinel(nt));
    for (uint64_t i = 0; i < 20; i++) /* few: the successor does not fill up */
        m_put(fresh_key(), i);
    ck_assert_ptr_eq(current(), t); /* still migrating */
    release(ro);
    join(&jo);
    ck_assert_ptr_eq(current(), t);
    ck_assert_msg(atomic_load(&t->next) == nt, "a published successor was withdrawn");
    for (uint64_t i = 0; i < 300; i++)
        m_put(fresh_key(), i);
    check_contents();
    teardown();
    check_allocator();
}
END_TEST

/* ---- (j) promotion racing a finish_migration sweep --------------------- */

/* A sweeper A completes the moved count and is stopped before its promoting
 * CAS; another sweep (foreach in the main thread) sees every slot final and
 * promotes.  A's CAS fails: t is retired exactly once (one resize counted,
 * no double free). */
START_TEST(promotion_races_sweep)
{
    ta_init(&ta);
    setup(1, &ta.iface, 0);
    fill_to_shrink_edge();
    struct lfmap_table *t = start_shrink();
    struct lfmap_table *nt = atomic_load(&t->next);
    uint64_t before = resizes();
    struct rule *ra = stop_at(ROLE_A, LFMAP_HOOK_BEFORE_PROMOTE, 0);
    struct job ja = {.role = ROLE_A, .kind = OP_FINISH};
    spawn(&ja);
    reached(ra);
    ck_assert_uint_eq(atomic_load(&t->moved), t->nslots);
    ck_assert_ptr_eq(current(), t);
    lfmap_foreach(map, count_nothing, NULL);
    ck_assert_ptr_eq(current(), nt);
    ck_assert_uint_eq(resizes(), before + 1);
    release(ra);
    join(&ja);
    ck_assert_uint_eq(resizes(), before + 1);
    check_contents();
    teardown();
    check_allocator();
}
END_TEST
#endif

LF_EXACT_STOPS_MAIN("unit_interleavings_cas", "interleavings_cas", "lost_cas", 60,
                    empty_freeze_loses_to_claimer,
                    absent_freeze_loses_to_insert,
                    box_freeze_loses_to_writer,
                    copy_claim_loses_to_inserter,
                    copy_claim_loses_to_copier,
                    copy_value_loses_to_later_write,
                    box_moved_loses_to_other_finisher,
                    path_freeze_loses_to_claimer,
                    path_freeze_loses_then_late_insert,
                    stale_candidate_not_published_into_new_attempt,
                    helper_alloc_fails_while_owner_stalled,
                    owner_alloc_fails_helper_publishes,
                    promotion_races_sweep)
