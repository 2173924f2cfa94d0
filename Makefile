# SPDX-License-Identifier: LGPL-2.1-or-later
# lfmap build.  Plain GNU Make; every dependency through pkg-config.  The
# build never installs packages: `make deps` (scripts/install-deps.sh) does.
#
#   make                 build/liblfmap.a and build/liblfmap.so (versioned)
#   make deps            install what is missing (all groups; see
#                        scripts/install-deps.sh for lib, test, fuzz, plot, harness, model, go)
#   make test [TEST_GROUPS="core rcu"]  installs the lib, test, harness and plot
#                        groups if missing, then the test suite (tests/run.sh),
#                        every test group or those named (tests/README.md)
#   make test-library    the library's suite (no harness tests; lib and test groups)
#   make tsan / asan     the library's suite under ThreadSanitizer / the whole
#                        suite under ASan+UBSan (TEST_GROUPS too)
#   make perturb         the library's suite with schedule perturbation (lib/perturb.h)
#   make stress          a 60 s linearizability-checking run
#   make mutants         check that the suite catches deliberate bugs
#   make modelcheck [FULL=1]  installs the model group if missing, then checks the
#                        resize protocol under the C11 memory model (Relacy; tests/model/)
#   make modelcheck-seeded  the model check must catch each seeded bug (tests/model/seeded/)
#   make fuzz FUZZ_SECONDS=N   libFuzzer run of tests/fuzz/fuzz_lfmap.c (fuzz.mk)
#   make quick           the README's main job: installs the lib, plot and harness groups
#                        if missing, then `make figures QUICK=1` (a few minutes)
#   make figures [QUICK=1]  scripts/reproduce.sh: the experiment matrix (raw records in
#                        results/harness/<date>-<host>/), figures and index.html in
#                        results/harness/figures/, tables in results/harness/tables.md and
#                        results/schemes/tables.md (QUICK: results/harness/figures/quick/,
#                        tables in its index.html only); PYTHON= an interpreter with matplotlib
#   make microbench      Google Benchmark per-operation costs of every map, with figures
#   make go              build/lfbench-go: the Go maps (sync.Map, Mutex, RWMutex, sharded,
#                        copy-on-write) on lfbench's workloads; needs golang-go (make deps-go)
#   make demo            installs the lib group if missing, then a 4-thread example job
#   make bench           the benchmarks (experiments/)
#   make install [DESTDIR=] [PREFIX=/usr/local] [LIBDIR=] [INCLUDEDIR=] [PKGCONFIGDIR=]
#                [DATADIR=] [MANDIR=] [CMAKEDIR=]   header, libraries, lfmap.pc, CMake
#                        package, man pages, TSan suppressions
#   make install-tsan    (same variables) a ThreadSanitizer build of the library instead
#   make uninstall       (same variables) removes exactly what install installs, and
#                        the directories it created once they are empty
#   make help            this text (the main targets; every target: the rules below)
#
# Conventions (the rules below are generic, so new files need no Makefile edit):
#   tests/GROUP/      one directory per subject, GROUP one of LF_TEST_DIRS
#                     (core, rcu, harness, packaging, tooling; tests/README.md)
#   tests/GROUP/unit_*.c    Check programs;    run by tests/run.sh
#   tests/GROUP/stress_*.c  standalone drivers that exit non-zero on a violation
#   tests/GROUP/prog_*.c    helper programs that shell tests run (not run directly)
#   tests/GROUP/*.sh        shell tests (get BUILD and CC in the environment)
#   tests/support/*.c linked into every test program
#   Every test program is built as $(BUILD)/tests/NAME: names are unique
#   across the groups.
#   experiments/*.c   benchmark programs (build/experiments/NAME)
#   examples/*.c      example programs      (build/examples/NAME)
#   tests/packaging/abi/        sources that the install and ABI tests build themselves
#   A test exits 77 for a skip expected in this build, 78 for a skip caused by
#   a missing tool (a failure when CI=true); see tests/run.sh.

CC       ?= cc
BUILD    ?= build
WERROR   ?=
OPT      ?= -O2
SANITIZE ?=
PKG_CONFIG ?= pkg-config

# Install locations (GNU conventions; DESTDIR stages a package).
PREFIX       ?= /usr/local
LIBDIR       ?= $(PREFIX)/lib
INCLUDEDIR   ?= $(PREFIX)/include
PKGCONFIGDIR ?= $(LIBDIR)/pkgconfig
DATADIR      ?= $(PREFIX)/share
MANDIR       ?= $(DATADIR)/man
CMAKEDIR     ?= $(LIBDIR)/cmake/lfmap
PKGDATADIR   := $(DATADIR)/lfmap
DESTDIR      ?=

