/*
 * Exact interleavings built with the perturbation hooks (lib/perturb.h): one
 * thread is stopped at a named step while another runs, reproducing races a
 * review found in earlier versions.  Perturbed builds only (make perturb); in
 * other builds the hooks are compiled out and the program reports a skip.
 */
#include "lfmap.h"
#include "hash.h"
#include "perturb.h"

#include <check.h>
#include <pthread.h>
#include <semaphore.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>

#ifdef LFMAP_PERTURB
#define SEED 0x5eedull

/* The stopped thread marks itself; the hook stops it once at `stop_at`. */
struct stopper {
    enum lfmap_hook stop_at;
    sem_t reached, release;
    atomic_bool used;
};
static _Thread_local bool stoppable;

static void stop_hook(enum lfmap_hook hook, void *arg)
{
    struct stopper *s = arg;
    if (!stoppable || hook != s->stop_at || atomic_exchange(&s->used, true))
        return;
    sem_post(&s->reached);
    sem_wait(&s->release);
}

static void stopper_init(struct stopper *s, enum lfmap_hook at)
{
    s->stop_at = at;
    sem_init(&s->reached, 0, 0);
    sem_init(&s->release, 0, 0);
    atomic_store(&s->used, false);
    lfmap_hook_set(stop_hook, s);
}

static int count_nothing(uint64_t key, uint64_t value, void *arg)
{
    (void)key, (void)value, (void)arg;
    return 0;
}

/* Regression: the successor used to be sized from the live count while
 * writers kept reviving keys in the old table; the copies then overflowed
 * it and keys were lost.  The remover is stopped right after it announced
 * the resize (sentinel in t->next, successor not yet sized) while the main
 * thread revives every key the remover already removed. */
#define PREFILL 3000u
#define KEEP 240u

static lfmap *map;
static _Atomic uint64_t removing; /* key the remover is at */

static void *remover(void *arg)
{
    (void)arg;
    ck_assert_int_eq(lfmap_thread_register(), 0);
    stoppable = true;
    for (uint64_t k = KEEP; k < PREFILL; k++) {
        atomic_store(&removing, k);
        ck_assert_int_eq(lfmap_remove(map, k, NULL), 1);
    }
    lfmap_thread_unregister();
    return NULL;
}

START_TEST(revivals_while_successor_is_sized)
{
    ck_assert_int_eq(lfmap_thread_register(), 0);
    struct lfmap_config cfg = {.seed = SEED};
    map = lfmap_new(&cfg);
    ck_assert_ptr_nonnull(map);
    for (uint64_t k = 0; k < PREFILL; k++)
        ck_assert_int_eq(lfmap_insert(map, k, k + 1), 1);
    struct stopper st;
    stopper_init(&st, LFMAP_HOOK_BEFORE_PUBLISH);
    pthread_t th;
    pthread_create(&th, NULL, remover, NULL);
    sem_wait(&st.reached); /* the remover started a shrink and is stopped */
    uint64_t last = atomic_load(&removing);
    for (uint64_t k = KEEP; k <= last; k++) /* all removed: revive them */
        ck_assert_int_eq(lfmap_put(map, k, k + 1, NULL), 1);
    sem_post(&st.release);
    pthread_join(th, NULL);
    lfmap_hook_set(NULL, NULL);
    lfmap_foreach(map, count_nothing, NULL); /* finishes the migration */
    for (uint64_t k = 0; k < PREFILL; k++) {
        uint64_t v = 0;
        bool want = k <= last;
        ck_assert_msg(lfmap_get(map, k, &v) == want, "key %llu (last removed before the stop: %llu)",
                      (unsigned long long)k, (unsigned long long)last);
        if (want)
            ck_assert_uint_eq(v, k + 1);
    }
    ck_assert_uint_eq(lfmap_size(map), last + 1);
    lfmap_free(map);
    lfmap_thread_unregister();
}
END_TEST

/* Regression: a writer stopped between seeing an empty slot and claiming it
 * must not be able to claim it after a migration froze it as the end of
 * another key's probe path (the other key then went missing and could be
 * inserted twice).  Both keys share a home slot, so their paths end at the
 * same empty slot.  The migration is a shrink started by removes, which
 * claim no slot, so that slot stays the paths' end until it is frozen. */
static uint64_t key_c, key_h;

static void colliding_pair(uint64_t mask)
{
    struct lfmap_hasher h;
    lfmap_hasher_init(&h, SEED);
    key_c = 1u << 20;
    uint64_t home = lfmap_mix(&h, key_c) & mask;
    for (uint64_t k = key_c + 1;; k++)
        if ((lfmap_mix(&h, k) & mask) == home) {
            key_h = k;
            return;
        }
}

static void *late_claimer(void *arg)
{
    (void)arg;
    ck_assert_int_eq(lfmap_thread_register(), 0);
    stoppable = true;
    ck_assert_int_eq(lfmap_put(map, key_c, 7, NULL), 1);
    lfmap_thread_unregister();
    return NULL;
}

START_TEST(late_claim_cannot_extend_a_frozen_path)
{
    ck_assert_int_eq(lfmap_thread_register(), 0);
    struct lfmap_config cfg = {.seed = SEED, .migration_chunk = 1};
    map = lfmap_new(&cfg);
    ck_assert_ptr_nonnull(map);
    for (uint64_t k = 0; k < PREFILL; k++)
        ck_assert_int_eq(lfmap_insert(map, k, k), 1);
    lfmap_foreach(map, count_nothing, NULL); /* finishes the last growth */
    struct lfmap_stats stats;
    lfmap_get_stats(map, &stats);
    ck_assert(!stats.resizing);
    colliding_pair(stats.capacity_slots - 1);
    struct stopper st;
    stopper_init(&st, LFMAP_HOOK_BEFORE_CLAIM);
    pthread_t th;
    pthread_create(&th, NULL, late_claimer, NULL);
    sem_wait(&st.reached); /* C saw the empty slot, has not claimed it */
    uint64_t k = 0;
    do {
        ck_assert_int_lt(k, PREFILL);
        ck_assert_int_eq(lfmap_remove(map, k++, NULL), 1);
        lfmap_get_stats(map, &stats);
    } while (!stats.resizing); /* a shrink, kept in progress by chunk 1 */
    ck_assert_int_eq(lfmap_insert(map, key_h, 111), 1); /* freezes the path end */
    sem_post(&st.release); /* C's claim now races the frozen path end */
    pthread_join(th, NULL);
    lfmap_hook_set(NULL, NULL);
    uint64_t v = 0;
    ck_assert(lfmap_get(map, key_h, &v));
    ck_assert_uint_eq(v, 111);
    ck_assert_int_eq(lfmap_insert(map, key_h, 222), 0);
    ck_assert(lfmap_get(map, key_c, &v));
    ck_assert_uint_eq(v, 7);
    ck_assert_uint_eq(lfmap_size(map), PREFILL - k + 2);
    lfmap_free(map);
    lfmap_thread_unregister();
}
END_TEST
#endif

int main(void)
{
#ifdef LFMAP_PERTURB
    setenv("LFMAP_PERTURB_PERMILLE", "0", 1); /* only the exact stops */
    Suite *s = suite_create("interleavings");
    TCase *tc = tcase_create("regressions");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, revivals_while_successor_is_sized);
    tcase_add_test(tc, late_claim_cannot_extend_a_frozen_path);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
#else
    puts("unit_interleavings: skip (hooks compiled out; run `make perturb`)");
    return EXIT_SUCCESS;
#endif
}
