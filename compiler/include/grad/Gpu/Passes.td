//===- Passes.td - grad GPU code generation passes ---------*- tablegen -*-===//
//
// The grad-specific steps of the NVPTX pipeline (docs/gpu.md, GpuPipeline.h); everything else
// in it is MLIR's own GPU and NVVM passes.
//
//===----------------------------------------------------------------------===//

#ifndef GRAD_GPU_PASSES
#define GRAD_GPU_PASSES

include "mlir/Pass/PassBase.td"

def GradGpuMapLinalg : Pass<"grad-gpu-map-linalg", "mlir::func::FuncOp"> {
  let summary = "Map linalg on buffers to gpu.launch";
  let description = [{
    On func.func with linalg on buffers (static shapes): turns every
    linalg.generic (and memref.copy) into a gpu.launch. Elementwise ops become
    a 1-D grid of 256-thread blocks over the flattened iteration space;
    reductions one block per output element with the threads cooperating
    through gpu.all_reduce (or one thread per output when the reduced extent is
    tiny and the outputs many, or the outputs along the contiguous dimension);
    contractions with one M, N and K dimension a shared-memory tiled matmul
    (16x16, or 64x64 with 4x4 outputs per thread when M, N >= 64). A fill of a
    reduction's output becomes its initial value. Dynamic shapes are an error.
  }];
  let dependentDialects = ["mlir::affine::AffineDialect", "mlir::arith::ArithDialect",
                           "mlir::gpu::GPUDialect", "mlir::memref::MemRefDialect",
                           "mlir::scf::SCFDialect"];
}

def GradGpuDeviceBuffers : Pass<"grad-gpu-device-buffers", "mlir::func::FuncOp"> {
  let summary = "Host buffers -> device buffers";
  let description = [{
    On func.func after grad-gpu-map-linalg: the host function's buffers live on
    the device. memref.alloc/dealloc -> gpu.alloc/dealloc (temporaries freed
    before the return), constant globals are copied to device buffers, and any
    host load/store of a buffer left over is an error.
  }];
  let dependentDialects = ["mlir::gpu::GPUDialect", "mlir::memref::MemRefDialect"];
}

def GradGpuLowerAllReduce : Pass<"grad-gpu-lower-all-reduce", "mlir::gpu::GPUModuleOp"> {
  let summary = "Lower gpu.all_reduce";
  let description = [{
    On gpu.module: lowers gpu.all_reduce (shuffles within a warp, shared memory
    and barriers across warps) with MLIR's rewrite patterns, which
    convert-gpu-to-nvvm does not apply by itself in MLIR 19.
  }];
  let dependentDialects = ["mlir::arith::ArithDialect", "mlir::cf::ControlFlowDialect",
                           "mlir::memref::MemRefDialect"];
}

def GradGpuNativeMath : Pass<"grad-gpu-native-math", "mlir::gpu::GPUModuleOp"> {
  let summary = "libdevice calls that are one PTX instruction -> LLVM intrinsics";
  let description = [{
    On gpu.module after convert-gpu-to-nvvm: calls to libdevice functions that
    are one PTX instruction (__nv_fabs, sqrt, floor, ceil, fma, copysign; f32
    and f64) -> LLVM intrinsics, so that PTX for them needs no CUDA toolkit
    (libdevice.10.bc) at compile time.
  }];
  let dependentDialects = ["mlir::LLVM::LLVMDialect"];
}

#endif // GRAD_GPU_PASSES
