//===- ShapeInference.h - result types of grad ops --------------*- C++ -*-===//
//
// The shape and dtype rule of each grad op as a free function: the op verifiers, the
// InferTypeOpInterface builders (`builder.create<SumOp>(loc, x, axes, keepdim)`) and the tracer
// all call these. Each returns the result type, or emits a diagnostic at `loc` (when given)
// naming the op, the operands and their types, and returns failure.
//
//===----------------------------------------------------------------------===//

#ifndef GRAD_DIALECT_SHAPEINFERENCE_H
#define GRAD_DIALECT_SHAPEINFERENCE_H

#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/Location.h"
#include "mlir/IR/TypeRange.h"
#include "mlir/Support/LogicalResult.h"

#include <optional>

namespace grad {

// Note [Dynamic dims]
// ~~~~~~~~~~~~~~~~~~~
// grad ops take ranked tensors whose dims may be dynamic (`tensor<?x64xf32>`, sizes known only at
// run time; issue 14). So far the shape rules below (their shapes come from grad/shape_rules.h,
// shared with eager, where kDynamic is a `?` dim) and the reference interpreter handle them:
//  - elementwise ops, cmp, select, convert: operands of one type, `?` included; at run time
//    the interpreter checks that the dynamic sizes agree (the eager kernels would broadcast);
//  - grad.broadcast: a dynamic operand dim maps to a dynamic result dim (which takes its size)
//    or to a static one (it must then be 1 or that size at run time); a dynamic result dim needs
//    a dynamic operand dim that gives its size, or the op lists `sizes` (index values, one per
//    dynamic result dim, e.g. from tensor.dim), as a bias added to a batch of run-time size does;
//  - matmul: batch and inner dims compatible (equal, or one dynamic: checked at run time);
//  - reductions, transpose, gather: dynamic dims carry through;
//  - reshape: `?` dims stay in place, or merge and split with `sizes` operands;
//  - slice: along a `?` operand dim a static limit gives a static size (limit <= size at run
//    time), and the limit `?` (kDynamic) runs to the operand's end (a `?` result dim);
//  - concat: `?` dims outside the axis agree at run time; a `?` piece makes the axis `?`.
// Every pass and code generator that needs sizes calls checkStaticShapes first, which names the
// first op with a dynamic type: a diagnostic, never a crash on a `?` size.

/// Emits "'<op>' op has dynamic dims (<type>); <consumer> needs static shapes" at the first grad
/// op under `root` with a dynamic operand or result type, and fails; succeeds if none.
mlir::LogicalResult checkStaticShapes(mlir::Operation *root, llvm::StringRef consumer);

/// Unary and binary elementwise ops (`opName` as "grad.add"): all operands of one type.
mlir::FailureOr<mlir::RankedTensorType> inferElementwiseType(llvm::StringRef opName,
                                                             mlir::TypeRange operands,
                                                             std::optional<mlir::Location> loc);

/// grad.cmp: same-typed operands -> i1 tensor of their shape.
mlir::FailureOr<mlir::RankedTensorType> inferCmpType(mlir::Type lhs, mlir::Type rhs,
                                                     std::optional<mlir::Location> loc);

/// grad.select: i1 condition, same-typed branches, all of one shape -> the branch type.
mlir::FailureOr<mlir::RankedTensorType> inferSelectType(mlir::Type condition, mlir::Type onTrue,
                                                        mlir::Type onFalse,
                                                        std::optional<mlir::Location> loc);

/// grad.broadcast of `operand` into `resultShape` along `dims` (operand dim i -> result dim
/// dims[i]; strictly increasing; each operand dim 1 or equal to the result dim). `numSizes`:
/// the number of `sizes` operands (0, or one per dynamic result dim).
mlir::FailureOr<mlir::RankedTensorType>
inferBroadcastType(mlir::Type operand, llvm::ArrayRef<int64_t> dims,
                   llvm::ArrayRef<int64_t> resultShape, std::optional<mlir::Location> loc,
                   size_t numSizes = 0);

/// The `dims` of a numpy-style broadcast of `operandShape` into `resultShape` (trailing dims
/// aligned), or failure with a diagnostic if the shapes are not broadcastable.
mlir::FailureOr<llvm::SmallVector<int64_t>>
numpyBroadcastDims(llvm::ArrayRef<int64_t> operandShape, llvm::ArrayRef<int64_t> resultShape,
                   std::optional<mlir::Location> loc);

/// grad.reshape of `operand` into `resultShape` (same number of elements). `numSizes`: the
/// number of `sizes` operands (one per dynamic result dim; then `?` dims may be merged and
/// split, the element counts are compared at run time).
mlir::FailureOr<mlir::RankedTensorType> inferReshapeType(mlir::Type operand,
                                                         llvm::ArrayRef<int64_t> resultShape,
                                                         std::optional<mlir::Location> loc,
                                                         unsigned numSizes = 0);

/// grad.transpose: `perm` a permutation of [0, rank); result dim i = operand dim perm[i].
mlir::FailureOr<mlir::RankedTensorType> inferTransposeType(mlir::Type operand,
                                                           llvm::ArrayRef<int64_t> perm,
                                                           std::optional<mlir::Location> loc);

/// grad.slice: per dim 0 <= start <= limit <= size, stride > 0.
mlir::FailureOr<mlir::RankedTensorType>
inferSliceType(mlir::Type operand, llvm::ArrayRef<int64_t> starts, llvm::ArrayRef<int64_t> limits,
               llvm::ArrayRef<int64_t> strides, std::optional<mlir::Location> loc);

/// grad.concat along `axis` (in [0, rank)).
mlir::FailureOr<mlir::RankedTensorType> inferConcatType(mlir::TypeRange inputs, int64_t axis,
                                                        std::optional<mlir::Location> loc);

/// grad.gather: table [V, D...], i64 indices [N...] -> [N..., D...].
mlir::FailureOr<mlir::RankedTensorType> inferGatherType(mlir::Type table, mlir::Type indices,
                                                        std::optional<mlir::Location> loc);

/// grad.convert: same shape, `elementType` (f32, f64, i64 or i1).
mlir::FailureOr<mlir::RankedTensorType> inferConvertType(mlir::Type operand,
                                                         mlir::Type elementType,
                                                         std::optional<mlir::Location> loc);

/// grad.sum / grad.mean / grad.max (`opName` as "grad.sum"): `axes` unique and in [0, rank).
mlir::FailureOr<mlir::RankedTensorType> inferReduceType(llvm::StringRef opName,
                                                        mlir::Type operand,
                                                        llvm::ArrayRef<int64_t> axes,
                                                        bool keepdim,
                                                        std::optional<mlir::Location> loc);

/// grad.matmul: [m,k]x[k,n] -> [m,n], or [b...,m,k]x[b...,k,n] -> [b...,m,n].
mlir::FailureOr<mlir::RankedTensorType> inferMatmulType(mlir::Type lhs, mlir::Type rhs,
                                                        std::optional<mlir::Location> loc);

} // namespace grad

#endif // GRAD_DIALECT_SHAPEINFERENCE_H
