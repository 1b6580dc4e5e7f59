//===- GradOps.cpp - grad op verifiers and result type inference -----------===//
//
// The C++ half of GradOps.td: inferReturnTypes (through ShapeInference.h) and the verifiers of
// the ops whose result type is not implied by operands and attributes. Folders live in
// GradOpFolders.cpp, canonicalization patterns in GradCanonicalize.cpp.
//
//===----------------------------------------------------------------------===//

#include "grad/Dialect/GradDialect.h"

#include "grad/Dialect/ShapeInference.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/OpImplementation.h"
#include "llvm/ADT/StringSwitch.h"

using namespace mlir;

namespace grad {

namespace {
/// Pushes the inferred type, or propagates the failure (the diagnostic is already emitted).
LogicalResult pushInferred(FailureOr<RankedTensorType> type, SmallVectorImpl<Type> &out) {
  if (failed(type))
    return failure();
  out.push_back(*type);
  return success();
}

/// Verifies that `op`'s declared result type equals the one the shape rule gives.
LogicalResult verifyResultType(Operation *op, FailureOr<RankedTensorType> expected) {
  if (failed(expected))
    return failure();
  Type actual = op->getResult(0).getType();
  if (actual != *expected)
    return op->emitOpError() << "result type " << actual << " differs from the expected "
                             << *expected;
  return success();
}
} // namespace

//===----------------------------------------------------------------------===//
// Ops with inferred result types
//===----------------------------------------------------------------------===//

LogicalResult CmpOp::inferReturnTypes(MLIRContext *, std::optional<Location> loc,
                                      Adaptor adaptor, SmallVectorImpl<Type> &out) {
  StringAttr predicate = adaptor.getPredicateAttr();
  if (!predicate || !parseCmpKind(predicate.getValue()))
    return emitOptionalError(loc, "'grad.cmp' op predicate ", predicate,
                             " is not one of \"lt\", \"le\", \"gt\", \"ge\", \"eq\"");
  return pushInferred(
      inferCmpType(adaptor.getLhs().getType(), adaptor.getRhs().getType(), loc), out);
}

LogicalResult TransposeOp::inferReturnTypes(MLIRContext *, std::optional<Location> loc,
                                            Adaptor adaptor, SmallVectorImpl<Type> &out) {
  if (!adaptor.getPermAttr())
    return emitOptionalError(loc, "'grad.transpose' op requires attribute 'perm'");
  return pushInferred(
      inferTransposeType(adaptor.getOperand().getType(), adaptor.getPerm(), loc), out);
}

LogicalResult SliceOp::inferReturnTypes(MLIRContext *, std::optional<Location> loc,
                                        Adaptor adaptor, SmallVectorImpl<Type> &out) {
  if (!adaptor.getStartsAttr() || !adaptor.getLimitsAttr() || !adaptor.getStridesAttr())
    return emitOptionalError(loc, "'grad.slice' op requires attributes 'starts', 'limits' and "
                                  "'strides'");
  return pushInferred(inferSliceType(adaptor.getOperand().getType(), adaptor.getStarts(),
                                     adaptor.getLimits(), adaptor.getStrides(), loc),
                      out);
}

LogicalResult ConcatOp::inferReturnTypes(MLIRContext *, std::optional<Location> loc,
                                         Adaptor adaptor, SmallVectorImpl<Type> &out) {
  if (!adaptor.getAxisAttr())
    return emitOptionalError(loc, "'grad.concat' op requires attribute 'axis'");
  return pushInferred(inferConcatType(adaptor.getInputs().getTypes(), adaptor.getAxis(), loc),
                      out);
}

LogicalResult GatherOp::inferReturnTypes(MLIRContext *, std::optional<Location> loc,
                                         Adaptor adaptor, SmallVectorImpl<Type> &out) {
  return pushInferred(
      inferGatherType(adaptor.getTable().getType(), adaptor.getIndices().getType(), loc), out);
}

LogicalResult MatmulOp::inferReturnTypes(MLIRContext *, std::optional<Location> loc,
                                         Adaptor adaptor, SmallVectorImpl<Type> &out) {
  return pushInferred(
      inferMatmulType(adaptor.getLhs().getType(), adaptor.getRhs().getType(), loc), out);
}

namespace {
template <typename ReduceOp>
LogicalResult inferReduce(std::optional<Location> loc, typename ReduceOp::Adaptor adaptor,
                          SmallVectorImpl<Type> &out) {
  StringRef name = ReduceOp::getOperationName();
  if (!adaptor.getAxesAttr())
    return emitOptionalError(loc, "'", name, "' op requires attribute 'axes'");
  return pushInferred(inferReduceType(name, adaptor.getOperand().getType(), adaptor.getAxes(),
                                      adaptor.getKeepdim(), loc),
                      out);
}
} // namespace

LogicalResult SumOp::inferReturnTypes(MLIRContext *, std::optional<Location> loc,
                                      Adaptor adaptor, SmallVectorImpl<Type> &out) {
  return inferReduce<SumOp>(loc, adaptor, out);
}
LogicalResult MeanOp::inferReturnTypes(MLIRContext *, std::optional<Location> loc,
                                       Adaptor adaptor, SmallVectorImpl<Type> &out) {
  return inferReduce<MeanOp>(loc, adaptor, out);
}
LogicalResult MaxOp::inferReturnTypes(MLIRContext *, std::optional<Location> loc,
                                      Adaptor adaptor, SmallVectorImpl<Type> &out) {
  return inferReduce<MaxOp>(loc, adaptor, out);
}

//===----------------------------------------------------------------------===//
// Verifiers
//===----------------------------------------------------------------------===//

LogicalResult SelectOp::verify() {
  return verifyResultType(*this, inferSelectType(getCondition().getType(),
                                                 getOnTrue().getType(),
                                                 getOnFalse().getType(), getLoc()));
}

LogicalResult BroadcastOp::verify() {
  auto result = cast<RankedTensorType>(getType());
  return verifyResultType(
      *this, inferBroadcastType(getOperand().getType(), getDims(), result.getShape(), getLoc(),
                                getSizes().size()));
}

LogicalResult ReshapeOp::verify() {
  auto result = cast<RankedTensorType>(getType());
  auto type =
      inferReshapeType(getOperand().getType(), result.getShape(), getLoc(), getSizes().size());
  if (failed(type))
    return failure();
  if (type->getElementType() != result.getElementType())
    return emitOpError() << "changes the element type: operand " << getOperand().getType()
                         << ", result " << result << " (use grad.convert)";
  return success();
}

LogicalResult ConvertOp::verify() {
  auto result = cast<RankedTensorType>(getType());
  auto operand = cast<RankedTensorType>(getOperand().getType());
  if (operand.getShape() != result.getShape())
    return emitOpError() << "changes the shape: operand " << operand << ", result " << result
                         << " (grad.convert only changes the element type)";
  return success();
}

LogicalResult AllReduceOp::verify() {
  // The dialect's own list (the bridge maps it onto the eager CollectiveOp).
  bool known = llvm::StringSwitch<bool>(getOp()).Cases("sum", "mean", "max", true).Default(false);
  if (!known)
    return emitOpError() << "op must be \"sum\", \"mean\" or \"max\", got \"" << getOp() << "\"";
  return success();
}

LogicalResult FusionOp::verifyRegions() {
  Block &body = getBody().front();
  if (body.getNumArguments() != getInputs().size())
    return emitOpError() << "body has " << body.getNumArguments() << " arguments but the op has "
                         << getInputs().size() << " inputs";
  for (auto [i, input, arg] : llvm::enumerate(getInputs(), body.getArguments()))
    if (input.getType() != arg.getType())
      return emitOpError() << "body argument #" << i << " has type " << arg.getType()
                           << " but input #" << i << " has type " << input.getType();
  auto yield = body.empty() ? YieldOp() : dyn_cast<YieldOp>(body.back());
  if (!yield)
    return emitOpError() << "body must end in grad.yield";
  if (yield.getValues().size() != getNumResults())
    return emitOpError() << "body yields " << yield.getValues().size()
                         << " values but the op has " << getNumResults() << " results";
  for (auto [i, value, result] : llvm::enumerate(yield.getValues(), getResults()))
    if (value.getType() != result.getType())
      return emitOpError() << "yielded value #" << i << " has type " << value.getType()
                           << " but result #" << i << " has type " << result.getType();
  return success();
}

YieldOp FusionOp::getYield() { return cast<YieldOp>(getBody().front().getTerminator()); }

//===----------------------------------------------------------------------===//
// Type constraints
//===----------------------------------------------------------------------===//

/// True if `type` is a ranked tensor whose static dims' element count and byte size (an i1
/// counts one byte, as the runtime stores it) fit in int64: the predicate of Grad_SizedTensorOf.
/// Dynamic dims are checked at run time (the interpreter's tensors have int64 sizes).
bool hasInt64Size(Type type) {
  auto ranked = dyn_cast<RankedTensorType>(type);
  if (!ranked)
    return false;
  Type element = ranked.getElementType();
  int64_t bytes =
      element.isIntOrFloat() ? std::max<int64_t>(1, (element.getIntOrFloatBitWidth() + 7) / 8) : 1;
  for (int64_t d : ranked.getShape()) {
    if (ShapedType::isDynamic(d))
      continue;
    if (d < 0 || __builtin_mul_overflow(bytes, d, &bytes))
      return false;
  }
  return true;
}

} // namespace grad

#define GET_OP_CLASSES
#include "grad/Dialect/GradOps.cpp.inc"
