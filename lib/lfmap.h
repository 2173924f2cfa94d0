/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * lfmap: a lock-free, RCU-protected open-addressing hash map from uint64_t
 * keys to uint64_t values, with incremental cooperative resize.
 *
 * This header is the documentation of the API.
 *
 * Threads
 *   Every thread calls lfmap_thread_register() once before its first map
 *   operation and lfmap_thread_unregister() before it exits.  Operations from
 *   an unregistered thread fail with -EPERM (lfmap_get returns false and sets
 *   errno to EPERM; lfmap_lookup returns -EPERM).  lfmap_new() and
 *   lfmap_free() need no registration.
 *   At most LFMAP_MAX_THREADS threads are registered at once.  Threads may
 *   come and go freely (a thread pool, short-lived threads): registration
 *   state is per thread, nothing a thread did stays charged to it.
 *
 * Sharing a map
 *   lfmap_new() returns an ordinary C object: hand the pointer to other
 *   threads as you would any object (a release store read with acquire, a
 *   mutex, pthread_create/join), never through a relaxed or plain racy store.
 *
 * Reclamation schemes
 *   Each map frees retired memory (old tables after a resize, and values
 *   when it has a destructor) through its own reclamation scheme, chosen by
 *   name in lfmap_config.reclamation (table below lfmap_free).  A registered
 *   thread is registered with a scheme lazily, by its first operation on a
 *   map of that scheme, and lfmap_thread_unregister unregisters it from
 *   every scheme it used.
 *
 *   What the environment may change.  LFMAP_RCU names the scheme of maps
 *   created without one (lfmap_config.reclamation NULL).  It can never
 *   change what a program may do with a map, nor break a program that
 *   chose:
 *   - It may choose only a scheme that keeps the default's contract:
 *     urcu-memb, urcu-mb (a read-side section protects every
 *     value read in it, value_free runs shortly after a grace period with
 *     no call from the program, reads are wait-free per table, and the
 *     scheme asks nothing more of a thread).  Any other scheme it names
 *     (urcu-qsbr: threads must announce quiescent states and go offline
 *     around blocking; urcu-bp: unregistering inside a section does not end
 *     it; ck-epoch, ebr: what is retired is freed only when threads call
 *     lfmap_quiescent or keep writing; leak: value_free never runs; ck-hp,
 *     he, ibr: a section protects only the last value read, reads are
 *     lock-free) is not taken: such
 *     maps get the built-in default "urcu-memb", and lfmap_reclamation(m)
 *     says which.  A program that wants one of those names it, and then
 *     follows that scheme's rules.
 *   - LFMAP_RCU_ANY_CONTRACT (set, and not empty or "0") lifts that limit for a process whose every
 *     map follows the rules of whatever scheme LFMAP_RCU names: a test
 *     runner or a measurement that runs one binary under every scheme
 *     (tests/run.sh does).
 *   - An unknown LFMAP_RCU fails only what it would have chosen: lfmap_new
 *     of a map that names no scheme (NULL, errno EINVAL).  Maps that name
 *     their scheme, and lfmap_thread_register, never look at LFMAP_RCU.
 *
 * Programs that use liburcu themselves
 *   The default reclamation scheme is liburcu's memb flavour.  A thread the
 *   program registered with liburcu-memb (urcu_memb_register_thread) may call
 *   lfmap_thread_register: lfmap uses that registration and leaves it alone
 *   (lfmap_thread_unregister does not unregister it).  The program must then
 *   keep it registered while the thread is registered with lfmap.  A thread
 *   lfmap registered first must not be registered with liburcu-memb by the
 *   program (liburcu forbids registering twice) until lfmap_thread_unregister.
 *   lfmap's read-side sections nest inside the program's.
 *
 * Plugins (dlopen/dlclose)
 *   A shared object of yours that uses lfmap links liblfmap.so (never
 *   liblfmap.a: see the README) and may be loaded and unloaded any number of
 *   times.  liblfmap.so is built with -z nodelete: once loaded it stays
 *   loaded until the process exits, and so do the liburcu and Concurrency
 *   Kit libraries it needs; a later load of your plugin finds it (and its
 *   state) in place.  Why not shut down at the last unload instead: liburcu's
 *   call_rcu worker threads, which free what lfmap retires, keep running in
 *   liburcu's code after the unload, and liburcu (0.13) can stop its
 *   default worker at no time (call_rcu_data_free ignores it); threads of
 *   the host that used lfmap may still be registered, and other plugins
 *   may use liburcu too.  Unmapping that code crashed the host (its
 *   threads ran at an unmapped address); keeping a few hundred KiB mapped
 *   cannot.  What your plugin must do before it is unloaded: lfmap_free
 *   every map it created, from an ordinary thread outside any read-side
 *   section (it then waits until the map's value_free and allocator
 *   callbacks, code of your plugin, have all run), and call
 *   lfmap_thread_unregister on every thread it registered that outlives
 *   the plugin.  examples/plugin/ is a plugin and a host that does this.
 *
 * What lfmap does to the process
 *   The first lfmap_new registers the process for the private expedited
 *   sys_membarrier command (Linux 4.14 and later; liburcu-memb does the
 *   same; it affects this process only).  Writers then keep the live
 *   count with plain stores, and a resize pays one membarrier call.  Where
 *   the kernel refuses the registration (older kernels, a seccomp policy)
 *   every insert and remove pays one locked instruction more.  Where the
 *   call itself fails later (a seccomp policy installed after the first
 *   map), resizes size the new table from the old one's capacity instead
 *   of the live count: nothing is lost and inserts keep working, but a
 *   map under insert/remove churn then grows at each resize instead of
 *   reusing its slots, so install such a policy before the first map.
 *   Maps of the he and ibr schemes depend on it more: their readers
 *   publish without fences, so while the call fails nothing they retired
 *   is freed (the retired_* statistics show it; nothing is freed early),
 *   and lfmap_free of such a map returns without waiting for its tables.
 *
 * Keys and values
 *   Every uint64_t key is valid, 0 and UINT64_MAX included.
 *   Values 0 .. LFMAP_VALUE_MAX are valid.  The LFMAP_RESERVED_VALUES values
 *   above LFMAP_VALUE_MAX (the top of the range, UINT64_MAX among them) are
 *   used internally for slot states; every call given one returns -EINVAL and
 *   leaves the map untouched.
 *
 * Progress and concurrency guarantees
 *   - Every operation is linearizable; each one documents its linearization
 *     point in lib/lfmap.c and the argument is in paper-notes.md.
 *   - lfmap_get never helps a resize, never retries on contention and takes
 *     a bounded number of steps in each table it visits (at most the
 *     table's slot count, in practice a few cache lines).  It moves to the
 *     next table only when the key's slot there was frozen by a resize that
 *     started during the call, so it visits at most one table more than the
 *     number of resizes of the map that start while it runs: one when the
 *     map does not resize meanwhile, more only for a reader descheduled
 *     across several resizes (135 were measured for a reader stopped inside
 *     a get while another thread churned a tiny map).  So it is wait-free
 *     per table and lock-free overall.  Writes are lock-free.  No operation
 *     takes a lock.  Only
 *     resizes call the allocator: the writer that starts one allocates the
 *     successor, and a writer that finds that allocation slow allocates a
 *     candidate of its own (the losers are freed at once).
 *   - A resize runs incrementally: each writer that meets it moves a bounded
 *     chunk of slots (lfmap_config.migration_chunk) before its own operation.
 *   - Inserts fail only with -ENOMEM, when the table is full and a larger one
 *     cannot be allocated; the map is then exactly as before and stays usable.
 *
 * Memory ordering
 *   A value publishes what its writer did before storing it: an operation
 *   that stores a value (insert, put, cas, get_or_insert, fetch_add) is a
 *   release, and one that returns a stored value (get, get_or_insert's
 *   *current, put's, remove's and fetch_add's old value, lfmap_foreach's
 *   callback argument) is an acquire: the store of that value happens before
 *   the return, also when a resize copied the value to a new table meanwhile
 *   (the chain then runs through the copy).  So a program may
 *   store a pointer to an object it initialised with plain writes, and a
 *   thread that gets the pointer back sees the initialised object (keeping
 *   it alive is the business of value_free and lfmap_read_lock, below).
 *   The model check (make modelcheck, tests/model/README.md) verifies
 *   this under the C11 memory model for get, get_or_insert, put, remove and
 *   lfmap_foreach.  Every answer, including "absent" and "present, nothing
 *   changed", is also in the single total order of the operations' seq_cst
 *   accesses, so two threads that each write a key and then look up the
 *   other's cannot both miss it.
 *
 * Calls allowed inside an lfmap_foreach callback: every operation on any map,
 * lfmap_foreach included, but never lfmap_free of the map being walked and
 * never lfmap_thread_unregister.  The callback runs outside any read-side
 * section, so however slow it is it delays the reclamation of no table but
 * the one being walked.  On a map with value_free, a value the callback
 * receives may be replaced and freed by another thread meanwhile, unless
 * lfmap_foreach is called inside lfmap_read_lock..unlock (section schemes:
 * the caller's section keeps it; then every table retired during the walk
 * waits for it too).  Under the hazard-pointer and era schemes (ck-hp, he,
 * ibr) each value is protected (published, then validated) for the length
 * of the callback's call, inside lfmap_read_lock or not, except against the
 * callback's own lfmap_get, lfmap_lookup or lfmap_foreach on a map of the
 * same scheme (the value hazard is one per thread, see lfmap_read_lock).
 * A map gets a hazard-pointer scheme only by naming it (or under
 * LFMAP_RCU_ANY_CONTRACT: see "Reclamation schemes" at the top), so a
 * program that names none keeps the section rule whatever LFMAP_RCU says.
 */
#ifndef LFMAP_H
#define LFMAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* The sized entry points' macros (lfmap_new, lfmap_get_stats and their
 * byte-key twins: see lfmap_new, "Versioned structs") are variadic, which
 * needs C99 or C++11; older dialects call the plain symbols (version 0.1's
 * structs). */
