//===- ObjectEmitter.h - LLVM IR, assembly and object files ----*- C++ -*-===//
//
// Ahead-of-time output of the CPU pipeline, for gradc --emit=llvm|asm|obj:
// lower a grad module to the LLVM dialect, translate to LLVM IR, optimize at
// -O<n> for the target (by default the host CPU with its features), then
// print IR, or let the TargetMachine write assembly or an ELF object.
//
//===----------------------------------------------------------------------===//

#ifndef GRAD_CODEGEN_OBJECTEMITTER_H
#define GRAD_CODEGEN_OBJECTEMITTER_H

#include "grad/Codegen/Pipeline.h"

#include "mlir/IR/BuiltinOps.h"
#include "mlir/Support/LogicalResult.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/Support/CodeGen.h"
#include "llvm/Support/Error.h"

#include <memory>

namespace llvm {
class LLVMContext;
class Module;
class TargetMachine;
class raw_ostream;
class raw_pwrite_stream;
} // namespace llvm

namespace grad {

/// Initializes LLVM's native target once (safe to call many times).
void initializeNativeTarget();

/// The TargetMachine of `options` (triple, CPU, features; empty = host) at
/// options.optLevel. Emits no diagnostic: returns null and sets `error`.
std::unique_ptr<llvm::TargetMachine> createTargetMachine(const CodegenOptions &options,
                                                         std::string &error);

/// Lowers a clone of `module` (grad or linalg on tensors) to optimized LLVM IR
/// for the target. `module` itself is not changed. Diagnostics go to its
/// context.
/// Runs LLVM's -O<optLevel> module pipeline on `module` for `tm`, with full unrolling capped
/// at kMaxFullUnrollCount iterations: our loops are already tiled and vectorized, and fully
/// unrolling a loop with a constant trip count (a strided copy, a reduction over a
/// constant-size axis) makes code size and compile time grow with the tensor shape.
constexpr unsigned kMaxFullUnrollCount = 8;
llvm::Error optimizeLLVMModule(llvm::Module &module, unsigned optLevel, llvm::TargetMachine *tm);

/// `lowered` (LLVM dialect) as LLVM IR for `tm`: triple, data layout, and every function's
/// `target-cpu` / `target-features`. Null (with a diagnostic on `lowered`) if translation fails.
std::unique_ptr<llvm::Module> translateForTarget(mlir::ModuleOp lowered,
                                                 llvm::LLVMContext &llvmContext,
                                                 llvm::TargetMachine &tm);

/// Marks every defined function of `module` with external linkage (the entries that
/// grad-outline-kernels leaves: allocations, kernel and BLAS calls, frees; and their
/// C-interface wrappers) optnone and noinline, unless options.optimizeEntries or
/// options.optLevel is 0. With createTargetMachine's fast instruction selection for optnone
/// functions, LLVM then spends next to nothing on them (Note [Unoptimized entries]).
void markEntriesUnoptimized(llvm::Module &module, const CodegenOptions &options);

/// Runs `tm`'s code generator on `module` into `os`. Returns an error message or "".
std::string emitMachineCode(llvm::Module &module, llvm::TargetMachine &tm,
                            llvm::raw_pwrite_stream &os, llvm::CodeGenFileType kind);

mlir::FailureOr<std::unique_ptr<llvm::Module>> translateToLLVMIR(mlir::ModuleOp module,
                                                                 llvm::LLVMContext &llvmContext,
                                                                 const CodegenOptions &options);

/// Writes optimized LLVM IR as text.
mlir::LogicalResult emitLLVMIR(mlir::ModuleOp module, llvm::raw_ostream &os,
                               const CodegenOptions &options);

/// Writes target assembly.
mlir::LogicalResult emitAssembly(mlir::ModuleOp module, llvm::raw_pwrite_stream &os,
                                 const CodegenOptions &options);

/// Writes a relocatable object file that defines `_mlir_ciface_<f>` for each
/// public function; it needs only libc and libm at link time.
mlir::LogicalResult emitObjectFile(mlir::ModuleOp module, llvm::raw_pwrite_stream &os,
                                   const CodegenOptions &options);
mlir::LogicalResult emitObjectFile(mlir::ModuleOp module, llvm::StringRef path,
                                   const CodegenOptions &options);

} // namespace grad

#endif // GRAD_CODEGEN_OBJECTEMITTER_H
