/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The memory probe, see memprobe.h. */
#include "memprobe.h"

#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "lfmap.h"
#include "locks.h"
#include "map_iface.h"
#include "memstats.h"
#include "runner.h"
#include "workload.h"

extern char **environ;

#define PROBE_TAG "lfbench-memprobe"
#define PROBE_ARGS 32

/* ---- the child --------------------------------------------------------- */

struct probe_thread {
    const struct lfb_map_ops *ops;
    void *map;
    uint64_t key;
    pthread_barrier_t *registered, *measured;
    pthread_t tid;
};

/* A thread that uses the map: registers, looks one key up, and stays
 * registered until the measurement is taken. */
static void *probe_worker(void *arg)
{
    struct probe_thread *t = arg;
    pthread_barrier_wait(t->registered); /* the map exists */
    if (t->ops->thread_enter)
        t->ops->thread_enter(t->map);
    uint64_t v;
    (void)t->ops->get(t->map, t->key, &v);
    pthread_barrier_wait(t->registered); /* every thread has its state */
    pthread_barrier_wait(t->measured);
    if (t->ops->thread_exit)
        t->ops->thread_exit(t->map);
    return NULL;
}

int lfb_memprobe_child(const struct lfb_options *o)
{
    const struct lfb_map_ops *ops = o->maps[0];
    if (o->values == LFB_VALUES_POINTER && ops->pointer_variant)
        ops = ops->pointer_variant;
    unsigned threads = (unsigned)o->threads[0];
    struct lfb_workload w;
    lfb_options_workload(o, "95/5", o->initial[0], &w);
    struct lfb_perm perm;
    lfb_perm_init(&perm, w.range, o->seed);
    struct probe_thread *ts = calloc(threads, sizeof *ts);
    pthread_barrier_t registered, measured;
    if (!ts) {
        fputs("lfbench --probe-memory: out of memory\n", stderr);
        return EXIT_FAILURE;
    }
    pthread_barrier_init(&registered, NULL, threads + 1);
    pthread_barrier_init(&measured, NULL, threads + 1);
    /* The threads (their stacks) exist before the first reading. */
    for (unsigned t = 0; t < threads; t++) {
        ts[t] = (struct probe_thread){.ops = ops, .key = lfb_key_of(&perm, t % w.initial),
                                      .registered = &registered, .measured = &measured};
        if (pthread_create(&ts[t].tid, NULL, probe_worker, &ts[t]) != 0) {
            fputs("lfbench --probe-memory: cannot start a thread\n", stderr);
            return EXIT_FAILURE;
        }
    }
    struct lfb_mem a0, a1;
    lfb_mem_purge();
    int64_t before = lfb_mem_anon_bytes();
    lfb_mem_sample(&a0);

    struct lfb_map_config cfg = {.capacity = w.initial, .seed = o->seed, .threads = threads,
                                 .scheme = o->nschemes ? o->schemes[0] : NULL,
                                 .lock_kind = o->nlock_kinds ? o->lock_kinds[0] : 0};
    void *m = ops->create(&cfg);
    if (!m) {
        fprintf(stderr, "lfbench --probe-memory: %s: create failed\n", ops->name);
        return EXIT_FAILURE;
    }
    struct lfcli_err err;
    if (ops->thread_enter)
        ops->thread_enter(m);
    int rc = lfb_prefill(ops, m, &perm, w.initial, &err);
    if (ops->quiescent)
        ops->quiescent(m);
    if (ops->thread_exit)
        ops->thread_exit(m);
    if (rc != 0) {
        fprintf(stderr, "lfbench --probe-memory: %s\n", err.msg);
        return EXIT_FAILURE;
    }
    for (unsigned t = 0; t < threads; t++)
        ts[t].map = m;
    pthread_barrier_wait(&registered);
    pthread_barrier_wait(&registered);
    lfb_mem_purge();
    int64_t after = lfb_mem_anon_bytes();
    lfb_mem_sample(&a1);
    pthread_barrier_wait(&measured);
    for (unsigned t = 0; t < threads; t++)
        pthread_join(ts[t].tid, NULL);
    if (ops->thread_enter)
        ops->thread_enter(m);
    ops->destroy(m);
    if (ops->thread_exit)
        ops->thread_exit(m);
    pthread_barrier_destroy(&registered);
    pthread_barrier_destroy(&measured);
    free(ts);
    printf("%s keys=%" PRIu64 " threads=%u bytes=%" PRId64 " allocator_bytes=%" PRId64 " anon_before=%" PRId64 "\n",
           PROBE_TAG, w.initial, threads, before >= 0 && after >= 0 ? after - before : INT64_MIN,
           a0.allocated_bytes >= 0 && a1.allocated_bytes >= 0 ? a1.allocated_bytes - a0.allocated_bytes : INT64_MIN,
           before);
    fflush(stdout);
    return before >= 0 && after >= 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}

