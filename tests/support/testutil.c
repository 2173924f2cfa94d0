/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Implementation of the helpers declared in testutil.h. */
#include "testutil.h"

#include <errno.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "lfmap.h"

double tu_scale(void)
{
    const char *s = getenv("LFMAP_TEST_SCALE");
    if (!s || !*s)
        return 1.0;
    char *end;
    double v = strtod(s, &end);
    if (*end || !(v > 0.0) || v > 1000.0) {
        fprintf(stderr, "LFMAP_TEST_SCALE=%s is not a positive number; using 1.0\n", s);
        return 1.0;
    }
    return v;
}

uint64_t tu_scaled(uint64_t n, uint64_t min)
{
    double v = (double)n * tu_scale();
    uint64_t r = v >= 1.8e19 ? UINT64_MAX : (uint64_t)v;
    return r < min ? min : r;
}

uint64_t tu_seed(const char *prog, uint64_t dflt)
{
    const char *s = getenv("LFMAP_TEST_SEED");
    uint64_t seed = dflt;
    if (s && *s) {
        char *end;
        errno = 0;
        unsigned long long v = strtoull(s, &end, 0);
        if (errno || *end)
            fprintf(stderr, "LFMAP_TEST_SEED=%s ignored (not a number)\n", s);
        else
            seed = v;
    }
    printf("%s: seed=0x%llx scale=%g (repeat with LFMAP_TEST_SEED=0x%llx)\n", prog,
           (unsigned long long)seed, tu_scale(), (unsigned long long)seed);
    fflush(stdout);
    return seed;
}

double tu_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

bool tu_key_index(uint64_t key, uint64_t limit, uint64_t *j)
{
    uint64_t c;
    if (key == UINT64_MAX)
        c = 1;
    else if (!(key & 2) && key < limit)
        c = key;
    else
        c = tu_unmix64(key);
    if (c >= limit || tu_key(c) != key)
        return false;
    *j = c;
    return true;
}

_Thread_local uint64_t tu_tl_pass;
static _Thread_local uint64_t tu_tl_fail;
static atomic_uint_fast64_t tu_total_pass, tu_total_fail;
/* Only the first few failures are printed: one bug can cause millions. */
static atomic_int tu_prints_left = 25;

void tu_fail_at(const char *file, int line, const char *fmt, ...)
{
    tu_tl_fail++;
    if (atomic_fetch_sub(&tu_prints_left, 1) > 0) {
        char msg[512];
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(msg, sizeof msg, fmt, ap);
        va_end(ap);
        fprintf(stderr, "FAIL %s:%d: %s\n", file, line, msg);
    }
}

void tu_flush(void)
{
    atomic_fetch_add(&tu_total_pass, tu_tl_pass);
    atomic_fetch_add(&tu_total_fail, tu_tl_fail);
    tu_tl_pass = 0;
    tu_tl_fail = 0;
}

uint64_t tu_failures(void)
{
    return atomic_load(&tu_total_fail) + tu_tl_fail;
}

int tu_report(void)
{
    tu_flush();
    uint64_t p = atomic_load(&tu_total_pass), f = atomic_load(&tu_total_fail);
    printf("%llu passed, %llu failed\n", (unsigned long long)p, (unsigned long long)f);
    fflush(stdout);
    return f ? 1 : 0;
}

void tu_register(void)
{
    int rc = lfmap_thread_register();
    if (rc != 0) {
        fprintf(stderr, "lfmap_thread_register() = %d (%s)\n", rc, strerror(-rc));
        exit(2);
    }
}

void tu_unregister(void)
{
    tu_flush();
    lfmap_thread_unregister();
}

int tu_count_cb(uint64_t key, uint64_t value, void *arg)
{
    (void)key;
    (void)value;
    ++*(size_t *)arg;
    return 0;
}

size_t tu_foreach_count(struct lfmap *m)
{
    size_t n = 0;
    return lfmap_foreach(m, tu_count_cb, &n) == 0 ? n : SIZE_MAX;
}
