# lfmap build.  Plain GNU Make; every dependency through pkg-config.
#
#   make                 build/liblfmap.a and build/liblfmap.so
#   make test            the test suite (unit tests, stress drivers, install test)
#   make tsan / asan     the suite under ThreadSanitizer / ASan+UBSan
#   make perturb         the suite with schedule perturbation (lib/perturb.h)
#   make stress          a 60 s linearizability-checking run
#   make mutants         check that the suite catches deliberate bugs
#   make fuzz FUZZ_SECONDS=N   libFuzzer run of tests/fuzz/fuzz_lfmap.c (fuzz.mk)
#   make demo            the README's main job
#   make bench           the first-figures benchmark (experiments/)
#   make install PREFIX=DIR
#
# Conventions (the rules below are generic, so new files need no Makefile edit):
#   tests/unit_*.c    Check programs;          run by tests/run.sh
#   tests/stress_*.c  standalone drivers that exit non-zero on a violation
#   tests/prog_*.c    helper programs that shell tests run (not run directly)
#   tests/support/*.c linked into every test program
#   tests/*.sh        shell tests (get BUILD and CC in the environment)
#   experiments/*.c   benchmark programs (build/experiments/NAME)
#   examples/*.c      example programs      (build/examples/NAME)

CC       ?= cc
PREFIX   ?= /usr/local
BUILD    ?= build
WERROR   ?=
OPT      ?= -O2
SANITIZE ?=

DEPS_PKGS := liburcu-memb check

# Install missing dependencies before anything else (idempotent; a no-op when
# pkg-config finds them).  Skipped for targets that need nothing.
ifeq ($(filter clean,$(MAKECMDGOALS)),)
  ifneq ($(shell pkg-config --exists $(DEPS_PKGS) && echo ok),ok)
    $(info lfmap: installing missing dependencies with scripts/install-deps.sh)
    $(shell scripts/install-deps.sh >&2)
  endif
endif

URCU_CFLAGS := $(shell pkg-config --cflags liburcu-memb)
URCU_LIBS   := $(shell pkg-config --libs liburcu-memb)
CHECK_CFLAGS := $(shell pkg-config --cflags check)
CHECK_LIBS   := $(shell pkg-config --libs check)

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
CFLAGS  ?= $(OPT) -g
# initial-exec TLS: the read side touches liburcu's and lfmap's thread-local
# state on every lookup; the default model for -fPIC code makes each access a
# __tls_get_addr call (~3 calls per lfmap_get).
ALL_CFLAGS := -std=c11 -D_GNU_SOURCE -fPIC -ftls-model=initial-exec $(WARN) $(CFLAGS) $(LTO) $(SANITIZE) $(EXTRA_CFLAGS) \
              -Ilib -Ircu $(URCU_CFLAGS)
LDLIBS_ALL := $(URCU_LIBS) -lpthread -lm

LIB_SRC := $(wildcard lib/*.c) $(wildcard rcu/*.c)
LIB_OBJ := $(patsubst %.c,$(BUILD)/obj/%.o,$(LIB_SRC))

UNIT_SRC   := $(wildcard tests/unit_*.c)
STRESS_SRC := $(wildcard tests/stress_*.c)
PROG_SRC   := $(wildcard tests/prog_*.c)
TEST_BINS  := $(patsubst tests/%.c,$(BUILD)/tests/%,$(UNIT_SRC) $(STRESS_SRC) $(PROG_SRC))
TEST_SUPPORT := $(wildcard tests/support/*.c)
EXP_SRC    := $(wildcard experiments/*.c)
EXP_BINS   := $(patsubst experiments/%.c,$(BUILD)/experiments/%,$(EXP_SRC))
EX_SRC     := $(wildcard examples/*.c)
EX_BINS    := $(patsubst examples/%.c,$(BUILD)/examples/%,$(EX_SRC))

.PHONY: all lib tests experiments examples test tsan asan perturb stress mutants demo bench install clean
all: lib
lib: $(BUILD)/liblfmap.a $(BUILD)/liblfmap.so

$(BUILD)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -MMD -MP -c $< -o $@

$(BUILD)/liblfmap.a: $(LIB_OBJ)
	@rm -f $@
	$(AR) rcs $@ $^

$(BUILD)/liblfmap.so: $(LIB_OBJ)
	$(CC) -shared $(SANITIZE) $(LTO) -o $@ $^ $(LDLIBS_ALL)

$(BUILD)/tests/%: tests/%.c $(TEST_SUPPORT) $(wildcard tests/support/*.h) $(BUILD)/liblfmap.a
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -Itests -Itests/support $(CHECK_CFLAGS) -o $@ $< $(TEST_SUPPORT) $(BUILD)/liblfmap.a $(CHECK_LIBS) $(LDLIBS_ALL)

$(BUILD)/experiments/%: experiments/%.c $(wildcard experiments/*.h) $(BUILD)/liblfmap.a
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -Iexperiments -DLFMAP_BUILD_CFLAGS='"$(strip $(ALL_CFLAGS))"' -o $@ $< $(BUILD)/liblfmap.a $(LDLIBS_ALL)

$(BUILD)/examples/%: examples/%.c $(BUILD)/liblfmap.a
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -o $@ $< $(BUILD)/liblfmap.a $(LDLIBS_ALL)

tests: $(TEST_BINS)
experiments: $(EXP_BINS)
examples: $(EX_BINS)

test: lib tests
	BUILD=$(BUILD) CC="$(CC)" tests/run.sh

# Sanitizer suites: separate build trees, libc malloc, same tests.
tsan:
	$(MAKE) BUILD=build/tsan OPT=-O1 SANITIZE="-fsanitize=thread" test

asan:
	$(MAKE) BUILD=build/asan OPT=-O1 SANITIZE="-fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer" test

# The suite again on a build with schedule perturbation (lib/perturb.h).
perturb:
	$(MAKE) BUILD=build/perturb EXTRA_CFLAGS=-DLFMAP_PERTURB test

# A longer linearizability run (tests/stress_lincheck.c).
stress: lib tests
	LFMAP_LINCHECK_SECONDS=$${LFMAP_LINCHECK_SECONDS:-60} $(BUILD)/tests/stress_lincheck

# Deliberate bugs (tests/mutants/) that the suite must catch; ~30 min.
mutants:
	scripts/mutants.sh

demo: $(BUILD)/examples/demo
	$(BUILD)/examples/demo

bench: $(EXP_BINS)

install: lib
	install -d $(PREFIX)/include $(PREFIX)/lib/pkgconfig
	install -m 644 lib/lfmap.h $(PREFIX)/include/lfmap.h
	install -m 644 $(BUILD)/liblfmap.a $(PREFIX)/lib/liblfmap.a
	install -m 755 $(BUILD)/liblfmap.so $(PREFIX)/lib/liblfmap.so
	sed -e 's|@PREFIX@|$(PREFIX)|g' lfmap.pc.in > $(PREFIX)/lib/pkgconfig/lfmap.pc

clean:
	rm -rf build

# make fuzz, make fuzz-replay (tests/fuzz/)
include fuzz.mk
# build/lfbench, the experiments harness (experiments/lfbench/)
include experiments/harness.mk

-include $(shell find $(BUILD)/obj -name '*.d' 2>/dev/null)
