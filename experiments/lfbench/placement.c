/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Placement, see placement.h. */
#include "placement.h"

#include <errno.h>
#include <numa.h>
#include <pthread.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *const lfb_pin_names[] = {"none", "compact", "scatter", NULL};

/* Deepest tree we expect (machine, package, groups, caches, core, PU). */
#define LFB_TOPO_DEPTH_MAX 32

struct pu_path {
    int os_index;
    unsigned logical;
    unsigned rank[LFB_TOPO_DEPTH_MAX]; /* rank[0]: the PU among its siblings,
                                        * rank[1]: its parent among its own... */
    unsigned depth;
};

/* Scatter order: a PU's own sibling rank is the most significant key, then
 * its core's, then the next level's..., so consecutive threads differ first
 * in the outermost levels (sockets, NUMA groups), and share a core last. */
static int scatter_cmp(const void *a, const void *b)
{
    const struct pu_path *x = a, *y = b;
    unsigned d = x->depth < y->depth ? x->depth : y->depth;
    for (unsigned i = 0; i < d; i++) {
        if (x->rank[i] != y->rank[i])
            return x->rank[i] < y->rank[i] ? -1 : 1;
    }
    return x->logical < y->logical ? -1 : x->logical > y->logical;
}

int lfb_placement_plan(hwloc_topology_t topo, enum lfb_pin pin, unsigned threads, int *cpus,
                       struct lfcli_err *err)
{
    if (pin == LFB_PIN_NONE) {
        for (unsigned i = 0; i < threads; i++)
            cpus[i] = -1;
        return 0;
    }
    int n = hwloc_get_nbobjs_by_type(topo, HWLOC_OBJ_PU);
    if (n <= 0)
        return lfcli_fail(err, "--pin: the topology has no processing units");
    struct pu_path *pus = calloc((size_t)n, sizeof *pus);
    if (!pus)
        return lfcli_fail(err, "--pin: out of memory");
    for (int i = 0; i < n; i++) {
        hwloc_obj_t pu = hwloc_get_obj_by_type(topo, HWLOC_OBJ_PU, (unsigned)i);
        pus[i].os_index = (int)pu->os_index;
        pus[i].logical = pu->logical_index;
        for (hwloc_obj_t o = pu; o->parent && pus[i].depth < LFB_TOPO_DEPTH_MAX; o = o->parent)
            pus[i].rank[pus[i].depth++] = o->sibling_rank;
    }
    /* hwloc's logical order is already the compact order. */
    if (pin == LFB_PIN_SCATTER)
        qsort(pus, (size_t)n, sizeof *pus, scatter_cmp);
    for (unsigned t = 0; t < threads; t++)
        cpus[t] = pus[t % (unsigned)n].os_index;
    free(pus);
    return 0;
}

int lfb_placement_plan_synthetic(const char *description, enum lfb_pin pin, unsigned threads,
                                 int *cpus, struct lfcli_err *err)
{
    hwloc_topology_t topo;
    if (hwloc_topology_init(&topo) != 0)
        return lfcli_fail(err, "hwloc_topology_init failed");
    int rc;
    if (hwloc_topology_set_synthetic(topo, description) != 0 || hwloc_topology_load(topo) != 0)
        rc = lfcli_fail(err, "hwloc: bad synthetic topology '%s'", description);
    else
        rc = lfb_placement_plan(topo, pin, threads, cpus, err);
    hwloc_topology_destroy(topo);
    return rc;
}

int lfb_pin_self(int cpu)
{
    if (cpu < 0)
        return 0;
    cpu_set_t set;
    CPU_ZERO(&set);
    CPU_SET(cpu, &set);
    return -pthread_setaffinity_np(pthread_self(), sizeof set, &set);
}

int lfb_mempolicy_parse(const char *opt, const char *text, struct lfb_mempolicy *out,
                        struct lfcli_err *err)
{
    if (strcmp(text, "first-touch") == 0) {
        out->kind = LFB_MEM_FIRST_TOUCH;
        return 0;
    }
    if (strcmp(text, "interleave") == 0) {
        out->kind = LFB_MEM_INTERLEAVE;
        return 0;
    }
    if (strncmp(text, "node:", 5) == 0) {
        uint64_t node;
        /* libnuma's own limit on node numbers */
        if (lfcli_parse_u64(opt, text + 5, 0, 1023, &node, err) != 0)
            return -1;
        out->kind = LFB_MEM_NODE;
        out->node = (int)node;
        return 0;
    }
    return lfcli_fail(err, "%s: unknown value '%s' (accepted: first-touch, interleave, node:N)", opt,
                      text);
}

int lfb_numa_nodes(void)
{
    return numa_available() < 0 ? 1 : numa_num_configured_nodes();
}

int lfb_mempolicy_check(const struct lfb_mempolicy *p, struct lfcli_err *err)
{
    if (p->kind == LFB_MEM_FIRST_TOUCH)
        return 0;
    if (numa_available() < 0)
        return lfcli_fail(err, "--mem: libnuma reports no NUMA support on this machine; use first-touch");
    if (p->kind == LFB_MEM_NODE && p->node > numa_max_node())
        return lfcli_fail(err, "--mem: node %d does not exist (this machine has nodes 0 .. %d)",
                          p->node, numa_max_node());
    return 0;
}

void lfb_mempolicy_apply(const struct lfb_mempolicy *p)
{
    if (numa_available() < 0)
        return;
    switch (p->kind) {
    case LFB_MEM_FIRST_TOUCH:
        numa_set_localalloc();
        break;
    case LFB_MEM_INTERLEAVE:
        numa_set_interleave_mask(numa_all_nodes_ptr);
        break;
    case LFB_MEM_NODE: {
        struct bitmask *bm = numa_allocate_nodemask();
        numa_bitmask_setbit(bm, (unsigned)p->node);
        numa_set_membind(bm);
        numa_bitmask_free(bm);
        break;
    }
    }
}

void lfb_mempolicy_name(const struct lfb_mempolicy *p, char *buf, size_t len)
{
    switch (p->kind) {
    case LFB_MEM_FIRST_TOUCH: snprintf(buf, len, "first-touch"); break;
    case LFB_MEM_INTERLEAVE: snprintf(buf, len, "interleave"); break;
    case LFB_MEM_NODE: snprintf(buf, len, "node:%d", p->node); break;
    }
}
