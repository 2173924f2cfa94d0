/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The asymmetric fence of the live-count stripes (lf_live_add, the
 * successor-sizing bound): writers, on every insert and remove, make only a
 * compiler barrier (lf_asym_fence_light in lib/lfmap_internal.h); the rare
 * resizer pays for both sides with sys_membarrier(PRIVATE_EXPEDITED), which
 * makes every running thread of the process execute a full memory barrier
 * before it returns (and a thread that is not running passes one when it is
 * scheduled again).  So for each writer there is a point in its execution,
 * between two of its instructions, that acts as a seq_cst fence placed
 * after the resizer's sentinel CAS and before the resizer's stripe loads:
 * liburcu's memb flavour rests on the same argument for its read side.
 *
 * The process registers for the expedited command once, on the first map
 * (MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED: process-wide and permanent,
 * also done by liburcu-memb; it changes nothing outside the process).  A
 * kernel without it (older than 4.14, or a seccomp filter that forbids the
 * call) leaves lf_asym_fence_available() false, and maps then keep the
 * symmetric version: a seq_cst store on every live-count update.
 */
#include "lfmap_internal.h"

#include <errno.h>
#include <pthread.h>

#if defined(__linux__) && !defined(LFMAP_MODEL)
#include <linux/membarrier.h>
#include <sys/syscall.h>
#include <unistd.h>
#define LF_HAVE_MEMBARRIER 1
#endif

#ifdef LF_HAVE_MEMBARRIER
static long membarrier(int cmd)
{
    return syscall(__NR_membarrier, cmd, 0, 0);
}
#endif

#if !defined(LFMAP_ASYM_FENCE_OFF) && !defined(LFMAP_MODEL)
static pthread_once_t asym_once = PTHREAD_ONCE_INIT;
static bool asym_available;

static void asym_init(void)
{
#ifdef LF_HAVE_MEMBARRIER
    long cmds = membarrier(MEMBARRIER_CMD_QUERY);
    if (cmds < 0 || !(cmds & MEMBARRIER_CMD_PRIVATE_EXPEDITED) ||
        !(cmds & MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED))
        return;
    asym_available = membarrier(MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED) == 0;
#endif
}
#endif

bool lf_asym_fence_available(void)
{
#if defined(LFMAP_ASYM_FENCE_OFF) /* tests and benchmarks of the symmetric version */
    return false;
#elif defined(LFMAP_MODEL)
    return true; /* the model runs the asymmetric version (lf_asym_fence_light) */
#else
    /* pthread_once publishes asym_available to every caller. */
    pthread_once(&asym_once, asym_init);
    return asym_available;
#endif
}

int lf_asym_fence_heavy(void)
{
#ifdef LF_HAVE_MEMBARRIER
    /* The registration succeeded (callers test lf_asym_fence_available
     * first), so the kernel does not refuse this command; an error is still
     * reported rather than ignored, and the caller then gives the resize
     * up (the bound would not hold). */
    if (membarrier(MEMBARRIER_CMD_PRIVATE_EXPEDITED) != 0)
        return -errno;
#endif
    return 0;
}
