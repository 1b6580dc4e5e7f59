//===- GradToLinalg.cpp - the --grad-lower-to-linalg pass -----------------===//
//
// Lowers every grad op to linalg/tensor/arith/math on tensors with the same
// shapes (dynamic dims: tensor.empty sized by tensor.dim of an operand, or a broadcast's
// `sizes`; a mean's count computed at run time) (patterns in ElementwiseToLinalg.cpp and
// StructuredToLinalg.cpp). grad.fusion regions are inlined first: the
// elementwise fusion run right after (--grad-fuse-elementwise, linalg's
// patterns minus anything that touches a contraction) merges their bodies
// into one linalg.generic per kernel. An op without a lowering fails the pass
// with a diagnostic naming it.
//
//===----------------------------------------------------------------------===//

#include "grad/Conversion/Passes.h"

#include "ConversionUtils.h"

#include "grad/Dialect/GradDialect.h"
#include "grad/Dialect/ShapeInference.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/Transforms/DialectConversion.h"
#include "mlir/Transforms/Passes.h"

namespace grad {
#define GEN_PASS_DEF_GRADLOWERTOLINALG
#include "grad/Conversion/Passes.h.inc"
} // namespace grad

using namespace mlir;

namespace {

/// Replaces each grad.fusion by a copy of its body (block arguments -> inputs,
/// results -> the yielded values).
void inlineFusions(ModuleOp module) {
  SmallVector<grad::FusionOp> fusions;
  module.walk([&](grad::FusionOp fusion) { fusions.push_back(fusion); });
  for (grad::FusionOp fusion : fusions) {
    OpBuilder b(fusion);
    IRMapping mapping;
    Block &body = fusion.getBody().front();
    mapping.map(body.getArguments(), fusion.getInputs());
    for (Operation &op : body.without_terminator())
      b.clone(op, mapping);
    SmallVector<Value> results;
    for (Value v : fusion.getYield().getValues())
      results.push_back(mapping.lookupOrDefault(v));
    fusion->replaceAllUsesWith(results);
    fusion->erase();
  }
}

struct LowerToLinalg : grad::impl::GradLowerToLinalgBase<LowerToLinalg> {
  void runOnOperation() override {
    ModuleOp module = getOperation();
    inlineFusions(module);
    ConversionTarget target(getContext());
    target.addIllegalDialect<grad::GradDialect>();
    target.addLegalDialect<arith::ArithDialect, linalg::LinalgDialect, math::MathDialect,
                           tensor::TensorDialect, func::FuncDialect,
                           bufferization::BufferizationDialect, memref::MemRefDialect>();
    RewritePatternSet patterns(&getContext());
    grad::populateGradToLinalgPatterns(patterns);
    if (failed(applyPartialConversion(module, target, std::move(patterns))))
      signalPassFailure();
  }
};

} // namespace

void grad::populateGradToLinalgPatterns(RewritePatternSet &patterns) {
  populateElementwiseToLinalgPatterns(patterns);
  populateStructuredToLinalgPatterns(patterns);
  populateCollectivesToCallsPatterns(patterns);
}

void grad::buildGradToLinalgPipeline(OpPassManager &pm, bool siblingReductions) {
  pm.addPass(createGradLowerToLinalg());
  pm.addPass(createCanonicalizerPass());
  GradFuseElementwiseOptions fusion;
  fusion.siblingReductions = siblingReductions;
  pm.addPass(createGradFuseElementwise(fusion));
  if (siblingReductions)
    pm.addNestedPass<func::FuncOp>(createGradMergeSiblingReductions());
  pm.addPass(createCanonicalizerPass());
  pm.addPass(createCSEPass());
}
