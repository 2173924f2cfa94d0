/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The memory probe: every byte a map holds, measured the same way for every
 * map (and for the Go maps, experiments/go/memprobe.go).
 *
 * A fresh process (lfbench re-executed with --probe-memory) starts T
 * threads (keys: those of a 95/5 run at -i N, so -r is not passed), hands the allocator's unused pages back to the system and reads
 * its resident anonymous memory (lfb_mem_anon_bytes); then it creates the
 * map for N keys, loads N keys through the map's prefill path, lets the T
 * threads register with the map and each run one lookup (per-thread state:
 * RCU registrations, lfmap's thread records, thread caches), purges again
 * and reads again.  The difference is what the map made the process hold:
 * tables it mapped itself (lfmap's and the plain tables' mmap, TBB's own
 * allocator), pages the allocator took from the system for it, with their
 * fragmentation, and per-thread state.  In a fresh process no memory freed
 * by an earlier map can be reused and go uncounted, so the figure cannot be
 * negative (the in-process allocator and RSS deltas of earlier records
 * could, and left mmap'd tables out: results/harness/README.md, "Baselines
 * and peers, and how each is configured").
 */
#ifndef LFB_MEMPROBE_H
#define LFB_MEMPROBE_H

#include <stdbool.h>
#include <stdint.h>

#include "cli.h"
#include "options.h"

struct lfb_held {
    bool measured;
    uint64_t keys;
    unsigned threads;
    int64_t bytes;            /* resident anonymous memory after - before */
    int64_t allocator_bytes;  /* the allocator's live bytes after - before (part of bytes) */
    int64_t anon_before;      /* the fresh process's resident anonymous memory before the map */
};

/* What to measure: a series of lfbench. */
struct lfb_memprobe_req {
    const char *map;          /* registry name */
    const char *scheme;       /* lfmap's reclamation scheme, NULL = default */
    unsigned lock_kind;       /* 0 = the map's own */
    bool pointer_values;
    bool glibc;               /* --allocator glibc */
    uint64_t keys, seed;
    unsigned threads;
    /* Byte-key maps and caches: the key set's lengths (bytekeys.h); a cache
     * is probed under -w cache (its prefill: capacity = keys entries). */
    bool byte_keys, cache;
    unsigned key_len_min, key_len_max, value_len_min, value_len_max;
};

/* Runs the probe in a child process.  0 and *out filled, or -1 with err. */
int lfb_memprobe(const struct lfb_memprobe_req *req, struct lfb_held *out, struct lfcli_err *err);

/* The child: measures o's one map at o's one -i and -n, prints the result
 * line lfb_memprobe reads, and returns the exit status. */
int lfb_memprobe_child(const struct lfb_options *o);

#endif /* LFB_MEMPROBE_H */
