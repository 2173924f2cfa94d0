/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * lfht: liburcu's lock-free resizable hash table (cds_lfht, RCU split-ordered
 * lists), memb flavour, automatic resize.  Nodes are immutable once
 * published: put and CAS replace the node (cds_lfht_add_replace /
 * cds_lfht_replace) and the old one is freed after a grace period, which is
 * how cds_lfht users update values without losing a concurrent remove.
 */
#include <errno.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>

#include "hash.h"
#include "map_iface.h"
#include "urcu_glue.h"
#include <urcu/rculfhash.h>

struct lfht_node {
    struct cds_lfht_node node;
    uint64_t key;
    uint64_t value;
    struct rcu_head rcu;
};

struct lfht_map {
    struct cds_lfht *ht;
    struct lfmap_hasher hasher; /* the same mixer as lfmap and the plain tables */
    unsigned long init_buckets;
};

static struct lfht_node *node_new(uint64_t key, uint64_t value)
{
    struct lfht_node *n = malloc(sizeof *n);
    if (!n) {
        fputs("lfbench: lfht: out of memory\n", stderr);
        abort();
    }
    cds_lfht_node_init(&n->node);
    n->key = key;
    n->value = value;
    lfb_lfht_node_publish(n);
    return n;
}

/* The node of a cds_lfht node found by a lookup (see node_new). */
static struct lfht_node *node_of(struct cds_lfht_node *node)
{
    struct lfht_node *n = caa_container_of(node, struct lfht_node, node);
    lfb_lfht_node_found(n);
    return n;
}

static void node_free_cb(struct rcu_head *h)
{
    lfb_rcu_callback_begin(h);
    free(caa_container_of(h, struct lfht_node, rcu));
}

static void node_retire(struct lfht_map *m, struct lfht_node *n)
{
    (void)m;
    lfb_rcu_call(&n->rcu, node_free_cb);
}

static int node_match(struct cds_lfht_node *node, const void *key)
{
    return node_of(node)->key == *(const uint64_t *)key;
}

static unsigned long pow2_at_least(size_t n)
{
    unsigned long p = 1;
    while (p < n)
        p <<= 1;
    return p;
}

static void *lfht_create(const struct lfb_map_config *cfg)
{
    struct lfht_map *m = calloc(1, sizeof *m);
    if (!m)
        return NULL;
    lf_hasher_init(&m->hasher, cfg->seed);
    m->init_buckets = pow2_at_least(cfg->capacity ? cfg->capacity : 1);
    m->ht = cds_lfht_new_flavor(m->init_buckets, 1, 0, CDS_LFHT_AUTO_RESIZE | CDS_LFHT_ACCOUNTING,
                                &urcu_memb_flavor, NULL);
    if (!m->ht) {
        free(m);
        return NULL;
    }
    return m;
}

static void lfht_destroy(void *p)
{
    struct lfht_map *m = p;
    struct cds_lfht_iter iter;
    struct lfht_node *n;
    lfb_rcu_read_lock();
    cds_lfht_for_each_entry(m->ht, &iter, n, node) {
        if (cds_lfht_del(m->ht, &n->node) == 0)
            node_retire(m, n);
    }
    lfb_rcu_read_unlock();
    lfb_rcu_barrier();
    if (cds_lfht_destroy(m->ht, NULL) != 0)
        fputs("lfbench: lfht: cds_lfht_destroy failed\n", stderr);
    free(m);
}

static void lfht_enter(void *m) { (void)m; lfb_rcu_register(); }
static void lfht_exit(void *m) { (void)m; lfb_rcu_unregister(); }

static struct lfht_node *lookup(struct lfht_map *m, uint64_t key, unsigned long hash,
                                struct cds_lfht_iter *iter)
{
    cds_lfht_lookup(m->ht, hash, node_match, &key, iter);
    struct cds_lfht_node *node = cds_lfht_iter_get_node(iter);
    return node ? node_of(node) : NULL;
}

static bool lfht_get(void *p, uint64_t key, uint64_t *value)
{
    struct lfht_map *m = p;
    struct cds_lfht_iter iter;
    lfb_rcu_read_lock();
    struct lfht_node *n = lookup(m, key, lf_mix(&m->hasher, key), &iter);
    if (n && value)
        *value = n->value;
    lfb_rcu_read_unlock();
    return n != NULL;
}

