//===- ValueAndGradHook.cpp - value_and_grad on symbolic tensors ----------===//
//
// grad::value_and_grad runs the tape on concrete tensors; on symbolic ones (under grad::jit or
// grad::trace) the eager layer calls this hook instead. It traces fn in place into the function
// being built and differentiates the ops it emitted with the reverse sweep of the autodiff pass
// (the IR is differentiated, not a tape). Nested value_and_grad (grad of grad) differentiates
// the inner forward and backward ops alike.
//
//===----------------------------------------------------------------------===//

#include "grad/Autodiff/Autodiff.h"
#include "grad/Jit/Tracer.h"

#include "grad/error.h"
#include "grad/transforms.h"

#include <mutex>

using namespace mlir;

namespace grad {

namespace {

IRSymbolicContext &contextOfArguments(const std::vector<Tensor> &args) {
  for (const Tensor &a : args)
    if (a.defined() && a.is_symbolic())
      if (auto *v = dynamic_cast<IRSymbolicValue *>(a.symbolic().get()))
        return v->getContext();
  throw Error("value_and_grad: symbolic arguments that do not come from grad::trace/grad::jit");
}

std::pair<Tensor, std::vector<Tensor>>
symbolicValueAndGrad(const std::function<Tensor(const std::vector<Tensor> &)> &fn,
                     const std::vector<Tensor> &args, const std::vector<int> &argnums) {
  IRSymbolicContext &ctx = contextOfArguments(args);
  std::vector<Tensor> callArgs = args;
  std::vector<Value> wrt;
  for (int a : argnums) {
    if (a < 0 || a >= static_cast<int>(args.size()))
      throw Error("value_and_grad: argnum " + std::to_string(a) + " is out of range for " +
                  std::to_string(args.size()) + " arguments");
    // A fresh value per differentiated argument, so that the same tensor passed twice gets
    // two separate gradients, as with the eager tape's fresh leaves.
    callArgs[a] = ctx.freshCopy(args[a]);
    wrt.push_back(ctx.valueOf(callArgs[a]));
  }
  OpBuilder &builder = ctx.getBuilder();
  Block *block = builder.getInsertionBlock();
  Operation *before = builder.getInsertionPoint() == block->begin()
                          ? nullptr
                          : &*std::prev(builder.getInsertionPoint());
  Tensor value = fn(callArgs);
  Value output = ctx.valueOf(value);
  SmallVector<Operation *> ops;
  for (auto it = before ? std::next(before->getIterator()) : block->begin();
       it != builder.getInsertionPoint(); ++it)
    ops.push_back(&*it);

  bool ok = false;
  FailureOr<SmallVector<Value>> grads = failure();
  Location requestLoc = ctx.getLoc();
  std::string diags = collectDiagnostics(
      builder.getContext(),
      [&]() -> LogicalResult {
        grads = emitReverseSweep(ctx, ops, wrt, output, requestLoc);
        return failure(failed(grads));
      },
      ok);
  ctx.setLoc(requestLoc);
  if (!ok)
    throw Error("value_and_grad: cannot differentiate the traced function: " + diags);
  std::vector<Tensor> gradTensors;
  for (Value g : *grads)
    gradTensors.push_back(ctx.wrap(g));
  return {ctx.wrap(output), gradTensors};
}

} // namespace

void registerSymbolicValueAndGrad() {
  static std::once_flag once;
  std::call_once(once, [] { set_symbolic_value_and_grad_hook(symbolicValueAndGrad); });
}

} // namespace grad