#ifndef LFMAP_SIZED_MACROS /* a program may set it to 0 to call the plain symbols */
#if (defined(__STDC_VERSION__) && __STDC_VERSION__ >= 199901L) || (defined(__cplusplus) && __cplusplus >= 201103L)
#define LFMAP_SIZED_MACROS 1
#else
#define LFMAP_SIZED_MACROS 0
#endif
#endif

/* The version of this header; VERSION at the top of the source tree is the
 * one place it is set (the build fails when these disagree with it), and
 * lfmap_version() gives the version of the library actually linked or
 * loaded.  MAJOR is the ABI version: the shared library's SONAME is
 * liblfmap.so.MAJOR, and an incompatible ABI change bumps it. */
#define LFMAP_VERSION_MAJOR 0
#define LFMAP_VERSION_MINOR 2
#define LFMAP_VERSION_PATCH 0
#define LFMAP_VERSION_STRING "0.2.0"
/* One number that compares in version order: 0xMMmmpp. */
#define LFMAP_VERSION \
    ((LFMAP_VERSION_MAJOR << 16) | (LFMAP_VERSION_MINOR << 8) | LFMAP_VERSION_PATCH)

/* Marks the exported API.  The library is built with -fvisibility=hidden, so
 * nothing else is visible outside the shared library. */
