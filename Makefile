# artisearch — plain Makefile (see README.md "Building").
# Sources are discovered, not listed: a new .c in a folder is built into that folder's target.
#   make                          build bin/artisearch-index, bin/artisearchd, bin/artisearch
#   make test                     whole test suite (installs missing Debian packages first)
#   make SANITIZE=address,undefined test
#   make run                      build, index corpus/, serve it
#   make bench | bench-quick      benchmarks beside Xapian (never part of test)
#   make bench-programs           bench/*.c and bench/xapian_latency.cc into build/bench/
#   make fuzz [FUZZ_SECONDS=60]   libFuzzer targets of tests/fuzz/ (clang, ASan+UBSan) into build-fuzz/
#   make soak [SOAK_SECONDS=600]  the daemon under wrk while the index is republished (never part of test)

CC       ?= cc
CFLAGS   ?= -O2 -g
CPPFLAGS ?=
LDFLAGS  ?=
SANITIZE ?=

PKGS     := libutf8proc libcmark yaml-0.1 gumbo poppler-glib libmicrohttpd zlib liblz4 libxxhash
BUILD    := build$(if $(SANITIZE),-san)
BIN      := bin$(if $(SANITIZE),-san)
# FUZZ=1 (set by `make fuzz`): everything instrumented for libFuzzer, in build-fuzz/.
FUZZ     ?=
ifneq ($(FUZZ),)
BUILD    := build-fuzz
BIN      := bin-fuzz
endif

override CFLAGS += -std=c17 -Wall -Wextra -Werror -D_GNU_SOURCE -MMD -MP -I. -pthread
override CFLAGS += $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
LIBS     := $(shell pkg-config --libs $(PKGS) 2>/dev/null) -lstemmer -lm -pthread

ifneq ($(SANITIZE),)
override CFLAGS  += -fsanitize=$(SANITIZE) -fno-omit-frame-pointer -fno-sanitize-recover=all
override LDFLAGS += -fsanitize=$(SANITIZE)
# A third-party leak the sanitized suite is not to fail on (tests/lsan.supp says which).
export LSAN_OPTIONS ?= suppressions=$(CURDIR)/tests/lsan.supp:print_suppressions=0
endif
ifneq ($(FUZZ),)
override CFLAGS  += -fsanitize=fuzzer-no-link,address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all
override LDFLAGS += -fsanitize=fuzzer,address,undefined
endif

COMMON_SRC  := $(sort $(wildcard common/*/*.c))
INDEXER_SRC := $(sort $(wildcard indexer/*.c))
SEARCHD_SRC := $(sort $(wildcard searchd/*.c))
CLI_SRC     := $(sort $(wildcard cli/*.c))
TEST_SRC    := $(sort $(wildcard tests/unit/test_*.c))
TESTLIB_SRC := $(sort $(filter-out $(TEST_SRC),$(wildcard tests/unit/*.c)))
FUZZ_SRC    := $(sort $(wildcard tests/fuzz/fuzz_*.c))
FUZZLIB_SRC := $(sort $(filter-out $(FUZZ_SRC) tests/fuzz/driver.c,$(wildcard tests/fuzz/*.c)))
WEB_FILES   := $(sort $(wildcard web/*.html web/*.js web/*.css web/*.svg))

obj = $(patsubst %.c,$(BUILD)/%.o,$(1))

LIB         := $(BUILD)/libartisearch.a
# Extraction belongs to the indexer (DESIGN.md) but its tests link it too.
INDEXER_LIB := $(BUILD)/libextract.a
TESTS       := $(patsubst tests/unit/%.c,$(BUILD)/tests/%,$(TEST_SRC))
# Fuzz targets: with libFuzzer's main under FUZZ=1, else with tests/fuzz/driver.c, which
# replays files (tests/integration/fuzz_replay.sh runs the seeds and regressions).
FUZZERS     := $(patsubst tests/fuzz/%.c,$(BUILD)/fuzz/%,$(FUZZ_SRC))
FUZZ_MAIN   := $(if $(FUZZ),,$(BUILD)/tests/fuzz/driver.o)
PROGRAMS    := $(BIN)/artisearch-index $(BIN)/artisearchd $(BIN)/artisearch

.PHONY: all test check run bench bench-quick fuzz soak clean deps deps-test deps-bench deps-fuzz
# Keep object files of tests and benches: they are intermediates to make, inputs to us.
.SECONDARY:
all: $(PROGRAMS)

$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) -c -o $@ $<

# Word lists of common/ (common/text/stopwords-fr.txt) compiled into the library as
# `const char stopwords_fr_txt[]`, NUL-terminated.
WORDLISTS   := $(sort $(wildcard common/*/*.txt))
WORDLIST_OBJ := $(patsubst common/%.txt,$(BUILD)/gen/%.o,$(WORDLISTS))

$(BUILD)/gen/%.c: common/%.txt
	@mkdir -p $(dir $@)
	{ echo '/* Generated from $<; do not edit. */'; \
	  printf 'extern const char %s_txt[];\nconst char %s_txt[] = {' $(subst -,_,$(notdir $*)) $(subst -,_,$(notdir $*)); \
	  od -An -v -tx1 $< | tr -s ' \n' ' ' | sed 's/ \([0-9a-f][0-9a-f]\)/0x\1,/g'; \
	  echo '0x00};'; } > $@.tmp && mv $@.tmp $@

