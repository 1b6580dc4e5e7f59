//===- Gradc.h - the gradc compiler driver as a library ---------*- C++ -*-===//
//
// gradc reads a grad-dialect module, runs the graph passes (fold, autodiff, fuse) and emits
// MLIR, LLVM IR, assembly, an object file, its C header or a Graphviz picture. The logic lives
// here so that tools/gradc's main is one line (like iree-compile) and tests or other tools can
// embed the driver.
//
//===----------------------------------------------------------------------===//

#ifndef GRAD_DRIVER_GRADC_H
#define GRAD_DRIVER_GRADC_H

#include "mlir/IR/BuiltinOps.h"
#include "mlir/Support/LogicalResult.h"

#include <functional>
#include <string>
#include <vector>

namespace mlir {
class PassManager;
} // namespace mlir

namespace grad {

/// What gradc writes.
enum class EmitKind { Mlir, Llvm, Asm, Obj, Header, Ptx, Dot };

/// Exit codes of gradc (and of runGradcMain).
enum GradcExitCode : int {
  kGradcSuccess = 0,
  /// Bad input or flags: a diagnostic with file:line:col was printed.
  kGradcInputError = 1,
  /// Lowering or code generation failed on input that passed the graph passes: a compiler bug
  /// or a missing lowering, reported as a diagnostic.
  kGradcCodegenError = 2,
  /// The output file could not be written.
  kGradcOutputError = 3,
};

/// Options of one compilation, mirroring gradc's flags (see docs/gradc.md).
struct GradcOptions {
  EmitKind emit = EmitKind::Obj;
  /// "host" or "nvptx" (the latter is rejected until the NVPTX backend lands).
  std::string target = "host";
  std::string gpuArch = "sm_90";
  unsigned optLevel = 3;
  /// --grad=FUNC: differentiate @FUNC into @FUNC_grad (empty: no autodiff).
  std::string gradFunc;
  /// --grad-argnums: the arguments to differentiate (empty: all floating-point ones).
  std::vector<int64_t> gradArgnums;
  bool fold = true;
  /// Run --grad-fuse after the other graph passes (gradc --no-fuse turns it off).
  bool fuse = true;
  /// --fusion-report: the fusion pass emits "kernels before: N, after: M" per function.
  bool fusionReport = false;
  /// --dot-collapse-fusions: --emit=dot draws each grad.fusion as one box (DotOptions).
  bool dotCollapseFusions = false;
  bool printIrAfterAll = false;
  bool timePasses = false;
  /// Prefix of the C wrappers written by --emit=header.
  std::string headerPrefix = "model";
  /// Input name shown in the header comment.
  std::string sourceName;
  /// --symbol-prefix: put in front of every function symbol of the object (and of the entries
  /// the header declares), so that several models link into one program and no model function
  /// can clash with a user or libc symbol. Empty: symbols are the function names.
  std::string symbolPrefix;
  /// --max-constant-bytes: the largest non-splat constant the graph passes may leave for code
  /// generation (-1: GRAD_MAX_CONSTANT_BYTES, else 1 GiB; docs/limits.md).
  int64_t maxConstantBytes = -1;
};

/// Runs the graph passes in place: grad::buildGraphPipeline (the same as the jits') with gradc's
/// flags: canonicalize + grad-fold (unless --no-fold), grad-autodiff when `gradFunc` is set (then
/// canonicalize), CSE, then grad-factor-reductions, CSE, grad-fuse (unless `fuse` is false),
/// then grad-check-limits (maxConstantBytes).
/// `configure`, if set, is applied to the pass manager (IR printing, timing). Diagnostics go to
/// the module's context.
mlir::LogicalResult
runGraphPasses(mlir::ModuleOp module, const GradcOptions &options,
               const std::function<void(mlir::PassManager &)> &configure = nullptr);

/// Renames every function of `module` to `prefix + name`, updating all uses. Fails with a
/// diagnostic if `prefix` has characters other than letters, digits and '_'.
mlir::LogicalResult prefixFunctionSymbols(mlir::ModuleOp module, llvm::StringRef prefix);

/// gradc's command line entry point: parses argv, compiles, returns a GradcExitCode.
int runGradcMain(int argc, char **argv);

} // namespace grad

#endif // GRAD_DRIVER_GRADC_H
