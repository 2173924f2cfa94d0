/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The failure path of lf_assert (lib/lfmap_internal.h): test and sanitizer
 * builds only.  A release build of the library never aborts or prints.
 */
#include "lfmap_internal.h"

#ifdef LFMAP_ASSERTIONS
#include <stdio.h>
#include <stdlib.h>

void lf_assert_fail(const char *expr, const char *file, int line)
{
    fprintf(stderr, "lfmap: invariant broken: %s (%s:%d)\n", expr, file, line);
    abort();
}
#else
/* ISO C forbids an empty translation unit. */
typedef int lf_assertions_disabled;
#endif
