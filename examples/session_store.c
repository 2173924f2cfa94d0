/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * session_store: a web server's session table on lfmap, the example the
 * README's "Using lfmap in your program" walks through.
 *
 *   cc session_store.c $(pkg-config --cflags --libs lfmap) -o session_store
 *   ./session_store [REQUESTS_PER_THREAD]
 *
 * Sessions are heap objects; the map stores pointers to them and owns them:
 * its value destructor frees a session once it has been replaced or removed
 * and no reader can still be looking at it.  Four worker threads serve
 * requests: log in (insert a new session), look a session up and update
 * its last-seen time, renew it (replace it with a new object), log out
 * (remove it).  Afterwards every session ever created must have been freed
 * exactly once.
 */
#include <lfmap.h>

#include <inttypes.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define THREADS 4
#define SESSIONS_PER_THREAD 512 /* live sessions a worker keeps, at most */

struct session {
    uint64_t id;
    uint64_t user;
    _Atomic uint64_t last_seen; /* updated in place by lookups */
    char name[24];
};

static atomic_ulong created, freed;

/* The map's value destructor: runs once per session, after a grace period
 * (no reader inside lfmap_read_lock can still hold it). */
static void session_free(uint64_t value, void *ctx)
{
    (void)ctx;
    free((struct session *)(uintptr_t)value);
    atomic_fetch_add(&freed, 1);
}

static struct session *session_new(uint64_t id, uint64_t user, uint64_t now)
{
    struct session *s = malloc(sizeof *s);
    if (!s)
        abort();
    s->id = id;
    s->user = user;
    atomic_init(&s->last_seen, now);
    snprintf(s->name, sizeof s->name, "user-%" PRIu64, user);
    atomic_fetch_add(&created, 1);
    return s;
}

static uint64_t as_value(struct session *s)
{
    return (uint64_t)(uintptr_t)s;
}

struct worker {
    pthread_t tid;
    lfmap *sessions;
    unsigned id;
    long requests;
    long logins, lookups, renewals, logouts, errors;
};

/* A session id: the worker's number in the top bits, so that each worker
 * owns its ids, and a counter below. */
static uint64_t session_id(unsigned worker, uint64_t n)
{
    return ((uint64_t)(worker + 1) << 48) | n;
}

static void *serve(void *arg)
{
    struct worker *w = arg;
    lfmap *m = w->sessions;
    uint64_t next = 0, oldest = 0; /* this worker's live ids: [oldest, next) */
    uint64_t rnd = 0x9e3779b97f4a7c15ull * (w->id + 1);

    if (lfmap_thread_register() != 0) { /* every thread, before its first operation */
        w->errors++;
        return NULL;
    }
    for (long r = 0; r < w->requests; r++) {
        rnd ^= rnd << 13, rnd ^= rnd >> 7, rnd ^= rnd << 17;
        uint64_t now = (uint64_t)r;
        unsigned op = (unsigned)(rnd % 8);
        if (next == oldest || (op == 0 && next - oldest < SESSIONS_PER_THREAD)) {
            /* Log in: a new session under a new id. */
            uint64_t id = session_id(w->id, next++);
            struct session *s = session_new(id, rnd % 1000, now);
            if (lfmap_insert(m, id, as_value(s)) != 1) {
                free(s); /* never stored: ours to free */
                w->errors++;
            }
            w->logins++;
        } else if (op <= 5) {
            /* A request: look the session up and touch it.  The pointer is
             * valid only between lfmap_read_lock and lfmap_read_unlock. */
            uint64_t id = session_id(w->id, oldest + (rnd >> 8) % (next - oldest)), v;
            lfmap_read_lock(m);
            if (lfmap_get(m, id, &v)) {
                struct session *s = (struct session *)(uintptr_t)v;
                if (s->id != id)
                    w->errors++;
                atomic_store(&s->last_seen, now);
            } else {
                w->errors++; /* our own live session must be there */
            }
            lfmap_read_unlock(m);
            w->lookups++;
        } else if (op == 6) {
            /* Renew: replace the session with a new object; the map
             * retires the old one (its destructor frees it later). */
            uint64_t id = session_id(w->id, oldest + (rnd >> 8) % (next - oldest));
            if (lfmap_put(m, id, as_value(session_new(id, rnd % 1000, now)), NULL) != 0)
                w->errors++;
            w->renewals++;
        } else {
            /* Log out the oldest session: removed and, later, freed. */
            if (lfmap_remove(m, session_id(w->id, oldest++), NULL) != 1)
                w->errors++;
            w->logouts++;
        }
    }
    lfmap_thread_unregister(); /* before the thread exits */
    return NULL;
}

int main(int argc, char **argv)
{
    long requests = argc > 1 ? strtol(argv[1], NULL, 10) : 200000;
    if (argc > 2 || requests <= 0) {
        fprintf(stderr, "usage: %s [REQUESTS_PER_THREAD]\n", argv[0]);
        return 64;
    }
    struct lfmap_config cfg = {.value_free = session_free};
    lfmap *sessions = lfmap_new(&cfg);
    if (!sessions) {
        perror("lfmap_new");
        return 1;
    }
    struct worker w[THREADS];
    for (unsigned i = 0; i < THREADS; i++) {
        w[i] = (struct worker){.sessions = sessions, .id = i, .requests = requests};
        if (pthread_create(&w[i].tid, NULL, serve, &w[i]) != 0) {
            perror("pthread_create");
            return 1;
        }
    }
    long errors = 0, logins = 0, lookups = 0, renewals = 0, logouts = 0;
    for (unsigned i = 0; i < THREADS; i++) {
        pthread_join(w[i].tid, NULL);
        errors += w[i].errors;
        logins += w[i].logins;
        lookups += w[i].lookups;
        renewals += w[i].renewals;
        logouts += w[i].logouts;
    }
    size_t live = lfmap_size(sessions);
    /* Frees the map and every session still in it, and waits until every
     * destructor has run. */
    lfmap_free(sessions);
    unsigned long c = atomic_load(&created), f = atomic_load(&freed);
    printf("%d threads: %ld logins, %ld lookups, %ld renewals, %ld logouts; %zu live at the end; "
           "%lu sessions created, %lu freed\n",
           THREADS, logins, lookups, renewals, logouts, live, c, f);
    if (errors || c != f || live != (size_t)(logins - logouts)) {
        printf("FAILED: %ld errors\n", errors);
        return 1;
    }
    return 0;
}
