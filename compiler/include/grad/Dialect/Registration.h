//===- Registration.h - dialects the grad tools load ------------*- C++ -*-===//
//
// One place that lists the dialects grad's tools and pipelines use, so that grad-opt, gradc and
// the JIT agree on them.
//
//===----------------------------------------------------------------------===//

#ifndef GRAD_DIALECT_REGISTRATION_H
#define GRAD_DIALECT_REGISTRATION_H

namespace mlir {
class DialectRegistry;
} // namespace mlir

namespace grad {

/// Registers the grad dialect and the upstream dialects our pipelines produce or consume
/// (func, arith, tensor, linalg, bufferization, scf, memref, math, vector, llvm, gpu, nvvm, ...),
/// with the external interface models that bufferization and lowering need.
void registerGradDialects(mlir::DialectRegistry &registry);

} // namespace grad

#endif // GRAD_DIALECT_REGISTRATION_H
