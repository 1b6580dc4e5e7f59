//===- TileAndVectorize.cpp - tile linalg ops and vectorize the tiles -----===//
//
// Implements --grad-tile-and-vectorize. MLIR 19 has no tiling pass, only the
// transform dialect; the tile sizes we want depend on each op's rank and loop
// kinds, so the schedule is written here in C++ with the same building blocks
// (scf::tileUsingSCF, linalg::vectorize and the patterns that
// transform.structured.vectorize_children_and_apply_patterns applies).
//
// A 2-D linalg.matmul whose only user is an all-parallel elementwise generic
// (its epilogue: bias add, activation) is first fused into that generic's M,N
// tile loops (scf::tileConsumerAndFuseProducersUsingSCF): each M x N tile is
// computed (K loop, packing, register tiling inside) and the epilogue applied to
// it while it is in cache, so the pair is one loop nest.
//
//===----------------------------------------------------------------------===//

#include "grad/Codegen/Passes.h"

#include "mlir/Dialect/Affine/IR/AffineOps.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Linalg/Transforms/Transforms.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/SCF/Transforms/TileUsingInterface.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Tensor/Transforms/Transforms.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/Dialect/Vector/Transforms/LoweringPatterns.h"
#include "mlir/Dialect/Vector/Transforms/VectorRewritePatterns.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

#include "llvm/ADT/MapVector.h"

#include <limits>
#include "llvm/ADT/SetVector.h"

namespace grad {
#define GEN_PASS_DEF_GRADTILEANDVECTORIZE
#include "grad/Codegen/Passes.h.inc"
} // namespace grad

using namespace mlir;

