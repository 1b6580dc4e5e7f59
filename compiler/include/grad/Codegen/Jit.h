//===- Jit.h - in-process compilation of grad modules -----------*- C++ -*-===//
//
// grad::CompiledModule: lowers a grad module with the CPU pipeline, compiles it
// to an object file in memory (TargetMachine), loads that into ORC's LLJIT and
// calls its entry points on contiguous buffers or grad::Tensors, checking
// arity, shapes and dtypes first. With a cache directory the object file is
// kept on disk, keyed on the module, the options, the target and the library
// build, and a later process loads it instead of compiling.
//
//===----------------------------------------------------------------------===//

#ifndef GRAD_CODEGEN_JIT_H
#define GRAD_CODEGEN_JIT_H

#include "grad/Codegen/CompiledModuleBase.h"
#include "grad/Codegen/Pipeline.h"
#include "grad/Codegen/Signature.h"

#include "mlir/IR/BuiltinOps.h"
#include "mlir/Support/LogicalResult.h"
#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/StringRef.h"

#include <memory>
#include <string>
#include <vector>

namespace llvm::orc {
class LLJIT;
} // namespace llvm::orc

namespace grad {

class Tensor;

/// Where the time of one CompiledModule::compile went (wall-clock seconds).
struct CodegenTimings {
  double lowering = 0; ///< MLIR: grad -> linalg -> ... -> LLVM dialect
  double llvm = 0;     ///< LLVM IR translation + optimization + machine code + loading
  double load = 0;     ///< loading the object file into the JIT (part of llvm)
  bool cacheHit = false;  ///< the object came from the persistent cache
  std::string cacheKey;   ///< hex SHA-256 of the key (empty without a cache dir)
  std::string cacheError; ///< why the cache was not used or not written (empty if fine)
  size_t objectBytes = 0;
};

/// A grad module compiled to native code in this process; owns the JIT-ed code.
/// signature(), signatures() and run() (the argument checks) come from CompiledModuleBase.
class CompiledModule : public CompiledModuleBase {
public:
  ~CompiledModule() override;

  /// Lowers a clone of `module` (grad and/or linalg on tensors; `module` is
  /// unchanged) and compiles it. Errors are diagnostics on `module`'s context.
  /// With `cacheDir` non-empty the object code is looked up in (and written to) that
  /// directory first; see docs/performance.md "Compile cache".
  static mlir::FailureOr<std::unique_ptr<CompiledModule>>
  compile(mlir::ModuleOp module, const CodegenOptions &options = {},
          const std::string &cacheDir = {});

  /// Where the compile time went.
  const CodegenTimings &timings() const { return timings_; }

  /// Runs `fn` on contiguous row-major buffers laid out as its signature says
  /// (b8 = one byte per element). `outputs` are written. Fails with `error`
  /// set when `fn` is unknown or the buffer counts do not match. A signature with `?` dims
  /// needs the actual shapes (`inputShapes`, and `outputShapes` from grad::outputShapes, whose
  /// checks must have passed); static signatures ignore them.
  mlir::LogicalResult runRaw(llvm::StringRef fn, llvm::ArrayRef<const void *> inputs,
                             llvm::ArrayRef<void *> outputs, std::string *error = nullptr,
                             const std::vector<Shape> *inputShapes = nullptr,
                             const std::vector<Shape> *outputShapes = nullptr) const;

private:
  CompiledModule();
  /// run() after the checks: sizes dynamic outputs, makes the inputs contiguous, allocates the
  /// outputs (or reuses a donated input's buffer) and calls runRaw (JitTensors.cpp).
  mlir::FailureOr<std::vector<Tensor>> runChecked(llvm::StringRef fn, const FunctionSignature &sig,
                                                  const std::vector<Tensor> &inputs,
                                                  std::string *error) const override;
  std::unique_ptr<llvm::orc::LLJIT> jit_;
  CodegenTimings timings_;
  /// The packed entry (`_mlir__mlir_ciface_<fn>`) of each signature, looked up once at compile
  /// time: a call then costs no JIT symbol lookup.
  std::vector<void (*)(void **)> entries_;
};

} // namespace grad

#endif // GRAD_CODEGEN_JIT_H
