//===- StructuredToLinalg.cpp - shape ops, reductions, matmul -> linalg ---===//
//
// Patterns for the grad ops that are not elementwise: constant -> arith,
// broadcast -> linalg.generic with a projected input map, reshape ->
// tensor.collapse_shape/expand_shape (views after bufferization), transpose ->
// linalg.transpose, slice -> tensor.extract_slice, concat -> insert_slices,
// gather -> linalg.generic + tensor.extract, sum/mean/max -> reduction
// generics, matmul -> linalg.matmul / linalg.batch_matmul.
//
//===----------------------------------------------------------------------===//

#include "ConversionUtils.h"

#include "grad/Dialect/GradDialect.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Arith/Utils/Utils.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Transforms/DialectConversion.h"
#include "llvm/ADT/SmallBitVector.h"

#include <limits>

using namespace mlir;

namespace grad {
namespace {

//===----------------------------------------------------------------------===//
// Helpers
//===----------------------------------------------------------------------===//

/// Reshapes `value` to `type` (same element count) with at most one collapse to
/// 1-D and one expand; both are views after bufferization.
Value reshapeTo(OpBuilder &b, Location loc, Value value, RankedTensorType type) {
  auto source = cast<RankedTensorType>(value.getType());
  if (source == type)
    return value;
  Value flat = value;
  if (source.getRank() != 1) {
    SmallVector<ReassociationIndices> all;
    if (source.getRank() > 0) {
      ReassociationIndices group;
      for (int64_t d = 0; d < source.getRank(); ++d)
        group.push_back(d);
      all.push_back(group);
    }
    auto flatType = RankedTensorType::get({source.getNumElements()}, source.getElementType());
    if (source.getRank() == 0) // tensor<T> -> tensor<1xT>
      flat = b.create<tensor::ExpandShapeOp>(loc, flatType, value, all);
    else
      flat = b.create<tensor::CollapseShapeOp>(loc, flatType, value, all);
  }
  if (type.getRank() == 1)
    return flat;
  SmallVector<ReassociationIndices> all;
  if (type.getRank() > 0) {
    ReassociationIndices group;
    for (int64_t d = 0; d < type.getRank(); ++d)
      group.push_back(d);
    all.push_back(group);
    return b.create<tensor::ExpandShapeOp>(loc, type, flat, all);
  }
  return b.create<tensor::CollapseShapeOp>(loc, type, flat, all);
}

/// tensor.empty of `type` filled with `value`; dynamic dims sized by `size` (emptyTensor).
Value filled(OpBuilder &b, Location loc, RankedTensorType type, Value value,
             llvm::function_ref<Value(int64_t)> size = nullptr) {
  Value empty = emptyTensor(b, loc, type, size);
  return b.create<linalg::FillOp>(loc, value, empty).getResult(0);
}

/// Reassociation of the dims of `full` into one group per dim not in `unit`, each with the unit
/// dims around it (leading unit dims join the first group, the others the group before them).
SmallVector<ReassociationIndices> unitDimGroups(RankedTensorType full,
                                                const llvm::SmallBitVector &unit) {
  int64_t kept = full.getRank() - unit.count();
  SmallVector<ReassociationIndices> groups(std::max<int64_t>(kept, 1));
  int64_t g = 0;
  bool hasKept = false;
  for (int64_t d = 0; d < full.getRank(); ++d) {
    if (!unit.test(d)) {
      if (hasKept)
        ++g;
      hasKept = true;
    }
    groups[std::min<int64_t>(g, groups.size() - 1)].push_back(d);
  }
  return groups;
}

/// The static size-1 dims of `type`.
llvm::SmallBitVector staticUnitDims(RankedTensorType type) {
  llvm::SmallBitVector unit(type.getRank());
  for (int64_t d = 0; d < type.getRank(); ++d)
    if (type.getDimSize(d) == 1)
      unit.set(d);
  return unit;
}

/// `value` (a reduction's result over the kept dims) with the unit dims of `type` inserted
/// (keepdim): one tensor.expand_shape whose groups each hold one kept dim and the unit dims
/// around it, so a dynamic kept dim needs no size (each group has at most one dynamic dim).
Value expandUnitDims(OpBuilder &b, Location loc, Value value, RankedTensorType type,
                     const llvm::SmallBitVector &reduced) {
  auto source = cast<RankedTensorType>(value.getType());
  if (source == type)
    return value;
  return b.create<tensor::ExpandShapeOp>(loc, type, value, unitDimGroups(type, reduced));
}

//===----------------------------------------------------------------------===//
// constant, broadcast, reshape, transpose, slice, concat
//===----------------------------------------------------------------------===//

/// A splat of more than one element stays a splat: a linalg.fill of a scalar constant (a loop
/// after bufferization, or folded into its consumers by linalg fusion), never a materialized
/// global. A global of zeros copied into a buffer is fully unrolled by LLVM (its loads fold to
/// constants): compile time then grows with the tensor's size (the gradient of a slice is a
/// concat with zeros). Other constants become arith.constant.
struct ConstantLowering : OpConversionPattern<ConstantOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult matchAndRewrite(ConstantOp op, OpAdaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    auto value = cast<TypedAttr>(op.getValue());
    auto splat = dyn_cast<SplatElementsAttr>(value);
    auto type = dyn_cast<RankedTensorType>(value.getType());
    if (splat && type && type.hasStaticShape() && type.getNumElements() > 1) {
      Value scalar =
          rewriter.create<arith::ConstantOp>(op.getLoc(), splat.getSplatValue<TypedAttr>());
      rewriter.replaceOp(op, filled(rewriter, op.getLoc(), type, scalar));
      return success();
    }
    rewriter.replaceOpWithNewOp<arith::ConstantOp>(op, value);
    return success();
  }
};

struct BroadcastLowering : OpConversionPattern<BroadcastOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult matchAndRewrite(BroadcastOp op, OpAdaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    auto operandType = cast<RankedTensorType>(op.getOperand().getType());
    auto resultType = cast<RankedTensorType>(op.getType());
    MLIRContext *ctx = rewriter.getContext();
    // Operand dim i reads result index dims[i], or 0 when it is a size-1 dim
    // being repeated.
    SmallVector<AffineExpr> exprs;
    // A dynamic operand dim is read with the result's index: at run time it has the result
    // dim's size (the entry's shape checks, Note [Dynamic dims in compiled code]).
    SmallVector<Value> operandDimOf(resultType.getRank());
    for (auto [i, d] : llvm::enumerate(op.getDims())) {
      bool repeated = operandType.getDimSize(i) == 1 && resultType.getDimSize(d) != 1;
      exprs.push_back(repeated ? getAffineConstantExpr(0, ctx) : getAffineDimExpr(d, ctx));
      if (operandType.isDynamicDim(i))
        operandDimOf[d] = dimOf(rewriter, op.getLoc(), adaptor.getOperand(), i);
    }
    unsigned rank = resultType.getRank();
    AffineMap inputMap = AffineMap::get(rank, 0, exprs, ctx);
    // Dynamic result dims: the `sizes` operands in order, else the operand dim mapped there.
    ValueRange sizes = adaptor.getSizes();
    unsigned nextSize = 0;
    Value init = emptyTensor(rewriter, op.getLoc(), resultType, [&](int64_t d) {
      return sizes.empty() ? operandDimOf[d] : sizes[nextSize++];
    });
    SmallVector<utils::IteratorType> iterators(rank, utils::IteratorType::parallel);
    auto generic = rewriter.create<linalg::GenericOp>(
        op.getLoc(), resultType, adaptor.getOperand(), init,
        ArrayRef<AffineMap>{inputMap, rewriter.getMultiDimIdentityMap(rank)}, iterators,
        [](OpBuilder &b, Location loc, ValueRange args) {
          b.create<linalg::YieldOp>(loc, args[0]);
        });
    rewriter.replaceOp(op, generic.getResult(0));
    return success();
  }
};

