//===- OpTableBridge.cpp - grad dialect ops <-> the eager op table ---------===//
//
// buildGradOp / decodeGradOp and the Tensor <-> DenseElementsAttr conversions (see
// OpTableBridge.h). Result types come from ShapeInference.h, so a bad operand is a diagnostic
// before any op exists; the built op is then verified, so ODS constraints (float-only ops, ...)
// are reported the same way.
//
//===----------------------------------------------------------------------===//

#include "grad/Bridge/OpTableBridge.h"

#include "grad/Dialect/GradDialect.h"
#include "grad/Dialect/ShapeInference.h"

#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/Verifier.h"

#include <exception>

#include <cstring>

using namespace mlir;

namespace grad {

//===----------------------------------------------------------------------===//
// Types and values
//===----------------------------------------------------------------------===//

Type elementTypeFromDType(MLIRContext *ctx, DType dtype) {
  switch (dtype) {
  case DType::f32:
    return Float32Type::get(ctx);
  case DType::f64:
    return Float64Type::get(ctx);
  case DType::i64:
    return IntegerType::get(ctx, 64);
  case DType::b8:
    return IntegerType::get(ctx, 1);
  }
  return {};
}

FailureOr<DType> dtypeFromElementType(Type type) {
  if (type.isF32())
    return DType::f32;
  if (type.isF64())
    return DType::f64;
  if (type.isSignlessInteger(64))
    return DType::i64;
  if (type.isSignlessInteger(1))
    return DType::b8;
  return failure();
}

RankedTensorType tensorTypeFor(MLIRContext *ctx, const Shape &shape, DType dtype) {
  return RankedTensorType::get(shape, elementTypeFromDType(ctx, dtype));
}

namespace {
/// The attribute of a contiguous tensor: a splat (one stored value) when all elements are equal
/// bit for bit, so that a uniform tensor never becomes a full-size constant in the IR, the
/// object file or the compiler's memory.
template <typename T>
DenseElementsAttr copyOut(const Tensor &contiguous, RankedTensorType type) {
  const T *data = contiguous.data_ptr<T>();
  int64_t n = contiguous.numel();
  bool splat = n > 1;
  for (int64_t i = 1; splat && i < n; ++i)
    splat = std::memcmp(&data[i], &data[0], sizeof(T)) == 0;
  if (splat)
    return DenseElementsAttr::get(type, ArrayRef<T>(data, 1));
  return DenseElementsAttr::get(type, ArrayRef<T>(data, n));
}

template <typename T>
void copyIn(DenseElementsAttr attr, Tensor &out) {
  T *data = out.data_ptr<T>();
  for (T v : attr.getValues<T>())
    *data++ = v;
}
} // namespace

FailureOr<DenseElementsAttr> tensorToDenseAttr(const Tensor &tensor, RankedTensorType type) {
  MLIRContext *ctx = type.getContext();
  if (!tensor.defined())
    return emitError(UnknownLoc::get(ctx), "grad.constant: the tensor is undefined");
  if (tensor.shape() != Shape(type.getShape().begin(), type.getShape().end()) ||
      elementTypeFromDType(ctx, tensor.dtype()) != type.getElementType())
    return emitError(UnknownLoc::get(ctx), "grad.constant: a tensor of shape ")
           << shape_str(tensor.shape()) << " and dtype " << dtype_name(tensor.dtype())
           << " does not have type " << type;
  try {
    Tensor c = tensor.contiguous();
    switch (tensor.dtype()) {
    case DType::f32:
      return copyOut<float>(c, type);
    case DType::f64:
      return copyOut<double>(c, type);
    case DType::i64:
      return copyOut<int64_t>(c, type);
    case DType::b8:
      return copyOut<bool>(c, type);
    }
  } catch (const std::exception &e) {
    return emitError(UnknownLoc::get(ctx), "grad.constant: cannot read the tensor's values: ")
           << e.what();
  }
  return failure();
}

FailureOr<DenseElementsAttr> tensorToDenseAttr(MLIRContext *ctx, const Tensor &tensor) {
  if (!tensor.defined())
    return emitError(UnknownLoc::get(ctx), "grad.constant: the tensor is undefined");
  return tensorToDenseAttr(tensor, tensorTypeFor(ctx, tensor.shape(), tensor.dtype()));
}

FailureOr<Tensor> denseAttrToTensor(DenseElementsAttr attr) {
  auto type = dyn_cast<RankedTensorType>(attr.getType());
  if (!type || !type.hasStaticShape())
    return failure();
  FailureOr<DType> dtype = dtypeFromElementType(type.getElementType());
  if (failed(dtype))
    return failure();
  try {
    Tensor out = empty(Shape(type.getShape().begin(), type.getShape().end()), *dtype);
    switch (*dtype) {
    case DType::f32:
      copyIn<float>(attr, out);
      break;
    case DType::f64:
      copyIn<double>(attr, out);
      break;
    case DType::i64:
      copyIn<int64_t>(attr, out);
      break;
    case DType::b8:
      copyIn<bool>(attr, out);
      break;
    }
    return out;
  } catch (const std::exception &) {
    return failure();
  }
}

//===----------------------------------------------------------------------===//
// buildGradOp
//===----------------------------------------------------------------------===//

namespace {

/// Reduction axes as the dialect spells them: in range, non-negative, sorted; empty = all.
FailureOr<SmallVector<int64_t>> dialectAxes(StringRef opName, Value operand,
                                            ArrayRef<int64_t> axes, Location loc) {
  auto type = dyn_cast<RankedTensorType>(operand.getType());
  if (!type)
    return emitError(loc) << "'" << opName << "' op operand must be a ranked tensor, got "
                          << operand.getType();
  int64_t rank = type.getRank();
  SmallVector<int64_t> out;
  if (axes.empty()) {
    for (int64_t d = 0; d < rank; ++d)
      out.push_back(d);
    return out;
  }
  for (int64_t a : axes) {
    if (a < -rank || a >= rank)
      return emitError(loc) << "'" << opName << "' op axis " << a
                            << " is out of range for the operand " << type << " of rank "
                            << rank;
    out.push_back(a < 0 ? a + rank : a);
  }
  llvm::sort(out);
  return out;
}

template <typename Op>
Value create(OpBuilder &b, Location loc, Type type, ValueRange operands,
             ArrayRef<NamedAttribute> attrs = {}) {
  return b.create<Op>(loc, TypeRange{type}, operands, attrs).getResult();
}

/// Dispatch for the op kinds that need only operands; `type` is computed by the caller. The
/// unary and binary rows of grad/op_table.def, plus select, matmul and gather.
Value createByKind(OpBuilder &b, Location loc, OpKind kind, Type type, ValueRange operands) {
  switch (kind) {
#define GRAD_UNARY_OP(Name, ...)                                                                  \
  case OpKind::Name:                                                                             \
    return create<Name##Op>(b, loc, type, operands);
#define GRAD_BINARY_OP(Name, ...)                                                                 \
  case OpKind::Name:                                                                             \
    return create<Name##Op>(b, loc, type, operands);
#include "grad/op_table.def"
  case OpKind::Select:
    return create<SelectOp>(b, loc, type, operands);
  case OpKind::Matmul:
    return create<MatmulOp>(b, loc, type, operands);
  case OpKind::Gather:
    return create<GatherOp>(b, loc, type, operands);
  default:
    return {};
  }
}

FailureOr<Value> buildUnchecked(OpBuilder &b, Location loc, OpKind kind, ValueRange operands,
                                const OpAttrs &attrs) {
  const OpInfo &info = op_info(kind);
  std::string name = std::string("grad.") + info.name;
  MLIRContext *ctx = b.getContext();
  if (info.num_inputs >= 0 && static_cast<int>(operands.size()) != info.num_inputs)
    return emitError(loc) << "'" << name << "' op expects " << info.num_inputs
                          << " operands, got " << operands.size();
  auto typeOf = [&](size_t i) { return operands[i].getType(); };
  auto i64s = [&](ArrayRef<int64_t> v) { return b.getDenseI64ArrayAttr(v); };

  if (kind == OpKind::Constant) {
    if (!attrs.value)
      return emitError(loc) << "'grad.constant' op needs OpAttrs::value";
    FailureOr<DenseElementsAttr> value = tensorToDenseAttr(ctx, *attrs.value);
    if (failed(value))
      return emitError(loc) << "'grad.constant' op: the payload is not a concrete tensor";
    return b.create<ConstantOp>(loc, *value).getResult();
  }
  if (info.family == OpFamily::Unary || info.family == OpFamily::Binary) {
    auto type = inferElementwiseType(name, operands.getTypes(), loc);
    if (failed(type))
      return failure();
    return createByKind(b, loc, kind, *type, operands);
  }
  switch (kind) {
  case OpKind::Cmp: {
    auto type = inferCmpType(typeOf(0), typeOf(1), loc);
    if (failed(type))
      return failure();
    return create<CmpOp>(b, loc, *type, operands,
                         {b.getNamedAttr("predicate",
                                         b.getStringAttr(predicate_name(attrs.predicate)))});
  }
  case OpKind::Select: {
    auto type = inferSelectType(typeOf(0), typeOf(1), typeOf(2), loc);
    if (failed(type))
      return failure();
    return createByKind(b, loc, kind, *type, operands);
  }
  case OpKind::Matmul: {
    auto type = inferMatmulType(typeOf(0), typeOf(1), loc);
    if (failed(type))
      return failure();
    return createByKind(b, loc, kind, *type, operands);
  }
  case OpKind::Gather: {
    auto type = inferGatherType(typeOf(0), typeOf(1), loc);
    if (failed(type))
      return failure();
    return createByKind(b, loc, kind, *type, operands);
  }
  case OpKind::Broadcast: {
    auto type = inferBroadcastType(typeOf(0), attrs.dims, attrs.shape, loc);
    if (failed(type))
      return failure();
    return b.create<BroadcastOp>(loc, *type, operands[0], i64s(attrs.dims)).getResult();
  }
  case OpKind::Reshape: {
    auto type = inferReshapeType(typeOf(0), attrs.shape, loc);
    if (failed(type))
      return failure();
    return b.create<ReshapeOp>(loc, *type, operands[0]).getResult();
  }
  case OpKind::Transpose: {
    auto type = inferTransposeType(typeOf(0), attrs.perm, loc);
    if (failed(type))
      return failure();
    return b.create<TransposeOp>(loc, *type, operands[0], i64s(attrs.perm)).getResult();
  }
  case OpKind::Slice: {
    auto type = inferSliceType(typeOf(0), attrs.starts, attrs.limits, attrs.strides, loc);
    if (failed(type))
      return failure();
    return b
        .create<SliceOp>(loc, *type, operands[0], i64s(attrs.starts), i64s(attrs.limits),
                         i64s(attrs.strides))
        .getResult();
  }
  case OpKind::Concat: {
    int64_t axis = attrs.axis;
    if (!operands.empty())
      if (auto t = dyn_cast<RankedTensorType>(typeOf(0)); t && axis < 0)
        axis += t.getRank();
    auto type = inferConcatType(operands.getTypes(), axis, loc);
    if (failed(type))
      return failure();
    return b.create<ConcatOp>(loc, *type, operands, b.getI64IntegerAttr(axis)).getResult();
  }
  case OpKind::Convert: {
    auto type = inferConvertType(typeOf(0), elementTypeFromDType(ctx, attrs.dtype), loc);
    if (failed(type))
      return failure();
    return b.create<ConvertOp>(loc, *type, operands[0]).getResult();
  }
  case OpKind::AllReduce:
    return b
        .create<AllReduceOp>(loc, typeOf(0), operands[0],
                             b.getStringAttr(collective_op_name(attrs.collective)))
        .getResult();
  default:
    break;
  }
  if (info.family == OpFamily::Reduce) {
    auto axes = dialectAxes(name, operands[0], attrs.axes, loc);
    if (failed(axes))
      return failure();
    auto type = inferReduceType(name, typeOf(0), *axes, attrs.keepdim, loc);
    if (failed(type))
      return failure();
    SmallVector<NamedAttribute> named = {b.getNamedAttr("axes", i64s(*axes)),
                                         b.getNamedAttr("keepdim", b.getBoolAttr(attrs.keepdim))};
    switch (kind) {
#define GRAD_REDUCE_OP(Name, ...)                                                                 \
  case OpKind::Name:                                                                             \
    return create<Name##Op>(b, loc, *type, operands, named);
#include "grad/op_table.def"
    default:
      break;
    }
  }
  return emitError(loc) << "grad dialect: no op for op-table kind '" << info.name << "'";
}

} // namespace

FailureOr<Value> buildGradOp(OpBuilder &builder, Location loc, OpKind kind, ValueRange operands,
                             const OpAttrs &attrs) {
  FailureOr<Value> result = failure();
  try {
    result = buildUnchecked(builder, loc, kind, operands, attrs);
  } catch (const std::exception &e) {
    return emitError(loc) << "grad dialect: building '" << op_info(kind).name
                          << "' failed: " << e.what();
  }
  if (failed(result))
    return failure();
  // ODS constraints the shape rule does not cover (e.g. float-only ops given i64).
  Operation *op = result->getDefiningOp();
  if (failed(verify(op, /*verifyRecursively=*/false))) {
    op->erase();
    return failure();
  }
  return result;
}

//===----------------------------------------------------------------------===//
// decodeGradOp
//===----------------------------------------------------------------------===//

namespace {
template <typename ReduceOp>
void readReduce(ReduceOp op, OpAttrs &attrs) {
  attrs.axes.assign(op.getAxes().begin(), op.getAxes().end());
  llvm::sort(attrs.axes);
  attrs.keepdim = op.getKeepdim();
}

CmpPredicate toPredicate(CmpKind kind) {
  switch (kind) {
  case CmpKind::lt:
    return CmpPredicate::lt;
  case CmpKind::le:
    return CmpPredicate::le;
  case CmpKind::gt:
    return CmpPredicate::gt;
  case CmpKind::ge:
    return CmpPredicate::ge;
  case CmpKind::eq:
    return CmpPredicate::eq;
  }
  return CmpPredicate::lt;
}
} // namespace

std::optional<std::pair<OpKind, OpAttrs>> decodeGradOp(Operation *op) {
  if (!op || !isa_and_nonnull<GradDialect>(op->getDialect()) || op->getNumResults() != 1)
    return std::nullopt;
  std::optional<OpKind> kind = op_kind_from_name(op->getName().stripDialect().str());
  if (!kind)
    return std::nullopt;
  OpAttrs attrs;
  auto resultType = dyn_cast<RankedTensorType>(op->getResult(0).getType());
  if (!resultType)
    return std::nullopt;
  Shape resultShape(resultType.getShape().begin(), resultType.getShape().end());
  auto vec = [](ArrayRef<int64_t> v) { return std::vector<int64_t>(v.begin(), v.end()); };

  if (auto c = dyn_cast<ConstantOp>(op)) {
    FailureOr<Tensor> value = denseAttrToTensor(c.getValue());
    if (failed(value))
      return std::nullopt;
    attrs.value = std::make_shared<const Tensor>(std::move(*value));
  } else if (auto cmp = dyn_cast<CmpOp>(op)) {
    std::optional<CmpKind> k = parseCmpKind(cmp.getPredicate());
    if (!k)
      return std::nullopt;
    attrs.predicate = toPredicate(*k);
  } else if (auto bc = dyn_cast<BroadcastOp>(op)) {
    attrs.dims = vec(bc.getDims());
    attrs.shape = resultShape;
  } else if (isa<ReshapeOp>(op)) {
    attrs.shape = resultShape;
  } else if (auto t = dyn_cast<TransposeOp>(op)) {
    attrs.perm = vec(t.getPerm());
  } else if (auto s = dyn_cast<SliceOp>(op)) {
    attrs.starts = vec(s.getStarts());
    attrs.limits = vec(s.getLimits());
    attrs.strides = vec(s.getStrides());
  } else if (auto c = dyn_cast<ConcatOp>(op)) {
    attrs.axis = static_cast<int64_t>(c.getAxis());
  } else if (isa<ConvertOp>(op)) {
    FailureOr<DType> dtype = dtypeFromElementType(resultType.getElementType());
    if (failed(dtype))
      return std::nullopt;
    attrs.dtype = *dtype;
  } else if (auto allReduce = dyn_cast<AllReduceOp>(op)) {
    std::optional<CollectiveOp> collective = collective_op_from_name(allReduce.getOp().str());
    if (!collective)
      return std::nullopt;
    attrs.collective = *collective;
  }
#define GRAD_REDUCE_OP(Name, ...)                                                                 \
  if (auto reduce = dyn_cast<Name##Op>(op))                                                      \
    readReduce(reduce, attrs);
#include "grad/op_table.def"
  return std::make_pair(*kind, std::move(attrs));
}

} // namespace grad