namespace {

/// A reduction to a scalar (no parallel loop) that reads an operand through a map that does
/// not use every loop (a fused broadcast, e.g. sum(broadcast(x) * w) over all axes). MLIR 19's
/// reduction-to-contract patterns turn its vectorized form into a vector.contract in which a
/// reduction dim is missing from one side, which the verifier rejects ("invalid
/// accumulator/result vector shape"). Such ops stay scalar loops (test/lit/lowering).
bool isFullReductionOfBroadcast(Operation *op) {
  auto generic = dyn_cast<linalg::GenericOp>(op);
  if (!generic || generic.getNumParallelLoops() != 0)
    return false;
  unsigned loops = generic.getNumLoops();
  return llvm::any_of(generic.getDpsInputOperands(), [&](OpOperand *input) {
    AffineMap map = generic.getMatchingIndexingMap(input);
    for (unsigned d = 0; d < loops; ++d)
      if (!map.isFunctionOfDim(d))
        return true;
    return false;
  });
}

/// The largest divisor of `extent` that is <= `target`, preferring multiples of
/// `quantum` (the vector width) so that tiles fill whole registers.
int64_t pickTile(int64_t extent, int64_t target, int64_t quantum) {
  if (extent <= 0 || ShapedType::isDynamic(extent))
    return 0; // 0 = do not tile this loop.
  if (extent <= target)
    return extent;
  for (int64_t t = target - target % quantum; t >= quantum; t -= quantum)
    if (extent % t == 0)
      return t;
  for (int64_t t = target; t >= 1; --t)
    if (extent % t == 0)
      return t;
  return 1;
}

/// Tiles `op` with `sizes` (0 = untiled) and returns the tiled op, or null.
Operation *tileOp(RewriterBase &rewriter, TilingInterface op, ArrayRef<int64_t> sizes) {
  if (llvm::all_of(sizes, [](int64_t s) { return s == 0; }))
    return op;
  SmallVector<OpFoldResult> tileSizes;
  for (int64_t s : sizes)
    tileSizes.push_back(rewriter.getIndexAttr(s));
  scf::SCFTilingOptions options;
  options.setTileSizes(tileSizes);
  rewriter.setInsertionPoint(op);
  FailureOr<scf::SCFTilingResult> result = scf::tileUsingSCF(rewriter, op, options);
  if (failed(result) || result->tiledOps.empty())
    return nullptr;
  rewriter.replaceOp(op, result->replacements);
  return result->tiledOps.back();
}

/// True if a loop of `op` has a static extent of 0: the op runs no iteration (a K=0 matmul
/// leaves its initialized output as it is), so it is neither tiled (a tile size of 0 means
/// "untiled" and would leave nothing to vectorize but a zero-sized vector) nor vectorized; it
/// lowers to loops that do not run.
bool hasEmptyLoop(linalg::LinalgOp op) {
  return llvm::is_contained(op.getStaticLoopRanges(), int64_t(0));
}

bool isMatmulLike(Operation *op) { return isa<linalg::MatmulOp, linalg::BatchMatmulOp>(op); }

/// The elementwise epilogue of `matmul` that can be fused into its M,N tile loops: the only
/// user of its result, an all-parallel 2-D generic with the matmul's iteration space that
/// reads the result (as an input, element (i, j) at loop point (i, j)) and writes through
/// identity maps. Null if there is none.
linalg::GenericOp fusableEpilogue(linalg::MatmulOp matmul) {
  Value result = matmul->getResult(0);
  if (!result.hasOneUse())
    return nullptr;
  OpOperand &use = *result.getUses().begin();
  auto generic = dyn_cast<linalg::GenericOp>(use.getOwner());
  if (!generic || !generic.hasPureTensorSemantics() || generic.getNumLoops() != 2 ||
      generic.getNumParallelLoops() != 2 || !generic.isDpsInput(&use) ||
      !generic.getMatchingIndexingMap(&use).isIdentity())
    return nullptr;
  for (OpOperand &init : generic.getDpsInitsMutable())
    if (!generic.getMatchingIndexingMap(&init).isIdentity())
      return nullptr;
  auto type = cast<RankedTensorType>(result.getType());
  if (!type.hasStaticShape() || ArrayRef<int64_t>(generic.getStaticLoopRanges()) != type.getShape())
    return nullptr;
  return generic;
}

/// Erases `op` if its only users are dead slices (what fusion leaves behind).
void eraseIfDead(RewriterBase &rewriter, Operation *op) {
  for (Operation *user : llvm::make_early_inc_range(op->getUsers()))
    if (isa<tensor::ExtractSliceOp>(user) && user->use_empty())
      rewriter.eraseOp(user);
  if (op->use_empty())
    rewriter.eraseOp(op);
}

/// Fuses each matmul with a fusable epilogue (and the fill that initializes it) into the
/// epilogue's M,N tile loops. Returns the fused matmul tiles: they still need their K cache
/// tiling, packing and register tiling.
FailureOr<llvm::SmallPtrSet<Operation *, 4>>
fuseMatmulEpilogues(RewriterBase &rewriter, func::FuncOp func, ArrayRef<int64_t> cacheTile,
                    bool skipBlasMatmuls) {
  // An epilogue may read several matmuls (x @ a + y @ b): all of them are fused into its loops.
  llvm::MapVector<Operation *, SmallVector<linalg::MatmulOp, 1>> epilogues;
  func.walk([&](linalg::MatmulOp matmul) {
    if (!matmul.hasPureTensorSemantics() || hasEmptyLoop(matmul) ||
        (skipBlasMatmuls && grad::isBlasMatmulCandidate(matmul)))
      return;
    if (linalg::GenericOp epilogue = fusableEpilogue(matmul))
      epilogues[epilogue].push_back(matmul);
  });
  llvm::SmallPtrSet<Operation *, 4> fusedMatmuls;
  for (auto &[epilogueOp, matmuls] : epilogues) {
    auto epilogue = cast<linalg::GenericOp>(epilogueOp);
    SmallVector<int64_t> ranges = epilogue.getStaticLoopRanges();
    scf::SCFTilingOptions tiling;
    tiling.setTileSizes({rewriter.getIndexAttr(pickTile(ranges[0], cacheTile[0], 1)),
                         rewriter.getIndexAttr(pickTile(ranges[1], cacheTile[1], 16))});
    // Only the matmuls and the fills that initialize only them are recomputed per tile;
    // other producers (of the matmuls' operands, the epilogue's other inputs) stay outside.
    // (CSE may have merged the fills of several matmuls into one.)
    llvm::SmallPtrSet<Operation *, 4> fusable(matmuls.begin(), matmuls.end());
    llvm::SetVector<Operation *> fills;
    for (linalg::MatmulOp matmul : matmuls) {
      auto fill = matmul.getDpsInits()[0].getDefiningOp<linalg::FillOp>();
      if (fill && llvm::all_of(fill->getUsers(),
                               [&](Operation *user) { return fusable.contains(user); }))
        fills.insert(fill);
    }
    fusable.insert(fills.begin(), fills.end());
    scf::SCFTileAndFuseOptions options;
    options.setTilingOptions(tiling);
    options.setFusionControlFn([&](tensor::ExtractSliceOp, OpResult producer, bool) {
      return std::make_tuple(fusable.contains(producer.getOwner()), false);
    });
    rewriter.setInsertionPoint(epilogue);
    FailureOr<scf::SCFTileAndFuseResult> fused = scf::tileConsumerAndFuseProducersUsingSCF(
        rewriter, cast<TilingInterface>(epilogue.getOperation()), options);
    if (failed(fused)) {
      epilogue.emitError("grad-tile-and-vectorize: cannot fuse the matmul epilogue into the "
                         "matmul's tile loops");
      return failure();
    }
    for (Operation *op : fused->tiledAndFusedOps)
      if (isa<linalg::MatmulOp>(op))
        fusedMatmuls.insert(op);
    for (OpResult result : epilogue->getResults())
      rewriter.replaceAllUsesWith(result, fused->replacements.lookup(result));
    rewriter.eraseOp(epilogue);
    for (linalg::MatmulOp matmul : matmuls)
      eraseIfDead(rewriter, matmul);
    for (Operation *fill : fills)
      eraseIfDead(rewriter, fill);
  }
  if (fusedMatmuls.empty())
    return fusedMatmuls;
  // The fused fill writes a slice of the full-size tensor.empty: make it a tile-sized one,
  // so the matmul's result is never materialized whole.
  RewritePatternSet patterns(func.getContext());
  tensor::populateFoldTensorEmptyPatterns(patterns);
  if (failed(applyPatternsAndFoldGreedily(func, std::move(patterns))))
    return failure();
  return fusedMatmuls;
}

/// The combiner of output `i` of a reduction generic: the op that yields it, if it is
/// `addf` or `maximumf` of the output's block argument (read there only) and another value.
Operation *rowCombiner(linalg::GenericOp op, unsigned i) {
  Block &body = *op.getBlock();
  BlockArgument acc = body.getArgument(op.getNumDpsInputs() + i);
  Value yielded = body.getTerminator()->getOperand(i);
  Operation *combiner = yielded.getDefiningOp();
  if (!combiner || combiner->getBlock() != &body ||
      !isa<arith::AddFOp, arith::MaximumFOp>(combiner) || !acc.hasOneUse() ||
      !llvm::is_contained(combiner->getOperands(), acc))
    return nullptr;
  return combiner;
}

/// Note [Short rows in one vector]: a reduction whose only reduction loop is the innermost one,
/// of static extent K with V < K <= kShortRowVectors * V and K % V == 0 (a softmax over 64
/// positions, a layer_norm over d_model = 64), is tiled with the whole row as its innermost tile:
/// one vector<K> read and one vector.multi_reduction per output element, which LLVM reduces as
/// a tree (K / V - 1 vertical ops, then the log2 V horizontal stages once). Tiled by one
/// register instead, each of the K / V steps ended in a full horizontal reduction chained
/// through the accumulator: about four times the critical path per row. Longer rows are split
/// into partial sums instead (Note [Row reductions in vector registers]); rows this short lose
/// with the split (its partials' fill and second pass cost more than they save).
constexpr int64_t kShortRowVectors = 4;

bool isShortRowReduction(linalg::LinalgOp op, int64_t lanes) {
  if (op.getNumReductionLoops() != 1 || op.getNumLoops() < 1 ||
      !linalg::isReductionIterator(op.getIteratorTypesArray().back()))
    return false;
  int64_t extent = op.getStaticLoopRanges().back();
  return !ShapedType::isDynamic(extent) && extent > lanes &&
         extent <= kShortRowVectors * lanes && extent % lanes == 0;
}

/// Note [Row reductions in vector registers]: a reduction generic whose only reduction loop is
/// the innermost one, of static extent K = n * V, is split in two: the first generic runs the
/// innermost loop as n x V (the V lanes a new parallel loop) into V partial accumulators per
/// output element, the second reduces the V partials. Tiled and vectorized, the first keeps a
/// vector<V> accumulator in a register across the row (the loop-invariant subset hoisting moves
/// it out of the loop) and adds vertically; otherwise every step of V elements ends in a
/// horizontal reduction of the vector (log2 V shuffles and adds on the loop's critical path).
/// linalg::splitReduction does the same for a single result; sibling reductions merged into one
/// generic (--grad-merge-sibling-reductions) have several. Sums are reassociated, as the
/// fast-math reassociation on reductions already allows.
LogicalResult splitRowReduction(RewriterBase &rewriter, linalg::GenericOp op, int64_t lanes) {
  unsigned loops = op.getNumLoops();
  if (!op.hasPureTensorSemantics() || loops < 2 || op.getNumReductionLoops() != 1 ||
      !linalg::isReductionIterator(op.getIteratorTypesArray().back()) ||
      !llvm::all_of(op.getIndexingMapsArray(), [](AffineMap map) {
        // Dims, or the constant 0 of a size-1 dim (a broadcast operand).
        return llvm::all_of(map.getResults(), [](AffineExpr e) {
          auto c = dyn_cast<AffineConstantExpr>(e);
          return isa<AffineDimExpr>(e) || (c && c.getValue() == 0);
        });
      }))
    return failure();
  SmallVector<int64_t> ranges = op.getStaticLoopRanges();
  int64_t extent = ranges.back();
  // Short rows (a transformer's d_model of 64, softmax over 64 positions) lose: the partials'
  // fill and second pass cost more than the few horizontal reductions they save (charlm's step:
  // 46 vs 21 ms with rows of 64 split). Rows of at least 16 vectors gain (layer_norm over 1024).
  if (ShapedType::isDynamic(extent) || extent < 16 * lanes || extent % lanes != 0)
    return failure();
  unsigned last = loops - 1;
  SmallVector<Operation *> combiners;
  for (unsigned i = 0; i < op.getNumDpsInits(); ++i) {
    Operation *combiner = rowCombiner(op, i);
    auto type = cast<RankedTensorType>(op.getDpsInits()[i].getType());
    if (!combiner || !(type.getElementType().isF32() || type.getElementType().isF64()))
      return failure();
    combiners.push_back(combiner);
  }
  MLIRContext *ctx = op.getContext();
  Location loc = op.getLoc();
  rewriter.setInsertionPoint(op);
  // Loops of the split op: d0..d(last-1), outer (reduction, extent/lanes), lane (parallel).
  AffineExpr outer = getAffineDimExpr(last, ctx), lane = getAffineDimExpr(last + 1, ctx);
  auto remap = [&](AffineMap map, bool addLane) {
    SmallVector<AffineExpr> exprs;
    for (AffineExpr e : map.getResults()) {
      if (e == getAffineDimExpr(last, ctx)) {
        exprs.push_back(outer);
        exprs.push_back(lane);
      } else {
        exprs.push_back(e);
      }
    }
    if (addLane)
      exprs.push_back(lane);
    return AffineMap::get(loops + 1, 0, exprs, ctx);
  };
  SmallVector<Value> inputs;
  SmallVector<AffineMap> maps;
  for (OpOperand *input : op.getDpsInputOperands()) {
    AffineMap map = op.getMatchingIndexingMap(input);
    Value value = input->get();
    std::optional<unsigned> pos = map.getResultPosition(getAffineDimExpr(last, ctx));
    if (pos) {
      auto type = cast<RankedTensorType>(value.getType());
      SmallVector<int64_t> shape;
      SmallVector<ReassociationIndices> groups;
      for (int64_t d = 0; d < type.getRank(); ++d) {
        if (d == int64_t(*pos)) {
          groups.push_back({int64_t(shape.size()), int64_t(shape.size()) + 1});
          shape.push_back(extent / lanes);
          shape.push_back(lanes);
        } else {
          groups.push_back({int64_t(shape.size())});
          shape.push_back(type.getDimSize(d));
        }
      }
      value = rewriter.create<tensor::ExpandShapeOp>(
          loc, RankedTensorType::get(shape, type.getElementType()), value, groups);
    }
    inputs.push_back(value);
    maps.push_back(remap(map, false));
  }
  SmallVector<Value> partials;
  SmallVector<AffineMap> outMaps;
  for (auto [i, init] : llvm::enumerate(op.getDpsInits())) {
    auto type = cast<RankedTensorType>(init.getType());
    SmallVector<int64_t> shape(type.getShape());
    shape.push_back(lanes);
    Type element = type.getElementType();
    TypedAttr identity =
        isa<arith::AddFOp>(combiners[i])
            ? rewriter.getFloatAttr(element, 0.0)
            : rewriter.getFloatAttr(element, -std::numeric_limits<double>::infinity());
    Value empty = rewriter.create<tensor::EmptyOp>(loc, shape, element);
    Value zero = rewriter.create<arith::ConstantOp>(loc, identity);
    partials.push_back(rewriter.create<linalg::FillOp>(loc, zero, empty).getResult(0));
    outMaps.push_back(remap(op.getMatchingIndexingMap(op.getDpsInitOperand(i)), true));
  }
  llvm::append_range(maps, outMaps);
  SmallVector<utils::IteratorType> iterators = op.getIteratorTypesArray();
  iterators.push_back(utils::IteratorType::parallel);
  SmallVector<Type> partialTypes;
  for (Value p : partials)
    partialTypes.push_back(p.getType());
  auto split = rewriter.create<linalg::GenericOp>(loc, partialTypes, inputs, partials, maps,
                                                  iterators);
  rewriter.inlineRegionBefore(op.getRegion(), split.getRegion(), split.getRegion().begin());

  // Partials [.., lanes] -> the original outputs, with each output's combiner.
  SmallVector<Value> results;
  for (auto [i, init] : llvm::enumerate(op.getDpsInits())) {
    auto type = cast<RankedTensorType>(init.getType());
    unsigned rank = type.getRank();
    AffineMap in = rewriter.getMultiDimIdentityMap(rank + 1);
    AffineMap out = AffineMap::get(rank + 1, 0, in.getResults().drop_back(), ctx);
    SmallVector<utils::IteratorType> finalIterators(rank, utils::IteratorType::parallel);
    finalIterators.push_back(utils::IteratorType::reduction);
    bool isAdd = isa<arith::AddFOp>(combiners[i]);
    auto final = rewriter.create<linalg::GenericOp>(
        loc, type, split.getResult(i), init, ArrayRef<AffineMap>{in, out}, finalIterators,
        [&](OpBuilder &b, Location l, ValueRange args) {
          Value v = isAdd ? Value(b.create<arith::AddFOp>(l, args[1], args[0]))
                          : Value(b.create<arith::MaximumFOp>(l, args[1], args[0]));
          b.create<linalg::YieldOp>(l, v);
        });
    results.push_back(final.getResult(0));
  }
  rewriter.replaceOp(op, results);
  return success();
}

/// Note [Boolean inputs are read as bytes]: an i1 buffer holds one byte per element, while
/// LLVM loads and stores vector<N x i1> as N packed bits, so an op that reads an i1 tensor
/// cannot be vectorized as it is (it used to stay a scalar loop nest: the causal mask of a
/// transformer's attention made its masked softmax forward and backward, exp and all, scalar).
/// Each i1 input of an elementwise or reduction generic whose outputs are not i1 is widened
/// once, in a small generic of its own (`arith.extui` to i8, scalar, over the mask's own
/// shape), and the consumer reads the i8 tensor and truncates in its body; it then vectorizes
/// (a vector<16xi8> load, a trunc to vector<16xi1>, a select). One widening per i1 value.
void widenBoolInputs(RewriterBase &rewriter, func::FuncOp func) {
  SmallVector<linalg::GenericOp> consumers;
  func.walk([&](linalg::GenericOp op) {
    if (!op.hasPureTensorSemantics())
      return;
    auto isBool = [](Type t) {
      auto shaped = dyn_cast<RankedTensorType>(t);
      return shaped && shaped.getElementType().isInteger(1);
    };
    if (llvm::any_of(op.getDpsInits(), [&](Value v) { return isBool(v.getType()); }))
      return;
    if (llvm::any_of(op.getDpsInputOperands(), [&](OpOperand *input) {
          auto type = dyn_cast<RankedTensorType>(input->get().getType());
          return type && isBool(type);
        }))
      consumers.push_back(op);
  });
  llvm::DenseMap<Value, Value> widened;
  Type i8 = rewriter.getI8Type();
  for (linalg::GenericOp op : consumers) {
    for (OpOperand *input : op.getDpsInputOperands()) {
      auto type = dyn_cast<RankedTensorType>(input->get().getType());
      if (!type || !type.getElementType().isInteger(1))
        continue;
      // A slice of a mask (the operand of an op inside grad-parallelize's forall) is taken
      // from the widened mask instead: the whole mask is widened once, outside the loops.
      auto slice = input->get().getDefiningOp<tensor::ExtractSliceOp>();
      Value source = slice ? slice.getSource() : input->get();
      auto sourceType = cast<RankedTensorType>(source.getType());
      Value &wideSource = widened[source];
      if (!wideSource) {
        Location loc = source.getLoc();
        rewriter.setInsertionPointAfterValue(source);
        // `?` dims (a causal mask over T): the i8 tensor takes the mask's run-time sizes.
        Value empty = rewriter.create<tensor::EmptyOp>(
            loc, tensor::getMixedSizes(rewriter, loc, source), i8);
        AffineMap id = rewriter.getMultiDimIdentityMap(sourceType.getRank());
        SmallVector<utils::IteratorType> parallel(sourceType.getRank(),
                                                  utils::IteratorType::parallel);
        wideSource = rewriter
                         .create<linalg::GenericOp>(
                             loc, empty.getType(), source, empty, ArrayRef<AffineMap>{id, id},
                             parallel,
                             [&](OpBuilder &b, Location l, ValueRange args) {
                               b.create<linalg::YieldOp>(l, Value(b.create<arith::ExtUIOp>(
                                                                l, b.getI8Type(), args[0])));
                             })
                         .getResult(0);
      }
      Value wide = wideSource;
      if (slice) {
        rewriter.setInsertionPoint(slice);
        auto sliceType = RankedTensorType::get(slice.getType().getShape(), i8);
        wide = rewriter.create<tensor::ExtractSliceOp>(
            slice.getLoc(), sliceType, wideSource, slice.getMixedOffsets(),
            slice.getMixedSizes(), slice.getMixedStrides());
      }
      BlockArgument arg = op.getMatchingBlockArgument(input);
      rewriter.modifyOpInPlace(op, [&] {
        input->set(wide);
        arg.setType(i8);
      });
      rewriter.setInsertionPointToStart(op.getBody());
      auto narrow = rewriter.create<arith::TruncIOp>(op.getLoc(), rewriter.getI1Type(), arg);
      rewriter.replaceAllUsesExcept(arg, narrow.getResult(), narrow);
    }
  }
}

/// A vectorized read that broadcasts one element of a tensor (every vector dim the map takes
/// from the source has size 1; the others are broadcast dims, constant 0 in the map), such as a
/// softmax's row max read across its row: one tensor.extract and a vector.broadcast. MLIR's
/// transfer lowering only turns broadcasts of leading dims into a smaller read; one in the
/// innermost dim became a loop of scalar loads, one per lane (64 of them for a whole-row tile,
/// Note [Short rows in one vector]), which LLVM's capped unrolling left as a loop.
struct ReadOneElementAsBroadcast : OpRewritePattern<vector::TransferReadOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(vector::TransferReadOp read,
                                PatternRewriter &rewriter) const override {
    auto source = dyn_cast<TypedValue<RankedTensorType>>(read.getSource());
    VectorType type = read.getVectorType();
    if (!source || read.getMask() || type.isScalable() ||
        llvm::any_of(read.getInBoundsValues(), [](bool b) { return !b; }))
      return failure();
    bool broadcasts = false;
    for (auto [i, e] : llvm::enumerate(read.getPermutationMap().getResults())) {
      auto c = dyn_cast<AffineConstantExpr>(e);
      if (c && c.getValue() == 0)
        broadcasts |= type.getDimSize(i) > 1;
      else if (!isa<AffineDimExpr>(e) || type.getDimSize(i) != 1)
        return failure();
    }
    if (!broadcasts)
      return failure();
    Value element = rewriter.create<tensor::ExtractOp>(read.getLoc(), source, read.getIndices());
    rewriter.replaceOpWithNewOp<vector::BroadcastOp>(read, type, element);
    return success();
  }
};

