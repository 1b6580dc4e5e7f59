//===- ElementwiseToLinalg.cpp - elementwise grad ops -> linalg.generic ---===//
//
// Patterns for the elementwise grad ops (unary, binary, cmp, select, convert):
// each becomes one all-parallel linalg.generic whose body computes the same
// scalar formula as the eager kernel (eager/src/kernels/elementwise.cpp), so
// compiled results match the interpreter: relu propagates NaN, sigmoid uses the
// overflow-free form, maximum/minimum propagate NaN, comparisons with NaN are
// false.
//
//===----------------------------------------------------------------------===//

#include "ConversionUtils.h"

#include "grad/Dialect/GradDialect.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Transforms/DialectConversion.h"

using namespace mlir;

namespace grad {

Value emptyTensor(OpBuilder &b, Location loc, RankedTensorType type,
                  llvm::function_ref<Value(int64_t)> size) {
  SmallVector<Value> dynamicSizes;
  for (int64_t d = 0; d < type.getRank(); ++d)
    if (type.isDynamicDim(d))
      dynamicSizes.push_back(size(d));
  return b.create<tensor::EmptyOp>(loc, type.getShape(), type.getElementType(), dynamicSizes);
}

Value dimOf(OpBuilder &b, Location loc, Value value, int64_t d) {
  return b.create<tensor::DimOp>(loc, value, d);
}

Value buildElementwise(OpBuilder &b, Location loc, RankedTensorType resultType, ValueRange inputs,
                       ScalarBodyFn body) {
  Value init = emptyTensor(b, loc, resultType,
                           [&](int64_t d) { return dimOf(b, loc, inputs.front(), d); });
  unsigned rank = resultType.getRank();
  SmallVector<AffineMap> maps(inputs.size() + 1, b.getMultiDimIdentityMap(rank));
  SmallVector<utils::IteratorType> iterators(rank, utils::IteratorType::parallel);
  auto generic = b.create<linalg::GenericOp>(loc, resultType, inputs, init, maps, iterators,
                                             [&](OpBuilder &nb, Location nloc, ValueRange args) {
                                               Value v = body(nb, nloc, args.drop_back());
                                               nb.create<linalg::YieldOp>(nloc, v);
                                             });
  return generic.getResult(0);
}

Value scalarConstant(OpBuilder &b, Location loc, Type type, double value) {
  if (isa<FloatType>(type))
    return b.create<arith::ConstantOp>(loc, b.getFloatAttr(type, value));
  return b.create<arith::ConstantOp>(loc, b.getIntegerAttr(type, static_cast<int64_t>(value)));
}

namespace {

bool isFloat(Type t) { return isa<FloatType>(t); }

/// Lowers a one-operand op with `fn` computing the scalar result.
template <typename OpTy> struct UnaryLowering : OpConversionPattern<OpTy> {
  using OpConversionPattern<OpTy>::OpConversionPattern;
  using Fn = Value (*)(OpBuilder &, Location, Value);
  UnaryLowering(MLIRContext *ctx, Fn fn) : OpConversionPattern<OpTy>(ctx), fn(fn) {}

  LogicalResult matchAndRewrite(OpTy op, typename OpTy::Adaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    auto type = cast<RankedTensorType>(op.getType());
    Value result = buildElementwise(
        rewriter, op.getLoc(), type, {adaptor.getOperand()},
        [&](OpBuilder &b, Location loc, ValueRange args) { return fn(b, loc, args[0]); });
    rewriter.replaceOp(op, result);
    return success();
  }
  Fn fn;
};

/// The scalar body of a unary op whose op-table row says `Custom` (a specialization below per
/// op); the other rows name a `math` op, applied by mathBody.
struct Custom;
template <typename OpTy> Value customBody(OpBuilder &b, Location loc, Value x) {
  static_assert(sizeof(OpTy) == 0, "op_table.def says Custom: write customBody<Op> here");
  return {};
}
template <typename MathOp> Value mathBody(OpBuilder &b, Location loc, Value x) {
  return b.create<MathOp>(loc, x);
}
/// The body function of a unary row: its math op, or its custom body.
template <typename OpTy, typename Lowering> constexpr auto unaryBody() {
  if constexpr (std::is_same_v<Lowering, Custom>)
    return &customBody<OpTy>;
  else
    return &mathBody<Lowering>;
}

template <> Value customBody<NegOp>(OpBuilder &b, Location loc, Value x) {
  if (isFloat(x.getType()))
    return b.create<arith::NegFOp>(loc, x);
  return b.create<arith::SubIOp>(loc, scalarConstant(b, loc, x.getType(), 0), x);
}
template <> Value customBody<RsqrtOp>(OpBuilder &b, Location loc, Value x) {
  // 1 / sqrt(x), as the eager kernel computes it (math.rsqrt may be approximate).
  return b.create<arith::DivFOp>(loc, scalarConstant(b, loc, x.getType(), 1),
                                 b.create<math::SqrtOp>(loc, x));
}
template <> Value customBody<AbsOp>(OpBuilder &b, Location loc, Value x) {
  if (isFloat(x.getType()))
    return b.create<math::AbsFOp>(loc, x);
  return b.create<math::AbsIOp>(loc, x);
}

template <> Value customBody<ReluOp>(OpBuilder &b, Location loc, Value x) {
  // x > 0 or unordered ? x : 0: NaN propagates, as eager, torch.relu and arith.maximumf.
  Value zero = scalarConstant(b, loc, x.getType(), 0);
  Value positive = isFloat(x.getType())
                       ? Value(b.create<arith::CmpFOp>(loc, arith::CmpFPredicate::UGT, x, zero))
                       : Value(b.create<arith::CmpIOp>(loc, arith::CmpIPredicate::sgt, x, zero));
  return b.create<arith::SelectOp>(loc, positive, x, zero);
}

template <> Value customBody<SigmoidOp>(OpBuilder &b, Location loc, Value x) {
  // e = exp(-|x|), r = 1 / (1 + e): x >= 0 ? r : e * r. Never exp of a large
  // positive number.
  Type t = x.getType();
  Value one = scalarConstant(b, loc, t, 1);
  Value e =
      b.create<math::ExpOp>(loc, b.create<arith::NegFOp>(loc, b.create<math::AbsFOp>(loc, x)));
  Value r = b.create<arith::DivFOp>(loc, one, b.create<arith::AddFOp>(loc, one, e));
  Value nonNegative =
      b.create<arith::CmpFOp>(loc, arith::CmpFPredicate::OGE, x, scalarConstant(b, loc, t, 0));
  return b.create<arith::SelectOp>(loc, nonNegative, r, b.create<arith::MulFOp>(loc, e, r));
}

template <> Value customBody<GeluOp>(OpBuilder &b, Location loc, Value x) {
  // 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3))), the eager kernel's order.
  Type t = x.getType();
  // ((0.044715 * x) * x) * x, the same rounding as the eager kernel.
  Value cubic = scalarConstant(b, loc, t, 0.044715);
  for (int i = 0; i < 3; ++i)
    cubic = b.create<arith::MulFOp>(loc, cubic, x);
  Value inner = b.create<arith::AddFOp>(loc, x, cubic);
  Value th = b.create<math::TanhOp>(
      loc, b.create<arith::MulFOp>(loc, scalarConstant(b, loc, t, 0.7978845608028654), inner));
  Value halfX = b.create<arith::MulFOp>(loc, scalarConstant(b, loc, t, 0.5), x);
  return b.create<arith::MulFOp>(loc, halfX,
                                 b.create<arith::AddFOp>(loc, scalarConstant(b, loc, t, 1), th));
}

/// Lowers a two-operand op with float and integer scalar builders.
template <typename OpTy, typename FloatOp, typename IntOp>
struct BinaryLowering : OpConversionPattern<OpTy> {
  using OpConversionPattern<OpTy>::OpConversionPattern;
  LogicalResult matchAndRewrite(OpTy op, typename OpTy::Adaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    auto type = cast<RankedTensorType>(op.getType());
    Type element = type.getElementType();
    if (!isFloat(element) && std::is_same_v<IntOp, void>)
      return rewriter.notifyMatchFailure(op, "integer operands");
    Value result =
        buildElementwise(rewriter, op.getLoc(), type, {adaptor.getLhs(), adaptor.getRhs()},
                         [&](OpBuilder &b, Location loc, ValueRange args) -> Value {
                           if (isFloat(element))
                             return b.create<FloatOp>(loc, args[0], args[1]);
                           if constexpr (!std::is_same_v<IntOp, void>)
                             return b.create<IntOp>(loc, args[0], args[1]);
                           return Value();
                         });
    rewriter.replaceOp(op, result);
    return success();
  }
};

struct CmpLowering : OpConversionPattern<CmpOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult matchAndRewrite(CmpOp op, OpAdaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    std::optional<CmpKind> kind = parseCmpKind(op.getPredicate());
    if (!kind)
      return op.emitOpError() << "unknown predicate \"" << op.getPredicate() << "\"";
    // Ordered float predicates: any comparison with NaN is false.
    static const arith::CmpFPredicate floatPred[] = {
        arith::CmpFPredicate::OLT, arith::CmpFPredicate::OLE, arith::CmpFPredicate::OGT,
        arith::CmpFPredicate::OGE, arith::CmpFPredicate::OEQ};
    static const arith::CmpIPredicate intPred[] = {
        arith::CmpIPredicate::slt, arith::CmpIPredicate::sle, arith::CmpIPredicate::sgt,
        arith::CmpIPredicate::sge, arith::CmpIPredicate::eq};
    unsigned k = static_cast<unsigned>(*kind);
    auto type = cast<RankedTensorType>(op.getType());
    Value result =
        buildElementwise(rewriter, op.getLoc(), type, {adaptor.getLhs(), adaptor.getRhs()},
                         [&](OpBuilder &b, Location loc, ValueRange args) -> Value {
                           if (isFloat(args[0].getType()))
                             return b.create<arith::CmpFOp>(loc, floatPred[k], args[0], args[1]);
                           return b.create<arith::CmpIOp>(loc, intPred[k], args[0], args[1]);
                         });
    rewriter.replaceOp(op, result);
    return success();
  }
};

struct SelectLowering : OpConversionPattern<SelectOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult matchAndRewrite(SelectOp op, OpAdaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    auto type = cast<RankedTensorType>(op.getType());
    Value result =
        buildElementwise(rewriter, op.getLoc(), type,
                         {adaptor.getCondition(), adaptor.getOnTrue(), adaptor.getOnFalse()},
                         [&](OpBuilder &b, Location loc, ValueRange args) -> Value {
                           return b.create<arith::SelectOp>(loc, args[0], args[1], args[2]);
                         });
    rewriter.replaceOp(op, result);
    return success();
  }
};