struct ReshapeLowering : OpConversionPattern<ReshapeOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult matchAndRewrite(ReshapeOp op, OpAdaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    auto type = cast<RankedTensorType>(op.getType());
    auto operandType = cast<RankedTensorType>(op.getOperand().getType());
    if (type.hasStaticShape() && operandType.hasStaticShape()) {
      rewriter.replaceOp(op, reshapeTo(rewriter, op.getLoc(), adaptor.getOperand(), type));
      return success();
    }
    Location loc = op.getLoc();
    Value value = adaptor.getOperand();
    if (!op.getSizes().empty()) {
      // `sizes` give the dynamic result dims: a row-major reshape is the collapse of the
      // operand into one dim (a view of a contiguous buffer; bufferization copies one that is
      // not) expanded into the result shape. The element counts agree (checked before the
      // code runs: Note [Dynamic dims in compiled code]).
      if (operandType.getRank() == 0)
        return rewriter.notifyMatchFailure(op, "a rank-0 operand with `sizes`");
      if (operandType.getRank() > 1) {
        ReassociationIndices all;
        for (int64_t d = 0; d < operandType.getRank(); ++d)
          all.push_back(d);
        int64_t count = operandType.hasStaticShape() ? operandType.getNumElements()
                                                     : ShapedType::kDynamic;
        value = rewriter.create<tensor::CollapseShapeOp>(
            loc, RankedTensorType::get({count}, type.getElementType()), value,
            ArrayRef<ReassociationIndices>{all});
      }
      ReassociationIndices all;
      SmallVector<OpFoldResult> shape;
      auto sizes = adaptor.getSizes();
      unsigned next = 0;
      for (int64_t d = 0; d < type.getRank(); ++d) {
        all.push_back(d);
        if (type.isDynamicDim(d))
          shape.push_back(sizes[next++]);
        else
          shape.push_back(rewriter.getIndexAttr(type.getDimSize(d)));
      }
      if (llvm::count_if(type.getShape(), ShapedType::isDynamic) <= 1) {
        value = rewriter.create<tensor::ExpandShapeOp>(loc, type, value,
                                                       ArrayRef<ReassociationIndices>{all}, shape);
      } else {
        // Two `?` dims split from one (LLVM 19's bufferization of tensor.expand_shape cannot
        // infer them: it crashes), so a tensor.reshape with the sizes as a shape operand
        // (memref.reshape of the contiguous collapsed buffer, a view).
        SmallVector<Value> extents;
        for (OpFoldResult f : shape)
          extents.push_back(getValueOrCreateConstantIndexOp(rewriter, loc, f));
        Value shapeTensor = rewriter.create<tensor::FromElementsOp>(loc, extents);
        value = rewriter.create<tensor::ReshapeOp>(loc, type, value, shapeTensor);
      }
      rewriter.replaceOp(op, value);
      return success();
    }
    // `?` dims stay in place (the verifier): remove the operand's size-1 dims, insert the
    // result's; each group holds one dim that is not a static 1, so no sizes are needed.
    llvm::SmallBitVector inUnit = staticUnitDims(operandType), outUnit = staticUnitDims(type);
    SmallVector<int64_t> squeezed;
    for (int64_t d = 0; d < operandType.getRank(); ++d)
      if (!inUnit.test(d))
        squeezed.push_back(operandType.getDimSize(d));
    auto squeezedType = RankedTensorType::get(squeezed, type.getElementType());
    if (inUnit.any())
      value = rewriter.create<tensor::CollapseShapeOp>(loc, squeezedType, value,
                                                       unitDimGroups(operandType, inUnit));
    if (outUnit.any())
      value = rewriter.create<tensor::ExpandShapeOp>(loc, type, value,
                                                     unitDimGroups(type, outUnit));
    rewriter.replaceOp(op, value);
    return success();
  }
};

