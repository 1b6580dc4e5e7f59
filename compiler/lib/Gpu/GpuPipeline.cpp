//===- GpuPipeline.cpp - grad -> gpu dialect -> NVVM -> PTX ----------------===//
//
//   grad ──grad-lower-to-linalg, linalg-fuse-elementwise-ops──> fused linalg on tensors
//     ──one-shot-bufferize, results to out-params──────────────> linalg on buffers
//     ──linalg-generalize-named-ops, grad-gpu-map-linalg───────> gpu.launch per op
//     ──grad-gpu-device-buffers, grad-lower-math───────────────> device buffers, no libm
//     ──gpu-kernel-outlining, merge into @grad_kernels─────────> gpu.module + launch_func
//     ──nvvm-attach-target, convert-gpu-to-nvvm────────────────> NVVM
//     ──gpu-module-to-binary{format=isa}───────────────────────> gpu.binary holding PTX
//
//===----------------------------------------------------------------------===//

#include "grad/Gpu/GpuPipeline.h"

#include "grad/Codegen/Passes.h"
#include "grad/Codegen/Pipeline.h"
#include "grad/Conversion/Passes.h"
#include "grad/Gpu/Passes.h"

#include "mlir/Conversion/AffineToStandard/AffineToStandard.h"
#include "mlir/Conversion/Passes.h"
#include "mlir/Dialect/Bufferization/Transforms/OneShotAnalysis.h"
#include "mlir/Dialect/Bufferization/Transforms/Passes.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/GPU/Transforms/Passes.h"
#include "mlir/Dialect/LLVMIR/NVVMDialect.h"
#include "mlir/Dialect/Linalg/Passes.h"
#include "mlir/Dialect/Linalg/Utils/Utils.h"
#include "mlir/Dialect/MemRef/Transforms/Passes.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/SymbolTable.h"
#include "mlir/Target/LLVM/NVVM/Target.h"
#include "mlir/Target/LLVMIR/Dialect/GPU/GPUToLLVMIRTranslation.h"
#include "mlir/Target/LLVMIR/Dialect/NVVM/NVVMToLLVMIRTranslation.h"
#include "mlir/Transforms/Passes.h"
#include "llvm/ADT/StringSet.h"
#include "llvm/Support/FileSystem.h"

#include <cstdlib>
#include <optional>

using namespace mlir;

