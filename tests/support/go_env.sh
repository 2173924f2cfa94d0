# SPDX-License-Identifier: LGPL-2.1-or-later
# Sourced by the tests that run build/lfbench-go beside build/lfbench
# (tests/go_*.sh): `go_env NAME` skips the test (78: a missing tool) when Go
# is not installed, fails it when either program is not built (make tests
# builds both where Go is found), and sets c and g to the two programs.
go_env() {
    command -v "${GO:-go}" >/dev/null 2>&1 || { echo "$1: skipped, no Go (scripts/install-deps.sh go)"; exit 78; }
    c=$BUILD/lfbench
    g=$BUILD/lfbench-go
    [ -x "$c" ] && [ -x "$g" ] || { echo "$1: $c or $g not built (make tests)"; exit 1; }
}
