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
/// A generic whose mul-add reduction has no M or N dim (every dim of the output is read by both
/// inputs: sum(a * b) over rows, a batched dot product) is not one: it is an elementwise product
/// reduced, and its producers fuse into it like into any reduction.
bool isContraction(Operation *op) {
  auto linalgOp = dyn_cast_or_null<linalg::LinalgOp>(op);
  if (!linalgOp || !linalg::isaContractionOpInterface(linalgOp))
    return false;
  if (isa<linalg::MatmulOp, linalg::BatchMatmulOp>(op))
    return true;
  FailureOr<linalg::ContractionDimensions> dims = linalg::inferContractionDims(linalgOp);
  return failed(dims) || !dims->m.empty() || !dims->n.empty();
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

bool isReduction(Operation *op) {
  auto generic = dyn_cast<linalg::GenericOp>(op);
  return generic && generic.getNumReductionLoops() > 0;
}

/// An all-parallel generic whose every user is a reduction generic over loops of the same
/// extents (sum(g) and sum(g * x) of one g): it is fused into each of them, and
/// --grad-merge-sibling-reductions then makes them one loop nest that computes it once.
bool feedsOnlySiblingReductions(Operation *producer) {
  auto generic = dyn_cast<linalg::GenericOp>(producer);
  if (!generic || !generic.hasPureTensorSemantics() ||
      generic.getNumLoops() != generic.getNumParallelLoops())
    return false;
  SmallVector<int64_t> ranges = generic.getStaticLoopRanges();
  return llvm::all_of(producer->getUsers(), [&](Operation *user) {
    auto reduction = dyn_cast<linalg::GenericOp>(user);
    return reduction && reduction.getNumReductionLoops() > 0 && !isContraction(user) &&
           reduction.getStaticLoopRanges() == ranges;
  });
}

struct FuseElementwise : grad::impl::GradFuseElementwiseBase<FuseElementwise> {
  using GradFuseElementwiseBase::GradFuseElementwiseBase;

  void runOnOperation() override {
    Operation *op = getOperation();
    MLIRContext *context = op->getContext();
    RewritePatternSet patterns(context);

    // MLIR's default (fuse a producer with one use), except around contractions: for a fusion,
    // `fusedOperand` is the consumer's operand; for a reshape moved into its producer, the
    // reshape's source operand. Either way its owner and its producer are the two sides.
    bool siblings = siblingReductions;
    linalg::ControlFusionFn control = [siblings](OpOperand *fusedOperand) {
      Operation *producer = fusedOperand->get().getDefiningOp();
      if (!producer ||
          !(producer->hasOneUse() || (siblings && feedsOnlySiblingReductions(producer))))
        return false;
      // The expand_shape that gives a keepdim reduction its size-1 dims stays after it: pushed
      // into the reduction it adds a loop of extent 1, and sibling reductions over the same
      // rows (one with keepdim, one without) no longer have the same loops to be merged
      // (--grad-merge-sibling-reductions).
      if (siblings && isa<tensor::ExpandShapeOp>(fusedOperand->getOwner()) &&
          isReduction(producer))
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