namespace grad {

namespace {
constexpr llvm::StringLiteral kKernelModule = "grad_kernels";

/// Moves every outlined kernel into one gpu.module @grad_kernels (one PTX
/// module to write and load) and points the launches at it.
LogicalResult mergeKernelModules(ModuleOp module) {
  SmallVector<gpu::GPUModuleOp> kernels(module.getOps<gpu::GPUModuleOp>());
  if (kernels.empty())
    return success();
  MLIRContext *ctx = module.getContext();
  OpBuilder b(ctx);
  b.setInsertionPoint(kernels.front());
  auto merged = b.create<gpu::GPUModuleOp>(module.getLoc(), "grad_kernels_tmp");
  Block &mergedBody = merged.getBodyRegion().front();
  llvm::StringMap<StringAttr> newName; // old module name -> kernel name
  for (gpu::GPUModuleOp kernelModule : kernels) {
    SmallVector<gpu::GPUFuncOp> funcs(kernelModule.getOps<gpu::GPUFuncOp>());
    if (funcs.size() != 1)
      return kernelModule.emitError("grad-gpu: expected one kernel per outlined gpu.module");
    // Module names are unique in the parent: the kernel takes its module's name.
    StringAttr name = kernelModule.getSymNameAttr();
    if (mergedBody.mightHaveTerminator())
      funcs[0]->moveBefore(mergedBody.getTerminator());
    else
      funcs[0]->moveBefore(&mergedBody, mergedBody.end());
    SymbolTable::setSymbolName(funcs[0], name);
    newName[name.getValue()] = name;
    kernelModule.erase();
  }
  if (module.lookupSymbol(kKernelModule))
    return module.emitError("grad-gpu: the module already has a symbol @") << kKernelModule;
  merged.setSymName(kKernelModule);
  WalkResult result = module.walk([&](gpu::LaunchFuncOp launch) {
    auto it = newName.find(launch.getKernelModuleName().getValue());
    if (it == newName.end()) {
      launch.emitError("grad-gpu: launch of an unknown kernel module");
      return WalkResult::interrupt();
    }
    launch.setKernelAttr(SymbolRefAttr::get(ctx, kKernelModule,
                                            {FlatSymbolRefAttr::get(ctx, it->second.getValue())}));
    return WalkResult::advance();
  });
  return failure(result.wasInterrupted());
}

/// grad -> host functions with inline gpu.launch ops on buffers.
void addMappingPasses(OpPassManager &pm) {
  buildGradToLinalgPipeline(pm);
  pm.addPass(createGradEmitCInterface());
  pm.addPass(createCanonicalizerPass());
  pm.addPass(createCSEPass());
  buildBufferizeToOutParams(pm);
  pm.addPass(createCanonicalizerPass());
  pm.addNestedPass<func::FuncOp>(createLinalgGeneralizeNamedOpsPass());
  pm.addNestedPass<func::FuncOp>(createGradGpuMapLinalg());
  pm.addNestedPass<func::FuncOp>(createGradLowerMath());
  pm.addPass(createCanonicalizerPass());
  pm.addPass(createCSEPass());
}

void addKernelPasses(OpPassManager &pm) {
  addMappingPasses(pm);
  pm.addNestedPass<func::FuncOp>(createGradGpuDeviceBuffers());
  // Constants and index arithmetic move into the kernels instead of becoming parameters.
  pm.addPass(createGpuLauchSinkIndexComputationsPass());
  pm.addPass(createGpuKernelOutliningPass());
}

/// $CUDA_HOME, $CUDA_PATH or /usr/local/cuda, if it holds libdevice; else "".
std::string cudaToolkitPath() {
  for (const char *env : {"CUDA_HOME", "CUDA_PATH"})
    if (const char *path = std::getenv(env); path && *path)
      if (llvm::sys::fs::exists(std::string(path) + "/nvvm/libdevice/libdevice.10.bc"))
        return path;
  if (llvm::sys::fs::exists("/usr/local/cuda/nvvm/libdevice/libdevice.10.bc"))
    return "/usr/local/cuda";
  return "";
}

void addNvvmPasses(OpPassManager &pm, const GpuCodegenOptions &options) {
  GpuNVVMAttachTargetOptions target;
  target.chip = options.chip;
  // The default PTX ISA (6.0) predates sm_80/sm_90; 8.0 is CUDA 12.0's.
  target.features = "+ptx80";
  target.optLevel = options.optLevel;
  pm.addPass(createGpuNVVMAttachTarget(target));
  OpPassManager &kernels = pm.nest<gpu::GPUModuleOp>();
  kernels.addPass(createLowerAffinePass());
  kernels.addPass(createConvertSCFToCFPass());
  kernels.addPass(createGradGpuLowerAllReduce());
  kernels.addPass(createConvertGpuOpsToNVVMOps());
  // __nv_fabsf/sqrtf/floorf/... -> llvm.fabs/sqrt/floor: PTX needs libdevice only for the rest.
  kernels.addPass(createGradGpuNativeMath());
  // What convert-gpu-to-nvvm leaves of math (math.fma from the polynomial approximations).
  kernels.addPass(createConvertMathToLLVMPass());
  kernels.addPass(createCanonicalizerPass());
  kernels.addPass(createCSEPass());
  kernels.addPass(createReconcileUnrealizedCastsPass());
  GpuModuleToBinaryPassOptions binary;
  binary.compilationTarget = "isa";
  // Math without a PTX instruction (f64 exp, floorf, ...) becomes calls to libdevice's __nv_*
  // functions: the serializer links <toolkit>/nvvm/libdevice/libdevice.10.bc when it exists.
  binary.toolkitPath = cudaToolkitPath();
  pm.addPass(createGpuModuleToBinaryPass(binary));
}

LogicalResult runPasses(ModuleOp module, const GpuCodegenOptions &options,
                        llvm::function_ref<void(OpPassManager &)> build) {
  PassManager pm(module->getContext());
  build(pm);
  if (options.configurePassManager)
    options.configurePassManager(pm);
  return pm.run(module);
}
} // namespace

bool isSupportedGpuArch(StringRef chip) { return chip == "sm_80" || chip == "sm_90"; }

void registerGpuCodegenDialects(DialectRegistry &registry) {
  registerCodegenDialects(registry);
  registry.insert<gpu::GPUDialect, NVVM::NVVMDialect>();
  NVVM::registerNVVMTargetInterfaceExternalModels(registry);
  registerGPUDialectTranslation(registry);
  registerNVVMDialectTranslation(registry);
  gpu::registerOffloadingLLVMTranslationInterfaceExternalModels(registry);
}

LogicalResult lowerToGpuKernels(ModuleOp module, const GpuCodegenOptions &options) {
  if (!isSupportedGpuArch(options.chip))
    return emitError(module.getLoc()) << "grad-gpu: unsupported GPU architecture '" << options.chip
                                      << "' (supported: sm_80, sm_90)";
  DialectRegistry registry;
  registerGpuCodegenDialects(registry);
  module->getContext()->appendDialectRegistry(registry);
  if (failed(runPasses(module, options, addKernelPasses)))
    return failure();
  module->setAttr(gpu::GPUDialect::getContainerModuleAttrName(),
                  UnitAttr::get(module.getContext()));
  return mergeKernelModules(module);
}

LogicalResult lowerToGpuLaunches(ModuleOp module, const GpuCodegenOptions &options) {
  DialectRegistry registry;
  registerGpuCodegenDialects(registry);
  module->getContext()->appendDialectRegistry(registry);
  return runPasses(module, options, [](OpPassManager &pm) {
    addMappingPasses(pm);
    pm.addNestedPass<func::FuncOp>(createGradGpuDeviceBuffers());
  });
}

LogicalResult lowerToGpuBinary(ModuleOp module, const GpuCodegenOptions &options) {
  if (failed(lowerToGpuKernels(module, options)))
    return failure();
  // Without a toolkit, MLIR's serializer reports "CUDA path: /usr/local/cuda does not exist" as
  // an error and goes on without libdevice, which kernels need only for math with no PTX
  // instruction; when one does, emitPtx/the object emitter name the missing function instead.
  std::optional<ScopedDiagnosticHandler> quiet;
  if (cudaToolkitPath().empty())
    quiet.emplace(module->getContext(), [](Diagnostic &d) {
      return success(StringRef(d.str()).starts_with("CUDA path:"));
    });
  return runPasses(module, options, [&](OpPassManager &pm) { addNvvmPasses(pm, options); });
}

LogicalResult lowerGpuModuleToLLVM(ModuleOp module, const GpuCodegenOptions &options) {
  if (failed(lowerToGpuBinary(module, options)))
    return failure();
  return runPasses(module, options, [&](OpPassManager &pm) {
    // gpu.alloc on the device must be asynchronous for gpu-to-llvm: give each host function
    // one stream, waited on before it returns.
    pm.addNestedPass<func::FuncOp>(createGpuAsyncRegionPass());
    pm.addPass(createConvertSCFToCFPass());
    LLVMLoweringOptions llvmLowering;
    llvmLowering.math = false;
    llvmLowering.gpuHost = true;
    buildToLLVMDialect(pm, llvmLowering);
  });
}

LogicalResult emitPtx(ModuleOp module, llvm::raw_ostream &os, const GpuCodegenOptions &options) {
  OwningOpRef<ModuleOp> clone(module.clone());
  if (failed(lowerToGpuBinary(*clone, options)))
    return failure();
  auto binary = clone->lookupSymbol<gpu::BinaryOp>(kKernelModule);
  if (!binary) {
    // No kernels (a function with nothing to compute): an empty but valid PTX module.
    os << "//\n// grad: no kernels\n//\n\n.version 8.0\n.target " << options.chip
       << "\n.address_size 64\n";
    return success();
  }
  for (Attribute attr : binary.getObjects()) {
    StringRef ptx = cast<gpu::ObjectAttr>(attr).getObject().getValue();
    // Calls left to libdevice mean it was not found: the PTX would not load.
    if (size_t at = ptx.find(".extern .func"); at != StringRef::npos)
      return emitError(module.getLoc())
             << "grad-gpu: a kernel calls an external function ("
             << ptx.substr(at, ptx.find(';', at) - at)
             << "): libdevice was not found; set CUDA_HOME to a CUDA toolkit";
    // The object is NUL-terminated for cuModuleLoadData; ptxas rejects the NUL.
    os << ptx.rtrim(StringRef("\0", 1));
  }
  return success();
}

} // namespace grad
