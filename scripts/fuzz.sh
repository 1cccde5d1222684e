#!/usr/bin/env bash
# Builds the libFuzzer targets with ASan+UBSan in build-fuzz/ and runs one.
#
#   scripts/fuzz.sh [SECONDS] [TARGET] [LIBFUZZER FLAGS...]
#
# fuzzes TARGET for SECONDS (default 600); e.g. `scripts/fuzz.sh 1800
# mlir-pipeline -fork=2 -ignore_crashes=1` keeps going after a crash.
#
# Targets: onnx-import (default: ONNX bytes -> importONNXModel),
# mlir-pipeline (MLIR text -> parse, verify, mixer and linalg phases) and
# model-loader (an ABI descriptor -> the runtime's loader, queries and run
# with a fake model).
# Seeds: tools/mixer-fuzz/corpus/TARGET (committed); new inputs found go to
# build-fuzz/corpus-TARGET. Crashes are written to build-fuzz/ as crash-*.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
seconds="${1:-600}"
target="${2:-onnx-import}"
case "$target" in
  onnx-import|mlir-pipeline|model-loader) ;;
  *) echo "fuzz.sh: unknown target '$target' (onnx-import, mlir-pipeline, model-loader)" >&2; exit 2 ;;
esac
build="$root/build-fuzz"
"$root/scripts/setup.sh" >/dev/null
if ! dpkg-query -W -f='${Status}' libclang-rt-22-dev 2>/dev/null | grep -q "install ok installed"; then
  ${SUDO:-$( [ "$(id -u)" -ne 0 ] && echo sudo)} apt-get install -y -qq --no-install-recommends libclang-rt-22-dev
fi
if [ ! -f "$build/build.ninja" ]; then
  cmake -G Ninja -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DMLIR_DIR=/usr/lib/llvm-22/lib/cmake/mlir \
    -DCMAKE_C_COMPILER=clang-22 -DCMAKE_CXX_COMPILER=clang++-22 -DLLVM_USE_LINKER=lld \
    -DCMAKE_CXX_COMPILER_LAUNCHER=ccache -DMIXER_BUILD_TESTS=OFF -DMIXER_ENABLE_PCH=OFF \
    -DMIXER_ENABLE_FUZZERS=ON \
    -DCMAKE_CXX_FLAGS="-fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=undefined" \
    -DCMAKE_EXE_LINKER_FLAGS="-fsanitize=address,undefined" >/dev/null
fi
ninja -C "$build" "mixer-$target-fuzzer"
mkdir -p "$build/corpus-$target"
cd "$build"
exec "./bin/mixer-$target-fuzzer" -max_total_time="$seconds" -max_len=65536 \
  -rss_limit_mb=4096 -timeout=20 -print_final_stats=1 \
  "${@:3}" "corpus-$target" "$root/tools/mixer-fuzz/corpus/$target"
