// GpuCompiledModule::run and grad::jit(Device::CUDA) end to end on a mock CUDA driver
// (test/lit/gpu/Inputs/mock_cuda.c: device memory is host memory, kernels do not run). What is
// checked is the host side: the JIT-ed host code and libgradrt's runtime launch every kernel
// once, load the PTX module once, free every allocation and balance streams, and the results
// come back with their shapes. Values are not checked (nothing computes them).
#include "grad/Gpu/GpuJit.h"
#include "grad/Dialect/Registration.h"
#include "grad/autograd.h"
#include "grad/jit.h"
#include "grad/ops.h"
#include "grad/transforms.h"

#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/Parser/Parser.h"

#include <gtest/gtest.h>

#include <dlfcn.h>

#include <cstdlib>
#include <fstream>
#include <sstream>

namespace {

// Loaded before any test (static initialization), so that libgradrt's dlopen("libcuda.so.1")
// finds it by its soname instead of looking for the real driver.
void *const gMock = dlopen(GRAD_MOCK_CUDA_PATH, RTLD_NOW | RTLD_GLOBAL);

struct Stats {
  long launches, modules, allocs, frees, streams, streamsDestroyed;
};

Stats stats() {
  long raw[6] = {0};
  auto fn = reinterpret_cast<void (*)(long *)>(dlsym(gMock, "mock_cuda_stats"));
  if (fn)
    fn(raw);
  return {raw[0], raw[1], raw[2], raw[3], raw[4], raw[5]};
}

std::string readSource(const std::string &relative) {
  const char *root = std::getenv("GRAD_SOURCE_DIR");
  std::ifstream in(std::string(root ? root : ".") + "/" + relative);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

TEST(GpuMockDriver, TransformerGradientRunsEveryKernelOnce) {
  ASSERT_NE(gMock, nullptr) << dlerror();
  std::string reason;
  ASSERT_TRUE(grad::cudaDeviceAvailable(&reason)) << reason;
  auto arch = grad::cudaDeviceArch(&reason);
  ASSERT_TRUE(succeeded(arch)) << reason;
  EXPECT_EQ(*arch, "sm_90"); // the mock reports compute capability 9.0

  mlir::DialectRegistry registry;
  grad::registerGradDialects(registry);
  grad::registerGpuCodegenDialects(registry);
  mlir::MLIRContext context(registry);
  auto module = mlir::parseSourceString<mlir::ModuleOp>(
      readSource("test/lit/gpu/Inputs/transformer_grad.mlir"), &context);
  ASSERT_TRUE(module);
  // How many kernels the host code launches, from the GPU IR.
  mlir::OwningOpRef<mlir::ModuleOp> lowered = module->clone();
  ASSERT_TRUE(succeeded(grad::lowerToGpuKernels(*lowered, {})));
  long launches = 0;
  lowered->walk([&](mlir::gpu::LaunchFuncOp) { ++launches; });
  ASSERT_GT(launches, 20);

  auto compiled = grad::GpuCompiledModule::compile(*module);
  ASSERT_TRUE(succeeded(compiled));
  const grad::FunctionSignature *sig = (*compiled)->signature("forward");
  ASSERT_NE(sig, nullptr);
  std::vector<grad::Tensor> inputs;
  for (const grad::TensorSignature &in : sig->inputs)
    inputs.push_back(grad::randn(in.shape, 3, in.dtype));

  Stats before = stats();
  std::string error;
  auto outputs = (*compiled)->run("forward", inputs, &error);
  ASSERT_TRUE(succeeded(outputs)) << error;
  Stats after = stats();
  EXPECT_EQ(after.launches - before.launches, launches);
  EXPECT_LE(after.modules - before.modules, 1) << "the PTX module is cached across launches";
  EXPECT_EQ(after.allocs - before.allocs, after.frees - before.frees) << "device memory leaked";
  EXPECT_EQ(after.streams - before.streams, 1);
  EXPECT_EQ(after.streamsDestroyed - before.streamsDestroyed, 1);
  ASSERT_EQ(outputs->size(), sig->outputs.size());
  for (size_t i = 0; i < outputs->size(); ++i)
    EXPECT_EQ((*outputs)[i].shape(), sig->outputs[i].shape);

  // A second call reuses the loaded module.
  ASSERT_TRUE(succeeded((*compiled)->run("forward", inputs, &error))) << error;
  EXPECT_EQ(stats().modules, after.modules);
}

TEST(GpuMockDriver, JitOnCudaRunsThroughTheRuntime) {
  ASSERT_NE(gMock, nullptr) << dlerror();
  grad::JitOptions options;
  options.device = grad::Device::CUDA;
  auto loss = [](const std::vector<grad::Tensor> &a) {
    return grad::mean(grad::relu(grad::matmul(a[0], a[1])));
  };
  Stats before = stats();
  auto [value, grads] = grad::jit(grad::value_and_grad(loss, {1}),
                                  options)({grad::randn({8, 5}, 1), grad::randn({5, 3}, 2)});
  Stats after = stats();
  EXPECT_GT(after.launches, before.launches);
  EXPECT_EQ(after.allocs - before.allocs, after.frees - before.frees);
  EXPECT_EQ(value.shape(), grad::Shape{});
  ASSERT_EQ(grads.size(), 1u);
  EXPECT_EQ(grads[0].shape(), (grad::Shape{5, 3}));
}

} // namespace
