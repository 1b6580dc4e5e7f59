#!/usr/bin/env bash
# Builds the eager layer, the runtime and their unit tests with AddressSanitizer + UBSan
# (LeakSanitizer included) into a separate build dir and runs them. Called by ctest as the
# `sanitizers` test; usable by hand: scripts/sanitize.sh [BUILD_DIR].
set -euo pipefail
SRC="$(cd "$(dirname "$0")/.." && pwd)"
BUILD_DIR=${1:-$SRC/build-asan}
if [ ! -f "$BUILD_DIR/build.ninja" ]; then
  cmake -S "$SRC" -B "$BUILD_DIR" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DCMAKE_C_COMPILER=clang-19 -DCMAKE_CXX_COMPILER=clang++-19 \
    -DCMAKE_EXE_LINKER_FLAGS=-fuse-ld=lld -DCMAKE_SHARED_LINKER_FLAGS=-fuse-ld=lld \
    -DGRAD_SANITIZE=ON -DGRAD_BUILD_COMPILER=OFF -DGRAD_BUILD_BENCH=OFF -DGRAD_BUILD_EXAMPLES=OFF \
    >/dev/null
fi
cmake --build "$BUILD_DIR" -j "$(nproc)"
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=0:halt_on_error=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
cd "$BUILD_DIR"
ctest --output-on-failure -j "$(nproc)"
