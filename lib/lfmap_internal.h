/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * lfmap internals shared by the files in lib/.  Nothing here is API.  Start
 * here: the slot encoding, the slot state machine and the invariants every
 * file of lib/ relies on (argued in paper-notes.md, "Correctness argument";
 * code cites them by name: INV-n, pitfall n of PITFALLS.md).
 *
 * Slot encoding.  A slot is two 8-byte words.
 *   key word:   KEY_EMPTY (0) = empty; KEY_FROZEN (1) = an empty slot frozen
 *               by a migration (no key may claim it any more); otherwise
 *               the key: mix(key) (lib/hash.h) in a uint64_t map, the word
 *               of an immutable key object in a byte map (lib/key.h).  A key
 *               word, once claimed, never changes for the life of the table,
 *               so a key has at most one slot per table and a tombstone is
 *               only ever revived by its own key (pitfall 1).  The two
 *               uint64_t keys whose mix is 0 or 1 live in lfmap.side_value[]
 *               instead (pitfall 11).
 *   value word: the user's value v is stored as v + LFMAP_RESERVED_VALUES, so
 *               zero-filled memory reads as VALUE_UNSET and the reserved
 *               encodings are the small numbers below:
 *     VALUE_UNSET  slot never held a value (empty, or claimed but not yet set)
 *     VALUE_TOMB   key removed
 *     VALUE_MOVED  frozen: the slot's content (if any) is in table->next
 *     VALUE_BOX(t) frozen, being copied by thread t, whose box holds the value
 *                  (see paper-notes.md, "Freezing a live slot")
 *   Writers change a slot only by CAS on the value word, and freezing is a CAS
 *   on that same word, so a write either lands before the freeze (and is
 *   copied) or fails and is redone in the next table (pitfall 3).
 *
 * Slot state machine.  Every transition is a CAS.
 *   key word:   KEY_EMPTY --claim--> key          never changes again
 *               KEY_EMPTY --freeze--> KEY_FROZEN  never changes again
 *   value word: UNSET --set--> v --write--> v' ... --remove--> TOMB
 *               TOMB --revive (same key only)--> v
 *               UNSET, TOMB --freeze--> MOVED
 *               v --box--> BOX(t) --copied--> MOVED  (v stored in t's box first)
 *   MOVED and BOX(t) are frozen: a writer that meets one helps finish the
 *   slot and redoes its operation in table->next.  MOVED never changes again;
 *   thread t reuses its box only after the slot is MOVED.
 *
 * Invariants:
 *   INV-1  One slot per key per table: a key word is claimed once and never
 *          changes; two slots of a table never hold one key, and a probe
 *          path ends for good only at a frozen slot.
 *   INV-2  Where a key lives: in t until its slot in t is MOVED (in the box
 *          while it is BOX(t)), in the successor afterwards; no writer
 *          writes a key in the successor before its slot in t is MOVED or
 *          its probe path in t is frozen (lf_table_freeze_key_path).
 *   INV-3  No lost update: a write lands before the freeze (and is copied)
 *          or fails and is redone in the successor, where the copy is
 *          already in place (pitfall 3).
 *   INV-4  Reads linearize at the seq_cst load that answers them; a boxed
 *          value is the answer only if the slot still shows the same box
 *          after the box was read.
 *   INV-5  Ordering: the successor is published (seq_cst CAS) before any
 *          slot of t is frozen, so whoever sees a frozen word sees the
 *          successor (pitfalls 4, 9).
 *   INV-6  Values publish: a write's CAS is a release and every load that
 *          returns a value an acquire, carried through the box and the copy.
 *   INV-7  Memory safety: a table is retired once, by the winner of the
 *          promotion CAS, after it is unreachable from m->current; nothing
 *          waits for a grace period inside a read-side section (pitfalls 7, 8).
 *   Sizing bound: a successor receives at most the live count read plus one
 *   key per registered thread, so a copy always finds room (paper-notes.md,
 *   "Sizing the successor").
 */
#ifndef LFMAP_INTERNAL_H
#define LFMAP_INTERNAL_H

#include "lfmap.h"
#include "hash.h"
#include "key.h"
#include "lfrcu.h"

#include "lf_atomic.h"
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define LFMAP_CACHE_LINE 64

#define KEY_EMPTY 0ull
#define KEY_FROZEN 1ull
#define KEY_RESERVED 2u /* key words below this are states, not keys */

#define VALUE_UNSET 0ull
#define VALUE_TOMB 1ull
#define VALUE_MOVED 2ull
#define VALUE_BOX_BASE 3ull
#define VALUE_BOX(tid) (VALUE_BOX_BASE + (uint64_t)(tid))

static inline bool value_is_live(uint64_t w)
{
    return w >= LFMAP_RESERVED_VALUES;
}
static inline bool value_is_box(uint64_t w)
{
    return w >= VALUE_BOX_BASE && w < LFMAP_RESERVED_VALUES;
}
static inline bool value_is_frozen(uint64_t w)
{
    return w == VALUE_MOVED || value_is_box(w);
}
static inline uint64_t value_encode(uint64_t v)
{
    return v + LFMAP_RESERVED_VALUES;
}
static inline uint64_t value_decode(uint64_t w)
{
    return w - LFMAP_RESERVED_VALUES;
}

/* Sizing.  A table starts a migration when claimed slots (live + tombstones)
 * exceed 3/4 of it: linear probing's expected miss length is about 8.5 slots
 * there (two to three cache lines), and beyond it grows quadratically.  A new
 * table is the smallest power of two that the keys it receives fill at most
 * half (so a full table doubles: 3/4 of S is half of 2S), and a table shrinks
 * when live keys fall under 1/16: the gap between 1/2 and 3/4 after a grow,
 * and between 1/16 and 1/4..1/2 after a shrink, is the hysteresis that
 * prevents grow/shrink thrashing (pitfall 2). */
#ifndef LFMAP_MIN_SLOTS /* the model check (tests/model) uses tables of a few slots */
#define LFMAP_MIN_SLOTS 64u
#endif
#define GROW_NUM 3u   /* grow trigger: used > nslots * 3/4 */
#define GROW_DEN 4u
#define TARGET_NUM 1u /* after a migration: keys <= nslots / 2 */
#define TARGET_DEN 2u
#define SHRINK_DIV 16u /* shrink when live < nslots / 16 */
/* Claimed slots allowed when a larger table cannot be allocated; beyond this
 * an insert of a new key returns -ENOMEM. */
#define HARD_NUM 15u
#define HARD_DEN 16u
/* A thread whose id owns a live-count stripe (tid < LFMAP_OWNED_STRIPES)
 * reserves claimed slots in batches of nslots / (CLAIM_BATCH_DIV *
 * LFMAP_OWNED_STRIPES), at most CLAIM_BATCH_MAX, in tables where that is at
 * least 2 (4,096 slots and up; smaller tables count every claim in `used`
 * directly), and keeps the unused rest in
 * its stripe of the map (struct lfmap_counter_stripe), saving the shared
 * atomic add on most inserts of new keys.  The rest belongs to (map, thread
 * id), not to the thread: switching maps loses nothing, and a thread that
 * registers later with the same id inherits it.  So the reserved but unused
 * claims of a table are at most one batch per owned stripe, in all at most
 * nslots / CLAIM_BATCH_DIV (1/64: the 3/4 grow trigger may fire at 0.734),
 * whatever the number of threads, maps or registrations.  Threads with
 * shared stripes reserve one claim at a time. */
#define CLAIM_BATCH_DIV 64u
#define CLAIM_BATCH_MAX 32u
/* Spins a writer waits for the thread that put a sentinel in t->next to
 * publish the successor before allocating a candidate itself (~1-2 us: an
 * allocation of a fresh mapping takes a few; a preempted owner takes ms). */
#ifndef SENTINEL_PATIENCE /* the model check waits less */
#define SENTINEL_PATIENCE 1024u
#endif
/* Removes a thread performs between checks of the live count for shrinking;
 * a power of two so the test is a mask.  Summing the stripes costs about
 * LFMAP_COUNT_STRIPES loads, so this keeps the check under 1 load per remove. */
#ifndef SHRINK_CHECK_PERIOD /* the model check shrinks after a few removes */
#define SHRINK_CHECK_PERIOD 64u
#endif
/* Live-key counters, one cache line each.  Threads with id below
 * LFMAP_OWNED_STRIPES own one stripe and update it with a plain load and store
 * (no locked instruction on the insert/remove path); the rest share
 * LFMAP_SHARED_STRIPES stripes with atomic adds.  32 owned stripes cover the
 * thread counts of our experiments; the map header stays 2.5 KiB. */
#ifndef LFMAP_OWNED_STRIPES /* the model check, with 2 or 3 threads, uses fewer */
#define LFMAP_OWNED_STRIPES 32u
#define LFMAP_SHARED_STRIPES 8u
#endif
#define LFMAP_COUNT_STRIPES (LFMAP_OWNED_STRIPES + LFMAP_SHARED_STRIPES)

struct lfmap_slot {
    _Atomic uint64_t key;
    _Atomic uint64_t value;
};

struct lfmap_table {
    /* Read-mostly line. */
    size_t nslots;
    uint64_t mask;
    size_t grow_limit;
    size_t hard_limit;
    size_t claim_batch;     /* claims an owned-stripe thread reserves at once */
    size_t bytes;           /* whole allocation, for free and stats */
    struct lfmap_allocator allocator;
    struct lfmap *map;
    struct lfmap_table *from; /* the table migrating into this one */
    uint64_t serial;        /* unique per table in the process */
    bool byte_keys;         /* the map's: key words name key objects (lib/key.h) */
    /* A successor sized without the live count (the asymmetric fence
     * failed): the claims reserved for copies, of which the promotion gives
     * back those the copies did not take (copy_claims); 0 otherwise. */
    size_t copy_reserve;

    /* Claimed slots, counted when reserved: every insert reserves before it
     * claims, and a successor starts with a reservation for every key that
     * can be copied into it, so used never lags behind the real claims. */
    _Alignas(LFMAP_CACHE_LINE) _Atomic size_t used;

    /* Migration out of this table.  next is NULL, then a sentinel (an odd
     * value, see lf_table_next_is_sentinel) while the successor is sized and
     * allocated, then the successor for good; the sentinel may also fall
     * back to NULL when no successor can be allocated. */
    _Alignas(LFMAP_CACHE_LINE) _Atomic(struct lfmap_table *) next;
    _Atomic uint64_t resize_attempts; /* generation of the next sentinel */
    _Atomic size_t claim_cursor; /* chunks handed out (taken mod nchunks) */
    _Atomic size_t moved;        /* slots confirmed frozen as VALUE_MOVED */
    _Atomic size_t copy_claims;  /* slots copies claimed here, if copy_reserve */
    /* lfmap_foreach walks that hold this table outside a read-side section
     * (TABLE_PIN each), plus TABLE_DEAD once its grace period has ended:
     * whoever brings it to exactly TABLE_DEAD frees it (lib/table.c). */
    _Atomic uint64_t pins;
    struct lfrcu_head rcu;

    _Alignas(LFMAP_CACHE_LINE) struct lfmap_slot slots[];
};

struct lfmap_counter_stripe {
    _Alignas(LFMAP_CACHE_LINE) _Atomic int64_t live;
    /* Owned stripes only: claims reserved in the table with this serial by
     * the stripe's thread and not used yet.  Written by the owner alone
     * (relaxed); lfmap_get_stats reads them. */
    _Atomic uint64_t claim_serial;
    _Atomic size_t claims_left;
    /* Owned stripes only: the owner's removes from this map since its last
     * shrink check (maybe_shrink).  Plain: only the owner reads or writes
     * it, and ids are handed over with acquire/release (lib/thread.c). */
    unsigned removes_since_check;
};

struct lfmap {
    _Atomic(struct lfmap_table *) current;
    struct lfrcu_domain rcu; /* the map's reclamation scheme (constant) */
    /* An lfmap_bytes: keys are byte strings (lib/key.h); fixed at creation.
     * Here, so that the check every entry point makes (wrong_kind) reads
     * the line of current, rcu and the hasher's first words. */
    bool byte_keys;
    struct lfmap_hasher hasher;
    uint64_t side_key[KEY_RESERVED]; /* the keys whose mix is a reserved key word */
    size_t migration_chunk;
    struct lfmap_allocator allocator;
    _Atomic uint64_t resizes;
    /* Tables retired and not yet freed, plus MAP_OWNED until lfmap_free:
     * whoever brings it to zero frees the map header (lib/table.c), so a
     * free callback that runs after lfmap_free returned still finds m. */
    _Atomic uint64_t retired_pending;
    /* Value destructor (NULL: values are plain numbers) and, for it, the
     * backlog statistics: retired and not yet freed. */
    void (*value_free)(uint64_t value, void *ctx);
    void *value_free_ctx;
    bool protect_values; /* value_free under a hazard-pointer scheme */
    /* The live-count stripes use the asymmetric fence (lib/asym_fence.c):
     * fixed at lfmap_new, for the life of the map. */
    bool live_asym;
    /* The last sizing found the asymmetric fence failing (the kernel refused
     * membarrier after the map was created): successors are then never
     * smaller than their table, and shrink checks stand aside. */
    _Atomic uint64_t unfenced; /* 0 or 1; 64-bit for the model check's atomics */
    _Atomic uint64_t retired_bytes;
    _Atomic uint64_t retired_values;
    _Alignas(LFMAP_CACHE_LINE) _Atomic uint64_t side_value[KEY_RESERVED];
    struct lfmap_counter_stripe live[LFMAP_COUNT_STRIPES];
};

/* ---- thread.c: registration, thread ids and boxes ---- */
struct lf_value_rec;
/* A thread's lfmap state: its only thread-local variable on the hot path.
 * Every operation takes its address once (lf_thread) and passes the
 * pointer down, so that an operation makes one thread-local access in all
 * (a %fs-relative load in liblfmap.a; in liblfmap.so a TLS descriptor call,
 * or one __tls_get_addr where the compiler has no TLS descriptors: see the
 * Makefile, SHARED_TLS_DIALECT). */
struct lfmap_thread_state {
    /* Schemes this thread is registered with (struct lfrcu_domain.bit),
     * each on its first use of a map of that scheme; 0 when unregistered. */
    unsigned schemes;
    unsigned tid;
    /* liburcu-memb's reader counter of this thread (lfrcu_memb_reader_ctr),
     * looked up when the thread registers with urcu-memb, for the inline
     * read side of LFRCU_INLINE_MEMB maps. */
    unsigned long *memb_ctr;
    /* The era schemes' reader records of this thread (era_reader, at the
     * map's rcu.era_slot: lfrcu_era_slot_of), for the inline read side of LFRCU_INLINE_ERA maps. */
    struct lfrcu_era_rec *era_rec[LFRCU_ERA_READERS];
    bool registered;
    unsigned removes_since_check;
    /* Nesting of value_free calls on this thread (any map, any scheme):
     * lfmap_free does not wait inside one. */
    unsigned in_value_free;
    /* A retire record allocated ahead (before a write's CAS) and not used. */
    struct lf_value_rec *spare;
};
extern LF_TLS(struct lfmap_thread_state, lf_self);
#ifdef LFMAP_MODEL
#define lf_self LF_TLS_REF(lf_self)
#endif
static inline __attribute__((always_inline)) struct lfmap_thread_state *lf_thread(void)
{
    struct lfmap_thread_state *self = &lf_self;
#ifndef LFMAP_MODEL
    /* The compiler sees &lf_self as a constant it may compute again at
     * every use (three __tls_get_addr calls per lookup in liblfmap.so);
     * the empty asm makes the pointer an opaque value computed once. */
    __asm__("" : "+r"(self));
#endif
    return self;
}
/* Registers the thread with m's scheme: 0, -EPERM (not registered with
 * lfmap), or the scheme's error. */
int lf_attach_slow(struct lfmap *m, struct lfmap_thread_state *self);
static inline __attribute__((always_inline)) int lf_attach(struct lfmap *m, struct lfmap_thread_state *self)
{
    if (__builtin_expect((self->schemes & m->rcu.bit) != 0, 1))
        return 0;
    return lf_attach_slow(m, self);
}

/* ---- the map's read side and table loads (every scheme) ---- */
static inline __attribute__((always_inline)) void lf_read_lock(struct lfmap *m, struct lfmap_thread_state *self)
{
    lfrcu_domain_lock_at(&m->rcu, self->memb_ctr, self->era_rec);
}
static inline __attribute__((always_inline)) void lf_read_unlock(struct lfmap *m, struct lfmap_thread_state *self)
{
    lfrcu_domain_unlock_at(&m->rcu, self->memb_ctr, self->era_rec);
}
struct lfmap_table *lf_current_hp(struct lfmap *m, struct lfmap_table *t);
/* The current table, safe to use until the section ends.  Section schemes:
 * an acquire load.  Hazard-pointer schemes: protected, then validated. */
static inline __attribute__((always_inline)) struct lfmap_table *lf_current(struct lfmap *m)
{
    /* acquire: pairs with the promoting CAS (table contents visible). */
    struct lfmap_table *t = atomic_load_explicit(&m->current, memory_order_acquire);
    if (__builtin_expect(m->rcu.hazards, 0))
        t = lf_current_hp(m, t);
    return t;
}
/* Makes nt (t's successor, t protected) safe to use as well: always true for
 * section schemes; under hazard pointers it protects nt and validates it
 * against m->current, false meaning "start again from lf_current". */
bool lf_protect_next_hp(struct lfmap *m, struct lfmap_table *t, struct lfmap_table *nt);
static inline bool lf_protect_next(struct lfmap *m, struct lfmap_table *t, struct lfmap_table *nt)
{
    return !m->rcu.hazards || lf_protect_next_hp(m, t, nt);
}
/* Moves on to nt (protected by lf_protect_next): it becomes the table slot's
 * hazard, freeing the successor slot for the next step. */
static inline void lf_advance(struct lfmap *m, struct lfmap_table *nt)
{
    if (m->rcu.hazards)
        m->rcu.scheme->protect(LFRCU_HAZARD_TABLE, nt);
}

/* ---- lfmap.c: value retirement (maps with value_free) ---- */
/* What a hazard-pointer reader publishes for value v, and what v's retire
 * record names (lfrcu_head.protected): its encoded word, never NULL (an
 * empty hazard slot), so that the value 0 is protected like any other. */
static inline void *lf_value_hazard(uint64_t v)
{
    return (void *)(uintptr_t)value_encode(v);
}
struct lf_value_rec {
    struct lfrcu_head rcu;
    struct lfmap *map;
    uint64_t value;
};
/* Threads registered now, loaded seq_cst (for sizing a successor). */
size_t lf_registered_threads(void);
/* Thread t's box: the value of the live slot t is freezing. */
_Atomic uint64_t *lf_box(unsigned tid);

/* ---- table.c: allocation and sizing ---- */
#define MAP_OWNED (1ull << 63)
#define TABLE_PIN 1ull
#define TABLE_DEAD (1ull << 63)
size_t lf_table_slots_for_keys(size_t keys, unsigned num, unsigned den);
struct lfmap_table *lf_table_new(struct lfmap *m, size_t nslots);
void lf_table_free(struct lfmap_table *t);
void lf_table_retire(struct lfmap_table *t);
/* Keeps a table alive outside read-side sections: lf_table_pin is called
 * inside one (where t cannot have been freed), lf_table_unpin anywhere. */
void lf_table_pin(struct lfmap_table *t);
/* Drops one reference to m's header (a freed retired table, or lfmap_free);
 * the last one frees it. */
void lf_map_unref(struct lfmap *m, uint64_t ref);
void lf_table_unpin(struct lfmap_table *t);
void *lf_alloc(const struct lfmap_allocator *a, size_t size);
void lf_dealloc(const struct lfmap_allocator *a, void *p, size_t size);

static inline void lf_cpu_relax(void)
{
#if defined(LFMAP_MODEL)
    lf_model_relax(); /* a simulated spin: let the scheduler run the others */
#elif defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#elif defined(__aarch64__)
    __asm__ __volatile__("yield" ::: "memory");
#else
    atomic_signal_fence(memory_order_seq_cst);
#endif
}

/* ---- migrate.c ---- */
static inline bool lf_table_next_is_sentinel(const struct lfmap_table *next)
{
    return ((uintptr_t)next & 1u) != 0;
}
/* Slots of t's successor sized now, and the claims it must reserve for the
 * copies (*reserve): from the live count, or, when the heavy fence failed,
 * from t's hard limit (*unfenced set: the promotion gives back what the
 * copies did not take).  Called by a thread that put a sentinel in t->next
 * or read one with seq_cst. */
size_t lf_table_successor_slots(struct lfmap *m, const struct lfmap_table *t, size_t *reserve, bool *unfenced);
/* The same estimate without the fences, for the shrink heuristic only. */
size_t lf_table_successor_slots_estimate(struct lfmap *m);
int lf_table_start_migration(struct lfmap *m, struct lfmap_table *t);
void lf_table_help_publish(struct lfmap *m, struct lfmap_table *t, struct lfmap_table *sentinel);
/* nt is t's successor as the caller loaded it from t->next (acquire or
 * seq_cst) or published it; finish_migration also takes a sentinel (it then
 * helps publish and loads t->next again) or NULL (nothing to do). */
void lf_table_help_migration(struct lfmap *m, struct lfmap_table *t, struct lfmap_table *nt);
void lf_table_freeze_key_path(struct lfmap *m, struct lfmap_table *t, struct lfmap_table *nt, const struct lf_key *key);
void lf_table_finish_migration(struct lfmap *m, struct lfmap_table *t, struct lfmap_table *nt);
/* The same for a successor nt (not a sentinel) that the caller already
 * protects (lf_protect_next, or the table slot): it never protects nt
 * again, since a failed re-validation would drop the caller's protection
 * while the caller goes on using nt. */
void lf_table_finish_protected(struct lfmap *m, struct lfmap_table *t, struct lfmap_table *nt);

static inline int64_t lf_live_count(struct lfmap *m)
{
    int64_t sum = 0;
    for (unsigned i = 0; i < LFMAP_COUNT_STRIPES; i++)
        /* relaxed: a statistic; exactness is only promised when quiescent. */
        sum += atomic_load_explicit(&m->live[i].live, memory_order_relaxed);
    return sum < 0 ? 0 : sum;
}

/* ---- asym_fence.c: the live-count stripes' fence ---- */
/* Whether the process can use the asymmetric fence (sys_membarrier with
 * PRIVATE_EXPEDITED registered); decided once. */
bool lf_asym_fence_available(void);
/* The resizer's side: a full barrier in every running thread of the
 * process.  0, or -errno (then the bound cannot be trusted: give up). */
int lf_asym_fence_heavy(void);
/* The writer's side: a compiler barrier, which the heavy side turns into a
 * full fence wherever the thread is.  The model check, which has no
 * membarrier, runs the equivalent program: a seq_cst fence here and none
 * on the heavy side (the way the Linux kernel's memory model treats
 * sys_membarrier). */
static inline void lf_asym_fence_light(void)
{
#ifdef LFMAP_MODEL
    atomic_thread_fence(memory_order_seq_cst);
#else
    atomic_signal_fence(memory_order_seq_cst);
#endif
}

/* Adds delta to this thread's live-count stripe.  The successor-sizing bound
 * (paper-notes.md, "Sizing the successor") needs the store S ordered before
 * this thread's next operation's seq_cst load L of t->next, against the
 * resizer's side: it puts a sentinel in t->next with a seq_cst CAS C, then
 * makes both the heavy side of the asymmetric fence (a full barrier in
 * every thread) and a seq_cst fence F, then sums the stripes.  The heavy
 * fence puts a full barrier in this thread somewhere: after S, and then the
 * sum sees S; or before S, hence before L, and after C, and then L sees the
 * sentinel (or what replaced it) and the operation does not start on t.  So
 * at most one operation per thread, the one in flight, is missing from the
 * sum.  The writer itself pays only a compiler barrier (keeping S before L
 * in its program) and a plain store: no locked instruction.  Where the
 * asymmetric fence is not available (m->live_asym false), S is a seq_cst
 * store (a locked xchg on x86, stlr on ARMv8) and the same follows from the
 * single total order of seq_cst operations, with F.  With neither, the
 * pattern is store buffering: both sides may read stale values on ARMv8 or
 * POWER (or x86, whose store buffer delays S past L), and a thread could
 * add any number of uncounted keys. */
static inline void lf_live_add(struct lfmap *m, struct lfmap_thread_state *self, int64_t delta)
{
    unsigned tid = self->tid;
    if (tid < LFMAP_OWNED_STRIPES) {
        _Atomic int64_t *c = &m->live[tid].live;
        /* relaxed load: only this thread writes this stripe (ids are handed
         * over with acquire/release in lib/thread.c). */
        int64_t now = atomic_load_explicit(c, memory_order_relaxed) + delta;
        if (__builtin_expect(m->live_asym, 1)) {
            /* relaxed: the asymmetric fence orders it (above). */
            atomic_store_explicit(c, now, memory_order_relaxed);
            lf_asym_fence_light();
        } else {
            /* seq_cst: the symmetric bound (above). */
            atomic_store_explicit(c, now, memory_order_seq_cst);
        }
        return;
    }
    _Atomic int64_t *shared = &m->live[LFMAP_OWNED_STRIPES + tid % LFMAP_SHARED_STRIPES].live;
    if (__builtin_expect(m->live_asym, 1)) {
        /* relaxed: atomic for the other sharers; ordered as above. */
        atomic_fetch_add_explicit(shared, delta, memory_order_relaxed);
        lf_asym_fence_light();
    } else {
        /* seq_cst: as above. */
        atomic_fetch_add_explicit(shared, delta, memory_order_seq_cst);
    }
}

/* Assertions of the map's invariants: active in test and sanitizer builds
 * (-DLFMAP_ASSERTIONS, set by the Makefile for those trees), compiled out in
 * release builds, where a library must never abort its host program.  Each
 * use states why the condition cannot fail. */
/* Test builds fill freed retired memory with this byte (lib/table.c). */
#define LFMAP_POISON_BYTE 0xa5

#ifdef LFMAP_ASSERTIONS
void lf_assert_fail(const char *expr, const char *file, int line) __attribute__((noreturn));
#define lf_assert(cond) ((cond) ? (void)0 : lf_assert_fail(#cond, __FILE__, __LINE__))
#else
#define lf_assert(cond) ((void)0)
#endif

#endif /* LFMAP_INTERNAL_H */
