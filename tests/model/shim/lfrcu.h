/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The model build's stand-in for rcu/lfrcu.h (make modelcheck puts this
 * directory first on the include path).  lib/ sees the same interface; the
 * implementation is a grace-period model in tests/model/lf_model_rt.cpp:
 * lfrcu_retire(head, fn) runs fn(head) once every simulated thread that was
 * inside a read-side section at the call has left it, and the free it does
 * goes through the model's allocator, which flags any later access to the
 * memory.  Callbacks run on a call_rcu worker thread of the scenario.  The
 * ordering is what a grace period promises and no more: a section's end
 * releases on its thread's own word, which the callback acquires (the
 * section happens before the free); the retire releases on a global word
 * that each section's start acquires (a section that begins after the
 * retire sees what the retirer did before it: the grace period starts at
 * the retire).  Readers never synchronise with each other through it.
 * tests/model/check_rcu_shim.sh checks that this interface is the one
 * rcu/lfrcu.h declares.
 */
#ifndef LFRCU_H
#define LFRCU_H

#include <stdbool.h>
#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Space for any scheme's bookkeeping; embed it in the object to retire. */
struct lfrcu_head {
    void *scheme_private[2];
    void (*fn)(struct lfrcu_head *head);
};

typedef void (*lfrcu_callback)(struct lfrcu_head *head);

int lfrcu_thread_register(void);
void lfrcu_thread_unregister(void);
void lfrcu_retire(struct lfrcu_head *head, lfrcu_callback fn);
void lfrcu_barrier(void);
/* Whether the calling thread may call lfrcu_barrier() now. */
bool lfrcu_may_wait(void);
void lfrcu_read_lock(void);
void lfrcu_read_unlock(void);

#ifdef __cplusplus
}
#endif

#endif /* LFRCU_H */
