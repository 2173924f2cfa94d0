/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The one way every Check program runs its suite: all tests, normal output,
 * exit status EXIT_FAILURE if any failed.  `fork` = false keeps the tests in
 * this process (for tests that read process-wide counters afterwards).
 */
#ifndef LFMAP_CK_RUN_H
#define LFMAP_CK_RUN_H

#include <check.h>
#include <stdbool.h>
#include <stdlib.h>

static inline int ck_run_suite(Suite *s, bool fork)
{
    SRunner *sr = srunner_create(s);
    if (!fork)
        srunner_set_fork_status(sr, CK_NOFORK);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}

#endif /* LFMAP_CK_RUN_H */
