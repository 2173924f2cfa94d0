# SPDX-License-Identifier: LGPL-2.1-or-later
# The experiments harness (build/lfbench) and its test programs.
# Included from the Makefile (after its variables); its sources live in
# experiments/lfbench/ (so the Makefile's experiments/*.c rule ignores them)
# and experiments/common/ (the shared option parser, lfcli).
#
#   make / make experiments      builds $(BUILD)/lfbench
#   tests/harness/unit_lfbench_*.c  Check programs linked with the harness objects
#
# C11 for the C files, C++17 for the libcuckoo, TBB and xenium adapters,
# linked with $(CXX).  jemalloc is not linked: lfbench preloads it at run time (default
# --allocator jemalloc), so sanitizer builds and the tests use libc malloc.
#
# lfmap as users link it, never a build no user has:
#   lfmap         the shared library, $(BUILD)/liblfmap.so.VERSION (the file
#                 `make install` installs), called through the PLT from the
#                 adapter's own translation unit (maps/map_lfmap.c);
#   lfmap-static  liblfmap.a (the installed archive) linked without LTO, from
#                 the same adapter source compiled a second time.  Its API
#                 symbols are renamed lfmap_static_* in a copy of the archive
#                 (objcopy --redefine-syms, LTO sections dropped) so that both
#                 live in one program; the library's code is byte for byte the
#                 archive's.  Its internal symbols (lf_*, lfrcu_*) cannot clash
#                 with the shared library's, which are hidden.
# Nothing in the harness is built with LTO: an adapter is reached through a
# function pointer, so LTO could not inline a map into the loop anyway, and
# lfmap must not get what the other maps do not.

ifndef LFMAP_HARNESS_MK
LFMAP_HARNESS_MK := 1