struct TransposeLowering : OpConversionPattern<TransposeOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult matchAndRewrite(TransposeOp op, OpAdaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    auto type = cast<RankedTensorType>(op.getType());
    ArrayRef<int64_t> perm = op.getPerm();
    Value init = emptyTensor(rewriter, op.getLoc(), type, [&](int64_t d) {
      return dimOf(rewriter, op.getLoc(), adaptor.getOperand(), perm[d]);
    });
    auto transpose =
        rewriter.create<linalg::TransposeOp>(op.getLoc(), adaptor.getOperand(), init, op.getPerm());
    rewriter.replaceOp(op, transpose.getResult());
    return success();
  }
};

/// The size of dim `d` of `value`: a constant attribute if static, else tensor.dim.
OpFoldResult sizeOf(OpBuilder &b, Location loc, Value value, int64_t d) {
  auto type = cast<RankedTensorType>(value.getType());
  if (!type.isDynamicDim(d))
    return b.getIndexAttr(type.getDimSize(d));
  return dimOf(b, loc, value, d);
}

/// A static slice is a tensor.extract_slice with static offsets, sizes and strides. Along a `?`
/// operand dim to its end (the limit `?`), the size is ceil((dim - start) / stride) at run time;
/// a static limit there was checked against the run-time size before the code runs (Note
/// [Dynamic dims in compiled code]).
struct SliceLowering : OpConversionPattern<SliceOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult matchAndRewrite(SliceOp op, OpAdaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    auto type = cast<RankedTensorType>(op.getType());
    Location loc = op.getLoc();
    Value source = adaptor.getOperand();
    SmallVector<OpFoldResult> offsets, sizes, strides;
    for (int64_t d = 0; d < type.getRank(); ++d) {
      int64_t start = op.getStarts()[d], stride = op.getStrides()[d];
      offsets.push_back(rewriter.getIndexAttr(start));
      strides.push_back(rewriter.getIndexAttr(stride));
      if (!type.isDynamicDim(d)) {
        sizes.push_back(rewriter.getIndexAttr(type.getDimSize(d)));
        continue;
      }
      Value size = dimOf(rewriter, loc, source, d);
      if (start != 0)
        size = rewriter.create<arith::SubIOp>(
            loc, size, rewriter.create<arith::ConstantIndexOp>(loc, start));
      if (stride != 1) // ceil(size / stride) of size >= 0 (start <= dim is checked before)
        size = rewriter.create<arith::DivUIOp>(
            loc,
            rewriter.create<arith::AddIOp>(
                loc, size, rewriter.create<arith::ConstantIndexOp>(loc, stride - 1)),
            rewriter.create<arith::ConstantIndexOp>(loc, stride));
      sizes.push_back(size);
    }
    rewriter.replaceOpWithNewOp<tensor::ExtractSliceOp>(op, type, source, offsets, sizes,
                                                        strides);
    return success();
  }
};

