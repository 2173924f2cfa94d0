/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Structural invariants the model check tests at every hook passage and
 * after every operation (tests/model/scenarios.cpp).  Compiled as C with
 * lib/'s internals; reads the latest values without model events.
 */
#include "lfmap_internal.h"

#include <stddef.h>
#include <string.h>

#define PEEK(x) ((__typeof__((void)0, (x)))lf_model_peek(&(x)))

uint64_t lf_model_peek(const volatile void *obj);
bool lf_model_is_freed(const volatile void *obj);
const char *lf_model_check_map(lfmap *m);
void lf_model_prepare_globals(void);
void *lf_model_last_alloc(void);
uint64_t lf_model_live_truth(lfmap *m);
uint64_t lf_model_last_table_used(void);

/* For the sizing check (tests/model/scenarios.cpp, on_hook): the live count
 * at the instant a resizer is about to sum the stripes, and the reservation
 * of the successor it then sized. */
uint64_t lf_model_live_truth(lfmap *m)
{
    int64_t sum = 0;
    for (unsigned i = 0; i < LFMAP_COUNT_STRIPES; i++)
        sum += (int64_t)PEEK(m->live[i].live);
    return sum < 0 ? 0 : (uint64_t)sum;
}

uint64_t lf_model_last_table_used(void)
{
    struct lfmap_table *nt = lf_model_last_alloc();
    return nt ? PEEK(nt->used) : 0;
}
uint64_t lf_model_mix(uint64_t seed, uint64_t key);

/* The key word a map with this seed stores for key (scenarios pick keys
 * that collide). */
uint64_t lf_model_mix(uint64_t seed, uint64_t key)
{
    struct lfmap_hasher h;
    lf_hasher_init(&h, seed);
    return lf_mix(&h, key);
}

/* Creates the model atomics of lib/'s static objects that a scenario's
 * threads may touch first (the boxes), in the set-up code, which happens
 * before every thread. */
void lf_model_prepare_globals(void)
{
    /* Thread-local state starts empty in every execution (a failed one
     * leaves its threads registered, and Relacy then replays it). */
    memset(lf_self_model, 0, sizeof lf_self_model);
    for (unsigned t = 0; t < LF_MODEL_MAX_THREADS; t++)
        (void)atomic_load_explicit(lf_box(t), memory_order_relaxed); /* relaxed: set-up only */
}


/* "used never lags behind the real claims" (lib/lfmap_internal.h): every
 * insert reserves before it claims, and a successor is created with a
 * reservation for every key that can be copied into it.  The second half is
 * the successor-sizing bound: a successor whose copies outnumber its
 * reservation was sized from a live count that missed more than one
 * operation per thread. */
const char *lf_model_check_map(lfmap *m)
{
    struct lfmap_table *t = PEEK(m->current);
    for (int depth = 0; t && depth < 8; depth++) {
        if (lf_model_is_freed(t))
            return "the current table (or its successor) was freed";
        size_t claimed = 0;
        for (size_t i = 0; i < t->nslots; i++) {
            uint64_t k = PEEK(t->slots[i].key);
            if (k < KEY_RESERVED)
                continue;
            claimed++;
            /* A byte map compares keys by their bytes: two slots of one
             * table must not hold the same key under two objects. */
            if (t->byte_keys) {
                const struct lf_key key = lf_key_of_word(true, k);
                for (size_t j = i + 1; j < t->nslots; j++) {
                    uint64_t k2 = PEEK(t->slots[j].key);
                    if (k2 >= KEY_RESERVED && lf_key_matches(k2, &key))
                        return "a byte key has two slots in one table";
                }
            }
        }
        if (claimed > PEEK(t->used))
            return "claimed slots exceed the table's used count (successor-sizing bound broken)";
        struct lfmap_table *next = PEEK(t->next);
        if (!next || lf_table_next_is_sentinel(next))
            break;
        t = next;
    }
    return NULL;
}
