//===- FuseElementwise.cpp - the --grad-fuse-elementwise pass -------------===//
//
// MLIR's --linalg-fuse-elementwise-ops with one difference: nothing is fused
// into or out of a contraction, and no reshape is propagated through one. The
// pattern list mirrors MLIR 19's LinalgElementwiseOpFusionPass (elementwise
// fusion, reshape folding by expansion, constant folding, canonicalizations,
// top-down greedy traversal); only the control function differs (it also
// keeps the transposes next to a contraction as they are). A matmul
// behind the reshapes of [B, T, D] activations thus stays a linalg.matmul
// (BLAS call or tiled kernel) instead of becoming a many-loop linalg.generic.
//
//===----------------------------------------------------------------------===//

#include "grad/Conversion/Passes.h"

#include "mlir/Dialect/Affine/IR/AffineOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Linalg/Transforms/Transforms.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace grad {
#define GEN_PASS_DEF_GRADFUSEELEMENTWISE
#include "grad/Conversion/Passes.h.inc"
} // namespace grad

using namespace mlir;

namespace {

/// A linalg op that is a contraction (matmul, batch_matmul, mul-add reduction generic).
bool isContraction(Operation *op) {
  auto linalgOp = dyn_cast_or_null<linalg::LinalgOp>(op);
  return linalgOp && linalg::isaContractionOpInterface(linalgOp);
}

/// A contraction, or a linalg.transpose of a contraction's result or operand: the BLAS lowering
/// folds such a transpose into the contraction (grad-fold-matmul-transposes), which it cannot
/// once a reshape has turned it into a generic on other dims.
bool isContractionOrItsTranspose(Operation *op) {
  if (isContraction(op))
    return true;
  auto transpose = dyn_cast_or_null<linalg::TransposeOp>(op);
  if (!transpose || !transpose.hasPureTensorSemantics())
    return false;
  return isContraction(transpose.getInput().getDefiningOp()) ||
         llvm::any_of(transpose->getUsers(), isContraction);
}

struct FuseElementwise : grad::impl::GradFuseElementwiseBase<FuseElementwise> {
  void runOnOperation() override {
    Operation *op = getOperation();
    MLIRContext *context = op->getContext();
    RewritePatternSet patterns(context);

    // MLIR's default (fuse a producer with one use), except around contractions: for a fusion,
    // `fusedOperand` is the consumer's operand; for a reshape moved into its producer, the
    // reshape's source operand. Either way its owner and its producer are the two sides.
    linalg::ControlFusionFn control = [](OpOperand *fusedOperand) {
      Operation *producer = fusedOperand->get().getDefiningOp();
      if (!producer || !producer->hasOneUse())
        return false;
      return !isContractionOrItsTranspose(producer) &&
             !isContractionOrItsTranspose(fusedOperand->getOwner());
    };
    linalg::populateElementwiseOpsFusionPatterns(patterns, control);
    linalg::populateFoldReshapeOpsByExpansionPatterns(patterns, control);

    affine::AffineApplyOp::getCanonicalizationPatterns(patterns, context);
    linalg::GenericOp::getCanonicalizationPatterns(patterns, context);
    tensor::ExpandShapeOp::getCanonicalizationPatterns(patterns, context);
    tensor::CollapseShapeOp::getCanonicalizationPatterns(patterns, context);
    context->getLoadedDialect<linalg::LinalgDialect>()->getCanonicalizationPatterns(patterns);
    linalg::populateConstantFoldLinalgOperations(patterns, control);

    GreedyRewriteConfig config;
    config.useTopDownTraversal = true;
    (void)applyPatternsAndFoldGreedily(op, std::move(patterns), config);
  }
};

} // namespace
