//===- Interpreter.h - reference interpreter of the grad dialect -*- C++ -*-===//
//
// Evaluates grad-dialect functions on concrete tensors with the eager kernels (grad::apply): the
// oracle every pass and backend is checked against. Each grad op is decoded to its op-table
// primitive (OpKind + OpAttrs) and run by the one eager implementation of that op; func.call,
// func.return and grad.fusion bodies are interpreted structurally. Errors (bad arguments, a
// kernel's grad::Error, an unsupported op) become MLIR diagnostics at the op's location; no
// exception leaves this library.
//
//===----------------------------------------------------------------------===//

#ifndef GRAD_INTERPRETER_INTERPRETER_H
#define GRAD_INTERPRETER_INTERPRETER_H

#include <string>
#include <vector>

#include "grad/tensor.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Operation.h"
#include "mlir/Support/LogicalResult.h"
#include "llvm/ADT/ArrayRef.h"

namespace grad {

/// Limits of one interpretation.
struct InterpreterOptions {
  /// Deepest func.call nesting before the interpreter reports (probable) unbounded recursion.
  unsigned maxCallDepth = 64;
};

/// Runs `fn` on `args` and returns its results in order. Checks the argument count, shapes and
/// dtypes against the signature first. On any error emits a diagnostic (at the function for bad
/// arguments, at the op that failed otherwise) and returns failure.
mlir::FailureOr<std::vector<Tensor>> interpret(mlir::func::FuncOp fn, llvm::ArrayRef<Tensor> args,
                                               const InterpreterOptions &options = {});

/// Evaluates a single grad primitive op (not grad.fusion, not a terminator) on concrete operand
/// values with the eager kernel, and checks the result against the op's result type. Fails when
/// `op` is not a grad primitive or the kernel rejects its inputs: with a diagnostic at `op`, or,
/// when `whyNot` is given, silently with the reason stored there (the constant folder, which
/// only tries). The folder shares this with the interpreter.
mlir::FailureOr<Tensor> evaluateGradOp(mlir::Operation *op, llvm::ArrayRef<Tensor> operands,
                                       std::string *whyNot = nullptr);

/// True when `op` is a grad primitive that evaluateGradOp can run (decodes to an OpKind).
bool isEvaluableGradOp(mlir::Operation *op);

/// True when `value` has exactly the shape and element type of the ranked tensor type `type`.
bool tensorMatchesType(const Tensor &value, mlir::Type type);

/// Text such as "f32[2,3]" for diagnostics.
std::string describeTensor(const Tensor &value);

} // namespace grad

#endif // GRAD_INTERPRETER_INTERPRETER_H
