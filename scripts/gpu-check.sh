#!/usr/bin/env bash
# GPU checks of the NVPTX backend (docs/gpu.md), one command:
#   compiled-on-the-GPU vs the reference interpreter for the e2e models (gpu_test),
#   grad::jit with Device::CUDA vs the CPU (gpu_jit_device_test),
#   the fused elementwise kernel's bandwidth as a fraction of cuMemcpyDtoD's (bench_gpu_bandwidth).
# Without a usable GPU it says why and exits 0. Builds the three targets in
# ${GRAD_BUILD_DIR:-build} (configured by scripts/build.sh) first.
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD_DIR=${GRAD_BUILD_DIR:-build}
if [ ! -f "$BUILD_DIR/build.ninja" ]; then
  GRAD_BUILD_DIR="$BUILD_DIR" ./scripts/build.sh >/dev/null
fi
cmake --build "$BUILD_DIR" --target gpu_test gpu_jit_device_test bench_gpu_bandwidth >/dev/null
BIN="$BUILD_DIR/bin"
if ! probe=$("$BIN/bench_gpu_bandwidth" --probe); then
  echo "gpu-check: skipped: $probe"
  exit 0
fi
echo "gpu-check: $probe"
export GRAD_SOURCE_DIR="$PWD"
# A skipped GPU test would mean the device vanished between the probe and the test: fail then.
for test in gpu_test gpu_jit_device_test; do
  out=$("$BIN/$test" 2>&1) || { echo "$out"; echo "gpu-check: $test FAILED"; exit 1; }
  echo "$out" | grep -E "^\[  (PASSED|SKIPPED|FAILED) " || true
  if echo "$out" | grep -q "SKIPPED \] \(GpuRun.ModelsMatchTheInterpreter\|JitDevice.CudaMatchesTheCpu\)"; then
    echo "$out"; echo "gpu-check: $test skipped its GPU test"; exit 1
  fi
done
"$BIN/bench_gpu_bandwidth"
echo "gpu-check: all GPU checks passed"