# ---------------------------------------------------------------- version
# VERSION is the one place the version is set.  lib/lfmap.h repeats it as
# macros; lib/version.c fails to compile when they disagree.
VERSION       := $(shell cat VERSION)
VERSION_WORDS := $(subst ., ,$(VERSION))
VERSION_MAJOR := $(word 1,$(VERSION_WORDS))
VERSION_MINOR := $(word 2,$(VERSION_WORDS))
VERSION_PATCH := $(word 3,$(VERSION_WORDS))
ifneq ($(words $(VERSION_WORDS)),3)
  $(error VERSION must hold MAJOR.MINOR.PATCH, it holds '$(VERSION)')
endif
SONAME  := liblfmap.so.$(VERSION_MAJOR)
SHLIB   := liblfmap.so.$(VERSION)

# ----------------------------------------------------------- dependencies
# Looked up here, checked only by the targets that need them (need-lib,
# need-check below), so that clean, deps, help, uninstall and `make -n` work
# on a machine that lacks them.
pc_exists = $(shell $(PKG_CONFIG) --exists $(1) 2>/dev/null && echo yes)
# The reclamation schemes (rcu/): liburcu's memb, mb, qsbr and bp flavours
# and Concurrency Kit (ck_epoch, ck_hp).
RCU_MODULES := liburcu-memb liburcu-mb liburcu-qsbr liburcu-bp ck
HAVE_URCU  := $(call pc_exists,$(RCU_MODULES))
HAVE_CHECK := $(call pc_exists,check)
URCU_CFLAGS  := $(if $(HAVE_URCU),$(shell $(PKG_CONFIG) --cflags $(RCU_MODULES)))
URCU_LIBS    := $(if $(HAVE_URCU),$(shell $(PKG_CONFIG) --libs $(RCU_MODULES)))
CHECK_CFLAGS := $(if $(HAVE_CHECK),$(shell $(PKG_CONFIG) --cflags check))
CHECK_LIBS   := $(if $(HAVE_CHECK),$(shell $(PKG_CONFIG) --libs check))

# ------------------------------------------------------------------ flags
# Link-time optimisation (gcc, non-sanitizer builds): lets a program linked
# with -flto inline lfmap_get into its loop, as a header-only map would be.
# Fat objects keep liblfmap.a usable by programs built without -flto.
ifeq ($(SANITIZE),)
  ifeq ($(shell $(CC) -v 2>&1 | grep -c '^gcc version'),1)
    LTO ?= -flto=auto -ffat-lto-objects
  endif
endif
AR := $(if $(LTO),gcc-ar,ar)

WARN    := -Wall -Wextra -Wshadow -Wstrict-prototypes -Wmissing-prototypes $(WERROR)
# GCC's -Wtsan says ThreadSanitizer does not model a standalone
# atomic_thread_fence; gcc 12 raises it for some fences and not others,
# depending on how they were inlined (a change elsewhere in a function can
# make it appear).  Every fence here that orders memory between threads is
# paired with an annotation TSan does see (lfrcu_tsan_release/acquire,
# rcu/lfrcu.h), so in TSan builds the warning is off, where the compiler
# knows it (clang does not).
ifneq ($(findstring thread,$(SANITIZE)),)
  WARN += $(shell $(CC) -Werror -Wno-tsan -x c -c /dev/null -o /dev/null 2>/dev/null && echo -Wno-tsan)
endif
CFLAGS  ?= $(OPT) -g
# Everything is hidden but the API (LFMAP_API in lib/lfmap.h).
BASE_CFLAGS := -std=c11 -D_GNU_SOURCE -fPIC -fvisibility=hidden $(WARN) $(CFLAGS) $(LTO) $(SANITIZE) \
               $(EXTRA_CFLAGS) -Ilib -Ircu $(URCU_CFLAGS)