#if defined(__GNUC__) || defined(__clang__)
#define LFMAP_API __attribute__((visibility("default")))
#else
#define LFMAP_API
#endif

typedef struct lfmap lfmap;

/* LFMAP_VERSION of the library in use (may be newer than this header's, with
 * the same MAJOR). */
LFMAP_API unsigned int lfmap_version(void);

/* Most threads registered at once; each owns one reserved value (see
 * paper-notes.md, "Freezing a live slot"), so this bounds the reserved set. */
#define LFMAP_MAX_THREADS 1024u
/* Number of values reserved for slot states: one per thread plus "unset",
 * "tombstone" and "moved". */
#define LFMAP_RESERVED_VALUES (LFMAP_MAX_THREADS + 3u)
/* Largest value a caller may store. */
#define LFMAP_VALUE_MAX (UINT64_MAX - (uint64_t)LFMAP_RESERVED_VALUES)

/* Optional allocator for the map's tables and header.  alloc must return
 * memory that is zero-filled and aligned to 64 bytes, or NULL; free gets the
 * same size that alloc was given.  Set both or neither (else EINVAL).  They
 * are called outside any lock and must be thread-safe: alloc from the thread
 * that creates the map or resizes it, free also from the reclamation
 * thread (retired tables) and from a thread whose lfmap_foreach held a
 * retired table to the end of its walk.  ctx must stay valid until the
 * map's last block is freed: when lfmap_free returns, unless it was called
 * where it cannot wait (see lfmap_free), and then until the program's next
 * urcu_memb_barrier() outside any read-side section. */
struct lfmap_allocator {
    void *(*alloc)(size_t size, void *ctx);
    void (*free)(void *ptr, size_t size, void *ctx);
    void *ctx;
};

struct lfmap_config {
    size_t capacity;  /* expected number of keys; 0 = a small default */
    uint64_t seed;    /* hash seed; 0 = a random seed per map */
    /* Slots a writer migrates per operation while a resize runs; 0 = the
     * default (LFMAP_DEFAULT_MIGRATION_CHUNK).  SIZE_MAX makes the writer that
     * starts a resize copy the whole table at once: a stop-the-world resize,
     * kept only so that experiments can compare the two. */
    size_t migration_chunk;
    /* NULL = the built-in allocator (mmap for large tables). */
    const struct lfmap_allocator *allocator;
    /* Reclamation scheme, by name (the table below; lfmap_reclamation_scheme
     * lists them).  NULL = the default: the scheme the LFMAP_RCU environment
     * variable names if it is set and not empty and keeps the default's
     * contract, else "urcu-memb" (see "Reclamation schemes" at the top:
     * urcu-memb, urcu-mb; any scheme under
     * LFMAP_RCU_ANY_CONTRACT).  An unknown name (here, or in
     * LFMAP_RCU for a map that names none): lfmap_new returns NULL with
     * errno EINVAL.  Fixed for the life of the map. */
    const char *reclamation;
    /* Optional value destructor.  When a value is replaced (lfmap_put,
     * lfmap_cas) or removed (lfmap_remove, lfmap_remove_if), the thread
     * whose CAS made the
     * change retires the old value through the map's scheme, and
     * value_free(old, value_free_ctx) runs once no reader can still hold it
     * (after a grace period; for ck-hp, once no hazard pointer protects it),
     * on whichever thread reclamation runs (a liburcu call_rcu worker, or a
     * writer).  It runs only in these calls of the program's threads: the
     * writes (insert, get_or_insert, put, remove, remove_if, cas),
     * lfmap_foreach before
     * its first call of fn (when it finishes a resize in progress, which
     * retires a table), the outermost lfmap_read_unlock of a section that
     * wrote, lfmap_quiescent, lfmap_thread_unregister and lfmap_free; never
     * in lfmap_get, lfmap_get_stats, lfmap_size or between two calls of an
     * lfmap_foreach callback.  A destructor must not take a lock that a
     * caller of those may hold.  Values only moved by a resize are not retired.  lfmap_free
     * retires every value still in the map.  lfmap_fetch_add on such a map
     * returns -EINVAL (see lfmap_fetch_add for why).  The old value
     * that lfmap_put/lfmap_remove return in *old is retired too: use it
     * only inside lfmap_read_lock..unlock (ck-hp: see lfmap_read_lock for
     * how long).  A put or cas that stores the value the key already holds
     * retires nothing.  The map frees each value once per removal from a
     * key: a pointer stored under two keys (or in two maps) is freed twice,
     * so store each object under one key only.  value_free_ctx
     * must stay valid until the map's last value is freed (as the
     * allocator's ctx, see lfmap_free). */
    void (*value_free)(uint64_t value, void *ctx);
    void *value_free_ctx;
};

