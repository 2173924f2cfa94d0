/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* unit_differential on the byte-string map: tests/core/unit_differential.c with
 * TEST_BYTE_KEYS (tests/support/keys.h). */
#define TEST_BYTE_KEYS 1
#include "unit_differential.c"
