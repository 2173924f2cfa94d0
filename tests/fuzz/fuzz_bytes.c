/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * fuzz_bytes: libFuzzer target for the byte-string map (lfmap_bytes).
 *
 * Input: byte 0 picks the map's initial capacity (0 .. 255 keys) and, with
 * byte 1, its migration chunk (1 .. 256; 0 = the default); then each group of
 * 3 bytes is one call: op (byte % NOPS), key number, value byte.  Keys come
 * from a set of NKEYS byte strings that a careless map would confuse: the
 * empty key and keys that are prefixes of each other (number k < 64: k bytes
 * 'p'), keys with NUL bytes, and two pairs found at start-up whose hashes
 * share the home slot of every table up to 64 slots and the tag (the map is
 * created with a fixed seed so the pairs collide in it).  Every result, *old
 * and *current, the size and (on OP_VERIFY and at the end) every key and a
 * full foreach walk are checked against a reference (arrays by key number).
 * On a mismatch the call is printed and the target aborts.  Built by fuzz.mk
 * (make fuzz) and replayed by tests/core/fuzz_replay.sh from tests/fuzz/corpus-bytes.
 */
#include "lfmap.h"
/* White-box: the library's byte hash, to find keys that collide. */
#include "hash.h"
#include "key.h"

#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define SEED 0xf0225eedull
#define NKEYS 96u
#define KEY_MAX 64u
#define OUT_SENTINEL 0x5a5a5a5a5a5a5a5aull

enum { OP_GET, OP_INSERT, OP_PUT, OP_REMOVE, OP_CAS, OP_GOI, OP_FADD, OP_VERIFY, OP_BAD, NOPS };
static const char *const op_names[NOPS] = {"get", "insert", "put", "remove", "cas", "get_or_insert",
                                           "fetch_add", "verify", "bad_key"};

static unsigned char keys[NKEYS][KEY_MAX];
static size_t key_len[NKEYS];

/* Two keys of the form "c<n>" whose hashes agree in the low 6 bits (the home
 * slot of a 64-slot table, and of every smaller one) and the top 16 (the
 * tag), written to keys[at] and keys[at + 1]. */
static void colliding_pair(unsigned at, unsigned start)
{
    struct lfmap_hasher h;
    lf_hasher_init(&h, SEED);
    enum { BUCKETS = 1 << 22 };
    uint32_t *first = calloc(BUCKETS, sizeof *first);
    if (!first)
        abort();
    for (uint32_t i = start;; i++) {
        char k[24];
        int len = snprintf(k, sizeof k, "c%u", i);
        uint64_t x = lf_bytes_hash(&h, k, (size_t)len);
        uint32_t b = (uint32_t)((x & 63) | (x >> 48) << 6);
        if (first[b]) {
            key_len[at] = (size_t)snprintf((char *)keys[at], KEY_MAX, "c%u", first[b] - 1);
            key_len[at + 1] = (size_t)len;
            memcpy(keys[at + 1], k, (size_t)len);
            break;
        }
        first[b] = i + 1;
    }
    free(first);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc, (void)argv;
    for (unsigned k = 0; k < 64; k++) {
        memset(keys[k], 'p', k);
        key_len[k] = k;
    }
    for (unsigned k = 64; k < NKEYS - 4; k++) { /* NUL bytes, and prefixes of each other too */
        key_len[k] = 1 + (k - 64) % 8;
        for (size_t i = 0; i < key_len[k]; i++)
            keys[k][i] = (unsigned char)(i == 0 ? 'n' : (k >> (i - 1)) & 1 ? 0 : 'n');
        /* The last byte names k: keys of one length differ there (the
         * one-byte keys too, which would otherwise all be "n" and be one
         * key under four numbers of the reference). */
        keys[k][key_len[k] - 1] = (unsigned char)k;
    }
    colliding_pair(NKEYS - 4, 0);
    colliding_pair(NKEYS - 2, 5000000);
    if (lfmap_thread_register() != 0)
        abort();
    return 0;
}

static lfmap_bytes *map;
static bool present[NKEYS];
static uint64_t value[NKEYS];
static size_t count;

static void fail(const char *what, unsigned op, unsigned k, long long got, long long want)
{
    fprintf(stderr, "MISMATCH: %s: %s(key %u, %zu bytes): got %lld, want %lld\n", what, op_names[op], k,
            key_len[k], got, want);
    abort();
}

static int walk_visit(const void *key, size_t len, uint64_t v, void *arg)
{
    bool *seen = arg;
    for (unsigned k = 0; k < NKEYS; k++) {
        if (key_len[k] == len && memcmp(keys[k], key, len) == 0) {
            if (!present[k] || value[k] != v || seen[k])
                fail("foreach visit", OP_VERIFY, k, (long long)v, (long long)value[k]);
            seen[k] = true;
            return 0;
        }
    }
    fprintf(stderr, "MISMATCH: foreach handed out a key of %zu bytes that was never inserted\n", len);
    abort();
}

