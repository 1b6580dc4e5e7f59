// The e2e models, shared by test/e2e/models_test.cpp (eager vs jit) and
// test/unit/fusion/FusionModelsTest.cpp (before vs after --grad-fuse): one definition each.
#pragma once

#include "grad/autograd.h"
#include "grad/ops.h"
#include "grad/transforms.h"

#include <cmath>
#include <cstdint>
#include <vector>

namespace grad::e2e {

/// MLP + cross-entropy. a: x [N,8], labels i64 [N], w1 [8,16], b1 [16], w2 [16,4], b2 [4].
inline Tensor mlpLoss(const std::vector<Tensor> &a) {
  Tensor h = relu(matmul(a[0], a[2]) + a[3]);
  Tensor logits = matmul(h, a[4]) + a[5];
  return cross_entropy(logits, a[1]);
}

inline std::vector<Tensor> mlpArgs(DType dtype) {
  return {randn({6, 8}, 1, dtype),        tensor(std::vector<int64_t>{0, 3, 1, 1, 2, 3}, {6}),
          randn({8, 16}, 2, dtype) * 0.5, randn({16}, 3, dtype) * 0.1,
          randn({16, 4}, 4, dtype) * 0.5, randn({4}, 5, dtype) * 0.1};
}

/// Transformer block sizes: sequence, model width, MLP width.
constexpr int64_t kT = 4, kD = 8, kH = 16;

inline Tensor causalMask() {
  std::vector<bool> m(kT * kT);
  for (int64_t i = 0; i < kT; ++i)
    for (int64_t j = 0; j < kT; ++j)
      m[i * kT + j] = j <= i;
  return bool_tensor(m, {kT, kT});
}

/// A pre-norm transformer block (causal attention with softmax, layer_norm, gelu MLP,
/// residuals) with an MSE loss. a: x [T,D], target [T,D], wq wk wv wo [D,D], g1 b1 [D],
/// w1 [D,H], c1 [H], w2 [H,D], c2 [D], g2 b2 [D].
inline Tensor transformerLoss(const std::vector<Tensor> &a) {
  const Tensor &x = a[0];
  Tensor h = layer_norm(x, {kD}, a[6], a[7]);
  Tensor q = matmul(h, a[2]), k = matmul(h, a[3]), v = matmul(h, a[4]);
  Tensor scores = matmul(q, transpose(k, 0, 1)) / std::sqrt(static_cast<double>(kD));
  scores = where(causalMask(), scores, -1e9);
  Tensor attended = matmul(matmul(softmax(scores, -1), v), a[5]);
  Tensor x2 = x + attended;
  Tensor h2 = layer_norm(x2, {kD}, a[12], a[13]);
  Tensor mlp = matmul(gelu(matmul(h2, a[8]) + a[9]), a[10]) + a[11];
  Tensor out = x2 + mlp;
  return mse_loss(out, a[1]);
}

inline std::vector<Tensor> transformerArgs(DType dt) {
  double s = 1.0 / std::sqrt(static_cast<double>(kD));
  return {randn({kT, kD}, 10, dt),
          randn({kT, kD}, 11, dt),
          randn({kD, kD}, 12, dt) * s,
          randn({kD, kD}, 13, dt) * s,
          randn({kD, kD}, 14, dt) * s,
          randn({kD, kD}, 15, dt) * s,
          ones({kD}, dt) + randn({kD}, 16, dt) * 0.1,
          randn({kD}, 17, dt) * 0.1,
          randn({kD, kH}, 18, dt) * s,
          randn({kH}, 19, dt) * 0.1,
          randn({kH, kD}, 20, dt) * 0.25,
          randn({kD}, 21, dt) * 0.1,
          ones({kD}, dt) + randn({kD}, 22, dt) * 0.1,
          randn({kD}, 23, dt) * 0.1};
}

/// A loss with broadcasting and unused inputs. a: x [3,4], scale [4], shift [3,1], unused [2],
/// labels-like i64 [3] (unused too).
inline Tensor broadcastLoss(const std::vector<Tensor> &a) {
  Tensor y = a[0] * a[1] - a[2];
  return mean(y * y) + sum(a[1]);
}

/// f(x) = (sum x^2)^2; returns grad f(x) . v for a = {x, v}: its gradient in x is the
/// Hessian-vector product H v = 4 s v + 8 x (x . v) with s = sum x^2.
inline Tensor hvpObjective(const std::vector<Tensor> &a) {
  TensorFn f = [](const std::vector<Tensor> &b) {
    Tensor s = sum(b[0] * b[0]);
    return s * s;
  };
  auto [value, grads] = value_and_grad(f, {0})({a[0]});
  return sum(grads[0] * a[1]);
}

} // namespace grad::e2e
