//===- LowerVector.cpp - lower vector ops after bufferization -------------===//
//
// Implements --grad-lower-vector: the post-bufferization half of the matmul
// schedule of TOOLCHAIN.md written as one pass: hoist redundant transfers (the
// accumulator tile stays in registers over the K loop), contraction -> outer
// products -> FMAs, multi-reductions, transfers to 1-D loads/stores (unrolled
// through VectorToSCF), transposes, broadcasts and shape casts; first, masked
// row reductions over a `?` innermost dim get a vector of partial results.
//
//===----------------------------------------------------------------------===//

#include "grad/Codegen/Passes.h"

#include "mlir/Conversion/VectorToSCF/VectorToSCF.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
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

/// The neutral element of a reduction kind, as arith's identity values (0 for add, -inf for
/// maximumf, the largest value for minsi, ...).
std::optional<arith::AtomicRMWKind> atomicKind(vector::CombiningKind kind, bool isFloat) {
  using K = vector::CombiningKind;
  using A = arith::AtomicRMWKind;
  switch (kind) {
  case K::ADD: return isFloat ? A::addf : A::addi;
  case K::MUL: return isFloat ? A::mulf : A::muli;
  case K::MAXIMUMF: return A::maximumf;
  case K::MINIMUMF: return A::minimumf;
  case K::MAXNUMF: return A::maxnumf;
  case K::MINNUMF: return A::minnumf;
  case K::MAXSI: return A::maxs;
  case K::MINSI: return A::mins;
  case K::MAXUI: return A::maxu;
  case K::MINUI: return A::minu;
  case K::AND: return A::andi;
  case K::OR: return A::ori;
  default: return std::nullopt;
  }
}

/// Note [Masked reductions take the neutral element]: a masked tile of a `?` innermost loop
/// reduces `vector.mask %m { vector.multi_reduction <kind>, %v, %acc }`, where %v is a masked
/// read whose lanes past the row hold its padding (0). LLVM 19's lowering of the masked
/// reduction does not drop those lanes for every kind (a row max over negative values came out
/// 0), so the mask is applied here instead: the reduction of `select(%m, %v, neutral)`, with
/// the kind's neutral element in the lanes the mask leaves out (an AVX-512 masked blend).
struct UnmaskMultiReduction : OpRewritePattern<vector::MaskOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(vector::MaskOp mask, PatternRewriter &rewriter) const override {
    auto reduction = dyn_cast_or_null<vector::MultiDimReductionOp>(mask.getMaskableOp());
    if (!reduction || mask.hasPassthru())
      return failure();
    auto type = cast<VectorType>(reduction.getSourceVectorType());
    Type element = type.getElementType();
    std::optional<arith::AtomicRMWKind> kind =
        atomicKind(reduction.getKind(), isa<FloatType>(element));
    if (!kind)
      return failure();
    Location loc = mask.getLoc();
    TypedAttr neutral = arith::getIdentityValueAttr(*kind, element, rewriter, loc);
    Value fill = rewriter.create<arith::ConstantOp>(loc, SplatElementsAttr::get(type, neutral));
    Value kept = rewriter.create<arith::SelectOp>(loc, mask.getMask(), reduction.getSource(), fill);
    rewriter.replaceOpWithNewOp<vector::MultiDimReductionOp>(
        mask, kept, reduction.getAcc(), reduction.getReductionMask(), reduction.getKind());
    return success();
  }
};

