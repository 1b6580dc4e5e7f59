//===- DotEmitter.h - Graphviz picture of grad functions --------*- C++ -*-===//
//
// gradc --emit=dot: one `digraph` with a cluster per function; arguments, ops and results are
// nodes (an op's label is its name, its key attributes and its result type), edges follow
// SSA uses. Ops with regions (grad.fusion) become nested clusters.
//
//===----------------------------------------------------------------------===//

#ifndef GRAD_DRIVER_DOTEMITTER_H
#define GRAD_DRIVER_DOTEMITTER_H

#include "mlir/IR/BuiltinOps.h"
#include "mlir/Support/LogicalResult.h"
#include "llvm/Support/raw_ostream.h"

namespace grad {

/// Writes the Graphviz DOT graph of every function in `module` with a body.
mlir::LogicalResult emitDot(mlir::ModuleOp module, llvm::raw_ostream &os);

} // namespace grad

#endif // GRAD_DRIVER_DOTEMITTER_H
