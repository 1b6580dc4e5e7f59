//===- GpuJit.cpp - GpuCompiledModule: JIT host code, PTX kernels ---------===//
//
// compile: lowerGpuModuleToLLVM (kernels -> PTX embedded in the module, host
// code -> LLVM dialect calling mgpu*), then mlir::ExecutionEngine with the
// mgpu* symbols bound to libgradrt's. run: the entry point's C interface takes
// memref descriptors of device buffers (docs/gpu.md), so run() allocates them
// with the driver, copies inputs in and outputs out, and reports the first
// CUDA error the runtime recorded.
//
//===----------------------------------------------------------------------===//

#include "grad/Gpu/GpuJit.h"

#include "grad/dtype.h"
#include "grad/gradrt_gpu.h"
#include "grad/ops.h"
#include "grad/tensor.h"

#include "mlir/ExecutionEngine/ExecutionEngine.h"
#include "mlir/ExecutionEngine/OptUtils.h"
#include "llvm/ExecutionEngine/Orc/Mangling.h"
#include "llvm/Support/TargetSelect.h"

#include <cstdint>

using namespace mlir;

namespace grad {

namespace {
/// Takes a runtime status: its message (or "") and frees it.
std::string takeMessage(grad_status status) {
  std::string message = status ? grad_status_message(status) : "";
  grad_status_free(status);
  return message;
}

/// Device buffers of one call, freed on every path.
struct DeviceBuffers {
  const grad_cuda_driver *driver = nullptr;
  std::vector<uint64_t> pointers;
  ~DeviceBuffers() {
    for (uint64_t p : pointers)
      if (p)
        driver->cuMemFree(p);
  }
};

std::string cudaError(const grad_cuda_driver *driver, int result, const char *call) {
  const char *name = nullptr;
  if (driver->cuGetErrorName(result, &name) != 0 || !name)
    name = "unknown CUresult";
  return std::string(call) + " failed: " + name + " (" + std::to_string(result) + ")";
}
} // namespace

bool cudaDeviceAvailable(std::string *reason) {
  grad_status status = grad_gpu_init();
  if (!status)
    return true;
  std::string message = takeMessage(status);
  if (reason)
    *reason = message;
  return false;
}

FailureOr<std::string> cudaDeviceArch(std::string *reason) {
  int major = 0, minor = 0;
  if (grad_status status = grad_gpu_compute_capability(&major, &minor)) {
    std::string message = takeMessage(status);
    if (reason)
      *reason = message;
    return failure();
  }
  if (major >= 9)
    return std::string("sm_90");
  if (major == 8)
    return std::string("sm_80");
  if (reason)
    *reason = "the CUDA device has compute capability " + std::to_string(major) + "." +
              std::to_string(minor) + "; the NVPTX backend needs sm_80 or newer";
  return failure();
}

GpuCompiledModule::GpuCompiledModule() : CompiledModuleBase("GPU module") {}

GpuCompiledModule::~GpuCompiledModule() {
  // The runtime caches loaded modules by the address of their PTX, a constant of this JIT-ed
  // code: once it is gone another module's PTX may land at the same address.
  if (engine_)
    grad_gpu_clear_module_cache();
}

FailureOr<std::unique_ptr<GpuCompiledModule>>
GpuCompiledModule::compile(ModuleOp module, const GpuCodegenOptions &options) {
  FailureOr<std::vector<FunctionSignature>> signatures = collectSignatures(module);
  if (failed(signatures))
    return failure();
  OwningOpRef<ModuleOp> clone = module.clone();
  if (failed(lowerGpuModuleToLLVM(*clone, options)))
    return failure();
  llvm::InitializeNativeTarget();
  llvm::InitializeNativeTargetAsmPrinter();
  ExecutionEngineOptions engineOptions;
  engineOptions.transformer = makeOptimizingTransformer(2, /*sizeLevel=*/0, nullptr);
  engineOptions.enableGDBNotificationListener = false;
  auto engine = ExecutionEngine::create(*clone, engineOptions);
  if (!engine)
    return emitError(module.getLoc())
           << "GPU JIT compilation failed: " << llvm::toString(engine.takeError());
  // The host code calls libgradrt's mgpu* functions; bind them explicitly rather than
  // relying on the process's dynamic symbol table.
  (*engine)->registerSymbols([](llvm::orc::MangleAndInterner interner) {
    llvm::orc::SymbolMap map;
    auto bind = [&](const char *name, void *address) {
      map[interner(name)] = {llvm::orc::ExecutorAddr::fromPtr(address),
                             llvm::JITSymbolFlags::Exported};
    };
    bind("mgpuModuleLoad", reinterpret_cast<void *>(&mgpuModuleLoad));
    bind("mgpuModuleLoadJIT", reinterpret_cast<void *>(&mgpuModuleLoadJIT));
    bind("mgpuModuleUnload", reinterpret_cast<void *>(&mgpuModuleUnload));
    bind("mgpuModuleGetFunction", reinterpret_cast<void *>(&mgpuModuleGetFunction));
    bind("mgpuLaunchKernel", reinterpret_cast<void *>(&mgpuLaunchKernel));
    bind("mgpuStreamCreate", reinterpret_cast<void *>(&mgpuStreamCreate));
    bind("mgpuStreamDestroy", reinterpret_cast<void *>(&mgpuStreamDestroy));
    bind("mgpuStreamSynchronize", reinterpret_cast<void *>(&mgpuStreamSynchronize));
    bind("mgpuStreamWaitEvent", reinterpret_cast<void *>(&mgpuStreamWaitEvent));
    bind("mgpuEventCreate", reinterpret_cast<void *>(&mgpuEventCreate));
    bind("mgpuEventDestroy", reinterpret_cast<void *>(&mgpuEventDestroy));
    bind("mgpuEventSynchronize", reinterpret_cast<void *>(&mgpuEventSynchronize));
    bind("mgpuEventRecord", reinterpret_cast<void *>(&mgpuEventRecord));
    bind("mgpuMemAlloc", reinterpret_cast<void *>(&mgpuMemAlloc));
    bind("mgpuMemFree", reinterpret_cast<void *>(&mgpuMemFree));
    bind("mgpuMemcpy", reinterpret_cast<void *>(&mgpuMemcpy));
    bind("mgpuMemset32", reinterpret_cast<void *>(&mgpuMemset32));
    return map;
  });
  // Materialize every entry point now: a host symbol left unresolved is a compile error,
  // found without a GPU, not a failure of the first run.
  for (const FunctionSignature &sig : *signatures)
    if (auto fn = (*engine)->lookupPacked("_mlir_ciface_" + sig.name); !fn)
      return emitError(module.getLoc())
             << "GPU JIT: cannot link '" << sig.name << "': " << llvm::toString(fn.takeError());
  std::unique_ptr<GpuCompiledModule> result(new GpuCompiledModule());
  result->engine_ = std::move(*engine);
  result->signatures_ = std::move(*signatures);
  return result;
}

FailureOr<std::vector<Tensor>> GpuCompiledModule::runChecked(llvm::StringRef fn,
                                                             const FunctionSignature &sig,
                                                             const std::vector<Tensor> &inputs,
                                                             std::string *error) const {
  std::string reason;
  if (!cudaDeviceAvailable(&reason))
    return fail(error, "function '" + fn.str() + "' cannot run on the GPU: " + reason);
  const grad_cuda_driver *driver = nullptr;
  (void)takeMessage(grad_cuda_driver_get(&driver));
  (void)takeMessage(grad_gpu_take_error()); // an earlier call's failure is not this one's

  DeviceBuffers buffers;
  buffers.driver = driver;
  std::vector<llvm::SmallVector<int64_t, 8>> descriptors;
  // A contiguous row-major device buffer and its memref descriptor.
  auto addBuffer = [&](const TensorSignature &type) -> uint64_t {
    size_t bytes = std::max<size_t>(1, shape_numel(type.shape) * dtype_size(type.dtype));
    uint64_t device = 0;
    if (int r = driver->cuMemAlloc(&device, bytes); r != 0)
      throw Error(cudaError(driver, r, "cuMemAlloc"));
    buffers.pointers.push_back(device);
    appendDescriptor(descriptors.emplace_back(), reinterpret_cast<const void *>(device),
                     type.shape);
    return device;
  };
  for (size_t i = 0; i < inputs.size(); ++i) {
    const Tensor &t = inputs[i];
    const TensorSignature &want = sig.inputs[i];
    Tensor host = t.contiguous();
    uint64_t device = addBuffer(want);
    size_t bytes = shape_numel(want.shape) * dtype_size(want.dtype);
    if (bytes)
      if (int r = driver->cuMemcpyHtoD(device, host.data_ptr(), bytes); r != 0)
        return fail(error, cudaError(driver, r, "cuMemcpyHtoD"));
  }
  std::vector<uint64_t> outputDevice;
  for (const TensorSignature &o : sig.outputs)
    outputDevice.push_back(addBuffer(o));

  // A copy from pageable memory may still be in flight when cuMemcpyHtoD returns, and the
  // host code launches on its own non-blocking stream: wait for the copies.
  if (int r = driver->cuCtxSynchronize(); r != 0)
    return fail(error, cudaError(driver, r, "cuCtxSynchronize"));
  if (llvm::Error err = invokeCInterface(*engine_, fn, descriptors))
    return fail(error, "calling '" + fn.str() + "' failed: " + llvm::toString(std::move(err)));
  if (std::string message = takeMessage(grad_gpu_take_error()); !message.empty())
    return fail(error, "function '" + fn.str() + "' on the GPU: " + message);

  std::vector<Tensor> outputs;
  for (size_t i = 0; i < sig.outputs.size(); ++i) {
    const TensorSignature &o = sig.outputs[i];
    Tensor host = empty(o.shape, o.dtype);
    size_t bytes = shape_numel(o.shape) * dtype_size(o.dtype);
    if (bytes)
      if (int r = driver->cuMemcpyDtoH(host.data_ptr(), outputDevice[i], bytes); r != 0)
        return fail(error, cudaError(driver, r, "cuMemcpyDtoH"));
    outputs.push_back(std::move(host));
  }
  return outputs;
}

} // namespace grad
