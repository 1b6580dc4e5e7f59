//===- Executable.cpp - Backends behind grad::jit -------------------------===//
//
// The interpreter backend runs the traced function with the reference interpreter (the eager
// kernels, op by op). The native backend lowers the module through the CPU codegen pipeline and
// runs it with the in-process JIT (grad::CompiledModule), after --grad-fuse.
//
//===----------------------------------------------------------------------===//

#include "grad/Jit/Executable.h"
#include "grad/Jit/Tracer.h"

#ifdef GRAD_JIT_NATIVE
#include "grad/Codegen/Jit.h"
#include "grad/Transforms/Passes.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Transforms/Passes.h"
#endif
#include "grad/Interpreter/Interpreter.h"
#include "grad/error.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"

#include <chrono>
#include <cstdlib>
#include <string>

using namespace mlir;

namespace grad {

namespace {

class InterpreterExecutable final : public Executable {
public:
  explicit InterpreterExecutable(func::FuncOp func) : func(func) {}

  std::vector<Tensor> run(const std::vector<Tensor> &args) override {
    FailureOr<std::vector<Tensor>> results = failure();
    bool ok = false;
    std::string diags = collectDiagnostics(
        func.getContext(),
        [&]() -> LogicalResult {
          results = interpret(func, args);
          return failure(failed(results));
        },
        ok);
    if (!ok)
      throw Error("jit: running @" + func.getName().str() + " failed: " + diags);
    return std::move(*results);
  }

private:
  func::FuncOp func;
};

#ifdef GRAD_JIT_NATIVE
class NativeExecutable final : public Executable {
public:
  NativeExecutable(std::unique_ptr<CompiledModule> compiled, std::string entry)
      : compiled(std::move(compiled)), entry(std::move(entry)) {}

  std::vector<Tensor> run(const std::vector<Tensor> &args) override {
    std::string error;
    FailureOr<std::vector<Tensor>> results = compiled->run(entry, args, &error);
    if (failed(results))
      throw Error("jit: running @" + entry + " failed: " + error);
    return std::move(*results);
  }
  bool reentrant() const override { return true; }

private:
  std::unique_ptr<CompiledModule> compiled;
  std::string entry;
};
#endif // GRAD_JIT_NATIVE

} // namespace

std::unique_ptr<Executable> compileEntry(ModuleOp module, StringRef entry, JitBackend backend,
                                         const std::string &cacheDir, CompileStats *stats) {
  auto func = module.lookupSymbol<func::FuncOp>(entry);
  if (!func)
    throw Error("jit: the module has no function @" + entry.str());
  switch (backend) {
  case JitBackend::Interpreter:
    return std::make_unique<InterpreterExecutable>(func);
  case JitBackend::Native: {
#ifndef GRAD_JIT_NATIVE
    throw Error("jit: this build has no native backend (configure with GRAD_JIT_NATIVE=ON); "
                "use JitBackend::Interpreter or GRAD_JIT_BACKEND=interpreter");
#else
    FailureOr<std::unique_ptr<CompiledModule>> compiled = failure();
    bool ok = false;
    std::string diags = collectDiagnostics(
        module.getContext(),
        [&]() -> LogicalResult {
          // Matmuls call OpenBLAS (loaded in this process): faster than the generated loop
          // nest at the shapes of training steps (docs/codegen.md). GRAD_JIT_MATMUL=generated
          // selects the generated code (for benchmarks).
          CodegenOptions options;
          const char *matmul = std::getenv("GRAD_JIT_MATMUL");
          options.matmulLowering = matmul && std::string(matmul) == "generated"
                                       ? CodegenOptions::MatmulLowering::Generated
                                       : CodegenOptions::MatmulLowering::Blas;
          // --grad-fuse first (docs/fusion.md): its recomputation of cheap producers keeps
          // intermediates out of memory in the lowered loops.
          auto t0 = std::chrono::steady_clock::now();
          if (stats)
            stats->kernels_before_fusion = countKernels(func);
          // The graph passes every door runs (buildGraphPipeline): canonicalize, grad-fold,
          // cse, grad-factor-reductions, cse, grad-fuse.
          if (failed(runGraphPipeline(module)))
            return failure();
          if (stats)
            stats->kernels_after_fusion = countKernels(func);
          double fuseSeconds =
              std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
          // The lowering runs its function passes on the outlined kernels in parallel (MLIR's
          // thread pool); tracing keeps the context single-threaded.
          module.getContext()->enableMultithreading(true);
          compiled = CompiledModule::compile(module, options, cacheDir);
          module.getContext()->enableMultithreading(false);
          if (succeeded(compiled) && stats) {
            const CodegenTimings &t = (*compiled)->timings();
            stats->graph_passes += fuseSeconds;
            stats->lowering = t.lowering;
            stats->llvm = t.llvm;
            stats->cache_hit = t.cacheHit;
            stats->cache_key = t.cacheKey;
            stats->object_bytes = t.objectBytes;
          }
          return failure(failed(compiled));
        },
        ok);
    if (!ok)
      throw Error("jit: the native backend cannot compile @" + entry.str() + ": " + diags);
    return std::make_unique<NativeExecutable>(std::move(*compiled), entry.str());
#endif
  }
  }
  throw Error("jit: unknown backend");
}

} // namespace grad
