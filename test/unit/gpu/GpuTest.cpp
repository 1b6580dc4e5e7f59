// The GPU backend end to end. Without a GPU: every e2e model compiles to PTX kernels plus host
// code whose mgpu* calls link against libgradrt; a bad architecture is a diagnostic; running
// reports the missing driver clearly. With a GPU (the tests skip otherwise, printing why): each
// model's outputs on the device match the reference interpreter on the same inputs.
#include "grad/Gpu/GpuJit.h"
#include "grad/Dialect/Registration.h"
#include "grad/Interpreter/Interpreter.h"
#include "grad/gradrt_gpu.h"
#include "grad/ops.h"
#include "grad/tensor.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/Parser/Parser.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <fstream>
#include <sstream>

namespace {

std::string sourcePath(const std::string &relative) {
  const char *root = std::getenv("GRAD_SOURCE_DIR");
  return std::string(root ? root : ".") + "/" + relative;
}

std::string readFile(const std::string &path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

struct Fixture {
  Fixture() : context(makeRegistry()) { context.loadAllAvailableDialects(); }
  static mlir::DialectRegistry makeRegistry() {
    mlir::DialectRegistry registry;
    grad::registerGradDialects(registry);
    grad::registerGpuCodegenDialects(registry);
    return registry;
  }
  mlir::MLIRContext context;
};

/// The e2e models (see test/lit/gpu/Inputs and examples/aot): file and entry point.
struct Model {
  const char *file;
  const char *function;
};
const Model kModels[] = {
    {"examples/aot/mlp.mlir", "mlp"},
    {"test/lit/gpu/Inputs/mlp_ce_grad.mlir", "forward"},
    {"test/lit/gpu/Inputs/transformer_grad.mlir", "forward"},
    {"test/lit/gpu/Inputs/layernorm_gelu.mlir", "block"},
};

TEST(GpuCompile, EveryModelCompilesAndItsHostCodeLinks) {
  for (const Model &model : kModels) {
    SCOPED_TRACE(model.file);
    Fixture f;
    std::string diagnostics;
    mlir::ScopedDiagnosticHandler handler(&f.context, [&](mlir::Diagnostic &d) {
      diagnostics += d.str() + "\n";
      return mlir::success();
    });
    auto module =
        mlir::parseSourceString<mlir::ModuleOp>(readFile(sourcePath(model.file)), &f.context);
    ASSERT_TRUE(module) << diagnostics;
    auto compiled = grad::GpuCompiledModule::compile(*module);
    ASSERT_TRUE(succeeded(compiled)) << diagnostics;
    EXPECT_NE((*compiled)->signature(model.function), nullptr);
  }
}

TEST(GpuCompile, UnsupportedArchitectureIsADiagnostic) {
  Fixture f;
  std::string diagnostics;
  mlir::ScopedDiagnosticHandler handler(&f.context, [&](mlir::Diagnostic &d) {
    diagnostics += d.str();
    return mlir::success();
  });
  auto module = mlir::parseSourceString<mlir::ModuleOp>(
      readFile(sourcePath("test/lit/gradc/Inputs/add.mlir")), &f.context);
  ASSERT_TRUE(module);
  grad::GpuCodegenOptions options;
  options.chip = "sm_75";
  EXPECT_TRUE(failed(grad::lowerToGpuKernels(*module, options)));
  EXPECT_NE(diagnostics.find("unsupported GPU architecture 'sm_75' (supported: sm_80, sm_90)"),
            std::string::npos)
      << diagnostics;
}

TEST(GpuRuntime, WithoutADriverEveryCallReportsIt) {
  std::string reason;
  if (grad::cudaDeviceAvailable(&reason))
    GTEST_SKIP() << "a CUDA device is present: nothing to check about a missing driver";
  grad_status_free(grad_gpu_take_error());
  EXPECT_EQ(mgpuStreamCreate(), nullptr);
  EXPECT_EQ(mgpuMemAlloc(64, nullptr, 0), nullptr);
  grad_status status = grad_gpu_take_error();
  ASSERT_NE(status, nullptr);
  EXPECT_EQ(grad_status_code(status), GRAD_STATUS_UNAVAILABLE);
  EXPECT_EQ(std::string(grad_status_message(status)), reason);
  grad_status_free(status);
  EXPECT_EQ(grad_gpu_take_error(), nullptr) << "taking the error clears it";
  if (reason.find("no CUDA driver found") == std::string::npos)
    GTEST_SKIP() << "the driver loads here but cannot open a device: " << reason;
}

TEST(GpuRun, WithoutADriverRunIsAClearError) {
  std::string reason;
  if (grad::cudaDeviceAvailable(&reason))
    GTEST_SKIP() << "a CUDA device is present";
  Fixture f;
  auto module = mlir::parseSourceString<mlir::ModuleOp>(
      readFile(sourcePath("test/lit/gradc/Inputs/add.mlir")), &f.context);
  ASSERT_TRUE(module);
  auto compiled = grad::GpuCompiledModule::compile(*module);
  ASSERT_TRUE(succeeded(compiled));
  const grad::FunctionSignature &sig = (*compiled)->signatures().front();
  std::vector<grad::Tensor> inputs;
  for (const grad::TensorSignature &in : sig.inputs)
    inputs.push_back(grad::zeros(in.shape, in.dtype));
  std::string error;
  EXPECT_TRUE(failed((*compiled)->run(sig.name, inputs, &error)));
  EXPECT_EQ(error, "function '" + sig.name + "' cannot run on the GPU: " + reason);
}

/// Inputs for a signature: normal floats, integers in [0, 4) (class labels of the models, which
/// all have 4 classes), alternating booleans.
std::vector<grad::Tensor> inputsFor(const grad::FunctionSignature &sig) {
  std::vector<grad::Tensor> inputs;
  uint64_t seed = 1;
  for (const grad::TensorSignature &in : sig.inputs) {
    switch (in.dtype) {
    case grad::DType::f32:
    case grad::DType::f64:
      inputs.push_back(grad::randn(in.shape, seed++, in.dtype));
      break;
    case grad::DType::i64: {
      std::vector<int64_t> values(grad::shape_numel(in.shape));
      for (size_t i = 0; i < values.size(); ++i)
        values[i] = static_cast<int64_t>((i * 7 + 1) % 4);
      inputs.push_back(grad::tensor(values, in.shape));
      break;
    }
    case grad::DType::b8: {
      std::vector<bool> values(grad::shape_numel(in.shape));
      for (size_t i = 0; i < values.size(); ++i)
        values[i] = i % 2 == 0;
      inputs.push_back(grad::bool_tensor(values, in.shape));
      break;
    }
    }
  }
  return inputs;
}

TEST(GpuRun, ModelsMatchTheInterpreter) {
  std::string reason;
  if (!grad::cudaDeviceAvailable(&reason))
    GTEST_SKIP() << "no GPU to run on: " << reason;
  auto arch = grad::cudaDeviceArch(&reason);
  ASSERT_TRUE(succeeded(arch)) << reason;
  grad::GpuCodegenOptions options;
  options.chip = *arch;
  for (const Model &model : kModels) {
    SCOPED_TRACE(model.file);
    Fixture f;
    auto module =
        mlir::parseSourceString<mlir::ModuleOp>(readFile(sourcePath(model.file)), &f.context);
    ASSERT_TRUE(module);
    auto compiled = grad::GpuCompiledModule::compile(*module, options);
    ASSERT_TRUE(succeeded(compiled));
    const grad::FunctionSignature *sig = (*compiled)->signature(model.function);
    ASSERT_NE(sig, nullptr);
    std::vector<grad::Tensor> inputs = inputsFor(*sig);
    auto fn = module->lookupSymbol<mlir::func::FuncOp>(model.function);
    auto want = grad::interpret(fn, inputs);
    ASSERT_TRUE(succeeded(want));
    std::string error;
    auto got = (*compiled)->run(model.function, inputs, &error);
    ASSERT_TRUE(succeeded(got)) << error;
    ASSERT_EQ(got->size(), want->size());
    for (size_t i = 0; i < got->size(); ++i) {
      SCOPED_TRACE("output " + std::to_string(i));
      ASSERT_EQ((*got)[i].shape(), (*want)[i].shape());
      std::vector<double> g = (*got)[i].to_vector<double>(), w = (*want)[i].to_vector<double>();
      for (size_t j = 0; j < g.size(); ++j)
        ASSERT_NEAR(g[j], w[j], 1e-4 + 1e-3 * std::abs(w[j])) << "element " << j;
    }
  }
}

} // namespace
