//===- GradDialect.cpp - the grad dialect ----------------------------------===//
//
// Dialect registration, the constant materializer used by fold(), the SameOperandTypes trait and
// the grad.cmp predicate spellings.
//
//===----------------------------------------------------------------------===//

#include "grad/Dialect/GradDialect.h"

#include "grad/Dialect/ShapeInference.h"

#include "mlir/IR/Builders.h"
#include "llvm/ADT/StringSwitch.h"

using namespace mlir;

#include "grad/Dialect/GradDialect.cpp.inc"

namespace grad {

void GradDialect::initialize() {
  addOperations<
#define GET_OP_LIST
#include "grad/Dialect/GradOps.cpp.inc"
      >();
}

Operation *GradDialect::materializeConstant(OpBuilder &builder, Attribute value, Type type,
                                            Location loc) {
  auto dense = dyn_cast<DenseElementsAttr>(value);
  if (!dense || dense.getType() != type)
    return nullptr;
  return builder.create<ConstantOp>(loc, type, dense);
}

std::optional<CmpKind> parseCmpKind(StringRef spelling) {
  return llvm::StringSwitch<std::optional<CmpKind>>(spelling)
      .Case("lt", CmpKind::lt)
      .Case("le", CmpKind::le)
      .Case("gt", CmpKind::gt)
      .Case("ge", CmpKind::ge)
      .Case("eq", CmpKind::eq)
      .Default(std::nullopt);
}

StringRef stringifyCmpKind(CmpKind kind) {
  switch (kind) {
  case CmpKind::lt:
    return "lt";
  case CmpKind::le:
    return "le";
  case CmpKind::gt:
    return "gt";
  case CmpKind::ge:
    return "ge";
  case CmpKind::eq:
    return "eq";
  }
  llvm_unreachable("unknown CmpKind");
}

LogicalResult OpTrait::impl::verifySameOperandTypes(Operation *op) {
  if (op->getNumOperands() < 2)
    return success();
  Type first = op->getOperand(0).getType();
  for (unsigned i = 1, e = op->getNumOperands(); i < e; ++i) {
    Type t = op->getOperand(i).getType();
    if (t != first)
      return op->emitOpError() << "operand #" << i << " has type " << t
                               << " but operand #0 has type " << first
                               << " (operands need one shape and element type; broadcast "
                                  "explicitly with grad.broadcast, convert with grad.convert)";
  }
  return success();
}

} // namespace grad
