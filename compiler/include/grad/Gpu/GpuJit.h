//===- GpuJit.h - run grad modules on an NVIDIA GPU -------------*- C++ -*-===//
//
// grad::GpuCompiledModule: the NVPTX pipeline (GpuPipeline.h) plus the host
// code lowered to calls into libgradrt's mgpu* functions, JIT-compiled with
// mlir::ExecutionEngine. run() moves host tensors to device buffers, calls the
// entry point and copies the outputs back. Compiling needs no GPU; running
// needs the CUDA driver (libcuda.so.1), else a clear error.
//
//===----------------------------------------------------------------------===//

#ifndef GRAD_GPU_GPUJIT_H
#define GRAD_GPU_GPUJIT_H

#include "grad/Codegen/CompiledModuleBase.h"
#include "grad/Gpu/GpuPipeline.h"

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

/// True when the CUDA driver loads and device 0 opens; otherwise false and
/// `reason` (if given) says why, e.g. "no CUDA driver found: libcuda.so.1 ...".
bool cudaDeviceAvailable(std::string *reason = nullptr);

/// The architecture to compile for device 0: "sm_90" for compute capability
/// 9.x and newer, "sm_80" for 8.x (PTX for sm_80 also runs on newer devices).
/// Fails with `reason` set when there is no device or it predates sm_80.
mlir::FailureOr<std::string> cudaDeviceArch(std::string *reason = nullptr);

/// A grad module compiled for the GPU in this process. run() (CompiledModuleBase) checks host
/// tensors against the signature like CompiledModule::run, then copies them to the device, runs
/// the kernels and returns the outputs copied back; it fails with `error` set on bad input, no
/// driver or a CUDA error.
class GpuCompiledModule : public CompiledModuleBase {
public:
  ~GpuCompiledModule() override;

  /// Lowers a clone of `module` (grad and/or linalg on tensors) to PTX kernels
  /// and host code and JIT-compiles the host code. Errors are diagnostics on
  /// `module`'s context.
  static mlir::FailureOr<std::unique_ptr<GpuCompiledModule>>
  compile(mlir::ModuleOp module, const GpuCodegenOptions &options = {});

private:
  GpuCompiledModule();
  mlir::FailureOr<std::vector<Tensor>> runChecked(llvm::StringRef fn, const FunctionSignature &sig,
                                                  const std::vector<Tensor> &inputs,
                                                  std::string *error) const override;
  std::unique_ptr<mlir::ExecutionEngine> engine_;
};

} // namespace grad

#endif // GRAD_GPU_GPUJIT_H
