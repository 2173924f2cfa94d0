/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Thread-local contention counters, see lock_profile.h. */
#include "lock_profile.h"

__thread struct lfb_lock_profile lfb_lock_profile_tls;

struct lfb_lock_profile lfb_lock_profile_take(void)
{
    struct lfb_lock_profile p = lfb_lock_profile_tls;
    lfb_lock_profile_tls = (struct lfb_lock_profile){0, 0, 0};
    return p;
}
