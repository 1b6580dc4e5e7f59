//===- codegen.cpp - fuzz target: the CPU code generation pipeline --------===//
//
// Parses and verifies the input (tensors of at most 16 KiB: each execution stays fast), runs
// gradc's graph passes, lowers the module to the LLVM dialect with the CPU pipeline at an
// optimization level picked from the input's size (0..3: the naive loops and the tiled,
// vectorized paths) and translates it to LLVM IR. Any stage may reject the input with a
// diagnostic; none may crash.
//
//===----------------------------------------------------------------------===//

#include "MlirFuzz.h"

#include "grad/Driver/Gradc.h"

#include "mlir/Target/LLVMIR/Export.h"
#include "llvm/IR/LLVMContext.h"
#include "llvm/IR/Module.h"

using namespace mlir;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  grad::fuzz::ParsedInput in = grad::fuzz::parseBounded(data, size);
  if (!in.module)
    return 0;
  grad::GradcOptions options;
  if (failed(grad::runGraphPasses(*in.module, options)))
    return 0;
  grad::CodegenOptions codegen;
  codegen.optLevel = static_cast<unsigned>(size % 4);
  if (failed(grad::lowerToLLVMDialect(*in.module, codegen)))
    return 0;
  llvm::LLVMContext llvmContext;
  translateModuleToLLVMIR(*in.module, llvmContext);
  return 0;
}
