/*
 * lfrcu: the memory-reclamation interface lfmap uses, and nothing else.
 *
 * Contract (the same for every scheme):
 *   - A thread calls lfrcu_thread_register() before its first read-side
 *     section and lfrcu_thread_unregister() before it exits.
 *   - lfrcu_read_lock()/lfrcu_read_unlock() bracket every access to shared,
 *     retirable memory.  Sections nest.  Inside one a thread must never call
 *     lfrcu_barrier() (it would wait for itself: pitfall 8).
 *   - lfrcu_retire(head, fn) schedules fn(head) to run once every read-side
 *     section that was running at the time of the call has ended.  It never
 *     blocks and never allocates, so it is allowed inside a read-side section.
 *   - lfrcu_barrier() waits until every callback retired before the call has
 *     run.  Called outside any read-side section (lfmap_free does).
 *
 * Schemes.  The default, liburcu's membarrier flavour (rcu/scheme_urcu_memb.c),
 * is called directly and inlined on the read side: the only cost of the
 * pluggable design on a read is one predictable branch on a global flag.  A
 * new scheme is one file rcu/scheme_NAME.c defining a `const struct
 * lfrcu_scheme lfrcu_scheme_NAME`, plus one line LFRCU_SCHEME(NAME) in
 * rcu/schemes.def.  lfrcu_select() (or the LFMAP_RCU environment variable)
 * picks one before the first thread registers.
 */
#ifndef LFRCU_H
#define LFRCU_H

#include <stdbool.h>
#include <stddef.h>

#define _LGPL_SOURCE /* inline liburcu's read side instead of calling it */
#include <urcu/urcu-memb.h>

/* Space for any scheme's bookkeeping; embed it in the object to retire. */
struct lfrcu_head {
    void *scheme_private[2];
    void (*fn)(struct lfrcu_head *head);
};

typedef void (*lfrcu_callback)(struct lfrcu_head *head);

struct lfrcu_scheme {
    const char *name;
    int (*thread_register)(void);   /* 0 or -errno */
    void (*thread_unregister)(void);
    void (*read_lock)(void);
    void (*read_unlock)(void);
    void (*retire)(struct lfrcu_head *head, lfrcu_callback fn);
    void (*barrier)(void);
};

/* Selects a scheme by name; 0, -ENOENT unknown name, -EBUSY once a thread has
 * registered.  Without a call, the first registration reads LFMAP_RCU from
 * the environment and falls back to "urcu-memb". */
int lfrcu_select(const char *name);
/* Name of the active scheme. */
const char *lfrcu_scheme_name(void);
/* NULL-terminated list of every registered scheme. */
const struct lfrcu_scheme *const *lfrcu_schemes(void);

int lfrcu_thread_register(void);
void lfrcu_thread_unregister(void);
void lfrcu_retire(struct lfrcu_head *head, lfrcu_callback fn);
void lfrcu_barrier(void);

/* Internal to the inline read side below. */
extern const struct lfrcu_scheme *lfrcu_active;
extern bool lfrcu_active_is_default;
void lfrcu_tsan_read_unlock(void);

/* ThreadSanitizer does not see the ordering that the membarrier grace period
 * gives (Debian's liburcu 0.13 predates its TSan support), so the read side
 * releases a shared sync object that the free callbacks acquire: see
 * rcu/scheme_urcu_memb.c.  Compiled out unless built with -fsanitize=thread. */
#if defined(__SANITIZE_THREAD__)
#define LFRCU_TSAN 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define LFRCU_TSAN 1
#endif
#endif

static inline void lfrcu_read_lock(void)
{
    if (__builtin_expect(lfrcu_active_is_default, 1))
        urcu_memb_read_lock();
    else
        lfrcu_active->read_lock();
}

static inline void lfrcu_read_unlock(void)
{
#ifdef LFRCU_TSAN
    lfrcu_tsan_read_unlock();
#endif
    if (__builtin_expect(lfrcu_active_is_default, 1))
        urcu_memb_read_unlock();
    else
        lfrcu_active->read_unlock();
}

#endif /* LFRCU_H */
