//===- Passes.h - grad GPU code generation passes ---------------*- C++ -*-===//
//
// Declarations of the passes in Passes.td (the grad-specific steps of the NVPTX pipeline) and
// their registration for grad-opt (registerGpuPasses).
//
//===----------------------------------------------------------------------===//

#ifndef GRAD_GPU_PASSES_H
#define GRAD_GPU_PASSES_H

#include "mlir/Pass/Pass.h"

#include <memory>

namespace mlir::func {
class FuncOp;
} // namespace mlir::func

namespace mlir::gpu {
class GPUModuleOp;
} // namespace mlir::gpu

namespace grad {

#define GEN_PASS_DECL
#include "grad/Gpu/Passes.h.inc"

#define GEN_PASS_REGISTRATION
#include "grad/Gpu/Passes.h.inc"

} // namespace grad

#endif // GRAD_GPU_PASSES_H
