/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * readmostly: Go's sync.Map in C: Load, Store (the put: Go 1.20's Swap, whose
 * paths and miss counting are Go 1.19's Store), LoadOrStore (insert),
 * LoadAndDelete (remove) and CompareAndSwap (Go 1.20).  Its promotions and
 * dirty-map builds equal the real sync.Map's on lfbench's streams
 * (tests/harness/go_faithful.sh) and Go's rules on scripted sequences
 * (tests/harness/unit_lfbench_faithful.c).
 *
 * A "read" snapshot {table, amended} is served without locks: its table maps
 * keys to entries and is never changed once published; an entry's value word
 * changes atomically (a Store to a key in the snapshot is one CAS).  Keys not
 * in the snapshot live in the mutex-protected "dirty" table, which, when it
 * exists, holds every live entry of the snapshot too.  amended says that the
 * dirty table has keys the snapshot lacks; a lookup that misses the snapshot
 * while amended takes the mutex and counts a miss, and after as many misses
 * as the dirty table has keys, the dirty table is promoted to be the new
 * snapshot (and dirty is dropped).  Deleting marks the entry DELETED; when the
 * next dirty table is built from the snapshot (on the first Store of a new
 * key), DELETED entries become EXPUNGED and are left out of it.
 *
 * The hot-key pathology the brief quotes comes from this cycle: deleting and
 * re-adding keys makes reads miss, misses promote, and the first new key
 * after a promotion copies the whole snapshot into a new dirty table.
 *
 * No prefill shortcut: the harness loads keys through rm_insert (Go's
 * LoadOrStore), so they start in the dirty table, as a Go program's Stores
 * leave them, and reach the read snapshot by promotion.
 *
 * Memory: snapshots and entries are freed after an RCU grace period
 * (urcu_glue.h).  An entry is reached only through the tables.  Building a
 * dirty table lists the entries it expunges; at the promotion that ends the
 * cycle, EXPUNGED <=> not in the dirty table, so the listed entries still
 * expunged are in no newer table and are retired then (checking later would
 * be wrong: an entry of the old table may be expunged again by the next
 * cycle while it is still in the new snapshot).  An entry deleted from the
 * dirty table was never in a snapshot.
 */
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>

#include "locks.h"
#include "map_iface.h"
#include "plain_map.h"
#include "urcu_glue.h"

/* Entry states above every valid value (map_iface.h: values < 2^62). */
#define RM_DELETED (LFB_VALUE_LIMIT)      /* Go's nil */
#define RM_EXPUNGED (LFB_VALUE_LIMIT + 1) /* Go's expunged */

struct rm_entry {
    uint64_t key;
    _Atomic uint64_t p; /* value, RM_DELETED or RM_EXPUNGED */
    struct rm_entry *next_expunged; /* under mu: this cycle's expunged list */
    struct rcu_head rcu;
};

struct rm_snapshot {
    struct plain_map *table; /* key -> (uintptr_t)struct rm_entry * */
    bool amended;
    bool owns_table; /* freed with the table when retired (cleared when a
                      * newer snapshot shares the table) */
    struct rcu_head rcu;
};

/* Adaptive: the slow path's critical sections are short (a dirty-map probe,
 * a miss count) but frequent when keys leave the snapshot; spinning wins at
 * 2 threads (hotkeys-churn 2.4 against 1.6 Mops/s): results/harness/README.md. */
#define RM_OWN_KIND LFB_LOCK_ADAPTIVE

struct rm_map {
    _Atomic(struct rm_snapshot *) read;
    pthread_mutex_t mu;
    enum lfb_lock_kind kind;
    struct plain_map *dirty; /* under mu; NULL when dropped */
    size_t misses;           /* under mu */
    struct rm_entry *expunged; /* under mu: expunged while building dirty */
    uint64_t seed;
    uint64_t promotions, dirty_builds; /* under mu */
};

static struct rm_entry *rm_find(const struct plain_map *t, uint64_t key)
{
    uint64_t e;
    return plain_get(t, key, &e) ? (struct rm_entry *)(uintptr_t)e : NULL;
}

static struct rm_entry *rm_entry_new(uint64_t key, uint64_t value)
{
    struct rm_entry *e = malloc(sizeof *e);
    if (!e) {
        fputs("lfbench: readmostly: out of memory\n", stderr);
        abort();
    }
    e->key = key;
    atomic_init(&e->p, value);
    e->next_expunged = NULL;
    return e;
}

