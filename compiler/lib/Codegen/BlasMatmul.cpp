//===- BlasMatmul.cpp - matmuls as calls into a BLAS library --------------===//
//
// The passes of the BLAS matmul lowering (CodegenOptions::matmulLowering =
// Blas, docs/codegen.md "Matmul: generated code vs OpenBLAS"):
//
// --grad-fold-matmul-transposes (tensors): transposes and batch reshapes
//   around contractions become indexing maps, so that no copy is left for
//   BLAS to read. A 2-D transpose feeding a linalg.matmul becomes the flag of
//   matmul_transpose_a/_b, and a transpose of such a matmul's zero-initialized
//   result swaps its operands ((A^T B)^T = B^T A). Otherwise a linalg.transpose
//   of any rank and permutation that produces an operand of a contraction, or
//   consumes its zero-initialized single-use result, is folded into the
//   contraction's indexing maps (a linalg.generic contraction), and a
//   linalg.batch_matmul on collapsed batch dims runs on the uncollapsed
//   tensors with all batch dims as loops. Each fold is made only if the
//   contraction stays a gemm BLAS can read (each operand unit-stride in one of
//   its two matrix dims).
// --grad-split-matmul-fills (tensors, before bufferization): each such
//   contraction gets its own zero fill (CSE merged them), so its buffer is
//   filled in place rather than copied from one shared zero buffer.
// --grad-matmul-to-blas (buffers): every contraction on static f32/f64
//   memrefs with one M, one N and one K loop, any number of batch loops and
//   each operand unit-stride in one of its matrix dims becomes scf.for loops
//   over the batch dims around one grad_gemm_f32 / grad_gemm_f64 call (libgradrt:
//   cblas_sgemm / cblas_dgemm, large ones split over the OpenMP pool; row major;
//   transpose flags and leading dimensions from the strides; C stored
//   column-major is computed as C^T = B^T A^T; beta = 1: C += op(A) op(B),
//   the linalg semantics; beta = 0 replaces a zero fill of C just before).
//   Other contractions are left alone (loops later).
//
//===----------------------------------------------------------------------===//

#include "grad/Codegen/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/MemRef/Transforms/Transforms.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Utils/StaticValueUtils.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/Matchers.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

#include <limits>

namespace grad {
#define GEN_PASS_DEF_GRADFOLDMATMULTRANSPOSES
#define GEN_PASS_DEF_GRADMATMULTOBLAS
#define GEN_PASS_DEF_GRADSPLITMATMULFILLS
#include "grad/Codegen/Passes.h.inc"
} // namespace grad

using namespace mlir;