static void verify(void)
{
    for (unsigned k = 0; k < NKEYS; k++) {
        uint64_t v = OUT_SENTINEL;
        bool f = lfmap_bytes_get(map, keys[k], key_len[k], &v);
        if (f != present[k] || (f && v != value[k]))
            fail("get", OP_VERIFY, k, f ? (long long)v : -1, present[k] ? (long long)value[k] : -1);
    }
    bool seen[NKEYS] = {false};
    if (lfmap_bytes_foreach(map, walk_visit, seen) != 0)
        fail("foreach", OP_VERIFY, 0, 1, 0);
    for (unsigned k = 0; k < NKEYS; k++)
        if (present[k] && !seen[k])
            fail("foreach missed", OP_VERIFY, k, 0, 1);
    if (lfmap_bytes_size(map) != count)
        fail("size", OP_VERIFY, 0, (long long)lfmap_bytes_size(map), (long long)count);
}

static void set(unsigned k, uint64_t v)
{
    count += !present[k];
    present[k] = true;
    value[k] = v;
}

static void call(unsigned op, unsigned k, uint64_t v)
{
    const unsigned char *key = keys[k];
    size_t len = key_len[k];
    uint64_t out = OUT_SENTINEL;
    int rc;
    switch (op) {
    case OP_GET: {
        bool f = lfmap_bytes_get(map, key, len, &out);
        if (f != present[k] || (f && out != value[k]))
            fail("get", op, k, f ? (long long)out : -1, present[k] ? (long long)value[k] : -1);
        break;
    }
    case OP_INSERT:
        if ((rc = lfmap_bytes_insert(map, key, len, v)) != !present[k])
            fail("rc", op, k, rc, !present[k]);
        if (rc == 1)
            set(k, v);
        break;
    case OP_GOI:
        rc = lfmap_bytes_get_or_insert(map, key, len, v, &out);
        if (rc != !present[k] || out != (present[k] ? value[k] : v))
            fail("rc/current", op, k, rc, !present[k]);
        if (rc == 1)
            set(k, v);
        break;
    case OP_PUT:
        rc = lfmap_bytes_put(map, key, len, v, &out);
        if (rc != !present[k] || (!rc && out != value[k]))
            fail("rc/old", op, k, rc, !present[k]);
        set(k, v);
        break;
    case OP_REMOVE:
        rc = lfmap_bytes_remove(map, key, len, &out);
        if (rc != present[k] || (rc && out != value[k]))
            fail("rc/old", op, k, rc, present[k]);
        if (rc == 1) {
            present[k] = false;
            count--;
        }
        break;
    case OP_CAS: { /* the right expected value half the time */
        uint64_t expected = present[k] && (v & 1) ? value[k] : v;
        bool want = present[k] && expected == value[k];
        if ((rc = lfmap_bytes_cas(map, key, len, expected, v + 1)) != want)
            fail("rc", op, k, rc, want);
        if (want)
            value[k] = v + 1;
        break;
    }
    case OP_FADD:
        rc = lfmap_bytes_fetch_add(map, key, len, v, &out);
        if (rc != !present[k] || out != (present[k] ? value[k] : 0))
            fail("rc/old", op, k, rc, !present[k]);
        set(k, (present[k] ? value[k] : 0) + v);
        break;
    case OP_VERIFY:
        verify();
        break;
    case OP_BAD: /* a NULL key of positive length, or one past the longest: -EINVAL, nothing changes */
        if ((rc = lfmap_bytes_insert(map, NULL, 1 + v % 8, v)) != -EINVAL)
            fail("NULL key", op, k, rc, -EINVAL);
        if ((rc = lfmap_bytes_remove(map, key, LFMAP_BYTES_KEY_MAX + 1, &out)) != -EINVAL)
            fail("long key", op, k, rc, -EINVAL);
        break;
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 2)
        return 0;
    struct lfmap_config cfg = {.capacity = data[0], .seed = SEED, .migration_chunk = data[1]};
    map = lfmap_bytes_new(&cfg);
    if (!map)
        abort();
    memset(present, 0, sizeof present);
    count = 0;
    for (size_t i = 2; i + 3 <= size; i += 3) {
        /* value bytes above 200 take the value of another key: cas and
         * put then store values that other keys hold too */
        uint64_t v = data[i + 2] > 200 ? value[data[i + 2] % NKEYS] : data[i + 2];
        call(data[i] % NOPS, data[i + 1] % NKEYS, v);
    }
    verify();
    lfmap_bytes_free(map);
    map = NULL;
    return 0;
}