static bool lfht_insert(void *p, uint64_t key, uint64_t value)
{
    struct lfht_map *m = p;
    struct lfht_node *n = node_new(key, value);
    lfb_rcu_read_lock();
    struct cds_lfht_node *got = cds_lfht_add_unique(m->ht, lf_mix(&m->hasher, key), node_match, &key, &n->node);
    lfb_rcu_read_unlock();
    if (got != &n->node) {
        free(n); /* never published */
        return false;
    }
    return true;
}

static bool lfht_remove(void *p, uint64_t key)
{
    struct lfht_map *m = p;
    struct cds_lfht_iter iter;
    bool removed = false;
    lfb_rcu_read_lock();
    struct lfht_node *n = lookup(m, key, lf_mix(&m->hasher, key), &iter);
    if (n && cds_lfht_del(m->ht, &n->node) == 0) {
        removed = true;
        node_retire(m, n);
    }
    lfb_rcu_read_unlock();
    return removed;
}

static bool lfht_put(void *p, uint64_t key, uint64_t value)
{
    struct lfht_map *m = p;
    struct lfht_node *n = node_new(key, value);
    lfb_rcu_read_lock();
    struct cds_lfht_node *old = cds_lfht_add_replace(m->ht, lf_mix(&m->hasher, key), node_match, &key, &n->node);
    if (old)
        node_retire(m, caa_container_of(old, struct lfht_node, node));
    lfb_rcu_read_unlock();
    return old == NULL;
}

static bool lfht_cas(void *p, uint64_t key, uint64_t expected, uint64_t desired)
{
    struct lfht_map *m = p;
    unsigned long hash = lf_mix(&m->hasher, key);
    struct cds_lfht_iter iter;
    struct lfht_node *fresh = NULL;
    bool swapped = false;
    lfb_rcu_read_lock();
    for (;;) {
        struct lfht_node *n = lookup(m, key, hash, &iter);
        if (!n || n->value != expected)
            break;
        if (!fresh)
            fresh = node_new(key, desired);
        /* -ENOENT: n was removed or replaced meanwhile; look again. */
        if (cds_lfht_replace(m->ht, &iter, hash, node_match, &key, &fresh->node) == 0) {
            node_retire(m, n);
            swapped = true;
            fresh = NULL;
            break;
        }
    }
    lfb_rcu_read_unlock();
    free(fresh);
    return swapped;
}

static void lfht_config(struct lfht_map *m, struct lfb_map_stats *out)
{
    out->resizes = -1; /* cds_lfht does not report them */
    out->retired_bytes = -1;
    snprintf(out->config, sizeof out->config,
             "{\"flavor\":\"memb\",\"flags\":\"AUTO_RESIZE|ACCOUNTING\",\"init_buckets\":%lu,"
             "\"read_side\":\"inlined (_LGPL_SOURCE)\"}",
             m->init_buckets);
}

/* cds_lfht_count_nodes walks every node. */
static void lfht_stats(void *p, struct lfb_map_stats *out)
{
    struct lfht_map *m = p;
    long before, after;
    unsigned long count;
    lfb_rcu_read_lock();
    cds_lfht_count_nodes(m->ht, &before, &count, &after);
    lfb_rcu_read_unlock();
    out->size = (int64_t)count;
    lfht_config(m, out);
}

/* The memory monitor's reading: cds_lfht has no count that needs no walk. */
static void lfht_sample(void *p, struct lfb_map_stats *out)
{
    out->size = -1;
    lfht_config(p, out);
}

const struct lfb_map_ops lfb_map_lfht = {
    .name = "lfht",
    .description = "liburcu cds_lfht (memb flavour, auto-resize)",
    .create = lfht_create,
    .destroy = lfht_destroy,
    .thread_enter = lfht_enter,
    .thread_exit = lfht_exit,
    .get = lfht_get,
    .insert = lfht_insert,
    .remove = lfht_remove,
    .put = lfht_put,
    .cas = lfht_cas,
    .stats = lfht_stats,
    .sample = lfht_sample,
};
