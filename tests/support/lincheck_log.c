/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* lincheck's recorder: the out-of-line parts of the per-thread logs. */
#include "lincheck.h"

#include <stdlib.h>
#include <string.h>

int lc_log_init(struct lc_log *l, uint16_t thread, size_t cap)
{
    memset(l, 0, sizeof *l);
    l->thread = thread;
    l->ops = malloc((cap ? cap : 1) * sizeof *l->ops);
    if (!l->ops)
        return -ENOMEM;
    /* Touched up front so that recording never page-faults in the middle of
     * a timed call (calloc could hand back untouched zero pages). */
    memset(l->ops, 0, (cap ? cap : 1) * sizeof *l->ops);
    l->cap = cap;
    return 0;
}

void lc_log_free(struct lc_log *l)
{
    free(l->ops);
    memset(l, 0, sizeof *l);
}

long lc_merge(struct lc_log *logs, size_t nlogs, struct lc_op **out)
{
    size_t n = 0;
    for (size_t i = 0; i < nlogs; i++)
        n += logs[i].n;
    struct lc_op *ops = malloc((n ? n : 1) * sizeof *ops);
    if (!ops)
        return -ENOMEM;
    size_t m = 0;
    for (size_t i = 0; i < nlogs; i++) {
        memcpy(ops + m, logs[i].ops, logs[i].n * sizeof *ops);
        m += logs[i].n;
    }
    *out = ops;
    return (long)n;
}
