/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The library's version.  The Makefile passes the numbers of the VERSION file
 * (LFMAP_BUILD_VERSION_*); the header's macros must agree with them.
 */
#include "lfmap.h"

#if defined(LFMAP_BUILD_VERSION_MAJOR) && defined(LFMAP_BUILD_VERSION_MINOR) && \
    defined(LFMAP_BUILD_VERSION_PATCH)
_Static_assert(LFMAP_VERSION_MAJOR == LFMAP_BUILD_VERSION_MAJOR &&
                   LFMAP_VERSION_MINOR == LFMAP_BUILD_VERSION_MINOR &&
                   LFMAP_VERSION_PATCH == LFMAP_BUILD_VERSION_PATCH,
               "lib/lfmap.h's LFMAP_VERSION_* disagree with the VERSION file");
#endif

unsigned int lfmap_version(void)
{
    return LFMAP_VERSION;
}
