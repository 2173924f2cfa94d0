#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Writes the hand-made seed inputs of tests/fuzz/corpus/, one per part of
fuzz_lfmap.c's decoder (format: tests/fuzz/README.md).  Rerun after changing
the format: python3 tests/fuzz/gen_corpus.py"""
import os

GET, INSERT, PUT, REMOVE, CAS, GOI, FADD, STATS = range(8)
FOREACH, BULK, FOREACH_MUT, ALLOC_FAIL, VERIFY, EPERM, BAD_NEW, RENEW = range(8, 16)
NULL_OUT = 0x80  # single calls: pass NULL out pointers; foreach_mutate: cyclic
B_INSERT, B_PUT, B_REMOVE, B_FADD, B_GOI, B_CLEAR, B_CAS, B_REMOVE_ODD = range(8)
CHUNK = {"default": 0, 1: 1, 2: 2, 7: 3, "stw": 4}
TRACKED = 8
# value bytes (fuzz_lfmap.c value_arg)
def small(v): return bytes([v & 63])
def near_max(d): return bytes([0x60 | d])      # LFMAP_VALUE_MAX - d
def reserved(d): return bytes([0x80 | d])      # LFMAP_VALUE_MAX + 1 + d
def top(d): return bytes([0xA0 | d])           # UINT64_MAX - d (reserved)
CURRENT = bytes([0xC0])                        # the key's current value
def raw(v): return bytes([0xE0]) + v.to_bytes(8, "little")


def header(chunk="default", cap=0, seed=1, tracked=False, pattern=0):
    return bytes([CHUNK[chunk] | (TRACKED if tracked else 0), cap, seed & 255, seed >> 8, pattern])


def op(kind, *args, flag=0):
    return bytes([kind | flag]) + b"".join(a if isinstance(a, bytes) else bytes([a]) for a in args)


def bulk(sub, count, base_idx, salt=0):
    return bytes([BULK | sub << 4, count - 1, base_idx // 8, salt])


def mutate(actions, cyclic=False):
    return bytes([FOREACH_MUT | (NULL_OUT if cyclic else 0), len(actions)]) + bytes(actions)


def act(kind, p=0):  # foreach_mutate action: kind 0..7, parameter 0..31
    return kind | p << 3


SEEDS = {
    # every single-key call on the special keys (0, UINT64_MAX, zero-mix key)
    "01-single-calls": header(cap=4, seed=7) + b"".join([
        op(INSERT, 0, small(5)), op(INSERT, 1, near_max(0)), op(INSERT, 2, small(7)),
        op(GET, 0), op(GET, 1, flag=NULL_OUT), op(PUT, 0, small(9)), op(GOI, 1, small(3)),
        op(GOI, 4, small(3), flag=NULL_OUT), op(REMOVE, 2), op(REMOVE, 2), op(CAS, 0, CURRENT, small(1)),
        op(CAS, 0, small(2), small(3)), op(FADD, 3, small(1)), op(FADD, 3, small(1), flag=NULL_OUT),
        op(STATS), op(FOREACH, 0), op(VERIFY)]),
    # reserved values (-EINVAL, map unchanged) and fetch_add overflow
    "02-reserved-values": header(seed=300) + b"".join([
        op(INSERT, 10, reserved(0)), op(PUT, 10, top(0)), op(GOI, 10, reserved(31)),
        op(INSERT, 10, near_max(0)), op(CAS, 10, near_max(0), reserved(1)),
        op(CAS, 10, top(3), small(1)), op(CAS, 10, CURRENT, near_max(1)),
        op(FADD, 10, small(2)), op(FADD, 11, top(0)), op(FADD, 12, raw(2**63)),
        op(FADD, 12, raw(2**63)), op(PUT, 13, raw(2**64 - 1028)), op(GET, 13), op(VERIFY)]),
    # incremental migration one slot per write: grow, clear, shrink, regrow
    "03-bulk-grow-shrink": header(chunk=1, seed=2) + b"".join([
        bulk(B_INSERT, 256, 0, 3), bulk(B_PUT, 200, 256, 1), op(FOREACH, 0),
        bulk(B_CLEAR, 1, 0), op(STATS), bulk(B_GOI, 100, 512, 2), bulk(B_REMOVE, 90, 512),
        bulk(B_INSERT, 256, 0, 4), bulk(B_REMOVE_ODD, 128, 0), op(VERIFY)]),
    # 1600 keys: a 2048-slot table up to its grow limit, then back down
    "11-big-table": header(chunk=7, seed=31) + b"".join(
        [bulk(B_INSERT, 256, 256 * i, i) for i in range(7)] + [bulk(B_INSERT, 128, 1792),
         op(STATS), bulk(B_CLEAR, 1, 0), bulk(B_INSERT, 16, 0)]),
    # stop-the-world resizes, bulk fetch_add / cas, foreach stopped early
    "04-stw-resize": header(chunk="stw", cap=64, seed=99) + b"".join([
        bulk(B_INSERT, 255, 0, 1), bulk(B_FADD, 255, 0, 5), bulk(B_CAS, 255, 0, 9),
        bulk(B_REMOVE_ODD, 255, 0), op(FOREACH, 10), op(FOREACH | 0x40, 3), bulk(B_CLEAR, 1, 0),
        bulk(B_INSERT, 50, 1600, 2)]),
    # allocation failures: fill to the hard limit, -ENOMEM, then recover
    "05-alloc-fail": header(chunk=2, seed=5, tracked=True) + b"".join([
        bulk(B_INSERT, 40, 0), op(ALLOC_FAIL, 0xFF), bulk(B_INSERT, 40, 40),
        op(PUT, 200, small(1)), op(FADD, 201, small(1)), op(GOI, 202, small(1)),
        op(ALLOC_FAIL, 0), bulk(B_INSERT, 100, 80), op(VERIFY), op(ALLOC_FAIL, 0x55),
        bulk(B_INSERT, 200, 180), bulk(B_CLEAR, 1, 0), bulk(B_INSERT, 100, 400)]),
    # lfmap_new's own allocations failing (header, then table)
    "06-new-fails": header(tracked=True, pattern=0x01) + op(INSERT, 1, small(1)),
    "07-new-fails-table": header(tracked=True, pattern=0x02) + op(INSERT, 1, small(1)),
    # foreach whose callback writes, grows the table and walks it again
    "08-foreach-mutate": header(chunk=7, seed=11) + b"".join([
        bulk(B_INSERT, 60, 0),
        mutate([act(1, 3), act(2), act(3, 1), act(4, 2), act(5, 7), act(6, 0), act(6, 16), act(0)]),
        mutate([act(6, 6), act(3, 5), act(2)], cyclic=True), op(FOREACH, 0),
        mutate([act(1, 1), act(7, 20)]), op(VERIFY)]),
    # unregistered thread (-EPERM), invalid configs, a second map
    "09-eperm-badnew-renew": header(seed=12) + b"".join([
        op(INSERT, 5, small(1)), op(EPERM, 5), op(BAD_NEW, 0x00), op(BAD_NEW, 0x0F),
        op(RENEW), header(chunk=1, cap=64, seed=13, tracked=True),
        bulk(B_INSERT, 120, 0), op(EPERM, 3), op(RENEW), header(chunk="stw", cap=1, seed=14),
        op(INSERT, 0, small(1))]),
    # free in the middle of a migration with a tracked allocator
    "10-free-mid-migration": header(chunk=1, seed=21, tracked=True) + bulk(B_INSERT, 100, 0),
}

if __name__ == "__main__":
    out = os.path.join(os.path.dirname(os.path.abspath(__file__)), "corpus")
    os.makedirs(out, exist_ok=True)
    for name, data in SEEDS.items():
        assert len(data) < 1024, name
        with open(os.path.join(out, name), "wb") as f:
            f.write(data)
    print(f"{len(SEEDS)} seeds in {out}")