#define LFMAP_DEFAULT_MIGRATION_CHUNK 64u
/* Largest capacity accepted by lfmap_new: 2^40 keys (2^41 slots, 32 TiB). */
#define LFMAP_CAPACITY_MAX ((size_t)1 << 40)

/* Creates a map.  cfg NULL = defaults.  Returns NULL and sets errno to EINVAL
 * (capacity above LFMAP_CAPACITY_MAX, only one of allocator alloc/free, an
 * unknown reclamation scheme, or a bad size, below) or ENOMEM.
 *
 * Versioned structs.  struct lfmap_config and struct lfmap_stats may gain
 * fields at their end in later versions (never lose or move one).  The
 * library learns the size of the caller's struct from the _sized entry
 * points: lfmap_new_sized(cfg, size) reads size bytes of *cfg; fields the
 * caller's struct does not have (an older header) take their default (0),
 * and bytes past the fields this library knows (a newer header's fields)
 * must be zero, else EINVAL (the program asks for something this library
 * cannot do), so initialise the struct whole (`= {0}` or designated
 * initializers: padding and fields not set then read as zero).  A size
 * below that of version 0.1's struct is EINVAL.  The _sized functions and
 * the macros are new in 0.2.  This
 * header's lfmap_new(cfg) is a macro that passes sizeof(struct
 * lfmap_config), so a program recompiled against a newer header passes the
 * newer size without a change.  The symbol lfmap_new itself (what a program
 * compiled against 0.1 calls, and what FFI bindings such as Python ctypes
 * call; (lfmap_new)(cfg) or a function pointer bypasses the macro) reads
 * 0.1's struct: 56 bytes on LP64, the seven fields through
 * value_free_ctx. */
LFMAP_API lfmap *lfmap_new(const struct lfmap_config *cfg);
LFMAP_API lfmap *lfmap_new_sized(const struct lfmap_config *cfg, size_t size);
#if !defined(lfmap_new) && LFMAP_SIZED_MACROS /* a program that renames the symbol (a #define of its own) calls it as named */
#define lfmap_new(...) lfmap_new_sized((__VA_ARGS__), sizeof(struct lfmap_config))
#endif

/* Reclamation schemes.  Each map uses one, chosen in lfmap_config.reclamation.
 * "Stalled reader" is a thread that stays inside a read-side section (an
 * operation, or lfmap_read_lock..unlock) or, for urcu-qsbr, a registered
 * thread that stops announcing quiescent states.
 *
 *   name       read side (per get)              stalled reader          reads
 *   urcu-memb  two TLS stores, no fence          blocks all frees: the   wait-free per table
 *              (default; inlined)                backlog grows
 *   urcu-mb    a full fence per lock and unlock  blocks all frees        wait-free per table
 *   urcu-qsbr  nothing; threads must call        blocks all frees        wait-free per table
 *              lfmap_quiescent() between uses
 *   urcu-bp    like mb, no explicit registration blocks all frees        wait-free per table
 *   ck-epoch   ck_epoch_begin/end (a fence)      blocks all frees        wait-free per table
 *   ebr        one store + fence (lfmap's own    blocks all frees        wait-free per table
 *              worked example, rcu/scheme_ebr.c)
 *   ck-hp      a hazard-pointer publish + fence  holds only what its     lock-free: a get
 *              + re-validation per table         hazard pointers name:   that finds its table
 *                                                the backlog stays       retired restarts
 *                                                bounded
 *   leak       nothing                           nothing is ever freed   wait-free per table
 *   he         hazard eras (Ramalhete and        holds only the tables   lock-free, as ck-hp
 *              Correia): inlined, a store, a     alive in the eras it
 *              load of the era clock and a       reserved and the
 *              compare, a store; no fence        values it named:
 *              (the reclaimer's membarrier)      bounded
 *   ibr        interval-based reclamation        the same, for the       lock-free, as ck-hp
 *              (2GEIBR, Wen et al.): the same    interval it reserved
 *
 * (Wait-free per table: see "Progress" above.  Under hazard pointers and
 * eras a get that finds the table it follows retired under it starts again
 * from the current table, so its reads are lock-free rather than wait-free.
 * he and ibr protect values as ck-hp does (see lfmap_read_lock); their era
 * moves only when a table is allocated or retired, so a reader pays the
 * slow path (a validated re-protection) only across resizes.  Without
 * sys_membarrier their readers fence, as ebr's; see "What lfmap does to
 * the process" for a membarrier that fails after the first map.)
 *
 * Returns the i-th registered scheme's name, NULL past the end.  Index 0 is
 * the built-in default, "urcu-memb". */
