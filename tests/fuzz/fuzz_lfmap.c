/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * fuzz_lfmap: libFuzzer target for the whole single-threaded API.
 *
 * The input is decoded into a map configuration and a sequence of calls on
 * keys from a fixed set of NKEYS keys; every result (return code, out value,
 * foreach visits, size, stats) is checked against a reference map (two plain
 * arrays indexed by key number).  On a mismatch the decoded call is printed
 * and the target aborts.  tests/fuzz/README.md documents the byte format;
 * LFMAP_FUZZ_TRACE=1 prints every decoded call.  Built by fuzz.mk, with
 * libFuzzer (make fuzz) or with tests/fuzz/replay_main.c (tests/core/fuzz_replay.sh).
 */
#include "lfmap.h"
/* White-box: the library's seeded mix, so that one key of the set is the key
 * whose mix is 0 (stored outside the table, lib/lfmap_internal.h). */
#include "hash.h"

#include <errno.h>
#include <inttypes.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#ifdef LFMAP_FUZZ_FAST_RCU
/* lfmap_free waits for the map's retired tables, and liburcu's call_rcu
 * thread sleeps 10 ms (poll(NULL, 0, 10), batching) before it runs them:
 * every input that resized would cost 10 ms.  This definition interposes on
 * liburcu's call and makes just that sleep a yield; grace periods and the
 * order of callbacks are unchanged.  Fuzzing build only (fuzz.mk). */
#include <poll.h>
#include <sched.h>
#include <sys/syscall.h>
#include <unistd.h>

int poll(struct pollfd *fds, nfds_t nfds, int timeout)
{
    if (nfds == 0 && timeout == 10)
        return sched_yield();
    struct timespec ts = {timeout / 1000, (long)(timeout % 1000) * 1000000};
    return (int)syscall(SYS_ppoll, fds, nfds, timeout < 0 ? NULL : &ts, NULL, (size_t)8);
}
#endif

/* Key set; single calls use the first 256.  2048 lets a 2048-slot table
 * fill to its grow limit (where claims are reserved one at a time). */
#define NKEYS 2048u
#define NSPECIAL 6u   /* keys 0..5: 0, UINT64_MAX, the zero-mix key, ... */
#define KEY_MUL 0x9e3779b97f4a7c15ull /* odd, so key i = i * KEY_MUL inverts */
#define VMAX LFMAP_VALUE_MAX
#define OUT_SENTINEL 0x5a5a5a5a5a5a5a5aull
#define ALT_MAX 4u            /* values remembered per key during a foreach */
#define NESTED_BUDGET 1024u   /* writes from inside one foreach callback walk */
#define MAX_REQUEST ((size_t)1 << 22) /* larger = a sizing bug at our key counts */

enum {
    OP_GET, OP_INSERT, OP_PUT, OP_REMOVE, OP_CAS, OP_GOI, OP_FADD, OP_STATS,
    OP_FOREACH, OP_BULK, OP_FOREACH_MUT, OP_ALLOC_FAIL, OP_VERIFY, OP_EPERM,
    OP_BAD_NEW, OP_RENEW, OP_COUNT
};
static const char *const op_names[OP_COUNT] = {
    "get", "insert", "put", "remove", "cas", "get_or_insert", "fetch_add", "stats",
    "foreach", "bulk", "foreach_mutate", "alloc_fail", "verify", "eperm", "bad_new", "renew",
};

/* ---- tracking, failure-injecting allocator ----
 * Each block has a 64-byte header (size, magic) so that free can check it
 * gets the size alloc was given.  Counters are atomic: retired tables are
 * freed by liburcu's call_rcu thread. */
struct tracked {
    struct lfmap_allocator iface;
    _Atomic uint64_t calls, failures, live_blocks, live_bytes;
    _Atomic unsigned pattern; /* call n fails if bit (n % 8) is set */
    bool allow_huge;          /* refuse (not abort on) requests > MAX_REQUEST */
};
#define MAGIC_LIVE 0x11feb10cull
#define MAGIC_DEAD 0xdeadb10cull

