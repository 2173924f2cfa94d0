/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The one object TSan synchronises grace periods on (urcu_glue.h). */
#include "urcu_glue.h"

#ifdef LFB_TSAN
char lfb_tsan_grace_period;
#endif