$(BUILD)/gen/%.o: $(BUILD)/gen/%.c
	$(CC) $(CPPFLAGS) $(CFLAGS) -c -o $@ $<

$(LIB): $(call obj,$(COMMON_SRC)) $(WORDLIST_OBJ)
	@mkdir -p $(dir $@)
	rm -f $@ && $(AR) rcs $@ $^

$(INDEXER_LIB): $(call obj,$(filter-out indexer/main.c,$(INDEXER_SRC)))
	@mkdir -p $(dir $@)
	rm -f $@ && $(AR) rcs $@ $^

# The search page is compiled into the daemon so it is one file to deploy.
$(BUILD)/gen/web_assets.c: $(WEB_FILES) scripts/embed.sh
	@mkdir -p $(dir $@)
	sh scripts/embed.sh $(WEB_FILES) > $@.tmp && mv $@.tmp $@

$(BIN)/artisearch-index: $(BUILD)/indexer/main.o $(INDEXER_LIB) $(LIB)
	@mkdir -p $(BIN)
	$(CC) $(LDFLAGS) -o $@ $^ $(LIBS)

$(BIN)/artisearchd: $(call obj,$(SEARCHD_SRC)) $(BUILD)/gen/web_assets.o $(LIB)
	@mkdir -p $(BIN)
	$(CC) $(LDFLAGS) -o $@ $^ $(LIBS)

$(BIN)/artisearch: $(call obj,$(CLI_SRC)) $(LIB)
	@mkdir -p $(BIN)
	$(CC) $(LDFLAGS) -o $@ $^ $(LIBS)

$(BUILD)/tests/%: $(BUILD)/tests/unit/%.o $(call obj,$(TESTLIB_SRC)) $(INDEXER_LIB) $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ $(LIBS) -lcmocka

deps:
	@sh scripts/setup.sh build
deps-test:
	@sh scripts/setup.sh test
deps-bench:
	@sh scripts/setup.sh bench
deps-fuzz:
	@sh scripts/setup.sh fuzz

# `make test` installs what is missing, then builds in a sub-make so pkg-config sees the packages.
test: deps-test
	@$(MAKE) --no-print-directory build-tests
	@sh tests/run.sh $(BUILD) $(BIN)

.PHONY: build-tests
build-tests: $(PROGRAMS) $(TESTS) $(FUZZERS)

# The daemon's request decoder is fuzzed too (fuzz_searchd), without the server around it.
FUZZ_DAEMON := $(call obj,$(filter searchd/request.c,$(SEARCHD_SRC)))
$(BUILD)/fuzz/%: $(BUILD)/tests/fuzz/%.o $(FUZZ_MAIN) $(call obj,$(FUZZLIB_SRC) $(TESTLIB_SRC)) $(FUZZ_DAEMON) $(INDEXER_LIB) $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ $(LIBS) -lcmocka

# Each target for FUZZ_SECONDS (crashes land in build-fuzz/crashes/NAME/; turn each into
# a file of tests/fuzz/regressions/NAME/ once fixed). FUZZ_TARGETS narrows the list.
FUZZ_SECONDS ?= 60
FUZZ_TARGETS ?=
fuzz: deps-fuzz
	@$(MAKE) --no-print-directory FUZZ=1 CC=clang fuzz-programs
	@sh tests/fuzz/run.sh build-fuzz $(FUZZ_SECONDS) $(FUZZ_TARGETS)

.PHONY: fuzz-programs
fuzz-programs: $(FUZZERS)

# The daemon under wrk while the index is republished, then its ASan build for
# SOAK_ASAN_SECONDS (tests/soak/run.sh says what passes). Output in tests/out/soak/.
SOAK_SECONDS ?= 600
SOAK_ASAN_SECONDS ?= 120
soak:
	@sh scripts/setup.sh soak
	@$(MAKE) --no-print-directory all
	@$(MAKE) --no-print-directory SANITIZE=address,undefined all
	@sh tests/soak/run.sh $(SOAK_SECONDS) $(SOAK_ASAN_SECONDS)

run: deps
	@$(MAKE) --no-print-directory all
	@sh scripts/run.sh

bench: deps-bench
	@$(MAKE) --no-print-directory all
	@sh bench/run.sh full

bench-quick: deps-bench
	@$(MAKE) --no-print-directory all
	@sh bench/run.sh quick

clean:
	rm -rf build build-san build-fuzz bin bin-san bin-fuzz

-include $(shell find build build-san build-fuzz -name '*.d' 2>/dev/null)

# Benchmark programs: bench/*.c, each a program of its own linked with the library.
BENCH_SRC := $(sort $(wildcard bench/*.c))
BENCHES   := $(patsubst bench/%.c,$(BUILD)/bench/%,$(BENCH_SRC))
.PHONY: bench-programs
bench-programs: $(BENCHES) $(BUILD)/bench/xapian_latency
$(BUILD)/bench/%: $(BUILD)/bench/%.o $(INDEXER_LIB) $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ $(LIBS)

# Xapian's latency timed from C++ (bench/xapian_latency.cc says why). Only bench targets
# ask for it: g++ and libxapian-dev come with `scripts/setup.sh bench`, not build or test.
CXX      ?= g++
CXXFLAGS ?= -O2 -g
$(BUILD)/bench/xapian_latency: bench/xapian_latency.cc
	@mkdir -p $(dir $@)
	$(CXX) $(CPPFLAGS) $(CXXFLAGS) -std=c++17 -Wall -Wextra -Werror -o $@ $< $(LDFLAGS) -lxapian
