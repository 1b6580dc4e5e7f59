//===- FusionPolicy.h - what --grad-fuse may group, and what a kernel is -*- C++ -*-===//
//
// The op-level half of the fusion policy (docs/fusion.md): the role each grad op plays in a
// fusion group, which producers are cheap enough to clone into every group that reads them,
// and the definition of a kernel used by the before/after report. The grouping algorithm
// itself is in Fuse.cpp.
//
//===----------------------------------------------------------------------===//

#ifndef GRAD_LIB_TRANSFORMS_FUSIONPOLICY_H
#define GRAD_LIB_TRANSFORMS_FUSIONPOLICY_H

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Operation.h"

namespace grad {

/// The part an op can play in a fusion group.
enum class FusionRole {
  /// Never fused: data movement with a non-elementwise index map (transpose, slice, concat,
  /// gather), views (reshape), constants, grad.fusion itself, other dialects.
  None,
  /// One output element per input element position (unary, binary, cmp, select, convert) or
  /// an index-map read (broadcast): fuses with elementwise producers and consumers.
  Elementwise,
  /// sum / mean / max: absorbs its elementwise producers and ends the group.
  Reduction,
  /// matmul: the root of an output fusion; takes elementwise consumers, not producers.
  Matmul,
};

/// The role of `op` (None for anything that is not a grad primitive).
FusionRole getFusionRole(mlir::Operation *op);

/// True for producers that a group clones instead of reading their materialized result:
/// grad.broadcast (reading its smaller operand is cheaper than reading the broadcast tensor)
/// and splat grad.constant (a scalar in the generated loop).
bool isClonableProducer(mlir::Operation *op);

/// True for a splat grad.constant.
bool isSplatConstant(mlir::Operation *op);

/// True when a top-level op of a function is a kernel: a grad op that computes a new tensor in
/// its own loop nest. grad.constant (data) and grad.reshape (a view after bufferization) are
/// not kernels; a grad.fusion is exactly one; ops of other dialects (func.call, func.return)
/// are not counted.
bool isKernel(mlir::Operation *op);

/// Number of kernels among the top-level ops of `fn`.
int64_t countKernels(mlir::func::FuncOp fn);

} // namespace grad

#endif // GRAD_LIB_TRANSFORMS_FUSIONPOLICY_H
