/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * lfht-bytes: liburcu's cds_lfht with string nodes: each node holds its key's
 * bytes inline (one allocation per node), the lookup compares the full hash
 * (cds_lfht keeps it in the node) and then the length and the bytes.  The
 * configuration of the integer lfht (maps/map_lfht.c): memb flavour,
 * AUTO_RESIZE | ACCOUNTING, initial buckets the power of two above the
 * prefill, immutable nodes (put and cas replace the node; the old one is
 * freed by call_rcu), lfmap's seeded byte hash.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bmap_iface.h"
#include "bytes_table.h" /* bt_hash */
#include "urcu_glue.h"
#include <urcu/rculfhash.h>

struct snode {
    struct cds_lfht_node node;
    struct rcu_head rcu;
    uint64_t value;
    uint32_t len;
    unsigned char key[];
};

struct skey {
    const void *p;
    size_t len;
};

struct slfht {
    struct cds_lfht *ht;
    struct lfmap_hasher hasher;
    unsigned long init_buckets;
};

static struct snode *snode_new(const void *key, size_t len, uint64_t value)
{
    struct snode *n = malloc(sizeof *n + len);
    if (!n) {
        fputs("lfbench: lfht-bytes: out of memory\n", stderr);
        abort();
    }
    cds_lfht_node_init(&n->node);
    n->value = value;
    n->len = (uint32_t)len;
    if (len)
        memcpy(n->key, key, len);
    lfb_lfht_node_publish(n);
    return n;
}

static struct snode *snode_of(struct cds_lfht_node *node)
{
    struct snode *n = caa_container_of(node, struct snode, node);
    lfb_lfht_node_found(n);
    return n;
}

static void snode_free_cb(struct rcu_head *h)
{
    lfb_rcu_callback_begin(h);
    free(caa_container_of(h, struct snode, rcu));
}

static void snode_retire(struct snode *n) { lfb_rcu_call(&n->rcu, snode_free_cb); }

static int snode_match(struct cds_lfht_node *node, const void *key)
{
    const struct snode *n = snode_of(node);
    const struct skey *k = key;
    return n->len == k->len && (k->len == 0 || memcmp(n->key, k->p, k->len) == 0);
}

static void *sl_create(const struct lfb_map_config *cfg)
{
    struct slfht *m = calloc(1, sizeof *m);
    if (!m)
        return NULL;
    lf_hasher_init(&m->hasher, cfg->seed);
    unsigned long b = 1;
    while (b < (cfg->capacity ? cfg->capacity : 1))
        b <<= 1;
    m->init_buckets = b;
    m->ht = cds_lfht_new_flavor(b, 1, 0, CDS_LFHT_AUTO_RESIZE | CDS_LFHT_ACCOUNTING, &urcu_memb_flavor, NULL);
    if (!m->ht) {
        free(m);
        return NULL;
    }
    return m;
}

static void sl_destroy(void *p)
{
    struct slfht *m = p;
    struct cds_lfht_iter iter;
    struct snode *n;
    lfb_rcu_read_lock();
    cds_lfht_for_each_entry(m->ht, &iter, n, node) {
        if (cds_lfht_del(m->ht, &n->node) == 0)
            snode_retire(n);
    }
    lfb_rcu_read_unlock();
    lfb_rcu_barrier();
    if (cds_lfht_destroy(m->ht, NULL) != 0)
        fputs("lfbench: lfht-bytes: cds_lfht_destroy failed\n", stderr);
    free(m);
}

static void sl_enter(void *m) { (void)m; lfb_rcu_register(); }
static void sl_exit(void *m) { (void)m; lfb_rcu_unregister(); }

static struct snode *lookup(struct slfht *m, const struct skey *k, unsigned long hash, struct cds_lfht_iter *iter)
{
    cds_lfht_lookup(m->ht, hash, snode_match, k, iter);
    struct cds_lfht_node *node = cds_lfht_iter_get_node(iter);
    return node ? snode_of(node) : NULL;
}

