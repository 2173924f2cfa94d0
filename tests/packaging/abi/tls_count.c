/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Built against the installed shared library by tests/packaging/tls_access.sh, which
 * runs it under gdb and counts the calls of __tls_get_addr between the
 * calls of tls_region_begin and tls_region_end: OPS lookups (hits and
 * misses), inserts, puts, removes and get_or_inserts of keys in a map the
 * thread has used already (registration with the scheme and first touches of
 * thread-local state happen before the region), presized so that nothing in
 * the region resizes it, and holding PREFILL keys so that removes do not
 * shrink it (a resize retires a table through liburcu's call_rcu, whose own
 * thread-local state liburcu reaches through __tls_get_addr).  Prints the
 * number of operations in the region.
 */
#include <lfmap.h>

#include <stdio.h>
#include <stdlib.h>

#define OPS 200u
#define PREFILL 1000u

/* Markers for the debugger; noinline and an empty asm keep the calls. */
__attribute__((noinline)) void tls_region_begin(void);
__attribute__((noinline)) void tls_region_end(void);
__attribute__((noinline)) void tls_region_begin(void) { __asm__ volatile(""); }
__attribute__((noinline)) void tls_region_end(void) { __asm__ volatile(""); }

int main(void)
{
    if (lfmap_thread_register() != 0)
        return 2;
    struct lfmap_config cfg = {.capacity = 2 * PREFILL};
    lfmap *m = lfmap_new(&cfg);
    if (!m)
        return 2;
    uint64_t v;
    /* Warm up: the thread's first use of the scheme, and every path once. */
    for (uint64_t k = 0; k < 8; k++) {
        lfmap_insert(m, k, k);
        lfmap_get(m, k, &v);
        lfmap_put(m, k, k + 1, NULL);
        lfmap_remove(m, k, NULL);
    }
    for (uint64_t k = 0; k < PREFILL; k++)
        lfmap_insert(m, 1u << 20 | k, k);
    unsigned ops = 0;
    int bad = 0;
    tls_region_begin();
    for (uint64_t k = 100; k < 100 + OPS; k++) {
        bad |= lfmap_insert(m, k, k) != 1;
        bad |= !lfmap_get(m, k, &v) || v != k;
        bad |= lfmap_get(m, k + 1000000, &v); /* a miss */
        bad |= lfmap_put(m, k, k + 1, NULL) != 0;
        bad |= lfmap_get_or_insert(m, k, 7, &v) != 0 || v != k + 1;
        bad |= lfmap_remove(m, k, NULL) != 1;
        ops += 6;
    }
    tls_region_end();
    lfmap_free(m);
    lfmap_thread_unregister();
    if (bad) {
        fputs("tls_count: an operation returned a wrong answer\n", stderr);
        return 1;
    }
    printf("%u\n", ops);
    return 0;
}
