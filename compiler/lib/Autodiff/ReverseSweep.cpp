//===- ReverseSweep.cpp - The reverse sweep of reverse-mode autodiff ------===//
//
// Walks straight-line grad IR backwards and emits the backward ops by calling the eager op
// table's VJP rules on symbolic tensors that wrap the forward SSA values (the same rules the
// eager tape runs on concrete tensors). Like tinygrad's gradient.py / JAX's backward_pass:
// activity analysis forward, cotangents summed on fan-out, zeros for untouched inputs, a
// diagnostic naming the op when a rule is missing.
//
//===----------------------------------------------------------------------===//

#include "grad/Autodiff/Autodiff.h"

#include "grad/Bridge/OpTableBridge.h"
#include "grad/autograd.h"
#include "grad/error.h"
#include "grad/op_table.h"
#include "grad/ops.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "llvm/ADT/DenseMap.h"
#include "llvm/ADT/DenseSet.h"
#include "llvm/ADT/STLExtras.h"

using namespace mlir;

namespace grad {

namespace {

bool isFloatTensor(Type type) {
  auto tensor = dyn_cast<RankedTensorType>(type);
  return tensor && isa<FloatType>(tensor.getElementType());
}

/// Note [Activity]: a value is active when it is floating point and depends on a `wrt` value.
/// Only active operands ask their VJP rule for a gradient, so constants, integer indices, cmp
/// results and select predicates never get one, and an op without a VJP rule is an error only
/// when a gradient really has to flow through it. Ops marked grad.stop_gradient (detach()) cut
/// the dependence.
llvm::DenseSet<Value> findActiveValues(ArrayRef<Operation *> ops, ValueRange wrt) {
  llvm::DenseSet<Value> active(wrt.begin(), wrt.end());
  for (Operation *op : ops) {
    if (op->hasAttr(kStopGradientAttr))
      continue; // detach(): what it produces does not depend on wrt for differentiation
    if (llvm::none_of(op->getOperands(), [&](Value v) { return active.contains(v); }))
      continue;
    for (Value result : op->getResults())
      if (isFloatTensor(result.getType()))
        active.insert(result);
  }
  return active;
}

/// Note [Splat cotangents]: seeds and zero gradients are a scalar constant broadcast to the
/// shape (which canonicalization folds into a splat grad.constant), never an eager tensor of the
/// full size: a 2^29-element zeros() took 12 s and 2 GB, and a shape whose byte size overflows
/// int64 must be a diagnostic, not an allocation.
Tensor splatLike(IRSymbolicContext &ctx, double value, Type type) {
  auto [shape, dtype] = shapeAndDtypeOf(type);
  Tensor scalar = ctx.wrap(ctx.valueOf(scalar_tensor(value, dtype)));
  return shape.empty() ? scalar : broadcast_to(scalar, shape);
}

} // namespace

FailureOr<SmallVector<Value>> emitReverseSweep(IRSymbolicContext &ctx, ArrayRef<Operation *> ops,
                                               ValueRange wrt, Value output, Location requestLoc) {
  auto outType = dyn_cast<RankedTensorType>(output.getType());
  if (!isFloatTensor(output.getType()) || !outType.hasStaticShape() ||
      outType.getNumElements() != 1) {
    emitError(requestLoc) << "grad-autodiff: the differentiated output must be a "
                             "floating-point tensor with one element, got "
                          << output.getType();
    return failure();
  }
  for (auto [i, w] : llvm::enumerate(wrt)) {
    if (!isFloatTensor(w.getType())) {
      emitError(requestLoc) << "grad-autodiff: cannot differentiate with respect to input #" << i
                            << " of type " << w.getType() << ": only floating-point tensors";
      return failure();
    }
  }

  llvm::DenseSet<Value> active = findActiveValues(ops, wrt);
  llvm::DenseMap<Value, Tensor> cotangent;
  NoGradGuard noGrad;
  ctx.setLoc(requestLoc);
  SmallVector<Value> grads;
  // Everything below calls eager code that throws grad::Error; no MLIR frame is in between.
  try {
    if (active.contains(output))
      cotangent[output] = splatLike(ctx, 1.0, output.getType()); // Note [Splat cotangents]
    for (Operation *op : llvm::reverse(ops)) {
      if (op->getNumResults() == 0)
        continue;
      auto ctIt = op->getNumResults() == 1 ? cotangent.find(op->getResult(0)) : cotangent.end();
      if (op->getNumResults() != 1) {
        if (llvm::any_of(op->getResults(), [&](Value r) { return cotangent.count(r); })) {
          op->emitOpError() << "has no VJP rule: grad-autodiff differentiates the op table's "
                               "primitives (grad dialect ops other than grad.fusion; run it "
                               "before --grad-fuse)";
          return failure();
        }
        continue;
      }
      if (ctIt == cotangent.end())
        continue;
      std::vector<bool> needs;
      for (Value operand : op->getOperands())
        needs.push_back(active.contains(operand));
      if (llvm::none_of(needs, [](bool b) { return b; }))
        continue;
      if (isa<func::CallOp>(op)) {
        op->emitOpError() << "is not differentiated by grad-autodiff: run --inline first";
        return failure();
      }
      auto decoded = decodeGradOp(op);
      if (!decoded) {
        op->emitOpError() << "has no VJP rule: grad-autodiff differentiates the op table's "
                             "primitives (grad dialect ops other than grad.fusion; run it "
                             "before --grad-fuse)";
        return failure();
      }
      const OpInfo &info = op_info(decoded->first);
      if (!info.vjp) {
        unsigned which = std::find(needs.begin(), needs.end(), true) - needs.begin();
        op->emitOpError() << "is not differentiable (the op table has no VJP rule for '"
                          << info.name << "'), but the differentiated output depends on it "
                          << "through operand #" << which;
        return failure();
      }
      std::vector<Tensor> inputs;
      for (Value operand : op->getOperands())
        inputs.push_back(ctx.wrap(operand));
      Tensor out = ctx.wrap(op->getResult(0));
      Tensor ct = ctIt->second;
      ctx.setLoc(op->getLoc());
      VjpContext vjpCtx{inputs, out, decoded->second, needs};
      std::vector<Tensor> inputGrads = info.vjp(vjpCtx, ct);
      for (auto [i, operand] : llvm::enumerate(op->getOperands())) {
        if (!needs[i] || i >= inputGrads.size() || !inputGrads[i].defined())
          continue;
        const Tensor &g = inputGrads[i];
        if (g.shape() != inputs[i].shape() || g.dtype() != inputs[i].dtype())
          throw Error(std::string(info.name) + ": internal error: its VJP rule returned a " +
                      describe(g.shape(), g.dtype()) + " gradient for operand #" +
                      std::to_string(i) + " of type " +
                      describe(inputs[i].shape(), inputs[i].dtype()));
        auto [it, inserted] = cotangent.try_emplace(operand, g);
        if (!inserted)
          it->second = add(it->second, g); // Fan-out: cotangents of all uses are summed.
      }
    }
    ctx.setLoc(requestLoc);
    for (Value w : wrt) {
      auto it = cotangent.find(w);
      if (it != cotangent.end()) {
        grads.push_back(ctx.valueOf(it->second));
      } else {
        grads.push_back(ctx.valueOf(splatLike(ctx, 0.0, w.getType())));
      }
    }
  } catch (const std::exception &e) {
    emitError(ctx.getLoc()) << "grad-autodiff: " << e.what();
    return failure();
  }
  return grads;
}

} // namespace grad
