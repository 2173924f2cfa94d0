#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# lfmap-suite: full (not in the library suite of make tsan / make perturb: tests/run.sh)
# The installed CMake package: a project that says find_package(lfmap 0.1
# REQUIRED) and links lfmap::lfmap (the shared library) and
# lfmap::lfmap_static configures, builds and runs against a staged install,
# also after the installed tree was moved elsewhere (every path in
# lfmapConfig.cmake is relative to it); find_package(lfmap 1) (another
# ABI) is refused; LFMAP_TSAN_SUPPRESSIONS names the installed file.  There
# was no CMake package before.  Skips with 78 (a failure under CI) when
# cmake is missing (scripts/install-deps.sh test installs it).  Needs BUILD and CC.
set -u
. "$(dirname "$0")/../support/stage.sh"
if ! command -v cmake >/dev/null; then
    echo "skipped: cmake missing (scripts/install-deps.sh test installs it)"
    exit 78
fi
stage_install
proj=$tmp/proj
mkdir -p "$proj"
cat >"$proj/CMakeLists.txt" <<'CMAKE'
cmake_minimum_required(VERSION 3.13)
project(lfmap_user C)
find_package(lfmap 0.1 REQUIRED)
add_executable(prog_shared prog.c)
target_link_libraries(prog_shared PRIVATE lfmap::lfmap)
add_executable(prog_static prog.c)
target_link_libraries(prog_static PRIVATE lfmap::lfmap_static)
if(NOT EXISTS "${LFMAP_TSAN_SUPPRESSIONS}")
  message(FATAL_ERROR "LFMAP_TSAN_SUPPRESSIONS: '${LFMAP_TSAN_SUPPRESSIONS}' does not exist")
endif()
message(STATUS "lfmap ${lfmap_VERSION}")
CMAKE
cat >"$proj/prog.c" <<'CEOF'
#include <lfmap.h>
#include <stdio.h>

int main(void)
{
    uint64_t v = 0;
    if (lfmap_thread_register() != 0)
        return 1;
    lfmap *m = lfmap_new(NULL);
    if (!m || lfmap_insert(m, 7, 77) != 1 || !lfmap_get(m, 7, &v))
        return 1;
    printf("value=%llu version=%#x\n", (unsigned long long)v, lfmap_version());
    lfmap_free(m);
    lfmap_thread_unregister();
    return 0;
}
CEOF
want="value=77 version=$(printf '%#x' $(( (${version%%.*} << 16) | ($(cut -d. -f2 <<<"$version") << 8) | ${version##*.} )))"

build_and_run() { # prefix, label
    local b=$tmp/build-$2
    CC="$CC" cmake -S "$proj" -B "$b" -DCMAKE_PREFIX_PATH="$1" >"$tmp/cmake.log" 2>&1 ||
        { cat "$tmp/cmake.log"; die "$2: cmake could not configure the project"; }
    grep -q -- "-- lfmap $version" "$tmp/cmake.log" || die "$2: lfmap_VERSION is not $version"
    cmake --build "$b" >"$tmp/build.log" 2>&1 || { cat "$tmp/build.log"; die "$2: the project does not build"; }
    local out
    out=$("$b/prog_shared") || die "$2: prog_shared failed (RUNPATH: $(readelf -d "$b/prog_shared" | grep -i path))"
    [ "$out" = "$want" ] || die "$2: prog_shared printed '$out', want '$want'"
    ldd "$b/prog_shared" | grep -q "$1/lib/$soname" || die "$2: prog_shared does not use $1/lib/$soname"
    out=$("$b/prog_static") || die "$2: prog_static failed"
    [ "$out" = "$want" ] || die "$2: prog_static printed '$out'"
    ! ldd "$b/prog_static" | grep -q liblfmap || die "$2: prog_static needs liblfmap.so"
}
build_and_run "$stage$prefix" installed
mv "$stage$prefix" "$tmp/moved"
build_and_run "$tmp/moved" moved

sed -i 's/find_package(lfmap 0.1 REQUIRED)/find_package(lfmap 1 REQUIRED)/' "$proj/CMakeLists.txt"
if cmake -S "$proj" -B "$tmp/build-v1" -DCMAKE_PREFIX_PATH="$tmp/moved" >"$tmp/cmake.log" 2>&1; then
    die "find_package(lfmap 1) accepted lfmap $version"
fi
echo "ok: find_package(lfmap 0.1): lfmap::lfmap and lfmap::lfmap_static build and run, installed and moved; lfmap 1 refused"
