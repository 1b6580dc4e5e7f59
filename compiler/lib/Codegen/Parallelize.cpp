//===- Parallelize.cpp - scf.forall over the outer parallel loop ----------===//
//
// Implements --grad-parallelize (Passes.td): the outermost parallel loop of each
// large linalg op on tensors becomes an scf.forall, which the pipeline later
// lowers to an OpenMP worksharing loop (scf-forall-to-parallel,
// convert-scf-to-openmp, convert-openmp-to-llvm) running on libomp, the pool the
// eager kernels use too. See docs/threads.md.
//
//===----------------------------------------------------------------------===//

#include "grad/Codegen/Passes.h"

#include "mlir/Dialect/Affine/IR/AffineOps.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/SCF/Transforms/TileUsingInterface.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Utils/StructuredOpsUtils.h"
#include "mlir/IR/PatternMatch.h"

namespace grad {
#define GEN_PASS_DEF_GRADPARALLELIZE
#include "grad/Codegen/Passes.h.inc"
} // namespace grad

using namespace mlir;

namespace {

/// The largest divisor of `extent` that is <= `target`, preferring multiples of 16.
int64_t divisorTile(int64_t extent, int64_t target) {
  if (extent <= target)
    return extent;
  for (int64_t t = target - target % 16; t >= 16; t -= 16)
    if (extent % t == 0)
      return t;
  for (int64_t t = target; t > 1; --t)
    if (extent % t == 0)
      return t;
  return 1;
}

bool isMatmulLike(Operation *op) { return isa<linalg::MatmulOp, linalg::BatchMatmulOp>(op); }

/// A matmul that grad-tile-and-vectorize fuses into its elementwise epilogue, or that epilogue:
/// the fusion tiles the pair itself, so neither is split here.
bool inMatmulEpilogueFusion(linalg::LinalgOp op) {
  auto isEpilogueOf = [](Operation *user, Value matmulResult) {
    auto generic = dyn_cast<linalg::GenericOp>(user);
    return generic && matmulResult.hasOneUse() && generic.getNumLoops() == 2 &&
           generic.getNumParallelLoops() == 2;
  };
  if (isa<linalg::MatmulOp>(op))
    return llvm::any_of(op->getResult(0).getUsers(),
                        [&](Operation *u) { return isEpilogueOf(u, op->getResult(0)); });
  for (Value input : op.getDpsInputs())
    if (auto matmul = input.getDefiningOp<linalg::MatmulOp>())
      if (isEpilogueOf(op, matmul->getResult(0)))
        return true;
  return false;
}

struct Parallelize : grad::impl::GradParallelizeBase<Parallelize> {
  using GradParallelizeBase::GradParallelizeBase;

  void runOnOperation() override {
    SmallVector<linalg::LinalgOp> work;
    getOperation().walk([&](linalg::LinalgOp op) {
      // Only top-level ops: an op already inside a loop is part of someone's tile.
      if (op.hasPureTensorSemantics() && op.getNumLoops() > 0 &&
          isa<func::FuncOp>(op->getParentOp()))
        work.push_back(op);
    });
    IRRewriter rewriter(&getContext());
    for (linalg::LinalgOp op : work) {
      SmallVector<int64_t> ranges = op.getStaticLoopRanges();
      if (llvm::any_of(ranges, [](int64_t r) { return ShapedType::isDynamic(r) || r == 0; }))
        continue;
      int64_t iterations = 1;
      for (int64_t r : ranges)
        iterations *= r;
      if (iterations < minWork || isa<linalg::FillOp>(op.getOperation()))
        continue;
      if (skipBlasMatmuls && grad::isBlasMatmulCandidate(op))
        continue;
      if (inMatmulEpilogueFusion(op))
        continue;
      SmallVector<utils::IteratorType> kinds = op.getIteratorTypesArray();
      int64_t dim = -1;
      for (int64_t d = 0; d < static_cast<int64_t>(ranges.size()); ++d)
        if (kinds[d] == utils::IteratorType::parallel && ranges[d] > 1) {
          dim = d;
          break;
        }
      if (dim < 0)
        continue; // a reduction to a scalar
      int64_t tile = 1;
      const bool innermost = dim == static_cast<int64_t>(ranges.size()) - 1;
      if (isMatmulLike(op) && dim == static_cast<int64_t>(ranges.size()) - 3)
        tile = divisorTile(ranges[dim], matmulTileM); // M
      else if (innermost)
        tile = divisorTile(ranges[dim], vectorSize);
      if (tile == ranges[dim])
        continue; // one iteration: nothing to split
      SmallVector<OpFoldResult> sizes(ranges.size(), rewriter.getIndexAttr(0));
      sizes[dim] = rewriter.getIndexAttr(tile);
      scf::SCFTilingOptions options;
      options.setTileSizes(sizes);
      options.setLoopType(scf::SCFTilingOptions::LoopType::ForallOp);
      rewriter.setInsertionPoint(op);
      FailureOr<scf::SCFTilingResult> result =
          scf::tileUsingSCF(rewriter, cast<TilingInterface>(op.getOperation()), options);
      if (failed(result)) {
        op.emitError("grad-parallelize: cannot tile the parallel loop ") << dim << " with scf.forall";
        return signalPassFailure();
      }
      rewriter.replaceOp(op, result->replacements);
    }
  }
};

} // namespace
