#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""word_count: lfmap from Python through ctypes (no compiled glue).

    LD_LIBRARY_PATH=/path/to/lib python3 word_count.py [LIBRARY] [FILE...]

Counts the words of the given files (this script itself by default) in a
shared lfmap, from four Python threads at once: each thread registers with
lfmap, adds 1 per word it sees with lfmap_fetch_add, and unregisters.  Keys
are word numbers in a vocabulary the main thread builds first; values are
counts.  Then lfmap_foreach calls back into Python for every key, and the
counts are checked against collections.Counter.  LIBRARY is the shared
library to load (default liblfmap.so.0, found by the dynamic loader).
Exit status 0 when the counts agree.
"""
import collections
import ctypes
import re
import sys
import threading

THREADS = 4

lib_name = sys.argv[1] if len(sys.argv) > 1 else "liblfmap.so.0"
files = sys.argv[2:] or [__file__]
lib = ctypes.CDLL(lib_name)

# Declare every function used: ctypes would otherwise pass and return C ints,
# truncating pointers and 64-bit values.
u64 = ctypes.c_uint64
lib.lfmap_new.restype = ctypes.c_void_p
lib.lfmap_new.argtypes = [ctypes.c_void_p]
lib.lfmap_free.restype = None
lib.lfmap_free.argtypes = [ctypes.c_void_p]
lib.lfmap_thread_register.restype = ctypes.c_int
lib.lfmap_thread_register.argtypes = []
lib.lfmap_thread_unregister.restype = None
lib.lfmap_thread_unregister.argtypes = []
lib.lfmap_fetch_add.restype = ctypes.c_int
lib.lfmap_fetch_add.argtypes = [ctypes.c_void_p, u64, u64, ctypes.POINTER(u64)]
lib.lfmap_size.restype = ctypes.c_size_t
lib.lfmap_size.argtypes = [ctypes.c_void_p]
FOREACH_FN = ctypes.CFUNCTYPE(ctypes.c_int, u64, u64, ctypes.c_void_p)
lib.lfmap_foreach.restype = ctypes.c_int
lib.lfmap_foreach.argtypes = [ctypes.c_void_p, FOREACH_FN, ctypes.c_void_p]
lib.lfmap_version.restype = ctypes.c_uint
lib.lfmap_version.argtypes = []

words = []
for name in files:
    with open(name, encoding="utf-8") as f:
        words += re.findall(r"[a-z]+", f.read().lower())
vocabulary = sorted(set(words))
number = {w: i for i, w in enumerate(vocabulary)}

m = lib.lfmap_new(None)
if not m:
    sys.exit("lfmap_new failed")
errors = []


def count(part):
    if lib.lfmap_thread_register() != 0:
        errors.append("lfmap_thread_register failed")
        return
    for w in part:
        rc = lib.lfmap_fetch_add(m, number[w], 1, None)
        if rc < 0:
            errors.append("lfmap_fetch_add: %d" % rc)
    lib.lfmap_thread_unregister()


threads = [threading.Thread(target=count, args=(words[i::THREADS],)) for i in range(THREADS)]
for t in threads:
    t.start()
for t in threads:
    t.join()

counts = {}


def visit(key, value, arg):
    counts[vocabulary[key]] = value
    return 0


# lfmap_foreach needs a registered thread too.
if lib.lfmap_thread_register() != 0:
    sys.exit("lfmap_thread_register failed")
lib.lfmap_foreach(m, FOREACH_FN(visit), None)
size = lib.lfmap_size(m)
lib.lfmap_thread_unregister()
lib.lfmap_free(m)

expected = collections.Counter(words)
top = ", ".join("%s %d" % (w, n) for w, n in expected.most_common(3))
v = lib.lfmap_version()
print("lfmap %d.%d.%d: %d words, %d distinct, from %d threads; most common: %s"
      % (v >> 16, (v >> 8) & 0xff, v & 0xff, len(words), size, THREADS, top))
if errors or counts != dict(expected) or size != len(expected):
    sys.exit("FAILED: %s" % (errors[:3] or "the counts differ from collections.Counter"))
