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

/// A linalg.generic that only broadcasts: all-parallel, one output with `?` dims, written
/// through the identity map, every input read through a map with fewer results than loops (a
/// 0-d constant, a bias row), and a body that yields an input element as it is.
bool isDynamicBroadcast(linalg::GenericOp op) {
  if (!op.hasPureTensorSemantics() || op.getNumDpsInits() != 1 ||
      op.getNumLoops() != op.getNumParallelLoops() || op.getNumDpsInputs() == 0)
    return false;
  auto type = dyn_cast<RankedTensorType>(op->getResult(0).getType());
  if (!type || type.hasStaticShape() ||
      !op.getMatchingIndexingMap(op.getDpsInitOperand(0)).isIdentity())
    return false;
  for (OpOperand *input : op.getDpsInputOperands())
    if (op.getMatchingIndexingMap(input).getNumResults() >= op.getNumLoops())
      return false;
  auto yielded = dyn_cast<BlockArgument>(op.getBlock()->getTerminator()->getOperand(0));
  return yielded && yielded.getOwner() == op.getBlock() &&
         yielded.getArgNumber() < op.getNumDpsInputs();
}

/// Note [Broadcasts with `?` dims fuse into every consumer]: a static grad.broadcast is fused
/// into its consumers' grad.fusion regions (constants fold as splats); one with run-time sizes
/// (`sizes(%b, %t)`, e.g. gelu's constants over `[B, T, 256]` in a dynamic step) is not, and CSE
/// shares it among all its consumers, so elementwise fusion (one use only) left it a whole
/// tensor in memory that every consumer read back: 6 such `[B, T, 256]` tensors in charlm's gelu
/// backward alone. Each consumer generic gets its own copy of the broadcast, which fusion then
/// folds into it (a scalar or a row read in its loops); recomputing a broadcast costs nothing.
void cloneDynamicBroadcastsPerConsumer(Operation *root) {
  SmallVector<linalg::GenericOp> broadcasts;
  root->walk([&](linalg::GenericOp op) {
    if (isDynamicBroadcast(op) && !op->getResult(0).hasOneUse())
      broadcasts.push_back(op);
  });
  OpBuilder b(root->getContext());
  for (linalg::GenericOp op : broadcasts) {
    SmallVector<OpOperand *> uses;
    for (OpOperand &use : op->getResult(0).getUses()) {
      auto consumer = dyn_cast<linalg::GenericOp>(use.getOwner());
      if (consumer && consumer.isDpsInput(&use) && !isContractionOrItsTranspose(consumer))
        uses.push_back(&use);
    }
    // The original keeps its other uses (or the last consumer).
    if (uses.size() == static_cast<size_t>(llvm::range_size(op->getResult(0).getUses())))
      uses.pop_back();
    b.setInsertionPointAfter(op);
    for (OpOperand *use : uses)
      use->set(b.clone(*op)->getResult(0));
  }
}

struct FuseElementwise : grad::impl::GradFuseElementwiseBase<FuseElementwise> {
  using GradFuseElementwiseBase::GradFuseElementwiseBase;

  void runOnOperation() override {
    Operation *op = getOperation();
    MLIRContext *context = op->getContext();
    cloneDynamicBroadcastsPerConsumer(op);
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
