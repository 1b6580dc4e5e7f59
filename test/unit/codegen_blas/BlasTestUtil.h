// Shared by the BLAS lowering tests (BlasMatmulTest.cpp, BlasFoldTest.cpp): a context with the
// grad and codegen dialects, a grad module parsed with its element type `FT` substituted, the
// BLAS codegen options, and the number of grad_gemm_f32/f64 call sites after lowering.
#pragma once

#include "grad/Codegen/Pipeline.h"
#include "grad/Dialect/Registration.h"

#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/Parser/Parser.h"

#include <gtest/gtest.h>

#include <memory>
#include <regex>
#include <string>

namespace grad::blas_test {

/// The parameter names of the (case, element type, opt level) suites: "<case>_f32_O3".
template <class Info> std::string paramName(const Info &info) {
  return std::string(std::get<0>(info.param).name) + "_" + std::get<1>(info.param) + "_O" +
         std::to_string(std::get<2>(info.param));
}

inline std::unique_ptr<mlir::MLIRContext> makeContext() {
  mlir::DialectRegistry registry;
  registerGradDialects(registry);
  registerCodegenDialects(registry);
  auto context = std::make_unique<mlir::MLIRContext>(registry);
  context->loadAllAvailableDialects();
  return context;
}

/// `source` with every `FT` replaced by `ft` ("f32" or "f64"), parsed.
inline mlir::OwningOpRef<mlir::ModuleOp> parse(const std::string &source, const std::string &ft,
                                               mlir::MLIRContext &context) {
  return mlir::parseSourceString<mlir::ModuleOp>(
      std::regex_replace(source, std::regex("FT"), ft), &context);
}

inline CodegenOptions blasOptions(unsigned optLevel) {
  CodegenOptions options;
  options.optLevel = optLevel;
  options.matmulLowering = CodegenOptions::MatmulLowering::Blas;
  return options;
}

/// The number of grad_gemm_f32/f64 call sites in the module lowered to the LLVM dialect.
inline int countGemmCalls(mlir::ModuleOp module, const CodegenOptions &options) {
  mlir::OwningOpRef<mlir::ModuleOp> clone = module.clone();
  EXPECT_TRUE(mlir::succeeded(lowerToLLVMDialect(*clone, options)));
  int calls = 0;
  clone->walk([&](mlir::LLVM::CallOp call) {
    auto callee = call.getCallee();
    if (callee && (*callee == "grad_gemm_f32" || *callee == "grad_gemm_f64"))
      ++calls;
  });
  return calls;
}

} // namespace grad::blas_test
