// clip_grad_norm_: the returned total norm and the scaled gradients, checked by hand
// (gradients [3, 4] and [12]: 2-norm 13, 1-norm 19, inf-norm 12).
#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "grad/ops.h"
#include "grad/optim.h"

namespace {

using grad::Tensor;
using Vec = std::vector<double>;

struct Params {
  Tensor a = grad::tensor(Vec{0, 0}, {2}, true);
  Tensor b = grad::tensor(Vec{0}, {1}, true);
  Tensor no_grad = grad::tensor(Vec{5}, {1}, true);
  Params() {
    a.set_grad(grad::tensor(Vec{3, -4}, {2}));
    b.set_grad(grad::tensor(Vec{12}, {1}));
  }
  std::vector<Tensor> all() const { return {a, b, no_grad}; }
};

TEST(ClipGradNorm, ScalesWhenAboveMaxNorm) {
  Params ps;
  const double norm = grad::clip_grad_norm_(ps.all(), 6.5);
  EXPECT_NEAR(norm, 13.0, 1e-12);
  const double coef = 6.5 / (13.0 + 1e-6);
  auto ga = ps.a.grad().to_vector<double>();
  EXPECT_NEAR(ga[0], 3 * coef, 1e-12);
  EXPECT_NEAR(ga[1], -4 * coef, 1e-12);
  EXPECT_NEAR(ps.b.grad().to_vector<double>()[0], 12 * coef, 1e-12);
  EXPECT_FALSE(ps.no_grad.grad().defined());
}

TEST(ClipGradNorm, LeavesSmallGradientsAlone) {
  Params ps;
  EXPECT_NEAR(grad::clip_grad_norm_(ps.all(), 100.0), 13.0, 1e-12);
  EXPECT_EQ(ps.a.grad().to_vector<double>(), (Vec{3, -4}));
  EXPECT_EQ(ps.b.grad().to_vector<double>(), (Vec{12}));
}

TEST(ClipGradNorm, OtherNorms) {
  Params ps;
  EXPECT_NEAR(grad::clip_grad_norm_(ps.all(), 100.0, 1.0), 19.0, 1e-12);
  const double inf = std::numeric_limits<double>::infinity();
  EXPECT_NEAR(grad::clip_grad_norm_(ps.all(), 6.0, inf), 12.0, 1e-12);
  EXPECT_NEAR(ps.b.grad().to_vector<double>()[0], 12 * 6.0 / (12.0 + 1e-6), 1e-12);
}

TEST(ClipGradNorm, SharedGradientIsScaledOnce) {
  // y = a + a2 may hand the same gradient tensor to both leaves: each must be scaled once.
  Tensor a = grad::tensor(Vec{0, 0}, {2}, true);
  Tensor a2 = grad::tensor(Vec{0, 0}, {2}, true);
  (a + a2).backward(grad::tensor(Vec{3, 4}, {2}));
  const double norm = grad::clip_grad_norm_({a, a2}, 1.0);
  EXPECT_NEAR(norm, std::sqrt(50.0), 1e-12);
  const double coef = 1.0 / (std::sqrt(50.0) + 1e-6);
  EXPECT_NEAR(a.grad().to_vector<double>()[1], 4 * coef, 1e-12);
  EXPECT_NEAR(a2.grad().to_vector<double>()[1], 4 * coef, 1e-12);
}

TEST(ClipGradNorm, EdgeCasesAndErrors) {
  Tensor p = grad::tensor(Vec{1}, {1}, true);
  EXPECT_EQ(grad::clip_grad_norm_({p}, 1.0), 0.0); // no gradients at all
  EXPECT_THROW(grad::clip_grad_norm_({p}, -1.0), grad::Error);
  EXPECT_THROW(grad::clip_grad_norm_({p}, 1.0, 0.0), grad::Error);
  p.set_grad(grad::tensor(Vec{std::nan("")}, {1}));
  EXPECT_THROW(grad::clip_grad_norm_({p}, 1.0, 2.0, /*error_if_nonfinite=*/true), grad::Error);
  EXPECT_TRUE(std::isnan(grad::clip_grad_norm_({p}, 1.0)));
}

} // namespace
