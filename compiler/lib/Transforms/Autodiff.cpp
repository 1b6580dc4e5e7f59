//===- Autodiff.cpp - The --grad-autodiff pass ----------------------------===//
//
// Reverse-mode autodiff as a module pass: for each requested @f it adds @f_grad (see
// grad/Autodiff/Autodiff.h for the transformation). What to differentiate:
//   --grad-autodiff="func=f argnums=0,2"   one function, chosen arguments (default: all
//                                          floating-point arguments);
//   --grad-autodiff                         every func.func carrying `grad.autodiff`: a unit
//                                          attribute (all floating-point arguments) or an
//                                          array<i64: ...> of argnums.
// Run canonicalize and CSE afterwards: the sweep emits what the VJP rules say, unsimplified.
//
//===----------------------------------------------------------------------===//

#include "grad/Autodiff/Autodiff.h"
#include "grad/Transforms/Passes.h"

#include "grad/Dialect/GradDialect.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/Pass/Pass.h"

namespace grad {
#define GEN_PASS_DEF_GRADAUTODIFFPASS
#include "grad/Transforms/Passes.h.inc"
} // namespace grad

using namespace mlir;

namespace {

/// Name of the attribute that marks a function for differentiation.
constexpr llvm::StringLiteral kAutodiffAttr = "grad.autodiff";

struct GradAutodiffPass : public grad::impl::GradAutodiffPassBase<GradAutodiffPass> {
  using GradAutodiffPassBase::GradAutodiffPassBase;

  void runOnOperation() override {
    ModuleOp module = getOperation();
    SmallVector<std::pair<func::FuncOp, SmallVector<int64_t>>> requests;
    if (!funcName.empty()) {
      auto f = module.lookupSymbol<func::FuncOp>(funcName);
      if (!f) {
        module.emitError() << "grad-autodiff: no function named @" << funcName;
        return signalPassFailure();
      }
      requests.push_back({f, SmallVector<int64_t>(argnums.begin(), argnums.end())});
    } else {
      for (auto f : module.getOps<func::FuncOp>()) {
        Attribute attr = f->getAttr(kAutodiffAttr);
        if (!attr)
          continue;
        if (auto nums = dyn_cast<DenseI64ArrayAttr>(attr)) {
          requests.push_back({f, SmallVector<int64_t>(nums.asArrayRef())});
        } else if (isa<UnitAttr>(attr)) {
          requests.push_back({f, {}});
        } else {
          f.emitOpError() << "grad-autodiff: '" << kAutodiffAttr
                          << "' must be a unit attribute or an array<i64: argnums>";
          return signalPassFailure();
        }
      }
    }
    for (auto &[f, nums] : requests)
      if (failed(grad::buildGradFunction(f, nums)))
        return signalPassFailure();
  }
};

} // namespace
