// Every differentiable public op: tape gradients vs central finite differences in f64.
#include <gtest/gtest.h>

#include "gradcheck.h"

namespace grad {
namespace {

using testing::gradcheck;
using V = std::vector<Tensor>;

Tensor r(Shape s, uint64_t seed) { return randn(std::move(s), seed, DType::f64); }
/// Positive inputs in [0.5, 2.5) (log, sqrt, rsqrt, pow base).
Tensor pos(Shape s, uint64_t seed) { return rand(std::move(s), seed, DType::f64) * 2.0 + 0.5; }

TEST(Gradcheck, UnaryOps) {
  Tensor x = r({3, 4}, 1);
  EXPECT_TRUE(gradcheck([](const V& v) { return neg(v[0]); }, {x}));
  EXPECT_TRUE(gradcheck([](const V& v) { return exp(v[0]); }, {x}));
  EXPECT_TRUE(gradcheck([](const V& v) { return tanh(v[0]); }, {x}));
  EXPECT_TRUE(gradcheck([](const V& v) { return sigmoid(v[0]); }, {x}));
  EXPECT_TRUE(gradcheck([](const V& v) { return gelu(v[0]); }, {x}));
  EXPECT_TRUE(gradcheck([](const V& v) { return gelu(v[0], "none"); }, {x}));
  EXPECT_TRUE(gradcheck([](const V& v) { return erf(v[0]); }, {x}));
  EXPECT_TRUE(gradcheck([](const V& v) { return sin(v[0]); }, {x}));
  EXPECT_TRUE(gradcheck([](const V& v) { return cos(v[0]); }, {x}));
  // abs and relu: away from the kink at 0 (randn values are not within 1e-6 of 0 here).
  EXPECT_TRUE(gradcheck([](const V& v) { return abs(v[0]); }, {x}));
  EXPECT_TRUE(gradcheck([](const V& v) { return relu(v[0]); }, {x}));
  Tensor p = pos({5}, 2);
  EXPECT_TRUE(gradcheck([](const V& v) { return log(v[0]); }, {p}));
  EXPECT_TRUE(gradcheck([](const V& v) { return sqrt(v[0]); }, {p}));
  EXPECT_TRUE(gradcheck([](const V& v) { return rsqrt(v[0]); }, {p}));
}

TEST(Gradcheck, BinaryOpsSameShape) {
  Tensor a = r({2, 3}, 3), b = r({2, 3}, 4);
  EXPECT_TRUE(gradcheck([](const V& v) { return add(v[0], v[1]); }, {a, b}));
  EXPECT_TRUE(gradcheck([](const V& v) { return sub(v[0], v[1]); }, {a, b}));
  EXPECT_TRUE(gradcheck([](const V& v) { return mul(v[0], v[1]); }, {a, b}));
  EXPECT_TRUE(gradcheck([](const V& v) { return div(v[0], v[1]); }, {a, pos({2, 3}, 5)}));
  EXPECT_TRUE(gradcheck([](const V& v) { return maximum(v[0], v[1]); }, {a, b}));
  EXPECT_TRUE(gradcheck([](const V& v) { return minimum(v[0], v[1]); }, {a, b}));
  EXPECT_TRUE(gradcheck([](const V& v) { return pow(v[0], v[1]); }, {pos({2, 3}, 6), b}));
}

TEST(Gradcheck, BinaryOpsBroadcast) {
  Tensor a = r({2, 3, 4}, 7), row = r({4}, 8), col = r({3, 1}, 9), s = r({}, 10);
  EXPECT_TRUE(gradcheck([](const V& v) { return add(v[0], v[1]); }, {a, row}));
  EXPECT_TRUE(gradcheck([](const V& v) { return mul(v[0], v[1]); }, {a, col}));
  EXPECT_TRUE(gradcheck([](const V& v) { return sub(v[1], v[0]); }, {a, s}));
  EXPECT_TRUE(gradcheck([](const V& v) { return div(v[0], v[1]); }, {a, pos({3, 1}, 11)}));
  EXPECT_TRUE(gradcheck([](const V& v) { return maximum(v[0], v[1]); }, {a, row}));
  EXPECT_TRUE(
      gradcheck([](const V& v) { return mul(v[0], v[1]); }, {r({3, 1}, 12), r({1, 4}, 13)}));
}

TEST(Gradcheck, ScalarOperandsAndPow) {
  Tensor x = pos({2, 3}, 14);
  EXPECT_TRUE(gradcheck([](const V& v) { return v[0] * 3.0 + 1.0; }, {x}));
  EXPECT_TRUE(gradcheck([](const V& v) { return 2.0 / v[0] - 1.0; }, {x}));
  EXPECT_TRUE(gradcheck([](const V& v) { return 1.0 - v[0] / 4.0; }, {x}));
  EXPECT_TRUE(gradcheck([](const V& v) { return pow(v[0], 3.0); }, {x}));
  EXPECT_TRUE(gradcheck([](const V& v) { return pow(v[0], -0.5); }, {x}));
}

TEST(Gradcheck, MaximumTiesSplitEqually) {
  // d/da max(a, b) at a == b is 1/2 (and the same for b): checked by hand, FD is ill-defined here.
  Tensor a = tensor(std::vector<double>{1.0, 2.0}, {2}, true);
  Tensor b = tensor(std::vector<double>{1.0, 5.0}, {2}, true);
  sum(maximum(a, b)).backward();
  EXPECT_EQ(a.grad().to_vector<double>(), (std::vector<double>{0.5, 0.0}));
  EXPECT_EQ(b.grad().to_vector<double>(), (std::vector<double>{0.5, 1.0}));
}

TEST(Gradcheck, WhereSelect) {
  Tensor a = r({3, 4}, 15), b = r({4}, 16);
  Tensor cond = gt(r({3, 4}, 17), 0.0);
  EXPECT_TRUE(gradcheck([cond](const V& v) { return where(cond, v[0], v[1]); }, {a, b}));
  EXPECT_TRUE(gradcheck([cond](const V& v) { return where(cond, v[0], 0.5); }, {a}));
}

TEST(Gradcheck, Reductions) {
  Tensor x = r({2, 3, 4}, 18);
  EXPECT_TRUE(gradcheck([](const V& v) { return sum(v[0]); }, {x}));
  EXPECT_TRUE(gradcheck([](const V& v) { return sum(v[0], {0, 2}); }, {x}));
  EXPECT_TRUE(gradcheck([](const V& v) { return sum(v[0], -1, true); }, {x}));
  EXPECT_TRUE(gradcheck([](const V& v) { return mean(v[0]); }, {x}));
  EXPECT_TRUE(gradcheck([](const V& v) { return mean(v[0], 1, true); }, {x}));
  EXPECT_TRUE(gradcheck([](const V& v) { return max(v[0], 1); }, {x}));
  EXPECT_TRUE(gradcheck([](const V& v) { return max(v[0]); }, {x}));
  EXPECT_TRUE(gradcheck([](const V& v) { return logsumexp(v[0], std::vector<int64_t>{2}); }, {x}));
  EXPECT_TRUE(gradcheck([](const V& v) { return logsumexp(v[0], {0, 1}, true); }, {x}));
}

TEST(Gradcheck, MaxReductionTiesSplitEqually) {
  Tensor x = tensor(std::vector<double>{3.0, 1.0, 3.0, 2.0}, {4}, true);
  max(x).backward();
  EXPECT_EQ(x.grad().to_vector<double>(), (std::vector<double>{0.5, 0.0, 0.5, 0.0}));
}

TEST(Gradcheck, Matmul) {
  EXPECT_TRUE(
      gradcheck([](const V& v) { return matmul(v[0], v[1]); }, {r({3, 4}, 19), r({4, 2}, 20)}));
  EXPECT_TRUE(gradcheck([](const V& v) { return matmul(v[0], v[1]); },
                        {r({2, 3, 4}, 21), r({2, 4, 5}, 22)}));
  // Batch broadcasting, 3-D x 2-D, and 1-D operands (numpy rules).
  EXPECT_TRUE(gradcheck([](const V& v) { return matmul(v[0], v[1]); },
                        {r({2, 1, 3, 4}, 23), r({3, 4, 2}, 24)}));
  EXPECT_TRUE(
      gradcheck([](const V& v) { return matmul(v[0], v[1]); }, {r({2, 3, 4}, 25), r({4, 2}, 26)}));
  EXPECT_TRUE(
      gradcheck([](const V& v) { return matmul(v[0], v[1]); }, {r({4}, 27), r({4, 2}, 28)}));
  EXPECT_TRUE(
      gradcheck([](const V& v) { return matmul(v[0], v[1]); }, {r({3, 4}, 29), r({4}, 30)}));
  EXPECT_TRUE(gradcheck([](const V& v) { return matmul(v[0], v[1]); }, {r({4}, 31), r({4}, 32)}));
  // Transposed views go to BLAS as transpose flags.
  EXPECT_TRUE(gradcheck([](const V& v) { return matmul(transpose(v[0], 0, 1), v[1]); },
                        {r({4, 3}, 33), r({4, 2}, 34)}));
}

TEST(Gradcheck, ShapeOps) {
  Tensor x = r({2, 3, 4}, 35);
  EXPECT_TRUE(gradcheck([](const V& v) { return transpose(v[0], 0, 2); }, {x}));
  EXPECT_TRUE(gradcheck([](const V& v) { return permute(v[0], {1, 2, 0}); }, {x}));
  EXPECT_TRUE(gradcheck([](const V& v) { return reshape(v[0], {4, -1}); }, {x}));
  EXPECT_TRUE(gradcheck([](const V& v) { return reshape(transpose(v[0], 0, 1), {-1}); }, {x}));
  EXPECT_TRUE(gradcheck([](const V& v) { return broadcast_to(v[0], {5, 3, 4}); }, {r({3, 1}, 36)}));
  EXPECT_TRUE(gradcheck([](const V& v) { return squeeze(v[0]); }, {r({3, 1, 2}, 37)}));
  EXPECT_TRUE(gradcheck([](const V& v) { return unsqueeze(v[0], 1); }, {r({3, 2}, 38)}));
  EXPECT_TRUE(gradcheck(
      [](const V& v) {
        return concat({v[0], v[1], v[0]}, 1);
      },
      {r({2, 3}, 39), r({2, 2}, 40)}));
  EXPECT_TRUE(gradcheck([](const V& v) { return slice(v[0], 1, 1, 3); }, {x}));
  EXPECT_TRUE(gradcheck([](const V& v) { return slice(v[0], 2, 0, 4, 2); }, {x}));
  EXPECT_TRUE(gradcheck([](const V& v) { return slice(slice(v[0], 0, 1, 7, 3), 1, -2, 3); },
                        {r({8, 3}, 41)}));
  EXPECT_TRUE(gradcheck([](const V& v) { return v[0].to(DType::f32).to(DType::f64); }, {x},
                        {.eps = 1e-2, .rtol = 1e-3, .atol = 1e-3, .inputs = {}}));
}

TEST(Gradcheck, NnComposites) {
  Tensor x = r({3, 5}, 42);
  EXPECT_TRUE(gradcheck([](const V& v) { return softmax(v[0], 1); }, {x}));
  EXPECT_TRUE(gradcheck([](const V& v) { return softmax(v[0], 0); }, {x}));
  EXPECT_TRUE(gradcheck([](const V& v) { return log_softmax(v[0], -1); }, {x}));
  Tensor labels = tensor(std::vector<int64_t>{4, 0, 2});
  EXPECT_TRUE(gradcheck([labels](const V& v) { return cross_entropy(v[0], labels); }, {x}));
  EXPECT_TRUE(gradcheck([](const V& v) { return mse_loss(v[0], v[1]); }, {x, r({3, 5}, 43)}));
  EXPECT_TRUE(gradcheck([](const V& v) { return layer_norm(v[0], {5}, v[1], v[2]); },
                        {x, r({5}, 44), r({5}, 45)}));
  EXPECT_TRUE(gradcheck([](const V& v) { return layer_norm(v[0], {2, 3}); }, {r({4, 2, 3}, 46)}));
  Tensor idx = tensor(std::vector<int64_t>{2, 0, 2, 3}, {2, 2});
  EXPECT_TRUE(gradcheck([idx](const V& v) { return embedding(v[0], idx); }, {r({4, 3}, 47)}));
}

TEST(Gradcheck, CompositeChains) {
  // A small MLP-like chain: matmul + bias broadcast + activation + reduction.
  EXPECT_TRUE(gradcheck(
      [](const V& v) { return mean(gelu(matmul(v[0], v[1]) + v[2]) * sigmoid(v[0].sum())); },
      {r({4, 3}, 48), r({3, 2}, 49), r({2}, 50)}));
}

} // namespace
} // namespace grad

