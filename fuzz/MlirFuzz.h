//===- MlirFuzz.h - shared set-up of the MLIR fuzz targets ------*- C++ -*-===//
//
// Each input is parsed into a fresh single-threaded MLIRContext (so that the uniqued attributes
// of one input do not pile up over a campaign) with every diagnostic swallowed: the targets
// look for crashes, sanitizer reports, hangs and escaped exceptions, not for error messages.
// Inputs whose tensors exceed a few KiB are rejected with the compiler's own resource-limit
// check, so that each execution stays fast.
//
//===----------------------------------------------------------------------===//
#pragma once

#include <string>

#include "grad/Codegen/Pipeline.h"
#include "grad/Dialect/Registration.h"
#include "grad/Dialect/ResourceLimits.h"
#include "grad/Transforms/Passes.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/IR/Verifier.h"
#include "mlir/Parser/Parser.h"
#include "mlir/Transforms/Passes.h"

#include <cstdint>
#include <memory>

namespace grad::fuzz {

/// Largest input, and largest tensor / constant of an accepted input, in bytes.
constexpr size_t kMaxInputBytes = 64 << 10;
constexpr int64_t kMaxTensorBytes = 16 << 10;

inline const mlir::DialectRegistry &fuzzRegistry() {
  static const mlir::DialectRegistry *registry = [] {
    auto *r = new mlir::DialectRegistry();
    registerGradDialects(*r);
    registerCodegenDialects(*r);
    r->insert<mlir::func::FuncDialect>();
    mlir::registerCanonicalizerPass();
    mlir::registerCSEPass();
    registerGradPasses();
    return r;
  }();
  return *registry;
}

/// A context and the parsed, verified, size-bounded module of `data`; module is null when the
/// input is rejected.
struct ParsedInput {
  std::unique_ptr<mlir::MLIRContext> context;
  std::unique_ptr<mlir::ScopedDiagnosticHandler> quiet;
  mlir::OwningOpRef<mlir::ModuleOp> module;
};

inline ParsedInput parseBounded(const uint8_t *data, size_t size) {
  ParsedInput p;
  if (size > kMaxInputBytes)
    return p;
  p.context = std::make_unique<mlir::MLIRContext>(fuzzRegistry(),
                                                  mlir::MLIRContext::Threading::DISABLED);
  p.context->loadAllAvailableDialects();
  p.quiet = std::make_unique<mlir::ScopedDiagnosticHandler>(
      p.context.get(), [](mlir::Diagnostic &) { return mlir::success(); });
  // MLIR's lexer expects a NUL after the buffer, as every file read through llvm::MemoryBuffer
  // (gradc, grad-opt) has; libFuzzer's data has none, so parse a NUL-terminated copy.
  std::string text(reinterpret_cast<const char *>(data), size);
  mlir::ParserConfig config(p.context.get(), /*verifyAfterParse=*/true);
  p.module = mlir::parseSourceString<mlir::ModuleOp>(text, config, "fuzz-input");
  if (p.module &&
      (failed(mlir::verify(*p.module)) ||
       failed(checkResourceLimits(*p.module, kMaxTensorBytes, kMaxTensorBytes, "the fuzzer"))))
    p.module = nullptr;
  return p;
}

} // namespace grad::fuzz
