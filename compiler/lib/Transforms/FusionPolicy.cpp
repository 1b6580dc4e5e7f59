//===- FusionPolicy.cpp - roles of grad ops in fusion, kernel count ------===//
//
// Why these roles (the full text is docs/fusion.md):
//  - Elementwise ops and broadcasts lower to all-parallel linalg.generic ops whose indexing maps
//    are projected permutations, which linalg-fuse-elementwise-ops merges into one loop nest:
//    a group of them really becomes one kernel on CPU.
//  - A reduction lowers to one linalg.generic with reduction iterators; an all-parallel
//    producer fuses into it, but nothing can fuse after it (its consumers need the finished
//    value), so it ends a group.
//  - transpose, slice, concat and gather lower to named ops / tensor ops that the elementwise
//    fusion does not merge, so putting them in a group would not remove a loop nest; they stay
//    outside (XLA fuses them; see "not fused" in the docs).
//
//===----------------------------------------------------------------------===//

#include "FusionPolicy.h"

#include "grad/Dialect/GradDialect.h"

using namespace mlir;

namespace grad {

FusionRole getFusionRole(Operation *op) {
  // A broadcast with `sizes` (into `?` dims) reads index values: grad.fusion takes tensors only.
  if (auto broadcast = dyn_cast<BroadcastOp>(op); broadcast && !broadcast.getSizes().empty())
    return FusionRole::None;
  // The unary, binary and reduction rows of grad/op_table.def, then the irregular ops.
#define GRAD_UNARY_OP(Name, ...)                                                                  \
  if (isa<Name##Op>(op))                                                                         \
    return FusionRole::Elementwise;
#define GRAD_BINARY_OP(Name, ...)                                                                 \
  if (isa<Name##Op>(op))                                                                         \
    return FusionRole::Elementwise;
#define GRAD_REDUCE_OP(Name, ...)                                                                 \
  if (isa<Name##Op>(op))                                                                         \
    return FusionRole::Reduction;
#include "grad/op_table.def"
  if (isa<CmpOp, SelectOp, ConvertOp, BroadcastOp>(op))
    return FusionRole::Elementwise;
  if (isa<MatmulOp>(op))
    return FusionRole::Matmul;
  return FusionRole::None;
}

bool isSplatConstant(Operation *op) {
  auto constant = dyn_cast<ConstantOp>(op);
  return constant && constant.getValue().isSplat();
}

bool isClonableProducer(Operation *op) {
  auto broadcast = dyn_cast<BroadcastOp>(op);
  return (broadcast && broadcast.getSizes().empty()) || isSplatConstant(op);
}

bool isKernel(Operation *op) {
  if (!isa_and_nonnull<GradDialect>(op->getDialect()))
    return false;
  return !isa<ConstantOp, ReshapeOp, YieldOp>(op);
}

int64_t countKernels(func::FuncOp fn) {
  int64_t n = 0;
  for (Block &block : fn.getBody())
    for (Operation &op : block)
      n += isKernel(&op);
  return n;
}

} // namespace grad