namespace {

//===----------------------------------------------------------------------===//
// Which contractions are gemms
//===----------------------------------------------------------------------===//

// Note [Dynamic gemms]
// ~~~~~~~~~~~~~~~~~~~~
// With `?` dims (a batch B and a sequence length T in attention's [B, H, T, T] x [B, H, T, hd],
// a weight gradient [D, B*T] x [B*T, D']), a contraction is still one gemm per batch point when
// each operand is unit-stride in one of its two matrix dims, which is static for the buffers
// this pipeline makes (row-major: the innermost stride is 1). What is `?` is read when the code
// runs: M, N, K and the batch loops' bounds (memref.dim), the leading dimensions and the batch
// strides (memref.extract_strided_metadata; a leading dimension is clamped to >= 1, which a dim
// of size 0 needs). A `?` leading dimension is not checked against the extent it strides over:
// the buffers never overlap, so it is at least that. `?` batch loops are sequential (the
// parallel batch split needs static sizes).

/// How BLAS reads one rows x cols matrix: its transpose flag and leading dimension.
struct MatrixLayout {
  bool trans;
  /// kDynamic: read at run time, the stride of dim `ldPos` of its operand.
  int64_t ld;
  int64_t ldPos = -1;
};

/// The layout of a rows x cols matrix whose elements are `rowStride` / `colStride` apart, or
/// nullopt if it is not unit-stride in either dim. A dim of size 1 may have any stride: the
/// leading dimension is then the smallest BLAS accepts (lda >= max(1, columns as stored)).
std::optional<MatrixLayout> matrixLayout(int64_t rows, int64_t cols, int64_t rowStride,
                                         int64_t colStride) {
  // A `?` extent (known at run time only): the layout must not depend on it. A row-major
  // matrix with a `?` row count has a static leading dimension (its row stride); one with a `?`
  // column count cannot be checked against its leading dimension here. A `?` stride (a
  // contiguous buffer with `?` inner dims: the product of their sizes) is the leading dimension
  // read at run time; buffers are never overlapping, so it is at least the extent it strides
  // over (Note [Dynamic gemms]).
  if (ShapedType::isDynamic(rows) || ShapedType::isDynamic(cols) ||
      ShapedType::isDynamic(rowStride) || ShapedType::isDynamic(colStride)) {
    if (colStride == 1 && (ShapedType::isDynamic(rowStride) ||
                           (!ShapedType::isDynamic(cols) && rowStride >= std::max<int64_t>(1, cols))))
      return MatrixLayout{false, rowStride};
    if (rowStride == 1 && (ShapedType::isDynamic(colStride) ||
                           (!ShapedType::isDynamic(rows) && colStride >= std::max<int64_t>(1, rows))))
      return MatrixLayout{true, colStride};
    return std::nullopt;
  }
  if (colStride == 1 || cols == 1) {
    int64_t ld = rows == 1 ? std::max<int64_t>(1, cols) : rowStride;
    if (ld >= std::max<int64_t>(1, cols))
      return MatrixLayout{false, ld};
  }
  if (rowStride == 1 || rows == 1) {
    int64_t ld = cols == 1 ? std::max<int64_t>(1, rows) : colStride;
    if (ld >= std::max<int64_t>(1, rows))
      return MatrixLayout{true, ld};
  }
  return std::nullopt;
}

/// One contraction as a gemm per batch point: C[b] (M x N) += op(A[b]) op(B[b]).
struct GemmPlan {
  /// kDynamic when known at run time only (read from `sizeSource`).
  int64_t m, n, k;
  /// A is M x K, B is K x N, C is M x N; c.trans: C is stored column-major (computed as C^T).
  MatrixLayout a, b, c;
  /// The batch loops' sizes and, per operand (A, B, C), its stride along each (0: not indexed),
  /// kDynamic when read at run time: the size or stride of dim batchPos[i][d] of operand i.
  SmallVector<int64_t> batchSizes;
  SmallVector<int64_t> batchStrides[3];
  SmallVector<int64_t> batchPos[3];
  /// Where M, N and K can be read at run time: (operand, dim) of C, C and A.
  std::pair<unsigned, unsigned> sizeSource[3];
};

/// Strides of a shaped type in elements: a memref's own, a tensor's row-major ones (what
/// bufferization gives a fresh tensor); kDynamic for a stride known at run time only (`?`
/// inner dims).
std::optional<SmallVector<int64_t>> stridesOf(ShapedType type) {
  if (auto memref = dyn_cast<MemRefType>(type)) {
    SmallVector<int64_t> strides;
    int64_t offset;
    if (failed(getStridesAndOffset(memref, strides, offset)))
      return std::nullopt;
    return strides;
  }
  SmallVector<int64_t> strides(type.getRank(), 1);
  for (int64_t d = type.getRank() - 2; d >= 0; --d)
    strides[d] = type.isDynamicDim(d + 1) || ShapedType::isDynamic(strides[d + 1])
                     ? ShapedType::kDynamic
                     : strides[d + 1] * type.getDimSize(d + 1);
  return strides;
}

/// The gemm computing a mul-add contraction with indexing maps `maps` on operands of `types`
/// (A, B, C; tensors or memrefs), or nullopt if BLAS cannot: f32/f64,
/// projected-permutation maps, exactly one M, one N and one K loop (the rest batch loops), each
/// operand unit-stride in one of its two matrix dims, all extents within int.
std::optional<GemmPlan> planGemm(ArrayRef<AffineMap> maps, TypeRange types) {
  if (maps.size() != 3 || types.size() != 3)
    return std::nullopt;
  Type element = getElementTypeOrSelf(types[2]);
  if (!element.isF32() && !element.isF64())
    return std::nullopt;
  unsigned numLoops = maps[0].getNumDims();
  SmallVector<int64_t> ranges(numLoops, ShapedType::kDynamic);
  SmallVector<SmallVector<int64_t>> strides;
  for (auto [map, type] : llvm::zip(maps, types)) {
    auto shaped = dyn_cast<ShapedType>(type);
    if (!shaped || shaped.getElementType() != element ||
        map.getNumDims() != numLoops ||
        static_cast<int64_t>(map.getNumResults()) != shaped.getRank() ||
        !map.isProjectedPermutation())
      return std::nullopt;
    std::optional<SmallVector<int64_t>> s = stridesOf(shaped);
    if (!s)
      return std::nullopt;
    strides.push_back(*s);
    for (unsigned p = 0; p < map.getNumResults(); ++p) {
      int64_t &range = ranges[map.getDimPosition(p)], size = shaped.getDimSize(p);
      if (!ShapedType::isDynamic(range) && !ShapedType::isDynamic(size) && range != size)
        return std::nullopt;
      if (ShapedType::isDynamic(range))
        range = size; // a static size wins over a `?` one (checked equal before the call)
    }
  }
  if (llvm::any_of(ranges, [](int64_t r) { return r == 0; }))
    return std::nullopt;
  FailureOr<linalg::ContractionDimensions> dims = linalg::inferContractionDims(maps);
  if (failed(dims) || dims->m.size() != 1 || dims->n.size() != 1 || dims->k.size() != 1 ||
      dims->batch.size() + 3 != numLoops)
    return std::nullopt;
  MLIRContext *ctx = maps[0].getContext();
  // Operand `i`'s stride along loop `d` (0 if it does not index that loop).
  auto stride = [&](unsigned i, unsigned d) -> int64_t {
    std::optional<unsigned> p = maps[i].getResultPosition(getAffineDimExpr(d, ctx));
    return p ? strides[i][*p] : 0;
  };
  unsigned m = dims->m[0], n = dims->n[0], k = dims->k[0];
  auto layout = [&](unsigned i, unsigned row, unsigned col) {
    std::optional<MatrixLayout> l =
        matrixLayout(ranges[row], ranges[col], stride(i, row), stride(i, col));
    if (l)
      l->ldPos = *maps[i].getResultPosition(getAffineDimExpr(l->trans ? col : row, ctx));
    return l;
  };
  std::optional<MatrixLayout> a = layout(0, m, k), b = layout(1, k, n), c = layout(2, m, n);
  if (!a || !b || !c)
    return std::nullopt;
  GemmPlan plan{ranges[m], ranges[n], ranges[k], *a, *b, *c, {}, {}, {}};
  plan.sizeSource[0] = {2, *maps[2].getResultPosition(getAffineDimExpr(m, ctx))};
  plan.sizeSource[1] = {2, *maps[2].getResultPosition(getAffineDimExpr(n, ctx))};
  plan.sizeSource[2] = {0, *maps[0].getResultPosition(getAffineDimExpr(k, ctx))};
  int64_t limit = std::numeric_limits<int32_t>::max();
  if (plan.m > limit || plan.n > limit || plan.k > limit || a->ld > limit || b->ld > limit ||
      c->ld > limit)
    return std::nullopt;
  for (unsigned d : dims->batch) {
    plan.batchSizes.push_back(ranges[d]);
    for (unsigned i = 0; i < 3; ++i) {
      std::optional<unsigned> p = maps[i].getResultPosition(getAffineDimExpr(d, ctx));
      plan.batchStrides[i].push_back(stride(i, d));
      plan.batchPos[i].push_back(p ? int64_t(*p) : -1);
    }
    if (ShapedType::isDynamic(ranges[d]) && plan.batchPos[2].back() < 0)
      return std::nullopt; // a `?` batch loop is sized by C's dim
  }
  return plan;
}

/// Whether `op`'s body is `c + a * b` on its block arguments (a, b, c), in either operand order.
bool isMulAddBody(linalg::LinalgOp op) {
  Block *body = op.getBlock();
  if (!body || body->getNumArguments() != 3 || !llvm::hasNItems(*body, 3))
    return false;
  auto yield = dyn_cast<linalg::YieldOp>(body->getTerminator());
  if (!yield || yield.getNumOperands() != 1)
    return false;
  auto add = yield.getOperand(0).getDefiningOp<arith::AddFOp>();
  if (!add)
    return false;
  Value acc = body->getArgument(2), a = body->getArgument(0), b = body->getArgument(1);
  Value product = add.getLhs() == acc ? add.getRhs() : add.getLhs();
  if (add.getLhs() != acc && add.getRhs() != acc)
    return false;
  auto mul = product.getDefiningOp<arith::MulFOp>();
  return mul &&
         ((mul.getLhs() == a && mul.getRhs() == b) || (mul.getLhs() == b && mul.getRhs() == a));
}

/// The gemm plan of a contraction op (named or generic, tensors or buffers), or nullopt.
std::optional<GemmPlan> planGemm(linalg::LinalgOp op) {
  if (op.getNumDpsInputs() != 2 || op.getNumDpsInits() != 1 || !isMulAddBody(op) ||
      (!op.hasPureTensorSemantics() && !op.hasPureBufferSemantics()))
    return std::nullopt;
  SmallVector<AffineMap> maps = op.getIndexingMapsArray();
  std::optional<GemmPlan> plan = planGemm(maps, op->getOperandTypes());
  if (!plan)
    return std::nullopt;
  // The K loop (in A and B, not C) must be the only reduction.
  for (auto [d, iterator] : llvm::enumerate(op.getIteratorTypesArray())) {
    bool inC = maps[2].isFunctionOfDim(d);
    if ((iterator == utils::IteratorType::reduction) == inC)
      return std::nullopt;
  }
  return plan;
}

//===----------------------------------------------------------------------===//
// --grad-fold-matmul-transposes
//===----------------------------------------------------------------------===//

/// The source of a 2-D `linalg.transpose` with permutation [1, 0] defining `v`, or null.
Value transposedSource(Value v) {
  auto t = v.getDefiningOp<linalg::TransposeOp>();
  if (!t || t.getPermutation() != ArrayRef<int64_t>{1, 0})
    return {};
  return t.getInput();
}

/// matmul(transpose(A), B) -> matmul_transpose_a(A, B); matmul(A, transpose(B)) ->
/// matmul_transpose_b(A, B). (Both transposed: only A is folded here, B by
/// FoldOperandPermutation.)
struct FoldOperandTranspose : OpRewritePattern<linalg::MatmulOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(linalg::MatmulOp op, PatternRewriter &rewriter) const override {
    if (!op.hasPureTensorSemantics())
      return failure();
    Value a = op.getInputs()[0], b = op.getInputs()[1], init = op.getOutputs()[0];
    if (Value src = transposedSource(a)) {
      rewriter.replaceOpWithNewOp<linalg::MatmulTransposeAOp>(op, TypeRange{init.getType()},
                                                              ValueRange{src, b}, ValueRange{init});
      return success();
    }
    if (Value src = transposedSource(b)) {
      rewriter.replaceOpWithNewOp<linalg::MatmulTransposeBOp>(op, TypeRange{init.getType()},
                                                              ValueRange{a, src}, ValueRange{init});
      return success();
    }
    return failure();
  }
};

