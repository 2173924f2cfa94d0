/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Incremental, cooperative migration from a table to its successor.
 *
 * Protocol (argument in paper-notes.md, "Resize (lib/migrate.c)"; the
 * invariants it keeps, INV-2, INV-3, INV-5 and INV-7, are in
 * lib/lfmap_internal.h):
 *  1. The writer that finds the current table over its limit allocates the
 *     successor and publishes it in t->next with a CAS (seq_cst, so release):
 *     the successor is visible before any slot of t is frozen (INV-5,
 *     pitfall 4).
 *  2. Every writer that meets t->next migrates one chunk of slots
 *     (lf_table_help_migration) and then the slots on its own key's probe path
 *     (lf_table_freeze_key_path) before working in the successor (INV-2,
 *     pitfall 13).
 *     Readers never help.
 *  3. A slot is migrated by freezing it with a CAS: an empty slot's key word
 *     becomes KEY_FROZEN; a claimed absent slot's value becomes VALUE_MOVED; a live slot first becomes VALUE_BOX(tid)
 *     after the migrator put its value in its own box, then any thread copies
 *     the boxed value into the successor (only into a VALUE_UNSET slot, so the
 *     copy is idempotent) and CASes the box to VALUE_MOVED (INV-3, pitfall 6).
 *  4. Each successful freezing CAS (to KEY_FROZEN or VALUE_MOVED) is counted
 *     once in t->moved; the
 *     thread whose count completes the table, or a thread that swept every
 *     slot and saw it moved, CASes m->current from t to the successor.  Only
 *     the winner of that CAS retires t (INV-7, pitfalls 5 and 7).
 */
#include "lfmap_internal.h"
#include "perturb.h"

#include <errno.h>

/* Copies (key word h, stored) into nt unless h's key already holds a value
 * there.  The caller guarantees room: nt was sized, and its used count
 * reserved, for every key that can be copied (publish_successor).  In a
 * byte map the key may have a slot in nt under another object (a writer
 * that inserted it there after h's slot was frozen): the comparison is by
 * key, and the copy then finds that slot, as for equal words. */
static bool copy_into(struct lfmap_table *nt, uint64_t h, uint64_t stored)
{
    const struct lf_key key = lf_key_of_word(nt->byte_keys, h);
    size_t i = key.hash & nt->mask;
    for (size_t n = 0; n < nt->nslots; n++, i = (i + 1) & nt->mask) {
        struct lfmap_slot *s = &nt->slots[i];
        /* acquire: a byte map compares keys by reading the object a key word
         * names, which its claimer initialised before the CAS that wrote the
         * word; and a copy's claim seen here brings its count in
         * nt->copy_claims with it, which our MOVED CAS passes on to the
         * promotion that gives back the unused reservation (try_promote).
         * A key word is written once (a claim; KEY_FROZEN is never written
         * here, see below), and the two CASes below, which read the latest
         * value, decide: a stale KEY_EMPTY makes the claim fail and return
         * the winner's key. */
        uint64_t k = atomic_load_explicit(&s->key, memory_order_acquire);
        if (k == KEY_EMPTY) {
            LFMAP_HOOK(BEFORE_COPY_CLAIM);
            /* relaxed (both): counted before the claim, so that whoever sees
             * the claim sees the count (the CAS releases it); a lost claim
             * takes it back, and a count read in between is only high,
             * which gives back less. */
            if (nt->copy_reserve)
                atomic_fetch_add_explicit(&nt->copy_claims, 1, memory_order_relaxed);
            /* seq_cst: claims of one slot are totally ordered with the other
             * claims (first claimer wins; the loser reads the winner's key
             * and looks at this slot again). */
            if (atomic_compare_exchange_strong(&s->key, &k, h)) {
                k = h;
                if (nt->byte_keys)
                    lf_bkey_ref(h); /* nt now names the object too */
            } else if (nt->copy_reserve)
                atomic_fetch_sub_explicit(&nt->copy_claims, 1, memory_order_relaxed);
        }
        if (k != KEY_EMPTY && k != KEY_FROZEN && lf_key_matches(k, &key)) {
            uint64_t unset = VALUE_UNSET;
            LFMAP_HOOK(BEFORE_COPY_VALUE);
            /* seq_cst: the copy must precede (in the total order) the CAS
             * that turns the source box into VALUE_MOVED, which is what
             * sends writers here; failure means the key already has a value
             * here (an earlier copy, or a write that came after it). */
            atomic_compare_exchange_strong(&s->value, &unset, stored);
            return k == h; /* false: the key's slot in nt names another object */
        }
        /* k is another key, or KEY_FROZEN?  A successor is never frozen
         * while it receives copies (it starts a migration of its own only
         * once promoted, after every copy), so k is another key. */
        lf_assert(k != KEY_FROZEN);
    }
    /* Unreachable: nt has at least twice as many slots as keys can be
     * copied into it (publish_successor), and its own inserts stop at its
     * grow limit.  Reaching here would drop a key; test builds stop. */
    lf_assert(!"successor overflow");
    return true;
}

