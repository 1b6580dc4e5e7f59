#!/usr/bin/env bash
# First command of the README: install what is missing, build everything, run the main demo:
# the character-level transformer of examples/charlm trained eagerly and compiled side by side
# (loss curves, ms/step, compile time, kernels before/after fusion, peak memory per mode), then
# the eager tape and the compiled graph as DOT and SVG in charlm-graphs/ (graphviz is in
# install-deps.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/install-deps.sh
./scripts/build.sh
"${GRAD_BUILD_DIR:-build}/bin/charlm" --steps 60 --print-every 10