/* Tables come from the allocator whatever their size (plain_map.h's
 * heap_tables), as cow's copies do and as Go's heap serves a new dirty map:
 * a dirty table is built whole at once, and at 1e4 keys its 16,384 slots
 * are exactly the 256 KiB mmap threshold, so each rebuild would pay an
 * mmap, its page faults and an munmap instead of reusing freed memory. */
static struct plain_map *rm_table_new(size_t capacity, uint64_t seed)
{
    struct plain_map *t = malloc(sizeof *t);
    if (!t || plain_init_tables(t, capacity, seed, true) != 0) {
        fputs("lfbench: readmostly: out of memory\n", stderr);
        abort();
    }
    return t;
}

static void rm_table_put(struct plain_map *t, struct rm_entry *e)
{
    if (plain_put(t, e->key, (uint64_t)(uintptr_t)e, NULL) < 0) {
        fputs("lfbench: readmostly: out of memory\n", stderr);
        abort();
    }
}

/* Calls fn on every entry of t. */
static void rm_table_each(struct plain_map *t, void (*fn)(struct rm_entry *, void *), void *arg)
{
    if (t->has_zero)
        fn((struct rm_entry *)(uintptr_t)t->zero_value, arg);
    for (size_t i = 0; i < plain_capacity_slots(t); i++)
        if (t->slots[i].key != 0)
            fn((struct rm_entry *)(uintptr_t)t->slots[i].value, arg);
}

static void rm_entry_free_cb(struct rcu_head *h)
{
    lfb_rcu_callback_begin(h);
    free(caa_container_of(h, struct rm_entry, rcu));
}

/* Destroy only: no thread uses the map. */
static void free_if_expunged(struct rm_entry *e, void *arg)
{
    (void)arg;
    if (atomic_load_explicit(&e->p, memory_order_relaxed) == RM_EXPUNGED)
        free(e);
}

static void rm_snapshot_free_cb(struct rcu_head *h)
{
    lfb_rcu_callback_begin(h);
    struct rm_snapshot *s = caa_container_of(h, struct rm_snapshot, rcu);
    if (s->owns_table) {
        plain_destroy(s->table);
        free(s->table);
    }
    free(s);
}

static struct rm_snapshot *rm_snapshot_new(struct plain_map *table, bool amended)
{
    struct rm_snapshot *s = malloc(sizeof *s);
    if (!s) {
        fputs("lfbench: readmostly: out of memory\n", stderr);
        abort();
    }
    s->table = table;
    s->amended = amended;
    s->owns_table = true;
    return s;
}

/* Publishes {table, amended}; the old snapshot is retired (with its table
 * unless the new one shares it).  Under mu. */
static void rm_publish(struct rm_map *m, struct plain_map *table, bool amended)
{
    struct rm_snapshot *old = atomic_load_explicit(&m->read, memory_order_relaxed);
    old->owns_table = old->table != table;
    atomic_store_explicit(&m->read, rm_snapshot_new(table, amended), memory_order_release);
    lfb_rcu_call(&old->rcu, rm_snapshot_free_cb);
}

/* Go's missLocked. */
static void rm_miss_locked(struct rm_map *m)
{
    m->misses++;
    if (m->misses < plain_size(m->dirty))
        return;
    rm_publish(m, m->dirty, false);
    m->dirty = NULL;
    m->misses = 0;
    m->promotions++;
    /* Entries still expunged now are in no newer table (header comment). */
    for (struct rm_entry *e = m->expunged, *next; e; e = next) {
        next = e->next_expunged;
        if (atomic_load_explicit(&e->p, memory_order_relaxed) == RM_EXPUNGED)
            lfb_rcu_call(&e->rcu, rm_entry_free_cb);
    }
    m->expunged = NULL;
}

/* Go's tryExpungeLocked: true when e is (now) expunged. */
static bool rm_try_expunge(struct rm_entry *e)
{
    uint64_t p = atomic_load(&e->p);
    while (p == RM_DELETED) {
        if (atomic_compare_exchange_weak(&e->p, &p, RM_EXPUNGED))
            return true;
    }
    return p == RM_EXPUNGED;
}

