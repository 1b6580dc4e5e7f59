//===- GpuPipeline.h - grad -> PTX code generation --------------*- C++ -*-===//
//
// The NVPTX pipeline (docs/gpu.md): grad -> fused linalg on tensors (the CPU
// pipeline's front half) -> buffers -> one gpu.launch per linalg op (Passes.h)
// -> gpu-kernel-outlining into one gpu.module -> NVVM -> PTX text through
// LLVM's NVPTX backend (gpu-module-to-binary format=isa). The host function
// left behind launches the kernels on device buffers.
//
//===----------------------------------------------------------------------===//

#ifndef GRAD_GPU_GPUPIPELINE_H
#define GRAD_GPU_GPUPIPELINE_H

#include "mlir/IR/BuiltinOps.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Support/LogicalResult.h"
#include "llvm/Support/raw_ostream.h"

#include <functional>
#include <string>

namespace grad {

/// Knobs of the GPU pipeline.
struct GpuCodegenOptions {
  /// NVIDIA architecture: "sm_80" or "sm_90" (isSupportedGpuArch).
  std::string chip = "sm_90";
  /// LLVM optimization level of the NVPTX code generation, 0..3.
  unsigned optLevel = 3;
  /// Called on each pass manager before it runs (gradc: --print-ir-after-all, timing).
  std::function<void(mlir::PassManager &)> configurePassManager;
};

/// True for the architectures the backend is tested for (sm_80, sm_90).
bool isSupportedGpuArch(llvm::StringRef chip);

/// Registers the dialects, interfaces and LLVM IR translations of the GPU
/// pipeline (GPU, NVVM, the NVVM target attribute) with `registry`.
void registerGpuCodegenDialects(mlir::DialectRegistry &registry);

/// Lowers `module` (grad and/or linalg on tensors) in place to the GPU
/// dialect: host functions with gpu.launch_func on device buffers and one
/// gpu.module @grad_kernels holding every kernel as a gpu.func.
mlir::LogicalResult lowerToGpuKernels(mlir::ModuleOp module, const GpuCodegenOptions &options);

/// The first half of lowerToGpuKernels: host functions with gpu.alloc'ed
/// buffers and each kernel still inline as a gpu.launch (the input of
/// test/support/GpuEmulator.h).
mlir::LogicalResult lowerToGpuLaunches(mlir::ModuleOp module, const GpuCodegenOptions &options);

/// Lowers `module` like lowerToGpuKernels, then the kernels to NVVM and PTX:
/// the gpu.module becomes a gpu.binary whose object is the PTX text.
mlir::LogicalResult lowerToGpuBinary(mlir::ModuleOp module, const GpuCodegenOptions &options);

/// Lowers `module` like lowerToGpuBinary, then the host functions to the
/// LLVM dialect: launches, allocations and copies become calls to the mgpu*
/// functions of libgradrt (runtime/include/grad/gradrt_gpu.h) on one stream
/// per call, synchronized before the function returns.
mlir::LogicalResult lowerGpuModuleToLLVM(mlir::ModuleOp module, const GpuCodegenOptions &options);

/// What emitGpuHostCode writes.
enum class GpuHostOutput { Object, Assembly, LlvmIR };

/// Compiles a clone of `module` with lowerGpuModuleToLLVM and writes the host
/// code (PTX embedded) as a host object, assembly or LLVM IR. The object
/// defines `_mlir_ciface_<f>` taking device buffers and needs only libgradrt.
mlir::LogicalResult emitGpuHostCode(mlir::ModuleOp module, llvm::raw_pwrite_stream &os,
                                    GpuHostOutput kind, const GpuCodegenOptions &options);

/// Compiles `module` (a clone; the argument is not changed) and writes the
/// PTX of its kernels (one PTX module, one .entry per kernel) to `os`.
mlir::LogicalResult emitPtx(mlir::ModuleOp module, llvm::raw_ostream &os,
                            const GpuCodegenOptions &options);

} // namespace grad

#endif // GRAD_GPU_GPUPIPELINE_H
