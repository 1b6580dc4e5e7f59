// Hardening (issue 11) of the compiled path through grad::jit: zero-size tensors (a 0 dim in
// a 2-D elementwise op, 0xM and K=0 matmuls, with and without a fused epilogue, reductions of
// empty dims) compile at the default optimization level and give the eager results; relu of
// NaN is NaN compiled as eagerly; value_and_grad's zero gradients and seeds are splats.
#include "grad/jit.h"

#include "grad/ops.h"
#include "grad/transforms.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

using namespace grad;

namespace {

void expectSame(const Tensor &got, const Tensor &want) {
  ASSERT_EQ(got.shape(), want.shape());
  ASSERT_EQ(got.dtype(), want.dtype());
  std::vector<double> g = got.to(DType::f64).to_vector<double>();
  std::vector<double> w = want.to(DType::f64).to_vector<double>();
  for (size_t i = 0; i < g.size(); ++i) {
    if (std::isnan(w[i]))
      EXPECT_TRUE(std::isnan(g[i])) << i;
    else
      EXPECT_NEAR(g[i], w[i], 1e-5) << i;
  }
}

/// Runs `fn` on `args` compiled (native CPU) and eagerly and compares every output.
template <class F> void expectJitMatchesEager(F fn, const std::vector<Tensor> &args) {
  std::vector<Tensor> want = fn(args);
  auto compiled = jit(fn);
  std::vector<Tensor> got = compiled(args);
  ASSERT_EQ(got.size(), want.size());
  for (size_t i = 0; i < got.size(); ++i) {
    SCOPED_TRACE("output " + std::to_string(i));
    expectSame(got[i], want[i]);
  }
}

TEST(JitZeroSize, ElementwiseWithAZeroDim) {
  for (Shape shape : {Shape{0, 5}, Shape{5, 0}, Shape{0, 0}, Shape{3, 0, 4}, Shape{0}}) {
    SCOPED_TRACE(shape_str(shape));
    expectJitMatchesEager(
        [](const std::vector<Tensor> &a) {
          Tensor y = relu(a[0]) * 2.0 + exp(a[1]);
          return std::vector<Tensor>{y, gt(a[0], a[1])};
        },
        {zeros(shape), ones(shape)});
  }
}

TEST(JitZeroSize, Matmuls) {
  auto mm = [](const std::vector<Tensor> &a) { return std::vector<Tensor>{matmul(a[0], a[1])}; };
  expectJitMatchesEager(mm, {randn({0, 3}, 1), randn({3, 4}, 2)}); // 0xM
  expectJitMatchesEager(mm, {randn({3, 4}, 1), randn({4, 0}, 2)}); // N = 0
  // K = 0: a zero-filled result.
  std::vector<Tensor> out = jit(mm)({randn({3, 0}, 1), randn({0, 4}, 2)});
  expectSame(out[0], zeros({3, 4}));
  expectJitMatchesEager(mm, {randn({2, 3, 0}, 1), randn({2, 0, 5}, 2)}); // batched K = 0
  // K = 0 with an epilogue the codegen fuses into the matmul's tiles.
  expectJitMatchesEager(
      [](const std::vector<Tensor> &a) {
        return std::vector<Tensor>{relu(matmul(a[0], a[1]) + a[2])};
      },
      {randn({16, 0}, 1), randn({0, 32}, 2), randn({32}, 3)});
  // Large enough for the BLAS path's planning (which must not emit a gemm with a 0 extent).
  expectJitMatchesEager(mm, {randn({256, 0}, 1), randn({0, 256}, 2)});
}

TEST(JitZeroSize, ReductionsOfEmptyDims) {
  expectJitMatchesEager(
      [](const std::vector<Tensor> &a) {
        return std::vector<Tensor>{sum(a[0], int64_t(1)), mean(a[1], int64_t(0)), sum(a[0])};
      },
      {zeros({4, 0}), zeros({0, 3})});
}

TEST(JitNaN, ReluPropagatesNaNLikeEager) {
  const float nan = std::numeric_limits<float>::quiet_NaN();
  Tensor x = tensor({nan, -1.0f, 0.0f, 2.0f, nan, -3.0f, 4.0f, nan, 1.0f, -0.5f, nan, 7.0f,
                     nan, nan, -2.0f, 3.0f, 5.0f},
                    {17});
  expectJitMatchesEager(
      [](const std::vector<Tensor> &a) {
        return std::vector<Tensor>{relu(a[0]), maximum(a[0], zeros_like(a[0])), relu(a[0]) + 1.0};
      },
      {x});
  std::vector<float> y = jit([](const std::vector<Tensor> &a) { return relu(a[0]); })({x})
                             .to_vector<float>();
  EXPECT_TRUE(std::isnan(y[0]));
}

TEST(JitSplat, UnusedInputGetsAZeroGradient) {
  // The gradient of an input the output does not depend on is a splat zero constant (never an
  // eager tensor of its size); it still runs and gives zeros.
  auto f = jit(value_and_grad(
      [](const std::vector<Tensor> &a) { return sum(a[0] * a[0]); }, {0, 1}));
  auto [value, grads] = f({tensor({1.0f, 2.0f}, {2}), ones({64, 64})});
  EXPECT_FLOAT_EQ(value.item<float>(), 5.0f);
  expectSame(grads[0], tensor({2.0f, 4.0f}, {2}));
  expectSame(grads[1], zeros({64, 64}));
}

} // namespace
