// The compiled training step (issue 10 item 3): the functional optimizers (optim::sgd_step,
// adam_step) traced into one grad::jit step with value_and_grad, against the eager tape +
// optim::SGD / optim::Adam over several steps; buffer donation (JitOptions::donate): the
// donated arguments are updated in place and returned as the outputs, the step's peak memory
// drops by the parameters and state it no longer duplicates, and bad donations are errors.
#include "grad/jit.h"

#include "grad/memory.h"
#include "grad/ops.h"
#include "grad/optim.h"
#include "grad/transforms.h"

#include "expect_error.h"

#include <gtest/gtest.h>

#include <cmath>

using namespace grad;

namespace {

constexpr int64_t kBatch = 8, kIn = 12, kHidden = 16, kClasses = 5;

std::vector<Tensor> initParams(int64_t in = kIn, int64_t hidden = kHidden,
                               int64_t classes = kClasses) {
  return {randn({in, hidden}, 1) * 0.3, randn({hidden}, 2) * 0.1, randn({hidden, classes}, 3) * 0.3,
          randn({classes}, 4) * 0.1};
}

Tensor labels(int64_t batch = kBatch, int64_t classes = kClasses) {
  std::vector<int64_t> y(batch);
  for (int64_t i = 0; i < batch; ++i)
    y[i] = (i * 3) % classes;
  return tensor(std::move(y), {batch});
}

Tensor copyOf(const Tensor &t) {
  Tensor c = empty(t.shape(), t.dtype());
  c.copy_(t);
  return c;
}

Tensor mlpLoss(const Tensor &x, const Tensor &y, const std::vector<Tensor> &p) {
  Tensor h = relu(matmul(x, p[0]) + p[1]);
  return cross_entropy(matmul(h, p[2]) + p[3], y);
}

/// Eager reference: leaves requiring grad, tape, backward, the optimizer class's step().
template <class Opt, class Options>
std::vector<std::vector<float>> eagerRun(const Options &options, int steps) {
  std::vector<Tensor> params = initParams();
  for (Tensor &p : params)
    p.requires_grad_();
  Opt opt(params, options);
  std::vector<std::vector<float>> history;
  for (int s = 0; s < steps; ++s) {
    opt.zero_grad();
    mlpLoss(randn({kBatch, kIn}, 100 + s), labels(), params).backward();
    opt.step();
  }
  for (const Tensor &p : params)
    history.push_back(p.to_vector<float>());
  return history;
}

/// The compiled step: args (x, y, params..., state...) -> (params'..., state'..., loss), the
/// optimizer update traced into the same function as value_and_grad.
template <class Step>
auto compiledStep(Step update, size_t numParams, const std::vector<int> &donate,
                  JitBackend backend = JitBackend::Native) {
  auto step = [update, numParams](const std::vector<Tensor> &a) {
    std::vector<int> argnums;
    for (size_t i = 0; i < numParams; ++i)
      argnums.push_back(static_cast<int>(2 + i));
    auto loss = [](const std::vector<Tensor> &b) {
      return mlpLoss(b[0], b[1], std::vector<Tensor>(b.begin() + 2, b.begin() + 6));
    };
    auto [value, grads] = value_and_grad(loss, argnums)(a);
    std::vector<Tensor> params(a.begin() + 2, a.begin() + 2 + numParams);
    std::vector<Tensor> state(a.begin() + 2 + numParams, a.end());
    auto [newParams, newState] = update(params, grads, state);
    std::vector<Tensor> out = newParams;
    out.insert(out.end(), newState.begin(), newState.end());
    out.push_back(value);
    return out;
  };
  JitOptions options;
  options.donate = donate;
  options.backend = backend;
  return jit(step, options);
}

std::vector<int> range(int from, int to) {
  std::vector<int> r;
  for (int i = from; i < to; ++i)
    r.push_back(i);
  return r;
}

/// Runs `steps` compiled steps from initParams() and returns the final parameters.
template <class Step>
std::vector<std::vector<float>> compiledRun(Step update, std::vector<Tensor> state, int steps,
                                            bool donate, JitBackend backend) {
  std::vector<Tensor> params = initParams();
  const int numArgs = static_cast<int>(2 + params.size() + state.size());
  auto fn = compiledStep(update, params.size(), donate ? range(2, numArgs) : std::vector<int>{},
                         backend);
  std::vector<Tensor> args = {Tensor(), labels()};
  args.insert(args.end(), params.begin(), params.end());
  args.insert(args.end(), state.begin(), state.end());
  for (int s = 0; s < steps; ++s) {
    args[0] = randn({kBatch, kIn}, 100 + s);
    std::vector<Tensor> out = fn(args);
    EXPECT_EQ(out.size(), static_cast<size_t>(numArgs - 2 + 1));
    for (int i = 2; i < numArgs; ++i) {
      if (donate) // the donated argument is the output now (updated in place)
        EXPECT_TRUE(out[i - 2].is_same(args[i])) << "argument " << i;
      args[i] = out[i - 2];
    }
    EXPECT_TRUE(std::isfinite(out.back().item<float>()));
  }
  std::vector<std::vector<float>> history;
  for (size_t i = 0; i < params.size(); ++i)
    history.push_back(args[2 + i].to_vector<float>());
  return history;
}

void expectClose(const std::vector<std::vector<float>> &got,
                 const std::vector<std::vector<float>> &want, double tol) {
  ASSERT_EQ(got.size(), want.size());
  for (size_t i = 0; i < got.size(); ++i) {
    ASSERT_EQ(got[i].size(), want[i].size());
    for (size_t k = 0; k < got[i].size(); ++k)
      ASSERT_NEAR(got[i][k], want[i][k], tol) << "parameter " << i << " element " << k;
  }
}

struct Case {
  bool donate;
  JitBackend backend;
};

class CompiledStepVsEager : public ::testing::TestWithParam<Case> {};

TEST_P(CompiledStepVsEager, SgdMomentumNesterovWeightDecay) {
  auto options = optim::SGDOptions(0.1).momentum(0.9).weight_decay(0.01).nesterov(true);
  auto want = eagerRun<optim::SGD>(options, 5);
  auto update = [options](const std::vector<Tensor> &p, const std::vector<Tensor> &g,
                          const std::vector<Tensor> &s) { return optim::sgd_step(p, g, s, options); };
  auto got = compiledRun(update, optim::sgd_init(initParams(), options), 5, GetParam().donate,
                         GetParam().backend);
  expectClose(got, want, 1e-6);
}

TEST_P(CompiledStepVsEager, SgdMomentum) {
  auto options = optim::SGDOptions(0.05).momentum(0.9);
  auto want = eagerRun<optim::SGD>(options, 5);
  auto update = [options](const std::vector<Tensor> &p, const std::vector<Tensor> &g,
                          const std::vector<Tensor> &s) { return optim::sgd_step(p, g, s, options); };
  auto got = compiledRun(update, optim::sgd_init(initParams(), options), 5, GetParam().donate,
                         GetParam().backend);
  expectClose(got, want, 1e-6);
}

TEST_P(CompiledStepVsEager, Adam) {
  auto options = optim::AdamOptions(0.01).weight_decay(0.001);
  auto want = eagerRun<optim::Adam>(options, 5);
  auto update = [options](const std::vector<Tensor> &p, const std::vector<Tensor> &g,
                          const std::vector<Tensor> &s) { return optim::adam_step(p, g, s, options); };
  auto got = compiledRun(update, optim::adam_init(initParams(), options), 5, GetParam().donate,
                         GetParam().backend);
  expectClose(got, want, 1e-6);
}

TEST_P(CompiledStepVsEager, AdamAmsgrad) {
  auto options = optim::AdamOptions(0.01).amsgrad(true);
  auto want = eagerRun<optim::Adam>(options, 4);
  auto update = [options](const std::vector<Tensor> &p, const std::vector<Tensor> &g,
                          const std::vector<Tensor> &s) { return optim::adam_step(p, g, s, options); };
  auto got = compiledRun(update, optim::adam_init(initParams(), options), 4, GetParam().donate,
                         GetParam().backend);
  expectClose(got, want, 1e-6);
}

INSTANTIATE_TEST_SUITE_P(Modes, CompiledStepVsEager,
                         ::testing::Values(Case{true, JitBackend::Native},
                                           Case{false, JitBackend::Native},
                                           Case{true, JitBackend::Interpreter}),
                         [](const auto &info) {
                           return std::string(info.param.donate ? "Donated" : "NotDonated") +
                                  (info.param.backend == JitBackend::Native ? "Native"
                                                                            : "Interpreter");
                         });

TEST(FunctionalOptim, EagerSgdStepEqualsSgdClass) {
  auto options = optim::SGDOptions(0.1).momentum(0.5);
  Tensor p = tensor(std::vector<float>{1, -2, 3}, {3}, true);
  optim::SGD opt({p}, options);
  std::vector<Tensor> fp = {tensor(std::vector<float>{1, -2, 3}, {3})};
  std::vector<Tensor> state = optim::sgd_init(fp, options);
  for (int s = 0; s < 3; ++s) {
    Tensor g = tensor(std::vector<float>{0.5f * s + 1, -1, 2}, {3});
    opt.zero_grad();
    (p * g).sum().backward();
    opt.step();
    std::tie(fp, state) = optim::sgd_step(fp, {g}, state, options);
  }
  // Hand check of the first element: buffers 1, 0.5*1+1.5=2, 0.5*2+2=3; p = 1-.1-.2-.3 = 0.4.
  EXPECT_NEAR(fp[0].to_vector<float>()[0], 0.4f, 1e-6);
  auto want = p.to_vector<float>(), got = fp[0].to_vector<float>();
  for (size_t i = 0; i < want.size(); ++i)
    EXPECT_NEAR(got[i], want[i], 1e-6);
}

TEST(FunctionalOptim, BadInput) {
  std::vector<Tensor> p = {zeros({2, 3})};
  expect_error([&] { optim::sgd_step(p, {zeros({3, 2})}, {}, optim::SGDOptions(0.1)); },
               {"sgd_step", "gradient #0", "f32[3,2]", "f32[2,3]"});
  expect_error(
      [&] { optim::sgd_step(p, {zeros({2, 3})}, {}, optim::SGDOptions(0.1).dampening(0.1)); },
      {"sgd_step", "dampening"});
  expect_error([&] { optim::adam_step(p, {zeros({2, 3})}, {zeros({2, 3})}); },
               {"adam_step", "state has 1 tensors, expected 3"});
}

// ---- donation --------------------------------------------------------------------------------

TEST(Donation, DonatedArgumentIsUpdatedInPlaceAndReturned) {
  Tensor p = tensor(std::vector<float>{1, 2, 3, 4}, {4});
  Tensor g = tensor(std::vector<float>{1, 1, 1, 1}, {4});
  void *buffer = p.data_ptr();
  uint64_t version = p.version();
  JitOptions options;
  options.donate = {0};
  auto f = jit([](const std::vector<Tensor> &a) { return a[0] - a[1] * 0.5; }, options);
  Tensor out = f({p, g});
  EXPECT_TRUE(out.is_same(p));
  EXPECT_EQ(p.data_ptr(), buffer); // native CPU: written in place, no copy
  EXPECT_GT(p.version(), version);
  EXPECT_EQ(p.to_vector<float>(), (std::vector<float>{0.5f, 1.5f, 2.5f, 3.5f}));
  f({p, g}); // the next call reads the updated value
  EXPECT_EQ(p.to_vector<float>(), (std::vector<float>{0, 1, 2, 3}));
  EXPECT_EQ(g.to_vector<float>(), (std::vector<float>{1, 1, 1, 1}));
}

TEST(Donation, OldValueReadAfterTheUpdateStaysCorrect) {
  // a0 - a1 could be written into a0's buffer only if nothing read a0 afterwards; a0 + a1
  // does, so the compiled code must not clobber it (bufferization copies instead).
  Tensor p = tensor(std::vector<float>{1, 2, 3}, {3});
  Tensor g = tensor(std::vector<float>{10, 20, 30}, {3});
  JitOptions options;
  options.donate = {0};
  auto f = jit(
      [](const std::vector<Tensor> &a) {
        return std::vector<Tensor>{a[0] - a[1], sum(a[0] + a[1] * a[0])};
      },
      options);
  std::vector<Tensor> out = f({p, g});
  EXPECT_TRUE(out[0].is_same(p));
  EXPECT_EQ(p.to_vector<float>(), (std::vector<float>{-9, -18, -27}));
  EXPECT_FLOAT_EQ(out[1].item<float>(), 1 + 2 + 3 + 10 + 40 + 90);
}

class DonationBackends : public ::testing::TestWithParam<JitBackend> {};

TEST_P(DonationBackends, PassThroughAndSwapAreCopiesNotAliases) {
  // Outputs (a1, a0, a0) with a0 and a1 donated: each argument receives the other's old value,
  // and the third (not donated) output is a0's old value too.
  Tensor a = tensor(std::vector<float>{1, 2}, {2}), b = tensor(std::vector<float>{3, 4}, {2});
  JitOptions options;
  options.donate = {0, 1};
  options.backend = GetParam();
  auto f = jit(
      [](const std::vector<Tensor> &x) { return std::vector<Tensor>{x[1], x[0], x[0]}; },
      options);
  std::vector<Tensor> out = f({a, b});
  EXPECT_EQ(a.to_vector<float>(), (std::vector<float>{3, 4}));
  EXPECT_EQ(b.to_vector<float>(), (std::vector<float>{1, 2}));
  EXPECT_EQ(out[2].to_vector<float>(), (std::vector<float>{1, 2}));
  EXPECT_TRUE(out[0].is_same(a));
  EXPECT_TRUE(out[1].is_same(b));
}

INSTANTIATE_TEST_SUITE_P(Backends, DonationBackends,
                         ::testing::Values(JitBackend::Native, JitBackend::Interpreter),
                         [](const auto &info) {
                           return std::string(info.param == JitBackend::Native ? "Native"
                                                                               : "Interpreter");
                         });

TEST(Donation, NonContiguousArgumentGetsTheResultCopiedBack) {
  Tensor base = tensor(std::vector<float>{1, 2, 3, 4, 5, 6}, {2, 3});
  Tensor view = transpose(base, 0, 1); // [3, 2], not contiguous
  JitOptions options;
  options.donate = {0};
  auto f = jit([](const std::vector<Tensor> &a) { return a[0] * 2.0; }, options);
  Tensor out = f({view});
  EXPECT_TRUE(out.is_same(view));
  EXPECT_EQ(base.to_vector<float>(), (std::vector<float>{2, 4, 6, 8, 10, 12}));
}

TEST(Donation, Errors) {
  Tensor p = zeros({4}), q = zeros({3});
  auto fn = [](const std::vector<Tensor> &a) { return a[0] + a[1]; };
  JitOptions options;
  options.donate = {0};
  auto f = jit(fn, options);
  // The same tensor as two arguments: writing one would change the other.
  expect_error([&] { f({p, p}); },
               {"argument #0 is donated", "shares its storage with argument #1"});
  // No output of the donated argument's shape.
  auto g = jit([](const std::vector<Tensor> &a) { return sum(a[0]); }, options);
  expect_error([&] { g({q}); }, {"donate lists argument #0 (f32[3])", "no output left"});
  options.donate = {0, 0};
  expect_error([&] { jit(fn, options)({p, copyOf(p)}); }, {"argument #0 twice"});
  options.donate = {2};
  expect_error([&] { jit(fn, options)({p, copyOf(p)}); },
               {"argument #2", "called with 2 arguments"});
  // Two donated arguments, one output: the second finds none left.
  options.donate = {0, 1};
  expect_error([&] { jit(fn, options)({p, copyOf(p)}); },
               {"argument #1 (f32[4])", "no output left"});
}

/// Peak tensor bytes during `step()` above `base` (what was held before the model existed): the
/// model's parameters, optimizer state, batch and whatever the step allocates.
template <class F> int64_t stepPeak(int64_t base, F &&step) {
  reset_peak_memory_stats();
  step();
  return memory_stats().peak_bytes - base;
}

TEST(Donation, ReusesTheParameterBuffersPeakMemory) {
  // Wide layers so that parameters and momentum dominate the step's memory: 2 x 256x256 f32.
  constexpr int64_t in = 256, hidden = 256, classes = 256, batch = 4;
  auto options = optim::SGDOptions(0.1).momentum(0.9);
  auto update = [options](const std::vector<Tensor> &p, const std::vector<Tensor> &g,
                          const std::vector<Tensor> &s) { return optim::sgd_step(p, g, s, options); };
  std::vector<Tensor> params = initParams(in, hidden, classes);
  int64_t stateBytes = 0;
  for (const Tensor &p : params)
    stateBytes += 2 * p.numel() * 4; // parameter + momentum
  auto peakOf = [&](bool donate) {
    auto step = [update](const std::vector<Tensor> &a) {
      auto loss = [](const std::vector<Tensor> &b) {
        return mlpLoss(b[0], b[1], std::vector<Tensor>(b.begin() + 2, b.begin() + 6));
      };
      auto [value, grads] = value_and_grad(loss, {2, 3, 4, 5})(a);
      auto [np, ns] = update(std::vector<Tensor>(a.begin() + 2, a.begin() + 6), grads,
                             std::vector<Tensor>(a.begin() + 6, a.end()));
      np.insert(np.end(), ns.begin(), ns.end());
      np.push_back(value);
      return np;
    };
    int64_t base = memory_stats().current_bytes;
    JitOptions o;
    o.backend = JitBackend::Native;
    if (donate)
      o.donate = range(2, 10);
    auto fn = jit(step, o);
    std::vector<Tensor> args = {randn({batch, in}, 9), labels(batch, classes)};
    for (const Tensor &p : initParams(in, hidden, classes))
      args.push_back(copyOf(p));
    for (const Tensor &m : optim::sgd_init(params, options))
      args.push_back(m);
    std::vector<Tensor> out = fn(args); // compile + first step
    for (int i = 2; i < 10; ++i)
      args[i] = out[i - 2];
    out.clear();
    int64_t peak = stepPeak(base, [&] {
      std::vector<Tensor> o2 = fn(args);
      for (int i = 2; i < 10; ++i)
        args[i] = o2[i - 2]; // the old parameters are released after the call, as in a loop
    });
    return peak;
  };
  // The eager step on the same model: tape, backward, optim::SGD's in-place update.
  int64_t base = memory_stats().current_bytes;
  std::vector<Tensor> eagerParams = initParams(in, hidden, classes);
  for (Tensor &p : eagerParams)
    p.requires_grad_();
  optim::SGD opt(eagerParams, options);
  Tensor x = randn({batch, in}, 9), y = labels(batch, classes);
  auto eagerStep = [&] {
    opt.zero_grad();
    mlpLoss(x, y, eagerParams).backward();
    opt.step();
  };
  eagerStep(); // creates the momentum buffers
  int64_t eager = stepPeak(base, eagerStep);
  int64_t plain = peakOf(false), donated = peakOf(true);
  std::printf("step peak (model, state, batch, temporaries): eager %.3f MiB, compiled %.3f MiB without donation, "
              "%.3f MiB with (parameters + momentum %.3f MiB)\n",
              eager / 1048576.0, plain / 1048576.0, donated / 1048576.0,
              stateBytes / 1048576.0);
  // Without donation the new parameters and momentum are a second copy; with it, they are
  // written into the old buffers, and the step needs no more than eager's.
  EXPECT_GE(plain, 2 * stateBytes);
  EXPECT_LE(donated, plain - stateBytes / 2);
  EXPECT_LE(donated, eager);
}

} // namespace
