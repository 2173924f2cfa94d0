# SPDX-License-Identifier: LGPL-2.1-or-later
# Fuzzing rules (tests/fuzz/).  The Makefile includes this file after its own
# variables (`include fuzz.mk`); `make -f Makefile -f fuzz.mk TARGET` works
# too (the guard below makes a second read a no-op).
#
#   make fuzz [FUZZ_SECONDS=N]  libFuzzer + ASan/UBSan build of the target and
#                               the library in $(BUILD)/fuzz/, run for N seconds
#                               on $(BUILD)/fuzz/corpus, seeded from
#                               tests/fuzz/corpus; prints executions and coverage
#   make fuzz-replay            tests/core/fuzz_replay.sh: every file of
#                               tests/fuzz/corpus through the target, built with
#                               $(CC) and the normal flags (also run by make test)
#
# Needs clang's libFuzzer runtime (Debian: libclang-rt-14-dev, only a
# Recommends of clang, so --no-install-recommends installs skip it).

ifndef LFMAP_FUZZ_MK
LFMAP_FUZZ_MK := 1

FUZZ_CC      ?= clang
FUZZ_SECONDS ?= 60
FUZZ_MAX_LEN ?= 512
FUZZ_ARGS    ?=
FUZZ_DIR     := $(BUILD)/fuzz
FUZZ_CORPUS  ?= $(FUZZ_DIR)/corpus
FUZZ_LOG     ?= $(FUZZ_DIR)/fuzz.log
FUZZ_BIN     := $(FUZZ_DIR)/fuzz_lfmap
FUZZ_BYTES_BIN := $(FUZZ_DIR)/fuzz_bytes
# The library's flags without LTO (libFuzzer's coverage needs plain objects)
# and at -O1, where ASan reports stay readable.
FUZZ_SAN     := -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
FUZZ_CFLAGS  := -DLFMAP_FUZZ_FAST_RCU -std=c11 -D_GNU_SOURCE -fPIC -ftls-model=initial-exec $(WARN) -O1 -g \
                $(FUZZ_SAN) -Ilib -Ircu $(URCU_CFLAGS)
FUZZ_LIB_OBJ := $(patsubst %.c,$(FUZZ_DIR)/obj/%.o,$(LIB_SRC))

.PHONY: fuzz fuzz-replay fuzz-print-flags fuzz-runtime

# The library is instrumented for coverage too (fuzzer-no-link): the fuzzer
# is steered by the map's branches, not only by the target's.
$(FUZZ_DIR)/obj/%.o: %.c | fuzz-runtime
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link -MMD -MP -c $< -o $@

$(FUZZ_DIR)/fuzz_%: tests/fuzz/fuzz_%.c lib/lfmap.h lib/hash.h lib/key.h $(FUZZ_LIB_OBJ)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer -o $@ $< $(FUZZ_LIB_OBJ) $(LDLIBS_ALL)

fuzz-runtime:
	@test -f "$$($(FUZZ_CC) -print-runtime-dir)/libclang_rt.fuzzer-x86_64.a" || \
	  { echo "fuzz: $(FUZZ_CC) has no libFuzzer runtime (apt-get install libclang-rt-14-dev)"; exit 1; }

# One in-process fuzzer per target, FUZZ_SECONDS each: fuzz_lfmap (the
# uint64_t map) on $(FUZZ_CORPUS) and tests/fuzz/corpus, then fuzz_bytes (the
# byte-string map) on $(FUZZ_CORPUS)-bytes and tests/fuzz/corpus-bytes; each
# log keeps libFuzzer's progress lines, and the summary shows its last status
# line (cov: edges, ft: features, corp: size) and final stats.  A crash input
# lands in $(FUZZ_DIR)/artifacts/.
fuzz: $(FUZZ_BIN) $(FUZZ_BYTES_BIN)
	@set -e; for t in lfmap:$(FUZZ_CORPUS):tests/fuzz/corpus:$(FUZZ_LOG) \
	    bytes:$(FUZZ_CORPUS)-bytes:tests/fuzz/corpus-bytes:$(FUZZ_LOG:.log=-bytes.log); do \
	  name=$${t%%:*}; rest=$${t#*:}; corpus=$${rest%%:*}; rest=$${rest#*:}; seeds=$${rest%%:*}; log=$${rest#*:}; \
	  mkdir -p $$corpus $(FUZZ_DIR)/artifacts; \
	  echo "fuzz: fuzz_$$name, $(FUZZ_SECONDS) s on $$corpus (log: $$log)"; \
	  rc=0; $(FUZZ_DIR)/fuzz_$$name -max_total_time=$(FUZZ_SECONDS) -max_len=$(FUZZ_MAX_LEN) -timeout=60 \
	    -print_final_stats=1 -artifact_prefix=$(FUZZ_DIR)/artifacts/ $(FUZZ_ARGS) \
	    $$corpus $$seeds >$$log 2>&1 || rc=$$?; \
	  grep -E '^#[0-9]+' $$log | tail -n 1; \
	  grep -E '^(Done|stat::)' $$log; \
	  echo "fuzz: corpus $$corpus: $$(ls $$corpus | wc -l) files"; \
	  if [ $$rc -ne 0 ]; then grep -E -A40 'MISMATCH|ERROR|deadly signal' $$log | head -n 80; \
	    echo "fuzz: fuzz_$$name FAILED (exit $$rc), see $$log and $(FUZZ_DIR)/artifacts/"; exit $$rc; fi; \
	done

fuzz-replay:
	BUILD=$(BUILD) CC="$(CC)" bash tests/core/fuzz_replay.sh

# For tests/core/fuzz_replay.sh: this build tree's compile flags and libraries.
fuzz-print-flags:
	@echo '$(ALL_CFLAGS)'
	@echo '$(LDLIBS_ALL)'

-include $(wildcard $(FUZZ_DIR)/obj/*/*.d)

endif