/// True if `scalar` is a constant zero.
bool isZeroConstant(Value scalar) {
  Attribute value;
  if (!matchPattern(scalar, m_Constant(&value)))
    return false;
  if (auto f = dyn_cast<FloatAttr>(value))
    return f.getValue().isZero();
  if (auto i = dyn_cast<IntegerAttr>(value))
    return i.getValue().isZero();
  return false;
}

/// True if `init` is a linalg.fill of a constant zero.
bool isZeroFill(Value init) {
  auto fill = init.getDefiningOp<linalg::FillOp>();
  return fill && isZeroConstant(fill.getInputs()[0]);
}

/// A fresh zero fill of `type` (`sizes`: one per dim, a Value for each `?`), with the value of
/// the fill `like`.
Value zeroFillLike(PatternRewriter &rewriter, Location loc, RankedTensorType type,
                   ArrayRef<OpFoldResult> sizes, Value like) {
  auto fill = like.getDefiningOp<linalg::FillOp>();
  Value empty = rewriter.create<tensor::EmptyOp>(loc, sizes, type.getElementType());
  return rewriter.create<linalg::FillOp>(loc, fill.getInputs()[0], empty).getResult(0);
}

/// transpose(matmul_transpose_a(A, B)) -> matmul_transpose_a(B, A) and
/// transpose(matmul_transpose_b(A, B)) -> matmul_transpose_b(B, A), for a matmul whose result
/// has no other use and whose accumulator starts at zero.
struct FoldResultTranspose : OpRewritePattern<linalg::TransposeOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(linalg::TransposeOp op, PatternRewriter &rewriter) const override {
    if (!op.hasPureTensorSemantics() || op.getPermutation() != ArrayRef<int64_t>{1, 0})
      return failure();
    Operation *producer = op.getInput().getDefiningOp();
    if (!producer || !isa<linalg::MatmulTransposeAOp, linalg::MatmulTransposeBOp>(producer) ||
        !producer->hasOneUse())
      return failure();
    auto matmul = cast<linalg::LinalgOp>(producer);
    Value init = matmul.getDpsInitOperand(0)->get();
    auto resultType = cast<RankedTensorType>(op.getResult()[0].getType());
    if (!isZeroFill(init))
      return failure();
    Location loc = op.getLoc();
    Value zero = zeroFillLike(rewriter, loc, resultType,
                              tensor::getMixedSizes(rewriter, loc, op.getInit()), init);
    SmallVector<Value> inputs = {matmul.getDpsInputOperand(1)->get(),
                                 matmul.getDpsInputOperand(0)->get()};
    Operation *replacement;
    if (isa<linalg::MatmulTransposeAOp>(producer))
      replacement = rewriter.create<linalg::MatmulTransposeAOp>(loc, TypeRange{resultType}, inputs,
                                                                ValueRange{zero});
    else
      replacement = rewriter.create<linalg::MatmulTransposeBOp>(loc, TypeRange{resultType}, inputs,
                                                                ValueRange{zero});
    rewriter.replaceOp(op, replacement->getResults());
    rewriter.eraseOp(producer);
    return success();
  }
};

