//===- ShapeInference.cpp - result types of grad ops -----------------------===//
//
// Shape and dtype rules of the grad ops (see ShapeInference.h). Every failure emits one
// diagnostic that names the op, the offending operand or attribute, and the types involved.
//
//===----------------------------------------------------------------------===//

#include "grad/Dialect/ShapeInference.h"

#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/Dialect.h"
#include "mlir/IR/Operation.h"
#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/SmallVector.h"

using namespace mlir;

namespace grad {
namespace {

/// `[1, 2, 3]` (`?` for a dynamic size), for diagnostics.
std::string fmt(ArrayRef<int64_t> values) {
  std::string s = "[";
  llvm::raw_string_ostream os(s);
  llvm::interleaveComma(values, os, [&](int64_t v) {
    if (ShapedType::isDynamic(v))
      os << "?";
    else
      os << v;
  });
  os << "]";
  return s;
}

/// The operand as a ranked tensor (dims may be dynamic), or a diagnostic.
FailureOr<RankedTensorType> rankedOperand(StringRef opName, StringRef what, Type type,
                                          std::optional<Location> loc) {
  auto ranked = dyn_cast_or_null<RankedTensorType>(type);
  if (!ranked) {
    (void)emitOptionalError(loc, "'", opName, "' op ", what, " must be a ranked tensor, got ",
                            type);
    return failure();
  }
  return ranked;
}

/// The operand as a statically shaped ranked tensor, or a diagnostic: the ops whose rule has no
/// dynamic form yet (Note [Dynamic dims]).
FailureOr<RankedTensorType> staticOperand(StringRef opName, StringRef what, Type type,
                                          std::optional<Location> loc) {
  auto ranked = rankedOperand(opName, what, type, loc);
  if (succeeded(ranked) && !ranked->hasStaticShape()) {
    (void)emitOptionalError(loc, "'", opName, "' op ", what, " ", type,
                            " has dynamic dims, which this op does not take yet (dynamic dims: "
                            "elementwise ops, broadcast, matmul, reductions, transpose, gather, "
                            "convert, reshape of size-1 dims)");
    return failure();
  }
  return ranked;
}

/// Two sizes that must agree: equal, or at least one dynamic (checked at run time).
bool compatible(int64_t a, int64_t b) {
  return a == b || ShapedType::isDynamic(a) || ShapedType::isDynamic(b);
}

/// The better known of two compatible sizes.
int64_t meet(int64_t a, int64_t b) { return ShapedType::isDynamic(a) ? b : a; }

bool isGradElementType(Type t) {
  return t.isF32() || t.isF64() || t.isSignlessInteger(64) || t.isSignlessInteger(1);
}

} // namespace

LogicalResult checkStaticShapes(Operation *root, StringRef consumer) {
  auto isDynamic = [](Type t) {
    auto shaped = dyn_cast<ShapedType>(t);
    return shaped && (!shaped.hasRank() || !shaped.hasStaticShape());
  };
  auto report = [&](Operation *op, Type type) {
    return op->emitOpError() << "has dynamic dims (" << type << "); " << consumer
                             << " needs static shapes (dynamic dims: the reference "
                                "interpreter, grad-run and grad::jit; docs/dynamic-shapes.md)";
  };
  LogicalResult result = success();
  root->walk([&](Operation *op) {
    // Only grad ops: a function that merely passes a dynamic tensor through is left to the
    // entry-point checks (gradc --emit=header, the JIT's signature), which name the argument.
    Dialect *dialect = op->getDialect();
    if (!dialect || dialect->getNamespace() != "grad")
      return WalkResult::advance();
    for (TypeRange types : {TypeRange(op->getOperandTypes()), TypeRange(op->getResultTypes())})
      for (Type t : types)
        if (isDynamic(t)) {
          result = report(op, t);
          return WalkResult::interrupt();
        }
    return WalkResult::advance();
  });
  return result;
}

FailureOr<RankedTensorType> inferElementwiseType(StringRef opName, TypeRange operands,
                                                 std::optional<Location> loc) {
  if (operands.empty())
    return emitOptionalError(loc, "'", opName, "' op expects at least one operand");
  auto first = rankedOperand(opName, "operand #0", operands[0], loc);
  if (failed(first))
    return failure();
  for (auto [i, t] : llvm::enumerate(operands.drop_front())) {
    if (t != *first)
      return emitOptionalError(loc, "'", opName, "' op operand #", i + 1, " has type ", t,
                               " but operand #0 has type ", *first,
                               " (elementwise ops need one shape and element type; broadcast "
                               "explicitly with grad.broadcast, convert with grad.convert)");
  }
  return *first;
}

FailureOr<RankedTensorType> inferCmpType(Type lhs, Type rhs, std::optional<Location> loc) {
  auto type = inferElementwiseType("grad.cmp", {lhs, rhs}, loc);
  if (failed(type))
    return failure();
  if (type->getElementType().isSignlessInteger(1))
    return emitOptionalError(loc, "'grad.cmp' op compares numbers, got operands of type ", *type);
  return RankedTensorType::get(type->getShape(), IntegerType::get(lhs.getContext(), 1));
}

FailureOr<RankedTensorType> inferSelectType(Type condition, Type onTrue, Type onFalse,
                                            std::optional<Location> loc) {
  auto cond = rankedOperand("grad.select", "condition", condition, loc);
  if (failed(cond))
    return failure();
  if (!cond->getElementType().isSignlessInteger(1))
    return emitOptionalError(loc, "'grad.select' op condition must be an i1 tensor, got ", *cond);
  auto branches = inferElementwiseType("grad.select", {onTrue, onFalse}, loc);
  if (failed(branches))
    return failure();
  if (cond->getShape() != branches->getShape())
    return emitOptionalError(loc, "'grad.select' op condition shape ", fmt(cond->getShape()),
                             " differs from the branch shape ", fmt(branches->getShape()),
                             " (condition ", *cond, ", branches ", *branches, ")");
  return *branches;
}

FailureOr<RankedTensorType> inferBroadcastType(Type operand, ArrayRef<int64_t> dims,
                                               ArrayRef<int64_t> resultShape,
                                               std::optional<Location> loc, size_t numSizes) {
  auto in = rankedOperand("grad.broadcast", "operand", operand, loc);
  if (failed(in))
    return failure();
  auto result = RankedTensorType::get(resultShape, in->getElementType());
  if (static_cast<int64_t>(dims.size()) != in->getRank())
    return emitOptionalError(loc, "'grad.broadcast' op dims ", fmt(dims), " has ", dims.size(),
                             " entries but the operand ", *in, " has rank ", in->getRank());
  for (int64_t d : resultShape)
    if (d < 0 && !ShapedType::isDynamic(d))
      return emitOptionalError(loc, "'grad.broadcast' op result shape ", fmt(resultShape),
                               " must be non-negative");
  int64_t rank = result.getRank();
  SmallVector<bool> mappedFromDynamic(rank, false);
  for (auto [i, d] : llvm::enumerate(dims)) {
    if (d < 0 || d >= rank)
      return emitOptionalError(loc, "'grad.broadcast' op dims[", i, "] = ", d,
                               " is out of range for the result ", result, " of rank ", rank);
    if (i > 0 && d <= dims[i - 1])
      return emitOptionalError(loc, "'grad.broadcast' op dims ", fmt(dims),
                               " must be strictly increasing");
    int64_t size = in->getDimSize(i);
    if (ShapedType::isDynamic(size)) {
      // A dynamic operand dim is 1 or the result size at run time; into a dynamic result dim
      // it is never expanded (the result dim takes its size).
      mappedFromDynamic[d] = true;
      continue;
    }
    if (size != 1 && size != resultShape[d])
      return emitOptionalError(loc, "'grad.broadcast' op operand dim ", i, " of size ", size,
                               " cannot expand into result dim ", d, " of size ",
                               ShapedType::isDynamic(resultShape[d])
                                   ? std::string("?")
                                   : std::to_string(resultShape[d]),
                               " (operand ", *in, ", result ", result, ")");
  }
  if (numSizes > 0) {
    // Explicit sizes: one per dynamic result dim; a dynamic operand dim mapped to one is 1 or
    // that size at run time.
    int64_t dynamicDims = llvm::count_if(resultShape, ShapedType::isDynamic);
    if (static_cast<int64_t>(numSizes) != dynamicDims)
      return emitOptionalError(loc, "'grad.broadcast' op has ", numSizes,
                               " sizes but the result ", result, " has ", dynamicDims,
                               " dynamic dims (one size per dynamic dim)");
    return result;
  }
  for (int64_t d = 0; d < rank; ++d)
    if (ShapedType::isDynamic(resultShape[d]) && !mappedFromDynamic[d])
      return emitOptionalError(loc, "'grad.broadcast' op result dim ", d,
                               " is dynamic but no dynamic operand dim gives its size (operand ",
                               *in, ", result ", result, "; give it with `sizes(...)`)");
  return result;
}

FailureOr<SmallVector<int64_t>> numpyBroadcastDims(ArrayRef<int64_t> operandShape,
                                                   ArrayRef<int64_t> resultShape,
                                                   std::optional<Location> loc) {
  if (operandShape.size() > resultShape.size()) {
    (void)emitOptionalError(loc, "'grad.broadcast' op cannot broadcast shape ", fmt(operandShape),
                            " to the lower-rank shape ", fmt(resultShape));
    return failure();
  }
  int64_t offset = resultShape.size() - operandShape.size();
  SmallVector<int64_t> dims;
  for (auto [i, size] : llvm::enumerate(operandShape)) {
    int64_t d = offset + i;
    if (size != 1 && size != resultShape[d]) {
      (void)emitOptionalError(loc, "'grad.broadcast' op shape ", fmt(operandShape),
                              " is not broadcastable to ", fmt(resultShape));
      return failure();
    }
    dims.push_back(d);
  }
  return dims;
}

FailureOr<RankedTensorType> inferReshapeType(Type operand, ArrayRef<int64_t> resultShape,
                                             std::optional<Location> loc) {
  auto ranked = rankedOperand("grad.reshape", "operand", operand, loc);
  if (failed(ranked))
    return failure();
  if (!ranked->hasStaticShape() || llvm::any_of(resultShape, ShapedType::isDynamic)) {
    // Dynamic dims stay in place: the reshape only inserts or removes dims of static size 1.
    auto squeeze = [](ArrayRef<int64_t> shape) {
      SmallVector<int64_t> kept;
      for (int64_t d : shape)
        if (d != 1)
          kept.push_back(d);
      return kept;
    };
    if (squeeze(ranked->getShape()) != squeeze(resultShape))
      return emitOptionalError(loc, "'grad.reshape' op with dynamic dims only inserts or removes "
                                    "dims of size 1 (the other dims stay in order): operand ",
                               *ranked, ", result shape ", fmt(resultShape));
    return RankedTensorType::get(resultShape, ranked->getElementType());
  }
  auto in = staticOperand("grad.reshape", "operand", operand, loc);
  if (failed(in))
    return failure();
  int64_t numel = 1;
  for (int64_t d : resultShape) {
    if (d < 0)
      return emitOptionalError(loc, "'grad.reshape' op result shape ", fmt(resultShape),
                               " must be static and non-negative");
    numel *= d;
  }
  if (numel != in->getNumElements())
    return emitOptionalError(loc, "'grad.reshape' op cannot reshape ", *in, " (",
                             in->getNumElements(), " elements) into shape ", fmt(resultShape),
                             " (", numel, " elements)");
  return RankedTensorType::get(resultShape, in->getElementType());
}

FailureOr<RankedTensorType> inferTransposeType(Type operand, ArrayRef<int64_t> perm,
                                               std::optional<Location> loc) {
  auto in = rankedOperand("grad.transpose", "operand", operand, loc);
  if (failed(in))
    return failure();
  int64_t rank = in->getRank();
  SmallVector<bool> seen(rank, false);
  bool ok = static_cast<int64_t>(perm.size()) == rank;
  for (int64_t p : perm) {
    if (!ok || p < 0 || p >= rank || seen[p]) {
      ok = false;
      break;
    }
    seen[p] = true;
  }
  if (!ok)
    return emitOptionalError(loc, "'grad.transpose' op perm ", fmt(perm),
                             " is not a permutation of [0, ", rank, ") for the operand ", *in);
  SmallVector<int64_t> shape;
  for (int64_t p : perm)
    shape.push_back(in->getDimSize(p));
  return RankedTensorType::get(shape, in->getElementType());
}

FailureOr<RankedTensorType> inferSliceType(Type operand, ArrayRef<int64_t> starts,
                                           ArrayRef<int64_t> limits, ArrayRef<int64_t> strides,
                                           std::optional<Location> loc) {
  auto in = staticOperand("grad.slice", "operand", operand, loc);
  if (failed(in))
    return failure();
  size_t rank = in->getRank();
  if (starts.size() != rank || limits.size() != rank || strides.size() != rank)
    return emitOptionalError(loc, "'grad.slice' op starts ", fmt(starts), ", limits ",
                             fmt(limits), " and strides ", fmt(strides),
                             " must each have one entry per dim of the operand ", *in);
  SmallVector<int64_t> shape;
  for (size_t d = 0; d < rank; ++d) {
    int64_t size = in->getDimSize(d);
    if (strides[d] <= 0)
      return emitOptionalError(loc, "'grad.slice' op stride ", strides[d], " of dim ", d,
                               " must be positive");
    if (starts[d] < 0 || starts[d] > limits[d] || limits[d] > size)
      return emitOptionalError(loc, "'grad.slice' op dim ", d, ": [", starts[d], ", ", limits[d],
                               ") is out of bounds for size ", size, " of the operand ", *in);
    shape.push_back((limits[d] - starts[d] + strides[d] - 1) / strides[d]);
  }
  return RankedTensorType::get(shape, in->getElementType());
}

FailureOr<RankedTensorType> inferConcatType(TypeRange inputs, int64_t axis,
                                            std::optional<Location> loc) {
  if (inputs.empty())
    return emitOptionalError(loc, "'grad.concat' op needs at least one input");
  auto first = staticOperand("grad.concat", "input #0", inputs[0], loc);
  if (failed(first))
    return failure();
  int64_t rank = first->getRank();
  if (axis < 0 || axis >= rank)
    return emitOptionalError(loc, "'grad.concat' op axis ", axis,
                             " is out of range for inputs of rank ", rank);
  SmallVector<int64_t> shape(first->getShape());
  for (auto [i, t] : llvm::enumerate(inputs.drop_front())) {
    auto in = staticOperand("grad.concat", "input", t, loc);
    if (failed(in))
      return failure();
    bool ok = in->getRank() == rank && in->getElementType() == first->getElementType();
    for (int64_t d = 0; ok && d < rank; ++d)
      ok = d == axis || in->getDimSize(d) == shape[d];
    if (!ok)
      return emitOptionalError(loc, "'grad.concat' op input #", i + 1, " of type ", *in,
                               " does not match input #0 of type ", *first,
                               " outside axis ", axis);
    shape[axis] += in->getDimSize(axis);
  }
  return RankedTensorType::get(shape, first->getElementType());
}

FailureOr<RankedTensorType> inferGatherType(Type table, Type indices,
                                            std::optional<Location> loc) {
  auto t = rankedOperand("grad.gather", "table", table, loc);
  auto i = rankedOperand("grad.gather", "indices", indices, loc);
  if (failed(t) || failed(i))
    return failure();
  if (t->getRank() < 1)
    return emitOptionalError(loc, "'grad.gather' op table must have rank >= 1, got ", *t);
  if (!i->getElementType().isSignlessInteger(64))
    return emitOptionalError(loc, "'grad.gather' op indices must be i64, got ", *i);
  SmallVector<int64_t> shape(i->getShape());
  llvm::append_range(shape, t->getShape().drop_front());
  return RankedTensorType::get(shape, t->getElementType());
}

FailureOr<RankedTensorType> inferConvertType(Type operand, Type elementType,
                                             std::optional<Location> loc) {
  auto in = rankedOperand("grad.convert", "operand", operand, loc);
  if (failed(in))
    return failure();
  if (!isGradElementType(elementType))
    return emitOptionalError(loc, "'grad.convert' op target element type ", elementType,
                             " is not one of f32, f64, i64, i1");
  return RankedTensorType::get(in->getShape(), elementType);
}

FailureOr<RankedTensorType> inferReduceType(StringRef opName, Type operand,
                                            ArrayRef<int64_t> axes, bool keepdim,
                                            std::optional<Location> loc) {
  auto in = rankedOperand(opName, "operand", operand, loc);
  if (failed(in))
    return failure();
  int64_t rank = in->getRank();
  if (axes.empty() && rank > 0)
    return emitOptionalError(loc, "'", opName, "' op axes must name the reduced dims of the "
                             "operand ", *in, " (an empty list would reduce nothing, while the "
                             "eager API reads it as all dims)");
  SmallVector<bool> reduced(rank, false);
  for (int64_t a : axes) {
    if (a < 0 || a >= rank)
      return emitOptionalError(loc, "'", opName, "' op axis ", a, " in axes ", fmt(axes),
                               " is out of range for the operand ", *in, " of rank ", rank);
    if (reduced[a])
      return emitOptionalError(loc, "'", opName, "' op axis ", a, " appears twice in axes ",
                               fmt(axes));
    reduced[a] = true;
  }
  SmallVector<int64_t> shape;
  for (int64_t d = 0; d < rank; ++d) {
    if (!reduced[d])
      shape.push_back(in->getDimSize(d));
    else if (keepdim)
      shape.push_back(1);
  }
  return RankedTensorType::get(shape, in->getElementType());
}

FailureOr<RankedTensorType> inferMatmulType(Type lhs, Type rhs, std::optional<Location> loc) {
  auto a = rankedOperand("grad.matmul", "lhs", lhs, loc);
  auto b = rankedOperand("grad.matmul", "rhs", rhs, loc);
  if (failed(a) || failed(b))
    return failure();
  if (a->getElementType() != b->getElementType())
    return emitOptionalError(loc, "'grad.matmul' op element types differ: lhs ", *a, ", rhs ",
                             *b);
  int64_t rank = a->getRank();
  if (rank < 2 || b->getRank() != rank)
    return emitOptionalError(loc, "'grad.matmul' op needs operands of equal rank >= 2, got lhs ",
                             *a, " and rhs ", *b);
  ArrayRef<int64_t> as = a->getShape(), bs = b->getShape();
  SmallVector<int64_t> shape;
  for (int64_t d = 0; d + 2 < rank; ++d) {
    if (!compatible(as[d], bs[d]))
      return emitOptionalError(loc, "'grad.matmul' op batch dims differ: lhs ", *a, ", rhs ", *b);
    shape.push_back(meet(as[d], bs[d]));
  }
  if (!compatible(as[rank - 1], bs[rank - 2]))
    return emitOptionalError(loc, "'grad.matmul' op inner dims differ: lhs ", *a, " has k = ",
                             as[rank - 1], ", rhs ", *b, " has k = ", bs[rank - 2]);
  shape.push_back(as[rank - 2]);
  shape.push_back(bs[rank - 1]);
  return RankedTensorType::get(shape, a->getElementType());
}

} // namespace grad
