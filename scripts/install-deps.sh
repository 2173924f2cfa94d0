#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Installs lfmap's dependencies from Debian 12 packages, by group:
#
#   scripts/install-deps.sh [GROUP...]     (default: all)
#
#   lib      build the library and the demo: build-essential pkg-config liburcu-dev libck-dev
#   test     make test: check (unit tests), python3 (the ctypes test), gdb (tests/packaging/tls_access.sh),
#            cmake (tests/packaging/cmake_package.sh), man-db (tests/packaging/man_pages.sh)
#   fuzz     make fuzz: clang and its libFuzzer runtime
#   plot     scripts/plot_first.py: python3-matplotlib
#   harness  the experiments harness: peer maps, allocators, topology
#   model    make modelcheck: g++ and the Relacy model checker (relacy-dev)
#   go       make go: the Go maps beside the C ones (golang-go, Go 1.19)
#   all      every group above
#
# Idempotent: installs only what is missing (a no-op when everything is
# there), runs `apt-get update` only when a package is not known to apt yet.
# The build never runs this by itself; `make deps`, `make demo` and `make
# test` do (the last two say so in the README).
set -euo pipefail

group_lib=(build-essential pkg-config liburcu-dev libck-dev)
group_test=(check python3 gdb cmake man-db)
# clang's libFuzzer runtime (libclang-rt-14-dev) is only a Recommends of
# clang, so it is listed: make fuzz needs it.
group_fuzz=(clang libclang-rt-14-dev)
group_plot=(python3-matplotlib)
group_harness=(libcuckoo-dev libtbb-dev libck-dev libhwloc-dev libnuma-dev libjemalloc-dev g++ libbenchmark-dev libxenium-dev)
group_model=(g++ relacy-dev)
group_go=(golang-go)

usage() {
    sed -n '3,15s/^# \{0,1\}//p' "$0"
}

[ $# -eq 0 ] && set -- all
packages=()
for g in "$@"; do
    case "$g" in
    lib) packages+=("${group_lib[@]}") ;;
    test) packages+=("${group_test[@]}") ;;
    fuzz) packages+=("${group_fuzz[@]}") ;;
    plot) packages+=("${group_plot[@]}") ;;
    harness) packages+=("${group_harness[@]}") ;;
    model) packages+=("${group_model[@]}") ;;
    go) packages+=("${group_go[@]}") ;;
    all) packages+=("${group_lib[@]}" "${group_test[@]}" "${group_fuzz[@]}" "${group_plot[@]}" "${group_harness[@]}" "${group_model[@]}" "${group_go[@]}") ;;
    -h | --help)
        usage
        exit 0
        ;;
    *)
        echo "install-deps: unknown group '$g' (lib, test, fuzz, plot, harness, model, go, all)" >&2
        exit 2
        ;;
    esac
done

missing=()
for p in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

SUDO=""
[ "$(id -u)" -ne 0 ] && SUDO="sudo"
echo "install-deps: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
if ! apt-cache show "${missing[@]}" >/dev/null 2>&1 || [ -z "$(ls -A /var/lib/apt/lists 2>/dev/null | grep -v lock)" ]; then
    $SUDO apt-get update -qq
fi
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