LFMAP_API const char *lfmap_reclamation_scheme(size_t i);
/* The name of m's scheme. */
LFMAP_API const char *lfmap_reclamation(const lfmap *m);

/* Keeping looked-up values alive.  A value returned by lfmap_get (or
 * lfmap_lookup: "lfmap_get" below means either) between lfmap_read_lock(m)
 * and lfmap_read_unlock(m) is not freed by the map's value_free until
 * lfmap_read_unlock: the pair is the scheme's read-side section (they
 * nest, and must be called by a registered thread; no lfmap_free or
 * lfmap_quiescent inside; an lfmap_thread_unregister inside ends the
 * thread's sections, after which the values are no longer kept and the
 * pending lfmap_read_unlock calls are ignored).  Under ck-hp, he and
 * ibr, the hazard-pointer equivalent: the value returned by the thread's
 * last lfmap_get inside the pair is protected by a hazard pointer
 * (published, then validated by re-reading the key's slot) until the
 * thread's next lfmap_get on any map of the same scheme (the thread has one
 * value hazard for the scheme, not one per map) or its outermost
 * lfmap_read_unlock; and the old value the thread's last
 * lfmap_put/lfmap_remove returned in *old inside the pair is protected (a
 * second hazard, published before the CAS that removes it) until its next
 * lfmap_put/lfmap_remove on any map of the scheme or the outermost
 * lfmap_read_unlock.  Only those two values are
 * protected: in particular the existing value lfmap_get_or_insert returns
 * in *current is not (to keep a value, look it up with lfmap_get inside
 * lfmap_read_lock..unlock). */
LFMAP_API void lfmap_read_lock(lfmap *m);
LFMAP_API void lfmap_read_unlock(lfmap *m);

/* Announces that the calling thread holds no reference to any map's memory
 * (a quiescent state); the call a thread makes when idle.  Outside any
 * lfmap_read_lock section.  urcu-qsbr: a thread registered with urcu-qsbr
 * (it used a map of that scheme) must call it regularly: until it does,
 * nothing retired by any urcu-qsbr map can be freed.
 * lfmap_thread_unregister is also a quiescent state; both are quiescent
 * states of a urcu-qsbr registration the program made itself too, so call
 * them outside the program's own urcu_qsbr_read_lock sections.  ck-epoch,
 * ebr, ck-hp, he and ibr: it also tries (without waiting) to reclaim what was retired, so
 * that once writers stop and every thread has called it a few times (each
 * call advances an epoch at most once) nothing retired stays pending:
 * lfmap_get_stats then reports retired_bytes_pending and
 * retired_values_pending 0, and every value_free has run.  (The liburcu
 * flavours free on their call_rcu thread shortly after a grace period.)
 * Callbacks may run on the calling thread.  A no-op for the other schemes
 * and for threads that used none of these. */
LFMAP_API void lfmap_quiescent(void);

/* urcu-qsbr: an extended quiescent state for a registered thread about to
 * block (pthread_join, a condition variable, I/O): lfmap_thread_offline()
 * before, lfmap_thread_online() after; in between the thread must not use
 * any map (of any scheme).  A registered urcu-qsbr thread that blocks
 * without going offline blocks every grace period of the flavour: any
 * thread's lfmap_free of a urcu-qsbr map that retired tables then waits for
 * it (a deadlock if it is waiting for that very thread, e.g. in
 * pthread_join).  Outside any lfmap_read_lock section.  No-ops for the
 * other schemes and for unregistered threads. */
LFMAP_API void lfmap_thread_offline(void);
LFMAP_API void lfmap_thread_online(void);

/* Frees the map and every table it retired.  With value_free, it first
 * retires every value still in the map (each value_free runs after a grace
 * period, or at once if no retire record can be allocated).  No thread may
 * be using m (nor walking it with lfmap_foreach).  When the map retired tables recently it
 * waits for their reclamation (one grace period, about 10 ms with liburcu),
 * so that all the map's memory is back when it returns; waiting sleeps
 * (no scheme spins).  Under the hazard-pointer and era schemes (ck-hp, he,
 * ibr) it waits for this map's own retired objects only: a reader stalled
 * in a section of another map delays it only if it still protects one of
 * them (ck-hp: a value or table of this map it named; he, ibr: a table of
 * this map alive during the reader's section).  Where waiting is impossible
 * it does not wait: inside a read-side section of a program that uses
 * liburcu itself, in a call_rcu callback or another scheme's callback (a
 * value_free that frees a map), and, for urcu-qsbr, on an online thread
 * whose urcu-qsbr registration is the program's (liburcu-qsbr cannot tell
 * whether the program is inside its own urcu_qsbr_read_lock section, and
 * going offline to wait would end that section; call lfmap_free while
 * offline to have it wait).  The retired tables and the map's header are
 * then freed by reclamation after lfmap_free returns, and a custom
 * allocator's ctx must outlive that (for example until the program's next
 * urcu_memb_barrier(), or urcu_qsbr_barrier() while offline). */
