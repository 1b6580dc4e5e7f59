#!/usr/bin/env bash
# Installs the build tree into a scratch prefix and builds + runs a consumer project against it
# with find_package(grad CONFIG). Usage: run.sh BUILD_DIR SCRATCH_DIR
set -euo pipefail
BUILD_DIR=$1
SCRATCH=$2
SRC="$(cd "$(dirname "$0")" && pwd)/consumer"
rm -rf "$SCRATCH"
cmake --install "$BUILD_DIR" --prefix "$SCRATCH/prefix" >/dev/null
cmake -S "$SRC" -B "$SCRATCH/build" -G Ninja -DCMAKE_PREFIX_PATH="$SCRATCH/prefix" \
  -DCMAKE_C_COMPILER=clang-19 -DCMAKE_CXX_COMPILER=clang++-19 >/dev/null
cmake --build "$SCRATCH/build" >/dev/null
LD_LIBRARY_PATH="$SCRATCH/prefix/lib:${LD_LIBRARY_PATH:-}" "$SCRATCH/build/consumer_eager"
LD_LIBRARY_PATH="$SCRATCH/prefix/lib:${LD_LIBRARY_PATH:-}" "$SCRATCH/build/consumer_runtime"
