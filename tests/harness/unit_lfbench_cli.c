/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * unit_lfbench_cli: the shared option parser (experiments/common/cli.h)
 * rejects malformed text, trailing junk, signs on unsigned values ("-5" must
 * never wrap to 2^64-5) and out-of-range values, each with a message naming
 * the option and the accepted range; lists and enumerations likewise.
 */
#include <check.h>
#include <string.h>

#include "ck_run.h"
#include "cli.h"

START_TEST(test_u64_accepts)
{
    struct lfcli_err err;
    uint64_t v;
    ck_assert_int_eq(lfcli_parse_u64("-n", "42", 0, 100, &v, &err), 0);
    ck_assert_uint_eq(v, 42);
    ck_assert_int_eq(lfcli_parse_u64("-i", "1e6", 0, UINT64_MAX, &v, &err), 0);
    ck_assert_uint_eq(v, 1000000);
    ck_assert_int_eq(lfcli_parse_u64("-i", "0x10", 0, 100, &v, &err), 0);
    ck_assert_uint_eq(v, 16);
    ck_assert_int_eq(lfcli_parse_u64("-s", "18446744073709551615", 0, UINT64_MAX, &v, &err), 0);
    ck_assert_uint_eq(v, UINT64_MAX);
}
END_TEST

START_TEST(test_u64_rejects)
{
    const char *bad[] = {"-5", "+5", "", " 5", "5 ", "5abc", "abc", "1.5", "1.5e0", "18446744073709551616",
                         "1e30", "-0"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        struct lfcli_err err = {""};
        uint64_t v = 77;
        ck_assert_msg(lfcli_parse_u64("--threads", bad[i], 1, 256, &v, &err) == -1, "accepted '%s'", bad[i]);
        ck_assert_uint_eq(v, 77);
        ck_assert_msg(strstr(err.msg, "--threads") && strstr(err.msg, "1 .. 256"),
                      "message for '%s' lacks the option or range: %s", bad[i], err.msg);
    }
    struct lfcli_err err;
    uint64_t v;
    ck_assert_int_eq(lfcli_parse_u64("-n", "0", 1, 256, &v, &err), -1);
    ck_assert_int_eq(lfcli_parse_u64("-n", "257", 1, 256, &v, &err), -1);
    ck_assert_ptr_nonnull(strstr(err.msg, "out of range"));
    ck_assert_int_eq(lfcli_parse_u64("-n", NULL, 1, 256, &v, &err), -1);
}
END_TEST

START_TEST(test_i64_and_double)
{
    struct lfcli_err err;
    int64_t i;
    double d;
    ck_assert_int_eq(lfcli_parse_i64("-x", "-5", -10, 10, &i, &err), 0);
    ck_assert_int_eq(i, -5);
    ck_assert_int_eq(lfcli_parse_i64("-x", "-11", -10, 10, &i, &err), -1);
    ck_assert_int_eq(lfcli_parse_i64("-x", "3x", -10, 10, &i, &err), -1);
    ck_assert_int_eq(lfcli_parse_double("-d", "0.25", 0.01, 10, &d, &err), 0);
    ck_assert_double_eq(d, 0.25);
    const char *bad[] = {"0", "nan", "inf", "1e400", "", "2s", "-1", "11"};
    for (size_t k = 0; k < sizeof bad / sizeof bad[0]; k++) {
        ck_assert_msg(lfcli_parse_double("--duration", bad[k], 0.01, 10, &d, &err) == -1, "accepted '%s'", bad[k]);
        ck_assert_ptr_nonnull(strstr(err.msg, "--duration"));
    }
}
END_TEST

START_TEST(test_lists_and_enums)
{
    struct lfcli_err err;
    uint64_t v[4];
    ck_assert_int_eq(lfcli_parse_u64_list("-n", "1,2,4", 1, 8, v, 4, &err), 3);
    ck_assert_uint_eq(v[2], 4);
    ck_assert_int_eq(lfcli_parse_u64_list("-n", "1,,2", 1, 8, v, 4, &err), -1);
    ck_assert_int_eq(lfcli_parse_u64_list("-n", "1,", 1, 8, v, 4, &err), -1);
    ck_assert_int_eq(lfcli_parse_u64_list("-n", "", 1, 8, v, 4, &err), -1);
    ck_assert_int_eq(lfcli_parse_u64_list("-n", "1,2,3,4,5", 1, 8, v, 4, &err), -1);
    ck_assert_int_eq(lfcli_parse_u64_list("-n", "1,9", 1, 8, v, 4, &err), -1);
    const char *const names[] = {"none", "compact", "scatter", NULL};
    int e;
    ck_assert_int_eq(lfcli_parse_enum("--pin", "scatter", names, &e, &err), 0);
    ck_assert_int_eq(e, 2);
    ck_assert_int_eq(lfcli_parse_enum("--pin", "Scatter", names, &e, &err), -1);
    ck_assert_ptr_nonnull(strstr(err.msg, "none, compact, scatter"));
}
END_TEST

int main(void)
{
    Suite *s = suite_create("lfbench_cli");
    TCase *tc = tcase_create("cli");
    tcase_add_test(tc, test_u64_accepts);
    tcase_add_test(tc, test_u64_rejects);
    tcase_add_test(tc, test_i64_and_double);
    tcase_add_test(tc, test_lists_and_enums);
    suite_add_tcase(s, tc);
    return ck_run_suite(s, true);
}
