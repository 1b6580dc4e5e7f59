//===- GpuObjectEmitter.cpp - host object of a --target=nvptx module ------===//
//
// gradc --target=nvptx --emit=obj|asm|llvm: the host functions, lowered to
// calls into libgradrt's mgpu* functions with the kernels' PTX embedded as a
// constant, compiled for the host CPU. The object needs only libgradrt (and
// libc) at link time; its entry points take device buffers (docs/gpu.md).
//
//===----------------------------------------------------------------------===//

#include "grad/Gpu/GpuPipeline.h"

#include "grad/Codegen/ObjectEmitter.h"

#include "mlir/ExecutionEngine/OptUtils.h"
#include "mlir/Target/LLVMIR/Export.h"
#include "llvm/IR/LegacyPassManager.h"
#include "llvm/IR/Module.h"
#include "llvm/Target/TargetMachine.h"

using namespace mlir;

namespace grad {

LogicalResult emitGpuHostCode(ModuleOp module, llvm::raw_pwrite_stream &os, GpuHostOutput kind,
                              const GpuCodegenOptions &options) {
  OwningOpRef<ModuleOp> clone = module.clone();
  if (failed(lowerGpuModuleToLLVM(*clone, options)))
    return failure();
  initializeNativeTarget();
  CodegenOptions host;
  host.optLevel = options.optLevel;
  std::string error;
  std::unique_ptr<llvm::TargetMachine> tm = createTargetMachine(host, error);
  if (!tm)
    return emitError(module.getLoc()) << error;
  llvm::LLVMContext llvmContext;
  std::unique_ptr<llvm::Module> llvmModule = translateModuleToLLVMIR(*clone, llvmContext);
  if (!llvmModule)
    return emitError(module.getLoc()) << "translation of the GPU host code to LLVM IR failed";
  llvmModule->setTargetTriple(tm->getTargetTriple().str());
  llvmModule->setDataLayout(tm->createDataLayout());
  auto optimize = makeOptimizingTransformer(options.optLevel, /*sizeLevel=*/0, tm.get());
  if (llvm::Error err = optimize(llvmModule.get()))
    return emitError(module.getLoc())
           << "LLVM optimization failed: " << llvm::toString(std::move(err));
  if (kind == GpuHostOutput::LlvmIR) {
    llvmModule->print(os, nullptr);
    return success();
  }
  llvm::legacy::PassManager codegen;
  if (tm->addPassesToEmitFile(codegen, os, nullptr,
                              kind == GpuHostOutput::Object ? llvm::CodeGenFileType::ObjectFile
                                                            : llvm::CodeGenFileType::AssemblyFile))
    return emitError(module.getLoc()) << "the host target cannot emit this file type";
  codegen.run(*llvmModule);
  return success();
}

} // namespace grad