/// tensor.empty of the result and one tensor.insert_slice per input at its offset along the
/// axis; `?` sizes (and the offsets after a `?` piece) come from tensor.dim at run time.
struct ConcatLowering : OpConversionPattern<ConcatOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult matchAndRewrite(ConcatOp op, OpAdaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    auto type = cast<RankedTensorType>(op.getType());
    Location loc = op.getLoc();
    int64_t axis = op.getAxis();
    ValueRange inputs = adaptor.getInputs();
    Value result = emptyTensor(rewriter, loc, type, [&](int64_t d) -> Value {
      if (d != axis)
        return dimOf(rewriter, loc, inputs[0], d); // every input is `?` there
      Value sum;
      for (Value input : inputs) {
        Value n = getValueOrCreateConstantIndexOp(rewriter, loc,
                                                  sizeOf(rewriter, loc, input, axis));
        sum = sum ? Value(rewriter.create<arith::AddIOp>(loc, sum, n)) : n;
      }
      return sum;
    });
    SmallVector<OpFoldResult> offsets(type.getRank(), rewriter.getIndexAttr(0)),
        strides(type.getRank(), rewriter.getIndexAttr(1));
    for (Value input : inputs) {
      auto inputType = cast<RankedTensorType>(input.getType());
      SmallVector<OpFoldResult> sizes;
      for (int64_t d = 0; d < inputType.getRank(); ++d)
        sizes.push_back(sizeOf(rewriter, loc, input, d));
      result = rewriter.create<tensor::InsertSliceOp>(loc, input, result, offsets, sizes, strides);
      // The next offset: static while every piece so far is.
      OpFoldResult next = sizes[axis];
      std::optional<int64_t> a = getConstantIntValue(offsets[axis]),
                             n = getConstantIntValue(next);
      if (a && n)
        offsets[axis] = rewriter.getIndexAttr(*a + *n);
      else
        offsets[axis] = rewriter
                            .create<arith::AddIOp>(
                                loc, getValueOrCreateConstantIndexOp(rewriter, loc, offsets[axis]),
                                getValueOrCreateConstantIndexOp(rewriter, loc, next))
                            .getResult();
    }
    rewriter.replaceOp(op, result);
    return success();
  }
};

