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

} // namespace grad

#endif // GRAD_CODEGEN_PASSES_H
