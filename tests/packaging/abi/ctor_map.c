/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * A program that uses lfmap from a constructor and links liburcu-memb
 * statically (tests/packaging/static_urcu_ctor.sh): its constructor runs before
 * liburcu's, which sets urcu_memb_has_sys_membarrier.  The map created there
 * (and every map of the default scheme, whose domain is resolved once, then)
 * takes liburcu's calls on its read side; a map created in main() that names
 * "urcu-memb" takes the inline one.  All must work on the same thread.
 * Prints "ok".
 */
#include <lfmap.h>

#include <stdio.h>
#include <stdlib.h>

static lfmap *early;

__attribute__((constructor)) static void early_map(void)
{
    if (lfmap_thread_register() != 0)
        abort();
    early = lfmap_new(NULL);
    if (!early || lfmap_insert(early, 1, 2) != 1)
        abort();
}

int main(void)
{
    uint64_t v = 0;
    struct lfmap_config named = {.reclamation = "urcu-memb"};
    lfmap *m = lfmap_new(&named);
    if (!m)
        return 2;
    for (uint64_t k = 0; k < 1000; k++)
        if (lfmap_insert(m, k, k + 1) != 1 || !lfmap_get(m, k, &v) || v != k + 1) {
            printf("wrong answer for key %llu\n", (unsigned long long)k);
            return 1;
        }
    if (!lfmap_get(early, 1, &v) || v != 2 || lfmap_size(m) != 1000) {
        puts("wrong answer from the early map");
        return 1;
    }
    lfmap_free(m);
    lfmap_free(early);
    lfmap_thread_unregister();
    puts("ok");
    return 0;
}