static void *tr_alloc(size_t size, void *ctx)
{
    struct tracked *t = ctx;
    uint64_t n = atomic_fetch_add(&t->calls, 1);
    if ((atomic_load(&t->pattern) >> (n % 8)) & 1 || (size > MAX_REQUEST && t->allow_huge)) {
        atomic_fetch_add(&t->failures, 1);
        return NULL;
    }
    if (size == 0 || size > MAX_REQUEST) {
        fprintf(stderr, "fuzz_lfmap: allocator asked for %zu bytes\n", size);
        abort();
    }
    size_t rounded = (size + 63) & ~(size_t)63;
    uint64_t *base = aligned_alloc(64, 64 + rounded);
    if (!base)
        abort();
    memset(base, 0, 64 + rounded);
    base[0] = size;
    base[1] = MAGIC_LIVE;
    atomic_fetch_add(&t->live_blocks, 1);
    atomic_fetch_add(&t->live_bytes, size);
    return (char *)base + 64;
}

static void tr_free(void *ptr, size_t size, void *ctx)
{
    struct tracked *t = ctx;
    if (!ptr) {
        fprintf(stderr, "fuzz_lfmap: free(NULL, %zu) from the map\n", size);
        abort();
    }
    uint64_t *base = (uint64_t *)(void *)((char *)ptr - 64);
    if (base[1] != MAGIC_LIVE || base[0] != size) {
        fprintf(stderr, "fuzz_lfmap: bad free(%p, %zu): %s\n", ptr, size,
                base[1] != MAGIC_LIVE ? "not live" : "wrong size");
        abort();
    }
    base[1] = MAGIC_DEAD;
    atomic_fetch_sub(&t->live_blocks, 1);
    atomic_fetch_sub(&t->live_bytes, size);
    free(base);
}

static void tracked_init(struct tracked *t, unsigned pattern)
{
    memset(t, 0, sizeof *t);
    t->iface = (struct lfmap_allocator){tr_alloc, tr_free, t};
    atomic_store(&t->pattern, pattern);
}

/* ---- state of one input ---- */
struct ref {
    bool present[NKEYS];
    uint64_t val[NKEYS];
    size_t count;
};

/* What a foreach_mutate walk must accept: the keys' state at the start and
 * everything written during the call. */
struct mut_walk {
    bool active;
    struct ref start;
    bool removed[NKEYS], ever[NKEYS];
    uint8_t nalt[NKEYS]; /* > ALT_MAX: any value */
    uint64_t alt[NKEYS][ALT_MAX];
    uint8_t seen[NKEYS];
    uint8_t actions[16];
    unsigned nactions, visits, budget;
    bool cyclic;
    int stopped; /* callback's non-zero return */
};

static struct {
    const uint8_t *data;
    size_t size, pos;
    bool trace;
    uint64_t key_inv;
    /* the map */
    lfmap *m;
    struct ref ref;
    uint64_t keys[NKEYS];
    size_t capacity, chunk, peak;
    uint64_t seed, resizes;
    int zero_idx; /* the key whose mix is 0 */
    bool use_tracked;
    struct tracked tr, aux;
    int verifies_left; /* full verifications after -ENOMEM */
    unsigned enomem, nested_writes; /* for the trace's summary */
    /* the call being checked, for failure reports */
    int opn;
    const char *opname;
    unsigned idx;
    uint64_t a, b;
    bool nested;
    struct mut_walk mw;
} S;

static uint8_t u8(void)
{
    return S.pos < S.size ? S.data[S.pos++] : 0;
}

static uint64_t u64(void)
{
    uint64_t v = 0;
    for (int i = 0; i < 8; i++)
        v |= (uint64_t)u8() << (8 * i);
    return v;
}

static void describe_op(FILE *f)
{
    fprintf(f, "%sop #%d %s key[%u]=%#" PRIx64 " a=%#" PRIx64 " b=%#" PRIx64 "\n",
            S.nested ? "  (inside foreach) " : "", S.opn, S.opname, S.idx,
            S.idx < NKEYS ? S.keys[S.idx] : 0, S.a, S.b);
}

static void describe(FILE *f)
{
    fprintf(f, "map capacity %zu chunk %zu seed %#" PRIx64 " allocator %s pattern %#x\n",
            S.capacity, S.chunk, S.seed, S.use_tracked ? "tracked" : "built-in",
            atomic_load(&S.tr.pattern));
    describe_op(f);
}

