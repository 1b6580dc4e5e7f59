//===- GradToLinalg.cpp - grad ops -> linalg on tensors -------------------===//
//
// Implements --grad-lower-to-linalg (placeholder shell until the dialect lands).
//
//===----------------------------------------------------------------------===//

#include "grad/Conversion/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Linalg/Passes.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Transforms/Passes.h"

namespace grad {
#define GEN_PASS_DEF_GRADLOWERTOLINALG
#include "grad/Conversion/Passes.h.inc"
} // namespace grad

using namespace mlir;

namespace {
struct LowerToLinalg : grad::impl::GradLowerToLinalgBase<LowerToLinalg> {
  void runOnOperation() override {}
};
} // namespace

void grad::populateGradToLinalgPatterns(RewritePatternSet &) {}

void grad::buildGradToLinalgPipeline(OpPassManager &pm) {
  pm.addPass(createGradLowerToLinalg());
  pm.addPass(createCanonicalizerPass());
  pm.addPass(createLinalgElementwiseOpFusionPass());
  pm.addPass(createCanonicalizerPass());
  pm.addPass(createCSEPass());
}
