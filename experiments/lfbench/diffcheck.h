/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The differential check every map passes before it is timed, and the
 * conservation check the unit tests add: the map against the plain map.
 */
#ifndef LFB_DIFFCHECK_H
#define LFB_DIFFCHECK_H

#include <stdint.h>

#include "cli.h"
#include "map_iface.h"

/* Single-threaded: first half the keys of 1..key_range loaded the way the
 * harness prefills (the map's load, or insert when it has none), then
 * `ops` random get/insert/remove/put/cas operations over them (with
 * capacity hints 0, so the map grows), each result compared with the plain
 * map's, then every key's final value.  Runs in a thread of its own
 * (registration).  0, or -1 with the first difference in err. */
int lfb_check_differential(const struct lfb_map_ops *ops, uint64_t ops_count, uint64_t key_range,
                           uint64_t seed, struct lfcli_err *err);

/* Multi-threaded conservation: `threads` threads each own the keys k with
 * k % threads == t, run `ops_per_thread` random writes on them with a
 * private shadow, while reading every other thread's keys and checking that
 * a value read always belongs to its key.  Afterwards the map must hold
 * exactly the union of the shadows.  0, or -1 with err. */
int lfb_check_conservation(const struct lfb_map_ops *ops, unsigned threads, uint64_t ops_per_thread,
                           uint64_t keys_per_thread, uint64_t seed, struct lfcli_err *err);

/* The same with the map created for reclamation scheme `scheme`
 * (lfb_map_config.scheme; NULL = the default). */
int lfb_check_differential_scheme(const struct lfb_map_ops *ops, const char *scheme, uint64_t ops_count,
                                  uint64_t key_range, uint64_t seed, struct lfcli_err *err);
/* The same with lock kind `lock_kind` too (lfb_map_config.lock_kind). */
int lfb_check_differential_config(const struct lfb_map_ops *ops, const char *scheme, unsigned lock_kind,
                                  uint64_t ops_count, uint64_t key_range, uint64_t seed, struct lfcli_err *err);
int lfb_check_conservation_scheme(const struct lfb_map_ops *ops, const char *scheme, unsigned threads,
                                  uint64_t ops_per_thread, uint64_t keys_per_thread, uint64_t seed,
                                  struct lfcli_err *err);

#endif /* LFB_DIFFCHECK_H */
