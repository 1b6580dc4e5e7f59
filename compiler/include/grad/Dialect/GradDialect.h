//===- GradDialect.h - the grad dialect and its ops -------------*- C++ -*-===//
//
// Include this to use the grad dialect: the dialect class `grad::GradDialect` and the op classes
// `grad::AddOp`, `grad::SumOp`, ... generated from GradOps.td.
//
//===----------------------------------------------------------------------===//

#ifndef GRAD_DIALECT_GRADDIALECT_H
#define GRAD_DIALECT_GRADDIALECT_H

#include "mlir/Bytecode/BytecodeOpInterface.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/Dialect.h"
#include "mlir/IR/OpDefinition.h"
#include "mlir/IR/OpImplementation.h"
#include "mlir/Interfaces/ControlFlowInterfaces.h"
#include "mlir/Interfaces/InferTypeOpInterface.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"

#include <optional>

namespace grad {

/// Predicates of grad.cmp; the attribute spells them "lt", "le", "gt", "ge", "eq".
enum class CmpKind { lt, le, gt, ge, eq };
/// Parses a grad.cmp predicate spelling; nullopt for anything else.
std::optional<CmpKind> parseCmpKind(llvm::StringRef spelling);
/// The spelling of a grad.cmp predicate.
llvm::StringRef stringifyCmpKind(CmpKind kind);

namespace OpTrait {
namespace impl {
mlir::LogicalResult verifySameOperandTypes(mlir::Operation *op);
} // namespace impl

/// All operands have one type; the diagnostic names the op and both differing types.
template <typename ConcreteType>
class SameOperandTypes : public mlir::OpTrait::TraitBase<ConcreteType, SameOperandTypes> {
public:
  static mlir::LogicalResult verifyTrait(mlir::Operation *op) {
    return impl::verifySameOperandTypes(op);
  }
};
} // namespace OpTrait

} // namespace grad

#include "grad/Dialect/GradDialect.h.inc"

#define GET_OP_CLASSES
#include "grad/Dialect/GradOps.h.inc"

#endif // GRAD_DIALECT_GRADDIALECT_H
