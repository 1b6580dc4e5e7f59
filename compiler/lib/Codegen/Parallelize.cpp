//===- Parallelize.cpp - scf.forall over the outer parallel loop ----------===//
//
// Implements --grad-parallelize (Passes.td): the outermost parallel loop of each
// large linalg op on tensors becomes an scf.forall, which the pipeline later
// lowers to an OpenMP worksharing loop (scf-forall-to-parallel,
// convert-scf-to-openmp, convert-openmp-to-llvm) running on libomp, the pool the
// eager kernels use too. See docs/threads.md. Also --grad-fork-if-many-iterations,
// which lets an op whose `?` loops are small at run time skip the fork.
//
//===----------------------------------------------------------------------===//

#include "grad/Codegen/Passes.h"

#include "mlir/Dialect/Affine/IR/AffineOps.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Arith/Utils/Utils.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/OpenMP/OpenMPDialect.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/Dialect/SCF/Transforms/TileUsingInterface.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Utils/StructuredOpsUtils.h"
#include "mlir/IR/PatternMatch.h"

namespace grad {
#define GEN_PASS_DEF_GRADPARALLELIZE
#define GEN_PASS_DEF_GRADFORKIFMANYITERATIONS
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
      if (llvm::any_of(ranges, [](int64_t r) { return r == 0; }))
        continue;
      const bool dynamic = llvm::any_of(ranges, ShapedType::isDynamic);
      int64_t iterations = 1; // of the static loops
      for (int64_t r : ranges)
        if (!ShapedType::isDynamic(r))
          iterations *= r;
      if ((!dynamic && iterations < minWork) || isa<linalg::FillOp>(op.getOperation()))
        continue;
      if (skipBlasMatmuls && grad::isBlasMatmulCandidate(op))
        continue;
      if (inMatmulEpilogueFusion(op))
        continue;
      if (dynamic && isMatmulLike(op))
        continue; // generated matmul code tiles M itself (static tiles only)
      SmallVector<utils::IteratorType> kinds = op.getIteratorTypesArray();
      int64_t dim = -1;
      for (int64_t d = 0; d < static_cast<int64_t>(ranges.size()); ++d)
        if (kinds[d] == utils::IteratorType::parallel &&
            (ShapedType::isDynamic(ranges[d]) || ranges[d] > 1)) {
          dim = d;
          break;
        }
      if (dim < 0)
        continue; // a reduction to a scalar
      const bool innermost = dim == static_cast<int64_t>(ranges.size()) - 1;
      SmallVector<OpFoldResult> sizes(ranges.size(), rewriter.getIndexAttr(0));
      rewriter.setInsertionPoint(op);
      if (dynamic) {
        // A `?` innermost dim is cut into masked vector tiles by grad-tile-and-vectorize;
        // those stay whole.
        if (innermost)
          continue;
        sizes[dim] = runTimeTile(rewriter, op, dim);
      } else {
        int64_t tile = 1;
        if (isMatmulLike(op) && dim == static_cast<int64_t>(ranges.size()) - 3)
          tile = divisorTile(ranges[dim], matmulTileM); // M
        else if (innermost)
          tile = divisorTile(ranges[dim], vectorSize);
        if (tile == ranges[dim])
          continue; // one iteration: nothing to split
        sizes[dim] = rewriter.getIndexAttr(tile);
      }
      scf::SCFTilingOptions options;
      options.setTileSizes(sizes);
      options.setLoopType(scf::SCFTilingOptions::LoopType::ForallOp);
      FailureOr<scf::SCFTilingResult> result =
          scf::tileUsingSCF(rewriter, cast<TilingInterface>(op.getOperation()), options);
      if (failed(result)) {
        op.emitError("grad-parallelize: cannot tile the parallel loop ") << dim << " with scf.forall";
        return signalPassFailure();
      }
      rewriter.replaceOp(op, result->replacements);
    }
  }

  /// The tile of loop `dim` of an op with `?` loops: 1 (one forall iteration per index, split
  /// over the threads) when the op's iteration count reaches min-work at run time, else the
  /// loop's whole extent (at least 1: a forall step must be positive), one iteration.
  Value runTimeTile(IRRewriter &rewriter, linalg::LinalgOp op, int64_t dim) {
    Location loc = op.getLoc();
    SmallVector<Range> loops = op.createLoopRanges(rewriter, loc);
    Value work = rewriter.create<arith::ConstantIndexOp>(loc, 1);
    for (Range &r : loops)
      work = rewriter.create<arith::MulIOp>(
          loc, work, getValueOrCreateConstantIndexOp(rewriter, loc, r.size));
    Value big = rewriter.create<arith::CmpIOp>(
        loc, arith::CmpIPredicate::sge, work,
        rewriter.create<arith::ConstantIndexOp>(loc, minWork));
    Value one = rewriter.create<arith::ConstantIndexOp>(loc, 1);
    Value whole = rewriter.create<arith::MaxSIOp>(
        loc, getValueOrCreateConstantIndexOp(rewriter, loc, loops[dim].size), one);
    return rewriter.create<arith::SelectOp>(loc, big, one, whole);
  }
};

