// Forward values of the ops against hand-computed values and closed forms (std:: math applied
// element by element in the test, loops written here for reductions and matmul).
#include <gtest/gtest.h>

#include <cmath>

#include "grad/eager.h"

namespace grad {
namespace {

void expect_near(const std::vector<double>& got, const std::vector<double>& want,
                 double tol = 1e-12) {
  ASSERT_EQ(got.size(), want.size());
  for (size_t i = 0; i < got.size(); ++i)
    EXPECT_NEAR(got[i], want[i], tol) << "element " << i;
}

TEST(Forward, UnaryClosedForms) {
  std::vector<double> xs = {-3.0, -0.5, 0.0, 0.25, 2.0, 40.0};
  Tensor x = tensor(xs);
  auto check = [&](Tensor (*op)(const Tensor&), double (*ref)(double)) {
    std::vector<double> want;
    for (double v : xs)
      want.push_back(ref(v));
    expect_near(op(x).to_vector<double>(), want, 1e-15);
  };
  check(neg, [](double v) { return -v; });
  check(exp, [](double v) { return std::exp(v); });
  check(abs, [](double v) { return std::fabs(v); });
  check(tanh, [](double v) { return std::tanh(v); });
  check(relu, [](double v) { return v > 0 ? v : 0.0; });
  check(sin, [](double v) { return std::sin(v); });
  check(cos, [](double v) { return std::cos(v); });
  check(sigmoid, [](double v) { return 1.0 / (1.0 + std::exp(-v)); });
  check(gelu, [](double v) {
    return 0.5 * v * (1 + std::tanh(std::sqrt(2.0 / M_PI) * (v + 0.044715 * v * v * v)));
  });
  Tensor p = tensor({0.25, 1.0, 4.0});
  expect_near(log(p).to_vector<double>(), {std::log(0.25), 0.0, std::log(4.0)});
  expect_near(sqrt(p).to_vector<double>(), {0.5, 1.0, 2.0});
  expect_near(rsqrt(p).to_vector<double>(), {2.0, 1.0, 0.5});
}

// erf against std::erf over enough elements for whole SIMD vectors plus a tail, in f64 and f32;
// exact gelu against 0.5 x (1 + erf(x / sqrt 2)) and PyTorch's gelu(approximate="none") values.
TEST(Forward, ErfAndExactGelu) {
  std::vector<double> xs;
  for (int i = 0; i < 37; ++i)
    xs.push_back(-6.0 + 12.0 * i / 36.0 + 1e-3 * i);
  xs.push_back(0.0);
  xs.push_back(-0.0);
  xs.push_back(1e-8);
  std::vector<double> want_erf, want_gelu;
  for (double v : xs) {
    want_erf.push_back(std::erf(v));
    want_gelu.push_back(0.5 * v * (1.0 + std::erf(v / std::sqrt(2.0))));
  }
  Tensor x = tensor(xs);
  expect_near(erf(x).to_vector<double>(), want_erf, 4e-16);
  expect_near(gelu(x, "none").to_vector<double>(), want_gelu, 4e-15);
  std::vector<float> xf(xs.begin(), xs.end());
  std::vector<float> got = erf(tensor(xf)).to_vector<float>();
  for (size_t i = 0; i < xs.size(); ++i)
    EXPECT_NEAR(got[i], std::erf(xf[i]), 2e-7f) << "element " << i;
  // 0.5 x (1 + erf(x / sqrt 2)) from Python's math.erf at -1, 0.5, 2 (what PyTorch's default
  // gelu computes); the tanh form differs from it.
  expect_near(gelu(tensor({-1.0, 0.5, 2.0}), "none").to_vector<double>(),
              {-0.15865525393145707, 0.34573123063700656, 1.9544997361036416}, 1e-15);
  EXPECT_GT(std::abs(gelu(tensor({-1.0}), "tanh").item<double>() + 0.15865525393145707), 1e-4);
  EXPECT_EQ(gelu(tensor({0.5}), "tanh").item<double>(), gelu(tensor({0.5})).item<double>());
}

TEST(Forward, SigmoidIsStableForLargeInputs) {
  std::vector<float> s = sigmoid(tensor({-1000.f, -100.f, 100.f, 1000.f})).to_vector<float>();
  EXPECT_EQ(s[0], 0.f);
  EXPECT_GT(s[1], 0.f); // exp(-100) ~ 3.7e-44 is a float denormal, not 0 and not NaN
  EXPECT_EQ(s[2], 1.f);
  EXPECT_EQ(s[3], 1.f);
}

TEST(Forward, BinaryBroadcastingAndScalars) {
  Tensor a = tensor({1.0, 2.0, 3.0, 4.0, 5.0, 6.0}, {2, 3});
  Tensor row = tensor({10.0, 20.0, 30.0});
  Tensor col = tensor({100.0, 200.0}, {2, 1});
  expect_near(add(a, row).to_vector<double>(), {11, 22, 33, 14, 25, 36});
  expect_near(mul(a, col).to_vector<double>(), {100, 200, 300, 800, 1000, 1200});
  expect_near(sub(row, a).to_vector<double>(), {9, 18, 27, 6, 15, 24});
  expect_near(div(a, 2.0).to_vector<double>(), {0.5, 1, 1.5, 2, 2.5, 3});
  expect_near((1.0 - a).to_vector<double>(), {0, -1, -2, -3, -4, -5});
  expect_near((12.0 / a).to_vector<double>(), {12, 6, 4, 3, 2.4, 2});
  expect_near(maximum(a, tensor({3.0})).to_vector<double>(), {3, 3, 3, 4, 5, 6});
  expect_near(minimum(a, tensor({3.0})).to_vector<double>(), {1, 2, 3, 3, 3, 3});
  expect_near(pow(a, 2.0).to_vector<double>(), {1, 4, 9, 16, 25, 36});
  expect_near(pow(tensor({2.0}), a).to_vector<double>(), {2, 4, 8, 16, 32, 64});
  // Outer product by broadcasting [2,1] x [3].
  EXPECT_EQ(mul(col, row).shape(), (Shape{2, 3}));
  // Integer arithmetic stays integer.
  Tensor i = tensor(std::vector<int64_t>{1, 2, 3});
  EXPECT_EQ((i * 3.0 + 1.0).to_vector<int64_t>(), (std::vector<int64_t>{4, 7, 10}));
}

TEST(Forward, ComparisonsAndWhere) {
  Tensor a = tensor({1.0, 2.0, 3.0});
  Tensor b = tensor({3.0, 2.0, 1.0});
  EXPECT_EQ(lt(a, b).to_vector<bool>(), (std::vector<bool>{true, false, false}));
  EXPECT_EQ(le(a, b).to_vector<bool>(), (std::vector<bool>{true, true, false}));
  EXPECT_EQ(gt(a, b).to_vector<bool>(), (std::vector<bool>{false, false, true}));
  EXPECT_EQ(ge(a, 2.0).to_vector<bool>(), (std::vector<bool>{false, true, true}));
  EXPECT_EQ(eq(a, b).to_vector<bool>(), (std::vector<bool>{false, true, false}));
  EXPECT_EQ(eq(a, b).dtype(), DType::b8);
  expect_near(where(gt(a, b), a, b).to_vector<double>(), {3, 2, 3});
  expect_near(where(gt(a, 1.5), a, -1.0).to_vector<double>(), {-1, 2, 3});
  expect_near(where(gt(a, 1.5), -1.0, a).to_vector<double>(), {1, -1, -1});
  // Strided operands: a transposed condition and a broadcast row.
  Tensor m = tensor({1.0, 2.0, 3.0, 4.0}, {2, 2});
  expect_near(where(gt(transpose(m, 0, 1), 2.5), m, tensor({10.0, 20.0})).to_vector<double>(),
              {10, 2, 10, 4});
}

TEST(Forward, Reductions) {
  // x[i][j][k] = i*100 + j*10 + k, shape [2,3,4]
  std::vector<double> v;
  for (int i = 0; i < 2; ++i)
    for (int j = 0; j < 3; ++j)
      for (int k = 0; k < 4; ++k)
        v.push_back(i * 100 + j * 10 + k);
  Tensor x = tensor(v, {2, 3, 4});
  EXPECT_EQ(sum(x).item<double>(), 2 * 3 * 4 * 0 + 12 * 100 + 8 * 30 + 6 * 6);
  Tensor s1 = sum(x, 1);
  EXPECT_EQ(s1.shape(), (Shape{2, 4}));
  expect_near(s1.to_vector<double>(), {30, 33, 36, 39, 330, 333, 336, 339});
  Tensor s02 = sum(x, {0, -1}, true);
  EXPECT_EQ(s02.shape(), (Shape{1, 3, 1}));
  // sum over i,k of i*100 + j*10 + k = 4*100 + 8*10*j + 2*6
  expect_near(s02.to_vector<double>(), {412, 492, 572});
  expect_near(mean(x, 2).to_vector<double>(), {1.5, 11.5, 21.5, 101.5, 111.5, 121.5});
  expect_near(max(x, {0, 1}).to_vector<double>(), {120, 121, 122, 123});
  EXPECT_EQ(max(x).item<double>(), 123);
  // Over a transposed (strided) view: result[k][j] = sum_i x[i][j][k] = 100 + 20 j + 2 k.
  std::vector<double> want;
  for (int k = 0; k < 4; ++k)
    for (int j = 0; j < 3; ++j)
      want.push_back(100 + 20 * j + 2 * k);
  expect_near(sum(transpose(x, 0, 2), 2).to_vector<double>(), want);
  EXPECT_EQ(sum(tensor(std::vector<int64_t>{1, 2, 3})).item<int64_t>(), 6);
  // logsumexp of large values does not overflow: log(e^1000 + e^1000) = 1000 + log 2.
  EXPECT_NEAR(logsumexp(tensor({1000.0, 1000.0})).item<double>(), 1000 + std::log(2.0), 1e-12);
}

TEST(Forward, Matmul) {
  Tensor a = tensor({1.0, 2.0, 3.0, 4.0, 5.0, 6.0}, {2, 3});
  Tensor b = tensor({7.0, 8.0, 9.0, 10.0, 11.0, 12.0}, {3, 2});
  expect_near(matmul(a, b).to_vector<double>(), {58, 64, 139, 154});
  // Transposed operands (BLAS transpose flags): a^T a.
  expect_near(matmul(transpose(a, 0, 1), a).to_vector<double>(),
              {17, 22, 27, 22, 29, 36, 27, 36, 45});
  // 1-D cases: dot product and matrix-vector.
  EXPECT_EQ(matmul(tensor({1.0, 2.0, 3.0}), tensor({4.0, 5.0, 6.0})).item<double>(), 32.0);
  Tensor mv = matmul(a, tensor({1.0, 0.0, -1.0}));
  EXPECT_EQ(mv.shape(), (Shape{2}));
  expect_near(mv.to_vector<double>(), {-2, -2});
  // Batched with broadcast batch dims: [2,1,2,3] x [3,3,2] -> [2,3,2,2].
  Tensor ab =
      matmul(broadcast_to(reshape(a, {1, 1, 2, 3}), {2, 1, 2, 3}), broadcast_to(b, {3, 3, 2}));
  EXPECT_EQ(ab.shape(), (Shape{2, 3, 2, 2}));
  std::vector<double> got = ab.to_vector<double>();
  for (int i = 0; i < 6; ++i)
    expect_near(std::vector<double>(got.begin() + 4 * i, got.begin() + 4 * i + 4),
                {58, 64, 139, 154});
  // f32 through sgemm.
  EXPECT_EQ(matmul(a.to(DType::f32), b.to(DType::f32)).to_vector<float>(),
            (std::vector<float>{58, 64, 139, 154}));
}

TEST(Forward, ShapeOps) {
  Tensor x = arange(6, DType::f64);
  Tensor m = reshape(x, {2, -1});
  EXPECT_EQ(m.shape(), (Shape{2, 3}));
  EXPECT_EQ(permute(reshape(x, {1, 2, 3}), {2, 0, 1}).shape(), (Shape{3, 1, 2}));
  EXPECT_EQ(squeeze(reshape(x, {1, 6, 1})).shape(), (Shape{6}));
  EXPECT_EQ(squeeze(reshape(x, {1, 6, 1}), {-1}).shape(), (Shape{1, 6}));
  EXPECT_EQ(unsqueeze(x, -1).shape(), (Shape{6, 1}));
  Tensor c = concat({m, m * 10.0}, 0);
  expect_near(c.to_vector<double>(), {0, 1, 2, 3, 4, 5, 0, 10, 20, 30, 40, 50});
  expect_near(concat({m, m * 10.0}, -1).to_vector<double>(),
              {0, 1, 2, 0, 10, 20, 3, 4, 5, 30, 40, 50});
  expect_near(slice(x, 0, 1, 6, 2).to_vector<double>(), {1, 3, 5});
  expect_near(slice(x, 0, -2, 100).to_vector<double>(), {4, 5});
  expect_near(broadcast_to(tensor({1.0, 2.0}, {2, 1}), {2, 3}).to_vector<double>(),
              {1, 1, 1, 2, 2, 2});
  Tensor table = tensor({0.0, 1.0, 10.0, 11.0, 20.0, 21.0}, {3, 2});
  Tensor e = embedding(table, tensor(std::vector<int64_t>{2, 0, 2, 1}, {2, 2}));
  EXPECT_EQ(e.shape(), (Shape{2, 2, 2}));
  expect_near(e.to_vector<double>(), {20, 21, 0, 1, 20, 21, 10, 11});
  EXPECT_EQ(one_hot(tensor(std::vector<int64_t>{1, 0}), 3).to_vector<float>(),
            (std::vector<float>{0, 1, 0, 1, 0, 0}));
}

TEST(Forward, NnComposites) {
  Tensor x = tensor({1.0, 2.0, 3.0, 1.0, 1.0, 1.0}, {2, 3});
  double z = std::exp(1.0) + std::exp(2.0) + std::exp(3.0);
  expect_near(softmax(x, 1).to_vector<double>(),
              {std::exp(1.0) / z, std::exp(2.0) / z, std::exp(3.0) / z, 1 / 3.0, 1 / 3.0, 1 / 3.0});
  expect_near(log_softmax(x, 1).to_vector<double>(),
              {1 - std::log(z), 2 - std::log(z), 3 - std::log(z), -std::log(3.0), -std::log(3.0),
               -std::log(3.0)});
  // cross_entropy = mean(-log_softmax[label]).
  Tensor labels = tensor(std::vector<int64_t>{2, 0});
  EXPECT_NEAR(cross_entropy(x, labels).item<double>(), ((std::log(z) - 3) + std::log(3.0)) / 2,
              1e-12);
  EXPECT_NEAR(mse_loss(tensor({1.0, 2.0}), tensor({3.0, 2.0})).item<double>(), 2.0, 1e-15);
  // layer_norm of [1,2,3]: mean 2, var 2/3.
  Tensor ln = layer_norm(tensor({1.0, 2.0, 3.0}), {}, tensor({2.0, 2.0, 2.0}),
                         tensor({1.0, 1.0, 1.0}), 0.0);
  double s = 1 / std::sqrt(2.0 / 3.0);
  expect_near(ln.to_vector<double>(), {1 - 2 * s, 1, 1 + 2 * s});
}

} // namespace
} // namespace grad