/// A linalg.generic `C += A * B` with the given operands, indexing maps and iterators.
linalg::GenericOp buildContraction(PatternRewriter &rewriter, Location loc, Value a, Value b,
                                   Value init, ArrayRef<AffineMap> maps,
                                   ArrayRef<utils::IteratorType> iterators) {
  return rewriter.create<linalg::GenericOp>(
      loc, TypeRange{init.getType()}, ValueRange{a, b}, ValueRange{init}, maps, iterators,
      [](OpBuilder &nb, Location nloc, ValueRange args) {
        Value product = nb.create<arith::MulFOp>(nloc, args[0], args[1]);
        Value sum = nb.create<arith::AddFOp>(nloc, args[2], product);
        nb.create<linalg::YieldOp>(nloc, sum);
      });
}

/// A gemm-able contraction on tensors, and its maps.
std::optional<SmallVector<AffineMap>> contractionMaps(Operation *op) {
  auto linalgOp = dyn_cast_or_null<linalg::LinalgOp>(op);
  if (!linalgOp || !linalgOp.hasPureTensorSemantics() || !planGemm(linalgOp))
    return std::nullopt;
  return linalgOp.getIndexingMapsArray();
}

/// contraction(transpose(X), ...) -> contraction(X, ...) with the operand's indexing map
/// permuted, for a linalg.transpose of any rank and permutation, if the contraction stays a
/// gemm (X's innermost dim is one of its matrix dims).
struct FoldOperandPermutation : OpInterfaceRewritePattern<linalg::LinalgOp> {
  using OpInterfaceRewritePattern::OpInterfaceRewritePattern;
  LogicalResult matchAndRewrite(linalg::LinalgOp op, PatternRewriter &rewriter) const override {
    std::optional<SmallVector<AffineMap>> maps = contractionMaps(op);
    if (!maps)
      return failure();
    SmallVector<Value> operands = {op.getDpsInputOperand(0)->get(), op.getDpsInputOperand(1)->get(),
                                   op.getDpsInitOperand(0)->get()};
    for (unsigned i = 0; i < 2; ++i) {
      auto transpose = operands[i].getDefiningOp<linalg::TransposeOp>();
      if (!transpose)
        continue;
      // Result dim j is source dim perm[j]: the source's dim perm[j] is indexed by result j's
      // expression.
      ArrayRef<int64_t> perm = transpose.getPermutation();
      AffineMap map = (*maps)[i];
      SmallVector<AffineExpr> results(map.getNumResults());
      for (auto [j, p] : llvm::enumerate(perm))
        results[p] = map.getResult(j);
      SmallVector<AffineMap> newMaps = *maps;
      newMaps[i] = AffineMap::get(map.getNumDims(), 0, results, op.getContext());
      SmallVector<Value> newOperands = operands;
      newOperands[i] = transpose.getInput();
      if (!planGemm(newMaps, ValueRange(newOperands).getTypes()))
        continue;
      linalg::GenericOp generic =
          buildContraction(rewriter, op.getLoc(), newOperands[0], newOperands[1], newOperands[2],
                           newMaps, op.getIteratorTypesArray());
      rewriter.replaceOp(op, generic->getResults());
      return success();
    }
    return failure();
  }
};