struct ForkIfManyIterations
    : grad::impl::GradForkIfManyIterationsBase<ForkIfManyIterations> {
  void runOnOperation() override {
    getOperation().walk([&](omp::ParallelOp parallel) {
      if (parallel.getIfExpr())
        return;
      // The body: one omp.wsloop around one omp.loop_nest (convert-scf-to-openmp's shape).
      omp::LoopNestOp nest;
      unsigned loops = 0;
      parallel.walk([&](omp::LoopNestOp n) {
        nest = n;
        ++loops;
      });
      if (loops != 1)
        return;
      auto outside = [&](Value v) {
        return !parallel->isAncestor(v.getParentRegion()->getParentOp());
      };
      if (!llvm::all_of(nest->getOperands(), outside))
        return;
      OpBuilder b(parallel);
      Location loc = parallel.getLoc();
      Value many;
      for (auto [lb, ub, step] :
           llvm::zip(nest.getLowerBound(), nest.getUpperBound(), nest.getStep())) {
        Value span = b.createOrFold<arith::SubIOp>(loc, ub, lb);
        Value more = b.createOrFold<arith::CmpIOp>(loc, arith::CmpIPredicate::sgt, span, step);
        many = many ? b.createOrFold<arith::OrIOp>(loc, many, more) : more;
      }
      if (!many)
        return;
      if (auto constant = getConstantIntValue(many); constant && *constant != 0)
        return; // always more than one iteration: no clause needed
      if (succeeded(serialBranch(parallel, nest, many)))
        return;
      parallel.getIfExprMutable().assign(many);
    });
  }

  /// `scf.if %many { omp.parallel ... } else { scf.for (the loop's body) }` for a region that
  /// is one worksharing loop over one dim: one iteration then runs as a plain loop, without
  /// libomp's serialized-parallel calls (about 0.5 us per kernel, which an if clause costs:
  /// 40% of a small MLP step with `?` batch at one thread). Fails (the caller uses the if
  /// clause) for other shapes of region.
  LogicalResult serialBranch(omp::ParallelOp parallel, omp::LoopNestOp nest, Value many) {
    Block &region = parallel.getRegion().front();
    if (!parallel.getRegion().hasOneBlock() || region.getOperations().size() != 2 ||
        !isa<omp::WsloopOp>(region.front()) || nest.getNumLoops() != 1 ||
        nest.getInclusive() || !nest.getRegion().hasOneBlock() ||
        nest->getParentOp() != &region.front())
      return failure();
    OpBuilder b(parallel);
    Location loc = parallel.getLoc();
    auto branch = b.create<scf::IfOp>(loc, many, /*withElseRegion=*/true);
    parallel->moveBefore(branch.thenBlock()->getTerminator());
    b.setInsertionPoint(branch.elseBlock()->getTerminator());
    auto loop = b.create<scf::ForOp>(loc, nest.getLowerBound()[0], nest.getUpperBound()[0],
                                     nest.getStep()[0]);
    IRMapping map;
    Block &body = nest.getRegion().front();
    map.map(body.getArgument(0), loop.getInductionVar());
    b.setInsertionPoint(loop.getBody()->getTerminator());
    for (Operation &op : body.without_terminator())
      b.clone(op, map);
    return success();
  }
};

} // namespace