//===----------------------------------------------------------------------===//
// gather
//===----------------------------------------------------------------------===//

/// result[n..., d...] = table[indices[n...], d...]. The compiled code cannot
/// raise the eager kernel's error for an index outside [0, V): the read index is
/// clamped (no out-of-bounds access) and the element is NaN for float tables
/// (0 for integer tables), so a bad index is visible, never a crash.
struct GatherLowering : OpConversionPattern<GatherOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult matchAndRewrite(GatherOp op, OpAdaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    auto type = cast<RankedTensorType>(op.getType());
    auto tableType = cast<RankedTensorType>(op.getTable().getType());
    auto indicesType = cast<RankedTensorType>(op.getIndices().getType());
    int64_t n = indicesType.getRank(), rank = type.getRank();
    MLIRContext *ctx = rewriter.getContext();
    SmallVector<AffineExpr> indexExprs;
    for (int64_t d = 0; d < n; ++d)
      indexExprs.push_back(getAffineDimExpr(d, ctx));
    AffineMap indexMap = AffineMap::get(rank, 0, indexExprs, ctx);
    Value table = adaptor.getTable();
    Value init = emptyTensor(rewriter, loc, type, [&](int64_t d) {
      return d < n ? dimOf(rewriter, loc, adaptor.getIndices(), d)
                   : dimOf(rewriter, loc, table, d - n + 1);
    });
    Type element = type.getElementType();
    // The last valid row: a constant, or from the table's run-time size.
    Value lastRow;
    if (tableType.isDynamicDim(0))
      lastRow = rewriter.create<arith::SubIOp>(
          loc,
          rewriter.create<arith::IndexCastOp>(loc, rewriter.getI64Type(),
                                              dimOf(rewriter, loc, table, 0)),
          rewriter.create<arith::ConstantIntOp>(loc, 1, 64));
    SmallVector<utils::IteratorType> iterators(rank, utils::IteratorType::parallel);
    auto generic = rewriter.create<linalg::GenericOp>(
        loc, type, adaptor.getIndices(), init,
        ArrayRef<AffineMap>{indexMap, rewriter.getMultiDimIdentityMap(rank)}, iterators,
        [&](OpBuilder &b, Location l, ValueRange args) {
          Value row = args[0];
          Value zero = b.create<arith::ConstantIntOp>(l, 0, 64);
          Value last = lastRow ? lastRow
                               : b.create<arith::ConstantIntOp>(l, tableType.getDimSize(0) - 1, 64);
          Value inRange = b.create<arith::AndIOp>(
              l, b.create<arith::CmpIOp>(l, arith::CmpIPredicate::sge, row, zero),
              b.create<arith::CmpIOp>(l, arith::CmpIPredicate::sle, row, last));
          Value clamped = b.create<arith::MinSIOp>(l, b.create<arith::MaxSIOp>(l, row, zero), last);
          SmallVector<Value> coords{b.create<arith::IndexCastOp>(l, b.getIndexType(), clamped)};
          for (int64_t d = n; d < rank; ++d)
            coords.push_back(b.create<linalg::IndexOp>(l, d));
          Value v = b.create<tensor::ExtractOp>(l, table, coords);
          Value bad = isa<FloatType>(element)
                          ? scalarConstant(b, l, element, std::numeric_limits<double>::quiet_NaN())
                          : scalarConstant(b, l, element, 0);
          b.create<linalg::YieldOp>(l, Value(b.create<arith::SelectOp>(l, inRange, v, bad)));
        });
    rewriter.replaceOp(op, generic.getResult(0));
    return success();
  }
};

