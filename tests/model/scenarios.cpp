// SPDX-License-Identifier: LGPL-2.1-or-later
//
// The model check of lfmap's resize protocol: each scenario runs 2 or 3
// threads of lfmap operations on tables of a few slots, built from lib/'s
// own code with its atomics routed to Relacy (lib/lf_atomic.h), and Relacy
// explores thread schedules and the values C11 lets each load return.
// Every execution must satisfy the map's contract:
//   * per-key linearizability: a linearization of the scenario's operations
//     exists that respects real-time order and reproduces every result
//     (a small sequential reference map, searched exhaustively);
//   * final contents and size exact: that linearization's final state is
//     what lfmap_foreach, lfmap_get and lfmap_size report afterwards (no key
//     lost, none duplicated);
//   * the structural invariants of tests/model/model_checks.c at every hook
//     passage and after every operation (the successor-sizing bound);
//   * memory: no access to a table or map after its grace period, every
//     table freed exactly once (promotion and retire exactly once), no data
//     race on a table's initialisation (publication), lf_assert;
//   * values publish what precedes them (lib/lfmap.h, "Memory ordering"):
//     each value has a plain payload written before the operation that
//     stores it, and read after every operation that returns it (get,
//     get_or_insert's *current, put's and remove's old value); Relacy
//     reports a data race unless the store happens before the return, as
//     it must for a program that stores pointers to its own objects.
//
// Usage: lfmap_model [--full] [--list] [--stop] [SCENARIO...]
// Prints one line per scenario: executions explored, time, hook coverage.
// Exits non-zero when any scenario fails (Relacy prints the failing trace).
#include <algorithm>
#include <chrono>
#include <fstream>
#include <csignal>
#include <unistd.h>
#include <sstream>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <string>
#include <vector>

#include <relacy/relacy.hpp>
#undef new
#undef delete
#undef malloc
#undef calloc
#undef realloc
#undef free
#undef assert

#include "lf_model.hpp"

extern "C" {
#include "lfrcu.h"
#include "perturb.h"
#include "keys.h"
}

