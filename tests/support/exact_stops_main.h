/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * main() of a test program made only of exact interleavings: each test
 * stops threads at named steps (lf_hook_set, lib/perturb.h), which exist
 * only in the perturbed build (`make perturb`).  There the program runs its
 * tests with random perturbation off (LFMAP_PERTURB_PERMILLE 0: only the
 * exact stops); in other builds it exits 77, the skip tests/run.sh expects.
 *
 *   LF_EXACT_STOPS_MAIN("unit_x", "suite", "case", timeout_s, test_a, test_b, ...)
 */
#ifndef LFMAP_EXACT_STOPS_MAIN_H
#define LFMAP_EXACT_STOPS_MAIN_H

#include <stdio.h>
#include <stdlib.h>

#include "ck_run.h"

#ifdef LFMAP_PERTURB
#define LF_EXACT_STOPS_MAIN(PROGRAM, SUITE, CASE, TIMEOUT_S, ...)                                  \
    int main(void)                                                                                 \
    {                                                                                              \
        setenv("LFMAP_PERTURB_PERMILLE", "0", 1); /* only the exact stops */                       \
        const TTest *const tests[] = {__VA_ARGS__};                                                \
        Suite *s = suite_create(SUITE);                                                            \
        TCase *tc = tcase_create(CASE);                                                            \
        tcase_set_timeout(tc, TIMEOUT_S);                                                          \
        for (size_t i = 0; i < sizeof tests / sizeof tests[0]; i++)                                \
            tcase_add_test(tc, tests[i]);                                                          \
        suite_add_tcase(s, tc);                                                                    \
        return ck_run_suite(s, true);                                                              \
    }
#else
#define LF_EXACT_STOPS_MAIN(PROGRAM, SUITE, CASE, TIMEOUT_S, ...)                                  \
    int main(void)                                                                                 \
    {                                                                                              \
        puts(PROGRAM ": skipped: hooks compiled out in this build; `make perturb` runs it");       \
        return 77;                                                                                 \
    }
#endif

#endif /* LFMAP_EXACT_STOPS_MAIN_H */
