# orgpulse: `make run` serves a demo data set; `make check` runs every test (plain, then ASan+UBSan).
BUILD      ?= build
ASAN_BUILD ?= build-asan
JOBS       ?= $(shell nproc)
PYTHON     ?= /usr/bin/python3

.PHONY: all deps build build-asan run check test bench-ingest clean

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

run: build
	@scripts/run-demo $(BUILD)/orgpulse

# Every test, once on the plain build and once under AddressSanitizer + UndefinedBehaviorSanitizer (the dashboard's
# browser tests only on the plain build: tests/web/test_dashboard.py).
check: build build-asan
	@scripts/run-tests $(BUILD)
	@ORGPULSE_SKIP_BROWSER=1 scripts/run-tests $(ASAN_BUILD)

test: build
	@scripts/run-tests $(BUILD)

bench-ingest: build
	@bench/ingest/run $(BUILD)/orgpulse

clean:
	rm -rf $(BUILD) $(ASAN_BUILD)