namespace grad {
namespace {

using V = std::vector<Tensor>;

TEST(Gradcheck, ViewCopiesAndSumTo) {
  Tensor x = randn({3, 4}, 51, DType::f64);
  EXPECT_TRUE(
      testing::gradcheck([](const V& v) { return transpose(v[0], 0, 1).contiguous(); }, {x}));
  EXPECT_TRUE(testing::gradcheck([](const V& v) { return sum_to(v[0], {1, 4}); }, {x}));
  EXPECT_TRUE(testing::gradcheck([](const V& v) { return sum_to(v[0], {3, 1}); }, {x}));
  EXPECT_TRUE(testing::gradcheck([](const V& v) { return sum_to(v[0], {4}); }, {x}));
}

/// Second derivatives: the VJP rules differentiated by the tape (create_graph) against finite
/// differences of the first derivative. Checks that every rule is itself differentiable.
TEST(Gradcheck, SecondOrderThroughVjpRules) {
  std::vector<std::pair<const char*, testing::Fn>> fns = {
      {"exp", [](const V& v) { return exp(v[0]); }},
      {"log", [](const V& v) { return log(v[0] * v[0] + 1.0); }},
      {"tanh", [](const V& v) { return tanh(v[0]); }},
      {"sigmoid", [](const V& v) { return sigmoid(v[0]); }},
      {"gelu", [](const V& v) { return gelu(v[0]); }},
      {"erf/gelu exact", [](const V& v) { return gelu(v[0], "none") * erf(v[0]); }},
      {"sin", [](const V& v) { return sin(v[0]) * cos(v[0]); }},
      {"sqrt/rsqrt", [](const V& v) { return sqrt(v[0] * v[0] + 1.0) * rsqrt(v[0] * v[0] + 2.0); }},
      {"div/pow", [](const V& v) { return pow(v[0] * v[0] + 1.0, 1.5) / (v[0] + 3.0); }},
      {"matmul", [](const V& v) { return matmul(v[0], transpose(v[0], 0, 1)); }},
      {"softmax", [](const V& v) { return softmax(v[0], 1); }},
      {"logsumexp", [](const V& v) { return logsumexp(v[0], {0}); }},
      {"layer_norm", [](const V& v) { return layer_norm(v[0]); }},
      {"slice/concat",
       [](const V& v) {
         return concat({slice(v[0], 1, 0, 3, 2), v[0] * v[0]}, 1);
       }},
  };
  for (auto& [name, fn] : fns) {
    // First derivative as a function: x -> d/dx sum(fn(x) * w), kept differentiable.
    testing::Fn first = [fn = fn](const V& v) {
      Tensor x = v[0];
      bool leaf = !x.requires_grad();
      if (leaf)
        x = x.detach().requires_grad_();
      EnableGradGuard enable;
      Tensor y = fn({x});
      Tensor w = randn(y.shape(), 99, DType::f64);
      return autograd_grad({sum(y * w)}, {x}, {}, false, /*create_graph=*/true)[0];
    };
    EXPECT_TRUE(testing::gradcheck(first, {randn({3, 4}, 52, DType::f64)})) << name;
  }
}

} // namespace
} // namespace grad
