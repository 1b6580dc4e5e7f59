//===- Passes.h - graph-level passes on the grad dialect --------*- C++ -*-===//
//
// Entry points of the passes declared in Passes.td. grad-opt and gradc call registerGradPasses()
// once; adding a pass to Passes.td registers it there without touching the tools.
//
//===----------------------------------------------------------------------===//

#ifndef GRAD_TRANSFORMS_PASSES_H
#define GRAD_TRANSFORMS_PASSES_H

#include <memory>

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Pass/Pass.h"

namespace grad {
class GradDialect;

#define GEN_PASS_DECL
#include "grad/Transforms/Passes.h.inc"

// createGradFoldPass() / createGradFoldPass(GradFoldPassOptions) are declared by the .inc above.

/// Registers every pass of Passes.td with the global registry (grad-opt, gradc).
#define GEN_PASS_REGISTRATION
#include "grad/Transforms/Passes.h.inc"

/// Number of kernels among the top-level ops of `fn` (docs/fusion.md: a grad op that computes a
/// new tensor in its own loop nest; a grad.fusion is one): what --grad-fuse's report counts.
int64_t countKernels(mlir::func::FuncOp fn);

} // namespace grad

#endif // GRAD_TRANSFORMS_PASSES_H