#define FAIL(...)                                                   \
    do {                                                            \
        fprintf(stderr, "fuzz_lfmap: MISMATCH at %s:%d: ", __FILE__, __LINE__); \
        fprintf(stderr, __VA_ARGS__);                               \
        fputc('\n', stderr);                                        \
        describe(stderr);                                           \
        abort();                                                    \
    } while (0)

static void set_op(const char *name, unsigned idx, uint64_t a, uint64_t b)
{
    S.opname = name;
    S.idx = idx;
    S.a = a;
    S.b = b;
    if (S.trace)
        describe_op(stdout);
}

static int key_index(uint64_t key)
{
    for (unsigned i = 0; i < NSPECIAL; i++)
        if (S.keys[i] == key)
            return (int)i;
    uint64_t i = key * S.key_inv;
    return i >= NSPECIAL && i < NKEYS ? (int)i : -1;
}

static void keys_setup(void)
{
    struct lfmap_hasher h;
    lf_hasher_init(&h, S.seed);
    const uint64_t special[NSPECIAL] = {0, UINT64_MAX, lf_unmix(&h, 0), 1ull << 63,
                                        UINT64_MAX - 1, 1};
    for (unsigned i = 0; i < NKEYS; i++)
        S.keys[i] = i < NSPECIAL ? special[i] : i * KEY_MUL;
    /* The zero-mix key must not be another key of the set (astronomically
     * unlikely except for key 0); then it is replaced by 2. */
    for (unsigned i = 0; i < NKEYS; i++)
        if (i != 2 && S.keys[i] == S.keys[2])
            S.keys[2] = 2;
    for (unsigned i = 0; i < NKEYS; i++)
        if (key_index(S.keys[i]) != (int)i)
            FAIL("key set is not injective at %u", i);
    S.zero_idx = key_index(special[2]);
}

/* ---- checks ---- */
static void check_get(unsigned idx)
{
    uint64_t v = OUT_SENTINEL;
    bool found = lfmap_get(S.m, S.keys[idx], &v);
    if (found != S.ref.present[idx] || (found && v != S.ref.val[idx]))
        FAIL("get(key[%u]) = %d, %#" PRIx64 "; expected %d, %#" PRIx64, idx, found, v,
             S.ref.present[idx], S.ref.val[idx]);
}

static void check_stats(void)
{
    struct lfmap_stats st;
    lfmap_get_stats(S.m, &st);
    size_t size = lfmap_size(S.m);
    if (size != S.ref.count || st.size != S.ref.count)
        FAIL("size %zu, stats.size %zu; expected %zu", size, st.size, S.ref.count);
    size_t cap = st.capacity_slots;
    if (cap < 64 || (cap & (cap - 1)) || st.table_bytes < cap * 16 || st.table_bytes > cap * 16 + 4096)
        FAIL("stats: capacity_slots %zu, table_bytes %zu", cap, st.table_bytes);
    if (st.resizes < S.resizes)
        FAIL("stats: resizes went back from %" PRIu64 " to %" PRIu64, S.resizes, st.resizes);
    S.resizes = st.resizes;
    if (S.chunk == SIZE_MAX && st.resizing)
        FAIL("stats: a stop-the-world map is resizing between calls");
    /* Sizing rule (lib/lfmap_internal.h): a successor holds at most twice the
     * live keys (+ reserve); 8x is a loose bound that still catches runaway
     * growth. */
    if (cap > 128 && cap > 8 * (S.peak + 4))
        FAIL("stats: %zu slots for at most %zu keys", cap, S.peak);
    size_t zero = S.zero_idx >= 0 && S.ref.present[S.zero_idx];
    if (!st.resizing && (st.used_slots + zero < st.size || st.used_slots > cap / 16 * 15))
        FAIL("stats: used_slots %zu, size %zu, capacity %zu", st.used_slots, st.size, cap);
}

/* Every key by get, and the size: the map's state without helping a resize. */
static void verify_all(void)
{
    for (unsigned i = 0; i < NKEYS; i++)
        check_get(i);
    check_stats();
}

