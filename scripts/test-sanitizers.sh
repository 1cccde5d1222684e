#!/usr/bin/env bash
# The test suite under AddressSanitizer + UndefinedBehaviorSanitizer, with
# LeakSanitizer's exit check, in build-asan/ (CMakePresets.json "asan").
#
#   scripts/test-sanitizers.sh [--json FILE] [lit paths relative to build-asan/ ...]
#
# Without paths: the FileCheck suite (test/), the gtest unit tests and the
# end-to-end tests. --json writes lit's results there. scripts/test.sh (the
# README's test command, hence CI) runs test/, unittests/ and part of
# integration_test/ (LIT_FILTER) here after the normal suite; see the
# comment there for why not all of it. Every Mixer binary (mixer-opt, mixer-translate,
# mixer-compile, mixer-run, libMixerRuntime, the unit tests) is
# instrumented; libMLIR.so and the generated model.so files are not.
# Not run here (lit marks them UNSUPPORTED: asan, or they need the Python
# package, which is not built): the Python package tests (an uninstrumented
# python cannot load an instrumented extension), the mlir-opt plugin test,
# and the find_package consumer.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="$root/build-asan"
json=()
if [ "${1:-}" = "--json" ]; then
  json=(--output "$2")
  shift 2
fi
# scripts/test.sh has just run the set-up.
if [ -z "${MIXER_SETUP_DONE:-}" ]; then
  "$root/scripts/setup.sh" >/dev/null
fi
if [ ! -f "$build/build.ninja" ]; then
  (cd "$root" && cmake --preset asan) > "$build.configure.log" 2>&1 \
    || { cat "$build.configure.log"; exit 1; }
fi
ninja -C "$build" all mixer-test-depends | grep -v '^\[' || true
test "${PIPESTATUS[0]}" -eq 0

# halt_on_error: the first report fails the test; detect_leaks: LeakSanitizer
# at exit. UBSan aborts (the build uses -fno-sanitize-recover=all).
export ASAN_OPTIONS="detect_leaks=1:halt_on_error=1:abort_on_error=0:detect_stack_use_after_return=0"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"
if [ $# -eq 0 ]; then
  set -- test unittests integration_test
fi
paths=()
for p in "$@"; do paths+=("$build/$p"); done
exec /usr/lib/llvm-22/bin/lit -sv "${json[@]}" "${paths[@]}"
