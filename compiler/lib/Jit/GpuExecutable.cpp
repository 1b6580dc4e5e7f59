//===- GpuExecutable.cpp - grad::jit's CUDA device ------------------------===//
//
// JitOptions::device == Device::CUDA: each traced signature is compiled with
// GpuCompiledModule (PTX kernels + JIT-ed host code) and run on device 0. The
// driver is checked first, so a machine without one gets a grad::Error naming
// the reason instead of a compile that cannot run.
//
//===----------------------------------------------------------------------===//

#include "grad/Transforms/Passes.h"
#include "grad/Gpu/GpuJit.h"

#include "grad/Jit/Executable.h"
#include "grad/error.h"
#include "grad/tensor.h"

#include "mlir/IR/Diagnostics.h"

using namespace mlir;

namespace grad {

namespace {
class GpuExecutable : public Executable {
public:
  GpuExecutable(std::unique_ptr<GpuCompiledModule> compiled, std::string entry)
      : compiled(std::move(compiled)), entry(std::move(entry)) {}

  std::vector<Tensor> run(const std::vector<Tensor> &args) override {
    std::string error;
    FailureOr<std::vector<Tensor>> results = compiled->run(entry, args, &error);
    if (failed(results))
      throw Error("jit (CUDA): " + error);
    return std::move(*results);
  }

private:
  std::unique_ptr<GpuCompiledModule> compiled;
  std::string entry;
};
} // namespace

std::unique_ptr<Executable> compileGpuEntry(ModuleOp module, llvm::StringRef entry) {
  // The graph passes every door runs (buildGraphPipeline), before the device is looked for, so
  // that the module holds what this door compiles even without a device. One handler collects
  // the diagnostics of both steps.
  std::string diagnostics;
  ScopedDiagnosticHandler handler(module.getContext(), [&](Diagnostic &d) {
    diagnostics += (diagnostics.empty() ? "" : "\n") + d.str();
    return success();
  });
  if (failed(runGraphPipeline(module)))
    throw Error("jit: the graph passes failed on @" + entry.str() + ": " + diagnostics);
  std::string reason;
  if (!cudaDeviceAvailable(&reason))
    throw Error("jit: device CUDA was requested but cannot be used: " + reason);
  FailureOr<std::string> arch = cudaDeviceArch(&reason);
  if (failed(arch))
    throw Error("jit: device CUDA was requested but cannot be used: " + reason);
  GpuCodegenOptions options;
  options.chip = *arch;
  FailureOr<std::unique_ptr<GpuCompiledModule>> compiled = GpuCompiledModule::compile(module, options);
  if (failed(compiled))
    throw Error("jit: the CUDA backend cannot compile @" + entry.str() + ": " + diagnostics);
  return std::make_unique<GpuExecutable>(std::move(*compiled), entry.str());
}

} // namespace grad
