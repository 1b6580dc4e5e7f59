//===- FusionTestUtil.cpp - helpers of the fusion result tests ------------===//

#include "FusionTestUtil.h"

#include "grad/Dialect/GradDialect.h"
#include "grad/Dialect/Registration.h"
#include "grad/Interpreter/Interpreter.h"
#include "grad/Transforms/Passes.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Verifier.h"
#include "mlir/Pass/PassManager.h"

#include <cmath>
#include <cstring>

using namespace mlir;

namespace grad::fusiontest {

MLIRContext &context() {
  static MLIRContext *ctx = [] {
    DialectRegistry registry;
    registerGradDialects(registry);
    auto *c = new MLIRContext(registry);
    c->loadAllAvailableDialects();
    return c;
  }();
  return *ctx;
}

OwningOpRef<ModuleOp> fuse(ModuleOp module) {
  OwningOpRef<ModuleOp> fused = module.clone();
  PassManager pm(module->getContext());
  pm.addNestedPass<func::FuncOp>(createGradFusePass());
  if (failed(pm.run(*fused))) {
    ADD_FAILURE() << "--grad-fuse failed";
    return nullptr;
  }
  if (failed(verify(*fused))) {
    ADD_FAILURE() << "--grad-fuse produced invalid IR";
    return nullptr;
  }
  return fused;
}

int countKernels(ModuleOp module, llvm::StringRef fn) {
  auto func = module.lookupSymbol<func::FuncOp>(fn);
  if (!func)
    return -1;
  int n = 0;
  for (Operation &op : func.getBody().front()) {
    StringRef name = op.getName().getStringRef();
    if (name.starts_with("grad.") && name != "grad.constant" && name != "grad.reshape")
      ++n;
  }
  return n;
}

int countFusions(ModuleOp module) {
  int n = 0;
  module.walk([&](FusionOp) { ++n; });
  return n;
}

::testing::AssertionResult identical(const Tensor &a, const Tensor &b) {
  if (a.dtype() != b.dtype() || a.shape() != b.shape())
    return ::testing::AssertionFailure() << describeTensor(a) << " vs " << describeTensor(b);
  std::vector<double> x = a.to_vector<double>(), y = b.to_vector<double>();
  for (size_t i = 0; i < x.size(); ++i) {
    bool same =
        (std::isnan(x[i]) && std::isnan(y[i])) || std::memcmp(&x[i], &y[i], sizeof(double)) == 0;
    if (!same)
      return ::testing::AssertionFailure() << "element " << i << ": " << x[i] << " vs " << y[i];
  }
  return ::testing::AssertionSuccess();
}

::testing::AssertionResult close(const Tensor &got, const Tensor &want, double tol) {
  if (got.dtype() != want.dtype() || got.shape() != want.shape())
    return ::testing::AssertionFailure() << describeTensor(got) << " vs " << describeTensor(want);
  std::vector<double> g = got.to_vector<double>(), w = want.to_vector<double>();
  for (size_t i = 0; i < g.size(); ++i) {
    bool ok = std::isnan(w[i])   ? std::isnan(g[i])
              : std::isinf(w[i]) ? g[i] == w[i]
                                 : std::abs(g[i] - w[i]) <= tol * (1 + std::abs(w[i]));
    if (!ok)
      return ::testing::AssertionFailure() << "element " << i << ": " << g[i] << " vs " << w[i];
  }
  return ::testing::AssertionSuccess();
}

} // namespace grad::fusiontest