/* ---- single-key calls ---- */
static void note_write(unsigned idx, bool was_present)
{
    struct mut_walk *w = &S.mw;
    if (!w->active)
        return;
    if (S.ref.present[idx]) {
        w->ever[idx] = true;
        if (w->nalt[idx] < ALT_MAX)
            w->alt[idx][w->nalt[idx]] = S.ref.val[idx];
        if (w->nalt[idx] <= ALT_MAX)
            w->nalt[idx]++;
    } else if (was_present) {
        w->removed[idx] = true;
    }
}

static void check_nomem(unsigned idx, const struct lfmap_stats *before, uint64_t failures_before)
{
    if (!S.use_tracked || atomic_load(&S.tr.failures) == failures_before)
        FAIL("-ENOMEM without a failed allocation in the call");
    check_get(idx);
    check_stats();
    struct lfmap_stats after;
    lfmap_get_stats(S.m, &after);
    if (!before->resizing &&
        (before->used_slots != after.used_slots || before->capacity_slots != after.capacity_slots ||
         before->table_bytes != after.table_bytes || before->resizes != after.resizes ||
         after.resizing))
        FAIL("-ENOMEM changed the stats: used %zu -> %zu, capacity %zu -> %zu, resizes %" PRIu64
             " -> %" PRIu64, before->used_slots, after.used_slots, before->capacity_slots,
             after.capacity_slots, before->resizes, after.resizes);
    S.enomem++;
    if (S.verifies_left > 0) {
        S.verifies_left--;
        verify_all();
    }
}

static void single(int kind, unsigned idx, uint64_t a, uint64_t b, bool null_out)
{
    set_op(op_names[kind], idx, a, b);
    uint64_t key = S.keys[idx];
    bool pres = S.ref.present[idx];
    uint64_t cur = pres ? S.ref.val[idx] : 0;
    bool new_pres = pres, check_out = false, may_nomem = false;
    uint64_t new_val = cur, exp_out = 0, out = OUT_SENTINEL;
    uint64_t *outp = null_out ? NULL : &out;
    int exp = 0, rc = 0;
    struct lfmap_stats before;
    lfmap_get_stats(S.m, &before);
    uint64_t calls = atomic_load(&S.tr.calls), failures = atomic_load(&S.tr.failures);

    switch (kind) {
    case OP_GET: {
        bool found = lfmap_get(S.m, key, outp);
        if (found != pres || (found && outp && out != cur))
            FAIL("get = %d, %#" PRIx64 "; expected %d, %#" PRIx64, found, out, pres, cur);
        if (atomic_load(&S.tr.calls) != calls)
            FAIL("get called the allocator");
        return;
    }
    case OP_INSERT:
    case OP_GOI:
        exp = a > VMAX ? -EINVAL : pres ? 0 : 1;
        rc = kind == OP_INSERT ? lfmap_insert(S.m, key, a) : lfmap_get_or_insert(S.m, key, a, outp);
        check_out = kind == OP_GOI && exp >= 0;
        exp_out = pres ? cur : a;
        if (exp == 1) {
            new_pres = may_nomem = true;
            new_val = a;
        }
        break;
    case OP_PUT:
        exp = a > VMAX ? -EINVAL : pres ? 0 : 1;
        rc = lfmap_put(S.m, key, a, outp);
        check_out = exp == 0;
        exp_out = cur;
        may_nomem = exp == 1;
        if (exp >= 0) {
            new_pres = true;
            new_val = a;
        }
        break;
    case OP_REMOVE:
        exp = pres ? 1 : 0;
        rc = lfmap_remove(S.m, key, outp);
        check_out = exp == 1;
        exp_out = cur;
        new_pres = false;
        break;
    case OP_CAS:
        exp = a > VMAX || b > VMAX ? -EINVAL : pres && cur == a ? 1 : 0;
        rc = lfmap_cas(S.m, key, a, b);
        if (exp == 1)
            new_val = b;
        if (atomic_load(&S.tr.calls) != calls)
            FAIL("cas called the allocator");
        break;
    case OP_FADD: {
        uint64_t sum = cur + a; /* mod 2^64, as documented */
        exp = sum > VMAX ? -EOVERFLOW : pres ? 0 : 1;
        rc = lfmap_fetch_add(S.m, key, a, outp);
        check_out = exp >= 0;
        exp_out = cur;
        may_nomem = exp == 1;
        if (exp >= 0) {
            new_pres = true;
            new_val = sum;
        }
        break;
    }
    default:
        abort();
    }
    if (rc == -ENOMEM && may_nomem) {
        check_nomem(idx, &before, failures);
        return;
    }
    if (rc != exp)
        FAIL("returned %d, expected %d (key %s, value %#" PRIx64 ")", rc, exp,
             pres ? "present" : "absent", cur);
    if (check_out && outp && out != exp_out)
        FAIL("out value %#" PRIx64 ", expected %#" PRIx64, out, exp_out);
    if (exp < 0 && atomic_load(&S.tr.calls) != calls)
        FAIL("a call that failed with %d called the allocator", exp);
    if (new_pres != pres)
        S.ref.count += new_pres ? 1 : (size_t)-1;
    S.ref.present[idx] = new_pres;
    S.ref.val[idx] = new_val;
    if (S.ref.count > S.peak)
        S.peak = S.ref.count;
    if (new_pres != pres || new_val != cur)
        note_write(idx, pres);
    S.nested_writes += S.nested;
    check_get(idx);
    check_stats();
}

