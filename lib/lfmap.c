/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * lfmap operations.  Linearization points (all in the single total order of
 * seq_cst operations, so that no two threads can each miss the other's
 * earlier write: INV-4, argued in paper-notes.md, "Correctness argument"):
 *   get        the seq_cst load that decides it: the value word it reports
 *              (live: present; unset/tombstone: absent), or the key word of
 *              the empty slot that ends the probe (absent); for a boxed slot,
 *              the seq_cst load that read the box word (the box then held
 *              the key's value; the re-load only rules out a reused box).
 *   writes     the successful CAS on the value word; an outcome that changes
 *              nothing (insert of a present key, remove/cas of an absent key,
 *              cas with a different value, fetch_add overflow) at the seq_cst
 *              load, or failed CAS, that showed it.
 *   The two keys whose mix is a reserved key word live in m->side_value[]
 *   with the same rules.
 */
#include "lfmap_internal.h"
#include "perturb.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

/* ------------------------------------------------------------------ */
/* Creation and teardown                                                */

static uint64_t random_seed(void)
{
    uint64_t seed = 0;
    if (getrandom(&seed, sizeof seed, GRND_NONBLOCK) != (ssize_t)sizeof seed) {
        /* No entropy yet (early boot): the clock still varies per map. */
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        seed = (uint64_t)ts.tv_nsec * 0x9e3779b97f4a7c15ull ^ (uint64_t)ts.tv_sec;
    }
    return seed ? seed : 1;
}

/* The struct sizes of version 0.1.0, the first: what a program compiled
 * against it passes (it calls the lfmap_new and lfmap_get_stats symbols
 * directly, as FFI bindings do).  Newer headers append fields and pass
 * their own size (the macros of lib/lfmap.h). */
#define CONFIG_SIZE_0_1 (offsetof(struct lfmap_config, value_free_ctx) + sizeof(void *))
#define STATS_SIZE_0_1 (offsetof(struct lfmap_stats, retired_values_pending) + sizeof(uint64_t))

/* The caller's config of `size` bytes as this library's struct: fields it
 * does not have are zero (their defaults), and fields of a newer header
 * this library does not know must be zero too (else -EINVAL: the program
 * asks for something this library cannot do). */
static int config_copy(struct lfmap_config *out, const struct lfmap_config *cfg, size_t size)
{
    memset(out, 0, sizeof *out);
    if (!cfg)
        return 0;
    if (size < CONFIG_SIZE_0_1)
        return -EINVAL;
    const unsigned char *bytes = (const unsigned char *)cfg;
    for (size_t i = sizeof *out; i < size; i++) /* a newer header's fields */
        if (bytes[i])
            return -EINVAL;
    memcpy(out, cfg, size < sizeof *out ? size : sizeof *out);
    return 0;
}

static struct lfmap *map_new(const struct lfmap_config *given, size_t given_size, bool byte_keys)
{
    struct lfmap_config copy;
    if (config_copy(&copy, given, given_size) != 0) {
        errno = EINVAL;
        return NULL;
    }
    const struct lfmap_config *cfg = &copy;
    struct lfmap_allocator allocator = {0};
    if (cfg->allocator) {
        allocator = *cfg->allocator;
        if (!allocator.alloc != !allocator.free) {
            errno = EINVAL;
            return NULL;
        }
    }
    struct lfrcu_domain rcu;
    int rc = cfg->reclamation ? lfrcu_domain_init(&rcu, cfg->reclamation)
                              : lfrcu_domain_init_unnamed(&rcu);
    if (rc != 0) {
        /* an unknown scheme (named here or by LFMAP_RCU), or an era scheme past LFRCU_ERA_READERS */
        errno = EINVAL;
        return NULL;
    }
    if (cfg->capacity > LFMAP_CAPACITY_MAX) {
        errno = EINVAL;
        return NULL;
    }
    /* capacity keys must fit below the grow trigger. */
    size_t nslots = lf_table_slots_for_keys(cfg->capacity + 1, GROW_NUM, GROW_DEN);
    if (nslots == 0) {
        errno = ENOMEM;
        return NULL;
    }
    struct lfmap *m = lf_alloc(&allocator, sizeof *m);
    if (!m) {
        errno = ENOMEM;
        return NULL;
    }
    m->allocator = allocator;
    m->rcu = rcu;
    m->value_free = cfg->value_free;
    m->value_free_ctx = cfg->value_free_ctx;
    m->protect_values = cfg->value_free && rcu.hazards;
    m->byte_keys = byte_keys;
    /* A get on such a map protects its value (get_slow): no inline path. */
    if (m->protect_values && m->rcu.kind == LFRCU_INLINE_ERA)
        m->rcu.kind = LFRCU_CALLS;
    m->live_asym = lf_asym_fence_available();
    /* relaxed: m is not shared yet. */
    atomic_store_explicit(&m->retired_pending, MAP_OWNED, memory_order_relaxed);
    lf_hasher_init(&m->hasher, cfg->seed ? cfg->seed : random_seed());
    for (unsigned r = 0; r < KEY_RESERVED; r++)
        m->side_key[r] = lf_unmix(&m->hasher, r);
    m->migration_chunk = cfg->migration_chunk ? cfg->migration_chunk : LFMAP_DEFAULT_MIGRATION_CHUNK;
    struct lfmap_table *t = lf_table_new(m, nslots);
    if (!t) {
        lf_dealloc(&allocator, m, sizeof *m);
        errno = ENOMEM;
        return NULL;
    }
    /* relaxed: the map is not shared yet; the caller publishes m. */
    atomic_store_explicit(&m->current, t, memory_order_relaxed);
    return m;
}

lfmap *(lfmap_new)(const struct lfmap_config *cfg)
{
    return map_new(cfg, CONFIG_SIZE_0_1, false);
}

lfmap *lfmap_new_sized(const struct lfmap_config *cfg, size_t size)
{
    return map_new(cfg, size, false);
}

static void value_free_callback(struct lfrcu_head *head)
{
    struct lf_value_rec *r = (struct lf_value_rec *)(void *)((char *)head - offsetof(struct lf_value_rec, rcu));
    struct lfmap *m = r->map;
    /* Marked, so that an lfmap_free inside value_free does not wait: this
     * may be a scheme's reclamation thread, or a writer in the middle of a
     * scan, whatever the scheme of the map being freed (a wait there could
     * hold up, or wait for, this very callback). */
    struct lfmap_thread_state *self = lf_thread();
    self->in_value_free++;
    m->value_free(r->value, m->value_free_ctx);
    self->in_value_free--;
    /* relaxed (both): statistics. */
    atomic_fetch_sub_explicit(&m->retired_values, 1, memory_order_relaxed);
    atomic_fetch_sub_explicit(&m->retired_bytes, sizeof *r, memory_order_relaxed);
#ifdef LFMAP_ASSERTIONS
    memset(r, LFMAP_POISON_BYTE, sizeof *r); /* as retired tables, lib/table.c */
#endif
    free(r);
    lf_map_unref(m, 1);
}

/* Retires value v through m's scheme with record r (allocated before the
 * CAS that removed v from the map, so that this cannot fail).  Called by
 * the thread whose CAS linearized the replacement or removal. */
static void value_retire(struct lfmap *m, struct lf_value_rec *r, uint64_t v)
{
    r->map = m;
    r->value = v;
    r->rcu.protected = lf_value_hazard(v); /* what lfmap_get's value hazard names */
    r->rcu.object = r;
    /* Era schemes: a value has no birth era (it may have been readable for
     * long before this record was made): protected by identity. */
    if (m->rcu.scheme->birth)
        m->rcu.scheme->birth(&r->rcu, false);
    /* relaxed (all three): the reference keeps m alive until the callback,
     * which the scheme orders after this; the others are statistics. */
    atomic_fetch_add_explicit(&m->retired_pending, 1, memory_order_relaxed);
    atomic_fetch_add_explicit(&m->retired_values, 1, memory_order_relaxed);
    atomic_fetch_add_explicit(&m->retired_bytes, sizeof *r, memory_order_relaxed);
    m->rcu.scheme->retire(&r->rcu, value_free_callback);
}

/* lfmap_free: retires a value still in the map (no thread uses m). */
static void value_retire_final(struct lfmap *m, uint64_t w)
{
    if (!value_is_live(w))
        return;
    struct lf_value_rec *r = malloc(sizeof *r);
    if (r)
        value_retire(m, r, value_decode(w));
    else
        m->value_free(value_decode(w), m->value_free_ctx); /* no memory: no thread uses m, free it now */
}

/* lfmap_free under a hazard-pointer (or hazard-era) scheme: such a scheme
 * frees each object once no reader protects it, independently of the
 * others, so we wait for this map's retired objects only, not for the
 * scheme's whole backlog (a reader stalled in a section of another map
 * would hold that back for as long as it likes).  Each round reclaims on
 * this thread (the quiescent hook: a scan, never waiting) and then sleeps
 * while some of ours are still protected or being freed elsewhere. */
/* Sleeps between rounds, doubling from the first to the last: a scan of an
 * era scheme issues a process-wide membarrier, and a reader stalled for
 * seconds must not turn lfmap_free into thousands of them per second. */
#define WAIT_SLEEP_FIRST_NS 100000L   /* 0.1 ms: most waits end in a round or two */
#define WAIT_SLEEP_LAST_NS 20000000L  /* 20 ms: at most 50 scans a second */

static void wait_for_own_objects(struct lfmap *m)
{
    long sleep_ns = WAIT_SLEEP_FIRST_NS;
    for (;;) {
        if (m->rcu.scheme->quiescent)
            m->rcu.scheme->quiescent();
        /* acquire: pairs with lf_map_unref's release, so that the effects
         * of this map's callbacks (value_free) are visible to our caller. */
        if ((atomic_load_explicit(&m->retired_pending, memory_order_acquire) & ~MAP_OWNED) == 0)
            return;
        /* The scheme can no longer free (era schemes whose membarrier
         * began to fail): the objects stay pending, freed by a later scan
         * if it works again, and the callbacks free the map's header. */
        if (m->rcu.scheme->may_wait && !m->rcu.scheme->may_wait())
            return;
        struct timespec ts = {0, sleep_ns};
        nanosleep(&ts, NULL);
        if (sleep_ns < WAIT_SLEEP_LAST_NS)
            sleep_ns = sleep_ns * 2 < WAIT_SLEEP_LAST_NS ? sleep_ns * 2 : WAIT_SLEEP_LAST_NS;
    }
}

void lfmap_free(lfmap *m)
{
    if (!m)
        return;
    if (m->value_free) {
        /* Every value still in the map, once: a live word in a table of
         * the chain was not copied on (copies follow a freeze), and no
         * box is in flight once every operation has returned. */
        for (unsigned r = 0; r < KEY_RESERVED; r++)
            value_retire_final(m, atomic_load_explicit(&m->side_value[r], memory_order_relaxed)); /* relaxed: m is ours alone now */
        for (struct lfmap_table *t = atomic_load_explicit(&m->current, memory_order_relaxed); t; /* relaxed: as above */
             t = atomic_load_explicit(&t->next, memory_order_relaxed)) {
            if (lf_table_next_is_sentinel(t))
                break;
            for (size_t i = 0; i < t->nslots; i++)
                if (atomic_load_explicit(&t->slots[i].key, memory_order_relaxed) >= KEY_RESERVED) /* relaxed: as above */
                    value_retire_final(m, atomic_load_explicit(&t->slots[i].value, memory_order_relaxed));
        }
    }
    /* Tables retired by resizes are freed by RCU callbacks, and the last
     * one (or we) frees the header (lf_map_unref), so nothing here must
     * wait.  We still wait for them when we may, so that the map's memory
     * is back when lfmap_free returns: only if any is pending (freeing a map
     * that never resized is immediate), and never inside a read-side
     * section of the program (liburcu refuses the barrier there and returns
     * at once) or on a call_rcu worker thread (there the barrier would wait
     * for the very callback that called us, forever).
     * relaxed: a hint; the reference count decides who frees m. */
    if ((atomic_load_explicit(&m->retired_pending, memory_order_relaxed) & ~MAP_OWNED) != 0 &&
        lf_thread()->in_value_free == 0 && (!m->rcu.scheme->may_wait || m->rcu.scheme->may_wait())) {
        if (m->rcu.hazards)
            wait_for_own_objects(m);
        else
            m->rcu.scheme->barrier();
    }
    /* relaxed: no thread uses m any more (caller's contract). */
    struct lfmap_table *t = atomic_load_explicit(&m->current, memory_order_relaxed);
    while (t) {
        struct lfmap_table *next = atomic_load_explicit(&t->next, memory_order_relaxed);
        lf_table_free(t);
        t = next;
    }
    lf_map_unref(m, MAP_OWNED);
}

/* ------------------------------------------------------------------ */
/* Lookup                                                               */

/* A uint64_t map's key: its mix is both its key word and its home. */
static inline __attribute__((always_inline)) struct lf_key u64_key(const struct lfmap *m, uint64_t key)
{
    uint64_t h = lf_mix(&m->hasher, key);
    return (struct lf_key){.word = h, .hash = h};
}

/* Whether an entry point of one kind of map (uint64_t keys, or byte keys)
 * was given the other kind.  The two handle types are distinct, so this
 * takes a cast or an ignored warning; the map would otherwise read a mixed
 * key as a key object's address, or keep an object its tables never free.
 * One predictable branch on the header line the entry point reads anyway. */
static inline __attribute__((always_inline)) bool wrong_kind(const struct lfmap *m, bool byte_api)
{
    return __builtin_expect(m->byte_keys != byte_api, 0);
}

/* Probes one table for key.  Returns the value word that decides the lookup
 * in t: live (present), VALUE_UNSET or VALUE_TOMB (absent), or a frozen word
 * (a box, or VALUE_MOVED: the key now lives in t->next).  *slot is the key's
 * slot, or NULL when its path ended at an empty or frozen slot.  Bounded by
 * the table's slot count: wait-free per table. */
static inline __attribute__((always_inline)) uint64_t table_probe(struct lfmap_table *t, const struct lf_key *key,
                                                                  struct lfmap_slot **slot)
{
    const uint64_t mask = t->mask; /* immutable: load it once */
    size_t i = key->hash & mask;
    *slot = NULL;
    for (size_t n = mask + 1; n; n--, i = (i + 1) & mask) {
        struct lfmap_slot *s = &t->slots[i];
        /* seq_cst: an empty key word answers "absent" with no write of
         * ours, and only a seq_cst load keeps that answer in the single
         * total order of the writers' seq_cst CASes (else two threads that
         * each insert a key and then look up the other's may both miss:
         * store buffering, allowed by C11 and by POWER with acquire loads).
         * It is also an acquire: a frozen key word orders the read of
         * t->next after the freezer's.  Same cost as acquire on x86 and
         * ARMv8.0 (LDAR); more than ARMv8.3's RCpc acquire (LDAPR), which
         * would allow the store buffering. */
        uint64_t k = atomic_load_explicit(&s->key, memory_order_seq_cst);
        if (lf_key_matches(k, key)) {
            LFMAP_HOOK(READ_KEY_BEFORE_VALUE);
            *slot = s;
            /* seq_cst: the linearization point of a lookup that ends here
             * (live, unset or tombstone), as for the key word above; as an
             * acquire it pairs with the CAS that wrote the value (what the
             * value publishes, and for a frozen word the successor). */
            return atomic_load_explicit(&s->value, memory_order_seq_cst);
        }
        if (k == KEY_EMPTY)
            return VALUE_UNSET; /* an unfrozen empty slot ends the key's path: absent */
        if (k == KEY_FROZEN)
            return VALUE_MOVED; /* a frozen empty slot ends it: look in next */
    }
    return VALUE_UNSET; /* a full table (never reached below its hard limit) */
}

/* The rare end of a lookup, out of line so that the common path keeps its
 * registers and makes no call: w is the frozen word table_probe found in t
 * (s its slot, or NULL).  A boxed value is the answer while the slot still
 * shows the same box; otherwise h lives in a newer table. */
static __attribute__((noinline)) bool lookup_frozen(struct lfmap_table *t, struct lfmap_slot *s, uint64_t w,
                                                    struct lf_key key, uint64_t *value)
{
    for (;;) {
        if (value_is_box(w)) {
            LFMAP_HOOK(READ_BOX_BEFORE_LOAD);
            /* acquire: pairs with the box's release store; if it is a newer
             * value, the reload below sees the slot moved. */
            uint64_t boxed = atomic_load_explicit(lf_box((unsigned)(w - VALUE_BOX_BASE)), memory_order_acquire);
            /* acquire: if the slot moved meanwhile, pairs with the MOVED CAS,
             * so the copy into the successor, which preceded it, is visible
             * to our lookup there.  If the slot still shows w, the box was
             * not reused (reuse comes after MOVED, and the acquire box load
             * would have ordered that MOVED before this load; a moved slot
             * never returns to a box, so no ABA): the answer is the box's
             * value, linearized at table_probe's seq_cst load that read w,
             * when the box held the key's value. */
            if (atomic_load_explicit(&s->value, memory_order_acquire) == w) {
                *value = value_decode(boxed);
                return true;
            }
        }
        /* relaxed: the acquire (or seq_cst) load that saw the frozen word w
         * synchronised with the thread that wrote it (a freezer, or the
         * finisher of a box that wrote MOVED), which had loaded this
         * successor from t->next with acquire or seq_cst (or published it):
         * so the successor's publication, and for MOVED the copy, happen
         * before this load, which returns the successor (t->next never
         * changes again) with its contents visible. */
        t = atomic_load_explicit(&t->next, memory_order_relaxed);
        w = table_probe(t, &key, &s);
        if (value_is_live(w)) {
            *value = value_decode(w);
            return true;
        }
        if (!value_is_frozen(w))
            return false; /* unset or tombstone: absent */
    }
}

/* Looks h up starting at table t, following successors: wait-free per table,
 * moving on only past slots a resize froze during the call. */
static inline __attribute__((always_inline)) bool lf_table_lookup(struct lfmap_table *t, const struct lf_key *key,
                                                                uint64_t *value)
{
    struct lfmap_slot *s;
    uint64_t w = table_probe(t, key, &s);
    if (__builtin_expect(value_is_live(w), 1)) {
        *value = value_decode(w);
        return true;
    }
    if (!value_is_frozen(w))
        return false; /* unset or tombstone, or an empty slot: absent */
    return lookup_frozen(t, s, w, *key, value);
}

/* A lookup for schemes that go through their function pointers, inside the
 * caller's section.  Under hazard pointers every table is protected before
 * use (lf_current, lf_protect_next) and the lookup starts again from the
 * current table when one it follows was replaced meanwhile. */
static bool lookup_any(struct lfmap *m, const struct lf_key *key, uint64_t *value)
{
    if (!key->bytes && key->word < KEY_RESERVED) {
        /* seq_cst: the linearization point (seq_cst as in table_probe);
         * as an acquire it pairs with the CAS that stored the value. */
        uint64_t w = atomic_load_explicit(&m->side_value[key->word], memory_order_seq_cst);
        *value = value_is_live(w) ? value_decode(w) : 0;
        return value_is_live(w);
    }
    if (!m->rcu.hazards)
        return lf_table_lookup(lf_current(m), key, value);
restart:;
    struct lfmap_table *t = lf_current(m);
    for (;;) {
        struct lfmap_slot *s;
        uint64_t w = table_probe(t, key, &s);
        if (value_is_live(w)) {
            *value = value_decode(w);
            return true;
        }
        if (!value_is_frozen(w))
            return false;
        if (value_is_box(w)) {
            LFMAP_HOOK(READ_BOX_BEFORE_LOAD);
            /* acquire: as in lookup_frozen. */
            uint64_t boxed = atomic_load_explicit(lf_box((unsigned)(w - VALUE_BOX_BASE)), memory_order_acquire);
            if (atomic_load_explicit(&s->value, memory_order_acquire) == w) { /* acquire: as in lookup_frozen */
                *value = value_decode(boxed);
                return true;
            }
        }
        /* relaxed: as in lookup_frozen. */
        struct lfmap_table *nt = atomic_load_explicit(&t->next, memory_order_relaxed);
        if (!lf_protect_next(m, t, nt))
            goto restart;
        lf_advance(m, nt);
        t = nt;
    }
}

/* lfmap_get's rare paths, out of line: a key whose mix is reserved, and
 * every scheme but the inline memb one and leak.  (The key is passed by
 * value to the out-of-line functions: its address does not escape the entry
 * point, whose common path the compiler then keeps in registers.) */
/* lookup_any, and on a map whose values a hazard-pointer scheme protects,
 * the value's protection: publish it, then look the key up again.  If it
 * still holds the value, the CAS that will replace it (and retire it) comes
 * after our hazard was visible, and the retirer's scan sees the hazard.
 * Lock-free.  Inside the caller's section. */
static bool lookup_protected(struct lfmap *m, const struct lf_key *key, uint64_t *value)
{
    uint64_t v = 0;
    bool found = lookup_any(m, key, &v);
    if (found && m->protect_values) {
        for (;;) {
            uint64_t again;
            m->rcu.scheme->protect(LFRCU_HAZARD_VALUE, lf_value_hazard(v));
            found = lookup_any(m, key, &again);
            if (!found || again == v)
                break;
            v = again;
        }
    }
    *value = v;
    return found;
}

/* The rest of a get inside the caller's section, which it ends: every
 * scheme's lookup (lookup_protected), for get_slow, and for the inline era
 * read side when the era moved under it or the key's slot is frozen. */
static __attribute__((noinline)) bool get_in_section(struct lfmap *m, struct lfmap_thread_state *self,
                                                    struct lf_key key, uint64_t *value)
{
    uint64_t v = 0;
    bool found = lookup_protected(m, &key, &v);
    lf_read_unlock(m, self);
    if (found && value)
        *value = v;
    return found;
}

static __attribute__((noinline)) bool get_slow(struct lfmap *m, struct lfmap_thread_state *self, struct lf_key key,
                                              uint64_t *value)
{
    lf_read_lock(m, self);
    return get_in_section(m, self, key, value);
}

/* A lookup that met a frozen word in the current table: a resize is
 * running.  Out of line, inside the caller's section, which it ends; it
 * looks the key up again from the current table, all the way. */
static __attribute__((noinline)) bool get_frozen(struct lfmap *m, struct lfmap_thread_state *self, struct lf_key key,
                                                uint64_t *value)
{
    uint64_t v = 0;
    /* acquire: pairs with the promoting CAS (table contents visible). */
    bool found = lf_table_lookup(atomic_load_explicit(&m->current, memory_order_acquire), &key, &v);
    lf_read_unlock(m, self);
    if (found && value)
        *value = v;
    return found;
}

/* A lookup by a thread registered with m's scheme, in a map whose read side
 * is inline (urcu-memb) or absent (leak).  Every call it makes on its common
 * path is a tail call or the unlock's rare wake-up, with nothing live across
 * it, so it saves no register. */
static inline __attribute__((always_inline)) bool get_inline(struct lfmap *m, struct lfmap_thread_state *self,
                                                             const struct lf_key *key, uint64_t *value)
{
    /* Read once: the compiler must not reload the kind after the atomic
     * loads below and keep the other schemes' calls on this path. */
    const unsigned char kind = m->rcu.kind;
    const bool memb = kind == LFRCU_INLINE_MEMB;
    const bool era = kind == LFRCU_INLINE_ERA; /* neither: leak, no section */
    unsigned long *ctr = self->memb_ctr;
    struct lfrcu_era_rec *rec = era ? self->era_rec[m->rcu.era_slot] : NULL;
    if (memb)
        lfrcu_memb_lock_inline(ctr);
    else if (era)
        lfrcu_era_lock_inline(rec);
    /* acquire: pairs with the promoting CAS (table contents visible). */
    struct lfmap_table *t = atomic_load_explicit(&m->current, memory_order_acquire);
    /* Era schemes: the table is covered by the era reserved at the lock
     * unless the era moved since (rcu/lfrcu_era.h); if it did, the
     * protected lookup (which moves the reservation and validates). */
    if (era && __builtin_expect(!lfrcu_era_current_ok(rec), 0))
        return get_in_section(m, self, *key, value);
    struct lfmap_slot *s;
    uint64_t w = table_probe(t, key, &s);
    if (__builtin_expect(value_is_live(w), 1)) {
        if (value)
            *value = value_decode(w); /* a copy of the word: before the unlock is as good */
        if (memb)
            lfrcu_memb_unlock_inline(ctr);
        else if (era)
            lfrcu_era_unlock_inline(rec);
        return true;
    }
    if (__builtin_expect(!value_is_frozen(w), 1)) {
        /* unset or tombstone, or an empty slot: absent */
        if (memb)
            lfrcu_memb_unlock_inline(ctr);
        else if (era)
            lfrcu_era_unlock_inline(rec);
        return false;
    }
    if (era)
        return get_in_section(m, self, *key, value); /* successors are protected one by one */
    return get_frozen(m, self, *key, value);
}

/* The thread's first use of m's scheme (or an unregistered thread). */
static __attribute__((noinline)) int lookup_attach(struct lfmap *m, struct lfmap_thread_state *self,
                                                  struct lf_key key, uint64_t *value)
{
    int rc = lf_attach_slow(m, self); /* or -EPERM */
    if (rc)
        return rc;
    if ((!key.bytes && key.word < KEY_RESERVED) || m->rcu.kind == LFRCU_CALLS)
        return get_slow(m, self, key, value);
    return get_inline(m, self, &key, value);
}

/* The lookups: 1 found, 0 absent, or -errno (the thread is not registered,
 * or its registration with m's scheme failed). */
static inline __attribute__((always_inline)) int lookup_key(struct lfmap *m, const struct lf_key *key,
                                                            uint64_t *value)
{
    struct lfmap_thread_state *self = lf_thread(); /* the one thread-local access */
    if (__builtin_expect(!(self->schemes & m->rcu.bit), 0))
        return lookup_attach(m, self, *key, value);
    if (__builtin_expect((!key->bytes && key->word < KEY_RESERVED) || m->rcu.kind == LFRCU_CALLS, 0))
        return get_slow(m, self, *key, value);
    return get_inline(m, self, key, value);
}

/* lfmap_get and lfmap_bytes_get: the error as errno. */
static inline __attribute__((always_inline)) bool get_key(struct lfmap *m, const struct lf_key *key,
                                                          uint64_t *value)
{
    int rc = lookup_key(m, key, value);
    if (__builtin_expect(rc < 0, 0)) {
        errno = -rc;
        return false;
    }
    return rc;
}

bool lfmap_get(lfmap *m, uint64_t key, uint64_t *value)
{
    if (wrong_kind(m, false)) {
        errno = EINVAL;
        return false;
    }
    const struct lf_key k = u64_key(m, key);
    return get_key(m, &k, value);
}

int lfmap_lookup(lfmap *m, uint64_t key, uint64_t *value)
{
    if (wrong_kind(m, false))
        return -EINVAL;
    const struct lf_key k = u64_key(m, key);
    return lookup_key(m, &k, value);
}

/* ------------------------------------------------------------------ */
/* Writes                                                               */

/* One engine serves every write, and every piece of it on the common path is
 * forced inline, so that each API function gets its own copy with the kind
 * known at compile time: decide() folds to the few instructions of that
 * kind, with no jump table (an indirect branch that mispredicts when kinds
 * arrive in random order, as in any mixed workload). */
#define LF_WRITE_PATH static inline __attribute__((always_inline))

enum write_kind { W_INSERT, W_PUT, W_REMOVE, W_REMOVE_IF, W_CAS, W_FETCH_ADD };

struct write_op {
    struct lfmap_thread_state *self; /* the calling thread (lf_thread) */
    enum write_kind kind;
    uint64_t value;    /* insert/put: new value; cas: desired; fetch_add: delta */
    uint64_t expected; /* cas, remove_if */
    uint64_t before;   /* out: the value before (or after, for insert) */
    struct lf_value_rec *rec; /* maps with value_free: retires the value replaced */
};

enum decision { KEEP, REPLACE };

/* Decides what op does to a slot holding `cur` (VALUE_UNSET/VALUE_TOMB =
 * absent, or live).  Sets *result (the return value) and, for REPLACE, *next. */
LF_WRITE_PATH int decide(struct write_op *op, uint64_t cur, uint64_t *next, int *result)
{
    bool present = value_is_live(cur);
    uint64_t v = present ? value_decode(cur) : 0;
    switch (op->kind) {
    case W_INSERT:
        *result = present ? 0 : 1;
        op->before = present ? v : op->value;
        *next = value_encode(op->value);
        return present ? KEEP : REPLACE;
    case W_PUT:
        *result = present ? 0 : 1;
        op->before = v;
        *next = value_encode(op->value);
        return REPLACE;
    case W_REMOVE:
        *result = present ? 1 : 0;
        op->before = v;
        *next = VALUE_TOMB;
        return present ? REPLACE : KEEP;
    case W_REMOVE_IF:
        *result = present && v == op->expected ? 1 : 0;
        op->before = v;
        *next = VALUE_TOMB;
        return *result ? REPLACE : KEEP;
    case W_CAS:
        *result = present && v == op->expected ? 1 : 0;
        *next = value_encode(op->value);
        return *result ? REPLACE : KEEP;
    case W_FETCH_ADD: {
        uint64_t sum = v + op->value; /* mod 2^64 by design */
        if (sum > LFMAP_VALUE_MAX) {
            *result = -EOVERFLOW;
            return KEEP;
        }
        *result = present ? 0 : 1;
        op->before = v;
        *next = value_encode(sum);
        return REPLACE;
    }
    }
    *result = -EINVAL;
    return KEEP;
}

LF_WRITE_PATH int64_t live_delta(uint64_t before, uint64_t after)
{
    return (int64_t)value_is_live(after) - (int64_t)value_is_live(before);
}

/* Applies op to one value word whose table is not frozen under it.  Returns
 * 1 when the word was found frozen (the caller moves to the successor). */
LF_WRITE_PATH bool apply_to_word(struct lfmap *m, _Atomic uint64_t *word, struct write_op *op, int *result)
{
    /* seq_cst: when decide() keeps the word (insert of a present key, cas
     * that does not match, remove of an absent key, fetch_add overflow)
     * this load, or the failed seq_cst CAS below that reloaded cur, is the
     * operation's linearization point, with no CAS of ours: seq_cst keeps
     * it in the total order of the writers' CASes (store buffering, as in
     * table_probe).  As an acquire it pairs with the CAS that wrote the
     * value, which get_or_insert may return. */
    uint64_t cur = atomic_load_explicit(word, memory_order_seq_cst);
    for (;;) {
        if (value_is_frozen(cur))
            return true;
        uint64_t next;
        if (decide(op, cur, &next, result) == KEEP)
            return false;
        if (__builtin_expect(m->protect_values, 0) && (op->kind == W_PUT || op->kind == W_REMOVE) &&
            value_is_live(cur) && cur != next)
            /* Hazard pointers: *old stays usable inside the caller's
             * lfmap_read_lock section (lib/lfmap.h).  Published (with a full
             * fence) before the CAS: if the CAS succeeds the value was still
             * in the map after the hazard was visible, so our retire's scan
             * sees it.  Cleared by the outermost unlock. */
            m->rcu.scheme->protect(LFRCU_HAZARD_OLD, lf_value_hazard(value_decode(cur)));
        LFMAP_HOOK(BEFORE_VALUE_CAS);
        /* seq_cst: the linearization point of the write; totally ordered
         * with the freezing CAS on the same word (pitfall 9). */
        if (atomic_compare_exchange_strong(word, &cur, next)) {
            int64_t d = live_delta(cur, next);
            if (d)
                lf_live_add(m, op->self, d);
            /* Only a value our CAS took out of the map is retired: a put or
             * cas that stores the very value the key holds (cur == next)
             * changes nothing, and the value stays in the map (retiring it
             * would free it while the map still hands it out). */
            if (op->rec && value_is_live(cur) && cur != next) {
                value_retire(m, op->rec, value_decode(cur)); /* our CAS removed it */
                op->rec = NULL;
            }
            return false;
        }
    }
}

enum probe_outcome { PROBE_FOUND, PROBE_ABSENT, PROBE_REDIRECT, PROBE_RETRY, PROBE_NOMEM };

/* This thread's claim cache in m for t (lib/lfmap_internal.h,
 * CLAIM_BATCH_DIV), or NULL when it reserves one claim at a time: its id
 * shares a live-count stripe, or t is too small for batches (a cache holding
 * a single given-back claim per stripe would break the 1/64 bound there). */
static inline struct lfmap_counter_stripe *claim_cache(struct lfmap *m, struct lfmap_thread_state *self,
                                                       const struct lfmap_table *t)
{
    unsigned tid = self->tid;
    return tid < LFMAP_OWNED_STRIPES && t->claim_batch > 1 ? &m->live[tid] : NULL;
}

/* Gives back one reserved claim (its slot CAS was lost). */
static void release_claim(struct lfmap *m, struct lfmap_thread_state *self, struct lfmap_table *t)
{
    struct lfmap_counter_stripe *c = claim_cache(m, self, t);
    /* relaxed (all three): the cache is written by this thread alone. */
    if (c && atomic_load_explicit(&c->claim_serial, memory_order_relaxed) == t->serial) {
        size_t left = atomic_load_explicit(&c->claims_left, memory_order_relaxed);
        atomic_store_explicit(&c->claims_left, left + 1, memory_order_relaxed);
        return;
    }
    atomic_fetch_sub_explicit(&t->used, 1, memory_order_relaxed); /* relaxed: a counter */
}

/* Reserves one claimed slot in t for a new key, starting a migration when t
 * passes its limit. */
/* Hazard pointers: protects t->from, a successor's predecessor, which is
 * usable only while it is still current (else its migration is over and
 * it may be retired). */
static bool lf_protect_from(struct lfmap *m, struct lfmap_table *from, struct lfmap_table *t)
{
    if (!m->rcu.hazards)
        return true;
    m->rcu.scheme->protect(LFRCU_HAZARD_FROM, from);
    /* acquire: as in lf_current_hp (lib/table.c).  Current means protected
     * (not freed), but the address may have been freed and reused by a
     * newer table since we read t->from (ck-hp holds nothing of it until
     * now): it is t's predecessor only if its successor is t.  acquire:
     * pairs with the publishing CAS of from->next. */
    return atomic_load_explicit(&m->current, memory_order_acquire) == from &&
           atomic_load_explicit(&from->next, memory_order_acquire) == t;
}

static enum probe_outcome reserve_claim(struct lfmap *m, struct lfmap_thread_state *self, struct lfmap_table *t)
{
    struct lfmap_counter_stripe *c = claim_cache(m, self, t);
    /* relaxed (cache): written by this thread alone.  t->serial is unique in
     * the process, so a cache naming it names no other table. */
    if (c && atomic_load_explicit(&c->claim_serial, memory_order_relaxed) == t->serial) {
        size_t left = atomic_load_explicit(&c->claims_left, memory_order_relaxed);
        if (left > 0) {
            atomic_store_explicit(&c->claims_left, left - 1, memory_order_relaxed);
            return PROBE_FOUND;
        }
    }
    /* acquire: pairs with the promoting CAS. */
    bool is_current = atomic_load_explicit(&m->current, memory_order_acquire) == t;
    /* acquire: pairs with the publishing CAS.  A table that is not current
     * and has no successor is a successor still receiving copies, so its
     * `from` is current or was retired after our read section began: safe
     * to use below.  A table with a successor is old: start over. */
    if (!is_current && atomic_load_explicit(&t->next, memory_order_acquire) != NULL)
        return PROBE_RETRY;
    size_t batch = c ? t->claim_batch : 1;
    /* relaxed: a counter; the slot itself is claimed by the CAS later. */
    size_t used = atomic_fetch_add_explicit(&t->used, batch, memory_order_relaxed) + batch;
    if (used <= t->grow_limit) {
        if (c) {
            /* relaxed: this thread's own cache.  Claims left for another
             * table are dropped: that table has a successor (we only move
             * on to a newer table of m) or was retired, and in both cases
             * its count no longer matters. */
            atomic_store_explicit(&c->claim_serial, t->serial, memory_order_relaxed);
            atomic_store_explicit(&c->claims_left, batch - 1, memory_order_relaxed);
        }
        return PROBE_FOUND;
    }
    /* Near the limit: one claim at a time, so the limits below are exact. */
    if (batch > 1) {
        atomic_fetch_sub_explicit(&t->used, batch - 1, memory_order_relaxed);
        used -= batch - 1;
    }
    if (!is_current) {
        /* t is a successor still receiving copies, and its inserts have used
         * the room beyond the copies' reservation: finish the migration
         * (lock-free) so that t becomes current and can grow. */
        atomic_fetch_sub_explicit(&t->used, 1, memory_order_relaxed);
        struct lfmap_table *from = t->from;
        LFMAP_HOOK(RESERVE_BEFORE_PROTECT_FROM);
        if (lf_protect_from(m, from, t))
            lf_table_finish_protected(m, from, t); /* t is from's successor, held in the table slot */
        return PROBE_RETRY;
    }
    lf_table_start_migration(m, t);
    /* acquire: pairs with the publishing CAS. */
    if (atomic_load_explicit(&t->next, memory_order_acquire)) {
        atomic_fetch_sub_explicit(&t->used, 1, memory_order_relaxed);
        return PROBE_RETRY;
    }
    /* No memory for a larger table: keep filling this one up to the hard
     * limit, then fail without touching it. */
    if (used <= t->hard_limit)
        return PROBE_FOUND;
    atomic_fetch_sub_explicit(&t->used, 1, memory_order_relaxed);
    return PROBE_NOMEM;
}

/* Finds the key's slot in t, claiming an empty one if `claim`.  A byte map's
 * claim publishes a key object, allocated here on the first claim of the
 * operation (before the claim is reserved: -ENOMEM changes nothing) and
 * owned by the table once its CAS succeeds (key->obj is then cleared). */
LF_WRITE_PATH enum probe_outcome probe(struct lfmap *m, struct lfmap_thread_state *self, struct lfmap_table *t,
                                       struct lf_key *key, bool claim, struct lfmap_slot **out)
{
    size_t i = key->hash & t->mask;
    for (size_t n = 0; n < t->nslots;) {
        struct lfmap_slot *s = &t->slots[i];
        /* seq_cst: an empty key word with !claim answers "absent" (remove,
         * cas, a fetch_add that would overflow) with no CAS, so it must be
         * in the total order of the seq_cst
         * CASes (store buffering, as in table_probe); as an acquire, a
         * frozen key word orders the caller's next load of t->next after
         * the freezer's, so that it finds the successor at once. */
        uint64_t k = atomic_load_explicit(&s->key, memory_order_seq_cst);
        if (lf_key_matches(k, key)) {
            *out = s;
            return PROBE_FOUND;
        }
        if (k == KEY_FROZEN)
            return PROBE_REDIRECT; /* the key's path ends at a frozen slot */
        if (k == KEY_EMPTY) {
            if (!claim)
                return PROBE_ABSENT;
            if (key->bytes && !key->obj && !lf_bkey_new(key))
                return PROBE_NOMEM;
            enum probe_outcome r = reserve_claim(m, self, t);
            if (r != PROBE_FOUND)
                return r;
            LFMAP_HOOK(BEFORE_CLAIM);
            /* seq_cst: first claimer of the slot wins; the loser rereads.
             * As a release it publishes a byte map's key object. */
            if (atomic_compare_exchange_strong(&s->key, &k, key->word)) {
                LFMAP_HOOK(CLAIMED_BEFORE_VALUE);
                key->obj = NULL; /* the table's now */
                *out = s;
                return PROBE_FOUND;
            }
            release_claim(m, self, t);
            continue; /* k now holds the winner's key: re-examine this slot */
        }
        i = (i + 1) & t->mask;
        n++;
    }
    return PROBE_NOMEM; /* full: unreachable below the hard limit */
}

/* Every SHRINK_CHECK_PERIOD-th remove of a thread from a map (maybe_shrink)
 * checks whether t should shrink; out of line, so that the removes in
 * between pay an increment and a test. */
static __attribute__((noinline)) void shrink_check(struct lfmap *m, struct lfmap_table *t)
{
    if (t->nslots <= LFMAP_MIN_SLOTS || (size_t)lf_live_count(m) >= t->nslots / SHRINK_DIV)
        return;
    /* Without the fence, successors are never smaller than their table
     * (lf_table_successor_slots): a shrink would only copy t into its twin,
     * every SHRINK_CHECK_PERIOD removes.  relaxed: a hint; a stale false
     * costs one such migration. */
    if (atomic_load_explicit(&m->unfenced, memory_order_relaxed))
        return;
    /* Shrink only to a smaller table.  The successor keeps room for one
     * in-flight insert per registered thread, so with many threads and few
     * keys it may be as large as t: migrating then would only copy t into
     * its twin, again every SHRINK_CHECK_PERIOD removes, forever. */
    if (lf_table_successor_slots_estimate(m) < t->nslots)
        lf_table_start_migration(m, t); /* -ENOMEM: keep the big table */
}

LF_WRITE_PATH void maybe_shrink(struct lfmap *m, struct lfmap_thread_state *self, struct lfmap_table *t)
{
    /* Counted per map where the thread owns a stripe of it (a line its
     * remove has just written): a thread counting once for all maps checked
     * only the map of every 64th remove, so of two maps removed from in
     * turn one never shrank (tests/core/unit_embedding.c).  Threads past the owned
     * stripes share stripes, and count per thread. */
    unsigned *removes = self->tid < LFMAP_OWNED_STRIPES ? &m->live[self->tid].removes_since_check
                                                        : &self->removes_since_check;
    if (__builtin_expect((++*removes & (SHRINK_CHECK_PERIOD - 1)) == 0, 0))
        shrink_check(m, t);
}

/* Maps with a destructor: the record that will retire the value this write
 * may replace, allocated before any CAS, so that ENOMEM leaves the map as
 * it was.  Kept for the thread's next write when unused. */
static __attribute__((noinline)) struct lf_value_rec *value_rec_take(struct lfmap_thread_state *self)
{
    struct lf_value_rec *r = self->spare;
    self->spare = NULL;
    return r ? r : malloc(sizeof *r); /* NULL: -ENOMEM */
}

LF_WRITE_PATH void value_rec_keep(struct write_op *op)
{
    if (__builtin_expect(op->rec != NULL, 0)) {
        /* A destructor run during this write (a scheme's callback on this
         * thread) may have written a map and kept its own spare. */
        if (op->self->spare)
            free(op->rec);
        else
            op->self->spare = op->rec;
        op->rec = NULL;
    }
}

/* The end of every write: the retire record kept for the next write, and a
 * byte map's key object freed if no claim published it. */
LF_WRITE_PATH int write_done(struct write_op *op, struct lf_key *key, int result)
{
    value_rec_keep(op);
    if (__builtin_expect(key->obj != NULL, 0))
        lf_bkey_discard(key);
    return result;
}

LF_WRITE_PATH int write_run(struct lfmap *m, struct lf_key *key, struct write_op *op)
{
    struct lfmap_thread_state *self = op->self = lf_thread(); /* the one thread-local access */
    int result = lf_attach(m, self);
    if (result)
        return result;
    if (__builtin_expect(m->value_free != NULL, 0) && op->kind != W_INSERT) {
        if (op->kind == W_FETCH_ADD)
            return -EINVAL; /* values are owned objects, not counters */
        /* Returned, not stored through op: op must not escape, or the
         * compiler keeps it in memory and cannot fold decide() per kind. */
        op->rec = value_rec_take(self);
        if (!op->rec)
            return -ENOMEM;
    }
    if (__builtin_expect(!key->bytes && key->word < KEY_RESERVED, 0)) {
        lf_read_lock(m, self); /* no table is read, but ck-hp clears the *old hazard at the unlock */
        apply_to_word(m, &m->side_value[key->word], op, &result); /* never frozen */
        lf_read_unlock(m, self);
        return write_done(op, key, result);
    }
    /* Would this op store into an absent key?  Decided before claiming, so
     * that a failing op (e.g. fetch_add overflow) claims nothing. */
    uint64_t ignored;
    int absent_result;
    struct write_op probe_op = *op;
    bool claim = decide(&probe_op, VALUE_UNSET, &ignored, &absent_result) == REPLACE;

    lf_read_lock(m, self);
    struct lfmap_table *t = lf_current(m); /* acquire: pairs with the promoting CAS */
    for (;;) {
        /* seq_cst: acquire pairs with the publishing CAS; seq_cst puts this
         * load after our previous operation's live-count store in the total
         * order, which the successor-sizing bound needs (lf_live_add).  On
         * x86 and ARMv8 it costs what an acquire load costs. */
        struct lfmap_table *nt = atomic_load_explicit(&t->next, memory_order_seq_cst);
        if (__builtin_expect(nt != NULL, 0) && lf_table_next_is_sentinel(nt)) {
            /* A successor is being sized: do not start on t (that keeps the
             * sizing bound true); help publish it, then look again. */
            lf_table_help_publish(m, t, nt);
            continue;
        }
        if (nt) {
            /* A migration is running: move a chunk, then make sure the key
             * can only be in nt, and work there. */
            if (!lf_protect_next(m, t, nt)) {
                lf_key_leave_table(key);
                t = lf_current(m); /* hazard pointers: both replaced meanwhile */
                continue;
            }
            LFMAP_HOOK(WRITER_BEFORE_HELP);
            lf_table_help_migration(m, t, nt);
            LFMAP_HOOK(WRITER_AFTER_HELP);
            lf_table_freeze_key_path(m, t, nt, key);
            lf_key_leave_table(key);
            lf_advance(m, nt);
            t = nt;
            continue;
        }
        struct lfmap_slot *s = NULL;
        enum probe_outcome r = probe(m, self, t, key, claim, &s);
        if (r == PROBE_REDIRECT || r == PROBE_RETRY)
            continue;
        if (r == PROBE_ABSENT) {
            op->before = 0;
            result = absent_result;
            break;
        }
        if (r == PROBE_NOMEM) {
            result = -ENOMEM;
            break;
        }
        if (!apply_to_word(m, &s->value, op, &result)) {
            if ((op->kind == W_REMOVE || op->kind == W_REMOVE_IF) && result == 1)
                maybe_shrink(m, self, t);
            break;
        }
        /* frozen under us: the loop top sees t->next and moves on. */
    }
    lf_read_unlock(m, self);
    return write_done(op, key, result);
}

static bool value_ok(uint64_t v)
{
    return v <= LFMAP_VALUE_MAX;
}

/* The write operations, once for both kinds of keys (each forced inline into
 * its entry points, so that every API function gets its own engine). */
LF_WRITE_PATH int do_get_or_insert(struct lfmap *m, struct lf_key *key, uint64_t value, uint64_t *current)
{
    if (!value_ok(value))
        return -EINVAL;
    struct write_op op = {.kind = W_INSERT, .value = value};
    int rc = write_run(m, key, &op);
    if (rc >= 0 && current)
        *current = op.before;
    return rc;
}

LF_WRITE_PATH int do_put(struct lfmap *m, struct lf_key *key, uint64_t value, uint64_t *old)
{
    if (!value_ok(value))
        return -EINVAL;
    struct write_op op = {.kind = W_PUT, .value = value};
    int rc = write_run(m, key, &op);
    if (rc == 0 && old)
        *old = op.before;
    return rc;
}

LF_WRITE_PATH int do_remove(struct lfmap *m, struct lf_key *key, uint64_t *old)
{
    struct write_op op = {.kind = W_REMOVE};
    int rc = write_run(m, key, &op);
    if (rc == 1 && old)
        *old = op.before;
    return rc;
}

LF_WRITE_PATH int do_remove_if(struct lfmap *m, struct lf_key *key, uint64_t expected)
{
    if (!value_ok(expected))
        return -EINVAL; /* no key holds a reserved value */
    struct write_op op = {.kind = W_REMOVE_IF, .expected = expected};
    return write_run(m, key, &op);
}

LF_WRITE_PATH int do_cas(struct lfmap *m, struct lf_key *key, uint64_t expected, uint64_t desired)
{
    if (!value_ok(desired) || !value_ok(expected))
        return -EINVAL; /* every call given a reserved value, as the header says */
    struct write_op op = {.kind = W_CAS, .value = desired, .expected = expected};
    return write_run(m, key, &op);
}

LF_WRITE_PATH int do_fetch_add(struct lfmap *m, struct lf_key *key, uint64_t delta, uint64_t *old)
{
    struct write_op op = {.kind = W_FETCH_ADD, .value = delta};
    int rc = write_run(m, key, &op);
    if (rc >= 0 && old)
        *old = op.before;
    return rc;
}

int lfmap_insert(lfmap *m, uint64_t key, uint64_t value)
{
    if (wrong_kind(m, false))
        return -EINVAL;
    struct lf_key k = u64_key(m, key);
    return do_get_or_insert(m, &k, value, NULL); /* its own copy of the engine */
}

int lfmap_get_or_insert(lfmap *m, uint64_t key, uint64_t value, uint64_t *current)
{
    if (wrong_kind(m, false))
        return -EINVAL;
    struct lf_key k = u64_key(m, key);
    return do_get_or_insert(m, &k, value, current);
}

int lfmap_put(lfmap *m, uint64_t key, uint64_t value, uint64_t *old)
{
    if (wrong_kind(m, false))
        return -EINVAL;
    struct lf_key k = u64_key(m, key);
    return do_put(m, &k, value, old);
}

int lfmap_remove(lfmap *m, uint64_t key, uint64_t *old)
{
    if (wrong_kind(m, false))
        return -EINVAL;
    struct lf_key k = u64_key(m, key);
    return do_remove(m, &k, old);
}

int lfmap_remove_if(lfmap *m, uint64_t key, uint64_t expected)
{
    if (wrong_kind(m, false))
        return -EINVAL;
    struct lf_key k = u64_key(m, key);
    return do_remove_if(m, &k, expected);
}

int lfmap_cas(lfmap *m, uint64_t key, uint64_t expected, uint64_t desired)
{
    if (wrong_kind(m, false))
        return -EINVAL;
    struct lf_key k = u64_key(m, key);
    return do_cas(m, &k, expected, desired);
}

int lfmap_fetch_add(lfmap *m, uint64_t key, uint64_t delta, uint64_t *old)
{
    if (wrong_kind(m, false))
        return -EINVAL;
    struct lf_key k = u64_key(m, key);
    return do_fetch_add(m, &k, delta, old);
}

/* ------------------------------------------------------------------ */
/* Whole-map operations                                                 */

size_t lfmap_size(lfmap *m)
{
    return (size_t)lf_live_count(m);
}

/* lfmap_foreach and lfmap_bytes_foreach: visit(m, key word, value, ctx) for
 * each key, the key word being a side word (0, 1) for the side keys. */
typedef int (*walk_visit)(const struct lfmap *m, uint64_t word, uint64_t value, void *ctx);

/* The walk on a map whose values a hazard-pointer scheme protects: key word
 * k's value now, protected (lookup_protected) for the length of visit's
 * call, which runs inside a section of ours so that the callback's own
 * operations do not clear the hazard; 0 when the key is absent now.  The
 * walk's pin on its table keeps k's key object (byte maps). */
static int walk_protected(struct lfmap *m, struct lfmap_thread_state *self, uint64_t k, walk_visit visit,
                          void *ctx)
{
    uint64_t v;
    int rc = 0;
    const struct lf_key key = lf_key_of_word(m->byte_keys, k);
    lf_read_lock(m, self);
    if (lookup_protected(m, &key, &v))
        rc = visit(m, k, v, ctx);
    lf_read_unlock(m, self);
    return rc;
}

static int walk(struct lfmap *m, walk_visit visit, void *ctx)
{
    struct lfmap_thread_state *self = lf_thread();
    int rc = lf_attach(m, self);
    if (rc)
        return rc;
    lf_read_lock(m, self);
    struct lfmap_table *t;
    for (;;) {
        /* acquire (both): pair with the promoting and publishing CASes. */
        t = lf_current(m);
        struct lfmap_table *nt = atomic_load_explicit(&t->next, memory_order_acquire);
        if (!nt)
            break;
        lf_table_finish_migration(m, t, nt); /* protects nt itself (or publishes it first) */
    }
    /* At the load that found t->next NULL, every present key had its slot
     * in t (or was a side key): each is reached below exactly once, since a
     * key has one slot per table.  The walk and the callbacks run outside
     * any read-side section, holding only t (a pin), so however long they
     * take they delay the reclamation of no other table of any map.  The
     * pin also keeps t's key objects (byte maps) until the walk is over. */
    lf_table_pin(t);
    lf_read_unlock(m, self);
    uint64_t w;
    for (unsigned r = 0; r < KEY_RESERVED && rc == 0 && !m->byte_keys; r++) {
        /* acquire: pairs with the CAS that stored the value. */
        w = atomic_load_explicit(&m->side_value[r], memory_order_acquire);
        if (__builtin_expect(m->protect_values, 0))
            rc = walk_protected(m, self, r, visit, ctx);
        else if (value_is_live(w))
            rc = visit(m, r, value_decode(w), ctx);
    }
    for (size_t i = 0; i < t->nslots && rc == 0; i++) {
        struct lfmap_slot *s = &t->slots[i];
        /* acquire: value after key (and a byte map's key object after its
         * claim). */
        uint64_t k = atomic_load_explicit(&s->key, memory_order_acquire);
        if (k < KEY_RESERVED)
            continue;
        /* acquire: pairs with the CAS that wrote it. */
        w = atomic_load_explicit(&s->value, memory_order_acquire);
        uint64_t v;
        if (__builtin_expect(m->protect_values, 0)) {
            if (value_is_live(w) || value_is_frozen(w))
                rc = walk_protected(m, self, k, visit, ctx);
            continue;
        }
        if (value_is_live(w)) {
            v = value_decode(w);
        } else if (value_is_frozen(w)) {
            /* Moved (or moving) on: the key's value now, if it has one, is
             * one it held during the call.  Looked up from the current table
             * in a short read-side section: t's successors may already be
             * retired, and only a section opened before their retirement
             * may follow them. */
            const struct lf_key key = lf_key_of_word(m->byte_keys, k);
            lf_read_lock(m, self);
            bool found = lookup_any(m, &key, &v); /* from the current table (acquire) */
            lf_read_unlock(m, self);
            if (!found)
                continue;
        } else {
            continue; /* absent now */
        }
        rc = visit(m, k, v, ctx);
    }
    lf_table_unpin(t);
    return rc;
}

struct u64_walk {
    int (*fn)(uint64_t key, uint64_t value, void *arg);
    void *arg;
};

static int u64_visit(const struct lfmap *m, uint64_t word, uint64_t value, void *ctx)
{
    const struct u64_walk *w = ctx;
    return w->fn(lf_unmix(&m->hasher, word), value, w->arg); /* side words unmix to the side keys */
}

int lfmap_foreach(lfmap *m, int (*fn)(uint64_t key, uint64_t value, void *arg), void *arg)
{
    if (wrong_kind(m, false))
        return -EINVAL;
    struct u64_walk w = {fn, arg};
    return walk(m, u64_visit, &w);
}

static void stats_fill(struct lfmap *m, struct lfmap_stats *out)
{
    memset(out, 0, sizeof *out);
    out->size = lfmap_size(m);
    struct lfmap_thread_state *self = lf_thread();
    bool section = lf_attach(m, self) == 0;
    if (section)
        lf_read_lock(m, self);
    /* acquire: the table's fields are read after it. Without registration
     * the caller must be the only user (as for lfmap_free). */
    struct lfmap_table *t = section ? lf_current(m) : atomic_load_explicit(&m->current, memory_order_acquire);
    out->capacity_slots = t->nslots;
    /* relaxed (all): statistics. */
    out->used_slots = atomic_load_explicit(&t->used, memory_order_relaxed);
    out->table_bytes = t->bytes;
    out->resizing = atomic_load_explicit(&t->next, memory_order_relaxed) != NULL;
    out->resizes = atomic_load_explicit(&m->resizes, memory_order_relaxed);
    /* retired_pending counts retired value records too (each holds m). */
    uint64_t pending = atomic_load_explicit(&m->retired_pending, memory_order_relaxed) & ~MAP_OWNED;
    uint64_t values = atomic_load_explicit(&m->retired_values, memory_order_relaxed);
    out->retired_tables = pending > values ? pending - values : 0;
    /* Claims that threads reserved in t for their next inserts are not
     * claimed slots yet: subtract them. */
    for (unsigned i = 0; i < LFMAP_OWNED_STRIPES; i++) {
        const struct lfmap_counter_stripe *c = &m->live[i];
        if (atomic_load_explicit(&c->claim_serial, memory_order_relaxed) == t->serial) {
            size_t left = atomic_load_explicit(&c->claims_left, memory_order_relaxed);
            out->used_slots -= left < out->used_slots ? left : out->used_slots;
        }
    }
    /* relaxed (both): statistics. */
    out->retired_bytes_pending = atomic_load_explicit(&m->retired_bytes, memory_order_relaxed);
    out->retired_values_pending = atomic_load_explicit(&m->retired_values, memory_order_relaxed);
    if (section)
        lf_read_unlock(m, self);
}

/* The caller's struct has `size` bytes (of this header, an older or a newer
 * one): fill the fields it has, and nothing past them; fields of a newer
 * header that this library does not know are 0.  -EINVAL (nothing written)
 * for a size below 0.1's. */
static int stats_copy(struct lfmap *m, struct lfmap_stats *out, size_t size)
{
    if (!out || size < STATS_SIZE_0_1)
        return -EINVAL;
    struct lfmap_stats full;
    stats_fill(m, &full);
    memcpy(out, &full, size < sizeof full ? size : sizeof full);
    if (size > sizeof full)
        memset((char *)out + sizeof full, 0, size - sizeof full);
    return 0;
}

void(lfmap_get_stats)(lfmap *m, struct lfmap_stats *out)
{
    (void)stats_copy(m, out, STATS_SIZE_0_1);
}

int lfmap_get_stats_sized(lfmap *m, struct lfmap_stats *out, size_t size)
{
    return stats_copy(m, out, size);
}

/* ------------------------------------------------------------------ */
/* Reclamation schemes                                                  */

const char *lfmap_reclamation_scheme(size_t i)
{
    const struct lfrcu_scheme *s = lfrcu_scheme_at(i);
    return s ? s->name : NULL;
}

const char *lfmap_reclamation(const lfmap *m)
{
    return m->rcu.scheme->name;
}

void lfmap_read_lock(lfmap *m)
{
    struct lfmap_thread_state *self = lf_thread();
    if (lf_attach(m, self) == 0) /* an unregistered thread: nothing to protect with */
        lf_read_lock(m, self);
}

void lfmap_read_unlock(lfmap *m)
{
    struct lfmap_thread_state *self = lf_thread();
    if (self->schemes & m->rcu.bit)
        lf_read_unlock(m, self);
}

void lfmap_quiescent(void)
{
    const struct lfrcu_scheme *const *all = lfrcu_schemes();
    for (unsigned i = 0; all[i]; i++)
        if ((lf_self.schemes & (1u << i)) && all[i]->quiescent)
            all[i]->quiescent();
}

void lfmap_thread_offline(void)
{
    const struct lfrcu_scheme *const *all = lfrcu_schemes();
    for (unsigned i = 0; all[i]; i++)
        if ((lf_self.schemes & (1u << i)) && all[i]->thread_offline)
            all[i]->thread_offline();
}

void lfmap_thread_online(void)
{
    const struct lfrcu_scheme *const *all = lfrcu_schemes();
    for (unsigned i = 0; all[i]; i++)
        if ((lf_self.schemes & (1u << i)) && all[i]->thread_online)
            all[i]->thread_online();
}

/* ------------------------------------------------------------------ */
/* Byte-string keys (lfmap_bytes): the same map, engine and guarantees,
 * with keys compared by their bytes (lib/key.h).  An lfmap_bytes is a
 * struct lfmap whose byte_keys is set.                                  */

static struct lfmap *bmap(lfmap_bytes *b)
{
    return (struct lfmap *)(void *)b;
}

/* The key for bytes [key, key + len): 0, or -EINVAL for a NULL key of
 * positive length, a key longer than LFMAP_BYTES_KEY_MAX, or a map of
 * uint64_t keys (wrong_kind). */
static inline __attribute__((always_inline)) int bytes_key(const struct lfmap *m, const void *key, size_t len,
                                                           struct lf_key *out)
{
    if ((!key && len) || len > LFMAP_BYTES_KEY_MAX || wrong_kind(m, true))
        return -EINVAL;
    static const unsigned char empty[1];
    const unsigned char *bytes = key ? key : empty;
    uint64_t hash = lf_bytes_hash(&m->hasher, bytes, len);
#ifdef LFMAP_PERTURB
    if (lf_test_bytes_hash) /* tests: keys that collide on their whole hash */
        hash = lf_test_bytes_hash(bytes, len);
#endif
    *out = (struct lf_key){.word = LF_KEY_NONE, .hash = hash, .bytes = bytes, .len = len};
    return 0;
}

lfmap_bytes *(lfmap_bytes_new)(const struct lfmap_config *cfg)
{
    return (lfmap_bytes *)(void *)map_new(cfg, CONFIG_SIZE_0_1, true);
}

lfmap_bytes *lfmap_bytes_new_sized(const struct lfmap_config *cfg, size_t size)
{
    return (lfmap_bytes *)(void *)map_new(cfg, size, true);
}

void lfmap_bytes_free(lfmap_bytes *m)
{
    lfmap_free(bmap(m));
}

int lfmap_bytes_lookup(lfmap_bytes *b, const void *key, size_t len, uint64_t *value)
{
    struct lfmap *m = bmap(b);
    struct lf_key k;
    int rc = bytes_key(m, key, len, &k);
    return rc ? rc : lookup_key(m, &k, value);
}

bool lfmap_bytes_get(lfmap_bytes *b, const void *key, size_t len, uint64_t *value)
{
    struct lfmap *m = bmap(b);
    struct lf_key k;
    if (bytes_key(m, key, len, &k) != 0) {
        errno = EINVAL;
        return false;
    }
    return get_key(m, &k, value);
}

int lfmap_bytes_insert(lfmap_bytes *b, const void *key, size_t len, uint64_t value)
{
    struct lfmap *m = bmap(b);
    struct lf_key k;
    int rc = bytes_key(m, key, len, &k);
    return rc ? rc : do_get_or_insert(m, &k, value, NULL);
}

int lfmap_bytes_get_or_insert(lfmap_bytes *b, const void *key, size_t len, uint64_t value, uint64_t *current)
{
    struct lfmap *m = bmap(b);
    struct lf_key k;
    int rc = bytes_key(m, key, len, &k);
    return rc ? rc : do_get_or_insert(m, &k, value, current);
}

int lfmap_bytes_put(lfmap_bytes *b, const void *key, size_t len, uint64_t value, uint64_t *old)
{
    struct lfmap *m = bmap(b);
    struct lf_key k;
    int rc = bytes_key(m, key, len, &k);
    return rc ? rc : do_put(m, &k, value, old);
}

int lfmap_bytes_remove(lfmap_bytes *b, const void *key, size_t len, uint64_t *old)
{
    struct lfmap *m = bmap(b);
    struct lf_key k;
    int rc = bytes_key(m, key, len, &k);
    return rc ? rc : do_remove(m, &k, old);
}

int lfmap_bytes_remove_if(lfmap_bytes *b, const void *key, size_t len, uint64_t expected)
{
    struct lfmap *m = bmap(b);
    struct lf_key k;
    int rc = bytes_key(m, key, len, &k);
    return rc ? rc : do_remove_if(m, &k, expected);
}

int lfmap_bytes_cas(lfmap_bytes *b, const void *key, size_t len, uint64_t expected, uint64_t desired)
{
    struct lfmap *m = bmap(b);
    struct lf_key k;
    int rc = bytes_key(m, key, len, &k);
    return rc ? rc : do_cas(m, &k, expected, desired);
}

int lfmap_bytes_fetch_add(lfmap_bytes *b, const void *key, size_t len, uint64_t delta, uint64_t *old)
{
    struct lfmap *m = bmap(b);
    struct lf_key k;
    int rc = bytes_key(m, key, len, &k);
    return rc ? rc : do_fetch_add(m, &k, delta, old);
}

size_t lfmap_bytes_size(lfmap_bytes *m)
{
    return lfmap_size(bmap(m));
}

struct bytes_walk {
    int (*fn)(const void *key, size_t len, uint64_t value, void *arg);
    void *arg;
};

static int bytes_visit(const struct lfmap *m, uint64_t word, uint64_t value, void *ctx)
{
    (void)m;
    const struct bytes_walk *w = ctx;
    const struct lf_bkey *o = lf_bkey_of(word);
    return w->fn(o->bytes, o->len, value, w->arg);
}

int lfmap_bytes_foreach(lfmap_bytes *m, int (*fn)(const void *key, size_t len, uint64_t value, void *arg), void *arg)
{
    if (wrong_kind(bmap(m), true))
        return -EINVAL;
    struct bytes_walk w = {fn, arg};
    return walk(bmap(m), bytes_visit, &w);
}

void(lfmap_bytes_get_stats)(lfmap_bytes *m, struct lfmap_stats *out)
{
    (void)stats_copy(bmap(m), out, STATS_SIZE_0_1);
}

int lfmap_bytes_get_stats_sized(lfmap_bytes *m, struct lfmap_stats *out, size_t size)
{
    return stats_copy(bmap(m), out, size);
}

const char *lfmap_bytes_reclamation(const lfmap_bytes *m)
{
    return lfmap_reclamation((const struct lfmap *)(const void *)m);
}

void lfmap_bytes_read_lock(lfmap_bytes *m)
{
    lfmap_read_lock(bmap(m));
}

void lfmap_bytes_read_unlock(lfmap_bytes *m)
{
    lfmap_read_unlock(bmap(m));
}
