# SPDX-License-Identifier: LGPL-2.1-or-later
# Sourced by shell tests that build programs of their own: sets BUILD
# (default build), CC (default cc), both exported, and build_abs (BUILD as an
# absolute path); moves to the repository root; makes a scratch directory
# $tmp, removed on exit; defines die() (prints FAIL: ..., exits 1).
BUILD=${BUILD:-build}
CC=${CC:-cc}
export BUILD CC
cd "$(dirname "${BASH_SOURCE[0]}")/../.." || exit 2
case "$BUILD" in
/*) build_abs=$BUILD ;;
*) build_abs=$PWD/$BUILD ;;
esac
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
die() {
    echo "FAIL: $*"
    exit 1
}
