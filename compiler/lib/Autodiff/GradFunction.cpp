//===- GradFunction.cpp - Build @f_grad from @f ---------------------------===//
//
// The function-level request of reverse-mode autodiff: validates it (argnums, output type,
// body shape), clones f's body into a new function and appends the reverse sweep. The result
// is ordinary grad IR, so CSE, canonicalization and this transformation itself (grad of grad)
// apply to it again.
//
//===----------------------------------------------------------------------===//

#include "grad/Autodiff/Autodiff.h"

#include "mlir/IR/IRMapping.h"
#include "mlir/IR/SymbolTable.h"
#include "llvm/ADT/SmallSet.h"

using namespace mlir;

namespace grad {

FailureOr<func::FuncOp> buildGradFunction(func::FuncOp f, ArrayRef<int64_t> argnums,
                                          StringRef gradName) {
  if (f.isExternal())
    return f.emitOpError() << "grad-autodiff: cannot differentiate an external function";
  if (!f.getBody().hasOneBlock())
    return f.emitOpError() << "grad-autodiff: the body must be a single block of straight-line "
                              "grad ops";
  if (f.getNumResults() == 0)
    return f.emitOpError() << "grad-autodiff: the function has no result to differentiate";
  auto ret = dyn_cast<func::ReturnOp>(f.getBody().front().getTerminator());
  if (!ret)
    return f.emitOpError() << "grad-autodiff: the body must end in func.return";

  unsigned numArgs = f.getNumArguments();
  SmallVector<int64_t> chosen;
  if (argnums.empty()) {
    for (unsigned i = 0; i < numArgs; ++i)
      if (auto t = dyn_cast<RankedTensorType>(f.getArgumentTypes()[i]);
          t && isa<FloatType>(t.getElementType()))
        chosen.push_back(i);
  } else {
    llvm::SmallSet<int64_t, 8> seen;
    for (int64_t a : argnums) {
      if (a < 0 || a >= static_cast<int64_t>(numArgs))
        return f.emitOpError() << "grad-autodiff: argnum " << a << " is out of range: @"
                               << f.getName() << " has " << numArgs << " argument"
                               << (numArgs == 1 ? "" : "s");
      if (!seen.insert(a).second)
        return f.emitOpError() << "grad-autodiff: argnum " << a << " is listed twice";
      auto t = dyn_cast<RankedTensorType>(f.getArgumentTypes()[a]);
      if (!t || !isa<FloatType>(t.getElementType()))
        return f.emitOpError() << "grad-autodiff: argument #" << a << " has type "
                               << f.getArgumentTypes()[a]
                               << ": only floating-point arguments have gradients";
      chosen.push_back(a);
    }
  }

  std::string name = gradName.empty() ? (f.getName() + "_grad").str() : gradName.str();
  Operation *symbolTableOp = SymbolTable::getNearestSymbolTable(f);
  if (symbolTableOp && SymbolTable::lookupSymbolIn(symbolTableOp, name))
    return f.emitOpError() << "grad-autodiff: cannot create @" << name
                           << ": a symbol with that name already exists";
  if (hasDynamicDims(f))
    return buildDynamicGradFunction(f, chosen, name);

  SmallVector<Type> resultTypes(f.getResultTypes());
  for (int64_t a : chosen)
    resultTypes.push_back(f.getArgumentTypes()[a]);
  OpBuilder moduleBuilder(f);
  moduleBuilder.setInsertionPointAfter(f);
  auto g = moduleBuilder.create<func::FuncOp>(
      f.getLoc(), name, FunctionType::get(f.getContext(), f.getArgumentTypes(), resultTypes));
  Block *entry = g.addEntryBlock();

  IRMapping mapping;
  mapping.map(f.getArguments(), entry->getArguments());
  OpBuilder body = OpBuilder::atBlockEnd(entry);
  SmallVector<Operation *> ops;
  for (Operation &op : f.getBody().front().without_terminator())
    ops.push_back(body.clone(op, mapping));
  SmallVector<Value> results;
  for (Value v : ret.getOperands())
    results.push_back(mapping.lookupOrDefault(v));

  SmallVector<Value> wrt;
  for (int64_t a : chosen)
    wrt.push_back(entry->getArgument(a));
  auto ctx = IRSymbolicContext::create(body, f.getLoc());
  FailureOr<SmallVector<Value>> grads = emitReverseSweep(*ctx, ops, wrt, results[0], f.getLoc());
  ctx->close();
  if (failed(grads)) {
    g.erase();
    return failure();
  }
  results.append(grads->begin(), grads->end());
  body.create<func::ReturnOp>(ret.getLoc(), results);
  return g;
}

} // namespace grad
