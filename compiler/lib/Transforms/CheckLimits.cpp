//===- CheckLimits.cpp - the --grad-check-limits pass ---------------------===//
//
// A thin pass over grad::checkResourceLimits (grad/Dialect/ResourceLimits.h): resolves the
// options against the environment and fails the pipeline on the first constant or tensor above
// its limit.
//
//===----------------------------------------------------------------------===//

#include "grad/Transforms/Passes.h"

#include "grad/Dialect/ResourceLimits.h"

#include "mlir/IR/BuiltinOps.h"

namespace grad {
#define GEN_PASS_DEF_GRADCHECKLIMITSPASS
#include "grad/Transforms/Passes.h.inc"
} // namespace grad

using namespace mlir;

namespace grad {
namespace {

class GradCheckLimitsPass : public impl::GradCheckLimitsPassBase<GradCheckLimitsPass> {
public:
  using GradCheckLimitsPassBase::GradCheckLimitsPassBase;

  void runOnOperation() override {
    ModuleOp module = getOperation();
    std::optional<int64_t> constants = resolveLimit(maxConstantBytes, "GRAD_MAX_CONSTANT_BYTES",
                                                    kDefaultMaxConstantBytes, module.getLoc());
    std::optional<int64_t> tensors =
        resolveLimit(maxTensorBytes, "GRAD_MAX_TENSOR_BYTES", -1, module.getLoc());
    if (!constants || !tensors ||
        failed(checkResourceLimits(module, *constants, *tensors, "the program")))
      signalPassFailure();
  }
};

} // namespace
} // namespace grad
