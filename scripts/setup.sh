#!/usr/bin/env bash
# Installs what Mixer needs on Debian 12 and builds it. Idempotent: a second
# run installs nothing and rebuilds only what changed.
#
#   scripts/setup.sh            packages + Python venv + build
#   MIXER_BUILD_DIR=dir ...     build somewhere other than ./build
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${MIXER_BUILD_DIR:-$root/build}"
sudo=""
if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi

log() { printf '\033[1m[setup]\033[0m %s\n' "$*"; }

# --- Debian packages ---------------------------------------------------------
# LLVM/MLIR 22 and clang/lld from Debian (bookworm-security carries 22.1.8),
# lld as a library (model.so is linked in-process), OpenMP for the generated
# code, protobuf + ONNX for the importer, gtest for the unit tests, the
# Python headers for the Python package's extension module, clang's
# sanitizer runtimes for the ASan/UBSan build (scripts/test-sanitizers.sh).
packages=(
  cmake ninja-build ccache git python3 python3-venv python3-dev
  clang-22 lld-22 liblld-22-dev llvm-22-dev llvm-22-tools libmlir-22-dev
  libclang-rt-22-dev
  mlir-22-tools libomp-22-dev zlib1g-dev libzstd-dev
  libprotobuf-dev protobuf-compiler libonnx-dev
  libgtest-dev
)
missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done
if [ ${#missing[@]} -gt 0 ]; then
  log "installing ${missing[*]}"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
else
  log "Debian packages present"
fi

# --- Python venv (pinned requirements) ---------------------------------------
venv="$root/.venv"
stamp="$venv/.requirements.sha256"
want="$(sha256sum "$root/requirements.txt" | cut -d' ' -f1)"
if [ ! -x "$venv/bin/python" ]; then
  log "creating $venv"
  /usr/bin/python3 -m venv "$venv"
fi
if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
  log "installing Python requirements"
  "$venv/bin/pip" install -q --disable-pip-version-check -r "$root/requirements.txt"
  echo "$want" > "$stamp"
else
  log "Python requirements present"
fi

# --- Configure and build -----------------------------------------------------
if [ ! -f "$build/build.ninja" ]; then
  log "configuring $build"
  cmake -G Ninja -S "$root" -B "$build" \
    -DCMAKE_BUILD_TYPE=Release \
    -DMLIR_DIR=/usr/lib/llvm-22/lib/cmake/mlir \
    -DCMAKE_C_COMPILER=clang-22 -DCMAKE_CXX_COMPILER=clang++-22 \
    -DLLVM_USE_LINKER=lld \
    -DCMAKE_C_COMPILER_LAUNCHER=ccache -DCMAKE_CXX_COMPILER_LAUNCHER=ccache \
    -DMIXER_PYTHON="$venv/bin/python" > "$build.configure.log" 2>&1 \
    || { cat "$build.configure.log"; exit 1; }
fi
log "building"
ninja -C "$build" all mixer-test-depends | grep -v '^\[' || true
test "${PIPESTATUS[0]}" -eq 0
