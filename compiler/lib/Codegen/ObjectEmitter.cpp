//===- ObjectEmitter.cpp - LLVM IR, assembly and object files -------------===//
//
// Translates the lowered module to LLVM IR, optimizes it with the target's
// cost model (LLVM's -O<n> pipeline, full unrolling capped), and drives the
// TargetMachine to write assembly or an object file.
//
//===----------------------------------------------------------------------===//

#include "grad/Codegen/ObjectEmitter.h"

#include "mlir/IR/Diagnostics.h"
#include "mlir/Target/LLVMIR/Export.h"
#include "llvm/IR/LLVMContext.h"
#include "llvm/IR/LegacyPassManager.h"
#include "llvm/IR/Module.h"
#include "llvm/Passes/PassBuilder.h"
#include "llvm/Transforms/InstCombine/InstCombine.h"
#include "llvm/Transforms/Scalar/LoopUnrollPass.h"
#include "llvm/Transforms/Scalar/SimplifyCFG.h"
#include "llvm/MC/TargetRegistry.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/TargetSelect.h"
#include "llvm/Support/ToolOutputFile.h"
#include "llvm/Target/TargetMachine.h"
#include "llvm/Target/TargetOptions.h"
#include "llvm/TargetParser/Host.h"

#include <mutex>

using namespace mlir;

