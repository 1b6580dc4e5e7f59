//===- CompiledModuleBase.h - what every compiled module shares -*- C++ -*-===//
//
// grad::CompiledModuleBase: the base of the three kinds of compiled module, CompiledModule (the
// CPU JIT, Jit.h), GpuCompiledModule (the GPU JIT, grad/Gpu/GpuJit.h) and GpuEmulatedModule
// (the GPU kernels on the CPU emulator, test/support). It owns the entry points' signatures and
// the one start of every run(): find the function, check the arguments against its signature,
// and turn an exception from eager code into the failure message. What differs, moving the
// tensors to the code and calling it, is each module's runChecked().
//
//===----------------------------------------------------------------------===//

#ifndef GRAD_CODEGEN_COMPILEDMODULEBASE_H
#define GRAD_CODEGEN_COMPILEDMODULEBASE_H

#include "grad/Codegen/Signature.h"

#include "mlir/Support/LogicalResult.h"
#include "llvm/ADT/SmallVector.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"

#include <string>
#include <vector>

namespace mlir {
class ExecutionEngine;
} // namespace mlir

namespace grad {

class Tensor;

class CompiledModuleBase {
public:
  virtual ~CompiledModuleBase();
  CompiledModuleBase(const CompiledModuleBase &) = delete;
  CompiledModuleBase &operator=(const CompiledModuleBase &) = delete;

  /// The signature of public function `fn`, or null.
  const FunctionSignature *signature(llvm::StringRef fn) const;
  /// All entry points, in module order.
  const std::vector<FunctionSignature> &signatures() const { return signatures_; }

  /// Runs `fn` on `inputs` and returns freshly allocated outputs. First checks that `fn` exists
  /// ("<kind> has no function 'f'") and that `inputs` match its signature (checkArguments:
  /// count, dtypes, shapes); then runChecked. Fails with the message in `*error` (if given);
  /// an exception thrown on the way becomes "function 'f': <what>".
  mlir::FailureOr<std::vector<Tensor>> run(llvm::StringRef fn, const std::vector<Tensor> &inputs,
                                           std::string *error = nullptr) const;

protected:
  /// `kind` names the module in messages: "compiled module", "GPU module", ...
  explicit CompiledModuleBase(std::string kind) : kind_(std::move(kind)) {}

  /// The rest of run(): `sig` is `fn`'s signature and `inputs` match it.
  virtual mlir::FailureOr<std::vector<Tensor>> runChecked(llvm::StringRef fn,
                                                          const FunctionSignature &sig,
                                                          const std::vector<Tensor> &inputs,
                                                          std::string *error) const = 0;

  /// Sets `*error` (if given) to `message` and returns failure.
  static mlir::LogicalResult fail(std::string *error, std::string message);

  /// Appends the ranked memref descriptor {allocated, aligned, offset, sizes[R], strides[R]} of
  /// a contiguous row-major buffer at `data` (a host or a device address) to `words`.
  static void appendDescriptor(llvm::SmallVectorImpl<int64_t> &words, const void *data,
                               const Shape &shape);

  /// Calls `_mlir_ciface_<fn>` of `engine` with one pointer to each descriptor (the C-interface
  /// wrapper's arguments: inputs, then outputs).
  static llvm::Error invokeCInterface(mlir::ExecutionEngine &engine, llvm::StringRef fn,
                                      std::vector<llvm::SmallVector<int64_t, 8>> &descriptors);

  std::vector<FunctionSignature> signatures_;

private:
  std::string kind_;
};

} // namespace grad

#endif // GRAD_CODEGEN_COMPILEDMODULEBASE_H
