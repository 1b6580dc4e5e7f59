#!/usr/bin/env bash
# Runs one libFuzzer target (docs/fuzzing.md):
#   scripts/fuzz.sh TARGET SECONDS [extra libFuzzer flags]
# TARGET: npy, safetensors, runtime_checks (eager + runtime only: a small build in build-fuzz),
# mlir_passes, codegen (need the compiler: build-fuzz-compiler, a full instrumented build).
# Builds with clang-19 -fsanitize=fuzzer,address,undefined (GRAD_FUZZ=ON), then fuzzes for
# SECONDS with a writable corpus in BUILD/corpus/TARGET seeded from fuzz/corpus/TARGET (and
# test/lit for the MLIR targets). Crash/timeout/leak inputs go to BUILD/crashes/TARGET/. After
# fixing a bug, copy its reproducer into fuzz/corpus/TARGET/: ctest's fuzz_replay_TARGET then
# runs it in every build. Environment: GRAD_FUZZ_JOBS (parallel fuzzing processes, default 1),
# GRAD_FUZZ_BUILD_DIR (override the build directory).
set -euo pipefail
SRC="$(cd "$(dirname "$0")/.." && pwd)"
if [ $# -lt 2 ]; then
  echo "usage: $0 TARGET SECONDS [libFuzzer flags]" >&2
  exit 2
fi
TARGET=$1
SECONDS_TO_RUN=$2
shift 2
case "$TARGET" in
  npy|safetensors|runtime_checks) COMPILER=OFF; DEFAULT_DIR=$SRC/build-fuzz; SEEDS=() ;;
  mlir_passes|codegen) COMPILER=ON; DEFAULT_DIR=$SRC/build-fuzz-compiler; SEEDS=("$SRC/test/lit") ;;
  *) echo "$0: unknown target '$TARGET' (npy, safetensors, runtime_checks, mlir_passes, codegen)" >&2
     exit 2 ;;
esac
BUILD_DIR=${GRAD_FUZZ_BUILD_DIR:-$DEFAULT_DIR}
export CCACHE_BASEDIR="$SRC"
if [ ! -f "$BUILD_DIR/build.ninja" ]; then
  cmake -S "$SRC" -B "$BUILD_DIR" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DCMAKE_C_COMPILER=clang-19 -DCMAKE_CXX_COMPILER=clang++-19 \
    -DCMAKE_EXE_LINKER_FLAGS=-fuse-ld=lld -DCMAKE_SHARED_LINKER_FLAGS=-fuse-ld=lld \
    -DGRAD_FUZZ=ON -DGRAD_BUILD_COMPILER=$COMPILER -DGRAD_BUILD_TESTS=OFF \
    -DGRAD_BUILD_BENCH=OFF -DGRAD_BUILD_EXAMPLES=OFF >/dev/null
fi
cmake --build "$BUILD_DIR" -j "$(nproc)" --target "fuzz_$TARGET"
CORPUS=$BUILD_DIR/corpus/$TARGET
CRASHES=$BUILD_DIR/crashes/$TARGET
mkdir -p "$CORPUS" "$CRASHES"
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
# -timeout: one input running longer than 10 s is a finding (a hang); -rss_limit_mb: so is
# memory beyond 2 GB.
JOBS=()
if [ "${GRAD_FUZZ_JOBS:-1}" -gt 1 ]; then
  JOBS=(-jobs="$GRAD_FUZZ_JOBS" -workers="$GRAD_FUZZ_JOBS")
fi
exec "$BUILD_DIR/bin/fuzz_$TARGET" -max_total_time="$SECONDS_TO_RUN" -timeout=10 \
  -rss_limit_mb=2048 -print_final_stats=1 -artifact_prefix="$CRASHES/" "${JOBS[@]}" "$@" \
  "$CORPUS" "$SRC/fuzz/corpus/$TARGET" "${SEEDS[@]}"
