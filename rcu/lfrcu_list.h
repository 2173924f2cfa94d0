/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The retired-object lists of the schemes that scan (rcu/scheme_ck_hp.c,
 * rcu/era.c): singly linked through scheme_private[0] of struct
 * lfrcu_head.  Private to rcu/.
 */
#ifndef LFRCU_LIST_H
#define LFRCU_LIST_H

#include "lfrcu.h"

#include <stdint.h>

#define LFRCU_LINK(h) (*(struct lfrcu_head **)&(h)->scheme_private[0])

/* What a hazard pointer names for h (lfrcu_head.protected, else h). */
static inline uintptr_t lfrcu_protected_key(const struct lfrcu_head *h)
{
    return (uintptr_t)(h->protected ? h->protected : h);
}

/* qsort/bsearch order of hazards (uintptr_t). */
static inline int lfrcu_cmp_uintptr(const void *a, const void *b)
{
    uintptr_t x = *(const uintptr_t *)a, y = *(const uintptr_t *)b;
    return x < y ? -1 : x > y;
}

/* Splits list h after a scan: the objects held(obj, ctx) says a reader
 * still protects go to *keep (replacing it), the others are returned, and
 * *nready counts them.  The order within each list is not kept. */
static inline struct lfrcu_head *lfrcu_list_partition(struct lfrcu_head *h,
                                                      bool (*held)(const struct lfrcu_head *obj, void *ctx),
                                                      void *ctx, struct lfrcu_head **keep, unsigned long *nready)
{
    struct lfrcu_head *ready = NULL, *kept = NULL;
    unsigned long n = 0;
    while (h) {
        struct lfrcu_head *next = LFRCU_LINK(h);
        if (held(h, ctx)) {
            LFRCU_LINK(h) = kept;
            kept = h;
        } else {
            LFRCU_LINK(h) = ready;
            ready = h;
            n++;
        }
        h = next;
    }
    *keep = kept;
    *nready = n;
    return ready;
}

#endif /* LFRCU_LIST_H */
