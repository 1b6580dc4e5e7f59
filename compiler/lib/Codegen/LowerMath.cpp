//===- LowerMath.cpp - expand math ops without an LLVM intrinsic ----------===//
//
// Implements --grad-lower-math. f32 exp/log/tanh/... get MLIR's polynomial
// approximations (they vectorize; a libm call does not). tanh and rsqrt of
// other types are expanded into exp / sqrt + div; what remains (f64 exp, log,
// sin, ...) becomes LLVM intrinsics or libm calls later.
//
//===----------------------------------------------------------------------===//

#include "grad/Codegen/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Math/Transforms/Passes.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace grad {
#define GEN_PASS_DEF_GRADLOWERMATH
#include "grad/Codegen/Passes.h.inc"
} // namespace grad

using namespace mlir;

namespace {

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
    (void)applyPatternsAndFoldGreedily(getOperation(), std::move(patterns));
  }
};

} // namespace
