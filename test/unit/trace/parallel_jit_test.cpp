// Compiled code split over OpenMP threads (grad-parallelize): bitwise equal run to run at 2
// threads, bitwise equal to 1 thread (each output is computed by one iteration in a fixed order),
// and within rounding of the eager result. Sizes are above the pass's min-work.
#include <gtest/gtest.h>

#include <cstring>

#include "grad/grad.h"

namespace grad {
namespace {

struct ThreadCountGuard {
  int saved = get_num_threads();
  ~ThreadCountGuard() { set_num_threads(saved); }
};

Tensor block(const std::vector<Tensor>& a) {
  Tensor y = gelu(layer_norm(a[0])) + a[0];
  return sum(y * a[1]) + sum(mean(y, 0)) + sum(max(a[0], 1));
}

bool bitwiseEqual(const Tensor& a, const Tensor& b) {
  std::vector<float> va = a.to_vector<float>(), vb = b.to_vector<float>();
  return va.size() == vb.size() && std::memcmp(va.data(), vb.data(), va.size() * 4) == 0;
}

TEST(ParallelJit, DeterministicAndThreadCountIndependent) {
  ThreadCountGuard guard;
  Tensor x = randn({512, 256}, 1), g = randn({512, 256}, 2);
  auto step = jit(value_and_grad(block, {0}));
  set_num_threads(2);
  auto [v1, g1] = step({x, g});
  auto [v2, g2] = step({x, g});
  EXPECT_TRUE(bitwiseEqual(v1, v2));
  EXPECT_TRUE(bitwiseEqual(g1[0], g2[0]));
  set_num_threads(1);
  auto [v3, g3] = step({x, g});
  EXPECT_TRUE(bitwiseEqual(v1, v3));
  EXPECT_TRUE(bitwiseEqual(g1[0], g3[0]));
  // The eager tape agrees within rounding.
  auto [ve, ge] = value_and_grad(block, {0})({x, g});
  EXPECT_NEAR(v1.item<float>(), ve.item<float>(), 1e-3 * std::abs(ve.item<float>()) + 1e-3);
  EXPECT_LT(grad::max(abs(g1[0] - ge[0])).item<float>(), 1e-4);
}

} // namespace
} // namespace grad
