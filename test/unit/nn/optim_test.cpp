// SGD and Adam against an independent reimplementation of torch.optim's update formulas in plain
// doubles, on loss(p) = sum(w * (p - t)^2) whose gradient 2 w (p - t) is written by hand.
#include <gtest/gtest.h>

#include <cmath>

#include "grad/autograd.h"
#include "grad/ops.h"
#include "grad/optim.h"

namespace {

using grad::Tensor;
namespace optim = grad::optim;
using Vec = std::vector<double>;

const Vec kW = {0.5, 2.0, 1.0, 0.1};
const Vec kT = {1.0, -2.0, 0.5, 3.0};
const Vec kP0 = {0.3, 0.1, -0.7, 2.0};

Tensor loss_of(const Tensor& p) {
  Tensor d = p - grad::tensor(kT, {4});
  return (d * d * grad::tensor(kW, {4})).sum();
}

Vec hand_grad(const Vec& p) {
  Vec g(p.size());
  for (size_t i = 0; i < p.size(); ++i)
    g[i] = 2.0 * kW[i] * (p[i] - kT[i]);
  return g;
}

struct SgdRef {
  double lr, momentum = 0, dampening = 0, weight_decay = 0;
  bool nesterov = false;
  Vec buf{};
  void step(Vec& p) {
    Vec g = hand_grad(p);
    for (size_t i = 0; i < p.size(); ++i)
      g[i] += weight_decay * p[i];
    if (momentum != 0) {
      if (buf.empty()) {
        buf = g;
      } else {
        for (size_t i = 0; i < p.size(); ++i)
          buf[i] = momentum * buf[i] + (1 - dampening) * g[i];
      }
      for (size_t i = 0; i < p.size(); ++i)
        g[i] = nesterov ? g[i] + momentum * buf[i] : buf[i];
    }
    for (size_t i = 0; i < p.size(); ++i)
      p[i] -= lr * g[i];
  }
};

struct AdamRef {
  double lr, b1 = 0.9, b2 = 0.999, eps = 1e-8, weight_decay = 0;
  bool amsgrad = false;
  int t = 0;
  Vec m{}, v{}, vmax{};
  void step(Vec& p) {
    Vec g = hand_grad(p);
    if (m.empty())
      m = v = vmax = Vec(p.size(), 0.0);
    ++t;
    for (size_t i = 0; i < p.size(); ++i) {
      g[i] += weight_decay * p[i];
      m[i] = b1 * m[i] + (1 - b1) * g[i];
      v[i] = b2 * v[i] + (1 - b2) * g[i] * g[i];
      vmax[i] = std::max(vmax[i], v[i]);
      const double second = amsgrad ? vmax[i] : v[i];
      const double bc1 = 1 - std::pow(b1, t), bc2 = 1 - std::pow(b2, t);
      p[i] -= lr / bc1 * m[i] / (std::sqrt(second) / std::sqrt(bc2) + eps);
    }
  }
};

template <class Ref>
void expect_same_trajectory(optim::Optimizer& opt, Tensor p, Ref ref, int steps = 6) {
  Vec expected = kP0;
  for (int s = 0; s < steps; ++s) {
    opt.zero_grad();
    loss_of(p).backward();
    opt.step();
    ref.step(expected);
    auto got = p.to_vector<double>();
    for (size_t i = 0; i < got.size(); ++i)
      ASSERT_NEAR(got[i], expected[i], 1e-12 * (1 + std::abs(expected[i])))
          << "step " << s << " element " << i;
  }
  // The trajectory moved: the comparison is not between two unchanged vectors.
  EXPECT_GT(std::abs(expected[0] - kP0[0]), 1e-3);
}

Tensor param() { return grad::tensor(kP0, {4}, /*requires_grad=*/true); }

TEST(SGD, Plain) {
  Tensor p = param();
  optim::SGD opt({p}, optim::SGDOptions(0.1));
  expect_same_trajectory(opt, p, SgdRef{0.1});
}

TEST(SGD, Momentum) {
  Tensor p = param();
  optim::SGD opt({p}, optim::SGDOptions(0.05).momentum(0.9));
  expect_same_trajectory(opt, p, SgdRef{0.05, 0.9});
}

TEST(SGD, MomentumDampeningWeightDecay) {
  Tensor p = param();
  optim::SGD opt({p}, optim::SGDOptions(0.05).momentum(0.8).dampening(0.3).weight_decay(0.01));
  expect_same_trajectory(opt, p, SgdRef{0.05, 0.8, 0.3, 0.01});
}

TEST(SGD, WeightDecayWithoutMomentum) {
  Tensor p = param();
  optim::SGD opt({p}, optim::SGDOptions(0.1).weight_decay(0.2));
  expect_same_trajectory(opt, p, SgdRef{0.1, 0, 0, 0.2});
}

TEST(SGD, Nesterov) {
  Tensor p = param();
  optim::SGD opt({p}, optim::SGDOptions(0.05).momentum(0.9).nesterov(true));
  expect_same_trajectory(opt, p, SgdRef{0.05, 0.9, 0, 0, true});
}

TEST(Adam, Defaults) {
  Tensor p = param();
  optim::Adam opt({p}, optim::AdamOptions(0.1));
  expect_same_trajectory(opt, p, AdamRef{0.1});
}

TEST(Adam, BetasEpsWeightDecay) {
  Tensor p = param();
  optim::Adam opt({p}, optim::AdamOptions(0.05).betas({0.8, 0.99}).eps(1e-3).weight_decay(0.1));
  expect_same_trajectory(opt, p, AdamRef{0.05, 0.8, 0.99, 1e-3, 0.1});
}

TEST(Adam, AmsGrad) {
  Tensor p = param();
  optim::Adam opt({p}, optim::AdamOptions(0.2).betas({0.5, 0.6}).amsgrad(true));
  AdamRef ref{0.2, 0.5, 0.6};
  ref.amsgrad = true;
  expect_same_trajectory(opt, p, ref, 10);
}

TEST(Optimizer, UpdatesInPlaceAndSkipsParamsWithoutGrad) {
  Tensor p = param();
  Tensor unused = grad::tensor(Vec{1.0, 2.0}, {2}, true);
  optim::SGD opt({p, unused}, optim::SGDOptions(0.1).momentum(0.5));
  Tensor alias = p; // another handle, e.g. the module's
  const uint64_t version = p.version();
  loss_of(p).backward();
  opt.step();
  EXPECT_GT(p.version(), version);
  EXPECT_TRUE(p.requires_grad());
  EXPECT_EQ(alias.to_vector<double>(), p.to_vector<double>());
  EXPECT_NE(p.to_vector<double>(), kP0);
  EXPECT_EQ(unused.to_vector<double>(), (Vec{1.0, 2.0}));
  EXPECT_TRUE(p.is_leaf());
  EXPECT_FALSE(p.grad_fn());
  opt.zero_grad();
  EXPECT_FALSE(p.grad().defined());
}

TEST(Optimizer, BadOptionsAndParamsThrow) {
  Tensor p = param();
  EXPECT_THROW(optim::SGD({p}, optim::SGDOptions(-1.0)), grad::Error);
  EXPECT_THROW(optim::SGD({p}, optim::SGDOptions(0.1).nesterov(true)), grad::Error);
  EXPECT_THROW(optim::SGD({p}, optim::SGDOptions(0.1).momentum(0.9).dampening(0.1).nesterov(true)),
               grad::Error);
  EXPECT_THROW(optim::Adam({p}, optim::AdamOptions(0.1).betas({1.0, 0.9})), grad::Error);
  EXPECT_THROW(optim::Adam({p}, optim::AdamOptions(0.1).eps(-1)), grad::Error);
  EXPECT_THROW(optim::SGD({Tensor()}, optim::SGDOptions(0.1)), grad::Error);
  EXPECT_THROW(optim::SGD({grad::tensor(std::vector<int64_t>{1, 2})}, optim::SGDOptions(0.1)),
               grad::Error);
  try {
    optim::Adam({p * 2.0}, optim::AdamOptions(0.1));
    FAIL() << "a non-leaf parameter should be rejected";
  } catch (const grad::Error& e) {
    EXPECT_NE(std::string(e.what()).find("leaf"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("Adam"), std::string::npos) << e.what();
  }
}

} // namespace
