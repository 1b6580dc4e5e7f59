//===- Passes.h - graph-level passes on the grad dialect --------*- C++ -*-===//
//
// Entry points of the passes declared in Passes.td. grad-opt and gradc call registerGradPasses()
// once; adding a pass to Passes.td registers it there without touching the tools.
//
//===----------------------------------------------------------------------===//

#ifndef GRAD_TRANSFORMS_PASSES_H
#define GRAD_TRANSFORMS_PASSES_H

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/Pass/Pass.h"

namespace grad {
class GradDialect;

#define GEN_PASS_DECL
#include "grad/Transforms/Passes.h.inc"

// createGradFoldPass() / createGradFoldPass(GradFoldPassOptions) are declared by the .inc above.

/// Registers every pass of Passes.td with the global registry (grad-opt, gradc).
#define GEN_PASS_REGISTRATION
#include "grad/Transforms/Passes.h.inc"

/// What the graph pipeline runs (buildGraphPipeline).
struct GraphPipelineOptions {
  /// canonicalize + --grad-fold first (gradc --no-fold turns it off).
  bool fold = true;
  /// --grad-autodiff of this function (gradc --grad=F), with these argnums (empty: all float).
  std::string gradFunc;
  std::vector<int64_t> gradArgnums;
  /// --grad-factor-reductions + --grad-fuse last (gradc --no-fuse turns it off).
  bool fuse = true;
  /// --grad-fuse's remark with the kernel counts (gradc --fusion-report).
  bool fusionReport = false;
  /// --grad-check-limits last: the largest non-splat constant the passes may leave for code
  /// generation (-1: GRAD_MAX_CONSTANT_BYTES, else 1 GiB; docs/limits.md).
  int64_t maxConstantBytes = -1;
};

/// The graph-level passes on grad-dialect modules, the same for every door (gradc, the CPU jit,
/// the CUDA jit): canonicalize, grad-fold, [grad-autodiff, canonicalize], cse,
/// grad-factor-reductions, cse, grad-fuse, grad-check-limits. `pm` is anchored on the module.
void buildGraphPipeline(mlir::OpPassManager &pm, const GraphPipelineOptions &options);

/// Runs buildGraphPipeline's passes on `module` in place (what the CPU and CUDA jits do before
/// lowering; gradc adds its IR printing and timing to the same list). Diagnostics go to the
/// module's context.
mlir::LogicalResult runGraphPipeline(mlir::ModuleOp module,
                                     const GraphPipelineOptions &options = {});

/// Number of kernels among the top-level ops of `fn` (docs/fusion.md: a grad op that computes a
/// new tensor in its own loop nest; a grad.fusion is one): what --grad-fuse's report counts.
int64_t countKernels(mlir::func::FuncOp fn);

} // namespace grad

#endif // GRAD_TRANSFORMS_PASSES_H