static void copy_unexpunged(struct rm_entry *e, void *arg)
{
    struct rm_map *m = arg;
    if (!rm_try_expunge(e)) {
        rm_table_put(m->dirty, e);
        return;
    }
    /* A snapshot fresh from a promotion holds no expunged entry, so every
     * entry expunged here is new to the list. */
    e->next_expunged = m->expunged;
    m->expunged = e;
}

/* Go's dirtyLocked: builds dirty from the snapshot (O(n)). */
static void rm_dirty_locked(struct rm_map *m)
{
    if (m->dirty)
        return;
    struct rm_snapshot *s = atomic_load_explicit(&m->read, memory_order_relaxed);
    m->dirty = rm_table_new(plain_size(s->table), m->seed);
    rm_table_each(s->table, copy_unexpunged, m);
    m->dirty_builds++;
}

/* Adds a key absent from both tables (Go: the last branch of Store). */
static void rm_add_new_locked(struct rm_map *m, uint64_t key, uint64_t value)
{
    struct rm_snapshot *s = atomic_load_explicit(&m->read, memory_order_relaxed);
    if (!s->amended) {
        rm_dirty_locked(m);
        rm_publish(m, s->table, true);
    }
    rm_table_put(m->dirty, rm_entry_new(key, value));
}

/* Go's unexpungeLocked. */
static bool rm_unexpunge(struct rm_entry *e)
{
    uint64_t expected = RM_EXPUNGED;
    return atomic_compare_exchange_strong(&e->p, &expected, RM_DELETED);
}

static void *rm_create(const struct lfb_map_config *cfg)
{
    struct rm_map *m = calloc(1, sizeof *m);
    if (!m)
        return NULL;
    m->seed = cfg->seed;
    m->kind = lfb_lock_kind_pick(cfg->lock_kind, RM_OWN_KIND);
    if (lfb_mutex_init(&m->mu, m->kind) != 0) {
        free(m);
        return NULL;
    }
    /* The first snapshot is empty and smallest, whatever cfg->capacity says:
     * a new sync.Map's read map is empty (Go cannot presize it), its first
     * Store builds the dirty table (sized as the snapshot, as Go's
     * dirtyLocked does), and every key reaches the snapshot by promotion.
     * A presized empty snapshot is never written, and on the measurement
     * VM reads of never-written mmap'd memory cost ~3.6 us each
     * (paper-notes.md, "Threats to validity"): every miss of a 1e6-key run paid that. */
    atomic_init(&m->read, rm_snapshot_new(rm_table_new(0, cfg->seed), false));
    return m;
}

static void free_entry(struct rm_entry *e, void *arg)
{
    (void)arg;
    free(e);
}

static void rm_destroy(void *p)
{
    struct rm_map *m = p;
    lfb_rcu_barrier(); /* retired snapshots and entries first */
    struct rm_snapshot *s = atomic_load(&m->read);
    if (m->dirty) {
        /* dirty holds every live entry; the snapshot's others are expunged */
        rm_table_each(s->table, free_if_expunged, NULL);
        if (m->dirty != s->table) {
            rm_table_each(m->dirty, free_entry, NULL);
            plain_destroy(m->dirty);
            free(m->dirty);
        }
    } else {
        rm_table_each(s->table, free_entry, NULL);
    }
    plain_destroy(s->table);
    free(s->table);
    free(s);
    pthread_mutex_destroy(&m->mu);
    free(m);
}

static void rm_enter(void *m) { (void)m; lfb_rcu_register(); }
static void rm_exit(void *m) { (void)m; lfb_rcu_unregister(); }

static bool rm_get(void *p, uint64_t key, uint64_t *value)
{
    struct rm_map *m = p;
    lfb_rcu_read_lock();
    struct rm_snapshot *s = atomic_load_explicit(&m->read, memory_order_acquire);
    struct rm_entry *e = rm_find(s->table, key);
    if (e || !s->amended) {
        uint64_t v = e ? atomic_load_explicit(&e->p, memory_order_acquire) : RM_DELETED;
        lfb_rcu_read_unlock();
        if (v >= LFB_VALUE_LIMIT)
            return false;
        if (value)
            *value = v;
        return true;
    }
    lfb_rcu_read_unlock();
    /* Slow path: under mu the current snapshot cannot be retired. */
    lfb_mutex_lock(&m->mu);
    s = atomic_load_explicit(&m->read, memory_order_relaxed);
    e = rm_find(s->table, key);
    if (!e && s->amended) {
        e = rm_find(m->dirty, key);
        rm_miss_locked(m);
    }
    uint64_t v = e ? atomic_load(&e->p) : RM_DELETED;
    pthread_mutex_unlock(&m->mu);
    if (v >= LFB_VALUE_LIMIT)
        return false;
    if (value)
        *value = v;
    return true;
}

