//===- Passes.h - grad code generation passes -------------------*- C++ -*-===//
//
// Declarations of the passes in Passes.td (tiling + vectorization, vector and
// math lowering, copy lowering) and their registration for grad-opt.
//
//===----------------------------------------------------------------------===//

#ifndef GRAD_CODEGEN_PASSES_H
#define GRAD_CODEGEN_PASSES_H

#include "mlir/Pass/Pass.h"

#include <memory>

namespace mlir::func {
class FuncOp;
} // namespace mlir::func

namespace grad {

#define GEN_PASS_DECL
#include "grad/Codegen/Passes.h.inc"

#define GEN_PASS_REGISTRATION
#include "grad/Codegen/Passes.h.inc"

/// Whether `op` is a contraction grad-matmul-to-blas turns into gemm calls: a linalg op with a
/// mul-add body on static f32/f64 operands, one M, N and K loop (the rest batch loops), each
/// operand unit-stride in one of its matrix dims. On tensors the strides are those of a fresh
/// row-major buffer, on memrefs their own.
bool isBlasMatmulCandidate(mlir::Operation *op);

} // namespace grad

#endif // GRAD_CODEGEN_PASSES_H
