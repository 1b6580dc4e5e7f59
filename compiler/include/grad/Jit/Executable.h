//===- Executable.h - What runs a jitted function ---------------*- C++ -*-===//
//
// The one seam between grad::jit and the backends: the reference interpreter today, the CPU
// backend's native JIT when it is built (JitBackend::Native). A backend compiles one entry of a
// module once; run() is the cache-hit path.
//
//===----------------------------------------------------------------------===//
#pragma once

#include "grad/jit.h"

#include "mlir/IR/BuiltinOps.h"

#include <memory>
#include <vector>

namespace grad {

/// A compiled entry point. run() checks the arguments and throws grad::Error on a mismatch or a
/// runtime failure.
class Executable {
public:
  virtual ~Executable() = default;
  virtual std::vector<Tensor> run(const std::vector<Tensor> &args) = 0;
  /// Whether run() may be called from several threads at once without a lock. The native
  /// backend's code is (it touches no MLIR state, its allocator is locked); the interpreter
  /// and the GPU backend are not (they use the shared, single-threaded MLIRContext / a device
  /// context): grad::jit holds its cache lock while they run.
  virtual bool reentrant() const { return false; }
};

/// Compiles func.func `entry` of `module` for `backend`. The module (and its context) must
/// outlive the result. Throws grad::Error when the backend is unavailable or rejects the module.
/// For the native backend `cacheDir` is the persistent object cache (empty: none), and
/// `stats`, when given, receives graph_passes (adds --grad-fuse), lowering, llvm, cache_hit,
/// cache_key and object_bytes.
/// JitOptions::device == Device::CUDA: compiles func.func `entry` of `module` for the GPU
/// (GpuCompiledModule, compiler/lib/Jit/GpuExecutable.cpp). Throws grad::Error naming the
/// reason when no CUDA device can be used (e.g. "no CUDA driver found: ...") or compilation
/// fails.
std::unique_ptr<Executable> compileGpuEntry(mlir::ModuleOp module, llvm::StringRef entry);

std::unique_ptr<Executable> compileEntry(mlir::ModuleOp module, llvm::StringRef entry,
                                         JitBackend backend, const std::string &cacheDir = {},
                                         CompileStats *stats = nullptr);

} // namespace grad
