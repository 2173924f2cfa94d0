/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Memory figures, see memstats.h. */
#include "memstats.h"

#include <dlfcn.h>
#include <malloc.h>
#include <stddef.h>
#include <stdio.h>
#include <unistd.h>

typedef int (*mallctl_fn)(const char *, void *, size_t *, void *, size_t);

/* Looked up, not linked: the binary runs with or without jemalloc (it is
 * preloaded when asked for, main.c), and sanitizer builds never have it. */
static mallctl_fn find_mallctl(void)
{
    return (mallctl_fn)dlsym(RTLD_DEFAULT, "mallctl");
}

bool lfb_jemalloc_active(void)
{
    return find_mallctl() != NULL;
}

const char *lfb_jemalloc_version(void)
{
    mallctl_fn ctl = find_mallctl();
    const char *v = NULL;
    size_t len = sizeof v;
    if (!ctl || ctl("version", &v, &len, NULL, 0) != 0)
        return NULL;
    return v;
}

static int64_t rss_bytes(void)
{
    FILE *f = fopen("/proc/self/statm", "r");
    long long size = 0, resident = 0;
    if (!f)
        return -1;
    int n = fscanf(f, "%lld %lld", &size, &resident);
    fclose(f);
    return n == 2 ? resident * (int64_t)sysconf(_SC_PAGESIZE) : -1;
}

void lfb_mem_rss(struct lfb_mem *out)
{
    out->rss_bytes = rss_bytes();
    out->allocated_bytes = -1;
    out->active_bytes = -1;
}

void lfb_mem_sample(struct lfb_mem *out)
{
    out->rss_bytes = rss_bytes();
    out->allocated_bytes = -1;
    out->active_bytes = -1;
    mallctl_fn ctl = find_mallctl();
    if (ctl) {
        uint64_t epoch = 1;
        size_t len = sizeof epoch;
        ctl("epoch", &epoch, &len, &epoch, len);
        size_t v;
        len = sizeof v;
        if (ctl("stats.allocated", &v, &len, NULL, 0) == 0)
            out->allocated_bytes = (int64_t)v;
        len = sizeof v;
        if (ctl("stats.active", &v, &len, NULL, 0) == 0)
            out->active_bytes = (int64_t)v;
        return;
    }
    struct mallinfo2 mi = mallinfo2();
    out->allocated_bytes = (int64_t)(mi.uordblks + mi.hblkhd);
}

/* jemalloc's index for "all arenas merged" (MALLCTL_ARENAS_ALL). */
#define LFB_JE_ARENAS_ALL "4096"

static int64_t je_u64(mallctl_fn ctl, const char *name)
{
    uint64_t v;
    size_t len = sizeof v;
    return ctl(name, &v, &len, NULL, 0) == 0 ? (int64_t)v : -1;
}

int64_t lfb_mem_allocations(void)
{
    mallctl_fn ctl = find_mallctl();
    if (!ctl)
        return -1;
    uint64_t epoch = 1;
    size_t len = sizeof epoch;
    ctl("epoch", &epoch, &len, &epoch, len);
    int64_t small = je_u64(ctl, "stats.arenas." LFB_JE_ARENAS_ALL ".small.nrequests");
    int64_t large = je_u64(ctl, "stats.arenas." LFB_JE_ARENAS_ALL ".large.nrequests");
    return small >= 0 && large >= 0 ? small + large : -1;
}

int64_t lfb_mem_anon_bytes(void)
{
    FILE *f = fopen("/proc/self/smaps_rollup", "r");
    if (!f)
        return -1;
    char line[256];
    long long kib = -1;
    while (fgets(line, sizeof line, f))
        if (sscanf(line, "Anonymous: %lld kB", &kib) == 1)
            break;
    fclose(f);
    return kib >= 0 ? kib * 1024 : -1;
}

void lfb_mem_purge(void)
{
    mallctl_fn ctl = find_mallctl();
    if (ctl) {
        ctl("thread.tcache.flush", NULL, NULL, NULL, 0);
        ctl("arena." LFB_JE_ARENAS_ALL ".purge", NULL, NULL, NULL, 0);
        return;
    }
    malloc_trim(0);
}
