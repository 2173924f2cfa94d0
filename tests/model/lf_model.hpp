// SPDX-License-Identifier: LGPL-2.1-or-later
// What the scenarios (tests/model/scenarios.cpp) use of the model runtime
// (tests/model/lf_model_rt.cpp).
#ifndef LF_MODEL_HPP
#define LF_MODEL_HPP

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <map>
#include <new>
#include <string>
#include <vector>

extern "C" {
#include "lfmap.h"
}

extern "C" {

// Allocation number n (counting from 1, the map header included) fails
// when fail_from <= n < fail_to.
struct lf_model_alloc_policy {
    unsigned fail_from;
    unsigned fail_to;
};

typedef void (*lf_model_hook_fn)(int hook);

struct lfmap_allocator lf_model_allocator(lf_model_alloc_policy *policy);
// Bracket one execution: begin in the scenario's before(), end (after every
// check) at the end of its after().  lf_model_end reports unfreed memory.
void lf_model_begin(void);
bool lf_model_end(void);
// Whether the scenario's threads run now (false in before() and after()).
void lf_model_threads_running(bool running);
// The latest value of an atomic object, without a model event.
uint64_t lf_model_peek(const volatile void *obj);
bool lf_model_is_freed(const volatile void *obj);
// The block the running thread allocated last (NULL if none).
void *lf_model_last_alloc(void);
void lf_model_set_hook(lf_model_hook_fn fn);
// One step of a scenario's gate (a relaxed load of a private word).
void lf_model_spin(void);
// The call_rcu worker's step: runs the callbacks whose grace period ended;
// true while some still wait.
bool lf_model_rcu_poll(void);
// The running thread's happens-before clock (Relacy's vector clock): its
// index, its own component, and every component.  Event a of thread i
// happens before the present point of thread j iff vc_j[i] >= own_i(a).
void lf_model_clock(unsigned *self, uint64_t *own, uint64_t vc[8]);
unsigned long lf_model_hook_count(int hook);
void lf_model_fail(const char *what);

// tests/model/model_checks.c (C, sees lib's internals): the map's structural
// invariants at this instant; NULL when they hold, else what is broken.
const char *lf_model_check_map(lfmap *m);
void lf_model_prepare_globals(void);
// The live count now (the latest value of every stripe), and the used count
// of the table the running thread allocated last (a successor it is about
// to publish: its reservation).
uint64_t lf_model_live_truth(lfmap *m);
uint64_t lf_model_last_table_used(void);
uint64_t lf_model_mix(uint64_t seed, uint64_t key);
}

// Relacy replaces the global operator new and delete with its own, which
// count memory per execution (and take it from a different heap inside one):
// containers that live across executions use this allocator instead.
template <typename T>
struct lf_raw_allocator {
    typedef T value_type;
    lf_raw_allocator() = default;
    template <typename U>
    lf_raw_allocator(const lf_raw_allocator<U> &) {}
    T *allocate(size_t n)
    {
        void *p = std::malloc(n * sizeof(T));
        if (!p)
            throw std::bad_alloc();
        return static_cast<T *>(p);
    }
    void deallocate(T *p, size_t) { std::free(p); }
    template <typename U>
    bool operator==(const lf_raw_allocator<U> &) const { return true; }
    template <typename U>
    bool operator!=(const lf_raw_allocator<U> &) const { return false; }
};
template <typename T>
using lf_raw_vector = std::vector<T, lf_raw_allocator<T>>;
template <typename K, typename V>
using lf_raw_map = std::map<K, V, std::less<K>, lf_raw_allocator<std::pair<const K, V>>>;
typedef std::basic_string<char, std::char_traits<char>, lf_raw_allocator<char>> lf_raw_string;

// An object outside Relacy's memory accounting.
template <typename T>
T *lf_raw_new()
{
    return ::new (lf_raw_allocator<T>().allocate(1)) T();
}
template <typename T>
void lf_raw_delete(T *p)
{
    p->~T();
    lf_raw_allocator<T>().deallocate(p, 1);
}

#endif
