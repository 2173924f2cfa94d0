#!/usr/bin/env bash
# Installs lfmap's build, test and plotting dependencies from Debian 12
# packages.  Idempotent: installs only what is missing, runs `apt-get update`
# only when a package is not known to apt yet.
set -euo pipefail

# clang's libFuzzer runtime (libclang-rt-14-dev) is only a Recommends of
# clang, so it is listed: make fuzz needs it.
# The harness (experiments/lfbench): g++ for the C++ peers, the peer maps,
# hwloc and libnuma for placement, jemalloc as its default allocator.
packages=(build-essential pkg-config clang libclang-rt-14-dev liburcu-dev check python3-matplotlib
    g++ libcuckoo-dev libtbb-dev libck-dev libhwloc-dev libnuma-dev libjemalloc-dev)

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
