// grad::jit with JitOptions::device = Device::CUDA. Without a usable GPU the first call throws
// a grad::Error that names the reason; with one, the jitted loss and gradients match the CPU.
#include "grad/Gpu/GpuJit.h"
#include "grad/autograd.h"
#include "grad/jit.h"
#include "grad/ops.h"
#include "grad/transforms.h"

#include <gtest/gtest.h>

#include <cmath>

namespace {

grad::Tensor loss(const std::vector<grad::Tensor> &a) {
  grad::Tensor h = grad::relu(grad::matmul(a[0], a[1]) + a[2]);
  return grad::mean(h * h);
}

std::vector<grad::Tensor> args() {
  return {grad::randn({8, 5}, 1), grad::randn({5, 3}, 2), grad::randn({3}, 3)};
}

grad::JitOptions cuda() {
  grad::JitOptions options;
  options.device = grad::Device::CUDA;
  return options;
}

TEST(JitDevice, CpuIsTheDefault) { EXPECT_EQ(grad::JitOptions().device, grad::Device::CPU); }

TEST(JitDevice, CudaWithoutADeviceThrowsTheReason) {
  std::string reason;
  if (grad::cudaDeviceAvailable(&reason))
    GTEST_SKIP() << "a CUDA device is present";
  auto step = grad::jit(grad::value_and_grad(loss, {1, 2}), cuda());
  try {
    step(args());
    FAIL() << "expected grad::Error";
  } catch (const grad::Error &e) {
    EXPECT_EQ(std::string(e.what()),
              "jit: device CUDA was requested but cannot be used: " + reason);
  }
}

TEST(JitDevice, CudaMatchesTheCpu) {
  std::string reason;
  if (!grad::cudaDeviceAvailable(&reason))
    GTEST_SKIP() << "no GPU to run on: " << reason;
  auto [cpuValue, cpuGrads] = grad::jit(grad::value_and_grad(loss, {1, 2}))(args());
  auto [gpuValue, gpuGrads] = grad::jit(grad::value_and_grad(loss, {1, 2}), cuda())(args());
  EXPECT_NEAR(gpuValue.item<double>(), cpuValue.item<double>(),
              1e-5 + 1e-4 * std::abs(cpuValue.item<double>()));
  ASSERT_EQ(gpuGrads.size(), cpuGrads.size());
  for (size_t i = 0; i < gpuGrads.size(); ++i) {
    std::vector<double> g = gpuGrads[i].to_vector<double>(), c = cpuGrads[i].to_vector<double>();
    ASSERT_EQ(g.size(), c.size());
    for (size_t j = 0; j < g.size(); ++j)
      EXPECT_NEAR(g[j], c[j], 1e-5 + 1e-4 * std::abs(c[j])) << "gradient " << i << "[" << j << "]";
  }
}

} // namespace