static bool sl_get(void *p, const void *key, size_t len, uint64_t *value)
{
    struct slfht *m = p;
    struct skey k = {key, len};
    struct cds_lfht_iter iter;
    unsigned long hash = bt_hash(&m->hasher, key, len);
    lfb_rcu_read_lock();
    struct snode *n = lookup(m, &k, hash, &iter);
    if (n && value)
        *value = n->value;
    lfb_rcu_read_unlock();
    return n != NULL;
}

static bool sl_insert(void *p, const void *key, size_t len, uint64_t value)
{
    struct slfht *m = p;
    struct skey k = {key, len};
    unsigned long hash = bt_hash(&m->hasher, key, len);
    struct snode *n = snode_new(key, len, value);
    lfb_rcu_read_lock();
    struct cds_lfht_node *got = cds_lfht_add_unique(m->ht, hash, snode_match, &k, &n->node);
    lfb_rcu_read_unlock();
    if (got != &n->node) {
        free(n); /* never published */
        return false;
    }
    return true;
}

static bool sl_remove(void *p, const void *key, size_t len)
{
    struct slfht *m = p;
    struct skey k = {key, len};
    struct cds_lfht_iter iter;
    unsigned long hash = bt_hash(&m->hasher, key, len);
    bool removed = false;
    lfb_rcu_read_lock();
    struct snode *n = lookup(m, &k, hash, &iter);
    if (n && cds_lfht_del(m->ht, &n->node) == 0) {
        removed = true;
        snode_retire(n);
    }
    lfb_rcu_read_unlock();
    return removed;
}

static bool sl_put(void *p, const void *key, size_t len, uint64_t value)
{
    struct slfht *m = p;
    struct skey k = {key, len};
    unsigned long hash = bt_hash(&m->hasher, key, len);
    struct snode *n = snode_new(key, len, value);
    lfb_rcu_read_lock();
    struct cds_lfht_node *old = cds_lfht_add_replace(m->ht, hash, snode_match, &k, &n->node);
    if (old)
        snode_retire(caa_container_of(old, struct snode, node));
    lfb_rcu_read_unlock();
    return old == NULL;
}

static bool sl_cas(void *p, const void *key, size_t len, uint64_t expected, uint64_t desired)
{
    struct slfht *m = p;
    struct skey k = {key, len};
    unsigned long hash = bt_hash(&m->hasher, key, len);
    struct cds_lfht_iter iter;
    struct snode *fresh = NULL;
    bool swapped = false;
    lfb_rcu_read_lock();
    for (;;) {
        struct snode *n = lookup(m, &k, hash, &iter);
        if (!n || n->value != expected)
            break;
        if (!fresh)
            fresh = snode_new(key, len, desired);
        /* -ENOENT: n was removed or replaced meanwhile; look again. */
        if (cds_lfht_replace(m->ht, &iter, hash, snode_match, &k, &fresh->node) == 0) {
            snode_retire(n);
            swapped = true;
            fresh = NULL;
            break;
        }
    }
    lfb_rcu_read_unlock();
    free(fresh);
    return swapped;
}

static void sl_stats(void *p, struct lfb_map_stats *out)
{
    struct slfht *m = p;
    long before, after;
    unsigned long count;
    lfb_rcu_read_lock();
    cds_lfht_count_nodes(m->ht, &before, &count, &after);
    lfb_rcu_read_unlock();
    out->size = count;
    out->resizes = -1;
    out->retired_bytes = -1;
    snprintf(out->config, sizeof out->config,
             "{\"flavor\":\"memb\",\"flags\":\"AUTO_RESIZE|ACCOUNTING\",\"init_buckets\":%lu,\"node\":\"key inline\"}",
             m->init_buckets);
}

LFB_BYTES_SHIM(sl)

const struct lfb_map_ops lfb_map_lfht_bytes = {
    .name = "lfht-bytes",
    .description = "liburcu cds_lfht with string nodes (memb flavour, auto-resize)",
    .create = sl_create,
    .destroy = sl_destroy,
    .thread_enter = sl_enter,
    .thread_exit = sl_exit,
    LFB_BYTES_SHIM_OPS(sl),
    .stats = sl_stats,
};

LFB_BYTES_RAW(lfht_bytes, sl);
