// Gradient accumulation over micro-batches: the sum of the gradients of the micro-batch mean
// losses, each scaled by micro/full batch size, equals the full-batch gradient, which is also
// checked against the closed form of a linear model under MSE.
#include <gtest/gtest.h>

#include "grad/nn.h"
#include "grad/ops.h"

namespace {

using grad::Tensor;
namespace nn = grad::nn;

TEST(GradientAccumulation, MicroBatchesEqualFullBatch) {
  const int64_t n = 8, in = 3, out = 2, micro = 2;
  nn::Linear model(nn::LinearOptions(in, out).dtype(grad::kFloat64).seed(5));
  Tensor x = grad::randn({n, in}, 11, grad::kFloat64);
  Tensor t = grad::randn({n, out}, 12, grad::kFloat64);

  grad::mse_loss(model.forward(x), t).backward();
  const auto full_w = model.weight.grad().to_vector<double>();
  const auto full_b = model.bias.grad().to_vector<double>();

  // Closed form: L = 1/(n*out) sum (xW^T + b - t)^2, dL/dW[o][k] = 2/(n*out) sum_i r[i][o] x[i][k].
  const auto xv = x.to_vector<double>(), tv = t.to_vector<double>();
  const auto wv = model.weight.to_vector<double>(), bv = model.bias.to_vector<double>();
  std::vector<double> dw(out * in, 0.0), db(out, 0.0);
  for (int64_t i = 0; i < n; ++i)
    for (int64_t o = 0; o < out; ++o) {
      double r = bv[o] - tv[i * out + o];
      for (int64_t k = 0; k < in; ++k)
        r += xv[i * in + k] * wv[o * in + k];
      const double s = 2.0 / static_cast<double>(n * out) * r;
      db[o] += s;
      for (int64_t k = 0; k < in; ++k)
        dw[o * in + k] += s * xv[i * in + k];
    }
  for (size_t j = 0; j < dw.size(); ++j)
    EXPECT_NEAR(full_w[j], dw[j], 1e-12);
  for (size_t j = 0; j < db.size(); ++j)
    EXPECT_NEAR(full_b[j], db[j], 1e-12);

  model.zero_grad();
  for (int64_t s = 0; s < n; s += micro) {
    Tensor xs = grad::slice(x, 0, s, s + micro), ts = grad::slice(t, 0, s, s + micro);
    (grad::mse_loss(model.forward(xs), ts) * (static_cast<double>(micro) / n)).backward();
  }
  const auto acc_w = model.weight.grad().to_vector<double>();
  const auto acc_b = model.bias.grad().to_vector<double>();
  for (size_t j = 0; j < full_w.size(); ++j)
    EXPECT_NEAR(acc_w[j], full_w[j], 1e-13);
  for (size_t j = 0; j < full_b.size(); ++j)
    EXPECT_NEAR(acc_b[j], full_b[j], 1e-13);
}

} // namespace