LFMAP_API void lfmap_free(lfmap *m);

/* 0, or -EAGAIN when LFMAP_MAX_THREADS are registered already.  It does not
 * read LFMAP_RCU (an unknown name there fails only lfmap_new of a map that
 * names no scheme: see "Reclamation schemes" at the top).  Registration
 * with a scheme happens on the thread's first use of a map of that scheme;
 * lfmap_thread_unregister leaves every scheme the thread used (and is a
 * quiescent state for urcu-qsbr; a liburcu registration the program made
 * itself, lfmap leaves alone, in the online or offline state the program
 * gave it: an lfmap_thread_offline not yet undone is undone).
 * An lfmap_thread_unregister inside lfmap_read_lock..unlock ends the
 * thread's sections first (see lfmap_read_lock), except a urcu-bp section
 * (liburcu-bp keeps its registration until the thread exits) and sections
 * nested in a liburcu registration of the program's own.  LFMAP_RCU
 * is read once, by the first lfmap_new that names no scheme: every later
 * one gets the same answer for it, concurrent first calls included.
 * Registering twice is harmless (returns 0). */
LFMAP_API int lfmap_thread_register(void);
LFMAP_API void lfmap_thread_unregister(void);

/* True and *value set (value may be NULL) if key is present.
 * Linearizes at the seq_cst load that decides it: the slot's value word it
 * returns, the empty key word or unset/tombstone value that proves the key
 * absent, or, for a slot a resize holds boxed, the load that read the box
 * word.  Under ck-hp on a map with value_free, it
 * publishes a hazard pointer on the value and looks the key up again; it
 * linearizes at the second lookup, which must find the same value (else it
 * starts over: lock-free).  On its first use of the map's scheme it
 * registers the thread with it (lfmap_get returns false with errno set if
 * that fails).  false therefore means absent or error: lfmap_lookup tells
 * them apart. */
LFMAP_API bool lfmap_get(lfmap *m, uint64_t key, uint64_t *value);

/* lfmap_get with an unambiguous answer: 1 found (*value set if value is not
 * NULL), 0 absent (*value untouched), or -errno and *value untouched:
 * -EPERM from an unregistered thread, -EINVAL for an lfmap_bytes (through a
 * cast), or the error of registering the thread with m's scheme on its
 * first use.  The same lookup as lfmap_get: same linearization point, same
 * protection of the value under lfmap_read_lock, same progress. */
LFMAP_API int lfmap_lookup(lfmap *m, uint64_t key, uint64_t *value);

/* 1 inserted, 0 key present (map unchanged), -EINVAL reserved value,
 * -ENOMEM, -EPERM unregistered thread. */
LFMAP_API int lfmap_insert(lfmap *m, uint64_t key, uint64_t value);

/* Like lfmap_insert, but *current (if not NULL) receives the value the key
 * has after the call: value when inserted (1), the existing value when the
 * key was present (0). */
LFMAP_API int lfmap_get_or_insert(lfmap *m, uint64_t key, uint64_t value, uint64_t *current);

/* Value retirement (maps with value_free): the write whose CAS on the
 * value word linearizes a replacement (put, cas) or a removal retires the
 * old value, right after that CAS, through the map's scheme.  Its retire
 * record is allocated before the CAS (reused from the thread's previous
 * write when possible), so -ENOMEM leaves the map exactly as it was.  The
 * record (struct lf_value_rec, 72 bytes) comes from malloc, not from the
 * map's allocator.
 *
 * Upsert: 1 inserted, 0 replaced (*old set if old != NULL), -errno. */
LFMAP_API int lfmap_put(lfmap *m, uint64_t key, uint64_t value, uint64_t *old);

/* 1 removed (*old set if old != NULL), 0 absent, -EPERM. */
LFMAP_API int lfmap_remove(lfmap *m, uint64_t key, uint64_t *old);

/* Conditional delete: removes key only if it is present with value
 * expected (e.g. an expiry sweep that must not delete an entry another
 * thread refreshed meanwhile: refreshing stores a new value, and the sweep
 * names the value it judged expired).  1 removed, 0 absent or present with
 * another value (map unchanged), -EINVAL if expected is a reserved value
 * (no key can hold one), -EPERM unregistered thread.  Linearizes at the
 * seq_cst CAS of the key's value word from expected to the tombstone when
 * it removes; when it does not, at the seq_cst load of the value word that
 * saw another value (or the failed CAS that reloaded it), or at the load
 * that proved the key absent, as lfmap_get.  A put that stores a new value
 * before that point is never undone by it.  Comparison is of the value
 * words: with pointer values, an object freed and reallocated at the same
 * address under the same key compares equal (ABA; use a version in the
 * value to tell them apart).  On a map with value_free the removed value
 * (expected) is retired as lfmap_remove's is, freed once; there is no
 * *old here, so under ck-hp, he and ibr nothing new is protected: the
 * caller's own copy of expected is as safe as the lfmap_get it came from. */