/// transpose(contraction(A, B, zero fill)) -> contraction(A, B, zero fill) with the result's
/// indexing map permuted (it writes the transposed layout directly), for a contraction whose
/// result has no other use, if it stays a gemm.
struct FoldResultPermutation : OpRewritePattern<linalg::TransposeOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(linalg::TransposeOp op, PatternRewriter &rewriter) const override {
    if (!op.hasPureTensorSemantics())
      return failure();
    Operation *producer = op.getInput().getDefiningOp();
    std::optional<SmallVector<AffineMap>> maps = contractionMaps(producer);
    if (!maps || !producer->hasOneUse())
      return failure();
    auto contraction = cast<linalg::LinalgOp>(producer);
    Value init = contraction.getDpsInitOperand(0)->get();
    auto resultType = cast<RankedTensorType>(op.getResult()[0].getType());
    if (!isZeroFill(init))
      return failure();
    // Transposed dim j is the product's dim perm[j].
    AffineMap map = (*maps)[2];
    SmallVector<AffineExpr> results;
    for (int64_t p : op.getPermutation())
      results.push_back(map.getResult(p));
    SmallVector<AffineMap> newMaps = *maps;
    newMaps[2] = AffineMap::get(map.getNumDims(), 0, results, op.getContext());
    Value a = contraction.getDpsInputOperand(0)->get(),
          b = contraction.getDpsInputOperand(1)->get();
    SmallVector<Type> types = {a.getType(), b.getType(), resultType};
    if (!planGemm(newMaps, types))
      return failure();
    // The transpose's init has the result's sizes (run-time ones for `?` dims).
    Value zero = zeroFillLike(rewriter, op.getLoc(), resultType,
                              tensor::getMixedSizes(rewriter, op.getLoc(), op.getDpsInits()[0]),
                              init);
    linalg::GenericOp generic = buildContraction(rewriter, op.getLoc(), a, b, zero, newMaps,
                                                 contraction.getIteratorTypesArray());
    rewriter.replaceOp(op, generic->getResults());
    rewriter.eraseOp(producer);
    return success();
  }
};

/// The reassociation that collapses the leading `rank - 2` dims of a rank-`rank` tensor.
SmallVector<ReassociationIndices> batchCollapse(int64_t rank) {
  SmallVector<ReassociationIndices> groups(3);
  for (int64_t d = 0; d < rank - 2; ++d)
    groups[0].push_back(d);
  groups[1].push_back(rank - 2);
  groups[2].push_back(rank - 1);
  return groups;
}

