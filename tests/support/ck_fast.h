/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Check's ck_assert_* records the file and line of every *passing* assertion
 * through its result channel, which costs microseconds; loops that assert
 * millions of times use CK_REQUIRE, which only calls into Check on failure.
 */
#ifndef LFMAP_CK_FAST_H
#define LFMAP_CK_FAST_H

#include <check.h>

#define CK_REQUIRE(cond, ...)                                                  \
    do {                                                                       \
        if (__builtin_expect(!(cond), 0))                                      \
            ck_abort_msg(__VA_ARGS__);                                         \
    } while (0)

#endif