/* A value argument: small (collide with each other), near LFMAP_VALUE_MAX,
 * reserved, the key's current value (for cas), or 8 raw bytes. */
static uint64_t value_arg(unsigned idx)
{
    uint8_t b = u8();
    uint64_t low = b & 31;
    switch (b >> 5) {
    case 0:
    case 1:
        return b & 63;
    case 2:
        return low * 0x0101010101ull;
    case 3:
        return VMAX - low;
    case 4:
        return VMAX + 1 + low;
    case 5:
        return UINT64_MAX - low;
    case 6:
        return (S.ref.present[idx] ? S.ref.val[idx] : 0) + (low & 1);
    default:
        return u64();
    }
}

/* ---- bulk calls: many keys per input byte, so short inputs resize ---- */
static void bulk(unsigned sub, unsigned base, unsigned count, uint8_t salt)
{
    for (unsigned n = 0; n < count; n++) {
        if (S.mw.active) {
            if (S.mw.budget == 0)
                return;
            S.mw.budget--;
        }
        unsigned idx = (base + (sub == 7 ? 2 * n : n)) % NKEYS;
        uint64_t v = (uint64_t)idx * 0x10001u + salt;
        bool null_out = (n + salt) & 1;
        switch (sub) {
        case 0: single(OP_INSERT, idx, v, 0, null_out); break;
        case 1: single(OP_PUT, idx, v, 0, null_out); break;
        case 2: case 7: single(OP_REMOVE, idx, 0, 0, null_out); break;
        case 3: single(OP_FADD, idx, salt, 0, null_out); break;
        case 4: single(OP_GOI, idx, v, 0, null_out); break;
        case 5: /* remove every present key */
            if (n == 0)
                for (unsigned i = 0; i < NKEYS; i++)
                    if (S.ref.present[i])
                        single(OP_REMOVE, i, 0, 0, null_out);
            return;
        default: /* cas every present key in the range to value + salt */
            if (S.ref.present[idx])
                single(OP_CAS, idx, S.ref.val[idx], S.ref.val[idx] + salt, false);
            break;
        }
    }
}

/* ---- foreach ---- */
struct plain_walk {
    uint8_t seen[NKEYS];
    unsigned visits, stop_after;
    int stop_ret;
};

static int plain_fn(uint64_t key, uint64_t value, void *arg)
{
    struct plain_walk *w = arg;
    int idx = key_index(key);
    if (idx < 0)
        FAIL("foreach visited unknown key %#" PRIx64, key);
    if (!S.ref.present[idx] || S.ref.val[idx] != value || w->seen[idx]++)
        FAIL("foreach visited key[%d] with %#" PRIx64 " (visit %u); map has %d, %#" PRIx64, idx,
             value, w->seen[idx], S.ref.present[idx], S.ref.val[idx]);
    return ++w->visits == w->stop_after ? w->stop_ret : 0;
}