/// batch_matmul(collapse(A), collapse(B)) with A, B of rank r > 3 whose leading r - 2 (batch)
/// dims are collapsed -> collapse(generic contraction on A, B with r - 2 batch loops). The
/// collapse of a transposed tensor cannot be a view; the batch dims as loops can be strided.
struct ExpandBatchDims : OpRewritePattern<linalg::BatchMatmulOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(linalg::BatchMatmulOp op,
                                PatternRewriter &rewriter) const override {
    if (!op.hasPureTensorSemantics() || !planGemm(cast<linalg::LinalgOp>(op.getOperation())))
      return failure();
    auto ca = op.getInputs()[0].getDefiningOp<tensor::CollapseShapeOp>();
    auto cb = op.getInputs()[1].getDefiningOp<tensor::CollapseShapeOp>();
    if (!ca || !cb)
      return failure();
    auto ta = cast<RankedTensorType>(ca.getSrc().getType());
    auto tb = cast<RankedTensorType>(cb.getSrc().getType());
    int64_t rank = ta.getRank();
    // Batch dims with `?`: at most one, so that equal collapsed batch sizes (which the
    // batch_matmul needs) make A's and B's batch dims equal one by one ([B, H] with H static).
    if (rank <= 3 || tb.getRank() != rank ||
        ta.getShape().drop_back(2) != tb.getShape().drop_back(2) ||
        llvm::count_if(ta.getShape().drop_back(2), ShapedType::isDynamic) > 1 ||
        ca.getReassociationIndices() != batchCollapse(rank) ||
        cb.getReassociationIndices() != batchCollapse(rank))
      return failure();
    Value init = op.getOutputs()[0];
    auto initType = cast<RankedTensorType>(init.getType());
    SmallVector<int64_t> shape(ta.getShape().drop_back(2));
    shape.push_back(initType.getDimSize(1));
    shape.push_back(initType.getDimSize(2));
    auto type = RankedTensorType::get(shape, initType.getElementType());
    Location loc = op.getLoc();
    // The uncollapsed sizes: A's batch dims, then the init's M and N (run-time ones for `?`).
    SmallVector<OpFoldResult> sizes;
    for (int64_t d = 0; d < rank - 2; ++d)
      sizes.push_back(tensor::getMixedSize(rewriter, loc, ca.getSrc(), d));
    sizes.push_back(tensor::getMixedSize(rewriter, loc, init, 1));
    sizes.push_back(tensor::getMixedSize(rewriter, loc, init, 2));
    Value acc = isZeroFill(init) ? zeroFillLike(rewriter, loc, type, sizes, init)
                                 : rewriter.create<tensor::ExpandShapeOp>(
                                       loc, type, init, batchCollapse(rank), sizes);
    // Loops: batch..., m, n, k.
    int64_t batch = rank - 2;
    MLIRContext *ctx = op.getContext();
    SmallVector<AffineExpr> dims;
    for (int64_t d = 0; d < batch; ++d)
      dims.push_back(getAffineDimExpr(d, ctx));
    AffineExpr m = getAffineDimExpr(batch, ctx), n = getAffineDimExpr(batch + 1, ctx),
               k = getAffineDimExpr(batch + 2, ctx);
    auto map = [&](AffineExpr row, AffineExpr col) {
      SmallVector<AffineExpr> results = dims;
      results.append({row, col});
      return AffineMap::get(batch + 3, 0, results, ctx);
    };
    SmallVector<utils::IteratorType> iterators(batch + 2, utils::IteratorType::parallel);
    iterators.push_back(utils::IteratorType::reduction);
    linalg::GenericOp generic = buildContraction(rewriter, loc, ca.getSrc(), cb.getSrc(), acc,
                                                 {map(m, k), map(k, n), map(m, n)}, iterators);
    rewriter.replaceOpWithNewOp<tensor::CollapseShapeOp>(op, initType, generic->getResult(0),
                                                         batchCollapse(rank));
    return success();
  }
};

struct FoldMatmulTransposes : grad::impl::GradFoldMatmulTransposesBase<FoldMatmulTransposes> {
  void runOnOperation() override {
    MLIRContext *ctx = &getContext();
    // The 2-D named forms first, then everything else as generic contractions.
    RewritePatternSet named(ctx);
    named.add<FoldOperandTranspose, FoldResultTranspose>(ctx);
    if (failed(applyPatternsAndFoldGreedily(getOperation(), std::move(named))))
      return signalPassFailure();
    RewritePatternSet patterns(ctx);
    patterns.add<FoldOperandPermutation, FoldResultPermutation, ExpandBatchDims>(ctx);
    // expand(collapse(x)) -> x after ExpandBatchDims, so a result transpose sees the product.
    tensor::ExpandShapeOp::getCanonicalizationPatterns(patterns, ctx);
    // A `?` batch size ExpandBatchDims read from a transposed operand (tensor.dim of the
    // transpose) becomes the transpose's init size, so the folded transpose dies.
    memref::populateResolveRankedShapedTypeResultDimsPatterns(patterns);
    tensor::CollapseShapeOp::getCanonicalizationPatterns(patterns, ctx);
    if (failed(applyPatternsAndFoldGreedily(getOperation(), std::move(patterns))))
      return signalPassFailure();
  }
};

} // namespace

bool grad::isBlasMatmulCandidate(Operation *op) {
  auto linalgOp = dyn_cast<linalg::LinalgOp>(op);
  return linalgOp && planGemm(linalgOp).has_value();
}

namespace {

//===----------------------------------------------------------------------===//
// --grad-split-matmul-fills
//===----------------------------------------------------------------------===//

/// Gives each BLAS matmul whose accumulator is a linalg.fill shared with other ops (CSE merges
/// the identical zero fills of a whole training step) its own fill, so that bufferization fills
/// each matmul's buffer in place instead of copying one zero buffer into each.
struct SplitMatmulFills : grad::impl::GradSplitMatmulFillsBase<SplitMatmulFills> {
  void runOnOperation() override {
    SmallVector<linalg::LinalgOp> matmuls;
    getOperation().walk([&](linalg::LinalgOp op) {
      if (op.hasPureTensorSemantics() && grad::isBlasMatmulCandidate(op))
        matmuls.push_back(op);
    });
    OpBuilder b(&getContext());
    for (linalg::LinalgOp op : matmuls) {
      OpOperand *init = op.getDpsInitOperand(0);
      auto fill = init->get().getDefiningOp<linalg::FillOp>();
      auto type = dyn_cast<RankedTensorType>(init->get().getType());
      if (!fill || fill->getResult(0).hasOneUse() || !type)
        continue;
      // `?` dims: the new tensor.empty takes the shared fill's run-time sizes (its own
      // tensor.empty's size operands, which dominate the fill and so the matmul).
      SmallVector<OpFoldResult> sizes;
      if (auto dest = fill.getOutputs()[0].getDefiningOp<tensor::EmptyOp>())
        sizes = dest.getMixedSizes();
      else if (type.hasStaticShape())
        sizes = getAsIndexOpFoldResult(&getContext(), type.getShape());
      else
        continue;
      b.setInsertionPoint(op);
      Value empty = b.create<tensor::EmptyOp>(op.getLoc(), sizes, type.getElementType());
      Value own = b.create<linalg::FillOp>(op.getLoc(), fill.getInputs()[0], empty).getResult(0);
      init->set(own);
      if (fill->use_empty()) {
        Operation *dest = fill.getOutputs()[0].getDefiningOp();
        fill->erase();
        if (dest && isa<tensor::EmptyOp>(dest) && dest->use_empty())
          dest->erase();
      }
    }
  }
};

//===----------------------------------------------------------------------===//
// --grad-matmul-to-blas
//===----------------------------------------------------------------------===//

struct MatmulToBlas : grad::impl::GradMatmulToBlasBase<MatmulToBlas> {
  using GradMatmulToBlasBase::GradMatmulToBlasBase;