namespace grad {

void initializeNativeTarget() {
  static std::once_flag once;
  std::call_once(once, [] {
    llvm::InitializeNativeTarget();
    llvm::InitializeNativeTargetAsmPrinter();
    llvm::InitializeNativeTargetAsmParser();
  });
}

static llvm::CodeGenOptLevel codeGenOptLevel(unsigned optLevel) {
  switch (optLevel) {
  case 0:
    return llvm::CodeGenOptLevel::None;
  case 1:
    return llvm::CodeGenOptLevel::Less;
  case 2:
    return llvm::CodeGenOptLevel::Default;
  default:
    return llvm::CodeGenOptLevel::Aggressive;
  }
}

std::unique_ptr<llvm::TargetMachine> createTargetMachine(const CodegenOptions &options,
                                                         std::string &error) {
  initializeNativeTarget();
  std::string triple =
      options.targetTriple.empty() ? llvm::sys::getProcessTriple() : options.targetTriple;
  const llvm::Target *target = llvm::TargetRegistry::lookupTarget(triple, error);
  if (!target)
    return nullptr;
  std::string cpu = options.targetCPU;
  std::string features = options.targetFeatures;
  if (options.targetTriple.empty() && cpu.empty()) {
    cpu = llvm::sys::getHostCPUName().str();
    if (features.empty()) {
      std::string list;
      for (auto &feature : llvm::sys::getHostCPUFeatures())
        list += (list.empty() ? "" : ",") + std::string(feature.second ? "+" : "-") +
                feature.first().str();
      features = list;
    }
  }
  llvm::TargetOptions targetOptions;
  std::unique_ptr<llvm::TargetMachine> tm(
      target->createTargetMachine(triple, cpu, features, targetOptions, llvm::Reloc::PIC_,
                                  std::nullopt, codeGenOptLevel(options.optLevel)));
  if (!tm) {
    error = "cannot create a target machine for " + triple;
    return tm;
  }
  // optnone functions (markEntriesUnoptimized) take FastISel instead of SelectionDAG.
  tm->setO0WantsFastISel(true);
  return tm;
}

// Note [Unoptimized entries]
// After grad-outline-kernels a public function is one long basic block of allocations, calls
// into kernels and cblas_sgemm, memref descriptor plumbing and frees; its C-interface wrapper
// unpacks one descriptor per argument (229 in the charlm training step). LLVM's SelectionDAG
// instruction selection grows superlinearly with a block's size: on the charlm step it took
// 1.5 s of the 2.1 s of code generation, for code that runs once per step next to ~19 ms of
// kernels. The entries are marked optnone + noinline instead: FastISel selects them linearly,
// the IR pipeline skips them, and no kernel code is involved (kernels have internal linkage
// and stay at -O<optLevel>). CodegenOptions::optimizeEntries restores the old behaviour.
void markEntriesUnoptimized(llvm::Module &module, const CodegenOptions &options) {
  if (options.optimizeEntries || options.optLevel == 0)
    return;
  for (llvm::Function &fn : module) {
    if (fn.isDeclaration() || fn.hasLocalLinkage())
      continue;
    fn.addFnAttr(llvm::Attribute::OptimizeNone);
    fn.addFnAttr(llvm::Attribute::NoInline);
  }
}

llvm::Error optimizeLLVMModule(llvm::Module &module, unsigned optLevel, llvm::TargetMachine *tm) {
  if (optLevel == 0)
    return llvm::Error::success();
  llvm::LoopAnalysisManager lam;
  llvm::FunctionAnalysisManager fam;
  llvm::CGSCCAnalysisManager cgam;
  llvm::ModuleAnalysisManager mam;
  llvm::PipelineTuningOptions tuning;
  // LLVM's own unroll passes are off; one unroll pass with the capped full-unroll count runs
  // at the end of the pipeline instead (followed by the clean-up the default one gets).
  tuning.LoopUnrolling = false;
  tuning.LoopInterleaving = true;
  tuning.LoopVectorization = optLevel > 1;
  tuning.SLPVectorization = optLevel > 1;
  llvm::PassBuilder pb(tm, tuning);
  pb.registerOptimizerLastEPCallback([optLevel](llvm::ModulePassManager &mpm,
                                                llvm::OptimizationLevel) {
    llvm::FunctionPassManager fpm;
    fpm.addPass(llvm::LoopUnrollPass(llvm::LoopUnrollOptions(static_cast<int>(optLevel))
                                         .setFullUnrollMaxCount(kMaxFullUnrollCount)
                                         .setPartial(false)
                                         .setRuntime(false)));
    fpm.addPass(llvm::InstCombinePass());
    fpm.addPass(llvm::SimplifyCFGPass());
    mpm.addPass(llvm::createModuleToFunctionPassAdaptor(std::move(fpm)));
  });
  pb.registerModuleAnalyses(mam);
  pb.registerCGSCCAnalyses(cgam);
  pb.registerFunctionAnalyses(fam);
  pb.registerLoopAnalyses(lam);
  pb.crossRegisterProxies(lam, fam, cgam, mam);
  llvm::OptimizationLevel level = optLevel == 1   ? llvm::OptimizationLevel::O1
                                  : optLevel == 2 ? llvm::OptimizationLevel::O2
                                                  : llvm::OptimizationLevel::O3;
  llvm::ModulePassManager mpm = pb.buildPerModuleDefaultPipeline(level);
  mpm.run(module, mam);
  return llvm::Error::success();
}

std::unique_ptr<llvm::Module> translateForTarget(ModuleOp lowered, llvm::LLVMContext &llvmContext,
                                                 llvm::TargetMachine &tm) {
  std::unique_ptr<llvm::Module> llvmModule = translateModuleToLLVMIR(lowered, llvmContext);
  if (!llvmModule) {
    emitError(lowered.getLoc()) << "translation to LLVM IR failed";
    return nullptr;
  }
  llvmModule->setTargetTriple(tm.getTargetTriple().str());
  llvmModule->setDataLayout(tm.createDataLayout());
  // Every function gets the target's CPU and features so that LLVM's
  // vectorizers and instruction selection use them (e.g. AVX-512 FMAs).
  for (llvm::Function &fn : *llvmModule) {
    if (fn.isDeclaration())
      continue;
    fn.addFnAttr("target-cpu", tm.getTargetCPU());
    fn.addFnAttr("target-features", tm.getTargetFeatureString());
  }
  return llvmModule;
}

std::string emitMachineCode(llvm::Module &module, llvm::TargetMachine &tm,
                            llvm::raw_pwrite_stream &os, llvm::CodeGenFileType kind) {
  llvm::legacy::PassManager codegen;
  if (tm.addPassesToEmitFile(codegen, os, nullptr, kind))
    return "the target cannot emit this file type";
  codegen.run(module);
  return "";
}

FailureOr<std::unique_ptr<llvm::Module>>
translateToLLVMIR(ModuleOp module, llvm::LLVMContext &llvmContext, const CodegenOptions &options) {
  OwningOpRef<ModuleOp> clone = module.clone();
  if (failed(lowerToLLVMDialect(*clone, options)))
    return failure();
  std::string error;
  std::unique_ptr<llvm::TargetMachine> tm = createTargetMachine(options, error);
  if (!tm) {
    emitError(module.getLoc()) << error;
    return failure();
  }
  std::unique_ptr<llvm::Module> llvmModule = translateForTarget(*clone, llvmContext, *tm);
  if (!llvmModule)
    return failure();
  markEntriesUnoptimized(*llvmModule, options);
  if (llvm::Error err = optimizeLLVMModule(*llvmModule, options.optLevel, tm.get())) {
    emitError(module.getLoc()) << "LLVM optimization failed: " << llvm::toString(std::move(err));
    return failure();
  }
  return llvmModule;
}

LogicalResult emitLLVMIR(ModuleOp module, llvm::raw_ostream &os, const CodegenOptions &options) {
  llvm::LLVMContext llvmContext;
  FailureOr<std::unique_ptr<llvm::Module>> llvmModule =
      translateToLLVMIR(module, llvmContext, options);
  if (failed(llvmModule))
    return failure();
  (*llvmModule)->print(os, nullptr);
  return success();
}

static LogicalResult emitWithTargetMachine(ModuleOp module, llvm::raw_pwrite_stream &os,
                                           const CodegenOptions &options,
                                           llvm::CodeGenFileType kind) {
  llvm::LLVMContext llvmContext;
  FailureOr<std::unique_ptr<llvm::Module>> llvmModule =
      translateToLLVMIR(module, llvmContext, options);
  if (failed(llvmModule))
    return failure();
  std::string error;
  std::unique_ptr<llvm::TargetMachine> tm = createTargetMachine(options, error);
  if (!tm)
    return emitError(module.getLoc()) << error;
  std::string failure = emitMachineCode(**llvmModule, *tm, os, kind);
  if (!failure.empty())
    return emitError(module.getLoc()) << failure;
  return success();
}

LogicalResult emitAssembly(ModuleOp module, llvm::raw_pwrite_stream &os,
                           const CodegenOptions &options) {
  return emitWithTargetMachine(module, os, options, llvm::CodeGenFileType::AssemblyFile);
}

LogicalResult emitObjectFile(ModuleOp module, llvm::raw_pwrite_stream &os,
                             const CodegenOptions &options) {
  return emitWithTargetMachine(module, os, options, llvm::CodeGenFileType::ObjectFile);
}

LogicalResult emitObjectFile(ModuleOp module, llvm::StringRef path, const CodegenOptions &options) {
  std::error_code ec;
  llvm::ToolOutputFile out(path, ec, llvm::sys::fs::OF_None);
  if (ec)
    return emitError(module.getLoc()) << "cannot open '" << path << "': " << ec.message();
  if (failed(emitObjectFile(module, out.os(), options)))
    return failure();
  out.keep();
  return success();
}

} // namespace grad
