# SPDX-License-Identifier: LGPL-2.1-or-later
"""Loads the installed shared library through Python's ctypes (dlopen) by
the name given on the command line (its SONAME, found through
LD_LIBRARY_PATH) and uses the API.  Standard library only.  Run by
tests/packaging/dlopen_ctypes.sh with Debian's /usr/bin/python3."""
import ctypes
import sys
import threading

name = sys.argv[1] if len(sys.argv) > 1 else "liblfmap.so"
try:
    lib = ctypes.CDLL(name)
except OSError as e:
    print(f"ctypes.CDLL({name}): {e}")
    sys.exit(1)

u64 = ctypes.c_uint64
lib.lfmap_new.restype = ctypes.c_void_p
lib.lfmap_new.argtypes = [ctypes.c_void_p]
lib.lfmap_free.argtypes = [ctypes.c_void_p]
lib.lfmap_thread_register.restype = ctypes.c_int
lib.lfmap_insert.restype = ctypes.c_int
lib.lfmap_insert.argtypes = [ctypes.c_void_p, u64, u64]
lib.lfmap_get.restype = ctypes.c_bool
lib.lfmap_get.argtypes = [ctypes.c_void_p, u64, ctypes.POINTER(u64)]
lib.lfmap_size.restype = ctypes.c_size_t
lib.lfmap_size.argtypes = [ctypes.c_void_p]
lib.lfmap_version.restype = ctypes.c_uint

errors = []


def work(m, base, n):
    if lib.lfmap_thread_register() != 0:
        errors.append("register failed")
        return
    v = u64()
    for k in range(base, base + n):
        if lib.lfmap_insert(m, k, k * 2 + 1) != 1:
            errors.append(f"insert {k} failed")
            break
        if not lib.lfmap_get(m, k, ctypes.byref(v)) or v.value != k * 2 + 1:
            errors.append(f"get {k} returned {v.value}")
            break
    lib.lfmap_thread_unregister()


if lib.lfmap_thread_register() != 0:
    print("lfmap_thread_register failed")
    sys.exit(1)
m = lib.lfmap_new(None)
if not m:
    print("lfmap_new returned NULL")
    sys.exit(1)
threads = [threading.Thread(target=work, args=(m, i * 5000, 5000)) for i in range(1, 3)]
for t in threads:
    t.start()
work(m, 0, 5000)
for t in threads:
    t.join()
lib.lfmap_thread_register()
n = lib.lfmap_size(m)
v = u64()
hit = lib.lfmap_get(m, 12345, ctypes.byref(v))
missing = lib.lfmap_get(m, 10**9, None)
lib.lfmap_free(ctypes.c_void_p(m))
lib.lfmap_thread_unregister()
if errors or n != 15000 or not hit or v.value != 12345 * 2 + 1 or missing:
    print(f"wrong results: errors={errors[:3]} size={n} hit={hit} v={v.value} missing={missing}")
    sys.exit(1)
print(f"ctypes.CDLL({name}): 3 threads, {n} keys, version 0x{lib.lfmap_version():06x}")
