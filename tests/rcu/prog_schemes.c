/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Prints the registered reclamation schemes, one name per line, in registry
 * order (the default first): tests/run.sh runs the map tests once per line.
 * With --never-frees, only the schemes that declare never_frees (rcu/lfrcu.h),
 * for scripts that must treat them apart (tests/run.sh turns LeakSanitizer
 * off for them) without knowing their names.
 */
#include "lfmap.h"
#include "scheme_props.h"

#include <stdio.h>
#include <string.h>

int main(int argc, char **argv)
{
    bool never_frees = argc == 2 && strcmp(argv[1], "--never-frees") == 0;
    if (argc > 1 && !never_frees) {
        fprintf(stderr, "usage: %s [--never-frees]\n", argv[0]);
        return 64;
    }
    for (size_t i = 0; lfmap_reclamation_scheme(i); i++)
        if (!never_frees || scheme_never_frees(lfmap_reclamation_scheme(i)))
            printf("%s\n", lfmap_reclamation_scheme(i));
    return 0;
}
