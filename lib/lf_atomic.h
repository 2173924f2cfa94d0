/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The atomics layer of lib/.  Every file of lib/ spells its atomic accesses
 * in C11 (atomic_load_explicit(&x, memory_order_acquire), _Atomic types) and
 * gets those names from here, so that one build switch can route them
 * elsewhere without touching the algorithm's text:
 *
 *   normal build     <stdatomic.h> itself: this header adds nothing to the
 *                    object code (checked by tests/model/prod_identical.sh).
 *   -DLFMAP_MODEL    every atomic operation becomes a call into the Relacy
 *                    model checker (tests/model/lf_model_rt.cpp), which
 *                    simulates the C11 memory model, relaxed behaviours
 *                    included, and explores thread schedules.  The same
 *                    lookup, claim, write, freeze, box, sentinel,
 *                    publication, promotion and retire code then runs on
 *                    Relacy's threads (make modelcheck).
 *
 * Thread-local variables are declared with LF_TLS(type, name): a C11
 * _Thread_local normally, one copy per simulated thread in the model (Relacy
 * threads are fibers of one OS thread, so _Thread_local would be shared).
 */
#ifndef LF_ATOMIC_H
#define LF_ATOMIC_H

#ifndef LFMAP_MODEL

#include <stdatomic.h>

#define LF_TLS(type, name) _Thread_local type name

#else /* LFMAP_MODEL */

#include <stdbool.h>
#include <stdint.h>

/* The C11 names, with the C11 values (Relacy's rl::memory_order uses the same
 * order; lf_model_rt.cpp maps them explicitly all the same). */
typedef enum {
    memory_order_relaxed,
    memory_order_consume,
    memory_order_acquire,
    memory_order_release,
    memory_order_acq_rel,
    memory_order_seq_cst
} memory_order;

enum lf_model_rmw_op { LF_MODEL_ADD, LF_MODEL_SUB, LF_MODEL_AND, LF_MODEL_OR };

/* The model runtime (C++, Relacy).  The object keeps its C storage (and its
 * _Atomic type), but the runtime holds its value: a Relacy atomic found by
 * address.  file/line/func name the access in Relacy's failure traces. */
uint64_t lf_model_load(const volatile void *obj, memory_order mo, const char *file, int line, const char *func);
void lf_model_store(volatile void *obj, uint64_t v, memory_order mo, const char *file, int line, const char *func);
uint64_t lf_model_rmw(volatile void *obj, enum lf_model_rmw_op op, uint64_t v, memory_order mo, const char *file,
                      int line, const char *func);
bool lf_model_cas(volatile void *obj, uint64_t *expected, uint64_t desired, bool weak, memory_order success,
                  memory_order failure, const char *file, int line, const char *func);
void lf_model_fence(memory_order mo, const char *file, int line, const char *func);
/* Index of the simulated thread running now (LF_TLS copies). */
unsigned lf_model_thread(void);
/* A spin-wait iteration: tells the scheduler this thread waits for another. */
void lf_model_relax(void);
#define LF_MODEL_MAX_THREADS 8

/* Every atomic object of lib/ is 8 bytes (uint64_t, size_t, int64_t or a
 * pointer); the runtime models 8-byte atomics only. */
#define LF_MODEL_CHECK_SIZE(obj) ((void)sizeof(char[sizeof(*(obj)) == 8 ? 1 : -1]))
/* The value type of an atomic object: (void)0, x converts x to its
 * unqualified, non-atomic type (as GCC's own <stdatomic.h> does). */
#define LF_MODEL_VALUE_TYPE(obj) __typeof__((void)0, *(obj))
#define LF_MODEL_WHERE __FILE__, __LINE__, __func__

#define atomic_load_explicit(obj, mo)                                                                    \
    (LF_MODEL_CHECK_SIZE(obj), (LF_MODEL_VALUE_TYPE(obj))lf_model_load((obj), (mo), LF_MODEL_WHERE))
#define atomic_load(obj) atomic_load_explicit(obj, memory_order_seq_cst)
#define atomic_store_explicit(obj, v, mo)                                                                \
    (LF_MODEL_CHECK_SIZE(obj), lf_model_store((obj), (uint64_t)(uintptr_t)(v), (mo), LF_MODEL_WHERE))
#define atomic_store(obj, v) atomic_store_explicit(obj, v, memory_order_seq_cst)
#define LF_MODEL_RMW(obj, op, v, mo)                                                                     \
    (LF_MODEL_CHECK_SIZE(obj),                                                                           \
     (LF_MODEL_VALUE_TYPE(obj))lf_model_rmw((obj), (op), (uint64_t)(v), (mo), LF_MODEL_WHERE))
#define atomic_fetch_add_explicit(obj, v, mo) LF_MODEL_RMW(obj, LF_MODEL_ADD, v, mo)
#define atomic_fetch_sub_explicit(obj, v, mo) LF_MODEL_RMW(obj, LF_MODEL_SUB, v, mo)
#define atomic_fetch_and_explicit(obj, v, mo) LF_MODEL_RMW(obj, LF_MODEL_AND, v, mo)
#define atomic_fetch_or_explicit(obj, v, mo) LF_MODEL_RMW(obj, LF_MODEL_OR, v, mo)
#define atomic_fetch_add(obj, v) atomic_fetch_add_explicit(obj, v, memory_order_seq_cst)
#define atomic_fetch_sub(obj, v) atomic_fetch_sub_explicit(obj, v, memory_order_seq_cst)
#define LF_MODEL_CAS(obj, exp, des, weak, s, f)                                                          \
    __extension__({                                                                                      \
        LF_MODEL_CHECK_SIZE(obj);                                                                        \
        __typeof__(exp) lf_model_exp_ = (exp);                                                           \
        uint64_t lf_model_old_ = (uint64_t)(uintptr_t)*lf_model_exp_;                                    \
        bool lf_model_ok_ = lf_model_cas((obj), &lf_model_old_, (uint64_t)(uintptr_t)(des), (weak), (s), \
                                         (f), LF_MODEL_WHERE);                                           \
        *lf_model_exp_ = (__typeof__(*lf_model_exp_))(uintptr_t)lf_model_old_;                           \
        lf_model_ok_;                                                                                    \
    })
#define atomic_compare_exchange_strong_explicit(obj, exp, des, s, f) LF_MODEL_CAS(obj, exp, des, false, s, f)
#define atomic_compare_exchange_weak_explicit(obj, exp, des, s, f) LF_MODEL_CAS(obj, exp, des, true, s, f)
#define atomic_compare_exchange_strong(obj, exp, des)                                                    \
    LF_MODEL_CAS(obj, exp, des, false, memory_order_seq_cst, memory_order_seq_cst)
#define atomic_compare_exchange_weak(obj, exp, des)                                                      \
    LF_MODEL_CAS(obj, exp, des, true, memory_order_seq_cst, memory_order_seq_cst)
#define atomic_thread_fence(mo) lf_model_fence((mo), LF_MODEL_WHERE)
#define atomic_signal_fence(mo) ((void)(mo))

/* One copy per simulated thread (index LF_MODEL_MAX_THREADS - 1 serves the
 * set-up and check code that runs outside the scenario's threads);
 * LF_TLS_REF(name) is the running thread's copy. */
#define LF_TLS(type, name) type name##_model[LF_MODEL_MAX_THREADS]
#define LF_TLS_REF(name) (name##_model[lf_model_thread()])

#endif /* LFMAP_MODEL */

#endif /* LF_ATOMIC_H */
