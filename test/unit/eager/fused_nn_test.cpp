// The fused eager kernels of layer_norm (forward + NativeLayerNormBackward0) and gelu's backward:
// finite differences in f64, agreement with the composite forms written with primitives in f32,
// second derivatives (create_graph takes the differentiable form), thread-count independence and
// the saved-tensor errors.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <limits>

#include "expect_error.h"
#include "gradcheck.h"

namespace grad {
namespace {

using testing::gradcheck;
using V = std::vector<Tensor>;

Tensor r(Shape s, uint64_t seed, DType dt = DType::f64) { return randn(std::move(s), seed, dt); }

/// layer_norm written with primitives (what grad::layer_norm emits while tracing).
Tensor composite_layer_norm(const Tensor& x, int64_t k, const Tensor& w, const Tensor& b,
                            double eps = 1e-5) {
  std::vector<int64_t> axes;
  for (int64_t i = x.dim() - k; i < x.dim(); ++i)
    axes.push_back(i);
  Tensor mu = mean(x, axes, true);
  Tensor xc = x - mu;
  Tensor y = xc * rsqrt(mean(xc * xc, axes, true) + eps);
  if (w.defined())
    y = y * w;
  if (b.defined())
    y = y + b;
  return y;
}

/// gelu's derivative written with primitives (the tanh form).
Tensor composite_gelu_grad(const Tensor& x, const Tensor& g) {
  const double k = 0.7978845608028654, c = 0.044715;
  Tensor t = tanh((x + x * c * x * x) * k);
  return g * ((t + 1.0) * 0.5 + x * (1.0 - t * t) * (x * x * (3.0 * c) + 1.0) * (0.5 * k));
}

double max_abs_diff(const Tensor& a, const Tensor& b) {
  return max(abs(a.to(DType::f64) - b.to(DType::f64))).item<double>();
}

TEST(FusedLayerNorm, RecordsOneNativeNode) {
  Tensor x = r({3, 5}, 1).requires_grad_();
  Tensor w = r({5}, 2).requires_grad_();
  Tensor y = layer_norm(x, {5}, w);
  ASSERT_TRUE(y.grad_fn());
  EXPECT_EQ(y.grad_fn()->name(), "NativeLayerNormBackward0");
  EXPECT_EQ(y.grad_fn()->next_edges().size(), 3u); // x, weight, bias (absent: invalid edge)
  EXPECT_FALSE(y.grad_fn()->next_edges()[2].is_valid());
  // Nothing requires grad: no node at all.
  EXPECT_FALSE(layer_norm(x.detach(), {5}).grad_fn());
}

TEST(FusedLayerNorm, GradcheckF64) {
  // Weight and bias present or not, normalized_shape of rank 1, 2 and 3.
  Tensor x = r({2, 3, 4, 5}, 3);
  for (int k = 1; k <= 3; ++k) {
    Shape ns(x.shape().end() - k, x.shape().end());
    Tensor w = r(ns, 4), b = r(ns, 5);
    EXPECT_TRUE(gradcheck([ns](const V& v) { return layer_norm(v[0], ns); }, {x})) << k;
    EXPECT_TRUE(gradcheck([ns](const V& v) { return layer_norm(v[0], ns, v[1], v[2]); }, {x, w, b}))
        << k;
    EXPECT_TRUE(gradcheck([ns](const V& v) { return layer_norm(v[0], ns, v[1]); }, {x, w})) << k;
    EXPECT_TRUE(gradcheck([ns](const V& v) { return layer_norm(v[0], ns, Tensor(), v[1]); },
                          {x, b}))
        << k;
  }
  // Rows longer than the 16 partial sums (with a tail), more row blocks than one, eps not small
  // against the variance, a transposed (strided) input.
  // (2590 outputs summed: the finite differences carry ~1e-8 of rounding, hence atol.)
  EXPECT_TRUE(gradcheck([](const V& v) { return layer_norm(v[0], {37}, v[1], v[2], 0.5); },
                        {r({70, 37}, 6), r({37}, 7), r({37}, 8)},
                        {.eps = 1e-6, .rtol = 1e-6, .atol = 1e-7, .inputs = {}}));
  EXPECT_TRUE(gradcheck([](const V& v) { return layer_norm(transpose(v[0], 0, 1), {6}, v[1]); },
                        {r({6, 4}, 9), r({6}, 10)}));
}

TEST(FusedLayerNorm, OnlySomeInputsRequireGrad) {
  Tensor x = r({4, 6}, 11), w = r({6}, 12).requires_grad_(), b = r({6}, 13);
  Tensor gy = r({4, 6}, 29);
  (layer_norm(x, {6}, w, b) * gy).sum().backward();
  ASSERT_TRUE(w.grad().defined());
  EXPECT_EQ(w.grad().shape(), (Shape{6}));
  Tensor wl = w.detach().requires_grad_();
  (composite_layer_norm(x, 1, wl, b) * gy).sum().backward();
  EXPECT_LT(max_abs_diff(w.grad(), wl.grad()), 1e-12);
}

TEST(FusedLayerNorm, MatchesCompositeF32) {
  // f32, a row length with a tail, enough rows for several threads and row blocks.
  for (Shape shape : {Shape{300, 1000}, Shape{4, 5, 48}}) {
    Shape ns{shape.back()};
    Tensor x0 = r(shape, 14, DType::f32) * 3.0 + 1.0;
    Tensor w0 = r(ns, 15, DType::f32), b0 = r(ns, 16, DType::f32);
    Tensor g = r(shape, 17, DType::f32);
    auto run = [&](bool fused) {
      Tensor x = x0.detach().requires_grad_(), w = w0.detach().requires_grad_(),
             b = b0.detach().requires_grad_();
      Tensor y = fused ? layer_norm(x, ns, w, b) : composite_layer_norm(x, 1, w, b);
      (y * g).sum().backward();
      return V{y.detach(), x.grad(), w.grad(), b.grad()};
    };
    V f = run(true), c = run(false);
    EXPECT_LT(max_abs_diff(f[0], c[0]), 1e-5);
    EXPECT_LT(max_abs_diff(f[1], c[1]), 1e-5);
    // dweight/dbias sum over up to 300 rows of values of size ~1.
    EXPECT_LT(max_abs_diff(f[2], c[2]), 1e-3);
    EXPECT_LT(max_abs_diff(f[3], c[3]), 1e-3);
  }
}

TEST(FusedLayerNorm, SecondDerivativeThroughCreateGraph) {
  // create_graph: the backward is the differentiable form; its own derivative vs finite
  // differences of the first derivative.
  testing::Fn first = [](const V& v) {
    Tensor x = v[0].requires_grad() ? v[0] : v[0].detach().requires_grad_();
    Tensor w = v[1].requires_grad() ? v[1] : v[1].detach().requires_grad_();
    EnableGradGuard enable;
    Tensor y = layer_norm(x, {4}, w, v[2]);
    Tensor gw = randn(y.shape(), 98, DType::f64);
    V gr = autograd_grad({sum(y * gw)}, {x, w}, {}, false, /*create_graph=*/true);
    return gr[0] * 2.0 + sum(gr[1]);
  };
  EXPECT_TRUE(gradcheck(first, {r({3, 4}, 18), r({4}, 19), r({4}, 20)}));
}

TEST(FusedLayerNorm, BitwiseSameAtOneAndTwoThreads) {
  const int before = get_num_threads();
  Tensor x0 = r({512, 256}, 21, DType::f32), w0 = r({256}, 22, DType::f32);
  Tensor b0 = r({256}, 23, DType::f32), g = r({512, 256}, 24, DType::f32);
  auto run = [&](int threads) {
    set_num_threads(threads);
    Tensor x = x0.detach().requires_grad_(), w = w0.detach().requires_grad_(),
           b = b0.detach().requires_grad_();
    Tensor y = gelu(layer_norm(x, {256}, w, b));
    (y * g).sum().backward();
    return V{y.detach(), x.grad(), w.grad(), b.grad()};
  };
  V one = run(1), two = run(2);
  set_num_threads(before);
  for (size_t i = 0; i < one.size(); ++i) {
    std::vector<float> a = one[i].to_vector<float>(), b = two[i].to_vector<float>();
    ASSERT_EQ(a.size(), b.size());
    EXPECT_EQ(std::memcmp(a.data(), b.data(), a.size() * sizeof(float)), 0) << "output " << i;
  }
}

TEST(FusedLayerNorm, SavedTensorErrors) {
  Tensor x = r({2, 3}, 25).requires_grad_();
  Tensor y = layer_norm(x * 1.0, {3});
  Tensor s = y.sum();
  s.backward();
  expect_error([&] { s.backward(); }, {"NativeLayerNormBackward0", "retain_graph"});

  Tensor h = x * 2.0;
  Tensor z = layer_norm(h, {3}).sum();
  h.add_(1.0);
  expect_error([&] { z.backward(); }, {"NativeLayerNormBackward0", "modified in place"});
}

TEST(FusedLayerNorm, BadInputStillNamesTheShapes) {
  expect_error([] { layer_norm(zeros({2, 3}), {3}, zeros({4})); }, {"layer_norm", "weight", "[4]"});
  expect_error([] { layer_norm(zeros({2, 3}), {2, 3}, Tensor(), zeros({3})); },
               {"layer_norm", "bias", "[3]", "[2,3]"});
}

TEST(FusedGelu, GradcheckF64AndMatchesComposite) {
  // Values from -6 to 6 (tanh saturates at both ends) and the f64 finite-difference check.
  Tensor x = arange(97, DType::f64) * 0.125 - 6.0;
  EXPECT_TRUE(gradcheck([](const V& v) { return gelu(v[0]); }, {x}));
  EXPECT_TRUE(gradcheck([](const V& v) { return gelu(v[0]); }, {r({7, 33}, 26)}));
  // Against the derivative in long double: the fused kernel (sigmoid form, no cancellation in
  // 1 - tanh^2 or 1 + tanh) is within a few ulp of the scale, as close as the composite.
  for (DType dt : {DType::f32, DType::f64}) {
    Tensor xs = r({300, 129}, 27, dt) * 3.0;
    Tensor g = r({300, 129}, 28, dt);
    Tensor xl = xs.detach().requires_grad_();
    (gelu(xl) * g).sum().backward(); // the fused kernel (no create_graph)
    std::vector<double> xv = xs.to_vector<double>(), gv = g.to_vector<double>();
    std::vector<double> fv = xl.grad().to_vector<double>();
    std::vector<double> cv = composite_gelu_grad(xs, g).to_vector<double>();
    double fused = 0, composite = 0;
    for (size_t i = 0; i < xv.size(); ++i) {
      const long double k = 0.797884560802865355879892119868763737L, c = 0.044715L, v = xv[i];
      const long double t = tanhl(k * (v + c * v * v * v));
      const long double ref =
          gv[i] * (0.5L * (1 + t) + 0.5L * v * (1 - t * t) * k * (1 + 3 * c * v * v));
      // Relative to the scale of the term, max(|g|, 1): an ulp of 1 in d times |g|.
      const double scale = std::max(std::fabs(gv[i]), 1.0);
      fused = std::max(fused, static_cast<double>(std::fabs(fv[i] - ref)) / scale);
      composite = std::max(composite, static_cast<double>(std::fabs(cv[i] - ref)) / scale);
    }
    double ulp = dt == DType::f32 ? 1.2e-7 : 2.3e-16;
    EXPECT_LT(fused, 8 * ulp) << dtype_name(dt) << " composite error " << composite / ulp << " ulp";
    EXPECT_LE(fused, composite + 2 * ulp) << dtype_name(dt);
  }
}

TEST(FusedGelu, SpecialValues) {
  const float nan = std::numeric_limits<float>::quiet_NaN();
  Tensor x = tensor({-200.f, 200.f, nan, 0.f, -9.f}).requires_grad_();
  gelu(x).sum().backward();
  std::vector<float> d = x.grad().to_vector<float>();
  EXPECT_NEAR(d[0], 0.f, 1e-20f); // the cap on exp's argument keeps e * s finite
  EXPECT_EQ(d[1], 1.f);
  EXPECT_TRUE(std::isnan(d[2]));
  EXPECT_EQ(d[3], 0.5f);
  EXPECT_NEAR(d[4], 0.f, 1e-20f);
  EXPECT_FALSE(std::isnan(d[4]));
}

} // namespace
} // namespace grad
