/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * liburcu (memb flavour) for the adapters that need a grace period of their
 * own (cow, readmostly, lfht, ckht), with the ThreadSanitizer edges that
 * Debian's liburcu 0.13 lacks (field-notes.md; same idea as
 * rcu/scheme_urcu_memb.c): every read-side exit releases one object, every
 * free after a grace period acquires it first.
 *
 * A thread must not register twice with liburcu-memb (it asserts), and lfmap
 * registers its threads too: the harness gives each thread one map at a
 * time, and each adapter registers in thread_enter and unregisters in
 * thread_exit.
 */
#ifndef LFB_URCU_GLUE_H
#define LFB_URCU_GLUE_H

/* liburcu's read side inlined, as lfmap's is (rcu/): without _LGPL_SOURCE
 * every urcu_memb_read_lock and _unlock is a call into liburcu-memb.so
 * through the PLT, and its thread-local reader record is reached through
 * __tls_get_addr, which cost readmostly a third of its hotkeys throughput
 * (results/harness/README.md).  The project is LGPL, so the static inline read side
 * may be used.  It must be defined before the first liburcu header of the
 * translation unit: a header included earlier without it would have
 * declared the library calls. */
#if defined(_URCU_MEMB_H) && !defined(_LGPL_SOURCE)
#error "urcu_glue.h must come before any liburcu header (it defines _LGPL_SOURCE)"
#endif
#ifndef _LGPL_SOURCE
#define _LGPL_SOURCE 1
#endif
#include <urcu/urcu-memb.h>
#include <urcu/call-rcu.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(__SANITIZE_THREAD__)
#define LFB_TSAN 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define LFB_TSAN 1
#endif
#endif

#ifdef LFB_TSAN
void __tsan_acquire(void *addr);
void __tsan_release(void *addr);
extern char lfb_tsan_grace_period;
#define LFB_TSAN_RELEASE() __tsan_release(&lfb_tsan_grace_period)
#define LFB_TSAN_ACQUIRE() __tsan_acquire(&lfb_tsan_grace_period)
#else
#define LFB_TSAN_RELEASE() ((void)0)
#define LFB_TSAN_ACQUIRE() ((void)0)
#endif

/* cds_lfht publishes a node with rcu_assign_pointer inside the
 * uninstrumented liburcu-cds: a release on the node before it is added and
 * an acquire on a node a lookup found give ThreadSanitizer the edge that
 * publication provides.  No-ops outside TSan builds. */
static inline void lfb_lfht_node_publish(void *node)
{
#ifdef LFB_TSAN
    __tsan_release(node);
#else
    (void)node;
#endif
}

static inline void lfb_lfht_node_found(void *node)
{
#ifdef LFB_TSAN
    __tsan_acquire(node);
#else
    (void)node;
#endif
}

static inline void lfb_rcu_register(void) { urcu_memb_register_thread(); }
static inline void lfb_rcu_unregister(void) { urcu_memb_unregister_thread(); }
static inline void lfb_rcu_read_lock(void) { urcu_memb_read_lock(); }

static inline void lfb_rcu_read_unlock(void)
{
    LFB_TSAN_RELEASE();
    urcu_memb_read_unlock();
}

/* Waits for every reader that might still see memory unpublished before the
 * call; what follows may free it. */
static inline void lfb_rcu_synchronize(void)
{
    urcu_memb_synchronize_rcu();
    LFB_TSAN_ACQUIRE();
}

/* call_rcu whose callback first takes the grace-period edge (and the
 * queue hand-off from the caller, which TSan cannot see through liburcu). */
static inline void lfb_rcu_call(struct rcu_head *head, void (*fn)(struct rcu_head *))
{
#ifdef LFB_TSAN
    __tsan_release(head);
#endif
    urcu_memb_call_rcu(head, fn);
}

static inline void lfb_rcu_callback_begin(struct rcu_head *head)
{
    (void)head;
#ifdef LFB_TSAN
    __tsan_acquire(head);
#endif
    LFB_TSAN_ACQUIRE();
}

/* Waits until every queued callback has run (before a map is destroyed). */
static inline void lfb_rcu_barrier(void) { urcu_memb_barrier(); }

#ifdef __cplusplus
}
#endif

#endif /* LFB_URCU_GLUE_H */