LFMAP_API int lfmap_remove_if(lfmap *m, uint64_t key, uint64_t expected);

/* Sets key to desired if it is present with value expected.
 * 1 swapped, 0 absent or different, -EINVAL if expected or desired is a
 * reserved value, -EPERM. */
LFMAP_API int lfmap_cas(lfmap *m, uint64_t key, uint64_t expected, uint64_t desired);

/* Atomically adds delta (mod 2^64) to the key's value, treating an absent key
 * as 0 (it is inserted).  *old (if not NULL) receives the value before.
 * 1 key inserted, 0 key updated, -EOVERFLOW when the sum would be a reserved
 * value (map unchanged), -ENOMEM, -EPERM, -EINVAL on a map with a value_free
 * destructor.  Why not there: with value_free a value is an object the
 * program allocated, and value_free is called on every value the map
 * drops.  fetch_add would drop v (retire it: free the object) and keep
 * v + delta, a number no allocation returned, on which value_free would
 * later be called; a counter kept in such an object is updated by the
 * program through the pointer lfmap_get returns, inside
 * lfmap_read_lock..unlock.  Keep counters in a map without value_free. */
LFMAP_API int lfmap_fetch_add(lfmap *m, uint64_t key, uint64_t delta, uint64_t *old);

/* Number of keys: exact when no operation runs concurrently, approximate
 * (within the number of operations in flight) otherwise. */
LFMAP_API size_t lfmap_size(lfmap *m);

/* Calls fn(key, value, arg) for the keys of the map.  It visits every key
 * that is present for the whole call exactly once and never a key that is
 * absent for the whole call; a key inserted or removed during the call may or
 * may not be visited (at most once).  The value passed is one the key held
 * during the call.  fn returning non-zero stops the walk and that value is
 * returned; otherwise 0.  -EPERM from an unregistered thread.  Safe alongside
 * every other operation; it finishes a resize in progress before walking. */
LFMAP_API int lfmap_foreach(lfmap *m, int (*fn)(uint64_t key, uint64_t value, void *arg), void *arg);

/* Statistics for experiments and tests (approximate under concurrency).  The
 * table fields describe the current table; while `resizing`, some keys have
 * already moved to its successor.  A registered thread may call it at any
 * time; an unregistered one only while no other thread uses the map. */
struct lfmap_stats {
    size_t size;            /* live keys (as lfmap_size) */
    size_t capacity_slots;  /* slots in the current table */
    size_t used_slots;      /* claimed slots in it: live keys + tombstones */
    size_t table_bytes;     /* bytes of the current table */
    uint64_t resizes;       /* migrations completed since lfmap_new */
    bool resizing;          /* a migration is in progress */
    /* Tables that resizes retired and reclamation has not freed yet: the
     * reclamation backlog (each waits for a grace period; a table held by an
     * lfmap_foreach walk waits for that walk too). */
    uint64_t retired_tables;
    /* Bytes retired by this map and not freed yet: retired tables, the
     * retire records of replaced or removed values (maps with value_free),
     * and in an lfmap_bytes the key copies that resizes dropped (removed
     * keys' tombstones, claims never given a value), until they are freed
     * with the last table that names them. */
    uint64_t retired_bytes_pending;
    /* Values retired (value_free not run yet). */
    uint64_t retired_values_pending;
};
/* Fills *out.  The symbol lfmap_get_stats writes version 0.1's struct (72
 * bytes on LP64, through retired_values_pending) and nothing past it; this
 * header's lfmap_get_stats(m, out) is a macro that calls
 * lfmap_get_stats_sized(m, out, sizeof(struct lfmap_stats)) and discards
 * its result (the call stays a void expression), which writes exactly size
 * bytes: the fields the caller's struct has, 0 in fields of a newer header
 * that this library does not know.  0, or -EINVAL (nothing written) when out
 * is NULL or size is below 0.1's struct (see lfmap_new, "Versioned
 * structs"). */
LFMAP_API void lfmap_get_stats(lfmap *m, struct lfmap_stats *out);
LFMAP_API int lfmap_get_stats_sized(lfmap *m, struct lfmap_stats *out, size_t size);
#if !defined(lfmap_get_stats) && LFMAP_SIZED_MACROS
#define lfmap_get_stats(m, ...) ((void)lfmap_get_stats_sized((m), (__VA_ARGS__), sizeof(struct lfmap_stats)))
#endif

