//===- GradCanonicalize.cpp - canonicalization patterns of the grad ops ----===//
//
// Rewrites that combine two ops into one (single-op identities are folders, in
// GradOpFolders.cpp). All are exact: they move or relabel elements and never change a value.
// DRR patterns come from GradCanonicalize.td.
//
//===----------------------------------------------------------------------===//

#include "grad/Dialect/GradDialect.h"
#include "grad/Dialect/ShapeInference.h"

#include "mlir/IR/PatternMatch.h"

using namespace mlir;

namespace grad {
namespace {

#include "grad/Dialect/GradCanonicalize.inc"

/// transpose(transpose(x, inner), outer) -> transpose(x, inner[outer[i]]), or x when the
/// composed permutation is the identity (Toy's SimplifyRedundantTranspose, generalized).
struct SimplifyRedundantTranspose : OpRewritePattern<TransposeOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(TransposeOp op, PatternRewriter &rewriter) const override {
    auto inner = op.getOperand().getDefiningOp<TransposeOp>();
    if (!inner)
      return failure();
    ArrayRef<int64_t> innerPerm = inner.getPerm();
    SmallVector<int64_t> perm;
    bool identity = true;
    for (auto [i, p] : llvm::enumerate(op.getPerm())) {
      perm.push_back(innerPerm[p]);
      identity &= perm.back() == static_cast<int64_t>(i);
    }
    if (identity) {
      rewriter.replaceOp(op, inner.getOperand());
      return success();
    }
    rewriter.replaceOpWithNewOp<TransposeOp>(op, op.getType(), inner.getOperand(), perm);
    return success();
  }
};

/// broadcast(broadcast(x, inner), outer) -> broadcast(x, outer[inner[i]]). Valid: each operand
/// dim is 1 or equal to its middle dim, which is 1 or equal to its result dim.
struct FoldBroadcastOfBroadcast : OpRewritePattern<BroadcastOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(BroadcastOp op, PatternRewriter &rewriter) const override {
    auto inner = op.getOperand().getDefiningOp<BroadcastOp>();
    // Explicit sizes (dynamic dims) are left as written.
    if (!inner || !op.getSizes().empty() || !inner.getSizes().empty())
      return failure();
    ArrayRef<int64_t> outerDims = op.getDims();
    SmallVector<int64_t> dims;
    for (int64_t d : inner.getDims())
      dims.push_back(outerDims[d]);
    rewriter.replaceOpWithNewOp<BroadcastOp>(op, op.getType(), inner.getOperand(), dims);
    return success();
  }
};

/// reshape(reshape(x)) -> reshape(x): a row-major reshape only relabels the element order it
/// keeps, so the intermediate shape is irrelevant. The result type and `sizes` are the outer
/// reshape's; with `?` dims and no `sizes`, only when the combined reshape is still one that
/// inserts or removes size-1 dims (the inner one may have merged `?` dims).
struct ReshapeOfReshape : OpRewritePattern<ReshapeOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(ReshapeOp op, PatternRewriter &rewriter) const override {
    auto inner = op.getOperand().getDefiningOp<ReshapeOp>();
    if (!inner)
      return failure();
    auto type = cast<RankedTensorType>(op.getType());
    if (op.getSizes().empty() &&
        failed(inferReshapeType(inner.getOperand().getType(), type.getShape(), std::nullopt)))
      return failure();
    rewriter.replaceOpWithNewOp<ReshapeOp>(op, type, inner.getOperand(), op.getSizes());
    return success();
  }
};

} // namespace

void TransposeOp::getCanonicalizationPatterns(RewritePatternSet &patterns, MLIRContext *ctx) {
  patterns.add<SimplifyRedundantTranspose>(ctx);
}

void ReshapeOp::getCanonicalizationPatterns(RewritePatternSet &patterns, MLIRContext *ctx) {
  patterns.add<ReshapeOfReshape>(ctx);
}

void BroadcastOp::getCanonicalizationPatterns(RewritePatternSet &patterns, MLIRContext *ctx) {
  patterns.add<FoldBroadcastOfBroadcast>(ctx);
}

} // namespace grad
