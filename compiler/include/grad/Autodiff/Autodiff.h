//===- Autodiff.h - Reverse-mode autodiff on grad IR ------------*- C++ -*-===//
//
// Reverse mode as a graph-to-graph transformation. The backward ops are produced by the SAME
// VJP rules as the eager tape (grad::op_info(kind).vjp), run on symbolic tensors that wrap the
// forward SSA values: see docs/eager-vs-static.md, "Autodiff on IR".
//
// Two entry points share one reverse sweep:
//  - buildGradFunction: @f -> @f_grad (the --grad-autodiff pass and the C++ API);
//  - emitReverseSweep: differentiate a straight-line range of ops in place (the symbolic
//    value_and_grad hook used under grad::jit).
//
//===----------------------------------------------------------------------===//
#pragma once

#include "grad/Autodiff/SymbolicBuilder.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Operation.h"
#include "mlir/Support/LogicalResult.h"

namespace grad {

/// Emits, at `ctx`'s insertion point, the reverse sweep of `ops` (in program order) for the
/// scalar floating-point `output` and returns one gradient value per value of `wrt` (a zero
/// constant where `output` does not depend on it). Cotangents reaching a value used several
/// times are summed; integer and boolean values carry none (cmp results, select predicates,
/// gather indices). Errors are emitted as diagnostics at `requestLoc` (the request) or at the
/// offending op (no VJP rule, a rule that failed) and give failure().
mlir::FailureOr<llvm::SmallVector<mlir::Value>>
emitReverseSweep(IRSymbolicContext &ctx, llvm::ArrayRef<mlir::Operation *> ops,
                 mlir::ValueRange wrt, mlir::Value output, mlir::Location requestLoc);

/// Builds `gradName` (default "<f>_grad") next to `f`: same arguments, returns f's results
/// followed by the gradients of f's first result with respect to the arguments in `argnums`
/// (all floating-point arguments when empty). f's first result must be a floating-point tensor
/// with one element; f's body must be straight-line grad ops (inline calls first). f may have
/// `?` dims: then @f_grad has them too, with its sizes read at run time (Note [Autodiff with
/// dynamic dims] in DynamicGrad.cpp).
mlir::FailureOr<mlir::func::FuncOp> buildGradFunction(mlir::func::FuncOp f,
                                                      llvm::ArrayRef<int64_t> argnums,
                                                      llvm::StringRef gradName = "");

/// Whether f's arguments, results or ops have a dynamic (`?`) dim.
bool hasDynamicDims(mlir::func::FuncOp f);

/// buildGradFunction's path for a function with `?` dims, after the request was validated:
/// `argnums` chosen, `gradName` free.
mlir::FailureOr<mlir::func::FuncOp> buildDynamicGradFunction(mlir::func::FuncOp f,
                                                             llvm::ArrayRef<int64_t> argnums,
                                                             llvm::StringRef gradName);

} // namespace grad
