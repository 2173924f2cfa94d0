/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Placement: which CPU each worker thread runs on (from the topology, through
 * hwloc) and where the map's memory goes (through libnuma).
 *
 *   none     threads are not pinned (the scheduler decides)
 *   compact  thread i -> the i-th PU in topology order: fill a core's
 *            hardware threads, then the next core, then the next socket
 *   scatter  spread over the widest levels first: one thread per socket /
 *            NUMA node, then per core, and only then a core's second PU
 * With more threads than PUs the plan wraps around.
 */
#ifndef LFB_PLACEMENT_H
#define LFB_PLACEMENT_H

#include <hwloc.h>
#include <stdbool.h>

#include "cli.h"

enum lfb_pin { LFB_PIN_NONE, LFB_PIN_COMPACT, LFB_PIN_SCATTER };
extern const char *const lfb_pin_names[]; /* "none", "compact", "scatter" */

enum lfb_mem_kind { LFB_MEM_FIRST_TOUCH, LFB_MEM_INTERLEAVE, LFB_MEM_NODE };
struct lfb_mempolicy {
    enum lfb_mem_kind kind;
    int node; /* LFB_MEM_NODE */
};

/* Thread-to-CPU plan: cpus[i] = OS index of the PU of thread i, or -1 for
 * "not pinned".  0, or -1 with err set. */
int lfb_placement_plan(hwloc_topology_t topo, enum lfb_pin pin, unsigned threads, int *cpus,
                       struct lfcli_err *err);

/* The same on a synthetic topology description ("pack:2 core:8 pu:2"), for
 * tests and for --pin-preview. */
int lfb_placement_plan_synthetic(const char *description, enum lfb_pin pin, unsigned threads,
                                 int *cpus, struct lfcli_err *err);

/* Pins the calling thread to OS CPU cpu (no-op for -1).  0 or -errno. */
int lfb_pin_self(int cpu);

/* Parses "first-touch", "interleave" or "node:N". */
int lfb_mempolicy_parse(const char *opt, const char *text, struct lfb_mempolicy *out,
                        struct lfcli_err *err);
/* Checks the policy against this machine (libnuma present, node exists). */
int lfb_mempolicy_check(const struct lfb_mempolicy *p, struct lfcli_err *err);
/* Applies it to the calling thread's future allocations. */
void lfb_mempolicy_apply(const struct lfb_mempolicy *p);
/* "first-touch", "interleave", "node:2" */
void lfb_mempolicy_name(const struct lfb_mempolicy *p, char *buf, size_t len);

/* NUMA nodes of this machine (1 when libnuma reports none). */
int lfb_numa_nodes(void);

#endif /* LFB_PLACEMENT_H */