/* ---- the parent -------------------------------------------------------- */

int lfb_memprobe(const struct lfb_memprobe_req *req, struct lfb_held *out, struct lfcli_err *err)
{
    memset(out, 0, sizeof *out);
    char keys[24], threads[16], seed[24], key_len[32], value_len[32];
    snprintf(keys, sizeof keys, "%" PRIu64, req->keys);
    snprintf(threads, sizeof threads, "%u", req->threads);
    snprintf(seed, sizeof seed, "%" PRIu64, req->seed);
    const char *argv[PROBE_ARGS];
    int n = 0;
    argv[n++] = "lfbench";
    argv[n++] = "--probe-memory";
    argv[n++] = "--no-check";
    argv[n++] = "-m";
    argv[n++] = req->map;
    argv[n++] = "-i";
    argv[n++] = keys;
    argv[n++] = "-n";
    argv[n++] = threads;
    argv[n++] = "-s";
    argv[n++] = seed;
    if (req->scheme) {
        argv[n++] = "--scheme";
        argv[n++] = req->scheme;
    }
    if (req->lock_kind) {
        argv[n++] = "--lock-kind";
        argv[n++] = lfb_lock_kind_names[req->lock_kind];
    }
    if (req->pointer_values) {
        argv[n++] = "--values";
        argv[n++] = "pointer";
    }
    if (req->glibc) {
        argv[n++] = "--allocator";
        argv[n++] = "glibc";
    }
    if (req->byte_keys || req->cache) {
        snprintf(key_len, sizeof key_len, "%u-%u", req->key_len_min, req->key_len_max);
        argv[n++] = "--key-len";
        argv[n++] = key_len;
    }
    if (req->cache) {
        snprintf(value_len, sizeof value_len, "%u-%u", req->value_len_min, req->value_len_max);
        argv[n++] = "-w";
        argv[n++] = "cache";
        argv[n++] = "--value-len";
        argv[n++] = value_len;
    }
    argv[n] = NULL;

    int fd[2];
    if (pipe(fd) != 0)
        return lfcli_fail(err, "memory probe: pipe: %s", strerror(errno));
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa, fd[1], STDOUT_FILENO);
    posix_spawn_file_actions_addclose(&fa, fd[0]);
    posix_spawn_file_actions_addclose(&fa, fd[1]);
    pid_t pid;
    int rc = posix_spawn(&pid, "/proc/self/exe", &fa, NULL, (char *const *)argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    close(fd[1]);
    if (rc != 0) {
        close(fd[0]);
        return lfcli_fail(err, "memory probe: cannot start lfbench again: %s", strerror(rc));
    }
    FILE *f = fdopen(fd[0], "r");
    char line[512];
    bool got = false;
    long long bytes = 0, alloc = 0, before = 0;
    unsigned long long k = 0;
    unsigned t = 0;
    while (f && fgets(line, sizeof line, f))
        if (sscanf(line, PROBE_TAG " keys=%llu threads=%u bytes=%lld allocator_bytes=%lld anon_before=%lld", &k, &t,
                   &bytes, &alloc, &before) == 5)
            got = true;
    if (f)
        fclose(f);
    else
        close(fd[0]);
    int status;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
        ;
    if (!got || !WIFEXITED(status) || WEXITSTATUS(status) != 0)
        return lfcli_fail(err, "memory probe of %s at %" PRIu64 " keys failed (exit status %d)", req->map, req->keys,
                          WIFEXITED(status) ? WEXITSTATUS(status) : -1);
    out->measured = true;
    out->keys = k;
    out->threads = t;
    out->bytes = bytes;
    out->allocator_bytes = alloc == INT64_MIN ? -1 : alloc;
    out->anon_before = before;
    return 0;
}