static void plain_foreach(unsigned stop_after, int stop_ret)
{
    struct plain_walk w = {.stop_after = stop_after, .stop_ret = stop_ret};
    uint64_t calls = atomic_load(&S.tr.calls);
    int rc = lfmap_foreach(S.m, plain_fn, &w);
    bool stopped = stop_after && stop_after <= S.ref.count;
    if (rc != (stopped ? stop_ret : 0))
        FAIL("foreach returned %d, expected %d", rc, stopped ? stop_ret : 0);
    if (w.visits != (stopped ? stop_after : S.ref.count))
        FAIL("foreach made %u visits, expected %zu", w.visits, stopped ? stop_after : S.ref.count);
    if (atomic_load(&S.tr.calls) != calls)
        FAIL("foreach called the allocator");
}

static int mut_fn(uint64_t key, uint64_t value, void *arg)
{
    struct mut_walk *w = arg;
    int idx = key_index(key);
    if (idx < 0)
        FAIL("foreach visited unknown key %#" PRIx64, key);
    bool held = w->start.present[idx] && w->start.val[idx] == value;
    for (unsigned i = 0; i < w->nalt[idx] && i < ALT_MAX; i++)
        held |= w->alt[idx][i] == value;
    if (w->seen[idx]++ || !(w->start.present[idx] || w->ever[idx]) ||
        !(held || w->nalt[idx] > ALT_MAX))
        FAIL("foreach (mutating) visited key[%d] with %#" PRIx64 " (visit %u), never held", idx,
             value, w->seen[idx]);
    unsigned i = w->visits++;
    uint8_t act = i < w->nactions ? w->actions[i] : w->cyclic && w->nactions ? w->actions[i % w->nactions] : 0;
    unsigned p = act >> 3, other = ((unsigned)idx + 1 + p) % NKEYS;
    S.nested = true;
    if (w->budget == 0)
        act = 0;
    else
        w->budget--;
    switch (act & 7) {
    case 1: single(OP_PUT, (unsigned)idx, p, 0, false); break;
    case 2: single(OP_REMOVE, (unsigned)idx, 0, 0, false); break;
    case 3: single(OP_INSERT, other, p, 0, false); break;
    case 4: single(OP_REMOVE, other, 0, 0, true); break;
    case 5: single(OP_FADD, (unsigned)idx, p, 0, false); break;
    case 6: /* grow the table under the walk, or walk it again inside */
        if (p < 16)
            bulk(0, (unsigned)idx * 7, (p + 1) * 8, (uint8_t)p);
        else
            plain_foreach(0, 0);
        break;
    case 7: /* stop the walk with a non-zero value */
        S.nested = false;
        w->stopped = p == 16 ? 99 : (int)p - 16;
        return w->stopped;
    default:
        check_get((unsigned)idx);
    }
    S.nested = false;
    return 0;
}

static void mutating_foreach(bool cyclic)
{
    struct mut_walk *w = &S.mw;
    memset(w->removed, 0, sizeof w->removed);
    memset(w->ever, 0, sizeof w->ever);
    memset(w->nalt, 0, sizeof w->nalt);
    memset(w->seen, 0, sizeof w->seen);
    w->start = S.ref;
    w->nactions = u8() % 16;
    for (unsigned i = 0; i < w->nactions; i++)
        w->actions[i] = u8();
    w->cyclic = cyclic;
    w->visits = 0;
    w->stopped = 0;
    w->budget = NESTED_BUDGET;
    w->active = true;
    int opn = S.opn;
    int rc = lfmap_foreach(S.m, mut_fn, w);
    w->active = false;
    S.opn = opn;
    set_op("foreach_mutate (end)", 0, (uint64_t)rc, w->visits);
    if (rc != w->stopped)
        FAIL("foreach returned %d, the callback stopped it with %d", rc, w->stopped);
    if (!w->stopped)
        for (unsigned i = 0; i < NKEYS; i++)
            if (w->start.present[i] && !w->removed[i] && w->seen[i] != 1)
                FAIL("foreach (mutating) visited key[%u], present throughout, %u times", i, w->seen[i]);
    check_stats();
}