/* Byte maps: the object of key word k stays behind in t (nothing newer
 * names it), to be freed with the last table that names it: t, or an older
 * table a reader still holds (lf_bkey_drop). */
static void drop_key(struct lfmap_table *t, uint64_t k)
{
    if (t->byte_keys)
        lf_bkey_drop(t->map, k);
}

/* Finishes a boxed slot: copy the boxed value, then mark the slot moved.
 * Returns 1 if this call performed the VALUE_MOVED transition. */
static size_t box_finish(struct lfmap_table *t, struct lfmap_table *nt, struct lfmap_slot *s, uint64_t boxed)
{
    /* acquire: pairs with the box's release store.  If the box already
     * holds a later value (its owner reused it), the owner stored that
     * after this slot was copied and moved, so the acquire orders that copy
     * before ours: our CASes in nt then fail (the copy is a no-op), and so
     * does the MOVED CAS below.  Relaxed would let C11 put our copy of the
     * wrong value first in nt (a load-buffering cycle that Relacy cannot
     * produce: pinned by tests/model/check_pinned_orders.sh). */
    uint64_t stored = atomic_load_explicit(lf_box((unsigned)(boxed - VALUE_BOX_BASE)),
                                           memory_order_acquire);
    /* relaxed: the key word was claimed before the value became live, and
     * the acquire load that returned `boxed` ordered us after that. */
    uint64_t h = atomic_load_explicit(&s->key, memory_order_relaxed);
    LFMAP_HOOK(BOXED_BEFORE_COPY);
    bool named = copy_into(nt, h, stored);
    LFMAP_HOOK(COPIED_BEFORE_MOVED);
    uint64_t expected = boxed;
    /* seq_cst: linearizes the move; ordered after the copy above. */
    if (!atomic_compare_exchange_strong(&s->value, &expected, VALUE_MOVED))
        return 0;
    if (!named)
        drop_key(t, h);
    return 1;
}