  void runOnOperation() override {
    ModuleOp module = getOperation();
    std::vector<std::pair<linalg::LinalgOp, GemmPlan>> work;
    module.walk([&](linalg::LinalgOp op) {
      if (!op.hasPureBufferSemantics())
        return;
      if (std::optional<GemmPlan> plan = planGemm(op))
        work.push_back({op, *plan});
    });
    if (work.empty())
      return;
    MLIRContext *ctx = &getContext();
    OpBuilder b(ctx);
    Type i32 = b.getI32Type(), ptr = LLVM::LLVMPointerType::get(ctx);

    // cblas_?gemm(order, transA, transB, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc).
    auto declare = [&](StringRef name, Type element) {
      if (auto existing = module.lookupSymbol<func::FuncOp>(name))
        return existing;
      b.setInsertionPointToStart(module.getBody());
      auto type = b.getFunctionType(
          {i32, i32, i32, i32, i32, i32, element, ptr, i32, ptr, i32, element, ptr, i32}, {});
      auto fn = b.create<func::FuncOp>(module.getLoc(), name, type);
      fn.setPrivate();
      return fn;
    };

    constexpr int32_t kRowMajor = 101, kNoTrans = 111, kTrans = 112;
    for (auto &[op, plan] : work) {
      Location loc = op.getLoc();
      Value operands[3] = {op.getDpsInputOperand(0)->get(), op.getDpsInputOperand(1)->get(),
                           op.getDpsInitOperand(0)->get()};
      Value c = operands[2];
      // A zero fill of C right before the matmul: gemm's beta = 0 overwrites C instead.
      bool overwrite = false;
      if (auto fill = dyn_cast_or_null<linalg::FillOp>(op->getPrevNode())) {
        if (fill.hasPureBufferSemantics() && fill.getOutputs()[0] == c &&
            isZeroConstant(fill.getInputs()[0])) {
          fill->erase();
          overwrite = true;
        }
      }
      Type element = cast<MemRefType>(c.getType()).getElementType();
      func::FuncOp callee = declare(element.isF32() ? "grad_gemm_f32" : "grad_gemm_f64", element);
      b.setInsertionPoint(op);
      auto cst = [&](int64_t v) -> Value { return b.create<arith::ConstantIntOp>(loc, v, 32); };
      auto index = [&](int64_t v) -> Value { return b.create<arith::ConstantIndexOp>(loc, v); };
      // Each operand's aligned base pointer and element offset (index), outside the loops.
      Value bases[3], offsets[3];
      for (unsigned i = 0; i < 3; ++i) {
        auto type = cast<MemRefType>(operands[i].getType());
        SmallVector<int64_t> strides;
        int64_t offset;
        (void)getStridesAndOffset(type, strides, offset);
        Value base = b.create<memref::ExtractAlignedPointerAsIndexOp>(loc, operands[i]);
        Value asInt = b.create<arith::IndexCastOp>(loc, b.getI64Type(), base);
        bases[i] = b.create<LLVM::IntToPtrOp>(loc, ptr, asInt);
        offsets[i] = ShapedType::isDynamic(offset)
                         ? b.create<memref::ExtractStridedMetadataOp>(loc, operands[i]).getOffset()
                         : index(offset);
      }
      Value one = b.create<arith::ConstantOp>(loc, FloatAttr::get(element, 1.0));
      Value beta = overwrite ? b.create<arith::ConstantOp>(loc, FloatAttr::get(element, 0.0)) : one;
      // One loop per batch dim of size > 1; each advances the operands by their strides.
      // Note [Parallel batches of small gemms]: with parallel-batch, a gemm below OpenBLAS's
      // threading threshold runs single-threaded inside OpenBLAS, so its batch loops become one
      // scf.forall (an OpenMP loop later) and the calls of different batch points run on
      // different threads. Each C block is written by one call: no reduction, and the result
      // does not depend on the thread count.
      SmallVector<int64_t> loopDims;
      for (auto [d, size] : llvm::enumerate(plan.batchSizes))
        if (size > 1 || ShapedType::isDynamic(size))
          loopDims.push_back(d);
      // `?` strides and batch sizes, read from the buffers (Note [Dynamic gemms]).
      std::optional<memref::ExtractStridedMetadataOp> metadata[3];
      auto strideValue = [&](unsigned i, int64_t pos) -> Value {
        if (!metadata[i])
          metadata[i] = b.create<memref::ExtractStridedMetadataOp>(loc, operands[i]);
        return (*metadata[i]).getStrides()[pos];
      };
      SmallVector<Value> batchBounds;
      for (int64_t d : loopDims)
        batchBounds.push_back(
            ShapedType::isDynamic(plan.batchSizes[d])
                ? Value(b.create<memref::DimOp>(loc, operands[2], plan.batchPos[2][d]))
                : index(plan.batchSizes[d]));
      SmallVector<SmallVector<Value>> batchStrideValues(3);
      for (unsigned i = 0; i < 3; ++i)
        for (int64_t d : loopDims) {
          int64_t stride = plan.batchStrides[i][d];
          batchStrideValues[i].push_back(
              stride == 0 ? Value()
              : ShapedType::isDynamic(stride) ? strideValue(i, plan.batchPos[i][d])
                                              : index(stride));
        }
      bool dynamicBatch = llvm::any_of(loopDims, [&](int64_t d) {
        return ShapedType::isDynamic(plan.batchSizes[d]);
      });
      bool dynamicSizes = ShapedType::isDynamic(plan.m) || ShapedType::isDynamic(plan.n) ||
                          ShapedType::isDynamic(plan.k);
      bool forall = parallelBatch && !loopDims.empty() && !dynamicSizes && !dynamicBatch &&
                    plan.m * plan.n * plan.k <= parallelBatchMaxWork;
      SmallVector<Value> ivs;
      if (forall) {
        SmallVector<OpFoldResult> bounds;
        for (int64_t d : loopDims)
          bounds.push_back(b.getIndexAttr(plan.batchSizes[d]));
        auto loop = b.create<scf::ForallOp>(loc, bounds, ValueRange{}, std::nullopt);
        b.setInsertionPointToStart(loop.getBody());
        llvm::append_range(ivs, loop.getInductionVars());
      } else {
        for (Value bound : batchBounds) {
          auto loop = b.create<scf::ForOp>(loc, index(0), bound, index(1));
          b.setInsertionPointToStart(loop.getBody());
          ivs.push_back(loop.getInductionVar());
        }
      }
      for (auto [j, iv] : llvm::enumerate(ivs))
        for (unsigned i = 0; i < 3; ++i)
          if (Value stride = batchStrideValues[i][j])
            offsets[i] = b.create<arith::AddIOp>(loc, offsets[i],
                                                 b.create<arith::MulIOp>(loc, iv, stride));
      Value pointers[3];
      for (unsigned i = 0; i < 3; ++i) {
        Value off = b.create<arith::IndexCastOp>(loc, b.getI64Type(), offsets[i]);
        pointers[i] = b.create<LLVM::GEPOp>(loc, ptr, element, bases[i], ValueRange{off});
      }
      auto flag = [&](bool trans) { return cst(trans ? kTrans : kNoTrans); };
      // C row-major: C = op(A) op(B). C column-major is C^T row-major: C^T = op(B)^T op(A)^T.
      bool swap = plan.c.trans;
      MatrixLayout first = swap ? plan.b : plan.a, second = swap ? plan.a : plan.b;
      bool t1 = swap ? !first.trans : first.trans, t2 = swap ? !second.trans : second.trans;
      Value p1 = pointers[swap ? 1 : 0], p2 = pointers[swap ? 0 : 1];
      // M, N, K: constants, or (`?`) the operand's size at run time as an int.
      auto extent = [&](int64_t size, unsigned which) -> Value {
        if (!ShapedType::isDynamic(size))
          return cst(size);
        auto [operand, dim] = plan.sizeSource[which];
        Value v = b.create<memref::DimOp>(loc, operands[operand], dim);
        return b.create<arith::IndexCastOp>(loc, b.getI32Type(), v);
      };
      Value m = extent(plan.m, 0), n = extent(plan.n, 1), k = extent(plan.k, 2);
      Value rows = swap ? n : m, cols = swap ? m : n;
      // A leading dimension: a constant, or (`?`) the stride at run time, at least 1 (a dim of
      // size 0 has stride 0; BLAS wants ld >= 1).
      auto ld = [&](const MatrixLayout &l, unsigned operand) -> Value {
        if (!ShapedType::isDynamic(l.ld))
          return cst(l.ld);
        Value v = b.create<arith::MaxSIOp>(loc, strideValue(operand, l.ldPos), index(1));
        return b.create<arith::IndexCastOp>(loc, b.getI32Type(), v);
      };
      SmallVector<Value> args = {cst(kRowMajor),          flag(t1), flag(t2),    rows,
                                 cols,                    k,        one,         p1,
                                 ld(first, swap ? 1 : 0), p2,       ld(second, swap ? 0 : 1),
                                 beta,                    pointers[2], ld(plan.c, 2)};
      b.create<func::CallOp>(loc, callee, args);
      op->erase();
    }
  }
};

} // namespace
