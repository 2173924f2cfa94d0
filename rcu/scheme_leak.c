/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * leak: never frees anything.  The reference point for the read-side cost
 * (there is none: lfmap skips the section entirely, see no_read_side) and
 * for memory (unbounded by design).  Retired objects stay on a global list
 * so that they remain reachable.
 */
#include "lfrcu.h"

#include <stdatomic.h>
#include <stddef.h>

/* The kept objects' starts, linked through each head's first private word
 * (pointers to the start of a block: LeakSanitizer follows only those; it
 * does not scan mmap()ed tables, so tests/run.sh turns it off for schemes
 * that declare never_frees). */
static _Atomic(void *) kept;

static int leak_register(void)
{
    return 0;
}

static void leak_nothing(void)
{
}

static void leak_retire(struct lfrcu_head *head, lfrcu_callback fn)
{
    head->fn = fn;
    void *obj = head->object ? head->object : head;
    void *top = atomic_load_explicit(&kept, memory_order_relaxed); /* relaxed: the CAS checks */
    do
        head->scheme_private[0] = top;
    /* relaxed: nothing ever reads the objects back but LeakSanitizer. */
    while (!atomic_compare_exchange_weak_explicit(&kept, &top, obj, memory_order_relaxed, memory_order_relaxed));
}

const struct lfrcu_scheme lfrcu_scheme_leak = {
    .name = "leak",
    .thread_register = leak_register,
    .thread_unregister = leak_nothing,
    .read_lock = leak_nothing,
    .read_unlock = leak_nothing,
    .retire = leak_retire,
    .barrier = leak_nothing,
    .no_read_side = true,
    .never_frees = true,
};
