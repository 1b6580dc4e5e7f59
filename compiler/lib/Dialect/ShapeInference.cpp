//===- ShapeInference.cpp - result types of grad ops -----------------------===//
//
// Shape and dtype rules of the grad ops (see ShapeInference.h). Every failure emits one
// diagnostic that names the op, the offending operand or attribute, and the types involved.
// The shapes of the irregular ops come from grad/shape_rules.h, the header-only rules that the
// eager engine uses too (this library includes it and links no eager code): here they read
// the operand types' dims, where mlir::ShapedType::kDynamic is shape_rules::kDynamic.
//
//===----------------------------------------------------------------------===//

#include "grad/Dialect/ShapeInference.h"

#include "grad/shape_rules.h"

#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/Dialect.h"
#include "mlir/IR/Operation.h"
#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/SmallVector.h"

using namespace mlir;

static_assert(grad::shape_rules::kDynamic == ShapedType::kDynamic,
              "shape_rules::kDynamic must be MLIR's dynamic size");

namespace grad {
namespace {

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

/// The type a shape rule (grad/shape_rules.h) gives, or its message as the op's diagnostic.
FailureOr<RankedTensorType> ruleType(StringRef opName, shape_rules::Result rule, Type element,
                                     std::optional<Location> loc) {
  if (!rule.ok())
    return emitOptionalError(loc, "'", opName, "' op ", rule.error);
  return RankedTensorType::get(rule.dims, element);
}

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
    return emitOptionalError(loc, "'grad.select' op condition shape ",
                             shape_rules::str(cond->getShape()), " differs from the branch shape ",
                             shape_rules::str(branches->getShape()), " (condition ", *cond,
                             ", branches ", *branches, ")");
  return *branches;
}

FailureOr<RankedTensorType> inferBroadcastType(Type operand, ArrayRef<int64_t> dims,
                                               ArrayRef<int64_t> resultShape,
                                               std::optional<Location> loc, size_t numSizes) {
  auto in = rankedOperand("grad.broadcast", "operand", operand, loc);
  if (failed(in))
    return failure();
  return ruleType("grad.broadcast",
                  shape_rules::broadcast(in->getShape(), dims, resultShape, numSizes),
                  in->getElementType(), loc);
}

FailureOr<SmallVector<int64_t>> numpyBroadcastDims(ArrayRef<int64_t> operandShape,
                                                   ArrayRef<int64_t> resultShape,
                                                   std::optional<Location> loc) {
  shape_rules::Result r = shape_rules::numpy_broadcast_dims(operandShape, resultShape);
  if (!r.ok()) {
    (void)emitOptionalError(loc, "'grad.broadcast' op ", r.error);
    return failure();
  }
  return SmallVector<int64_t>(r.dims.begin(), r.dims.end());
}

FailureOr<RankedTensorType> inferReshapeType(Type operand, ArrayRef<int64_t> resultShape,
                                             std::optional<Location> loc, unsigned numSizes) {
  auto in = rankedOperand("grad.reshape", "operand", operand, loc);
  if (failed(in))
    return failure();
  return ruleType("grad.reshape", shape_rules::reshape(in->getShape(), resultShape, numSizes),
                  in->getElementType(), loc);
}

FailureOr<RankedTensorType> inferTransposeType(Type operand, ArrayRef<int64_t> perm,
                                               std::optional<Location> loc) {
  auto in = rankedOperand("grad.transpose", "operand", operand, loc);
  if (failed(in))
    return failure();
  return ruleType("grad.transpose", shape_rules::transpose(in->getShape(), perm),
                  in->getElementType(), loc);
}

FailureOr<RankedTensorType> inferSliceType(Type operand, ArrayRef<int64_t> starts,
                                           ArrayRef<int64_t> limits, ArrayRef<int64_t> strides,
                                           std::optional<Location> loc) {
  auto in = rankedOperand("grad.slice", "operand", operand, loc);
  if (failed(in))
    return failure();
  return ruleType("grad.slice", shape_rules::slice(in->getShape(), starts, limits, strides),
                  in->getElementType(), loc);
}

FailureOr<RankedTensorType> inferConcatType(TypeRange inputs, int64_t axis,
                                            std::optional<Location> loc) {
  SmallVector<shape_rules::Dims> shapes;
  Type element;
  for (auto [i, t] : llvm::enumerate(inputs)) {
    auto in = rankedOperand("grad.concat", "input #" + std::to_string(i), t, loc);
    if (failed(in))
      return failure();
    if (i == 0)
      element = in->getElementType();
    else if (in->getElementType() != element)
      return emitOptionalError(loc, "'grad.concat' op input #", i, " of type ", *in,
                               " has another element type than input #0 of type ", inputs[0]);
    shapes.push_back(in->getShape());
  }
  return ruleType("grad.concat", shape_rules::concat(shapes, axis), element, loc);
}

FailureOr<RankedTensorType> inferGatherType(Type table, Type indices,
                                            std::optional<Location> loc) {
  auto t = rankedOperand("grad.gather", "table", table, loc);
  auto i = rankedOperand("grad.gather", "indices", indices, loc);
  if (failed(t) || failed(i))
    return failure();
  if (!i->getElementType().isSignlessInteger(64))
    return emitOptionalError(loc, "'grad.gather' op indices must be i64, got ", *i);
  return ruleType("grad.gather", shape_rules::gather(t->getShape(), i->getShape()),
                  t->getElementType(), loc);
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
  return ruleType(opName, shape_rules::reduce(in->getShape(), axes, keepdim), in->getElementType(),
                  loc);
}

FailureOr<RankedTensorType> inferMatmulType(Type lhs, Type rhs, std::optional<Location> loc) {
  auto a = rankedOperand("grad.matmul", "lhs", lhs, loc);
  auto b = rankedOperand("grad.matmul", "rhs", rhs, loc);
  if (failed(a) || failed(b))
    return failure();
  if (a->getElementType() != b->getElementType())
    return emitOptionalError(loc, "'grad.matmul' op element types differ: lhs ", *a, ", rhs ",
                             *b);
  return ruleType("grad.matmul", shape_rules::matmul(a->getShape(), b->getShape()),
                  a->getElementType(), loc);
}

} // namespace grad
