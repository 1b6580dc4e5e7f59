#!/usr/bin/env bash
# First command of the README: install what is missing, build everything, run the main demo
# (an MLP trained eagerly on two interleaved spirals).
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/install-deps.sh
./scripts/build.sh
"${GRAD_BUILD_DIR:-build}/bin/mlp_spirals"
