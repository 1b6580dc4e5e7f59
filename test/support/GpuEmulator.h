//===- GpuEmulator.h - run the GPU kernels on the CPU -----------*- C++ -*-===//
//
// A test oracle for the GPU mapping on machines without a GPU: the gpu.launch
// ops that GpuMapLinalg builds are executed on the CPU with CUDA's semantics
// (every block, every thread, barriers, gpu.all_reduce), so their index
// arithmetic, guards and cooperation are checked against the interpreter.
// Each launch becomes a loop over blocks; the body is split at its barriers
// (and at loops that contain barriers, and at gpu.all_reduce) into segments,
// each run for all threads of the block before the next one starts; values
// that live across a split are kept per thread in arrays. What is not
// emulated: warp shuffles and the NVVM/PTX lowering (MLIR's own code).
//
//===----------------------------------------------------------------------===//

#ifndef GRAD_TEST_SUPPORT_GPUEMULATOR_H
#define GRAD_TEST_SUPPORT_GPUEMULATOR_H

#include "grad/Codegen/CompiledModuleBase.h"

#include "mlir/IR/BuiltinOps.h"
#include "mlir/Support/LogicalResult.h"

#include <memory>
#include <string>
#include <vector>

namespace mlir {
class ExecutionEngine;
} // namespace mlir

namespace grad {

class Tensor;

/// Rewrites every gpu.launch of `module` (host functions on host buffers, as
/// lowerToGpuLaunches leaves them) into sequential CPU code with the same
/// results. Fails with a diagnostic on a kernel it cannot emulate (a barrier
/// under a thread-dependent condition, a loop around a barrier whose bounds
/// depend on the thread).
mlir::LogicalResult emulateGpuLaunchesOnCpu(mlir::ModuleOp module);

/// A grad module whose GPU kernels run on the CPU emulator. run() (CompiledModuleBase) checks
/// host tensors against the signature, then runs the emulated code on them.
class GpuEmulatedModule : public CompiledModuleBase {
public:
  ~GpuEmulatedModule() override;
  /// grad -> lowerToGpuLaunches -> emulateGpuLaunchesOnCpu -> LLVM -> JIT,
  /// on a clone of `module`. Errors are diagnostics on its context.
  static mlir::FailureOr<std::unique_ptr<GpuEmulatedModule>> compile(mlir::ModuleOp module);

private:
  GpuEmulatedModule();
  mlir::FailureOr<std::vector<Tensor>> runChecked(llvm::StringRef fn, const FunctionSignature &sig,
                                                  const std::vector<Tensor> &inputs,
                                                  std::string *error) const override;
  std::unique_ptr<mlir::ExecutionEngine> engine_;
};

} // namespace grad

#endif // GRAD_TEST_SUPPORT_GPUEMULATOR_H
