//===- DotEmitter.h - Graphviz picture of grad functions --------*- C++ -*-===//
//
// gradc --emit=dot: one `digraph` with a cluster per function; arguments, ops and results are
// nodes (an op's label is its name, its key attributes and its result type), edges follow
// SSA uses. Ops with regions (grad.fusion) become nested clusters, or, with
// DotOptions::collapseFusions, one box per fused kernel that lists the ops it runs.
//
//===----------------------------------------------------------------------===//

#ifndef GRAD_DRIVER_DOTEMITTER_H
#define GRAD_DRIVER_DOTEMITTER_H

#include "mlir/IR/BuiltinOps.h"
#include "mlir/Support/LogicalResult.h"
#include "llvm/Support/raw_ostream.h"

namespace grad {

struct DotOptions {
  /// Draw each grad.fusion as one node (one kernel) whose label lists the ops of its region,
  /// instead of a cluster with a node per op: the picture of a large graph then has one box per
  /// kernel that runs (gradc --dot-collapse-fusions, grad::jit's dot()).
  bool collapseFusions = false;
};

/// Writes the Graphviz DOT graph of every function in `module` with a body.
mlir::LogicalResult emitDot(mlir::ModuleOp module, llvm::raw_ostream &os,
                            const DotOptions &options = {});

} // namespace grad

#endif // GRAD_DRIVER_DOTEMITTER_H
