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

/// Causal self-attention on [B,T,H*D] q, k, v, with a bool mask argument: per-(batch, head)
/// gemms of T x T x D (below OpenBLAS's threading threshold: their batch loops are an OpenMP
/// loop, Note [Parallel batches of small gemms]) and a masked softmax (Note [Boolean inputs
/// are read as bytes]).
Tensor attention(const std::vector<Tensor>& a) {
  int64_t b = a[0].shape()[0], t = a[0].shape()[1], h = 4, d = a[0].shape()[2] / h;
  auto heads = [&](const Tensor& z) { return permute(reshape(z, {b, t, h, d}), {0, 2, 1, 3}); };
  Tensor scores = matmul(heads(a[0]), transpose(heads(a[1]), 2, 3)) * 0.25;
  Tensor att = matmul(softmax(where(a[3], scores, -1e9), -1), heads(a[2]));
  Tensor out = reshape(permute(att, {0, 2, 1, 3}), {b, t, h * d});
  return sum(out * out);
}

TEST(ParallelJit, AttentionBatchGemmsAndMaskedSoftmax) {
  ThreadCountGuard guard;
  int64_t b = 6, t = 32, hd = 64;
  Tensor q = randn({b, t, hd}, 3), k = randn({b, t, hd}, 4), v = randn({b, t, hd}, 5);
  std::vector<bool> causal(t * t);
  for (int64_t i = 0; i < t; ++i)
    for (int64_t j = 0; j < t; ++j)
      causal[i * t + j] = j <= i;
  Tensor mask = bool_tensor(causal, {t, t});
  auto step = jit(value_and_grad(attention, {0, 1, 2}));
  set_num_threads(2);
  auto [v1, g1] = step({q, k, v, mask});
  auto [v2, g2] = step({q, k, v, mask});
  set_num_threads(1);
  auto [v3, g3] = step({q, k, v, mask});
  EXPECT_TRUE(bitwiseEqual(v1, v2));
  EXPECT_TRUE(bitwiseEqual(v1, v3));
  auto [ve, ge] = value_and_grad(attention, {0, 1, 2})({q, k, v, mask});
  EXPECT_NEAR(v1.item<float>(), ve.item<float>(), 1e-4 * std::abs(ve.item<float>()));
  for (size_t i = 0; i < 3; ++i) {
    EXPECT_TRUE(bitwiseEqual(g1[i], g2[i])) << "gradient " << i;
    EXPECT_TRUE(bitwiseEqual(g1[i], g3[i])) << "gradient " << i;
    EXPECT_LT(grad::max(abs(g1[i] - ge[i])).item<float>(),
              1e-4 * grad::max(abs(ge[i])).item<float>() + 1e-5)
        << "gradient " << i;
  }
}

} // namespace
} // namespace grad
