# orgpulse: `make run` serves a demo data set; `make check` runs every test (plain, then ASan+UBSan).
BUILD      ?= build
ASAN_BUILD ?= build-asan
FUZZ_BUILD ?= build-fuzz
FUZZ_SECONDS ?= 300
JOBS       ?= $(shell nproc)
PYTHON     ?= /usr/bin/python3

.PHONY: all deps build build-asan build-fuzz run check test fuzz valgrind bench-ingest clean

all: build

deps:
	@scripts/install-deps

build: deps
	@cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
	@cmake --build $(BUILD) -j$(JOBS) -- --no-print-directory
	@scripts/build-web $(BUILD)/web

build-asan: deps
	@cmake -S . -B $(ASAN_BUILD) -DCMAKE_BUILD_TYPE=Debug -DORGPULSE_SANITIZE=ON >/dev/null
	@cmake --build $(ASAN_BUILD) -j$(JOBS) -- --no-print-directory
	@scripts/build-web $(ASAN_BUILD)/web

# libFuzzer targets (fuzz/), clang with ASan+UBSan.
build-fuzz: deps
	@cmake -S . -B $(FUZZ_BUILD) -DCMAKE_C_COMPILER=clang -DCMAKE_BUILD_TYPE=RelWithDebInfo -DORGPULSE_FUZZ=ON >/dev/null
	@cmake --build $(FUZZ_BUILD) -j$(JOBS) -- --no-print-directory

run: build
	@scripts/run-demo $(BUILD)/orgpulse

# Every test, once on the plain build and once under AddressSanitizer + UndefinedBehaviorSanitizer; the API and CLI
# tests once more on PostgreSQL (plain build only, to keep the time down); the dashboard's browser tests once (plain
# build, SQLite: tests/web/test_dashboard.py); then each fuzz target for 30 s.
check: build build-asan build-fuzz
	@scripts/run-tests $(BUILD) --postgres
	@ORGPULSE_SKIP_BROWSER=1 scripts/run-tests $(ASAN_BUILD)
	@scripts/run-fuzz $(FUZZ_BUILD) 30

# Every test under valgrind memcheck (slow; not part of check).
valgrind: build
	@scripts/run-valgrind $(BUILD)

# Each fuzz target for FUZZ_SECONDS (default 300).
fuzz: build-fuzz
	@scripts/run-fuzz $(FUZZ_BUILD) $(FUZZ_SECONDS)

test: build
	@scripts/run-tests $(BUILD)

bench-ingest: build
	@bench/ingest/run $(BUILD)/orgpulse

clean:
	rm -rf $(BUILD) $(ASAN_BUILD) $(FUZZ_BUILD)