/* ---- whole-map calls ---- */
static void eperm_check(void)
{
    lfmap_thread_unregister();
    uint64_t v = OUT_SENTINEL;
    errno = 0;
    if (lfmap_get(S.m, S.keys[S.idx], &v) || errno != EPERM)
        FAIL("get from an unregistered thread: errno %d", errno);
    int rc[6] = {lfmap_insert(S.m, S.keys[S.idx], 1), lfmap_put(S.m, S.keys[S.idx], 1, &v),
                 lfmap_remove(S.m, S.keys[S.idx], &v), lfmap_cas(S.m, S.keys[S.idx], 0, 1),
                 lfmap_get_or_insert(S.m, S.keys[S.idx], 1, &v),
                 lfmap_fetch_add(S.m, S.keys[S.idx], 1, &v)};
    for (int i = 0; i < 6; i++)
        if (rc[i] != -EPERM)
            FAIL("write #%d from an unregistered thread returned %d", i, rc[i]);
    if (lfmap_foreach(S.m, plain_fn, NULL) != -EPERM)
        FAIL("foreach from an unregistered thread");
    check_stats(); /* size and stats need no registration */
    if (lfmap_thread_register() != 0 || lfmap_thread_register() != 0)
        FAIL("re-registering failed");
    check_get(S.idx);
}

static void bad_new(uint8_t b)
{
    lfmap_free(NULL); /* a no-op */
    /* Defaults (a random seed): usable, but results must not depend on it. */
    lfmap *dm = lfmap_new(NULL);
    uint64_t v = 0;
    if (!dm || lfmap_insert(dm, b, b) != 1 || !lfmap_get(dm, b, &v) || v != b || lfmap_size(dm) != 1)
        FAIL("lfmap_new(NULL) map");
    lfmap_free(dm);

    struct lfmap_config cfg = {.capacity = LFMAP_CAPACITY_MAX + 1 + (b & 7), .seed = S.seed,
                               .allocator = &S.aux.iface};
    tracked_init(&S.aux, 0);
    errno = 0;
    if (lfmap_new(&cfg) || errno != EINVAL)
        FAIL("lfmap_new(capacity %zu): errno %d, expected EINVAL", cfg.capacity, errno);
    struct lfmap_allocator half = S.aux.iface;
    if (b & 8)
        half.free = NULL;
    else
        half.alloc = NULL;
    cfg.capacity = b & 63;
    cfg.allocator = &half;
    errno = 0;
    if (lfmap_new(&cfg) || errno != EINVAL)
        FAIL("lfmap_new(allocator without %s): errno %d", b & 8 ? "free" : "alloc", errno);
    /* The largest capacity is valid but its table cannot be had. */
    cfg.capacity = LFMAP_CAPACITY_MAX;
    cfg.allocator = &S.aux.iface;
    S.aux.allow_huge = true;
    errno = 0;
    if (lfmap_new(&cfg) || errno != ENOMEM)
        FAIL("lfmap_new(LFMAP_CAPACITY_MAX) with a failing allocator: errno %d", errno);
    if (atomic_load(&S.aux.calls) == 0 || atomic_load(&S.aux.live_bytes) != 0)
        FAIL("failed lfmap_new: %" PRIu64 " calls, %" PRIu64 " bytes left", atomic_load(&S.aux.calls),
             atomic_load(&S.aux.live_bytes));
}

/* Reads the 5-byte header and creates the map; false if lfmap_new failed
 * (as it must when the tracked allocator fails its first calls). */
static bool map_open(void)
{
    static const size_t chunks[5] = {0, 1, 2, 7, SIZE_MAX};
    uint8_t flags = u8();
    S.capacity = u8() % 65;
    S.seed = 1 + u8() + ((uint64_t)u8() << 8); /* never 0: that is a random seed */
    uint8_t pattern = u8();
    S.chunk = chunks[(flags & 7) % 5];
    S.use_tracked = flags & 8;
    tracked_init(&S.tr, S.use_tracked ? pattern : 0);
    keys_setup();
    memset(&S.ref, 0, sizeof S.ref);
    S.peak = S.capacity; /* the initial table is sized for it */
    S.resizes = 0;
    S.verifies_left = 4;
    S.enomem = S.nested_writes = 0;
    struct lfmap_config cfg = {.capacity = S.capacity, .seed = S.seed, .migration_chunk = S.chunk,
                               .allocator = S.use_tracked ? &S.tr.iface : NULL};
    set_op("lfmap_new", 0, S.capacity, S.chunk);
    if (S.trace)
        describe(stdout);
    errno = 0;
    S.m = lfmap_new(&cfg);
    if (S.m) {
        check_stats();
        return true;
    }
    if (!S.use_tracked || errno != ENOMEM || atomic_load(&S.tr.failures) == 0)
        FAIL("lfmap_new failed: errno %d", errno);
    if (atomic_load(&S.tr.live_bytes) != 0)
        FAIL("failed lfmap_new left %" PRIu64 " bytes allocated", atomic_load(&S.tr.live_bytes));
    return false;
}

