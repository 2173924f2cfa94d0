/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* stress_lincheck on the byte-string map: tests/core/stress_lincheck.c with
 * TEST_BYTE_KEYS (tests/support/keys.h). */
#define TEST_BYTE_KEYS 1
#include "stress_lincheck.c"