namespace {

enum op_kind { INS, PUT, REM, CAS, GET, GOI, WALK };

struct op {
    op_kind k;
    uint64_t key, val, exp;
    int after_hook; // -1, or: start once threads passed this hook max(1, after_count) times
    int after_thread; // -1, or: start once that thread completed after_count operations
    unsigned after_count;
};

// A stall shapes the schedule inside an operation, as a gate does before
// one: thread `thread`, at its first passage of `hook` in an execution,
// spins (lf_model_spin, one scheduling step each, at most `spins` of them)
// until `until_hook` was passed `until_count` times by any thread, or (with
// until_hook -1) until thread `until_thread` completed `until_count`
// operations.  Like the gates, it polls counters outside the model: it adds
// no happens-before edge and hides no stale read, it only makes the other
// threads run first.  If the condition never comes, the thread goes on
// after `spins` steps (every execution must pass the checks, stalled or not).
struct stall {
    unsigned thread;
    int hook;
    int until_hook;
    int until_thread;
    unsigned until_count;
    unsigned spins;
};

struct spec {
    const char *name;
    const char *what;
    unsigned threads;
    size_t capacity;
    size_t chunk;
    unsigned fail_from, fail_to; // allocation failures (lf_model_alloc_policy)
    std::vector<std::pair<uint64_t, uint64_t>> preload;
    std::vector<uint64_t> preremove; // removed after the preload (tombstones)
    std::vector<op> ops[4];
    unsigned long iterations;      // bounded run (make modelcheck)
    unsigned long iterations_full; // make modelcheck FULL=1
    bool full_only = false;        // a larger variant run by FULL=1 only
    std::vector<stall> stalls = {}; // set after the spec is built, as full_only
    bool bytes = false;             // an lfmap_bytes: each key k is the byte string tkey_bytes(k)
};

op ins(uint64_t k, uint64_t v) { return op{INS, k, v, 0, -1, -1, 0}; }
op put(uint64_t k, uint64_t v) { return op{PUT, k, v, 0, -1, -1, 0}; }
op rem(uint64_t k) { return op{REM, k, 0, 0, -1, -1, 0}; }
op cas(uint64_t k, uint64_t e, uint64_t d) { return op{CAS, k, d, e, -1, -1, 0}; }
op get(uint64_t k) { return op{GET, k, 0, 0, -1, -1, 0}; }
op goi(uint64_t k, uint64_t v) { return op{GOI, k, v, 0, -1, -1, 0}; }
// lfmap_foreach (a walk: not linearizable as a snapshot, so the reference
// only requires it to succeed; each value it reports has its payload read).
op walk() { return op{WALK, 0, 0, 0, -1, -1, 0}; }
// A gate that shapes the schedule, not the memory model: the thread spins
// (lf_model_spin, not rl::yield, after which Relacy shows only the latest
// values) until some thread passed the hook (or gives up after a while),
// so that its operation lands inside the window the scenario is about
// rather than long before it.  The flag it polls is outside the model and
// creates no happens-before edge.
op after(int hook, op o)
{
    o.after_hook = hook;
    return o;
}
// after(), counting: start once threads passed the hook `count` times.
op after_n(int hook, unsigned count, op o)
{
    o.after_hook = hook;
    o.after_count = count;
    return o;
}
const int ALL_OTHERS = 99; // after_ops: every other thread completed count operations
op after_ops(int thread, unsigned count, op o)
{
    o.after_thread = thread;
    o.after_count = count;
    return o;
}

std::vector<std::pair<uint64_t, uint64_t>> keys(uint64_t from, uint64_t to)
{
    std::vector<std::pair<uint64_t, uint64_t>> v;
    for (uint64_t k = from; k <= to; k++)
        v.push_back({k, 100 + k});
    return v;
}

// Tables: LFMAP_MIN_SLOTS is 4 in the model build.  capacity 0 gives 4 slots
// (grow limit 3, hard limit 0), capacity 5 gives 8 (grow limit 6),
// capacity 11 gives 16 (grow limit 12).  migration_chunk >= the table's
// slots selects the stop-the-world variant (one thread migrates it all).
const uint64_t MODEL_SEED = 0x5eed;

std::vector<spec> make_specs()
{
    std::vector<spec> s;
    const int PUBLISHED = LFMAP_HOOK_AFTER_PUBLISH, BOXING = LFMAP_HOOK_BEFORE_FREEZE,
              BOXED = LFMAP_HOOK_BOXED_BEFORE_COPY, SIZING = LFMAP_HOOK_SIZING_THREADS_READ,
              PROMOTING = LFMAP_HOOK_BEFORE_PROMOTE;
    s.push_back(spec{"grow_insert_put", "inserts and a put racing a grow (4 -> 16 slots, chunks of 2)", 2, 0, 2, 0, 0,
                     keys(1, 2), {}, {{ins(3, 3), ins(4, 4)}, {ins(5, 5), after(PUBLISHED, put(1, 11))}, {}},
                     100000, 1000000});
    s.push_back(spec{"grow_remove_cas", "a remove, cas and put racing a grow, 3 threads (chunks of 1)", 3, 0, 1, 0, 0,
                     keys(1, 3), {},
                     {{ins(4, 4)}, {after(PUBLISHED, rem(1)), cas(2, 102, 22)}, {after(BOXING, put(3, 33)), cas(1, 101, 11)}},
                     100000, 1000000});
    s.push_back(spec{"shrink", "removes emptying a 16-slot table race its shrink (16 -> 8), an insert and a get", 2, 11,
                     4, 0, 0, keys(1, 2), {}, {{rem(1), ins(3, 3)}, {rem(2), after(PUBLISHED, get(1)), get(3)}, {}},
                     50000, 500000});
    s.push_back(spec{"clean_same_size", "a same-size clean of tombstones (8 -> 8 slots) racing a put, cas, remove", 2,
                     5, 2, 0, 0, keys(1, 6), {2, 3, 4, 5, 6},
                     {{ins(7, 7), get(1)}, {after(PUBLISHED, put(2, 22)), cas(1, 101, 11), rem(1)}, {}}, 50000, 500000});
    s.push_back(spec{"get_vs_migration", "gets racing a migration (chunks of 1), its promotion and a remove", 2, 0, 1,
                     0, 0, keys(1, 3), {}, {{ins(4, 4), rem(2)}, {after(BOXING, get(1)), get(2), get(3), get(4)}, {}},
                     100000, 1000000});
    s.push_back(spec{"box_stall", "a stop-the-world migrator boxes each slot in turn (one box, reused) while a writer "
                                  "and a reader finish its boxed slots",
                     3, 0, 4, 0, 0, keys(1, 3), {},
                     {{ins(4, 4)}, {after(BOXING, put(1, 11)), put(2, 22)}, {after(BOXED, get(1)), get(2), get(3)}},
                     100000, 1000000});
    s.push_back(spec{"alloc_fail_sentinel", "a resize whose allocation fails while another thread waits on the "
                                            "sentinel (and then allocates a candidate itself)",
                     2, 0, 2, 3, 4, keys(1, 3), {}, {{ins(4, 4), get(1)}, {after(SIZING, ins(5, 5)), get(4)}, {}},
                     100000, 1000000});
    s.push_back(spec{"sizing_bound", "the successor-sizing bound: four revives of tombstones (no claims), then the "
                                     "sizing of a same-size successor (the revives' counter updates must be seen; "
                                     "the reviver stays registered)",
                     2, 5, 8, 0, 0, keys(1, 6), {2, 3, 4, 5, 6},
                     {{ins(2, 2), ins(3, 3), ins(4, 4), ins(5, 5), after(SIZING, get(6))}, {after_ops(0, 4, ins(7, 7))}, {}},
                     50000, 500000});
    s.push_back(spec{"sizing_bound_race", "the successor-sizing bound: the resize starts while revives are still running",
                     2, 5, 8, 0, 0, keys(1, 6), {2, 3, 4, 5, 6},
                     {{ins(2, 2), ins(3, 3), ins(4, 4), ins(5, 5), after(SIZING, get(6))}, {after_ops(0, 1, ins(7, 7))}, {}},
                     50000, 500000});
    s.push_back(spec{"promote_retire_3", "three inserters finish one migration (chunks of 1): one promotion, one "
                                         "retire, no access after the grace period",
                     3, 0, 1, 0, 0, keys(1, 3), {}, {{ins(4, 4)}, {ins(5, 5)}, {ins(6, 6), after(PROMOTING, get(1))}},
                     50000, 500000});
    s.push_back(spec{"write_vs_freeze", "a put that read t->next before the sentinel CASes the slot a stop-the-world "
                                        "migrator is boxing",
                     2, 0, 4, 0, 0, keys(1, 3), {},
                     {{ins(4, 4)}, {after(LFMAP_HOOK_BEFORE_SENTINEL, put(1, 11)), put(2, 22), get(1)}, {}}, 100000, 1000000});
    {
        // write_vs_freeze with the window forced: the put's CAS lands between
        // the migrator's box store and its freezing CAS, which then fails
        // (the put's value must be the one copied).  The migrator stalls at
        // its first box (the lowest occupied slot, found here by replaying
        // the preload's linear probing) until the put is done; the put
        // stalls before its CAS until that box exists.
        uint64_t slot_key[4] = {0, 0, 0, 0};
        for (uint64_t k = 1; k <= 3; k++) {
            uint64_t i = lf_model_mix(MODEL_SEED, k) & 3;
            while (slot_key[i])
                i = (i + 1) & 3;
            slot_key[i] = k;
        }
        uint64_t first = 0;
        for (uint64_t i = 0; i < 4 && !first; i++)
            first = slot_key[i];
        s.push_back(spec{"write_vs_freeze_stalled", "a put's CAS lands between a stop-the-world migrator's box store "
                                                    "and its freezing CAS (which must then fail and box again)",
                         2, 0, 4, 0, 0, keys(1, 3), {},
                         {{ins(4, 4)}, {after(LFMAP_HOOK_BEFORE_SENTINEL, put(first, 11)), get(first)}, {}}, 20000,
                         200000});
        s.back().stalls = {stall{0, BOXING, -1, 1, 1, 3000}, stall{1, LFMAP_HOOK_BEFORE_VALUE_CAS, BOXING, -1, 1, 3000}};
    }
    s.push_back(spec{"alloc_fail_all", "every resize allocation fails: inserts past the limit fail cleanly and the "
                                       "sentinel is withdrawn each time",
                     2, 0, 2, 3, 4000000000u, keys(1, 3), {}, {{ins(4, 4), get(1)}, {after(SIZING, ins(5, 5)), put(1, 11)}, {}},
                     50000, 500000});
    {
        // Two keys with one home slot in the 16-slot successor, so that
        // their copies race for one slot (the loser must probe on).
        uint64_t a = 1, b = 2;
        for (uint64_t k = 2; k < 1000; k++)
            if (k != a && (lf_model_mix(MODEL_SEED, k) & 15) == (lf_model_mix(MODEL_SEED, a) & 15)) {
                b = k;
                break;
            }
        s.push_back(spec{"copy_collision", "three helpers copy two keys whose successor home slot is the same "
                                           "(chunks of 1)",
                         3, 0, 1, 0, 0, {{a, 100 + a}, {b, 100 + b}, {7000, 7100}}, {},
                         {{ins(4, 4)}, {after(PUBLISHED, ins(5, 5))}, {after(PUBLISHED, put(7000, 1)), get(a)}}, 50000, 500000});
    }
    {
        // Two keys with one home slot in an 8-slot table: b's probe path
        // crosses a's tombstone, which must not end it.
        uint64_t a = 1, b = 2;
        for (uint64_t k = 2; k < 1000; k++)
            if ((lf_model_mix(MODEL_SEED, k) & 7) == (lf_model_mix(MODEL_SEED, a) & 7)) {
                b = k;
                break;
            }
        s.push_back(spec{"tombstone_probe", "lookups and writes whose probe path crosses another key's tombstone "
                                            "(8 slots, no resize)",
                         2, 5, 2, 0, 0, {{a, 100 + a}, {b, 100 + b}}, {a},
                         {{get(b), put(b, 7)}, {get(b), rem(b)}, {}}, 5000, 50000});
    }
    {
        // Three keys with one home slot in the 16-slot successor: a and b
        // are copied there, c is inserted there by a writer, so claims of
        // that slot are lost to a copy or to the writer (the loser must
        // probe on, not use the winner's slot).
        uint64_t a = 1, b = 0, c = 0;
        for (uint64_t k = 2; k < 100000 && !c; k++)
            if ((lf_model_mix(MODEL_SEED, k) & 15) == (lf_model_mix(MODEL_SEED, a) & 15) && k != 4 && k != 5) {
                if (!b)
                    b = k;
                else
                    c = k;
            }
        s.push_back(spec{"copy_claim_race", "copies of two keys and an insert of a third race to claim one successor "
                                            "slot (chunks of 1)",
                         3, 0, 1, 0, 0, {{a, 100 + a}, {b, 100 + b}, {7000, 7100}}, {},
                         {{ins(4, 4), get(a)}, {after(PUBLISHED, ins(c, 9))}, {after(PUBLISHED, get(b)), get(a)}},
                         50000, 500000});
    }
    s.push_back(spec{"value_publication", "values read back by get, get_or_insert (a present key: no CAS), put and "
                                          "remove while a 4-slot table grows: each returned value's payload, written "
                                          "before its store, must be visible",
                     2, 0, 2, 0, 0, keys(1, 2), {},
                     {{put(1, 11), ins(3, 3), put(2, 22)}, {goi(1, 91), goi(3, 93), put(3, 95), get(2), rem(1)}, {}},
                     100000, 1000000});
    // Store buffering: each thread writes one key, then reads the other's
    // with an operation that may change nothing (get, or remove of an
    // absent key).  Both answering "absent" has no linearization; it takes
    // a non-seq_cst load deciding the absent answer (16 slots, no resize).
    s.push_back(spec{"sb_remove_absent", "store buffering: insert one key, then remove the other thread's (both may "
                                         "not miss)",
                     2, 11, 1, 0, 0, {}, {}, {{ins(1, 1), rem(2)}, {ins(2, 2), rem(1)}, {}}, 50000, 500000});
    s.push_back(spec{"sb_get_absent", "store buffering: insert then get on one thread, insert then remove on the other",
                     2, 11, 1, 0, 0, {}, {}, {{ins(1, 1), get(2)}, {ins(2, 2), rem(1)}, {}}, 50000, 500000});
    s.push_back(spec{"sb_tombstones", "store buffering over tombstones: the value words, not the key words, decide "
                                      "the absent answers",
                     2, 11, 1, 0, 0, keys(1, 2), {1, 2}, {{ins(1, 31), get(2)}, {ins(2, 32), rem(1)}, {}}, 50000,
                     500000});
    {
        // Store buffering through a box: a (home slot 0 of the 4-slot table)
        // is boxed by M, whose chunk is slot 0, and M stalls there until T0
        // and T1 are done.  T1 puts b (migrating b's slot), then gets a: it
        // reads the box and re-validates the slot.  T0 puts a (finishing the
        // box: copy, MOVED), then gets b.  Both gets answering with the old
        // value has no linearization; the seq_cst load that reads the box
        // word (the answer's linearization point) keeps it out.
        uint64_t a = 0, b = 0, c = 0;
        for (uint64_t k = 1; k < 1000 && !(a && b && c); k++) {
            uint64_t home = lf_model_mix(MODEL_SEED, k) & 3;
            if (home == 0 && !a)
                a = k;
            else if (home == 2 && !b)
                b = k;
            else if (home == 3 && !c)
                c = k;
        }
        s.push_back(spec{"sb_box", "store buffering through a box: put b, get a (boxed) on one thread, put a "
                                   "(finishing the box), get b on another, while the migrator holds a in its box",
                         3, 0, 1, 0, 0, {{a, 100 + a}, {b, 100 + b}, {c, 100 + c}}, {},
                         {{ins(5000, 43)}, {after(BOXED, put(a, 41)), get(b)}, {after(BOXED, put(b, 42)), get(a)}},
                         50000, 500000});
        s.back().stalls = {stall{0, BOXED, -1, 1, 2, 3000}, stall{0, BOXED, -1, 2, 2, 3000}};
    }
    {
        // A write that starts right after a promotion, before the old table
        // is retired: its only edge to the successor's initialisation is its
        // acquire load of m->current (lf_current), since its read-side
        // section began before the retire and its earlier operation's
        // seq_cst accesses came before the promotion.  T0 migrates
        // stop-the-world and stalls between promotion and retire until T1's
        // put is done.
        const int RETIRING = LFMAP_HOOK_BEFORE_RETIRE;
        s.push_back(spec{"write_after_promote", "a put that starts between a promotion and the retire of the old "
                                                "table (its lf_current load is its only edge to the successor)",
                         2, 0, 4, 0, 0, keys(1, 3), {}, {{ins(4, 4)}, {get(2), after(RETIRING, put(1, 11)), get(1)}, {}},
                         20000, 200000});
        s.back().stalls = {stall{0, RETIRING, -1, 1, 2, 3000}};
    }
    s.push_back(spec{"walk_vs_get", "a walk (lfmap_foreach) finishes a migration (chunks of 1) while a get follows "
                                    "the slots it froze",
                     3, 0, 1, 0, 0, keys(1, 3), {},
                     {{ins(4, 4)}, {after(PUBLISHED, walk())}, {after(PUBLISHED, get(1)), get(2), get(3)}}, 50000,
                     500000});
    {
        // A stale candidate and a later resize attempt of the same table
        // (the sentinel's generation; tests/core/unit_interleavings_cas.c has the
        // same recipe).  16 slots, used 8 (key 1 and 7 tombstones), live 1.
        // P removes key 1: live 0 starts a shrink (sentinel s1), and P
        // sizes a candidate for 0 + 2 threads + 1 = 3 keys (8 slots; 2 keys,
        // 4 slots, if H has not registered yet) and stalls before
        // publishing it.  H meets s1, waits, sizes a candidate
        // of its own, whose allocation (the 4th: header, table, P's) fails:
        // H withdraws s1 and inserts in the old table.  Its 4 inserts take
        // used to the grow limit (12) and live to 4; its 5th starts a second
        // attempt (sentinel s2), sizes for 4 + 3 keys and stalls before
        // publishing until P's operation is over.  P wakes once H passed
        // BEFORE_PUBLISH and tries to publish its candidate, reserved for 3
        // keys while 4 are live: its CAS expects s1 and must fail on s2.
        // The check at AFTER_PUBLISH (on_hook) catches a success at once
        // (with one sentinel value for every attempt, it does in every
        // execution); the claimed-slots invariant (model_checks.c) would
        // catch it later, once P's stop-the-world migration copies 4 keys
        // into a table that reserved 3.
        const int PUBLISH = LFMAP_HOOK_BEFORE_PUBLISH;
        s.push_back(spec{"stale_candidate", "a candidate sized in a withdrawn resize attempt (3 keys) must not be "
                                            "published into a later attempt of the same table (4 keys live)",
                         2, 11, 16, 4, 5, keys(1, 8), {2, 3, 4, 5, 6, 7, 8},
                         {{rem(1)}, {after(PUBLISH, ins(20, 20)), ins(21, 21), ins(22, 22), ins(23, 23), ins(24, 24), get(1)}, {}},
                         5000, 100000});
        s.back().stalls = {stall{0, PUBLISH, PUBLISH, -1, 2, 4000}, stall{1, PUBLISH, -1, 0, 1, 2000}};
    }
    {
        // A writer's freeze of the empty end of its key's path loses to a
        // claimer (tests/core/unit_interleavings_cas.c has the same recipe): an
        // 8-slot table holds 4 keys, leaving slot 0 and two adjacent slots
        // h, h + 1 empty.  L (thread 2) inserts y, whose home is h, and
        // stalls before claiming h; C (thread 0) inserts c, home h too, and
        // stalls likewise; W (thread 1) inserts z (home 0), which passes
        // the grow limit and starts the migration (8 -> 16, chunks of 1; z's
        // path ends at slot 0, frozen by its own chunk), then inserts y and
        // stalls before freezing h, the end of y's path, until C is done.
        // C claims h, W's freeze fails, and W must look at h again and
        // freeze h + 1; L's claim of h fails and it must meet the frozen
        // h + 1 and find y in the successor.  A W that stops at its lost
        // freeze leaves h + 1 open: L claims it and both inserts of y
        // succeed (no linearization).
        const int CLAIMING = LFMAP_HOOK_BEFORE_CLAIM, PATH_FREEZE = LFMAP_HOOK_BEFORE_PATH_FREEZE;
        std::vector<std::pair<uint64_t, uint64_t>> pre;
        uint64_t h = 0, c = 0, y = 0, z = 0;
        bool used[8] = {false};
        for (uint64_t k = 1; k < 100000 && pre.size() < 4; k++) {
            // Preload keys that leave slot 0 and one pair h, h + 1 (2 <= h <= 6) empty.
            bool try_used[8];
            std::copy(used, used + 8, try_used);
            uint64_t i = lf_model_mix(MODEL_SEED, k) & 7;
            while (try_used[i])
                i = (i + 1) & 7;
            try_used[i] = true;
            bool pair = false;
            for (uint64_t j = 2; j <= 6; j++)
                pair |= !try_used[j] && !try_used[j + 1];
            if (try_used[0] || !pair)
                continue;
            std::copy(try_used, try_used + 8, used);
            pre.push_back({k, 100 + k});
        }
        for (uint64_t j = 2; j <= 6 && !h; j++)
            if (!used[j] && !used[j + 1])
                h = j;
        for (uint64_t k = 1000; k < 200000 && !(c && y && z); k++) {
            uint64_t home = lf_model_mix(MODEL_SEED, k) & 7;
            if (home == h && !c)
                c = k;
            else if (home == h && !y)
                y = k;
            else if (home == 0 && !z)
                z = k;
        }
        if (pre.size() == 4 && h && c && y && z) {
            s.push_back(spec{"path_freeze_vs_late_insert", "a path-end freeze lost to a claimer must be redone one slot "
                                                           "on, or an insert of the same key that started before "
                                                           "the resize lands in the old table too",
                             3, 5, 1, 0, 0, pre, {},
                             {{ins(c, 3)}, {after_n(CLAIMING, 2, ins(z, 5)), ins(y, 2)}, {ins(y, 1)}}, 20000, 200000});
            s.back().stalls = {stall{0, CLAIMING, PATH_FREEZE, -1, 1, 3000}, stall{1, PATH_FREEZE, -1, 0, 1, 3000},
                               stall{2, CLAIMING, -1, 1, 2, 4000}};
        }
    }
    // Byte-string keys (lfmap_bytes): the same protocol with keys compared
    // by their bytes; key k is tkey_bytes(k), so keys 0..4 are "", "p", "pp",
    // "ppp", "pppp": the empty key and prefixes of each other.  Claims,
    // copies of key objects into the successor, and a copy racing a writer
    // that inserts the same key under an object of its own.
    s.push_back(spec{"bytes_grow_insert_put", "byte keys: inserts and a put racing a grow (4 -> 16 slots, chunks of 2)",
                     2, 0, 2, 0, 0, keys(1, 2), {}, {{ins(3, 3), ins(4, 4)}, {ins(0, 5), after(PUBLISHED, put(1, 11))}, {}},
                     50000, 500000});
    s.back().bytes = true;
    s.push_back(spec{"bytes_copy_vs_insert", "byte keys: 3 threads; a put of a preloaded key and an insert of a new "
                                             "one race the copies of a grow (chunks of 1), a remove and a get",
                     3, 0, 1, 0, 0, keys(1, 2), {},
                     {{ins(3, 3), ins(4, 4)}, {after(PUBLISHED, put(1, 11)), rem(2)}, {after(PUBLISHED, ins(0, 7)), get(1)}},
                     50000, 500000});
    s.back().bytes = true;
    s.push_back(spec{"bytes_clean_same_size", "byte keys: a same-size clean of tombstones (8 -> 8 slots) racing a put, "
                                              "cas, remove (dropped tombstones' key objects freed with the old table)",
                     2, 5, 2, 0, 0, keys(1, 6), {2, 3, 4, 5, 6},
                     {{ins(7, 7), get(1)}, {after(PUBLISHED, put(2, 22)), cas(1, 101, 11), rem(1)}, {}}, 50000, 500000});
    s.back().bytes = true;
    // FULL=1 only: a third thread in the grow race.
    s.push_back(spec{"grow_insert_put_3", "three threads insert, put and remove while a 4-slot table grows", 3, 0, 2, 0,
                     0, keys(1, 2), {},
                     {{ins(3, 3), ins(4, 4)}, {ins(5, 5), after(PUBLISHED, put(1, 11))}, {after(PUBLISHED, rem(2)), ins(6, 6)}},
                     0, 500000});
    s.back().full_only = true;
    return s;
}

// ---- per-execution records and the linearizability check ----

struct record {
    op o;
    int rc;
    uint64_t out;
    unsigned inv, res;  // simulation order, for the failure report
    uint64_t inv_vc[8]; // happens-before clock at the invocation
    uint64_t res_own;   // own clock component at the response
};

const spec *cur;
lfmap *cur_map;
lf_model_alloc_policy cur_policy;
lf_raw_vector<record> recs[4];
unsigned clock_now;
uint64_t scratch_vc[8];
unsigned long exec_hooks[LFMAP_HOOK_COUNT]; // this execution's hook passages
unsigned exec_done[4];                       // operations each thread completed
unsigned threads_done;                       // scenario threads that returned

int walk_visit(uint64_t key, uint64_t value, void *arg);

// Byte-key scenarios (spec.bytes): the same operations on an lfmap_bytes,
// key k standing for tkey_bytes(k) (tests/support/keys.h).
lfmap_bytes *as_bytes(lfmap *m) { return (lfmap_bytes *)(void *)m; }
struct bytes_walk {
    int (*fn)(uint64_t key, uint64_t value, void *arg);
    void *arg;
};
int bytes_visit(const void *key, size_t len, uint64_t value, void *arg)
{
    const bytes_walk *w = (const bytes_walk *)arg;
    uint64_t k = 0;
    if (!tkey_of_bytes(key, len, &k))
        lf_model_fail("lfmap_bytes_foreach reported a key no operation wrote");
    return w->fn(k, value, w->arg);
}
int map_foreach(lfmap *m, int (*fn)(uint64_t, uint64_t, void *), void *arg)
{
    if (!cur->bytes)
        return lfmap_foreach(m, fn, arg);
    bytes_walk w = {fn, arg};
    return lfmap_bytes_foreach(as_bytes(m), bytes_visit, &w);
}
bool map_get(lfmap *m, uint64_t key, uint64_t *out)
{
    if (!cur->bytes)
        return lfmap_get(m, key, out);
    unsigned char b[TKEY_MAX];
    size_t n = tkey_bytes(key, b);
    return lfmap_bytes_get(as_bytes(m), b, n, out);
}
int map_insert(lfmap *m, uint64_t key, uint64_t val)
{
    if (!cur->bytes)
        return lfmap_insert(m, key, val);
    unsigned char b[TKEY_MAX];
    size_t n = tkey_bytes(key, b);
    return lfmap_bytes_insert(as_bytes(m), b, n, val);
}
int map_remove(lfmap *m, uint64_t key, uint64_t *out)
{
    if (!cur->bytes)
        return lfmap_remove(m, key, out);
    unsigned char b[TKEY_MAX];
    size_t n = tkey_bytes(key, b);
    return lfmap_bytes_remove(as_bytes(m), b, n, out);
}

int run_op(lfmap *m, const op &o, uint64_t *out)
{
    *out = 0;
    if (cur->bytes) {
        unsigned char b[TKEY_MAX];
        size_t n = tkey_bytes(o.key, b);
        lfmap_bytes *bm = as_bytes(m);
        switch (o.k) {
        case INS: return lfmap_bytes_insert(bm, b, n, o.val);
        case PUT: return lfmap_bytes_put(bm, b, n, o.val, out);
        case REM: return lfmap_bytes_remove(bm, b, n, out);
        case CAS: return lfmap_bytes_cas(bm, b, n, o.exp, o.val);
        case GET: return lfmap_bytes_get(bm, b, n, out) ? 1 : 0;
        case GOI: return lfmap_bytes_get_or_insert(bm, b, n, o.val, out);
        case WALK: return map_foreach(m, walk_visit, nullptr);
        }
        return -1;
    }
    switch (o.k) {
    case INS: return lfmap_insert(m, o.key, o.val);
    case PUT: return lfmap_put(m, o.key, o.val, out);
    case REM: return lfmap_remove(m, o.key, out);
    case CAS: return lfmap_cas(m, o.key, o.exp, o.val);
    case GET: return lfmap_get(m, o.key, out) ? 1 : 0;
    case GOI: return lfmap_get_or_insert(m, o.key, o.val, out);
    case WALK: return lfmap_foreach(m, walk_visit, nullptr);
    }
    return -1;
}

// ---- value payloads: what a value publishes ----
//
// Each value that one place of the scenario stores (a preload or one
// operation) has a plain rl::var payload, written by the storing thread just
// before the store; an operation that returns a value reads its payload.
// Values stored by two operations have none (their two writes would race).
const uint64_t PAYLOAD_MARK = 0x5a5a5a5a5a5a5a5aull; // payload of v: v ^ mark
lf_raw_map<uint64_t, rl::var<uint64_t> *> payloads;

bool stores_value(const op &o) { return o.k == INS || o.k == PUT || o.k == CAS || o.k == GOI; }

void payloads_create()
{
    // An execution that failed ended without its after(): its variables are
    // dropped, not deleted (they belonged to that execution).
    payloads.clear();
    lf_raw_map<uint64_t, unsigned> uses;
    for (auto &kv : cur->preload)
        uses[kv.second]++;
    for (auto &ops : cur->ops)
        for (const op &o : ops)
            if (stores_value(o))
                uses[o.val]++;
    for (auto &u : uses)
        if (u.second == 1)
            payloads[u.first] = lf_raw_new<rl::var<uint64_t>>();
}

void payloads_destroy()
{
    for (auto &p : payloads)
        lf_raw_delete(p.second);
    payloads.clear();
}

void payload_write(uint64_t v)
{
    auto it = payloads.find(v);
    if (it != payloads.end())
        (*it->second)($) = v ^ PAYLOAD_MARK;
}

void payload_check(uint64_t v)
{
    auto it = payloads.find(v);
    if (it != payloads.end() && (*it->second)($) != (v ^ PAYLOAD_MARK))
        lf_model_fail("a returned value's payload is not the one written before its store");
}

// lfmap_foreach's callback: what it reports publishes like a get.
int walk_visit(uint64_t key, uint64_t value, void *arg)
{
    (void)key;
    (void)arg;
    payload_check(value);
    return 0;
}

// The value an operation returned, if any (rc as run_op returns it).
bool returns_value(const op &o, int rc)
{
    switch (o.k) {
    case GET: return rc == 1;
    case PUT: return rc == 0;
    case REM: return rc == 1;
    case GOI: return rc == 0 || rc == 1;
    default: return false;
    }
}

typedef lf_raw_map<uint64_t, uint64_t> state;

// Applies o to s as a sequential map would; false if (rc, out) cannot be
// its result.
bool apply_ref(state &s, const record &r)
{
    auto it = s.find(r.o.key);
    bool present = it != s.end();
    switch (r.o.k) {
    case INS:
        if (r.rc == -ENOMEM)
            return !present;
        if (present)
            return r.rc == 0;
        s[r.o.key] = r.o.val;
        return r.rc == 1;
    case PUT:
        if (r.rc == -ENOMEM)
            return !present;
        if (present) {
            bool ok = r.rc == 0 && r.out == it->second;
            it->second = r.o.val;
            return ok;
        }
        s[r.o.key] = r.o.val;
        return r.rc == 1;
    case REM:
        if (!present)
            return r.rc == 0;
        {
            bool ok = r.rc == 1 && r.out == it->second;
            s.erase(it);
            return ok;
        }
    case CAS:
        if (present && it->second == r.o.exp) {
            it->second = r.o.val;
            return r.rc == 1;
        }
        return r.rc == 0;
    case GET:
        return present ? r.rc == 1 && r.out == it->second : r.rc == 0;
    case GOI:
        if (r.rc == -ENOMEM)
            return !present;
        if (present)
            return r.rc == 0 && r.out == it->second;
        s[r.o.key] = r.o.val;
        return r.rc == 1 && r.out == r.o.val;
    case WALK:
        return r.rc == 0;
    }
    return false;
}

bool linearize(state &s, size_t pos[4], unsigned nthreads, size_t left, const state &final_state)
{
    if (left == 0)
        return s == final_state;
    for (unsigned t = 0; t < nthreads; t++) {
        if (pos[t] >= recs[t].size())
            continue;
        const record &r = recs[t][pos[t]];
        // Order: no pending operation of another thread may happen before
        // r (its response happens before r's invocation).  The C11 model has
        // no real time: an operation that returned earlier in the simulated
        // schedule but is not ordered before r by happens-before may take
        // effect after r (on hardware, real time would order them; C11
        // promises only happens-before).
        bool minimal = true;
        for (unsigned u = 0; u < nthreads && minimal; u++)
            if (u != t && pos[u] < recs[u].size() && r.inv_vc[u] >= recs[u][pos[u]].res_own)
                minimal = false;
        if (!minimal)
            continue;
        state next = s;
        if (!apply_ref(next, r))
            continue;
        pos[t]++;
        bool ok = linearize(next, pos, nthreads, left - 1, final_state);
        pos[t]--;
        if (ok)
            return true;
    }
    return false;
}

int collect(uint64_t key, uint64_t value, void *arg)
{
    state *s = (state *)arg;
    if (s->count(key))
        lf_model_fail("lfmap_foreach reported a key twice");
    (*s)[key] = value;
    return 0;
}

void check_invariants(const char *where)
{
    if (const char *err = lf_model_check_map(cur_map)) {
        static lf_raw_string msg;
        msg = lf_raw_string(err) + " (" + where + ")";
        lf_model_fail(msg.c_str());
    }
}

uint64_t sizing_truth[8]; // per thread: the live count when it began summing the stripes
bool stall_done[4];       // this execution: the spec's stalls already taken

void on_hook(int hook)
{
    exec_hooks[hook]++;
    // The successor-sizing bound as the paper states it: the live count a
    // resizer reads misses at most one operation per registered thread.
    // Every update that exists when the resizer reaches its fence must be in
    // its sum, except one in-flight operation per thread (threads that load
    // t->next after the sentinel do not start on t).  So its reservation
    // (sum + threads + 1) is at least the live count at that instant + 1.
    // (Relacy does not give a load after a seq_cst fence every seq_cst store
    // that precedes the fence, the C11 rule the bound rests on: see
    // tests/model/README.md, "Limits of the checker".  Its staleness is at most 2 stores per
    // stripe.)
    unsigned self;
    uint64_t own, vc[8];
    lf_model_clock(&self, &own, vc);
    if (hook == LFMAP_HOOK_SIZING_THREADS_READ)
        sizing_truth[self] = lf_model_live_truth(cur_map);
    // Checked with 2 threads only: there the one other thread's stripe is
    // at most 2 stores stale in Relacy, within the slack (threads = 2);
    // with 3, two stripes 2 behind each exceed it even for the correct code
    // (a FULL run found such an execution).
    if (hook == LFMAP_HOOK_BEFORE_PUBLISH && cur->threads == 2 &&
        lf_model_last_table_used() < sizing_truth[self] + 1)
        lf_model_fail("the successor was sized from a live count that missed more than one operation per "
                      "thread (successor-sizing bound)");
    // The same bound at publication: a successor just published (the
    // publisher passes AFTER_PUBLISH right after its successful CAS, and
    // its last allocation is that successor) reserves room for every key
    // live now.  Its sentinel was in t->next from its sizing until this CAS
    // (a sentinel is used by one attempt only), so no operation started on
    // t meanwhile: the live count grew since the sizing by at most the one
    // operation the other thread had in flight (the publisher's own is
    // still in flight), and the check above gives reservation >= live at
    // the sizing + 1.  Fails when a stale candidate, sized in an earlier
    // attempt for fewer keys, is published (stale_candidate).  2 threads only, as
    // above.  Claims in the successor since the CAS can only raise its used
    // count (a claim given back was reserved first).
    if (hook == LFMAP_HOOK_AFTER_PUBLISH && cur->threads == 2 &&
        lf_model_last_table_used() < lf_model_live_truth(cur_map))
        lf_model_fail("a successor whose reservation is below the live count was published (a candidate sized "
                      "in an earlier resize attempt?)");
    // Stalls (struct stall): the first passage of a hook by a thread.
    for (size_t i = 0; i < cur->stalls.size() && i < 4; i++) {
        const stall &st = cur->stalls[i];
        if (st.thread != self || st.hook != hook || stall_done[i])
            continue;
        stall_done[i] = true;
        for (unsigned spins = 0; spins < st.spins; spins++) {
            if (st.until_hook >= 0 ? exec_hooks[st.until_hook] >= st.until_count
                                   : exec_done[st.until_thread] >= st.until_count)
                break;
            lf_model_spin();
        }
    }
}

void scenario_before()
{
    lf_model_begin();
    lf_model_prepare_globals();
    lf_model_set_hook(on_hook);
    for (auto &r : recs)
        r.clear();
    clock_now = 0;
    std::memset(exec_hooks, 0, sizeof exec_hooks);
    std::memset(exec_done, 0, sizeof exec_done);
    std::memset(sizing_truth, 0, sizeof sizing_truth);
    std::memset(stall_done, 0, sizeof stall_done);
    threads_done = 0;
    cur_policy = lf_model_alloc_policy{cur->fail_from, cur->fail_to};
    struct lfmap_allocator a = lf_model_allocator(&cur_policy);
    struct lfmap_config cfg;
    std::memset(&cfg, 0, sizeof cfg);
    cfg.seed = MODEL_SEED;
    cfg.capacity = cur->capacity;
    cfg.migration_chunk = cur->chunk;
    cfg.allocator = &a;
    cur_map = cur->bytes ? (lfmap *)(void *)lfmap_bytes_new(&cfg) : lfmap_new(&cfg);
    if (!cur_map) {
        lf_model_fail("lfmap_new failed");
        return;
    }
    // The set-up thread registers only while it fills the map, so that the
    // registered-thread count is the scenario's.
    lfmap_thread_register();
    payloads_create();
    for (auto &kv : cur->preload) {
        payload_write(kv.second);
        map_insert(cur_map, kv.first, kv.second);
    }
    for (uint64_t k : cur->preremove)
        map_remove(cur_map, k, nullptr);
    lfmap_thread_unregister();
    lf_model_threads_running(true);
}

// The scenario's last thread: liburcu's call_rcu worker.
void reclaimer_thread()
{
    for (unsigned spins = 0; spins < 4000; spins++) {
        bool waiting = lf_model_rcu_poll();
        if (!waiting && threads_done == cur->threads)
            return;
        lf_model_spin();
    }
}

void scenario_thread(unsigned idx)
{
    if (idx == cur->threads) {
        reclaimer_thread();
        return;
    }
    if (lfmap_thread_register() != 0)
        lf_model_fail("lfmap_thread_register failed");
    for (const op &o : cur->ops[idx]) {
        if (o.after_hook >= 0)
            for (unsigned spins = 0; spins < 400 && exec_hooks[o.after_hook] < std::max(1u, o.after_count); spins++)
                lf_model_spin();
        if (o.after_thread >= 0 && o.after_thread != ALL_OTHERS)
            for (unsigned spins = 0; spins < 400 && exec_done[o.after_thread] < o.after_count; spins++)
                lf_model_spin();
        if (o.after_thread == ALL_OTHERS)
            for (unsigned spins = 0; spins < 1200; spins++) {
                bool all = true;
                for (unsigned u = 0; u < cur->threads; u++)
                    all &= u == idx || exec_done[u] >= o.after_count;
                if (all)
                    break;
                lf_model_spin();
            }
        record r;
        r.o = o;
        r.inv = ++clock_now;
        unsigned self;
        uint64_t own;
        lf_model_clock(&self, &own, r.inv_vc);
        if (stores_value(o))
            payload_write(o.val);
        r.rc = run_op(cur_map, o, &r.out);
        if (returns_value(o, r.rc))
            payload_check(r.out);
        r.res = ++clock_now;
        lf_model_clock(&self, &r.res_own, scratch_vc);
        recs[idx].push_back(r);
        exec_done[idx]++;
        check_invariants("after an operation");
    }
    lfmap_thread_unregister();
    threads_done++;
}

void scenario_after()
{
    lf_model_threads_running(false);
    check_invariants("at the end");
    lfmap_thread_register();
    state seen;
    map_foreach(cur_map, collect, &seen);
    for (auto &kv : seen) {
        uint64_t v = 0;
        if (!map_get(cur_map, kv.first, &v) || v != kv.second)
            lf_model_fail("lfmap_get disagrees with lfmap_foreach at the end");
    }
    if (lfmap_size(cur_map) != seen.size())
        lf_model_fail("lfmap_size differs from the number of keys at the end");
    state s;
    for (auto &kv : cur->preload)
        s[kv.first] = kv.second;
    for (uint64_t k : cur->preremove)
        s.erase(k);
    size_t pos[4] = {0, 0, 0, 0};
    size_t total = 0;
    for (unsigned t = 0; t < cur->threads; t++)
        total += recs[t].size();
    if (!linearize(s, pos, cur->threads, total, seen)) {
        static lf_raw_string msg;
        msg = "no linearization explains the results and final contents:";
        for (unsigned t = 0; t < cur->threads; t++)
            for (auto &r : recs[t]) {
                char buf[160];
                static const char *const names[] = {"ins", "put", "rem", "cas", "get", "goi", "walk"};
                std::snprintf(buf, sizeof buf, " [t%u %s(%llu) rc %d out %llu @%u-%u]", t, names[r.o.k],
                              (unsigned long long)r.o.key, r.rc, (unsigned long long)r.out, r.inv, r.res);
                msg += buf;
            }
        msg += " final:";
        for (auto &kv : seen)
        {
            char buf[64];
            std::snprintf(buf, sizeof buf, " %llu=%llu", (unsigned long long)kv.first, (unsigned long long)kv.second);
            msg += buf;
        }
        lf_model_fail(msg.c_str());
    }
    if (std::getenv("LFMAP_MODEL_SHOW_TRACE"))
        lf_model_fail("LFMAP_MODEL_SHOW_TRACE: showing one execution");
    lfmap_free(cur_map);
    lfrcu_barrier();
    lfmap_thread_unregister();
    cur_map = nullptr;
    payloads_destroy();
    lf_model_end();
}

template <unsigned N>
struct scenario : rl::test_suite<scenario<N>, N> {
    void before() { scenario_before(); }
    void thread(unsigned idx) { scenario_thread(idx); }
    void after() { scenario_after(); }
};

template <unsigned N>
bool run(rl::test_params &p)
{
    return rl::simulate<scenario<N>>(p);
}

const char *running_name;

// A crash is a failure of the scenario that ran: typically a pointer read
// without synchronisation (a stale NULL t->next) and dereferenced.  Relacy
// cannot print a trace then; the line names the scenario.
void on_crash(int sig)
{
    char buf[256];
    int n = std::snprintf(buf, sizeof buf,
                          "FAIL %s crashed (signal %d: lib/ dereferenced a bad pointer, e.g. one loaded without "
                          "synchronisation)\n",
                          running_name ? running_name : "?", sig);
    if (n > 0 && write(1, buf, (size_t)n) < 0)
        _exit(3);
    _exit(3);
}

} // namespace

