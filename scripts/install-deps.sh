#!/usr/bin/env bash
# Installs the Debian 12 packages grad needs, only those missing. Safe to run again.
set -euo pipefail
PKGS=(cmake ninja-build ccache clang-19 lld-19 llvm-19-dev llvm-19-tools libmlir-19-dev mlir-19-tools
      libgtest-dev libgmock-dev libbenchmark-dev libfmt-dev libopenblas-dev libclang-rt-19-dev graphviz python3-numpy
      nlohmann-json3-dev libopenmpi-dev openmpi-bin libomp-19-dev libsleef-dev)
missing=()
for p in "${PKGS[@]}"; do
  dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "[grad] all packages present"
  exit 0
fi
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
echo "[grad] installing: ${missing[*]}"
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}"