struct TileAndVectorize : grad::impl::GradTileAndVectorizeBase<TileAndVectorize> {
  using GradTileAndVectorizeBase::GradTileAndVectorizeBase;

  void runOnOperation() override {
    func::FuncOp func = getOperation();
    SmallVector<int64_t> cacheTile(matmulTile.begin(), matmulTile.end());
    SmallVector<int64_t> regTile(matmulRegisterTile.begin(), matmulRegisterTile.end());
    if (cacheTile.empty())
      cacheTile = {64, 128, 64};
    if (regTile.empty())
      regTile = {8, 32, 1};
    if (cacheTile.size() != 3 || regTile.size() != 3) {
      func.emitError("grad-tile-and-vectorize: matmul tiles need 3 sizes (M,N,K)");
      return signalPassFailure();
    }

    IRRewriter rewriter(&getContext());
    FailureOr<llvm::SmallPtrSet<Operation *, 4>> fusedMatmuls =
        fuseMatmulEpilogues(rewriter, func, cacheTile, skipBlasMatmuls);
    if (failed(fusedMatmuls))
      return signalPassFailure();

    // Note [Boolean inputs are read as bytes].
    widenBoolInputs(rewriter, func);

    // Note [Row reductions in vector registers].
    SmallVector<linalg::GenericOp> rowReductions;
    func.walk([&](linalg::GenericOp op) { rowReductions.push_back(op); });
    for (linalg::GenericOp op : rowReductions)
      (void)splitRowReduction(rewriter, op, vectorSize);

    SmallVector<linalg::LinalgOp> work;
    func.walk([&](linalg::LinalgOp op) {
      if (op.hasPureTensorSemantics() && op.getNumLoops() > 0)
        work.push_back(op);
    });

    SmallVector<Operation *> toVectorize;
    // Ops tiled along a `?` innermost loop: vectorized with these vector sizes, masked.
    llvm::DenseMap<Operation *, SmallVector<int64_t>> maskedSizes;
    for (linalg::LinalgOp op : work) {
      SmallVector<int64_t> ranges = op.getStaticLoopRanges();
      // `?` loops (dynamic dims): ops other than matmuls are tiled to 1 along every outer loop
      // anyway, so a static innermost loop still gives static vector tiles. A `?` innermost
      // loop is tiled by one vector register and each tile vectorized with a mask (Note
      // [Masked tiles of a `?` innermost loop]); matmuls with `?` loops stay scalar loops.
      bool dynamic = llvm::any_of(ranges, ShapedType::isDynamic);
      bool dynamicInner = !ranges.empty() && ShapedType::isDynamic(ranges.back());
      if (hasEmptyLoop(op))
        continue;
      if (dynamic && isMatmulLike(op))
        continue;
      if (dynamicInner) {
        // Not for a reduction to a scalar, nor for an op that reads or writes along the
        // innermost loop in another dim than its innermost (a transpose: strided reads).
        unsigned inner = op.getNumLoops() - 1;
        bool contiguous = llvm::all_of(op.getIndexingMapsArray(), [&](AffineMap map) {
          if (!map.isFunctionOfDim(inner))
            return true;
          if (map.getNumResults() == 0)
            return false;
          auto last = dyn_cast<AffineDimExpr>(map.getResults().back());
          return last && last.getPosition() == inner;
        });
        if (isa<linalg::FillOp>(op) || op.getNumParallelLoops() == 0 || !contiguous ||
            (skipBlasMatmuls && grad::isBlasMatmulCandidate(op)))
          continue;
        SmallVector<int64_t> sizes(ranges.size(), 1);
        sizes.back() = vectorSize;
        Operation *tiled = tileOp(rewriter, cast<TilingInterface>(op.getOperation()), sizes);
        if (!tiled)
          continue;
        toVectorize.push_back(tiled);
        maskedSizes[tiled] = sizes;
        continue;
      }
      if (skipBlasMatmuls && grad::isBlasMatmulCandidate(op))
        continue; // becomes a BLAS call after bufferization (grad-matmul-to-blas)
      // A fill that only initializes such matmuls stays whole: gemm's beta = 0 replaces it.
      if (skipBlasMatmuls && isa<linalg::FillOp>(op) &&
          llvm::all_of(op->getUsers(),
                       [](Operation *user) { return grad::isBlasMatmulCandidate(user); }))
        continue;
      auto tilable = cast<TilingInterface>(op.getOperation());
      Operation *tiled = nullptr;
      if (isMatmulLike(op)) {
        // Loops: [batch,] M, N, K. The batch loop is tiled to 1.
        size_t lead = ranges.size() - 3;
        SmallVector<int64_t> outer(lead, 1), inner(lead, 0);
        // A matmul fused into its epilogue's loops is already one M x N cache tile.
        bool fused = fusedMatmuls->contains(op);
        for (size_t d = 0; d < 3; ++d) {
          int64_t quantum = d == 1 ? 16 : 1;
          outer.push_back(fused && d < 2 ? 0
                                         : pickTile(ranges[lead + d], cacheTile[d], quantum));
        }
        tiled = tileOp(rewriter, tilable, outer);
        if (!tiled)
          continue;
        auto innerOp = cast<linalg::LinalgOp>(tiled);
        if (packRhs) {
          // Copy the K x N tile of the right operand into a contiguous buffer: its rows
          // are then tile-width apart instead of the full row stride (a power of two
          // for common sizes, which maps every row to the same L1 sets).
          OpOperand &rhs = innerOp->getOpOperand(1);
          auto rhsType = cast<RankedTensorType>(rhs.get().getType());
          if (rhsType.hasStaticShape()) {
            rewriter.setInsertionPoint(innerOp);
            Value empty = rewriter.create<tensor::EmptyOp>(innerOp.getLoc(), rhsType.getShape(),
                                                           rhsType.getElementType());
            auto copy = rewriter.create<linalg::CopyOp>(innerOp.getLoc(), rhs.get(), empty);
            rewriter.modifyOpInPlace(innerOp, [&] { rhs.set(copy.getResult(0)); });
            SmallVector<int64_t> copyTile(rhsType.getRank(), 1);
            copyTile.back() = pickTile(rhsType.getShape().back(), vectorSize, 16);
            if (Operation *tiledCopy =
                    tileOp(rewriter, cast<TilingInterface>(copy.getOperation()), copyTile))
              toVectorize.push_back(tiledCopy);
          }
        }
        SmallVector<int64_t> innerRanges = innerOp.getStaticLoopRanges();
        for (size_t d = 0; d < 3; ++d) {
          int64_t quantum = d == 1 ? 16 : 1;
          inner.push_back(pickTile(innerRanges[lead + d], regTile[d], quantum));
        }
        tiled = tileOp(rewriter, cast<TilingInterface>(tiled), inner);
      } else {
        SmallVector<int64_t> sizes(ranges.size(), 1);
        sizes.back() = isShortRowReduction(op, vectorSize)
                           ? ranges.back()
                           : pickTile(ranges.back(), vectorSize, 16);
        tiled = tileOp(rewriter, tilable, sizes);
      }
      if (tiled)
        toVectorize.push_back(tiled);
    }

    auto vectorizeTile = [&](Operation *op, ArrayRef<int64_t> vectorSizes) {
      // LLVM packs vector<Nxi1> into bits in memory, while i1 buffers hold one
      // byte per element (scalar i1 loads/stores): ops that still read or write i1
      // tensors (the widenings, i1 results) stay scalar. i1 values inside fused
      // bodies are unaffected. Note [Boolean inputs are read as bytes].
      if (llvm::any_of(op->getOperandTypes(), [](Type t) {
            auto shaped = dyn_cast<ShapedType>(t);
            return shaped && shaped.getElementType().isInteger(1);
          }))
        return;
      // The scalable flags are passed explicitly: MLIR 19's vectorizer keeps a reference to
      // the default it builds for an empty list, which then dangles (masks whose types
      // print alike but differ, rejected by the transfer verifier).
      SmallVector<bool> scalable(vectorSizes.size(), false);
      if (failed(linalg::vectorizeOpPrecondition(op, vectorSizes, scalable)))
        return; // Stays a (tiled) linalg op; becomes scalar loops.
      if (isFullReductionOfBroadcast(op))
        return;
      rewriter.setInsertionPoint(op);
      (void)linalg::vectorize(rewriter, op, vectorSizes, scalable);
    };
    for (Operation *op : toVectorize)
      if (!maskedSizes.contains(op))
        vectorizeTile(op, {});

    // The clean-up that vectorize_children_and_apply_patterns does: fold the
    // tensor slices into the transfers and simplify the transfers.
    MLIRContext *ctx = &getContext();
    RewritePatternSet patterns(ctx);
    vector::populateVectorTransferPermutationMapLoweringPatterns(patterns);
    vector::populateVectorReductionToContractPatterns(patterns);
    vector::TransferReadOp::getCanonicalizationPatterns(patterns, ctx);
    vector::TransferWriteOp::getCanonicalizationPatterns(patterns, ctx);
    tensor::populateFoldTensorSubsetIntoVectorTransferPatterns(patterns);
    patterns.add<linalg::LinalgCopyVTRForwardingPattern, linalg::LinalgCopyVTWForwardingPattern>(
        ctx, /*benefit=*/2);
    patterns.add<ReadOneElementAsBroadcast>(ctx);
    if (failed(applyPatternsAndFoldGreedily(func, std::move(patterns))))
      return signalPassFailure();

    // Note [Masked tiles of a `?` innermost loop]: an op whose innermost loop is `?` (a softmax
    // or causal mask over the sequence length T) is tiled by one vector register along it and
    // each tile vectorized with vector sizes (1, ..., 1, lanes): its reads and writes are
    // masked by `min(lanes, T - t)` lanes (vector.create_mask), so the last, partial tile runs
    // the same vector code. The vector.mask regions become transfers with a mask operand
    // (AVX-512 masked loads and stores). Reductions keep a parallel loop (row max/sum; a
    // reduction to a scalar stays a scalar loop), and ops that read along the innermost loop in
    // another dim (a transpose) stay scalar: their masked transfers would permute.
    if (!maskedSizes.empty()) {
      for (Operation *op : toVectorize)
        if (auto it = maskedSizes.find(op); it != maskedSizes.end())
          vectorizeTile(op, it->second);
      RewritePatternSet maskPatterns(ctx);
      maskPatterns.add<ReadOneElementAsBroadcast>(ctx);
      vector::populateVectorMaskLoweringPatternsForSideEffectingOps(maskPatterns);
      if (failed(applyPatternsAndFoldGreedily(func, std::move(maskPatterns))))
        return signalPassFailure();
    }
  }
};

} // namespace