/* ------------------------------------------------------------------
 * Byte-string keys: lfmap_bytes
 *
 * The same map with keys that are byte strings (pointer + length, any bytes,
 * NUL included, 0 .. LFMAP_BYTES_KEY_MAX bytes; the empty key is a key).
 * Everything above holds for it: values, reserved values and value_free,
 * reclamation schemes, registration, lfmap_read_lock's protection, progress,
 * linearization points, memory ordering, resizing.  Each function below
 * behaves as the uint64_t function of the same name, with these
 * differences:
 *
 *   - A key is copied into the map when an insert (or put, get_or_insert,
 *     fetch_add) adds it; the caller's buffer is never kept and may be
 *     reused as soon as the call returns.  Keys are compared by their bytes:
 *     two keys whose hashes are equal (the hash is seeded, random per map
 *     unless lfmap_config.seed is given) are two keys.
 *   - Bad keys: a NULL key with len > 0, or len > LFMAP_BYTES_KEY_MAX, is
 *     -EINVAL (lfmap_bytes_get: false with errno EINVAL), map unchanged.
 *   - lfmap_bytes_new and lfmap_bytes_get_stats are macros over their
 *     _sized functions, as lfmap_new and lfmap_get_stats are.
 *   - The two kinds do not mix: an lfmap_bytes function given an lfmap (or
 *     an lfmap function given an lfmap_bytes, through a cast) returns
 *     -EINVAL (the get functions: false with errno EINVAL) and changes
 *     nothing.  lfmap_size, lfmap_get_stats, lfmap_reclamation, the read
 *     lock functions and lfmap_free work on either kind.
 *   - Memory: each key present, and each key removed whose slot the table
 *     still keeps (a tombstone), holds one copy of its bytes (malloc'd: 16
 *     bytes of header plus the key), shared by every table that names it.
 *     A resize drops the tombstones: their copies go with the old table,
 *     freed with it once no reader can see it, through the map's
 *     reclamation scheme.  So key storage is the copies named by the
 *     current table (at most its grow limit, 3/4 of its slots, live keys
 *     included; and its successor's during a resize) plus those that
 *     retired tables dropped and that are not freed yet:
 *     lfmap_stats.retired_bytes_pending counts these until they are freed.
 *     That part is bounded by the reclamation scheme, as retired tables
 *     are: a reader stalled inside a read-side section lets it grow under
 *     grace-period schemes, not under those that bound memory under a
 *     stalled reader (ck-hp, he, ibr: rcu/README.md).  -ENOMEM
 *     when a key's copy cannot be allocated: map unchanged.
 *   - lfmap_bytes_foreach passes the key's bytes; the pointer is valid
 *     during the callback only.
 *   - lfmap_bytes_free frees every key's copy (after retiring the values,
 *     as lfmap_free).
 */
typedef struct lfmap_bytes lfmap_bytes;

/* Longest key, in bytes. */
#define LFMAP_BYTES_KEY_MAX ((size_t)1 << 20)

LFMAP_API lfmap_bytes *lfmap_bytes_new(const struct lfmap_config *cfg);
LFMAP_API lfmap_bytes *lfmap_bytes_new_sized(const struct lfmap_config *cfg, size_t size);
#if !defined(lfmap_bytes_new) && LFMAP_SIZED_MACROS
#define lfmap_bytes_new(...) lfmap_bytes_new_sized((__VA_ARGS__), sizeof(struct lfmap_config))
#endif
LFMAP_API void lfmap_bytes_free(lfmap_bytes *m);
LFMAP_API bool lfmap_bytes_get(lfmap_bytes *m, const void *key, size_t len, uint64_t *value);
LFMAP_API int lfmap_bytes_lookup(lfmap_bytes *m, const void *key, size_t len, uint64_t *value);
LFMAP_API int lfmap_bytes_insert(lfmap_bytes *m, const void *key, size_t len, uint64_t value);
LFMAP_API int lfmap_bytes_get_or_insert(lfmap_bytes *m, const void *key, size_t len, uint64_t value,
                                        uint64_t *current);
LFMAP_API int lfmap_bytes_put(lfmap_bytes *m, const void *key, size_t len, uint64_t value, uint64_t *old);
LFMAP_API int lfmap_bytes_remove(lfmap_bytes *m, const void *key, size_t len, uint64_t *old);
LFMAP_API int lfmap_bytes_remove_if(lfmap_bytes *m, const void *key, size_t len, uint64_t expected);
LFMAP_API int lfmap_bytes_cas(lfmap_bytes *m, const void *key, size_t len, uint64_t expected, uint64_t desired);
LFMAP_API int lfmap_bytes_fetch_add(lfmap_bytes *m, const void *key, size_t len, uint64_t delta, uint64_t *old);
LFMAP_API size_t lfmap_bytes_size(lfmap_bytes *m);
LFMAP_API int lfmap_bytes_foreach(lfmap_bytes *m,
                                  int (*fn)(const void *key, size_t len, uint64_t value, void *arg), void *arg);
LFMAP_API void lfmap_bytes_get_stats(lfmap_bytes *m, struct lfmap_stats *out);
LFMAP_API int lfmap_bytes_get_stats_sized(lfmap_bytes *m, struct lfmap_stats *out, size_t size);
#if !defined(lfmap_bytes_get_stats) && LFMAP_SIZED_MACROS
#define lfmap_bytes_get_stats(m, ...) \
    ((void)lfmap_bytes_get_stats_sized((m), (__VA_ARGS__), sizeof(struct lfmap_stats)))
#endif
LFMAP_API const char *lfmap_bytes_reclamation(const lfmap_bytes *m);
LFMAP_API void lfmap_bytes_read_lock(lfmap_bytes *m);
LFMAP_API void lfmap_bytes_read_unlock(lfmap_bytes *m);

#ifdef __cplusplus
}
#endif

#endif /* LFMAP_H */
