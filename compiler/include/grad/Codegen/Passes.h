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

/// Whether `op` is a matmul the BLAS lowering turns into a gemm call: linalg.matmul,
/// matmul_transpose_a or matmul_transpose_b on f32 or f64 (shape checks come on buffers).
bool isBlasMatmulCandidate(mlir::Operation *op);

} // namespace grad

#endif // GRAD_CODEGEN_PASSES_H