//===----------------------------------------------------------------------===//
// sum, mean, max
//===----------------------------------------------------------------------===//

enum class ReduceKind { Sum, Mean, Max };

template <typename OpTy, ReduceKind Kind> struct ReduceLowering : OpConversionPattern<OpTy> {
  using OpConversionPattern<OpTy>::OpConversionPattern;

  /// One linalg.generic reducing `value` over the dims set in `reduced` (sum, or max for Max)
  /// into the shape of the kept dims.
  static Value reduceDims(OpBuilder &b, Location loc, Value value,
                          const llvm::SmallBitVector &reduced) {
    auto type = cast<RankedTensorType>(value.getType());
    Type element = type.getElementType();
    bool isFloat = isa<FloatType>(element);
    unsigned rank = type.getRank();
    MLIRContext *ctx = b.getContext();
    SmallVector<int64_t> kept;
    SmallVector<AffineExpr> outExprs;
    SmallVector<utils::IteratorType> iterators;
    for (unsigned d = 0; d < rank; ++d) {
      if (reduced.test(d)) {
        iterators.push_back(utils::IteratorType::reduction);
      } else {
        kept.push_back(type.getDimSize(d));
        outExprs.push_back(getAffineDimExpr(d, ctx));
        iterators.push_back(utils::IteratorType::parallel);
      }
    }
    auto accType = RankedTensorType::get(kept, element);
    SmallVector<int64_t> keptDims;
    for (unsigned d = 0; d < rank; ++d)
      if (!reduced.test(d))
        keptDims.push_back(d);
    double initValue = 0;
    if (Kind == ReduceKind::Max)
      initValue = isFloat ? -std::numeric_limits<double>::infinity()
                          : static_cast<double>(std::numeric_limits<int64_t>::min());
    Value init = isFloat || Kind != ReduceKind::Max
                     ? scalarConstant(b, loc, element, initValue)
                     : Value(b.create<arith::ConstantIntOp>(
                           loc, std::numeric_limits<int64_t>::min(), 64));
    Value acc = filled(b, loc, accType, init,
                       [&](int64_t d) { return dimOf(b, loc, value, keptDims[d]); });
    auto generic = b.create<linalg::GenericOp>(
        loc, accType, value, acc,
        ArrayRef<AffineMap>{b.getMultiDimIdentityMap(rank), AffineMap::get(rank, 0, outExprs, ctx)},
        iterators, [&](OpBuilder &nb, Location l, ValueRange args) {
          Value v;
          if (Kind == ReduceKind::Max)
            v = isFloat ? Value(nb.create<arith::MaximumFOp>(l, args[0], args[1]))
                        : Value(nb.create<arith::MaxSIOp>(l, args[0], args[1]));
          else
            v = isFloat ? Value(nb.create<arith::AddFOp>(l, args[1], args[0]))
                        : Value(nb.create<arith::AddIOp>(l, args[1], args[0]));
          nb.create<linalg::YieldOp>(l, v);
        });
    return generic.getResult(0);
  }
  LogicalResult matchAndRewrite(OpTy op, typename OpTy::Adaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    auto operandType = cast<RankedTensorType>(op.getOperand().getType());
    auto resultType = cast<RankedTensorType>(op.getType());
    Type element = operandType.getElementType();
    bool isFloat = isa<FloatType>(element);
    if (!isFloat && !element.isInteger(64))
      return op.emitOpError() << "cannot lower a reduction of " << operandType;
    unsigned rank = operandType.getRank();
    llvm::SmallBitVector reduced(rank);
    for (int64_t a : op.getAxes())
      reduced.set(a);
    if (reduced.none()) { // Reduces nothing: the operand itself.
      rewriter.replaceOp(op, reshapeTo(rewriter, loc, adaptor.getOperand(), resultType));
      return success();
    }

    // Reduce into the shape without the reduced dims; keepdim reshapes after. A reduction over
    // the innermost dim and others (a full sum) runs as two generics: the innermost dim first
    // (a row reduction that vectorizes, with the elementwise producers fused into it), then the
    // other dims of that much smaller result.
    int64_t count = 1;
    bool dynamicCount = false;
    for (unsigned d = 0; d < rank; ++d)
      if (reduced.test(d)) {
        dynamicCount |= operandType.isDynamicDim(d);
        count *= operandType.isDynamicDim(d) ? 1 : operandType.getDimSize(d);
      }
    Value result;
    if (rank > 1 && reduced.test(rank - 1) && reduced.count() > 1) {
      llvm::SmallBitVector inner(rank), outer(rank - 1);
      inner.set(rank - 1);
      for (unsigned d = 0; d + 1 < rank; ++d)
        if (reduced.test(d))
          outer.set(d);
      Value rows = reduceDims(rewriter, loc, adaptor.getOperand(), inner);
      result = reduceDims(rewriter, loc, rows, outer);
    } else {
      result = reduceDims(rewriter, loc, adaptor.getOperand(), reduced);
    }
    auto accType = cast<RankedTensorType>(result.getType());
    if (Kind == ReduceKind::Mean) {
      // sum * (1 / count), the scale rounded in the element type as the eager
      // kernel computes it.
      double scale = element.isF32() ? double(1.0f / static_cast<float>(count))
                                     : 1.0 / static_cast<double>(count);
      // A count of dynamic dims is computed at run time the same way: 1 / (T)count in T.
      Value dynamicScale;
      if (dynamicCount) {
        Value n = rewriter.create<arith::ConstantIndexOp>(loc, count);
        for (unsigned d = 0; d < rank; ++d)
          if (reduced.test(d) && operandType.isDynamicDim(d))
            n = rewriter.create<arith::MulIOp>(loc, n, dimOf(rewriter, loc, adaptor.getOperand(), d));
        Value n64 = rewriter.create<arith::IndexCastOp>(loc, rewriter.getI64Type(), n);
        dynamicScale = rewriter.create<arith::DivFOp>(
            loc, scalarConstant(rewriter, loc, element, 1),
            rewriter.create<arith::SIToFPOp>(loc, element, n64));
      }
      result = buildElementwise(
          rewriter, loc, accType, result, [&](OpBuilder &b, Location l, ValueRange args) -> Value {
            return b.create<arith::MulFOp>(
                l, args[0], dynamicScale ? dynamicScale : scalarConstant(b, l, element, scale));
          });
    }
    rewriter.replaceOp(op, resultType.hasStaticShape()
                               ? reshapeTo(rewriter, loc, result, resultType)
                               : expandUnitDims(rewriter, loc, result, resultType, reduced));
    return success();
  }
};