/* Go's tryLoadOrStore: 1 stored, 0 loaded (present), -1 expunged. */
static int rm_try_load_or_store(struct rm_entry *e, uint64_t value)
{
    uint64_t p = atomic_load(&e->p);
    for (;;) {
        if (p == RM_EXPUNGED)
            return -1;
        if (p != RM_DELETED)
            return 0;
        if (atomic_compare_exchange_weak(&e->p, &p, value))
            return 1;
    }
}

/* insert-if-absent: Go's LoadOrStore. */
static bool rm_insert(void *p, uint64_t key, uint64_t value)
{
    struct rm_map *m = p;
    lfb_rcu_read_lock();
    struct rm_snapshot *s = atomic_load_explicit(&m->read, memory_order_acquire);
    struct rm_entry *e = rm_find(s->table, key);
    int rc = e ? rm_try_load_or_store(e, value) : -1;
    lfb_rcu_read_unlock();
    if (rc >= 0)
        return rc == 1;

    lfb_mutex_lock(&m->mu);
    s = atomic_load_explicit(&m->read, memory_order_relaxed);
    e = rm_find(s->table, key);
    if (e) {
        if (rm_unexpunge(e))
            rm_table_put(m->dirty, e);
        rc = rm_try_load_or_store(e, value);
    } else if (m->dirty && (e = rm_find(m->dirty, key)) != NULL) {
        rc = rm_try_load_or_store(e, value);
        rm_miss_locked(m);
    } else {
        rm_add_new_locked(m, key, value);
        rc = 1;
    }
    pthread_mutex_unlock(&m->mu);
    return rc == 1;
}

/* Go's trySwap: the previous word, or RM_EXPUNGED when it must lock. */
static uint64_t rm_try_swap(struct rm_entry *e, uint64_t value)
{
    uint64_t p = atomic_load(&e->p);
    for (;;) {
        if (p == RM_EXPUNGED)
            return RM_EXPUNGED;
        if (atomic_compare_exchange_weak(&e->p, &p, value))
            return p;
    }
}

/* put: Go's Swap; true when the key was absent. */
static bool rm_put(void *p, uint64_t key, uint64_t value)
{
    struct rm_map *m = p;
    lfb_rcu_read_lock();
    struct rm_snapshot *s = atomic_load_explicit(&m->read, memory_order_acquire);
    struct rm_entry *e = rm_find(s->table, key);
    uint64_t prev = e ? rm_try_swap(e, value) : RM_EXPUNGED;
    lfb_rcu_read_unlock();
    if (prev != RM_EXPUNGED)
        return prev == RM_DELETED;

    lfb_mutex_lock(&m->mu);
    s = atomic_load_explicit(&m->read, memory_order_relaxed);
    e = rm_find(s->table, key);
    if (e) {
        if (rm_unexpunge(e))
            rm_table_put(m->dirty, e);
        prev = atomic_exchange(&e->p, value);
    } else if (m->dirty && (e = rm_find(m->dirty, key)) != NULL) {
        prev = atomic_exchange(&e->p, value);
    } else {
        rm_add_new_locked(m, key, value);
        prev = RM_DELETED;
    }
    pthread_mutex_unlock(&m->mu);
    return prev == RM_DELETED;
}

/* Go's entry.delete: true when it held a value. */
static bool rm_entry_delete(struct rm_entry *e)
{
    uint64_t p = atomic_load(&e->p);
    for (;;) {
        if (p == RM_DELETED || p == RM_EXPUNGED)
            return false;
        if (atomic_compare_exchange_weak(&e->p, &p, RM_DELETED))
            return true;
    }
}

