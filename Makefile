# Thin wrapper over Meson + Ninja. `make` builds, `make test` runs the whole
# suite (normal build, then under AddressSanitizer + UndefinedBehaviorSanitizer),
# `make demo` judges sample photos against the bundled simulator.
BUILD      ?= build
ASAN_BUILD ?= build-asan
MESON      ?= meson

.PHONY: all deps test test-fast test-asan demo bench fuzz format clean

all: $(BUILD)/build.ninja
	ninja -C $(BUILD)

$(BUILD)/build.ninja:
	$(MESON) setup $(BUILD)

$(ASAN_BUILD)/build.ninja:
	$(MESON) setup $(ASAN_BUILD) -Db_sanitize=address,undefined -Db_lundef=false -Dbuildtype=debug

deps:
	scripts/install-deps.sh

test: test-fast test-asan

test-fast: all
	$(MESON) test -C $(BUILD) --print-errorlogs

test-asan: $(ASAN_BUILD)/build.ninja
	ninja -C $(ASAN_BUILD)
	ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
	UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	LSAN_OPTIONS=suppressions=$(CURDIR)/tests/lsan.supp \
	$(MESON) test -C $(ASAN_BUILD) --print-errorlogs --no-suite slow

demo:
	scripts/install-deps.sh
	$(MAKE) all
	scripts/demo.sh

bench: all
	@ls bench/*.sh

fuzz:
	CC=clang $(MESON) setup build-fuzz -Dfuzz=true -Db_lundef=false
	ninja -C build-fuzz

format:
	clang-format -i $$(git ls-files '*.c' '*.h')

clean:
	rm -rf $(BUILD) $(ASAN_BUILD) build-fuzz
