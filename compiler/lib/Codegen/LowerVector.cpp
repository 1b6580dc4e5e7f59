//===- LowerVector.cpp - lower vector ops after bufferization -------------===//
//
// Implements --grad-lower-vector: the post-bufferization half of the matmul
// schedule of TOOLCHAIN.md written as one pass: hoist redundant transfers (the
// accumulator tile stays in registers over the K loop), contraction -> outer
// products -> FMAs, multi-reductions, transfers to 1-D loads/stores (unrolled
// through VectorToSCF), transposes, broadcasts and shape casts.
//
//===----------------------------------------------------------------------===//

#include "grad/Codegen/Passes.h"

#include "mlir/Conversion/VectorToSCF/VectorToSCF.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/Transforms/Hoisting.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/Dialect/Vector/Transforms/LoweringPatterns.h"
#include "mlir/Dialect/Vector/Transforms/VectorRewritePatterns.h"
#include "mlir/Dialect/Vector/Transforms/VectorTransforms.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace grad {
#define GEN_PASS_DEF_GRADLOWERVECTOR
#include "grad/Codegen/Passes.h.inc"
} // namespace grad

using namespace mlir;

namespace {

struct LowerVector : grad::impl::GradLowerVectorBase<LowerVector> {
  void runOnOperation() override {
    func::FuncOp func = getOperation();
    MLIRContext *ctx = &getContext();
    linalg::hoistRedundantVectorTransfers(func);

    // Each stage runs to a fixed point before the next, as the transform
    // dialect's apply_patterns sequence does; mixing them lets the generic
    // transfer lowering fire before the contraction is split into FMAs.
    auto stage = [&](auto populate) {
      RewritePatternSet patterns(ctx);
      populate(patterns);
      // Non-convergence only means a pattern kept firing; the IR stays valid.
      (void)applyPatternsAndFoldGreedily(func, std::move(patterns));
    };
    vector::VectorTransformsOptions options;
    options.setVectorTransformsOptions(vector::VectorContractLowering::OuterProduct)
        .setVectorMultiReductionLowering(vector::VectorMultiReductionLowering::InnerReduction)
        .setVectorTransposeLowering(vector::VectorTransposeLowering::Shuffle1D);
    stage(
        [&](RewritePatternSet &p) { vector::populateVectorContractLoweringPatterns(p, options); });
    stage([&](RewritePatternSet &p) {
      // Masked tiles of a `?` innermost loop (Note [Masked tiles of a `?` innermost loop]):
      // vector.mask regions become transfers with a mask operand.
      vector::populateVectorMaskLoweringPatternsForSideEffectingOps(p);
      vector::populateVectorTransferPermutationMapLoweringPatterns(p);
    });
    stage([&](RewritePatternSet &p) {
      vector::populateVectorMultiReductionLoweringPatterns(p, options.vectorMultiReductionLowering);
    });
    // A float add reduction of one vector (the innermost tile of a reduction) may reassociate:
    // LLVM then reduces it as a tree of shuffles and adds (log2(n) steps) instead of n
    // dependent scalar adds, whose code grows with the tile and whose latency is serial.
    // Tiles still accumulate in order, so results differ from a sequential sum only by
    // rounding within one tile (docs/codegen.md "Reductions").
    func.walk([](vector::ReductionOp op) {
      if (op.getKind() == vector::CombiningKind::ADD && isa<FloatType>(op.getType()))
        op.setFastmath(op.getFastmath() | arith::FastMathFlags::reassoc);
    });
    stage([&](RewritePatternSet &p) {
      populateVectorToSCFConversionPatterns(
          p, VectorTransferToSCFOptions().setTargetRank(1).enableFullUnroll());
    });
    stage([&](RewritePatternSet &p) {
      vector::populateVectorTransferLoweringPatterns(p, /*maxTransferRank=*/1);
    });
    stage([&](RewritePatternSet &p) {
      vector::populateVectorShapeCastLoweringPatterns(p);
      vector::populateVectorBroadcastLoweringPatterns(p);
      vector::populateVectorTransposeLoweringPatterns(p, options);
      vector::populateVectorOuterProductLoweringPatterns(p);
      vector::populateVectorMaskOpLoweringPatterns(p); // n-D create_mask -> 1-D
    });
  }
};

} // namespace