# Two object sets, which differ in how they reach lfmap's thread-local
# record (lf_self, lib/thread.c), the one thread-local access of an
# operation (the record caches the address of liburcu's reader counter, so
# the read side touches no other thread-local variable):
#   liblfmap.a   initial-exec: a %fs-relative load.  A program that links it
#                needs static TLS space for it, which only a program linked
#                at start-up is sure to have (hence: not in a dlopen()ed
#                plugin of your own; the README says so).
#   liblfmap.so  TLS descriptors (-mtls-dialect=gnu2) where the compiler has
#                them (gcc on x86-64; clang 14 does not): in a program linked
#                with the library at start-up, and in a dlopen() that finds
#                room in glibc's surplus of static TLS, the descriptor
#                resolves to a function that returns a constant offset (no
#                __tls_get_addr); otherwise to glibc's dynamic resolver, so
#                dlopen() always works.  That dynamic resolver saves only the
#                integer registers in glibc before 2.40 (bug 31372; Debian 12
#                has 2.36), so the shared objects are compiled with
#                -mgeneral-regs-only: no value of ours lives in a vector
#                register across the call, whatever glibc is in use
#                (tests/packaging/tls_access.sh checks the disassembly).  Compilers
#                without descriptors get the default model, global-dynamic: one
#                __tls_get_addr call per operation.
#                SHARED_TLS_DIALECT= overrides the choice (results/speed/README.md
#                measures the alternatives).
# Initial-exec in the shared library would be as fast as the static one, but
# dlopen() of it could then fail ("cannot allocate memory in static TLS
# block") in a process whose static TLS surplus other libraries used up.
cc_accepts = $(shell $(CC) $(1) -Werror -x c -c /dev/null -o /dev/null 2>/dev/null && echo yes)
ifeq ($(origin SHARED_TLS_DIALECT),undefined)
  ifneq ($(findstring x86_64,$(shell $(CC) -dumpmachine 2>/dev/null)),)
    ifeq ($(call cc_accepts,-mtls-dialect=gnu2 -mgeneral-regs-only),yes)
      SHARED_TLS_DIALECT := -mtls-dialect=gnu2 -mgeneral-regs-only
    endif
  endif
endif
SHARED_TLS_DIALECT ?=
STATIC_CFLAGS := $(BASE_CFLAGS) -ftls-model=initial-exec
SHARED_CFLAGS := $(BASE_CFLAGS) -ftls-model=global-dynamic $(SHARED_TLS_DIALECT)
# Programs built here (tests, experiments, examples) link liblfmap.a.
ALL_CFLAGS := $(STATIC_CFLAGS)
LDLIBS_ALL := $(URCU_LIBS) -lpthread -lm
# The shared library must resolve every symbol at link time (not with
# sanitizers, whose runtime the executable brings).  -z nodelete: once
# loaded it stays loaded, and with it liburcu, whose call_rcu threads run on
# after the dlclose() of a plugin that used lfmap (lfmap.h, "Plugins";
# tests/packaging/plugin_unload.sh).
SHLIB_LDFLAGS := -shared -Wl,-soname,$(SONAME) -Wl,-z,nodelete $(if $(SANITIZE),,-Wl,-z,defs)