/// Scalar conversion with grad.convert's semantics (see GradOps.td).
Value convertScalar(OpBuilder &b, Location loc, Value x, Type to) {
  Type from = x.getType();
  if (from == to)
    return x;
  if (to.isInteger(1)) {
    Value zero = scalarConstant(b, loc, from, 0);
    if (isFloat(from)) // x != 0, true for NaN as in C++.
      return b.create<arith::CmpFOp>(loc, arith::CmpFPredicate::UNE, x, zero);
    return b.create<arith::CmpIOp>(loc, arith::CmpIPredicate::ne, x, zero);
  }
  if (from.isInteger(1))
    return isFloat(to) ? Value(b.create<arith::UIToFPOp>(loc, to, x))
                       : Value(b.create<arith::ExtUIOp>(loc, to, x));
  if (isFloat(from) && isFloat(to))
    return from.getIntOrFloatBitWidth() < to.getIntOrFloatBitWidth()
               ? Value(b.create<arith::ExtFOp>(loc, to, x))
               : Value(b.create<arith::TruncFOp>(loc, to, x));
  if (isFloat(from))
    return b.create<arith::FPToSIOp>(loc, to, x);
  return b.create<arith::SIToFPOp>(loc, to, x);
}

struct ConvertLowering : OpConversionPattern<ConvertOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult matchAndRewrite(ConvertOp op, OpAdaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    auto type = cast<RankedTensorType>(op.getType());
    Value result = buildElementwise(rewriter, op.getLoc(), type, {adaptor.getOperand()},
                                    [&](OpBuilder &b, Location loc, ValueRange args) {
                                      return convertScalar(b, loc, args[0], type.getElementType());
                                    });
    rewriter.replaceOp(op, result);
    return success();
  }
};

} // namespace

void populateElementwiseToLinalgPatterns(RewritePatternSet &patterns) {
  MLIRContext *ctx = patterns.getContext();
#define GRAD_UNARY_OP(Name, mnemonic, Backward, saves, dtypes, ref, lowering, summary)            \
  patterns.add<UnaryLowering<Name##Op>>(ctx, unaryBody<Name##Op, lowering>());
#include "grad/op_table.def"
  patterns
      .add<BinaryLowering<AddOp, arith::AddFOp, arith::AddIOp>,
           BinaryLowering<SubOp, arith::SubFOp, arith::SubIOp>,
           BinaryLowering<MulOp, arith::MulFOp, arith::MulIOp>,
           BinaryLowering<DivOp, arith::DivFOp, void>,
           BinaryLowering<MaximumOp, arith::MaximumFOp, arith::MaxSIOp>,
           BinaryLowering<MinimumOp, arith::MinimumFOp, arith::MinSIOp>,
           BinaryLowering<PowOp, math::PowFOp, void>, CmpLowering, SelectLowering, ConvertLowering>(
          ctx);
}

} // namespace grad
