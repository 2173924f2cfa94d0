/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Prints the registered reclamation schemes, one name per line, in registry
 * order (the default first): tests/run.sh runs the map tests once per line.
 */
#include "lfmap.h"

#include <stdio.h>

int main(void)
{
    for (size_t i = 0; lfmap_reclamation_scheme(i); i++)
        printf("%s\n", lfmap_reclamation_scheme(i));
    return 0;
}
