//===- Tracer.h - Tracing user functions into grad IR -----------*- C++ -*-===//
//
// Internal interface of grad::trace / grad::jit (the public one is grad/jit.h): make a context,
// trace a function into a func.func, clean the result up, run it.
//
//===----------------------------------------------------------------------===//
#pragma once

#include "grad/jit.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/MLIRContext.h"

#include <memory>

namespace grad {

/// A fresh MLIRContext with the dialects of a traced module loaded (grad, func).
std::unique_ptr<mlir::MLIRContext> createTraceContext();

/// Traces `fn` into a new func.func `name` appended to `module`: its arguments are symbolic
/// tensors typed like `inputs`, fn runs under NoGradGuard, concrete tensors it uses become
/// grad.constant. Fills `structure` (see detail::OutputTree). Throws grad::Error (user errors,
/// data-dependent control flow); on a throw, the partial function is erased.
mlir::func::FuncOp traceFunction(mlir::ModuleOp module, llvm::StringRef name,
                                 const detail::FlatFn &fn, const std::vector<Tensor> &inputs,
                                 std::vector<size_t> &structure);

/// Verifies `module` and runs canonicalize + CSE on it; throws grad::Error with the
/// diagnostics if either fails.
void optimizeTracedModule(mlir::ModuleOp module, bool optimize);

/// Installs the symbolic value_and_grad hook (grad/transforms.h) that differentiates traced
/// IR; idempotent. grad::trace and grad::jit call it.
void registerSymbolicValueAndGrad();

/// Returns the diagnostics emitted on `ctx` while `body` runs, and whether it succeeded.
std::string collectDiagnostics(mlir::MLIRContext *ctx,
                               const std::function<mlir::LogicalResult()> &body, bool &ok);

} // namespace grad
