#!/usr/bin/env bash
# Configures (once) and builds grad into ${GRAD_BUILD_DIR:-build} with clang-19, lld, Ninja, ccache.
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD_DIR=${GRAD_BUILD_DIR:-build}
# Paths under the checkout are hashed relative to it, so that ccache hits across clones.
export CCACHE_BASEDIR="$(pwd)"
if [ ! -f "$BUILD_DIR/build.ninja" ]; then
  cmake -S . -B "$BUILD_DIR" -G Ninja \
    -DCMAKE_BUILD_TYPE=${GRAD_BUILD_TYPE:-Release} \
    -DCMAKE_C_COMPILER=clang-19 -DCMAKE_CXX_COMPILER=clang++-19 \
    -DCMAKE_EXE_LINKER_FLAGS=-fuse-ld=lld -DCMAKE_SHARED_LINKER_FLAGS=-fuse-ld=lld \
    -DCMAKE_MODULE_LINKER_FLAGS=-fuse-ld=lld "$@"
fi
cmake --build "$BUILD_DIR" -j "$(nproc)"
