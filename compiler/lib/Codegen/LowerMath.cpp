//===- LowerMath.cpp - expand math ops without an LLVM intrinsic ----------===//
//
// Implements --grad-lower-math. f32 exp/log/tanh/... get MLIR's polynomial
// approximations (they vectorize; a libm call does not). tanh and rsqrt of
// other types are expanded into exp / sqrt + div; what remains (f64 exp, log,
// sin, ...) becomes LLVM intrinsics or libm calls later. A vector f64 erf, which
// has neither an intrinsic nor a polynomial here, is unrolled into scalar erfs
// (libm calls later).
//
//===----------------------------------------------------------------------===//

#include "grad/Codegen/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Math/Transforms/Passes.h"
#include "mlir/Dialect/Utils/IndexingUtils.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace grad {
#define GEN_PASS_DEF_GRADLOWERMATH
#include "grad/Codegen/Passes.h.inc"
} // namespace grad

using namespace mlir;

namespace {

/// A vector math op that ends as a libm call (LLVM has no intrinsic for it, and MLIR's polynomial
/// covers f32 only: f64 erf) becomes one scalar op per element here. convert-math-to-libm runs
/// after the vector lowering (buildToLLVMDialect), and its own unrolling into vector.extract /
/// vector.insert would come too late to be lowered.
template <typename OpTy> struct UnrollForLibm : OpRewritePattern<OpTy> {
  using OpRewritePattern<OpTy>::OpRewritePattern;
  LogicalResult matchAndRewrite(OpTy op, PatternRewriter &rewriter) const override {
    auto type = dyn_cast<VectorType>(op.getType());
    if (!type || type.isScalable())
      return failure();
    Location loc = op.getLoc();
    Value result = rewriter.create<arith::ConstantOp>(loc, rewriter.getZeroAttr(type));
    SmallVector<int64_t> strides = computeStrides(type.getShape());
    for (int64_t i = 0, n = type.getNumElements(); i < n; ++i) {
      SmallVector<int64_t> position = delinearize(i, strides);
      Value element = rewriter.create<vector::ExtractOp>(loc, op.getOperand(), position);
      Value scalar = rewriter.create<OpTy>(loc, element);
      result = rewriter.create<vector::InsertOp>(loc, scalar, result, position);
    }
    rewriter.replaceOp(op, result);
    return success();
  }
};

struct LowerMath : grad::impl::GradLowerMathBase<LowerMath> {
  void runOnOperation() override {
    MLIRContext *ctx = &getContext();
    {
      // f32 only: the approximations match only f32 (and vectors of f32).
      RewritePatternSet patterns(ctx);
      populateMathPolynomialApproximationPatterns(patterns);
      (void)applyPatternsAndFoldGreedily(getOperation(), std::move(patterns));
    }
    RewritePatternSet patterns(ctx);
    populateExpandTanhPattern(patterns);
    populateExpandRsqrtPattern(patterns);
    patterns.add<UnrollForLibm<math::ErfOp>>(ctx);
    (void)applyPatternsAndFoldGreedily(getOperation(), std::move(patterns));
  }
};

} // namespace
