/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * A program that defines, for its own use, the names the library's internals
 * had before they were prefixed (table_new, lfmap_self, ...), and checks that
 * the library neither clashes with them (static link: "multiple definition")
 * nor calls them (dynamic link: the program's table_new replaced the
 * library's and lfmap_new failed with ENOMEM).  Built by tests/packaging/abi_old_names.sh
 * against liblfmap.a and liblfmap.so; with -DCURRENT_INTERNALS (shared build
 * only) it also defines some of today's internal names, which the shared
 * library must not export either.
 */
#include <lfmap.h>
#include <stdio.h>
#include <stdlib.h>

static int called; /* any of ours called by the library */

#define OLD_FN(name)                                                                               \
    void *name(void);                                                                              \
    void *name(void)                                                                               \
    {                                                                                              \
        called++;                                                                                  \
        fprintf(stderr, "the library called the program's %s\n", #name);                         \
        return NULL;                                                                               \
    }

OLD_FN(table_new)
OLD_FN(table_free)
OLD_FN(table_retire)
OLD_FN(table_finish_migration)
OLD_FN(table_freeze_key_path)
OLD_FN(table_help_migration)
OLD_FN(table_help_publish)
OLD_FN(table_slots_for_keys)
OLD_FN(table_start_migration)
OLD_FN(lfmap_alloc)
OLD_FN(lfmap_box)
OLD_FN(lfmap_dealloc)
OLD_FN(lfmap_registered_threads)
_Thread_local char lfmap_self[64];

#ifdef CURRENT_INTERNALS
OLD_FN(lf_table_new)
OLD_FN(lf_table_retire)
OLD_FN(lf_alloc)
OLD_FN(lf_box)
OLD_FN(lfrcu_retire)
OLD_FN(lfrcu_thread_register)
_Thread_local char lf_self[64];
#endif

int main(void)
{
    if (lfmap_thread_register() != 0) {
        puts("lfmap_thread_register failed");
        return 1;
    }
    lfmap *m = lfmap_new(&(struct lfmap_config){ .capacity = 16 });
    if (!m) {
        perror("lfmap_new");
        return 1;
    }
    /* Enough keys for several resizes (table_new, table_retire, the box). */
    for (uint64_t k = 0; k < 100000; k++)
        if (lfmap_insert(m, k, k * 3) != 1) {
            puts("insert failed");
            return 1;
        }
    uint64_t v;
    for (uint64_t k = 0; k < 100000; k++)
        if (!lfmap_get(m, k, &v) || v != k * 3) {
            puts("get failed");
            return 1;
        }
    size_t n = lfmap_size(m);
    lfmap_free(m);
    lfmap_thread_unregister();
    lfmap_self[0] = 1;
    if (called || n != 100000) {
        printf("called=%d size=%zu\n", called, n);
        return 1;
    }
    puts("ok");
    return 0;
}