/// Note [Masked row reductions accumulate in a vector]: a row reduction over a `?` innermost
/// dim (softmax's max and sum over the sequence length T; Note [Masked tiles of a `?` innermost
/// loop] in TileAndVectorize.cpp) is a loop over tiles of one register whose scalar accumulator
/// (hoisted into a loop-carried vector<1x..x1>) takes a masked horizontal reduction of each tile:
/// log2(16) shuffle + combine steps per 16 elements. The static code keeps the row in vector
/// registers and reduces once (Notes [Short rows in one vector], [Row reductions in vector
/// registers]). Here the loop carries a whole tile of partial results instead, combined lane by
/// lane with the tile (its masked-off lanes replaced by the combiner's neutral value, -0.0 for a
/// sum, -inf for a max), and the partials are reduced into the accumulator once, after the loop.
/// Sums are reassociated (16 partial sums), as the fast-math reassociation of reductions allows.
void accumulateMaskedRowReductions(func::FuncOp func) {
  struct Match {
    scf::ForOp loop;
    unsigned index;
    vector::MaskOp mask;
    vector::MultiDimReductionOp reduction;
  };
  SmallVector<Match> matches;
  func.walk([&](scf::ForOp loop) {
    for (auto [i, arg] : llvm::enumerate(loop.getRegionIterArgs())) {
      auto mask = loop.getYieldedValues()[i].getDefiningOp<vector::MaskOp>();
      if (!mask || mask->getBlock() != loop.getBody() || mask.getPassthru() ||
          !mask->getResult(0).hasOneUse())
        continue;
      auto reduction = dyn_cast_or_null<vector::MultiDimReductionOp>(mask.getMaskableOp());
      if (!reduction || reduction.getAcc() != arg || !arg.hasOneUse())
        continue;
      VectorType source = reduction.getSourceVectorType();
      SmallVector<bool> dims = reduction.getReductionMask();
      bool innermostOnly = source.getRank() >= 1 && !source.isScalable() && dims.back() &&
                           llvm::count(dims, true) == 1;
      auto kind = reduction.getKind();
      if (!innermostOnly || !isa<FloatType>(source.getElementType()) ||
          (kind != vector::CombiningKind::ADD && kind != vector::CombiningKind::MAXIMUMF))
        continue;
      matches.push_back({loop, static_cast<unsigned>(i), mask, reduction});
      return; // one per loop: the loop is replaced
    }
  });
  IRRewriter rewriter(func.getContext());
  for (Match &m : matches) {
    Location loc = m.loop.getLoc();
    VectorType type = m.reduction.getSourceVectorType();
    auto element = cast<FloatType>(type.getElementType());
    vector::CombiningKind kind = m.reduction.getKind();
    bool sum = kind == vector::CombiningKind::ADD;
    APFloat neutral = sum ? APFloat::getZero(element.getFloatSemantics(), /*Negative=*/true)
                          : APFloat::getInf(element.getFloatSemantics(), /*Negative=*/true);
    rewriter.setInsertionPoint(m.loop);
    Value neutrals = rewriter.create<arith::ConstantOp>(
        loc, DenseElementsAttr::get(type, rewriter.getFloatAttr(element, neutral)));
    Value init = m.loop.getInitArgs()[m.index];
    Value tile = m.reduction.getSource(), lanes = m.mask.getMask();
    SmallVector<bool> dims = m.reduction.getReductionMask();
    FailureOr<LoopLikeOpInterface> replaced =
        cast<LoopLikeOpInterface>(m.loop.getOperation())
            .replaceWithAdditionalYields(
                rewriter, neutrals, /*replaceInitOperandUsesInLoop=*/false,
                [&](OpBuilder &b, Location l, ArrayRef<BlockArgument> partials) {
                  Value live = b.create<arith::SelectOp>(l, lanes, tile, neutrals);
                  Value next = sum ? b.create<arith::AddFOp>(l, partials[0], live).getResult()
                                   : b.create<arith::MaximumFOp>(l, partials[0], live).getResult();
                  return SmallVector<Value>{next};
                });
    if (failed(replaced))
      continue;
    auto loop = cast<scf::ForOp>(replaced->getOperation());
    // The old accumulator passes through unchanged (and folds away); the masked reduction dies.
    auto yield = cast<scf::YieldOp>(loop.getBody()->getTerminator());
    rewriter.modifyOpInPlace(
        yield, [&] { yield->setOperand(m.index, loop.getRegionIterArgs()[m.index]); });
    rewriter.eraseOp(m.mask);
    rewriter.setInsertionPointAfter(loop);
    Value total = rewriter.create<vector::MultiDimReductionOp>(loc, loop.getResults().back(), init,
                                                               dims, kind);
    rewriter.replaceAllUsesWith(loop.getResult(m.index), total);
  }
}

struct LowerVector : grad::impl::GradLowerVectorBase<LowerVector> {
  void runOnOperation() override {
    func::FuncOp func = getOperation();
    MLIRContext *ctx = &getContext();
    // Note [Masked row reductions accumulate in a vector].
    accumulateMaskedRowReductions(func);
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
      p.add<UnmaskMultiReduction>(p.getContext());
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
