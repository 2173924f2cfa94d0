#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Pinned memory orders that the model check cannot judge (run by make
# modelcheck).
#
# 1. The successor-sizing bound.  Relacy does not implement C11's rule that
# a load after a seq_cst fence observes every seq_cst store that precedes
# the fence in the total order S (nor the fence-fence rule: the model passes
# with the writers' fence of the asymmetric version removed), so the model
# cannot tell the sizing bound with its fences from the bound without them
# (tests/model/README.md, "Limits of the checker").
# The bound rests on the hand proof in paper-notes.md ("Sizing the
# successor") and lf_live_add, which assumes exactly the orders below.  This
# check fails when the code's orders differ from them: it is a pinned-order
# check backed by the proof, not model exploration.  For each function it
# lists, in source order and comments stripped, the atomic operations and
# memory orders that take part in the bound and compares them with the
# pinned list.
#
# 2. box_finish's acquire load of a box.  It excludes an execution in which
# the box was already reused, the copy made from it lands first in the
# successor's modification order and stores a value the box held for a
# later slot (another key's, or this key's in a later migration).  That
# execution is a load-buffering cycle (the reuse store is read by our load,
# and our later CAS is read by the CAS that happened before the reuse),
# which C11 allows with a relaxed load but Relacy never produces (its
# modification order follows execution order), so only this pin catches
# the weakening (tests/model/README.md, "Limits of the checker").
#
# 3. lookup_frozen's acquire re-validation of a boxed slot.  When the slot
# has moved, this acquire is what makes the copy into the successor visible
# to the lookup that follows.  Relacy orders every seq_cst load after every
# store executed before it (its total order is execution order), stronger
# than C11, so once table_probe's loads are seq_cst its lookups in the
# successor see the copy anyway and the model passes with a relaxed
# re-validation; with table_probe's value load acquire it fails at once
# (get_vs_migration).  The pin keeps the acquire, in lookup_any (the
# hazard-pointer path, which the model does not run) as in lookup_frozen.
#
# 4. The migration loads whose answer ends a step with no CAS: slot_migrate's
# key word (KEY_FROZEN) and value word (VALUE_MOVED) and freeze_key_path's
# key word (KEY_FROZEN).  A writer goes on to write its key in the successor
# on their word, so they must be seq_cst: with acquire, C11 lets that write
# precede the freeze in the total order while a reader's seq_cst load still
# finds the slot of the old table unfrozen, and both miss each other's
# writes (store buffering).  Relacy's seq_cst loads see every store executed
# before them, so its scenarios cannot show it; the pin keeps the orders.
set -euo pipefail
cd "$(dirname "$0")/../.."
python=$(command -v python3 || echo /usr/bin/python3)
exec "$python" - <<'PY'
import re, sys

def body(path, name):
    src = open(path).read()
    src = re.sub(r"/\*.*?\*/", " ", src, flags=re.S)
    src = re.sub(r"//[^\n]*", " ", src)
    m = re.search(r"^[A-Za-z_].*\b" + name + r"\([^;{]*\)\s*\{", src, flags=re.M)
    if not m:
        return None
    depth, i = 0, m.end() - 1
    while True:
        c = src[i]
        depth += c == "{"
        depth -= c == "}"
        i += 1
        if depth == 0:
            return src[m.end():i]

def tokens(text, keep=None):
    toks = re.findall(r"atomic_[a-z_]+(?=\s*\()|memory_order_[a-z_]+|&[a-z_>.\-\[\]]+(?=,|\))|lf_registered_threads|lf_live_count|lf_asym_fence_(?:light|heavy)", text)
    toks = [re.sub(r"^memory_order_", "", t) for t in toks]
    return toks