/* Migrates slot i of t into nt.  Returns 1 if this call made it VALUE_MOVED. */
static size_t slot_migrate(struct lfmap_table *t, struct lfmap_table *nt, size_t i)
{
    struct lfmap_slot *s = &t->slots[i];
    /* seq_cst: a KEY_FROZEN seen here ends the slot's part (no CAS of
     * ours), and what follows relies on it in the total order: a writer's
     * freeze_key_path goes on to write its key in nt, and the sweep of
     * finish_migration goes on to promote nt.  With a weaker load C11 lets
     * that write come before the freeze in the total order while a reader
     * still finds the slot empty in t and misses the key (store
     * buffering).  As an acquire, the value word is read after this. */
    uint64_t k = atomic_load_explicit(&s->key, memory_order_seq_cst);
    if (k == KEY_FROZEN)
        return 0;
    /* seq_cst: freezing an empty slot races with claimers' key CASes; a
     * frozen key word can never be claimed, so a key's probe path in t can
     * no longer be extended past it.  Losing means the slot was claimed. */
    if (k == KEY_EMPTY) {
        LFMAP_HOOK(BEFORE_FREEZE_EMPTY);
        if (atomic_compare_exchange_strong(&s->key, &k, KEY_FROZEN))
            return 1;
    }
    if (k == KEY_FROZEN)
        return 0; /* another migrator froze it first (and counted it) */
    /* seq_cst: a VALUE_MOVED seen here ends the slot's part with no CAS of
     * ours, and a writer then writes its key in nt: seq_cst puts that after
     * the MOVED CAS in the total order (as for the key word above).  As an
     * acquire, a box value or a copied value is read after this load. */
    uint64_t v = atomic_load_explicit(&s->value, memory_order_seq_cst);
    for (;;) {
        if (v == VALUE_MOVED)
            return 0;
        if (value_is_box(v))
            return box_finish(t, nt, s, v);
        if (!value_is_live(v)) {
            LFMAP_HOOK(BEFORE_FREEZE_ABSENT);
            /* seq_cst: freezing an absent slot races with inserts' CASes;
             * losing reloads v (now live, or frozen by another migrator). */
            if (atomic_compare_exchange_strong(&s->value, &v, VALUE_MOVED)) {
                drop_key(t, k); /* a tombstone, or a claim never given a value */
                return 1;
            }
            continue;
        }
        unsigned tid = lf_self.tid;
        /* release: whoever sees VALUE_BOX(tid) in a slot reads this value. */
        atomic_store_explicit(lf_box(tid), v, memory_order_release);
        LFMAP_HOOK(BEFORE_FREEZE);
        /* seq_cst: the freeze; a writer's CAS on this word either precedes
         * it (and its value is the one boxed) or fails (pitfall 3). */
        if (atomic_compare_exchange_strong(&s->value, &v, VALUE_BOX(tid)))
            return box_finish(t, nt, s, VALUE_BOX(tid));
    }
}

/* Every function below that takes nt, t's successor, takes it as a thread
 * loaded it from t->next with acquire or seq_cst (its caller, or write_run
 * for reserve_claim's call) or published it, so the caller already
 * synchronised with the publication.  Once a successor is in
 * t->next it stays there, so loading t->next again would return nt. */
static void try_promote(struct lfmap *m, struct lfmap_table *t, struct lfmap_table *nt)
{
    struct lfmap_table *expected = t;
    LFMAP_HOOK(BEFORE_PROMOTE);
    /* seq_cst: exactly one thread wins and retires t (pitfall 7); readers
     * that load current with acquire then see every copy, which preceded
     * the moves that preceded this CAS. */
    if (atomic_compare_exchange_strong(&m->current, &expected, nt)) {
        atomic_fetch_add_explicit(&m->resizes, 1, memory_order_relaxed); /* relaxed: a statistic */
        if (nt->copy_reserve) {
            /* relaxed: every copy's claim, and its count before it, precedes
             * the MOVED or frozen state of its slot in t, which we have seen
             * with acquire (our sweep) or through t->moved's seq_cst
             * read-modify-writes (account).  Copies claimed at most t's
             * claimed slots, which never exceed the reserve (t's hard
             * limit); a count still high (a lost claim not yet taken back)
             * only gives back less. */
            size_t claims = atomic_load_explicit(&nt->copy_claims, memory_order_relaxed);
            size_t unused = claims < nt->copy_reserve ? nt->copy_reserve - claims : 0;
            atomic_fetch_sub_explicit(&nt->used, unused, memory_order_relaxed); /* relaxed: a counter */
        }
        LFMAP_HOOK(BEFORE_RETIRE);
        lf_table_retire(t);
    }
}

