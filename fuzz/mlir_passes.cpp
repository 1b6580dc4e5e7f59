//===- mlir_passes.cpp - fuzz target: parse + verify + graph passes -------===//
//
// Parses the input as a module (grad, func and the codegen dialects), verifies it, and runs the
// graph pipeline: canonicalize + grad-fold, grad-autodiff of the first function (and of every
// function carrying a grad.autodiff attribute), canonicalize, cse, grad-fuse, then verifies the
// result again. A pass may fail with a diagnostic; it must not crash, and what it leaves must
// verify when it succeeds.
//
//===----------------------------------------------------------------------===//

#include "MlirFuzz.h"

#include "mlir/Pass/PassManager.h"
#include "mlir/Pass/PassRegistry.h"
#include "llvm/ADT/StringExtras.h"

#include <string>

using namespace mlir;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  grad::fuzz::ParsedInput in = grad::fuzz::parseBounded(data, size);
  if (!in.module)
    return 0;
  std::string autodiff = "grad-autodiff";
  for (auto fn : in.module->getOps<func::FuncOp>()) {
    // Only names the pass-option syntax can carry; others are still reached by the attribute.
    if (llvm::all_of(fn.getSymName(), [](char c) { return llvm::isAlnum(c) || c == '_'; }))
      autodiff += "{func=" + fn.getSymName().str() + "}";
    break;
  }
  std::string pipeline = "func.func(canonicalize,grad-fold)," + autodiff +
                         ",canonicalize,cse,func.func(grad-fuse)";
  PassManager pm(in.context.get());
  if (failed(parsePassPipeline(pipeline, pm)))
    __builtin_trap(); // the pipeline text is ours
  if (succeeded(pm.run(*in.module)) && failed(verify(*in.module)))
    __builtin_trap();
  return 0;
}
