#!/usr/bin/env bash
# Builds the eager layer, the runtime and their unit tests with a sanitizer into a separate build
# dir and runs them. Called by ctest as the `sanitizers` and `sanitizers_thread` tests; usable by
# hand:
#   scripts/sanitize.sh [BUILD_DIR]            AddressSanitizer + UBSan (LeakSanitizer included),
#                                              every test of those layers (default build-asan)
#   scripts/sanitize.sh --thread [BUILD_DIR]   ThreadSanitizer (default build-tsan), the tests
#                                              whose ctest name matches GRAD_TSAN_TESTS (default
#                                              ^Threads: GoogleTest suites named Threads*)
set -euo pipefail
SRC="$(cd "$(dirname "$0")/.." && pwd)"
MODE=address
if [ "${1:-}" = "--thread" ]; then
  MODE=thread
  shift
fi
if [ "$MODE" = thread ]; then
  BUILD_DIR=${1:-$SRC/build-tsan}
  SANITIZE_FLAG=-DGRAD_SANITIZE_THREAD=ON
else
  BUILD_DIR=${1:-$SRC/build-asan}
  SANITIZE_FLAG=-DGRAD_SANITIZE=ON
fi
# Paths under the checkout are hashed relative to it, so that ccache hits across clones.
export CCACHE_BASEDIR="$SRC"
if [ ! -f "$BUILD_DIR/build.ninja" ]; then
  cmake -S "$SRC" -B "$BUILD_DIR" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DCMAKE_C_COMPILER=clang-19 -DCMAKE_CXX_COMPILER=clang++-19 \
    -DCMAKE_EXE_LINKER_FLAGS=-fuse-ld=lld -DCMAKE_SHARED_LINKER_FLAGS=-fuse-ld=lld \
    "$SANITIZE_FLAG" -DGRAD_BUILD_COMPILER=OFF -DGRAD_BUILD_BENCH=OFF -DGRAD_BUILD_EXAMPLES=OFF \
    >/dev/null
fi
cmake --build "$BUILD_DIR" -j "$(nproc)"
cd "$BUILD_DIR"
if [ "$MODE" = thread ]; then
  # halt_on_error: a race fails the test. OpenBLAS's own (uninstrumented) threads would only
  # produce reports TSan cannot see through: one BLAS thread.
  # OpenMP (the eager thread pool): Archer, LLVM's OMPT tool, tells TSan about libomp's
  # fork/join/barriers; scripts/tsan.supp drops reports from inside the uninstrumented libomp.
  ARCHER=$(clang++-19 -print-file-name=libarcher.so)
  if [ ! -f "$ARCHER" ]; then
    echo "$0: libarcher.so not found (clang-19's OpenMP TSan support, package libomp-19-dev)" >&2
    exit 1
  fi
  export OMP_TOOL_LIBRARIES=$ARCHER
  export TSAN_OPTIONS="halt_on_error=1 second_deadlock_stack=1 suppressions=$SRC/scripts/tsan.supp ${TSAN_OPTIONS:-}"
  export OPENBLAS_NUM_THREADS=1
  ctest --output-on-failure -j "$(nproc)" -R "${GRAD_TSAN_TESTS:-^Threads}" --no-tests=error
else
  export ASAN_OPTIONS=detect_leaks=1:abort_on_error=0:halt_on_error=1
  export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
  ctest --output-on-failure -j "$(nproc)"
fi