static void account(struct lfmap *m, struct lfmap_table *t, struct lfmap_table *nt, size_t moved)
{
    if (moved) {
        /* seq_cst: the count that completes the table must observe every
         * earlier move (each counted after its CAS), so the promotion below
         * comes after all copies. */
        size_t before = atomic_fetch_add(&t->moved, moved);
        if (before + moved == t->nslots)
            try_promote(m, t, nt);
    }
}

/* Keys live now, plus one operation in flight per thread that may add a key
 * after it was counted, plus one spare (paper-notes.md, "Sizing the
 * successor").  Sized from live keys, not claimed slots, so that tombstones
 * are dropped and a sparse table shrinks (pitfall 2). */
static size_t successor_slots_for(size_t live, size_t threads, size_t *reserve)
{
    *reserve = live + threads + 1;
    return lf_table_slots_for_keys(*reserve, TARGET_NUM, TARGET_DEN);
}

/* Without the live count, when the kernel refuses the asymmetric fence
 * after the map was created (a seccomp policy installed later): every key
 * copied into the successor comes from a claimed slot of t, and t never
 * holds more claimed slots than its hard limit (reserve_claim), so that
 * many reserved claims always suffice, with no fence; the promotion gives
 * back the ones the copies did not take (try_promote).  The successor is
 * as large as t, so that they fit whatever the live count, or larger where
 * the unfenced estimate asks for it: it never shrinks, and a map under
 * churn keeps its size (tests/core/unit_asym_fence.c). */
static size_t successor_slots_unfenced(struct lfmap *m, const struct lfmap_table *t, size_t *reserve)
{
    *reserve = t->hard_limit;
    size_t want = lf_table_successor_slots_estimate(m);
    return want > t->nslots ? want : t->nslots;
}

size_t lf_table_successor_slots(struct lfmap *m, const struct lfmap_table *t, size_t *reserve, bool *unfenced)
{
    /* seq_cst load, before the fences.  A thread this count no longer
     * includes unregistered before the load, hence before the fences, so
     * every live-count store it made precedes them and the stripe sum
     * below sees it.  A thread whose registration the count misses
     * registered after the load, hence after the sentinel, and its first
     * load of t->next sees the sentinel.  Every other thread is counted and
     * may have one operation in flight (lf_live_add has the argument).
     * Reading the count after the stripes instead loses keys: writers could
     * finish and unregister in between (tests/core/unit_sizing.c). */
    size_t threads = lf_registered_threads();
    LFMAP_HOOK(SIZING_THREADS_READ);
    /* The writers' half of the live-count fence (lf_live_add), then the
     * resizer's: a seq_cst fence, which orders the stripe loads below after
     * the sentinel in the single total order. */
    *unfenced = m->live_asym && lf_asym_fence_heavy() != 0;
    if (*unfenced)
        return successor_slots_unfenced(m, t, reserve);
    atomic_thread_fence(memory_order_seq_cst);
    return successor_slots_for((size_t)lf_live_count(m), threads, reserve);
}

size_t lf_table_successor_slots_estimate(struct lfmap *m)
{
    size_t reserve;
    return successor_slots_for((size_t)lf_live_count(m), lf_registered_threads(), &reserve);
}

/* Sizes, allocates and publishes t's successor while `sentinel` is in
 * t->next.  Returns 1 if this call published it, 0 if another thread's
 * candidate or a failure won the race, -ENOMEM if this allocation failed. */