# (file, function, what, pinned tokens: atomic operations, their objects,
#  their orders, and the calls that bound the fence, in source order).
pins = [
    ("lib/migrate.c", "lf_table_successor_slots",
     "registered count read (seq_cst), then the heavy side of the asymmetric fence and the seq_cst fence, then the stripe sum",
     ["lf_registered_threads", "lf_asym_fence_heavy", "atomic_thread_fence", "seq_cst", "lf_live_count"]),
    ("lib/thread.c", "lf_registered_threads", "the registered-count read is seq_cst",
     ["atomic_load_explicit", "&registered", "seq_cst"]),
    ("lib/lfmap_internal.h", "lf_live_add",
     "each live-count update is a relaxed store or RMW followed by the light side of the asymmetric fence, or else seq_cst",
     ["atomic_load_explicit", "relaxed", "atomic_store_explicit", "relaxed", "lf_asym_fence_light",
      "atomic_store_explicit", "seq_cst", "atomic_fetch_add_explicit", "relaxed", "lf_asym_fence_light",
      "atomic_fetch_add_explicit", "seq_cst"]),
    ("lib/lfmap_internal.h", "lf_asym_fence_light",
     "the light side is a seq_cst fence in the model and a compiler barrier (seq_cst signal fence) otherwise",
     ["atomic_thread_fence", "seq_cst", "atomic_signal_fence", "seq_cst"]),
    ("lib/migrate.c", "lf_table_help_publish", "a helper reads the sentinel seq_cst",
     ["atomic_load_explicit", "&t->next", "seq_cst"]),
    ("lib/lfmap.c", "lookup_frozen",
     "the box, then the re-validation of the slot, with acquire (then t->next relaxed)",
     ["atomic_load_explicit", "acquire", "atomic_load_explicit", "&s->value", "acquire",
      "atomic_load_explicit", "&t->next", "relaxed", "&key", "&s"]),
    ("lib/lfmap.c", "lookup_any",
     "as lookup_frozen: the side word seq_cst, the box and the re-validation acquire, t->next relaxed",
     ["atomic_load_explicit", "&m->side_value[key->word]", "seq_cst", "&s", "atomic_load_explicit", "acquire",
      "atomic_load_explicit", "&s->value", "acquire", "atomic_load_explicit", "&t->next", "relaxed"]),
    ("lib/migrate.c", "slot_migrate", "the key word and the value word are loaded seq_cst (then the freezing CASes and the box store)",
     ["atomic_load_explicit", "&s->key", "seq_cst", "atomic_compare_exchange_strong", "&s->key", "&k",
      "atomic_load_explicit", "&s->value", "seq_cst", "atomic_compare_exchange_strong", "&s->value", "&v",
      "atomic_store_explicit", "release", "atomic_compare_exchange_strong", "&s->value", "&v"]),
    ("lib/migrate.c", "lf_table_freeze_key_path", "the key word is loaded seq_cst",
     ["atomic_load_explicit", "&s->key", "seq_cst", "atomic_compare_exchange_strong", "&s->key", "&k"]),
    ("lib/migrate.c", "box_finish", "the box is loaded with acquire (then the key relaxed, then the MOVED CAS)",
     ["atomic_load_explicit", "acquire", "atomic_load_explicit", "&s->key", "relaxed",
      "atomic_compare_exchange_strong", "&s->value", "&expected"]),
]
bad = 0
for path, fn, what, want in pins:
    b = body(path, fn)
    got = None if b is None else tokens(b)
    if got is None:
        print(f"check_pinned_orders: {fn} not found in {path}", file=sys.stderr)
        bad += 1
    elif fn == "lf_table_successor_slots":
        got = [t for t in got if t in ("lf_registered_threads", "lf_asym_fence_heavy", "atomic_thread_fence", "seq_cst", "lf_live_count")
               or t.startswith("atomic_") or t in ("relaxed", "acquire", "release", "acq_rel", "consume")]
        if got != want:
            print(f"check_pinned_orders: {path} {fn}: {what}: pinned {want}, code has {got}", file=sys.stderr)
            bad += 1
    elif got != want:
        print(f"check_pinned_orders: {path} {fn}: {what}: pinned {want}, code has {got}", file=sys.stderr)
        bad += 1

# Every load of t->next in write_run (a writer starting an operation on t)
# is seq_cst, and there is at least one; the registration counter's RMWs in
# lfmap_thread_register/unregister are seq_cst.
b = body("lib/lfmap.c", "write_run")
loads = re.findall(r"atomic_load_explicit\(\s*&t->next\s*,\s*memory_order_([a-z_]+)\)", b or "")
if not loads or any(o != "seq_cst" for o in loads):
    print(f"check_pinned_orders: lib/lfmap.c write_run: its t->next loads must be seq_cst, code has {loads}", file=sys.stderr)
    bad += 1
# The sentinel CAS into t->next is seq_cst (the implicit order).
b = body("lib/migrate.c", "lf_table_start_migration") or ""
cas = re.findall(r"atomic_compare_exchange_[a-z_]+\(\s*&t->next\b[^)]*\)", b)
if cas != ["atomic_compare_exchange_strong(&t->next, &expected, sentinel)"]:
    print(f"check_pinned_orders: lib/migrate.c lf_table_start_migration: the sentinel CAS must be the seq_cst atomic_compare_exchange_strong, code has {cas}", file=sys.stderr)
    bad += 1
for fn, op in (("lfmap_thread_register", "add"), ("lfmap_thread_unregister", "sub")):
    b = body("lib/thread.c", fn) or ""
    rmw = re.findall(r"atomic_fetch_" + op + r"_explicit\(\s*&registered\s*,\s*1\s*,\s*memory_order_([a-z_]+)\)", b)
    if rmw != ["seq_cst"]:
        print(f"check_pinned_orders: lib/thread.c {fn}: the registered-count {op} must be seq_cst, code has {rmw}", file=sys.stderr)
        bad += 1
if bad:
    print(f"check_pinned_orders: {bad} difference(s) from the orders the hand proofs assume (paper-notes.md, 'Sizing the successor', and tests/model/README.md, 'Limits of the checker')", file=sys.stderr)
    sys.exit(1)
print("check_pinned_orders: the sizing bound's, the lookups', box_finish's and the migration's pinned memory orders are the ones the hand proofs assume")
PY
