//===- OpTableBridge.h - grad dialect ops <-> the eager op table -*- C++ -*-===//
//
// The one mapping between the eager op table (grad::OpKind + grad::OpAttrs, op_table.h) and the
// grad dialect ops. The tracer and the autodiff pass build ops through buildGradOp; the
// interpreter, the --grad-fold pass and autodiff read them back through decodeGradOp. Also the
// value conversions DType <-> MLIR element type and Tensor <-> DenseElementsAttr.
//
// Exceptions thrown by eager code are caught inside these functions and reported as MLIR
// diagnostics: callers get failure() / nullopt, never an exception through an MLIR frame.
//
//===----------------------------------------------------------------------===//

#ifndef GRAD_BRIDGE_OPTABLEBRIDGE_H
#define GRAD_BRIDGE_OPTABLEBRIDGE_H

#include "grad/op_table.h"
#include "grad/tensor.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/Operation.h"

#include <optional>
#include <utility>

namespace grad {

/// MLIR element type of a dtype: f32, f64, i64, i1 (for b8).
mlir::Type elementTypeFromDType(mlir::MLIRContext *ctx, DType dtype);
/// DType of an MLIR element type (i1 -> b8); failure for anything else.
mlir::FailureOr<DType> dtypeFromElementType(mlir::Type type);
/// `tensor<shape x element type>`.
mlir::RankedTensorType tensorTypeFor(mlir::MLIRContext *ctx, const Shape &shape, DType dtype);

/// Copies a concrete tensor (any strides) into a DenseElementsAttr of `type`, which must have the
/// tensor's shape and dtype. Fails (with a diagnostic at an unknown location) for symbolic or
/// undefined tensors or on a type mismatch.
mlir::FailureOr<mlir::DenseElementsAttr> tensorToDenseAttr(const Tensor &tensor,
                                                           mlir::RankedTensorType type);
/// As above with the type derived from the tensor.
mlir::FailureOr<mlir::DenseElementsAttr> tensorToDenseAttr(mlir::MLIRContext *ctx,
                                                           const Tensor &tensor);
/// A new contiguous tensor holding the attribute's elements (splats expanded). Fails for
/// element types other than f32, f64, i64, i1.
mlir::FailureOr<Tensor> denseAttrToTensor(mlir::DenseElementsAttr attr);

/// Builds the grad dialect op of `kind` on `operands` with `attrs` (the fields the op uses; see
/// OpAttrs), computing the result type with the shape rules of ShapeInference.h. Reduction axes
/// may be negative or empty (= all axes), as in the eager API; Concat's axis may be negative.
/// On bad input emits a diagnostic at `loc` naming the op and the operand types, creates
/// nothing, and returns failure.
mlir::FailureOr<mlir::Value> buildGradOp(mlir::OpBuilder &builder, mlir::Location loc,
                                         OpKind kind, mlir::ValueRange operands,
                                         const OpAttrs &attrs);

/// The op-table view of a grad dialect op: its OpKind and the OpAttrs fields it uses (reduction
/// axes sorted; Broadcast/Reshape `shape` = result shape; Convert `dtype` = result dtype;
/// Constant `value` = a concrete tensor). nullopt for ops outside the op table (grad.fusion,
/// grad.yield, other dialects).
std::optional<std::pair<OpKind, OpAttrs>> decodeGradOp(mlir::Operation *op);

} // namespace grad

#endif // GRAD_BRIDGE_OPTABLEBRIDGE_H
