// Every differentiable op, three ways: the autodiff transformation on traced IR, the eager tape,
// and central finite differences, all in f64. Each case is loss = sum(op(inputs) * R) with a
// fixed random R, so that every output element gets a distinct cotangent.
#include "autodiff_check.h"

#include "grad/ops.h"

#include <gtest/gtest.h>

using namespace grad;
using namespace grad::testing;

namespace {

struct OpCase {
  std::string name;
  std::function<Tensor(const std::vector<Tensor> &)> op;
  std::vector<Tensor> inputs;
  std::vector<int64_t> argnums;
};
/// How ctest/gtest print a case (instead of its bytes).
void PrintTo(const OpCase &c, std::ostream *os) { *os << c.name; }

Tensor rnd(Shape shape, uint64_t seed) { return randn(std::move(shape), seed, DType::f64); }
/// Values in [lo, lo + width): away from kinks (abs, relu) and domain edges (log, sqrt).
Tensor uniform(Shape shape, uint64_t seed, double lo, double width) {
  return rand(std::move(shape), seed, DType::f64) * width + lo;
}
/// Random values whose magnitude is at least 0.2 (away from the kink of abs/relu at 0).
Tensor awayFromZero(Shape shape, uint64_t seed) {
  Tensor u = uniform(shape, seed, 0.2, 1.0);
  Tensor sign = where(gt(rnd(shape, seed + 1), 0.0), 1.0, -ones(shape, DType::f64));
  return u * sign;
}
/// Distinct values (no ties for max / maximum).
Tensor distinct(Shape shape, uint64_t seed) {
  int64_t n = shape_numel(shape);
  std::vector<double> v(n);
  Tensor perm = rand({n}, seed, DType::f64);
  std::vector<double> p = perm.to_vector<double>();
  for (int64_t i = 0; i < n; ++i)
    v[i] = 0.37 * i - 0.1 * n + p[i] * 0.01;
  // Shuffle deterministically by the random keys.
  std::vector<int64_t> idx(n);
  for (int64_t i = 0; i < n; ++i)
    idx[i] = i;
  std::sort(idx.begin(), idx.end(), [&](int64_t a, int64_t b) { return p[a] < p[b]; });
  std::vector<double> shuffled(n);
  for (int64_t i = 0; i < n; ++i)
    shuffled[i] = v[idx[i]];
  return tensor(shuffled, shape);
}

/// loss = sum(op(xs) * R), R fixed per output shape.
OpCase makeCase(std::string name, std::function<Tensor(const std::vector<Tensor> &)> op,
                std::vector<Tensor> inputs, std::vector<int64_t> argnums = {}) {
  if (argnums.empty())
    for (size_t i = 0; i < inputs.size(); ++i)
      if (is_floating(inputs[i].dtype()))
        argnums.push_back(static_cast<int64_t>(i));
  Tensor probe;
  {
    NoGradGuard g;
    probe = op(inputs);
  }
  Tensor weights = rnd(probe.shape(), 977);
  auto loss = [op, weights](const std::vector<Tensor> &xs) { return sum(op(xs) * weights); };
  return {std::move(name), loss, std::move(inputs), std::move(argnums)};
}

std::vector<OpCase> allCases() {
  using V = const std::vector<Tensor> &;
  std::vector<OpCase> c;
  Shape s{3, 4};
  c.push_back(makeCase("neg", [](V x) { return neg(x[0]); }, {rnd(s, 1)}));
  c.push_back(makeCase("exp", [](V x) { return exp(x[0]); }, {rnd(s, 2)}));
  c.push_back(makeCase("log", [](V x) { return log(x[0]); }, {uniform(s, 3, 0.5, 2.0)}));
  c.push_back(makeCase("sqrt", [](V x) { return sqrt(x[0]); }, {uniform(s, 4, 0.5, 2.0)}));
  c.push_back(makeCase("rsqrt", [](V x) { return rsqrt(x[0]); }, {uniform(s, 5, 0.5, 2.0)}));
  c.push_back(makeCase("abs", [](V x) { return abs(x[0]); }, {awayFromZero(s, 6)}));
  c.push_back(makeCase("tanh", [](V x) { return tanh(x[0]); }, {rnd(s, 7)}));
  c.push_back(makeCase("sigmoid", [](V x) { return sigmoid(x[0]); }, {rnd(s, 8)}));
  c.push_back(makeCase("relu", [](V x) { return relu(x[0]); }, {awayFromZero(s, 9)}));
  c.push_back(makeCase("gelu", [](V x) { return gelu(x[0]); }, {rnd(s, 10)}));
  c.push_back(makeCase("gelu_exact", [](V x) { return gelu(x[0], "none"); }, {rnd(s, 58)}));
  c.push_back(makeCase("erf", [](V x) { return erf(x[0]); }, {rnd(s, 59)}));
  c.push_back(makeCase("sin", [](V x) { return sin(x[0]); }, {rnd(s, 11)}));
  c.push_back(makeCase("cos", [](V x) { return cos(x[0]); }, {rnd(s, 12)}));
  c.push_back(makeCase("pow_scalar", [](V x) { return pow(x[0], 3.0); }, {rnd(s, 13)}));
  c.push_back(makeCase("pow_tensor", [](V x) { return pow(x[0], x[1]); },
                       {uniform(s, 14, 0.5, 1.5), rnd(s, 15)}));
  c.push_back(
      makeCase("add_broadcast", [](V x) { return add(x[0], x[1]); }, {rnd(s, 16), rnd({4}, 17)}));
  c.push_back(makeCase("sub_broadcast", [](V x) { return sub(x[0], x[1]); },
                       {rnd({3, 1}, 18), rnd({1, 4}, 19)}));
  c.push_back(makeCase("mul_broadcast", [](V x) { return mul(x[0], x[1]); },
                       {rnd({2, 3, 4}, 20), rnd({3, 1}, 21)}));
  c.push_back(makeCase("div", [](V x) { return div(x[0], x[1]); },
                       {rnd(s, 22), uniform({4}, 23, 0.5, 1.0)}));
  c.push_back(makeCase("maximum", [](V x) { return maximum(x[0], x[1]); },
                       {distinct(s, 24), distinct(s, 25)}));
  c.push_back(makeCase("minimum", [](V x) { return minimum(x[0], x[1]); },
                       {distinct(s, 26), distinct(s, 27)}));
  c.push_back(makeCase("where_cmp",
                       [](V x) { return where(gt(x[0], x[1]), x[0] * x[1], exp(x[1])); },
                       {distinct(s, 28), distinct(s, 29)}));
  c.push_back(makeCase("broadcast_to",
                       [](V x) {
                         return broadcast_to(x[0], {2, 3, 4});
                       },
                       {rnd({3, 1}, 30)}));
  c.push_back(makeCase("sum_axes",
                       [](V x) {
                         return sum(x[0], {0, 2}, true);
                       },
                       {rnd({2, 3, 4}, 31)}));
  c.push_back(makeCase("mean", [](V x) { return mean(x[0], int64_t{1}); }, {rnd({2, 3, 4}, 32)}));
  c.push_back(makeCase("max_axis", [](V x) { return max(x[0], {1}); }, {distinct(s, 33)}));
  c.push_back(makeCase("max_all", [](V x) { return max(x[0]); }, {distinct(s, 34)}));
  c.push_back(makeCase("logsumexp", [](V x) { return logsumexp(x[0], {1}); }, {rnd(s, 35)}));
  c.push_back(makeCase("matmul", [](V x) { return matmul(x[0], x[1]); },
                       {rnd({3, 4}, 36), rnd({4, 5}, 37)}));
  c.push_back(makeCase("matmul_batched", [](V x) { return matmul(x[0], x[1]); },
                       {rnd({2, 3, 4}, 38), rnd({2, 4, 5}, 39)}));
  c.push_back(makeCase("matmul_broadcast_batch", [](V x) { return matmul(x[0], x[1]); },
                       {rnd({2, 3, 4}, 40), rnd({4, 5}, 41)}));
  c.push_back(makeCase("transpose", [](V x) { return transpose(x[0], 0, 1); }, {rnd(s, 42)}));
  c.push_back(makeCase("permute",
                       [](V x) {
                         return permute(x[0], {2, 0, 1});
                       },
                       {rnd({2, 3, 4}, 43)}));
  c.push_back(makeCase("reshape", [](V x) { return reshape(x[0], {2, 6}); }, {rnd(s, 44)}));
  c.push_back(makeCase("squeeze_unsqueeze", [](V x) { return unsqueeze(squeeze(x[0], {1}), 0); },
                       {rnd({3, 1, 4}, 45)}));
  c.push_back(makeCase("slice", [](V x) { return slice(x[0], 1, 1, 4, 2); }, {rnd({3, 5}, 46)}));
  c.push_back(makeCase("concat",
                       [](V x) {
                         return concat({x[0], x[1], x[0]}, 1);
                       },
                       {rnd({2, 3}, 47), rnd({2, 2}, 48)}));
  c.push_back(makeCase("embedding", [](V x) { return embedding(x[0], x[1]); },
                       {rnd({5, 3}, 49), tensor(std::vector<int64_t>{4, 0, 4, 2}, {4})}));
  c.push_back(makeCase("softmax", [](V x) { return softmax(x[0], 1); }, {rnd(s, 50)}));
  c.push_back(makeCase("log_softmax", [](V x) { return log_softmax(x[0], 0); }, {rnd(s, 51)}));
  c.push_back(makeCase("layer_norm", [](V x) { return layer_norm(x[0], {4}, x[1], x[2]); },
                       {rnd(s, 52), rnd({4}, 53), rnd({4}, 54)}));
  c.push_back(
      makeCase("mse_loss", [](V x) { return mse_loss(x[0], x[1]); }, {rnd(s, 55), rnd(s, 56)}));
  c.push_back(makeCase("cross_entropy", [](V x) { return cross_entropy(x[0], x[1]); },
                       {rnd(s, 57), tensor(std::vector<int64_t>{3, 0, 2}, {3})}));
  return c;
}

class AutodiffOp : public ::testing::TestWithParam<OpCase> {};

TEST_P(AutodiffOp, PassMatchesTapeAndFiniteDifferences) {
  const OpCase &c = GetParam();
  PassGradients pass = gradViaPass(c.op, c.inputs, c.argnums);
  std::vector<Tensor> tape = gradViaTape(c.op, c.inputs, c.argnums);
  std::vector<Tensor> fd = gradViaFiniteDifferences(c.op, c.inputs, c.argnums);
  ASSERT_EQ(pass.grads.size(), c.argnums.size());
  Tensor eagerValue;
  {
    NoGradGuard g;
    eagerValue = c.op(c.inputs);
  }
  expectAllClose(pass.value, eagerValue, 1e-12, 1e-12, c.name + " value");
  // Compiled: other summation orders and libm calls instead of the eager kernels, same f64.
  expectAllClose(pass.nativeValue, eagerValue, 1e-10, 1e-12, c.name + " value (native)");
  ASSERT_EQ(pass.nativeGrads.size(), c.argnums.size());
  for (size_t i = 0; i < c.argnums.size(); ++i) {
    std::string what = c.name + " d/dx" + std::to_string(c.argnums[i]);
    expectAllClose(pass.grads[i], tape[i], 1e-10, 1e-12, what + " (pass vs tape)");
    expectAllClose(tape[i], fd[i], 1e-6, 1e-7, what + " (tape vs finite differences)");
    expectAllClose(pass.grads[i], fd[i], 1e-6, 1e-7, what + " (pass vs finite differences)");
    expectAllClose(pass.nativeGrads[i], tape[i], 1e-9, 1e-11, what + " (native pass vs tape)");
    expectAllClose(pass.nativeGrads[i], fd[i], 1e-6, 1e-7,
                   what + " (native pass vs finite differences)");
  }
}

INSTANTIATE_TEST_SUITE_P(EveryOp, AutodiffOp, ::testing::ValuesIn(allCases()),
                         [](const ::testing::TestParamInfo<OpCase> &info) {
                           return info.param.name;
                         });

} // namespace

namespace {

// convert's gradient converts the cotangent back; finite differences through an f32 rounding
// are meaningless, so the reference is the closed form: d/dx sum(f32(x) * R) = f64(R).
TEST(AutodiffConvert, GradientIsTheConvertedCotangent) {
  Tensor x = rnd({2, 3}, 60);
  Tensor r = randn({2, 3}, 61, DType::f32);
  auto fn = [r](const std::vector<Tensor> &xs) { return sum(convert(xs[0], DType::f32) * r); };
  PassGradients pass = gradViaPass(fn, {x}, {0});
  std::vector<Tensor> tape = gradViaTape(fn, {x}, {0});
  Tensor expected = convert(r, DType::f64);
  ASSERT_EQ(pass.grads[0].dtype(), DType::f64);
  expectAllClose(pass.grads[0], expected, 0, 0, "convert pass");
  expectAllClose(tape[0], expected, 0, 0, "convert tape");
}

} // namespace