/* Frees the map, possibly in the middle of a resize (verify_all never
 * helps one), and checks that every byte came back. */
static void map_close(void)
{
    set_op("lfmap_free", 0, 0, 0);
    verify_all();
    if (S.trace) {
        struct lfmap_stats st;
        lfmap_get_stats(S.m, &st);
        printf("closing: %zu keys (peak %zu), %zu slots, %" PRIu64 " resizes%s, %u -ENOMEM, %u writes"
               " inside foreach, allocator %" PRIu64 " calls %" PRIu64 " failed\n", st.size, S.peak,
               st.capacity_slots, st.resizes, st.resizing ? " (resizing)" : "", S.enomem,
               S.nested_writes, atomic_load(&S.tr.calls), atomic_load(&S.tr.failures));
    }
    lfmap_free(S.m);
    S.m = NULL;
    /* lfmap_free waits for the retired tables of a caller's allocator. */
    if (S.use_tracked && (atomic_load(&S.tr.live_bytes) || atomic_load(&S.tr.live_blocks)))
        FAIL("after lfmap_free: %" PRIu64 " blocks, %" PRIu64 " bytes still allocated",
             atomic_load(&S.tr.live_blocks), atomic_load(&S.tr.live_bytes));
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    S.trace = getenv("LFMAP_FUZZ_TRACE") != NULL;
    S.key_inv = lf_mul_inverse(KEY_MUL);
    if (lfmap_thread_register() != 0)
        abort();
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    S.data = data;
    S.size = size;
    S.pos = 0;
    S.opn = 0;
    S.nested = false;
    if (!map_open())
        return 0;
    while (S.pos < S.size) {
        uint8_t opc = u8();
        int kind = (opc & 15) % OP_COUNT;
        bool flag = opc & 0x80;
        S.opn++;
        switch (kind) {
        case OP_GET: case OP_REMOVE:
            single(kind, u8(), 0, 0, flag);
            break;
        case OP_INSERT: case OP_PUT: case OP_GOI: case OP_FADD: {
            unsigned idx = u8();
            uint64_t a = value_arg(idx);
            single(kind, idx, a, 0, flag);
            break;
        }
        case OP_CAS: {
            unsigned idx = u8();
            uint64_t a = value_arg(idx), b = value_arg(idx);
            single(kind, idx, a, b, false);
            break;
        }
        case OP_STATS:
            set_op("stats", 0, 0, 0);
            check_stats();
            break;
        case OP_FOREACH: { /* stop after n visits (0: never) with a non-zero value */
            unsigned n = u8();
            set_op("foreach", 0, n, 0);
            plain_foreach(n, opc & 0x40 ? -(int)n - 1 : (int)n + 1);
            break;
        }
        case OP_BULK: { /* opc bits 4-6: which call */
            unsigned count = u8() + 1u, base = u8() * 8u;
            set_op("bulk", base, (opc >> 4) & 7, count);
            bulk((opc >> 4) & 7, base, count, u8());
            break;
        }
        case OP_FOREACH_MUT:
            set_op("foreach_mutate", 0, 0, 0);
            mutating_foreach(flag);
            break;
        case OP_ALLOC_FAIL: {
            uint8_t pattern = u8();
            set_op("alloc_fail", 0, pattern, 0);
            if (S.use_tracked)
                atomic_store(&S.tr.pattern, pattern);
            break;
        }
        case OP_VERIFY:
            set_op("verify", 0, 0, 0);
            verify_all();
            break;
        case OP_EPERM:
            set_op("eperm", u8(), 0, 0);
            eperm_check();
            break;
        case OP_BAD_NEW: {
            uint8_t b = u8();
            set_op("bad_new", 0, b, 0);
            bad_new(b);
            break;
        }
        default: /* OP_RENEW: a new map from the next bytes */
            map_close();
            if (!map_open())
                return 0;
        }
    }
    map_close();
    return 0;
}
