//===- SplitReshapeShapes.cpp - one shape tensor per tensor.reshape -------===//
//
// Implements --grad-split-reshape-shapes, run just before bufferization. A
// reshape that splits one `?` dim into two (`[B*T, D] -> [B, T, D]`) lowers to a
// tensor.reshape whose shape operand is a tensor.from_elements of the run-time
// sizes; CSE merges the identical ones of a whole step into one tensor.
// LLVM 19's one-shot bufferization lists a tensor.reshape's shape operand as an
// alias of its result (fixed upstream in LLVM 21, llvm-project #128590), so all
// results reshaped with one shared shape tensor alias each other: a write to
// one of them (the BLAS matmul whose output is reshaped next) conflicts with
// later reads of the others, and bufferization copies a whole buffer before
// each such write (charlm's dynamic step: 29 copies of `[B*T, 64]` and
// `[B*T, 256]` activations). Each reshape gets its own clone of the shape,
// right before it.
//
//===----------------------------------------------------------------------===//

#include "grad/Codegen/Passes.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/Builders.h"

namespace grad {
#define GEN_PASS_DEF_GRADSPLITRESHAPESHAPES
#include "grad/Codegen/Passes.h.inc"
} // namespace grad

using namespace mlir;

namespace {

struct SplitReshapeShapes : grad::impl::GradSplitReshapeShapesBase<SplitReshapeShapes> {
  void runOnOperation() override {
    SmallVector<tensor::ReshapeOp> reshapes;
    getOperation().walk([&](tensor::ReshapeOp op) { reshapes.push_back(op); });
    OpBuilder b(&getContext());
    for (tensor::ReshapeOp op : reshapes) {
      auto shape = op.getShape().getDefiningOp<tensor::FromElementsOp>();
      if (!shape)
        continue;
      // Right before the reshape, even when it is the only user: the shape is then defined
      // after every write to the reshaped buffer (a matmul's output), which it would alias
      // otherwise (a write between an alias's definition and a read of it is a conflict).
      if (shape->hasOneUse()) {
        shape->moveBefore(op);
        continue;
      }
      b.setInsertionPoint(op);
      Operation *own = b.clone(*shape);
      op.getShapeMutable().set(own->getResult(0));
    }
  }
};

} // namespace
