# SPDX-License-Identifier: LGPL-2.1-or-later
# Sourced by shell tests that size their work by LFMAP_TEST_SCALE (0.1 in
# sanitizer trees, tests/run.sh): scaled_count N MIN prints N times the
# scale, never below MIN.
scaled_count() {
    awk -v n="$1" -v min="$2" -v s="${LFMAP_TEST_SCALE:-1}" 'BEGIN { r = int(n * s); print (r < min ? min : r) }'
}