//===----------------------------------------------------------------------===//
// matmul
//===----------------------------------------------------------------------===//

/// [m,k]x[k,n] -> linalg.matmul; [b...,m,k]x[b...,k,n] -> batch dims collapsed
/// into one, linalg.batch_matmul, expanded back.
struct MatmulLowering : OpConversionPattern<MatmulOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult matchAndRewrite(MatmulOp op, OpAdaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    auto lhsType = cast<RankedTensorType>(op.getLhs().getType());
    auto rhsType = cast<RankedTensorType>(op.getRhs().getType());
    auto type = cast<RankedTensorType>(op.getType());
    Type element = type.getElementType();
    Value zero = scalarConstant(rewriter, loc, element, 0);
    int64_t rank = type.getRank();
    Value lhs0 = adaptor.getLhs(), rhs0 = adaptor.getRhs();
    if (rank == 2) {
      Value acc = filled(rewriter, loc, type, zero, [&](int64_t d) {
        return d == 0 ? dimOf(rewriter, loc, lhs0, 0) : dimOf(rewriter, loc, rhs0, 1);
      });
      rewriter.replaceOp(op, rewriter
                                 .create<linalg::MatmulOp>(
                                     loc, ValueRange{adaptor.getLhs(), adaptor.getRhs()}, acc)
                                 .getResult(0));
      return success();
    }
    if (rank < 2)
      return op.emitOpError() << "cannot lower a matmul producing " << type;
    int64_t batch = 1;
    for (int64_t d = 0; d < rank - 2; ++d)
      batch = type.isDynamicDim(d) || ShapedType::isDynamic(batch) ? ShapedType::kDynamic
                                                                   : batch * type.getDimSize(d);
    auto as3d = [&](Value v, RankedTensorType t) -> Value {
      int64_t tBatch = 1;
      for (int64_t d = 0; d < rank - 2; ++d)
        tBatch = t.isDynamicDim(d) || ShapedType::isDynamic(tBatch) ? ShapedType::kDynamic
                                                                     : tBatch * t.getDimSize(d);
      auto flat = RankedTensorType::get({tBatch, t.getDimSize(rank - 2), t.getDimSize(rank - 1)},
                                        t.getElementType());
      if (rank == 3)
        return v;
      SmallVector<ReassociationIndices> groups(3);
      for (int64_t d = 0; d < rank - 2; ++d)
        groups[0].push_back(d);
      groups[1].push_back(rank - 2);
      groups[2].push_back(rank - 1);
      return rewriter.create<tensor::CollapseShapeOp>(loc, flat, v, groups);
    };
    Value lhs = as3d(adaptor.getLhs(), lhsType), rhs = as3d(adaptor.getRhs(), rhsType);
    auto type3d = RankedTensorType::get(
        {batch, type.getDimSize(rank - 2), type.getDimSize(rank - 1)}, element);
    Value acc = filled(rewriter, loc, type3d, zero, [&](int64_t d) {
      return d == 2 ? dimOf(rewriter, loc, rhs, 2) : dimOf(rewriter, loc, lhs, d);
    });
    Value result =
        rewriter.create<linalg::BatchMatmulOp>(loc, ValueRange{lhs, rhs}, acc).getResult(0);
    if (rank != 3) {
      SmallVector<ReassociationIndices> groups(3);
      for (int64_t d = 0; d < rank - 2; ++d)
        groups[0].push_back(d);
      groups[1].push_back(rank - 2);
      groups[2].push_back(rank - 1);
      SmallVector<OpFoldResult> outputShape;
      for (int64_t d = 0; d < rank; ++d)
        outputShape.push_back(!type.isDynamicDim(d) ? OpFoldResult(rewriter.getIndexAttr(type.getDimSize(d)))
                              : d == rank - 1       ? OpFoldResult(dimOf(rewriter, loc, rhs0, d))
                                                    : OpFoldResult(dimOf(rewriter, loc, lhs0, d)));
      result = rewriter.create<tensor::ExpandShapeOp>(loc, type, result, groups, outputShape);
    }
    rewriter.replaceOp(op, result);
    return success();
  }
};

} // namespace

void populateStructuredToLinalgPatterns(RewritePatternSet &patterns) {
  patterns.add<ConstantLowering, BroadcastLowering, ReshapeLowering, TransposeLowering,
               SliceLowering, ConcatLowering, GatherLowering,
               ReduceLowering<SumOp, ReduceKind::Sum>, ReduceLowering<MeanOp, ReduceKind::Mean>,
               ReduceLowering<MaxOp, ReduceKind::Max>, MatmulLowering>(patterns.getContext());
}

} // namespace grad