/* remove: Go's LoadAndDelete. */
static bool rm_remove(void *p, uint64_t key)
{
    struct rm_map *m = p;
    lfb_rcu_read_lock();
    struct rm_snapshot *s = atomic_load_explicit(&m->read, memory_order_acquire);
    struct rm_entry *e = rm_find(s->table, key);
    if (e || !s->amended) {
        bool removed = e && rm_entry_delete(e);
        lfb_rcu_read_unlock();
        return removed;
    }
    lfb_rcu_read_unlock();

    lfb_mutex_lock(&m->mu);
    s = atomic_load_explicit(&m->read, memory_order_relaxed);
    e = rm_find(s->table, key);
    bool removed;
    if (!e && s->amended) {
        e = rm_find(m->dirty, key);
        if (e)
            plain_remove(m->dirty, key, NULL);
        removed = e && rm_entry_delete(e);
        rm_miss_locked(m);
        if (e)
            lfb_rcu_call(&e->rcu, rm_entry_free_cb);
    } else {
        removed = e && rm_entry_delete(e);
    }
    pthread_mutex_unlock(&m->mu);
    return removed;
}

/* Go's tryCompareAndSwap. */
static bool rm_try_cas(struct rm_entry *e, uint64_t expected, uint64_t desired)
{
    uint64_t p = atomic_load(&e->p);
    while (p == expected) {
        if (atomic_compare_exchange_weak(&e->p, &p, desired))
            return true;
    }
    return false;
}

/* Go's CompareAndSwap. */
static bool rm_cas(void *p, uint64_t key, uint64_t expected, uint64_t desired)
{
    struct rm_map *m = p;
    lfb_rcu_read_lock();
    struct rm_snapshot *s = atomic_load_explicit(&m->read, memory_order_acquire);
    struct rm_entry *e = rm_find(s->table, key);
    if (e || !s->amended) {
        bool ok = e && rm_try_cas(e, expected, desired);
        lfb_rcu_read_unlock();
        return ok;
    }
    lfb_rcu_read_unlock();

    lfb_mutex_lock(&m->mu);
    s = atomic_load_explicit(&m->read, memory_order_relaxed);
    e = rm_find(s->table, key);
    bool ok = false;
    if (e) {
        ok = rm_try_cas(e, expected, desired);
    } else if (m->dirty && (e = rm_find(m->dirty, key)) != NULL) {
        ok = rm_try_cas(e, expected, desired);
        rm_miss_locked(m);
    }
    pthread_mutex_unlock(&m->mu);
    return ok;
}

static void count_live(struct rm_entry *e, void *arg)
{
    if (atomic_load(&e->p) < LFB_VALUE_LIMIT)
        ++*(int64_t *)arg;
}

static void rm_config(struct rm_map *m, struct lfb_map_stats *out)
{
    out->resizes = (int64_t)m->promotions;
    out->retired_bytes = -1;
    snprintf(out->config, sizeof out->config,
             "{\"design\":\"Go 1.19-1.20 sync.Map\",\"promotions\":%llu,\"dirty_builds\":%llu,"
             "\"lock\":\"pthread_mutex\",\"kind\":\"%s\"}",
             (unsigned long long)m->promotions, (unsigned long long)m->dirty_builds,
             lfb_lock_kind_names[m->kind]);
}

/* Counts the live entries: a walk of the whole table under mu. */
static void rm_stats(void *p, struct lfb_map_stats *out)
{
    struct rm_map *m = p;
    pthread_mutex_lock(&m->mu);
    struct rm_snapshot *s = atomic_load(&m->read);
    out->size = 0;
    rm_table_each(m->dirty ? m->dirty : s->table, count_live, &out->size);
    rm_config(m, out);
    pthread_mutex_unlock(&m->mu);
}

/* The memory monitor's reading: the counters only (no walk under the lock
 * every interval, which would stall the writers it measures). */
static void rm_sample(void *p, struct lfb_map_stats *out)
{
    struct rm_map *m = p;
    pthread_mutex_lock(&m->mu);
    out->size = -1;
    rm_config(m, out);
    pthread_mutex_unlock(&m->mu);
}

const struct lfb_map_ops LFB_MAP_OPS(readmostly) = {
    .name = "readmostly",
    .description = "Go sync.Map design: lock-free read snapshot + mutex dirty table",
    .lock_kinds = LFB_MUTEX_KINDS,
    .profiled = LFB_LOCKS_PROFILED,
    .create = rm_create,
    .destroy = rm_destroy,
    .thread_enter = rm_enter,
    .thread_exit = rm_exit,
    .get = rm_get,
    .insert = rm_insert,
    .remove = rm_remove,
    .put = rm_put,
    .cas = rm_cas,
    .stats = rm_stats,
    .sample = rm_sample,
};
