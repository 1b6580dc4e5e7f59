//===- GpuPasses.h - passes of the NVPTX code generation --------*- C++ -*-===//
//
// The grad-specific steps of the GPU pipeline (docs/gpu.md); everything else
// is MLIR's own GPU/NVVM passes. The passes are plain C++ PassWrappers: they
// are reached through GpuPipeline.h, not through a registry.
//
//===----------------------------------------------------------------------===//

#ifndef GRAD_CODEGEN_GPUPASSES_H
#define GRAD_CODEGEN_GPUPASSES_H

#include "mlir/Pass/Pass.h"

#include <memory>

namespace grad {

/// On func.func with linalg on buffers (static shapes): turns every
/// linalg.generic (and memref.copy) into a gpu.launch. Elementwise ops become
/// a 1-D grid of 256-thread blocks over the flattened iteration space;
/// reductions one block per output element with the threads cooperating
/// through gpu.all_reduce (or one thread per output when the reduced extent is
/// tiny and the outputs many, or the outputs along the contiguous dimension);
/// contractions with one M, N and K dimension a shared-memory tiled matmul
/// (16x16, or 64x64 with 4x4 outputs per thread when M, N >= 64). A fill of a
/// reduction's output becomes its initial value. Dynamic shapes are an error.
std::unique_ptr<mlir::Pass> createGpuMapLinalgPass();

/// On func.func after GpuMapLinalg: the host function's buffers live on the
/// device. memref.alloc/dealloc -> gpu.alloc/dealloc (temporaries freed before
/// the return), constant globals are copied to device buffers, and any host
/// load/store of a buffer left over is an error.
std::unique_ptr<mlir::Pass> createGpuDeviceBuffersPass();

/// On gpu.module: lowers gpu.all_reduce (shuffles within a warp, shared
/// memory and barriers across warps) with MLIR's rewrite patterns, which
/// convert-gpu-to-nvvm does not apply by itself in MLIR 19.
std::unique_ptr<mlir::Pass> createGpuLowerAllReducePass();

/// On gpu.module after convert-gpu-to-nvvm: calls to libdevice functions that are one PTX
/// instruction (__nv_fabs, sqrt, floor, ceil, fma, copysign; f32 and f64) -> LLVM intrinsics,
/// so that PTX for them needs no CUDA toolkit (libdevice.10.bc) at compile time.
std::unique_ptr<mlir::Pass> createGpuNativeMathPass();

} // namespace grad

#endif // GRAD_CODEGEN_GPUPASSES_H