# ------------------------------------------------------------------ files
LIB_SRC    := $(wildcard lib/*.c) $(wildcard rcu/*.c)
STATIC_OBJ := $(patsubst %.c,$(BUILD)/obj/static/%.o,$(LIB_SRC))
SHARED_OBJ := $(patsubst %.c,$(BUILD)/obj/shared/%.o,$(LIB_SRC))
VERSION_OBJ := $(BUILD)/obj/static/lib/version.o $(BUILD)/obj/shared/lib/version.o
PUBLIC_HEADERS := lib/lfmap.h
MAN_PAGES  := $(wildcard man/*.3)

# The test groups: one list, tests/run.sh's (all_groups).
LF_TEST_DIRS := $(shell sed -n 's/^all_groups="\(.*\)"$$/\1/p' tests/run.sh)
TEST_SRC   := $(foreach g,$(LF_TEST_DIRS),$(wildcard tests/$(g)/unit_*.c tests/$(g)/stress_*.c tests/$(g)/prog_*.c))
TEST_BINS  := $(addprefix $(BUILD)/tests/,$(basename $(notdir $(TEST_SRC))))
TEST_SUPPORT := $(wildcard tests/support/*.c)
EXP_SRC    := $(wildcard experiments/*.c)
# bench_readpath is built twice: against liblfmap.a and against liblfmap.so.
EXP_BINS   := $(patsubst experiments/%.c,$(BUILD)/experiments/%,$(EXP_SRC)) \
              $(BUILD)/experiments/bench_readpath_shared
# Benchmarks of lfmap as users link it: built as a user's program is (-O2, no
# LTO, lfmap.h only) against the shared library, by the rule below.  The
# others link liblfmap.a (bench_scheme_get and bench_rcu_readside read the
# scheme registry, rcu/lfrcu.h, which the shared library does not export) and
# say so in their records ("lfmap_linked":"static").
USER_BUILT_EXPS := bench_first
EX_SRC     := $(wildcard examples/*.c)
EX_BINS    := $(patsubst examples/%.c,$(BUILD)/examples/%,$(EX_SRC))

.PHONY: all lib tests lib-tests experiments examples test run-tests test-library run-library-tests tsan asan perturb stress mutants \
        demo bench figures quick install install-tsan uninstall clean help deps deps-lib deps-test deps-fuzz deps-plot \
        deps-harness deps-model deps-go need-lib need-check modelcheck modelcheck-seeded model-build
all: lib
lib: $(BUILD)/liblfmap.a $(BUILD)/$(SHLIB) $(BUILD)/$(SONAME) $(BUILD)/liblfmap.so

help:
	@sed -n '2,/^$$/s/^# \{0,1\}//p' Makefile

# ---------------------------------------------------------- dependencies
# One clear line, then stop, when a build lacks what it needs.
need-lib:
	$(if $(HAVE_URCU),@:,$(error lfmap: pkg-config modules $(RCU_MODULES) not all found (Debian: liburcu-dev, libck-dev, pkg-config); install them with `make deps` or `scripts/install-deps.sh lib`))
need-check:
	$(if $(HAVE_CHECK),@:,$(error lfmap: pkg-config module check not found (Debian: check); install it with `make deps` or `scripts/install-deps.sh test`))

deps:
	scripts/install-deps.sh all
deps-lib deps-test deps-fuzz deps-plot deps-harness deps-model deps-go:
	scripts/install-deps.sh $(@:deps-%=%)

# ---------------------------------------------------------------- library
# Each object set is rebuilt when its flags change (a different CC, OPT,
# SHARED_TLS_DIALECT...): the flags are kept in a file that changes only
# then, and every object of the set depends on it (the shared library too,
# whose link flags are in its set's file).
SET_FLAGS = $(if $(filter static,$*),$(CC) $(STATIC_CFLAGS),$(CC) $(SHARED_CFLAGS) $(SHLIB_LDFLAGS))
$(BUILD)/obj/%.flags: FORCE
	@mkdir -p $(dir $@)
	@echo '$(SET_FLAGS)' | cmp -s - $@ || echo '$(SET_FLAGS)' > $@
FORCE:
.PRECIOUS: $(BUILD)/obj/%.flags
.PHONY: FORCE

$(BUILD)/obj/static/%.o: %.c $(BUILD)/obj/static.flags | need-lib
	@mkdir -p $(dir $@)
	$(CC) $(STATIC_CFLAGS) $(VERSION_DEFS) -MMD -MP -c $< -o $@

$(BUILD)/obj/shared/%.o: %.c $(BUILD)/obj/shared.flags | need-lib
	@mkdir -p $(dir $@)
	$(CC) $(SHARED_CFLAGS) $(VERSION_DEFS) -MMD -MP -c $< -o $@

$(VERSION_OBJ): VERSION
$(VERSION_OBJ): VERSION_DEFS = -DLFMAP_BUILD_VERSION_MAJOR=$(VERSION_MAJOR) \
    -DLFMAP_BUILD_VERSION_MINOR=$(VERSION_MINOR) -DLFMAP_BUILD_VERSION_PATCH=$(VERSION_PATCH)

$(BUILD)/liblfmap.a: $(STATIC_OBJ)
	@rm -f $@
	$(AR) rcs $@ $^

$(BUILD)/$(SHLIB): $(SHARED_OBJ) $(BUILD)/obj/shared.flags
	$(CC) $(SHLIB_LDFLAGS) $(SANITIZE) $(LTO) $(SHARED_TLS_DIALECT) -o $@ $(SHARED_OBJ) $(LDLIBS_ALL)

$(BUILD)/$(SONAME): $(BUILD)/$(SHLIB)
	ln -sf $(SHLIB) $@
$(BUILD)/liblfmap.so: $(BUILD)/$(SONAME)
	ln -sf $(SONAME) $@

# --------------------------------------------------------------- programs
# The project's programs (tests, experiments, examples) are built without
# link-time optimisation: they link liblfmap.a's regular code, as a program
# built without -flto does (figures of lfmap are of the libraries as users
# link them).  Tests link their support code compiled once.  (Compiling the
# support files into every test, and an LTO link per program, was most of a
# build tree's time.)
PROG_CFLAGS := $(filter-out $(LTO),$(ALL_CFLAGS))
TEST_SUPPORT_OBJ := $(TEST_SUPPORT:%.c=$(BUILD)/obj/%.o)
# One pattern rule per group: $(BUILD)/tests/NAME from tests/GROUP/NAME.c.
define LF_TEST_RULE
$$(BUILD)/tests/%: tests/$(1)/%.c $$(TEST_SUPPORT_OBJ) $$(wildcard tests/support/*.h) $$(BUILD)/liblfmap.a | need-check
	@mkdir -p $$(dir $$@)
	$$(CC) $$(PROG_CFLAGS) -Itests -Itests/support $$(CHECK_CFLAGS) -o $$@ $$< $$(TEST_SUPPORT_OBJ) $$(BUILD)/liblfmap.a $$(CHECK_LIBS) $$(LDLIBS_ALL)
endef
$(foreach g,$(LF_TEST_DIRS),$(eval $(call LF_TEST_RULE,$(g))))

$(TEST_SUPPORT_OBJ): $(BUILD)/obj/tests/support/%.o: tests/support/%.c | need-check
	@mkdir -p $(dir $@)
	$(CC) $(PROG_CFLAGS) -Itests -Itests/support $(CHECK_CFLAGS) -MMD -MP -c $< -o $@

# Every program parses its options with experiments/common/cli.c (lfcli),
# compiled into it.
CLI_SRC := experiments/common/cli.c experiments/common/cli.h
$(BUILD)/experiments/%: experiments/%.c $(wildcard experiments/*.h) $(CLI_SRC) $(BUILD)/liblfmap.a
	@mkdir -p $(dir $@)
	$(CC) $(PROG_CFLAGS) -Iexperiments -Iexperiments/common -DLFMAP_LINKED='"static"' \
	    -DLFMAP_BUILD_CFLAGS='"$(strip $(PROG_CFLAGS))"' -o $@ $< experiments/common/cli.c $(BUILD)/liblfmap.a $(LDLIBS_ALL)

# The read-path benchmark, compiled as a user's program would be (no LTO, only
# lfmap.h), once against each library; the other user-built benchmarks against
# the shared library (their records say "lfmap_linked":"shared").
USER_CFLAGS := -std=c11 -D_GNU_SOURCE $(WARN) $(OPT) -g $(SANITIZE) -Ilib
READPATH_CFLAGS := $(USER_CFLAGS)
USER_LINK_SHARED := -L$(BUILD) -Wl,-rpath,'$$ORIGIN/..' -llfmap
$(patsubst %,$(BUILD)/experiments/%,$(USER_BUILT_EXPS)): $(BUILD)/experiments/%: experiments/%.c \
        $(wildcard experiments/*.h) lib/lfmap.h lib/hash.h $(CLI_SRC) $(BUILD)/liblfmap.so
	@mkdir -p $(dir $@)
	$(CC) $(READPATH_CFLAGS) -Iexperiments -Iexperiments/common -DLFMAP_LINKED='"shared"' \
	    -DLFMAP_BUILD_CFLAGS='"$(strip $(READPATH_CFLAGS))"' -o $@ $< experiments/common/cli.c $(USER_LINK_SHARED) -lm
$(BUILD)/experiments/bench_readpath: experiments/bench_readpath.c lib/lfmap.h $(CLI_SRC) $(BUILD)/liblfmap.a
	@mkdir -p $(dir $@)
	$(CC) $(READPATH_CFLAGS) -Iexperiments/common -DLFMAP_LINKED='"static"' -o $@ $< experiments/common/cli.c $(BUILD)/liblfmap.a $(LDLIBS_ALL)
$(BUILD)/experiments/bench_readpath_shared: experiments/bench_readpath.c lib/lfmap.h $(CLI_SRC) $(BUILD)/liblfmap.so
	@mkdir -p $(dir $@)
	$(CC) $(READPATH_CFLAGS) -Iexperiments/common -DLFMAP_LINKED='"shared"' -o $@ $< experiments/common/cli.c -L$(BUILD) -Wl,-rpath,'$$ORIGIN/..' -llfmap -lm

$(BUILD)/examples/%: examples/%.c $(CLI_SRC) $(BUILD)/liblfmap.a
	@mkdir -p $(dir $@)
	$(CC) $(PROG_CFLAGS) -Iexperiments/common -o $@ $< experiments/common/cli.c $(BUILD)/liblfmap.a $(LDLIBS_ALL)

# The examples a user copies (session_store, cache), built as a user builds
# them: lfmap.h alone, linked with liblfmap.so (README, "Using lfmap in your
# program").  The other examples/*.c use the rule above.
USER_EXAMPLES := $(BUILD)/examples/session_store $(BUILD)/examples/cache
$(USER_EXAMPLES): $(BUILD)/examples/%: examples/%.c lib/lfmap.h $(BUILD)/liblfmap.so
	@mkdir -p $(dir $@)
	$(CC) $(USER_CFLAGS) -o $@ $< -L$(BUILD) -Wl,-rpath,'$$ORIGIN/..' -llfmap -lpthread

# examples/plugin/: a host that links nothing of lfmap and a plugin linked
# with liblfmap.so, as a user builds them (tests/packaging/plugin_unload.sh builds its
# own, under ASan).
$(BUILD)/examples/plugin/host: examples/plugin/host.c
	@mkdir -p $(dir $@)
	$(CC) $(USER_CFLAGS) -o $@ $< -ldl
$(BUILD)/examples/plugin/plugin.so: examples/plugin/plugin.c lib/lfmap.h $(BUILD)/liblfmap.so
	@mkdir -p $(dir $@)
	$(CC) $(USER_CFLAGS) -fPIC -shared -fvisibility=hidden -o $@ $< -L$(BUILD) -Wl,-rpath,'$$ORIGIN/../..' -llfmap -lpthread
EX_BINS += $(BUILD)/examples/plugin/host $(BUILD)/examples/plugin/plugin.so

# The shell tests run the example and benchmark programs too (their option
# parsing: tests/harness/programs_reject_bad_input.sh), so they are part of the suite.
tests: $(TEST_BINS) $(EXP_BINS) $(EX_BINS)
# The library's suite (LFMAP_SUITE=library in tests/run.sh): no harness test,
# so none of the experiments' programs (C++ peer maps, benchmarks) is built.
LIB_TEST_BINS := $(filter-out $(addprefix $(BUILD)/tests/,$(basename $(notdir $(wildcard tests/harness/*.c)))),$(TEST_BINS))
lib-tests: $(LIB_TEST_BINS) $(EX_BINS)
experiments: $(EXP_BINS)
examples: $(EX_BINS)

# ------------------------------------------------------------------ suites
# `make test` is a README quick-start command: it installs the lib, test,
# harness (the tests build and run lfbench) and plot (tests/tooling/plot_harness.sh)
# dependency groups first when they are missing (a no-op otherwise), then
# builds in a fresh make that sees them.
test:
	scripts/install-deps.sh lib test harness plot
	@$(MAKE) --no-print-directory run-tests

run-tests: lib tests
	BUILD=$(BUILD) CC="$(CC)" tests/run.sh $(TEST_GROUPS)

# The library's suite only: make tsan and make perturb (CI's time; the rest
# is the same code in every tree and runs in make test and make asan).
test-library:
	scripts/install-deps.sh lib test
	@$(MAKE) --no-print-directory run-library-tests

run-library-tests: lib lib-tests
	BUILD=$(BUILD) CC="$(CC)" LFMAP_SUITE=library tests/run.sh $(TEST_GROUPS)

# Sanitizer suites: separate build trees, libc malloc.  ASan runs the whole
# suite; TSan the library's (test-library, above).
tsan:
	$(MAKE) BUILD=build/tsan OPT=-O1 SANITIZE="-fsanitize=thread" EXTRA_CFLAGS=-DLFMAP_ASSERTIONS test-library

asan:
	$(MAKE) BUILD=build/asan OPT=-O1 SANITIZE="-fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer" EXTRA_CFLAGS=-DLFMAP_ASSERTIONS test

# The suite again on a build with schedule perturbation (lib/perturb.h).  It
# also runs the live-count stripes' symmetric fence (seq_cst stores), which a
# process without sys_membarrier gets (lib/asym_fence.c); the other trees run
# the asymmetric one.
perturb:
	$(MAKE) BUILD=build/perturb EXTRA_CFLAGS="-DLFMAP_PERTURB -DLFMAP_ASSERTIONS -DLFMAP_ASYM_FENCE_OFF" test-library

# A longer linearizability run (tests/core/stress_lincheck.c).
stress: lib tests
	LFMAP_LINCHECK_SECONDS=$${LFMAP_LINCHECK_SECONDS:-60} $(BUILD)/tests/stress_lincheck

# Deliberate bugs (tests/mutants/) that the suite must catch; ~30 min.
mutants:
	scripts/mutants.sh

# ------------------------------------------------------------- model check
# lib/'s own code with its atomics routed to the Relacy model checker
# (lib/lf_atomic.h, -DLFMAP_MODEL), driven by tests/model/scenarios.cpp
# (C++, g++, relacy-dev).  Tiny tables (4 slots and up), a short sentinel
# wait, a shrink check after every remove and 5 live-count stripes keep each
# execution to a few hundred model steps; the protocol is the same.  The
# normal build neither needs nor contains any of it.
MODEL_BUILD := $(BUILD)/model
MODEL_DEFS := -DLFMAP_MODEL -DLFMAP_ASSERTIONS -DLFMAP_MIN_SLOTS=4u -DSENTINEL_PATIENCE=2u \
              -DSHRINK_CHECK_PERIOD=1u -DLFMAP_OWNED_STRIPES=4u -DLFMAP_SHARED_STRIPES=1u
MODEL_C_SRC := lib/lfmap.c lib/migrate.c lib/table.c lib/thread.c lib/asym_fence.c lib/key.c tests/model/model_checks.c
MODEL_CXX_SRC := tests/model/lf_model_rt.cpp tests/model/scenarios.cpp
MODEL_OBJ := $(patsubst %.c,$(MODEL_BUILD)/%.o,$(MODEL_C_SRC)) $(patsubst %.cpp,$(MODEL_BUILD)/%.o,$(MODEL_CXX_SRC))
MODEL_INC := -Itests/model/shim -Ilib -Itests/model -Itests/support
MODEL_CFLAGS := -std=c11 -D_GNU_SOURCE $(WARN) -O1 -g $(MODEL_DEFS) $(MODEL_INC)
MODEL_CXXFLAGS := -std=c++17 -Wall -Wextra -Wshadow $(WERROR) -O2 -g $(MODEL_DEFS) $(MODEL_INC)
MODEL_ARGS := $(if $(filter-out 0 false no,$(FULL)),--full)

$(MODEL_BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(MODEL_CFLAGS) -MMD -MP -c $< -o $@
$(MODEL_BUILD)/%.o: %.cpp
	@mkdir -p $(dir $@)
	$(CXX) $(MODEL_CXXFLAGS) -MMD -MP -c $< -o $@
$(MODEL_BUILD)/lfmap_model: $(MODEL_OBJ)
	$(CXX) -o $@ $^

model-build: $(MODEL_BUILD)/lfmap_model

# Installs the model group (g++, relacy-dev) when missing, like `make test`.
modelcheck:
	scripts/install-deps.sh model
	@$(MAKE) --no-print-directory model-build
	tests/model/check_rcu_shim.sh
	tests/model/check_pinned_orders.sh
	$(MODEL_BUILD)/lfmap_model $(MODEL_ARGS)

modelcheck-seeded:
	scripts/install-deps.sh model
	scripts/model-seeded.sh

# The README's main job: installs what the harness and the plots need when it
# is missing (a no-op otherwise), then the quick reproduction.
quick:
	scripts/install-deps.sh lib plot harness
	@$(MAKE) --no-print-directory figures QUICK=1

# Every harness result from one command (scripts/reproduce.sh; QUICK=1 for
# the few-minute version).  Installs nothing.
figures:
	BUILD=$(BUILD) scripts/reproduce.sh $(if $(filter-out 0 false no,$(QUICK)),--quick)

# An example job: installs the lib group if missing, as above.
demo:
	scripts/install-deps.sh lib
	@$(MAKE) --no-print-directory $(BUILD)/examples/demo
	$(BUILD)/examples/demo -o results/demo

bench: $(EXP_BINS)

# ----------------------------------------------------------------- install
# Installs the header, liblfmap.a, liblfmap.so.MAJOR.MINOR.PATCH with its
# SONAME link liblfmap.so.MAJOR and development link liblfmap.so, lfmap.pc,
# the CMake package (find_package(lfmap)), the man pages and the TSan
# suppressions; uninstall removes exactly these files, and then the
# directories install created (listed in $(PKGDATADIR)/created-dirs) that
# are empty.  lfmap.pc and lfmapConfig.cmake name every path relative to
# their own directory, so an installed tree can be moved as a whole.
INSTALLED := $(INCLUDEDIR)/lfmap.h $(LIBDIR)/liblfmap.a $(LIBDIR)/$(SHLIB) $(LIBDIR)/$(SONAME) \
             $(LIBDIR)/liblfmap.so $(PKGCONFIGDIR)/lfmap.pc $(PKGDATADIR)/tsan.supp \
             $(CMAKEDIR)/lfmapConfig.cmake $(CMAKEDIR)/lfmapConfigVersion.cmake \
             $(addprefix $(MANDIR)/man3/,$(notdir $(MAN_PAGES)))
INSTALL_DIRS := $(INCLUDEDIR) $(LIBDIR) $(PKGCONFIGDIR) $(PKGDATADIR) $(CMAKEDIR) $(MANDIR)/man3
CREATED_DIRS := $(PKGDATADIR)/created-dirs
# The path of $(2) relative to the directory $(1), symbolic links kept.
relpath = $(shell realpath -s -m --relative-to='$(1)' '$(2)')
# liblfmap.a's dependencies as -l/-L flags: the .pc's Libs.private and the
# CMake static target.  Not Requires.private: pkg-config would then hand
# every user liburcu's Cflags (-D__x86_64__ -I/usr/include/x86_64-linux-gnu)
# and fail without liburcu-dev, although lfmap.h includes nothing of it.
STATIC_DEPS := $(strip $(URCU_LIBS) -lpthread -lm)
PKG_SED = -e 's|@VERSION@|$(VERSION)|g' -e 's|@VERSION_MAJOR@|$(VERSION_MAJOR)|g' -e 's|@SONAME@|$(SONAME)|g' -e 's|@SHLIB@|$(SHLIB)|g' \
    -e 's|@STATIC_DEPS@|$(STATIC_DEPS)|g' -e 's|@STATIC_DEPS_LIST@|$(subst $(space),;,$(strip $(STATIC_DEPS)))|g'
empty :=
space := $(empty) $(empty)

install: lib
	@for d in $(INSTALL_DIRS); do \
	    while [ "$$d" != / ] && [ "$$d" != . ] && ! [ -d "$(DESTDIR)$$d" ]; do echo "$$d"; d=$$(dirname "$$d"); done; \
	done > $(BUILD)/created-dirs.new
	install -d $(addprefix $(DESTDIR),$(INSTALL_DIRS))
	@cat $(BUILD)/created-dirs.new $(wildcard $(DESTDIR)$(CREATED_DIRS)) | sort -u > $(BUILD)/created-dirs.all
	@mv $(BUILD)/created-dirs.all $(DESTDIR)$(CREATED_DIRS); rm -f $(BUILD)/created-dirs.new
	install -m 644 $(PUBLIC_HEADERS) $(DESTDIR)$(INCLUDEDIR)/
	install -m 644 $(BUILD)/liblfmap.a $(DESTDIR)$(LIBDIR)/liblfmap.a
	install -m 755 $(BUILD)/$(SHLIB) $(DESTDIR)$(LIBDIR)/$(SHLIB)
	ln -sf $(SHLIB) $(DESTDIR)$(LIBDIR)/$(SONAME)
	ln -sf $(SONAME) $(DESTDIR)$(LIBDIR)/liblfmap.so
	sed $(PKG_SED) -e 's|@PREFIX@|$(call relpath,$(PKGCONFIGDIR),$(PREFIX))|g' \
	    -e 's|@LIBDIR@|$(call relpath,$(PKGCONFIGDIR),$(LIBDIR))|g' \
	    -e 's|@INCLUDEDIR@|$(call relpath,$(PKGCONFIGDIR),$(INCLUDEDIR))|g' \
	    -e 's|@PKGDATADIR@|$(call relpath,$(PKGCONFIGDIR),$(PKGDATADIR))|g' \
	    lfmap.pc.in > $(DESTDIR)$(PKGCONFIGDIR)/lfmap.pc
	sed $(PKG_SED) -e 's|@LIBDIR@|$(call relpath,$(CMAKEDIR),$(LIBDIR))|g' \
	    -e 's|@INCLUDEDIR@|$(call relpath,$(CMAKEDIR),$(INCLUDEDIR))|g' \
	    -e 's|@PKGDATADIR@|$(call relpath,$(CMAKEDIR),$(PKGDATADIR))|g' \
	    packaging/lfmapConfig.cmake.in > $(DESTDIR)$(CMAKEDIR)/lfmapConfig.cmake
	sed $(PKG_SED) packaging/lfmapConfigVersion.cmake.in > $(DESTDIR)$(CMAKEDIR)/lfmapConfigVersion.cmake
	install -m 644 packaging/tsan.supp $(DESTDIR)$(PKGDATADIR)/tsan.supp
	for f in $(MAN_PAGES); do sed $(PKG_SED) $$f > $(DESTDIR)$(MANDIR)/man3/$${f#man/}; done
	@echo "lfmap $(VERSION) installed in $(DESTDIR)$(LIBDIR); run ldconfig if that is a system directory"

uninstall:
	rm -f $(addprefix $(DESTDIR),$(INSTALLED))
	@if [ -f $(DESTDIR)$(CREATED_DIRS) ]; then \
	    dirs=$$(sort -r $(DESTDIR)$(CREATED_DIRS)); rm -f $(DESTDIR)$(CREATED_DIRS); \
	    for d in $$dirs; do rmdir "$(DESTDIR)$$d" 2>/dev/null || :; done; \
	fi

# A ThreadSanitizer build of the library, installed like the normal one
# (same variables): link a -fsanitize=thread program with it, and run it
# with TSAN_OPTIONS=suppressions=$(PKGDATADIR)/tsan.supp (README, "TSan").
install-tsan:
	$(MAKE) BUILD=build/tsan-lib OPT=-O1 SANITIZE=-fsanitize=thread install

clean:
	rm -rf build

# make fuzz, make fuzz-replay (tests/fuzz/)
include fuzz.mk
# build/lfbench, the experiments harness (experiments/lfbench/)
include experiments/harness.mk

-include $(shell find $(BUILD)/obj $(MODEL_BUILD) -name '*.d' 2>/dev/null)