int main(int argc, char **argv)
{
    std::signal(SIGSEGV, on_crash);
    std::signal(SIGBUS, on_crash);
    bool full = false, list = false, stop = false;
    std::vector<std::string> only;
    for (int i = 1; i < argc; i++) {
        if (!std::strcmp(argv[i], "--full"))
            full = true;
        else if (!std::strcmp(argv[i], "--list"))
            list = true;
        else if (!std::strcmp(argv[i], "--stop"))
            stop = true; // after the first failing scenario
        else
            only.push_back(argv[i]);
    }
    const char *iters_env = std::getenv("LFMAP_MODEL_ITERATIONS");
    std::vector<spec> specs = make_specs();
    int failed = 0;
    for (const spec &s : specs) {
        if (list) {
            std::printf("%-20s %s\n", s.name, s.what);
            continue;
        }
        if (s.full_only && !full && only.empty())
            continue;
        if (!only.empty()) {
            bool want = false;
            for (auto &n : only)
                want |= n == s.name;
            if (!want)
                continue;
        }
        cur = &s;
        running_name = s.name;
        std::fflush(stdout);
        rl::test_params p;
        p.search_type = rl::random_scheduler_type;
        p.iteration_count = iters_env ? std::strtoul(iters_env, nullptr, 10) : full ? s.iterations_full : s.iterations;
        p.execution_depth_limit = 20000;
        // Relacy writes its summary and, on a failure, the replayed
        // history (ending with the failing execution) to a trace file; the
        // end of it is printed below.
        std::string trace_path = std::string(std::getenv("TMPDIR") ? std::getenv("TMPDIR") : "/tmp") +
                                 "/lfmap-model-" + s.name + ".trace";
        std::ofstream trace(trace_path);
        p.output_stream = &trace;
        std::ostream no_progress(nullptr); // badbit: discards Relacy's progress lines
        p.progress_stream = &no_progress;
        p.progress_output_period = 1u << 30;
        unsigned long hooks_before[LFMAP_HOOK_COUNT];
        for (int h = 0; h < LFMAP_HOOK_COUNT; h++)
            hooks_before[h] = lf_model_hook_count(h);
        auto t0 = std::chrono::steady_clock::now();
        // One more thread than the scenario's: the call_rcu worker.
        bool ok = s.threads == 2 ? run<3>(p) : s.threads == 3 ? run<4>(p) : run<5>(p);
        double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
        unsigned long boxed = lf_model_hook_count(LFMAP_HOOK_READ_BOX_BEFORE_LOAD) -
                              hooks_before[LFMAP_HOOK_READ_BOX_BEFORE_LOAD];
        unsigned long unpub = lf_model_hook_count(LFMAP_HOOK_BEFORE_UNPUBLISH) - hooks_before[LFMAP_HOOK_BEFORE_UNPUBLISH];
        unsigned long promo = lf_model_hook_count(LFMAP_HOOK_BEFORE_RETIRE) - hooks_before[LFMAP_HOOK_BEFORE_RETIRE];
        std::printf("%s %-20s %s after %llu executions, %.1f s (hooks: %lu retires, %lu box reads, %lu withdrawn "
                    "sentinels)\n",
                    ok ? "PASS" : "FAIL", s.name, ok ? "passed" : "FAILED", (unsigned long long)(ok ? p.iteration_count : p.stop_iteration),
                    secs, promo, boxed, unpub);
        if (std::getenv("LFMAP_MODEL_HOOKS"))
            for (int h = 0; h < LFMAP_HOOK_COUNT; h++)
                std::printf("  hook %d: %lu\n", h, lf_model_hook_count(h) - hooks_before[h]);
        std::fflush(stdout);
        if (!ok) {
            trace.close();
            // The failing execution is the last one in the trace.
            std::ifstream in(trace_path);
            std::vector<std::string> lines;
            for (std::string line; std::getline(in, line);)
                if (line.find("ITERATION END") == std::string::npos)
                    lines.push_back(line);
            size_t from = lines.size() > 60 ? lines.size() - 60 : 0;
            std::printf("     ... the end of the failing execution (whole trace: %s):\n", trace_path.c_str());
            for (size_t i = from; i < lines.size(); i++)
                std::printf("     %s\n", lines[i].c_str());
            std::printf("     %s: %s\n", s.name, rl::test_result_str(p.test_result));
            failed++;
            if (stop)
                break;
        }
    }
    return failed ? 1 : 0;
}
