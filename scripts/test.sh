#!/usr/bin/env bash
# Second command of the README: install what is missing, build, run the whole suite through ctest
# (GoogleTest units, the lit/FileCheck suite, end-to-end runs).
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/install-deps.sh
./scripts/build.sh
cd "${GRAD_BUILD_DIR:-build}"
ctest --output-on-failure -j "$(nproc)" "$@"
