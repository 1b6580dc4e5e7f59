//===- ConversionUtils.h - helpers of the grad -> linalg patterns -*- C++ -*-===//
//
// Shared by the pattern files of --grad-lower-to-linalg (private to lib/Conversion).
//
//===----------------------------------------------------------------------===//

#ifndef GRAD_LIB_CONVERSION_CONVERSIONUTILS_H
#define GRAD_LIB_CONVERSION_CONVERSIONUTILS_H

#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/PatternMatch.h"
#include "llvm/ADT/STLFunctionalExtras.h"

namespace grad {

/// Computes one scalar result from the scalar inputs inside a linalg body.
using ScalarBodyFn =
    llvm::function_ref<mlir::Value(mlir::OpBuilder &, mlir::Location, mlir::ValueRange)>;

/// tensor.empty of `type`; each dynamic dim d gets the size `size(d)` (an `index` value, e.g. a
/// tensor.dim of an operand). Static types need no `size`.
mlir::Value emptyTensor(mlir::OpBuilder &b, mlir::Location loc, mlir::RankedTensorType type,
                        llvm::function_ref<mlir::Value(int64_t)> size = nullptr);

/// `tensor.dim %value, d`.
mlir::Value dimOf(mlir::OpBuilder &b, mlir::Location loc, mlir::Value value, int64_t d);

/// tensor.empty + an all-parallel linalg.generic with identity maps whose body
/// yields `body(inputs...)`. Dynamic dims take their sizes from inputs[0] (all inputs have the
/// result's shape).
mlir::Value buildElementwise(mlir::OpBuilder &b, mlir::Location loc,
                             mlir::RankedTensorType resultType, mlir::ValueRange inputs,
                             ScalarBodyFn body);

/// An arith.constant of scalar `type` (float or integer) with `value`.
mlir::Value scalarConstant(mlir::OpBuilder &b, mlir::Location loc, mlir::Type type, double value);

/// Patterns of ElementwiseToLinalg.cpp (unary, binary, cmp, select, convert).
void populateElementwiseToLinalgPatterns(mlir::RewritePatternSet &patterns);

/// Patterns of StructuredToLinalg.cpp (constant, shape ops, reductions, matmul, gather).
void populateStructuredToLinalgPatterns(mlir::RewritePatternSet &patterns);
/// grad.all_reduce -> a call into libgradrt_mpi on a private buffer (CollectivesToCalls.cpp).
void populateCollectivesToCallsPatterns(mlir::RewritePatternSet &patterns);

} // namespace grad

#endif // GRAD_LIB_CONVERSION_CONVERSIONUTILS_H