LFB_DIR     := experiments/lfbench
LFB_PKGS    := liburcu-cds liburcu-memb hwloc numa tbb ck
LFB_PKG_CFLAGS := $(shell pkg-config --cflags $(LFB_PKGS) 2>/dev/null)
LFB_PKG_LIBS   := $(shell pkg-config --libs $(LFB_PKGS) 2>/dev/null)
LFB_JEMALLOC_SO := $(shell pkg-config --variable=libdir jemalloc 2>/dev/null)/libjemalloc.so.2
# Library versions as built against, recorded in every result.
LFB_LIB_VERSIONS := {$(shell for p in liburcu-memb liburcu-cds hwloc numa tbb ck jemalloc; do \
    printf '\\"%s\\":\\"%s\\",' $$p "$$(pkg-config --modversion $$p 2>/dev/null)"; done)\"libcuckoo\":\"$(shell dpkg-query -W -f='$${Version}' libcuckoo-dev 2>/dev/null)\",\"xenium\":\"$(shell dpkg-query -W -f='$${Version}' libxenium-dev 2>/dev/null)\"}

LFB_INC     := -Iexperiments -Iexperiments/common -I$(LFB_DIR) -I$(LFB_DIR)/maps
LFB_CFLAGS  := $(filter-out $(LTO),$(ALL_CFLAGS)) $(LFB_INC) $(LFB_PKG_CFLAGS)
# -Wstrict-prototypes and -Wmissing-prototypes are C-only (g++ warns).
LFB_CXXFLAGS := -std=c++17 -D_GNU_SOURCE -fPIC $(filter-out -Wstrict-prototypes -Wmissing-prototypes,$(WARN)) \
                $(CFLAGS) $(SANITIZE) $(EXTRA_CFLAGS) -Ilib -Ircu $(URCU_CFLAGS) $(LFB_INC) $(LFB_PKG_CFLAGS)
# The shared library by its build path, found at run time through the rpath
# (the build tree's copy of what `make install` installs).
LFB_SHARED_LIB := -L$(BUILD) -Wl,-rpath,'$$ORIGIN' -Wl,-rpath,'$$ORIGIN/..' -llfmap
LFB_LDLIBS  := $(LFB_PKG_LIBS) $(LDLIBS_ALL) -ldl

LFB_C_SRC   := $(wildcard $(LFB_DIR)/*.c) $(wildcard $(LFB_DIR)/maps/*.c) experiments/common/cli.c
LFB_CXX_SRC := $(wildcard $(LFB_DIR)/maps/*.cc)
# map_lfmap.c compiled a second time against the renamed archive (above),
# and map_plain.c with locked writes (plain-locked).
LFB_STATIC_ADAPTER := $(BUILD)/obj/$(LFB_DIR)/maps/map_lfmap_static.o
LFB_PLAIN_LOCKED := $(BUILD)/obj/$(LFB_DIR)/maps/map_plain_locked.o
# The lock-based maps (LFB_LOCK_MAP lines of maps.def) compiled a second time
# with the contention profiler (maps/locks.h), for lfbench --profile-locks
# only: the copies that throughput runs use take their locks with one call.
LFB_LOCK_MAPS := $(shell sed -n 's/^LFB_LOCK_MAP(\(.*\))$$/\1/p' $(LFB_DIR)/maps/maps.def)
LFB_PROFILED_OBJ := $(LFB_LOCK_MAPS:%=$(BUILD)/obj/$(LFB_DIR)/maps/profiled/map_%.o)
LFB_OBJ     := $(patsubst %.c,$(BUILD)/obj/%.o,$(LFB_C_SRC)) $(patsubst %.cc,$(BUILD)/obj/%.o,$(LFB_CXX_SRC)) \
               $(LFB_STATIC_ADAPTER) $(LFB_PLAIN_LOCKED) $(LFB_PROFILED_OBJ)
LFB_MAIN_OBJ := $(BUILD)/obj/$(LFB_DIR)/main.o
# Everything but main: what the unit tests link.
LFB_LIB_OBJ := $(filter-out $(LFB_MAIN_OBJ),$(LFB_OBJ))

all: $(BUILD)/lfbench
experiments: $(BUILD)/lfbench
bench: $(BUILD)/lfbench

$(BUILD)/obj/$(LFB_DIR)/%.o: $(LFB_DIR)/%.c
	@mkdir -p $(dir $@)
	$(CC) $(LFB_CFLAGS) -MMD -MP -c $< -o $@

$(BUILD)/obj/$(LFB_DIR)/maps/profiled/%.o: $(LFB_DIR)/maps/%.c
	@mkdir -p $(dir $@)
	$(CC) $(LFB_CFLAGS) -DLFB_PROFILE_LOCKS -MMD -MP -c $< -o $@

# lfmap-static: the API names of liblfmap.a, read from the shared library's
# exports (tests/packaging/abi_symbols.sh checks that they are exactly lfmap.h's), each
# renamed lfmap_static_NAME in a copy of the archive and, for the adapter, by
# a generated header of #defines.
LFB_STATIC_DIR   := $(BUILD)/obj/lfmap-static
LFB_STATIC_SYMS  := $(LFB_STATIC_DIR)/renames.txt
LFB_STATIC_NAMES := $(LFB_STATIC_DIR)/lfmap_static_names.h
LFB_STATIC_ARCHIVE := $(LFB_STATIC_DIR)/liblfmap_static.a
$(LFB_STATIC_SYMS): $(BUILD)/$(SHLIB)
	@mkdir -p $(dir $@)
	nm -D --defined-only $< | awk 'NF >= 3 && $$NF ~ /^lfmap_/ { print $$NF, "lfmap_static_" substr($$NF, 7) }' > $@.tmp
	@test -s $@.tmp || { echo "lfbench: no lfmap_ symbols in $<" >&2; exit 1; }
	mv $@.tmp $@
$(LFB_STATIC_NAMES): $(LFB_STATIC_SYMS)
	awk '{ print "#define " $$1 " " $$2 }' $< > $@
$(LFB_STATIC_ARCHIVE): $(BUILD)/liblfmap.a $(LFB_STATIC_SYMS)
	objcopy --redefine-syms=$(LFB_STATIC_SYMS) --wildcard --remove-section='.gnu.lto_*' \
	    --remove-section='.gnu.debuglto_*' $(BUILD)/liblfmap.a $@
$(LFB_PLAIN_LOCKED): $(LFB_DIR)/maps/map_plain.c
	@mkdir -p $(dir $@)
	$(CC) $(LFB_CFLAGS) -DPLAIN_LOCKED_WRITES -MMD -MP -c $< -o $@
$(LFB_STATIC_ADAPTER): $(LFB_DIR)/maps/map_lfmap.c $(LFB_STATIC_NAMES)
	@mkdir -p $(dir $@)
	$(CC) $(LFB_CFLAGS) -DLFB_LFMAP_STATIC -include $(LFB_STATIC_NAMES) -MMD -MP -c $< -o $@

$(LFB_MAIN_OBJ): $(LFB_DIR)/main.c
	@mkdir -p $(dir $@)
	$(CC) $(LFB_CFLAGS) -DLFMAP_BUILD_CFLAGS='"$(strip $(LFB_CFLAGS))"' \
	    -DLFB_JEMALLOC_SO='"$(LFB_JEMALLOC_SO)"' -DLFB_LIB_VERSIONS='"$(LFB_LIB_VERSIONS)"' -MMD -MP -c $< -o $@

$(BUILD)/obj/experiments/common/%.o: experiments/common/%.c
	@mkdir -p $(dir $@)
	$(CC) $(LFB_CFLAGS) -MMD -MP -c $< -o $@

$(BUILD)/obj/$(LFB_DIR)/maps/%.o: $(LFB_DIR)/maps/%.cc
	@mkdir -p $(dir $@)
	$(CXX) $(LFB_CXXFLAGS) -MMD -MP -c $< -o $@

# Every program that links the adapters links both libraries the same way.
LFB_LFMAP_LIBS := $(LFB_STATIC_ARCHIVE) $(LFB_SHARED_LIB)
LFB_LFMAP_DEPS := $(LFB_STATIC_ARCHIVE) $(BUILD)/liblfmap.so

$(BUILD)/lfbench: $(LFB_OBJ) $(LFB_LFMAP_DEPS)
	$(CXX) $(SANITIZE) $(CFLAGS) -o $@ $(LFB_OBJ) $(LFB_LFMAP_LIBS) $(LFB_LDLIBS)

# Harness unit tests: the generic tests/% rule plus the harness objects,
# linked with $(CXX) for the C++ adapters.
LFB_TEST_SUPPORT_OBJ := $(TEST_SUPPORT_OBJ) # compiled once (Makefile)
$(BUILD)/tests/unit_lfbench_%: tests/harness/unit_lfbench_%.c $(LFB_TEST_SUPPORT_OBJ) $(wildcard tests/support/*.h) $(LFB_LIB_OBJ) $(LFB_LFMAP_DEPS)
	@mkdir -p $(dir $@) $(BUILD)/obj/tests
	$(CC) $(LFB_CFLAGS) -Itests -Itests/support $(CHECK_CFLAGS) -c $< -o $(BUILD)/obj/tests/$(notdir $@).o
	$(CXX) $(SANITIZE) $(CFLAGS) -o $@ $(BUILD)/obj/tests/$(notdir $@).o $(LFB_TEST_SUPPORT_OBJ) $(LFB_LIB_OBJ) \
	    $(LFB_LFMAP_LIBS) $(CHECK_LIBS) $(LFB_LDLIBS)


# The shell tests run build/lfbench.
tests: $(BUILD)/lfbench

# Micro-benchmarks with Google Benchmark (experiments/microbench/, C++):
# linked with the harness's adapters (everything but lfbench's main), as
# the harness unit tests are.  `make microbench` runs them briefly
# (MB_MIN_TIME seconds each) into results/microbench/<date>-<host>/ and
# draws them; scripts/reproduce.sh runs them as part of the figures.
HAVE_BENCHMARK := $(shell pkg-config --exists benchmark 2>/dev/null && echo yes)
MB_CFLAGS := $(if $(HAVE_BENCHMARK),$(shell pkg-config --cflags benchmark))
MB_LIBS   := $(if $(HAVE_BENCHMARK),$(shell pkg-config --libs benchmark))
MB_BIN    := $(BUILD)/experiments/microbench
MB_OBJ    := $(BUILD)/obj/experiments/microbench/microbench.o
MB_MIN_TIME ?= 0.05

need-benchmark:
	$(if $(HAVE_BENCHMARK),@:,$(error lfmap: pkg-config module benchmark not found (Debian: libbenchmark-dev); install it with `make deps` or `scripts/install-deps.sh harness`))

$(MB_OBJ): experiments/microbench/microbench.cc | need-benchmark
	@mkdir -p $(dir $@)
	$(CXX) $(LFB_CXXFLAGS) $(MB_CFLAGS) -MMD -MP -c $< -o $@

$(MB_BIN): $(MB_OBJ) $(LFB_LIB_OBJ) $(LFB_LFMAP_DEPS)
	@mkdir -p $(dir $@)
	$(CXX) $(SANITIZE) $(CFLAGS) -o $@ $(MB_OBJ) $(LFB_LIB_OBJ) $(LFB_LFMAP_LIBS) $(MB_LIBS) $(LFB_LDLIBS)

experiments: $(MB_BIN)
bench: $(MB_BIN)

.PHONY: microbench need-benchmark
microbench: $(MB_BIN)
	@set -e; out=results/microbench/$$(date -u +%Y%m%dT%H%M%SZ)-$$(hostname -s); mkdir -p $$out; \
	$(MB_BIN) --benchmark_min_time=$(MB_MIN_TIME) --benchmark_out=$$out/microbench.json --benchmark_out_format=json; \
	py=$$(scripts/find-python.sh matplotlib); \
	$$py scripts/plot_harness.py --microbench $$out/microbench.json -o $$out/figures; \
	echo "microbench: records in $$out/microbench.json, figures in $$out/figures/index.html"

# The Go maps (experiments/go/: sync.Map, Mutex, RWMutex, 64-shard and
# copy-on-write maps on lfbench's workloads and key streams, standard
# library only).  `make go` builds $(BUILD)/lfbench-go when Go is installed
# (Debian: golang-go, Go 1.19; `scripts/install-deps.sh go`) and says so
# when it is not.  `make tests` builds it too where Go is found, for the
# tests that compare it with lfbench (tests/harness/go_*.sh; they skip without Go).
# The build cache lives in the build tree, so a build writes nothing else.
GO ?= go
HAVE_GO := $(shell command -v $(GO) >/dev/null 2>&1 && echo yes)
LFB_GO_DIR := experiments/go
LFB_GO_SRC := $(wildcard $(LFB_GO_DIR)/*.go) $(LFB_GO_DIR)/go.mod
LFB_GO_FLAGS := -trimpath
.PHONY: go need-go
need-go:
	$(if $(HAVE_GO),@:,$(error lfmap: Go not found (`$(GO)` is not on PATH; Debian: golang-go); install it with `scripts/install-deps.sh go`, or name one with GO=/path/to/go))
go: $(BUILD)/lfbench-go
$(BUILD)/lfbench-go: $(LFB_GO_SRC) | need-go
	@mkdir -p $(dir $@)
	cd $(LFB_GO_DIR) && GOCACHE=$(abspath $(BUILD))/go-cache GOFLAGS= GOPROXY=off $(GO) build $(LFB_GO_FLAGS) \
	    -ldflags "-X 'main.buildFlags=go build $(LFB_GO_FLAGS)'" -o $(abspath $@) .
ifeq ($(HAVE_GO),yes)
tests: $(BUILD)/lfbench-go
endif

# Reclamation schemes.  `make schemes [QUICK=1]` runs
# scripts/run-scheme-matrix.sh: lfmap under every scheme (throughput with
# steady size, resize churn and pointer values; memory; the stalled reader;
# ns per get), ~10-13 min (QUICK: ~1 min), raw records in
# results/schemes/<date>-<host>/, figures in results/schemes/figures/schemes-*.
# `make scheme-figures [SCHEME_RESULTS=DIR] [NOTES=results/schemes/tables.md]`
# redraws the figures and tables from the newest (or the given) raw records.
.PHONY: schemes scheme-figures
schemes: $(BUILD)/lfbench $(BUILD)/experiments/bench_scheme_get
	BUILD=$(BUILD) scripts/run-scheme-matrix.sh $(if $(filter-out 0 false no,$(QUICK)),--quick)
scheme-figures:
	NOTES="$(NOTES)" scripts/scheme-figures.sh $(SCHEME_RESULTS)

endif
