/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * microbench: per-operation costs of every harness map with Google Benchmark
 * (libbenchmark-dev), through the harness's adapter interface
 * (experiments/lfbench/map_iface.h, the maps of maps/maps.def), so each map
 * is called exactly as lfbench calls it.
 *
 *   build/experiments/microbench [--keys=N] [Google Benchmark flags]
 *   make microbench                  (short runs, JSON, figures)
 *
 * Benchmarks are named OP/MAP (then Google Benchmark's /real_time/threads:N):
 *   get_hit   lookup of a prefilled key (random order)
 *   get_miss  lookup of a key never inserted
 *   insert    insert of a new key (each thread its own keys; every 1024
 *             inserts the timer pauses and the keys are removed again)
 *   remove    remove of a present key (refilled the same way)
 *   put       overwrite of a prefilled key (upsert of a present key)
 *   cas       successful compare-and-swap of a prefilled key (each thread
 *             owns every T-th key and knows its value)
 * each at 1 thread and with ->Threads(N) for N = 2, 4, ... up to the CPU
 * count (maps with max_threads run only up to it), on a map prefilled with
 * --keys keys (default 16384, a power of two).  Every benchmark uses real
 * time (->UseRealTime()): without it a rate comes from CPU time, and a map
 * whose threads sleep (a contended mutex, cow and ckht waiting for an RCU
 * grace period, even at one thread) would look faster than it is.  Items
 * per second count operations of all threads.  A wrong answer (a hit that
 * misses, a failed cas...) stops that benchmark with an error.  A map
 * whose adapter has no cas is skipped for cas, with a note on stderr.
 *
 * Each run creates and fills a fresh map in thread 0 before the benchmark
 * loop (Google Benchmark starts every thread's loop together); a thread
 * registers with the map (thread_enter) in its first, untimed, iteration,
 * once the map exists.
 */
#include <benchmark/benchmark.h>

#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "map_iface.h"

namespace {

constexpr uint64_t KEY_MASK = (uint64_t(1) << 40) - 1;
constexpr uint64_t KEY_MULT = 0x9e3779b97f4a7c15ull; /* odd: a bijection mod 2^40 */
/* Disjoint key-index ranges: prefill [0, keys), misses, per-thread inserts
 * and per-thread removes (THREAD_STRIDE apart). */
constexpr uint64_t MISS_BASE = uint64_t(1) << 36;
constexpr uint64_t INSERT_BASE = uint64_t(1) << 37;
constexpr uint64_t REMOVE_BASE = uint64_t(1) << 38;
constexpr uint64_t THREAD_STRIDE = uint64_t(1) << 30;
constexpr uint64_t BATCH = 1024; /* inserts / removes between untimed refills */

uint64_t g_keys = 1u << 14;
void *g_map; /* written by thread 0 before the loop, read by all after its start */

inline uint64_t key_of(uint64_t i) { return ((i * KEY_MULT) & KEY_MASK) + 1; }

inline uint64_t xorshift(uint64_t &x)
{
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    return x;
}

enum Op { GET_HIT, GET_MISS, INSERT, REMOVE, PUT, CAS, NOPS };
const char *const op_names[NOPS] = {"get_hit", "get_miss", "insert", "remove", "put", "cas"};

void die(const char *map, const char *what)
{
    std::fprintf(stderr, "microbench: %s: %s\n", map, what);
    std::exit(EXIT_FAILURE);
}

void setup(const lfb_map_ops *ops, Op op, int threads)
{
    lfb_map_config cfg = {};
    cfg.capacity = g_keys;
    cfg.seed = 1;
    cfg.threads = (unsigned)threads;
    g_map = ops->create(&cfg);
    if (!g_map)
        die(ops->name, "create failed");
    if (ops->thread_enter)
        ops->thread_enter(g_map);
    auto load = ops->load ? ops->load : ops->insert;
    for (uint64_t i = 0; i < g_keys; i++)
        if (!load(g_map, key_of(i), i))
            die(ops->name, "prefill: a new key was reported present");
    if (op == REMOVE)
        for (int t = 0; t < threads; t++)
            for (uint64_t j = 0; j < BATCH; j++)
                if (!load(g_map, key_of(REMOVE_BASE + (uint64_t)t * THREAD_STRIDE + j), j))
                    die(ops->name, "prefill: a new key was reported present");
}

void run(benchmark::State &state, const lfb_map_ops *ops, Op op)
{
    const int t = state.thread_index(), nt = state.threads();
    if (t == 0)
        setup(ops, op, nt);
    uint64_t x = 0x2545f4914f6cdd1dull * (uint64_t)(t + 1), wrong = 0, j = 0, v = 0;
    const uint64_t mask = g_keys - 1;
    const uint64_t mine = (g_keys - (uint64_t)t + (uint64_t)nt - 1) / (uint64_t)nt; /* cas: keys t, t+nt, ... */
    std::vector<uint8_t> flipped(op == CAS ? mine : 0);
    const uint64_t ins0 = INSERT_BASE + (uint64_t)t * THREAD_STRIDE, rem0 = REMOVE_BASE + (uint64_t)t * THREAD_STRIDE;
    bool entered = t == 0;
    void *m = nullptr;
    for (auto _ : state) {
        if (__builtin_expect(!entered, 0)) {
            state.PauseTiming();
            if (ops->thread_enter)
                ops->thread_enter(g_map);
            entered = true;
            state.ResumeTiming();
        }
        m = g_map;
        switch (op) {
        case GET_HIT:
            wrong += !ops->get(m, key_of(xorshift(x) & mask), &v);
            break;
        case GET_MISS:
            wrong += ops->get(m, key_of(MISS_BASE + (xorshift(x) & mask)), &v);
            break;
        case INSERT:
            wrong += !ops->insert(m, key_of(ins0 + j), j);
            if (++j == BATCH) {
                state.PauseTiming();
                for (uint64_t k = 0; k < BATCH; k++)
                    ops->remove(m, key_of(ins0 + k));
                j = 0;
                state.ResumeTiming();
            }
            break;
        case REMOVE:
            wrong += !ops->remove(m, key_of(rem0 + j));
            if (++j == BATCH) {
                state.PauseTiming();
                for (uint64_t k = 0; k < BATCH; k++)
                    ops->insert(m, key_of(rem0 + k), k);
                j = 0;
                state.ResumeTiming();
            }
            break;
        case PUT:
            wrong += ops->put(m, key_of(xorshift(x) & mask), x >> 24);
            break;
        case CAS: {
            uint64_t i = (uint64_t)t + (uint64_t)nt * j;
            bool f = flipped[j];
            if (ops->cas(m, key_of(i), i + f, i + !f))
                flipped[j] = !f;
            else
                wrong++;
            if (++j == mine)
                j = 0;
            break;
        }
        default:
            break;
        }
        benchmark::DoNotOptimize(v);
    }
    state.SetItemsProcessed((int64_t)state.iterations());
    if (wrong) {
        static const char *const what[NOPS] = {
            "get_hit: a prefilled key was not found", "get_miss: a key never inserted was found",
            "insert: a new key was reported present", "remove: a present key was reported absent",
            "put: a prefilled key was reported new", "cas: a cas with the right expected value failed"};
        state.SkipWithError(what[op]);
    }
    /* Thread 0 destroys the map while still registered (lfht's destroy takes
     * RCU read-side sections); the others have left their loops and no
     * longer read g_map. */
    if (t == 0)
        ops->destroy(m);
    if (ops->thread_exit && entered)
        ops->thread_exit(m); /* after destroy, as lfbench's runner does */
    if (t == 0)
        g_map = nullptr;
}

} // namespace

int main(int argc, char **argv)
{
    /* Our own flags first; the rest is Google Benchmark's. */
    int out = 1;
    for (int i = 1; i < argc; i++) {
        if (std::strncmp(argv[i], "--keys=", 7) == 0) {
            char *end;
            unsigned long long k = std::strtoull(argv[i] + 7, &end, 0);
            if (*end || k < 2 || (k & (k - 1)) || k > (1ull << 30)) {
                std::fprintf(stderr, "microbench: --keys must be a power of two, 2 .. 2^30\n");
                return 64;
            }
            g_keys = k;
        } else {
            argv[out++] = argv[i];
        }
    }
    argc = out;
    benchmark::Initialize(&argc, argv);
    /* The commit measured, in the JSON context (lfbench records it the same way). */
    char sha[64] = "unknown";
    if (FILE *p = popen("git rev-parse --short HEAD 2>/dev/null; git status --porcelain --untracked-files=no 2>/dev/null | head -n 1", "r")) {
        char line[256];
        if (fgets(line, sizeof line, p)) {
            line[strcspn(line, "\n")] = 0;
            std::snprintf(sha, sizeof sha, "%.40s", line);
        }
        if (fgets(line, sizeof line, p))
            std::strncat(sha, "-dirty", sizeof sha - std::strlen(sha) - 1);
        pclose(p);
    }
    benchmark::AddCustomContext("lfmap_git", sha);
    benchmark::AddCustomContext("lfmap_keys", std::to_string(g_keys));
    if (benchmark::ReportUnrecognizedArguments(argc, argv))
        return 64;
    long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
    std::vector<int> counts = {1};
    for (long n = 2; n <= ncpu; n *= 2)
        counts.push_back((int)n);
    if (ncpu > 1 && counts.back() != ncpu)
        counts.push_back((int)ncpu);
    for (size_t mi = 0; mi < lfb_map_count; mi++) {
        const lfb_map_ops *ops = lfb_maps[mi];
        for (int op = 0; op < NOPS; op++) {
            if (op == CAS && !ops->cas) {
                std::fprintf(stderr, "microbench: %s has no cas in its adapter: cas skipped\n", ops->name);
                continue;
            }
            std::string name = std::string(op_names[op]) + "/" + ops->name;
            auto *b = benchmark::RegisterBenchmark(name.c_str(), [ops, op](benchmark::State &s) {
                run(s, ops, (Op)op);
            });
            b->UseRealTime();
            for (int n : counts)
                if (!ops->max_threads || (unsigned)n <= ops->max_threads)
                    b->Threads(n);
        }
    }
    benchmark::RunSpecifiedBenchmarks();
    benchmark::Shutdown();
    return 0;
}