static int publish_successor(struct lfmap *m, struct lfmap_table *t, struct lfmap_table *sentinel)
{
    /* The successor must hold every key that can be copied into it.  The
     * sentinel is in t->next (we put it there, or read it with a seq_cst
     * load), so the fence in lf_table_successor_slots follows it in the
     * seq_cst order, and the live count it reads misses at most the one
     * operation each thread has in flight (lf_live_add). */
    size_t reserve;
    bool unfenced;
    size_t nslots = lf_table_successor_slots(m, t, &reserve, &unfenced);
    /* relaxed: a hint for the shrink check (lib/lfmap.c). */
    atomic_store_explicit(&m->unfenced, (uint64_t)unfenced, memory_order_relaxed);
    struct lfmap_table *nt = nslots ? lf_table_new(m, nslots) : NULL;
    struct lfmap_table *expected = sentinel;
    if (!nt) {
        LFMAP_HOOK(BEFORE_UNPUBLISH);
        /* seq_cst: give up this resize; writers go back to t (up to its hard
         * limit).  A stale candidate's CAS on this sentinel then fails, and
         * a later attempt uses a new sentinel, so there is no ABA. */
        atomic_compare_exchange_strong(&t->next, &expected, NULL);
        return -ENOMEM;
    }
    nt->from = t;
    /* relaxed: published with nt by the CAS below.  Copies claim slots
     * without counting them: they were all reserved here (a count taken
     * after the fact lagged, and inserts could fill the table meanwhile). */
    atomic_store_explicit(&nt->used, reserve, memory_order_relaxed);
    nt->copy_reserve = unfenced ? reserve : 0; /* published with nt, as above */
    LFMAP_HOOK(BEFORE_PUBLISH);
    /* seq_cst (release): publishes nt's initialised fields before any
     * thread can freeze a slot of t (pitfall 4). */
    if (!atomic_compare_exchange_strong(&t->next, &expected, nt)) {
        lf_table_free(nt); /* never published: nobody else can hold it */
        return 0;
    }
    LFMAP_HOOK(AFTER_PUBLISH);
    if (m->migration_chunk >= t->nslots)
        lf_table_finish_migration(m, t, nt); /* stop-the-world variant */
    return 1;
}

int lf_table_start_migration(struct lfmap *m, struct lfmap_table *t)
{
    /* acquire: only the current table starts a migration (a successor fills
     * up only after it is promoted), and only once. */
    if (atomic_load_explicit(&m->current, memory_order_acquire) != t ||
        atomic_load_explicit(&t->next, memory_order_acquire) != NULL)
        return 0;
    /* relaxed: only uniqueness of the generation matters. */
    uint64_t gen = atomic_fetch_add_explicit(&t->resize_attempts, 1, memory_order_relaxed) + 1;
    struct lfmap_table *sentinel = (struct lfmap_table *)(uintptr_t)(gen << 1 | 1u);
    struct lfmap_table *expected = NULL;
    LFMAP_HOOK(BEFORE_SENTINEL);
    /* seq_cst: from here on writers stop starting operations on t (they
     * help publish instead), which makes the live count a bound. */
    if (!atomic_compare_exchange_strong(&t->next, &expected, sentinel))
        return 0; /* someone else is resizing; the caller's loop helps */
    int rc = publish_successor(m, t, sentinel);
    return rc < 0 ? rc : 0;
}

void lf_table_help_publish(struct lfmap *m, struct lfmap_table *t, struct lfmap_table *sentinel)
{
    /* Lock-free: if the sentinel's owner is slow (preempted, or in a slow
     * allocator), allocate a candidate ourselves; losers free theirs. */
    for (unsigned i = 0; i < SENTINEL_PATIENCE; i++) {
        /* seq_cst: acquire pairs with the publishing CAS; seq_cst keeps the
         * sentinel before our sizing fence should we size a candidate. */
        if (atomic_load_explicit(&t->next, memory_order_seq_cst) != sentinel)
            return;
        lf_cpu_relax();
    }
    publish_successor(m, t, sentinel);
}

