// nn layers (Linear, activations, LayerNorm, Embedding, Sequential) against hand-computed
// values in plain doubles.
#include <gtest/gtest.h>

#include <cmath>

#include "grad/autograd.h"
#include "grad/nn.h"
#include "grad/ops.h"

namespace {

using grad::Tensor;
namespace nn = grad::nn;

// Writes `values` into a parameter without recording (as an init routine would).
void set(Tensor p, std::vector<double> values) {
  grad::NoGradGuard no_grad;
  p.copy_(grad::tensor(std::move(values), p.shape()).to(p.dtype()));
}

TEST(Linear, InitIsUniformWithinPyTorchBound) {
  nn::Linear lin(nn::LinearOptions(100, 50).seed(1));
  const double bound = 1.0 / std::sqrt(100.0);
  auto w = lin.weight.to_vector<double>();
  double lo = 1, hi = -1, mean = 0;
  for (double v : w) {
    lo = std::min(lo, v);
    hi = std::max(hi, v);
    mean += v / static_cast<double>(w.size());
  }
  EXPECT_GE(lo, -bound);
  EXPECT_LE(hi, bound);
  // 5000 uniform samples: the extremes come close to the bound, the mean close to 0.
  EXPECT_LT(lo, -0.95 * bound);
  EXPECT_GT(hi, 0.95 * bound);
  EXPECT_NEAR(mean, 0.0, 0.01);
  for (double v : lin.bias.to_vector<double>())
    EXPECT_LE(std::abs(v), bound);
  EXPECT_NE(lin.bias.to_vector<double>()[0], w[0]);
}

TEST(Linear, ForwardMatchesHandComputation) {
  nn::Linear lin(nn::LinearOptions(3, 2).dtype(grad::kFloat64));
  set(lin.weight, {1, 2, 3, -1, 0.5, 2});
  set(lin.bias, {0.25, -4});
  Tensor x = grad::tensor(std::vector<double>{1, 0, -1, 2, 3, 4}, {2, 3});
  auto y = lin.forward(x).to_vector<double>();
  // y[i][o] = sum_k x[i][k] W[o][k] + b[o]
  std::vector<double> expected = {1 - 3 + 0.25, -1 - 2 - 4, 2 + 6 + 12 + 0.25, -2 + 1.5 + 8 - 4};
  ASSERT_EQ(y.size(), expected.size());
  for (size_t i = 0; i < y.size(); ++i)
    EXPECT_DOUBLE_EQ(y[i], expected[i]) << i;
  EXPECT_EQ(lin.forward(grad::zeros({5, 7, 3}, grad::kFloat64)).shape(), (grad::Shape{5, 7, 2}));
}

TEST(Linear, NoBiasAndBadInput) {
  nn::Linear lin(4, 3, /*bias=*/false);
  EXPECT_FALSE(lin.bias.defined());
  EXPECT_EQ(lin.parameters().size(), 1u);
  try {
    lin.forward(grad::zeros({2, 5}));
    FAIL() << "expected grad::Error";
  } catch (const grad::Error& e) {
    std::string msg = e.what();
    EXPECT_NE(msg.find("Linear"), std::string::npos) << msg;
    EXPECT_NE(msg.find("[2,5]"), std::string::npos) << msg;
  }
  EXPECT_THROW(lin.forward(grad::zeros({2, 4}, grad::kFloat64)), grad::Error);
  EXPECT_THROW(nn::Linear(0, 3), grad::Error);
  EXPECT_THROW(nn::Linear(nn::LinearOptions(2, 2).dtype(grad::kInt64)), grad::Error);
}

TEST(Activations, MatchStdMath) {
  std::vector<double> xs = {-2.5, -0.3, 0.0, 0.7, 3.0};
  Tensor x = grad::tensor(xs, {5});
  auto relu = nn::ReLU().forward(x).to_vector<double>();
  auto tanh = nn::Tanh().forward(x).to_vector<double>();
  auto sig = nn::Sigmoid().forward(x).to_vector<double>();
  auto gelu = nn::GELU().forward(x).to_vector<double>();
  auto gelu_exact = nn::GELU("none").forward(x).to_vector<double>();
  EXPECT_EQ(nn::GELU().approximate(), "tanh");
  for (size_t i = 0; i < xs.size(); ++i) {
    double v = xs[i];
    EXPECT_DOUBLE_EQ(relu[i], v > 0 ? v : 0.0);
    EXPECT_NEAR(tanh[i], std::tanh(v), 1e-15);
    EXPECT_NEAR(sig[i], 1.0 / (1.0 + std::exp(-v)), 1e-15);
    const double k = std::sqrt(2.0 / M_PI);
    EXPECT_NEAR(gelu[i], 0.5 * v * (1.0 + std::tanh(k * (v + 0.044715 * v * v * v))), 1e-14);
    EXPECT_NEAR(gelu_exact[i], 0.5 * v * (1.0 + std::erf(v / std::sqrt(2.0))), 1e-14);
  }
}

TEST(LayerNorm, NormalizesLastDimThenAffine) {
  nn::LayerNorm ln({3}, 1e-5, true, grad::kFloat64);
  ASSERT_EQ(ln.parameters().size(), 2u);
  set(ln.weight, {1, 2, 0.5});
  set(ln.bias, {0, 1, -1});
  std::vector<double> xs = {1, 2, 6, -1, -1, 5};
  auto y = ln.forward(grad::tensor(xs, {2, 3})).to_vector<double>();
  const double w[3] = {1, 2, 0.5}, b[3] = {0, 1, -1};
  for (int r = 0; r < 2; ++r) {
    double mean = (xs[3 * r] + xs[3 * r + 1] + xs[3 * r + 2]) / 3.0, var = 0;
    for (int c = 0; c < 3; ++c)
      var += (xs[3 * r + c] - mean) * (xs[3 * r + c] - mean) / 3.0;
    for (int c = 0; c < 3; ++c)
      EXPECT_NEAR(y[3 * r + c], (xs[3 * r + c] - mean) / std::sqrt(var + 1e-5) * w[c] + b[c],
                  1e-12);
  }
  EXPECT_THROW(nn::LayerNorm(grad::Shape{}), grad::Error);
}

TEST(Embedding, PicksRowsAndScattersGradient) {
  nn::Embedding emb(4, 2, /*seed=*/3, grad::kFloat64);
  auto w = emb.weight.to_vector<double>();
  Tensor idx = grad::tensor(std::vector<int64_t>{2, 0, 2}, {3});
  Tensor y = emb.forward(idx);
  ASSERT_EQ(y.shape(), (grad::Shape{3, 2}));
  auto yv = y.to_vector<double>();
  const int64_t rows[3] = {2, 0, 2};
  for (int i = 0; i < 3; ++i)
    for (int j = 0; j < 2; ++j)
      EXPECT_EQ(yv[2 * i + j], w[2 * rows[i] + j]);
  y.sum().backward();
  // Row 2 was picked twice, row 0 once, rows 1 and 3 never.
  EXPECT_EQ(emb.weight.grad().to_vector<double>(), (std::vector<double>{1, 1, 0, 0, 2, 2, 0, 0}));
}

TEST(Sequential, ChainsModulesAndNamesChildren) {
  nn::Sequential seq{nn::Linear(nn::LinearOptions(2, 3).dtype(grad::kFloat64)), nn::ReLU(),
                     nn::Linear(nn::LinearOptions(3, 1).dtype(grad::kFloat64))};
  ASSERT_EQ(seq.size(), 3u);
  auto named = seq.named_parameters();
  ASSERT_EQ(named.size(), 4u);
  EXPECT_EQ(named[0].first, "0.weight");
  EXPECT_EQ(named[3].first, "2.bias");
  auto l0 = std::dynamic_pointer_cast<nn::Linear>(seq[0]);
  auto l2 = std::dynamic_pointer_cast<nn::Linear>(seq[2]);
  ASSERT_TRUE(l0 && l2);
  EXPECT_TRUE(l0->weight.is_same(named[0].second));
  set(l0->weight, {1, -1, 2, 0, -3, 1});
  set(l0->bias, {0, 1, 0});
  set(l2->weight, {1, 2, 3});
  set(l2->bias, {0.5});
  // x = [1, 2]: hidden = relu([1-2, 2+1, -3+2]) = [0, 3, 0]; out = 2*3 + 0.5.
  auto y = seq.forward(grad::tensor(std::vector<double>{1, 2}, {1, 2})).to_vector<double>();
  ASSERT_EQ(y.size(), 1u);
  EXPECT_DOUBLE_EQ(y[0], 6.5);
  EXPECT_THROW(seq[3], grad::Error);

  nn::Sequential copy = seq; // the copy constructor, not a one-element Sequential
  EXPECT_EQ(copy.size(), 3u);
  EXPECT_TRUE(copy.parameters()[0].is_same(seq.parameters()[0]));

  nn::Sequential empty;
  Tensor x = grad::ones({2});
  EXPECT_TRUE(empty.forward(x).is_same(x));
  empty.push_back(nn::Tanh());
  empty.push_back(std::make_shared<nn::Sigmoid>());
  EXPECT_EQ(empty.size(), 2u);
}

} // namespace