void lf_table_help_migration(struct lfmap *m, struct lfmap_table *t, struct lfmap_table *nt)
{
    lf_assert(nt && !lf_table_next_is_sentinel(nt));
    size_t chunk = m->migration_chunk;
    if (chunk >= t->nslots) {
        /* The caller holds nt (lf_protect_next): protecting it again could
         * only lose it (a failed validation drops the slot, and he moves
         * the slot to a newer era that may not cover nt), while the caller
         * goes on to use nt. */
        lf_table_finish_protected(m, t, nt);
        return;
    }
    /* relaxed: a table already emptied needs no help; a stale answer only
     * costs one idempotent pass over a chunk. */
    if (atomic_load_explicit(&t->moved, memory_order_relaxed) == t->nslots)
        return;
    size_t nchunks = (t->nslots + chunk - 1) / chunk;
    /* relaxed: the cursor only spreads work; correctness comes from the slot
     * CASes.  Taken modulo nchunks, it keeps revisiting chunks after all were
     * handed out, the fallback sweep past a stalled helper (pitfall 5). */
    size_t c = atomic_fetch_add_explicit(&t->claim_cursor, 1, memory_order_relaxed) % nchunks;
    size_t end = c * chunk + chunk < t->nslots ? c * chunk + chunk : t->nslots;
    size_t moved = 0;
    for (size_t i = c * chunk; i < end; i++)
        moved += slot_migrate(t, nt, i);
    account(m, t, nt, moved);
}

void lf_table_freeze_key_path(struct lfmap *m, struct lfmap_table *t, struct lfmap_table *nt, const struct lf_key *key)
{
    lf_assert(nt && !lf_table_next_is_sentinel(nt));
    size_t moved = 0;
    size_t i = key->hash & t->mask;
    for (size_t n = 0; n < t->nslots;) {
        struct lfmap_slot *s = &t->slots[i];
        /* seq_cst: a KEY_FROZEN seen here ends h's path in t with no CAS of
         * ours, and the caller then writes h in nt: the freeze must precede
         * that write in the total order (as in slot_migrate). */
        uint64_t k = atomic_load_explicit(&s->key, memory_order_seq_cst);
        if (k == KEY_FROZEN)
            break; /* the key's path already ends at a frozen slot */
        if (k != KEY_EMPTY && lf_key_matches(k, key)) {
            moved += slot_migrate(t, nt, i);
            break;
        }
        if (k == KEY_EMPTY) {
            /* The first empty slot ends h's probe path: freezing its key word
             * stops any late insert of h into t (an insert that meets a
             * frozen slot goes to nt), so h now lives only in nt. */
            LFMAP_HOOK(BEFORE_PATH_FREEZE);
            /* seq_cst: races with claimers' key CASes on this slot. */
            if (atomic_compare_exchange_strong(&s->key, &k, KEY_FROZEN)) {
                moved++;
                break;
            }
            continue; /* claimed meanwhile: re-examine, same slot */
        }
        i = (i + 1) & t->mask;
        n++;
    }
    account(m, t, nt, moved);
}

void lf_table_finish_migration(struct lfmap *m, struct lfmap_table *t, struct lfmap_table *nt)
{
    if (nt && lf_table_next_is_sentinel(nt)) {
        lf_table_help_publish(m, t, nt);
        /* acquire: pairs with the publishing CAS, which may be another
         * thread's (the sentinel told us nothing about the successor). */
        nt = atomic_load_explicit(&t->next, memory_order_acquire);
    }
    if (!nt || lf_table_next_is_sentinel(nt) || !lf_protect_next(m, t, nt))
        return; /* hazard pointers: t and nt were both replaced meanwhile */
    lf_table_finish_protected(m, t, nt);
}

void lf_table_finish_protected(struct lfmap *m, struct lfmap_table *t, struct lfmap_table *nt)
{
    /* acquire: pairs with the promoting CAS. */
    if (atomic_load_explicit(&m->current, memory_order_acquire) != t)
        return;
    /* Batches keep the moved count current, so the counting path can still
     * promote while we sweep. */
    const size_t batch = LFMAP_DEFAULT_MIGRATION_CHUNK;
    for (size_t start = 0; start < t->nslots; start += batch) {
        size_t moved = 0;
        for (size_t i = start; i < start + batch && i < t->nslots; i++)
            moved += slot_migrate(t, nt, i);
        account(m, t, nt, moved);
    }
    /* Every slot was seen final (VALUE_MOVED or KEY_FROZEN), so promotion is
     * safe even if another mover has not yet counted its slots. */
    try_promote(m, t, nt);
}
