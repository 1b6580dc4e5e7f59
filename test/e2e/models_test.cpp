// Whole models both ways: the same C++ function run eagerly (tape) and under
// grad::jit(grad::value_and_grad(...)) (traced, differentiated as IR by the autodiff sweep,
// run by the jit backend). Values and gradients must agree.
#include "grad/jit.h"
#include "models.h"

#include "grad/autograd.h"
#include "grad/ops.h"
#include "grad/transforms.h"

#include <gtest/gtest.h>

#include <cmath>

using namespace grad;
using namespace grad::e2e;

namespace {

void expectAllClose(const Tensor &a, const Tensor &b, double rtol, double atol,
                    const std::string &what) {
  ASSERT_EQ(a.shape(), b.shape()) << what;
  ASSERT_EQ(a.dtype(), b.dtype()) << what;
  std::vector<double> va = a.to_vector<double>(), vb = b.to_vector<double>();
  for (size_t i = 0; i < va.size(); ++i)
    ASSERT_LE(std::abs(va[i] - vb[i]), atol + rtol * std::abs(vb[i]))
        << what << " element " << i << ": " << va[i] << " vs " << vb[i];
}

/// Runs value_and_grad eagerly and under jit and compares everything.
void expectSameBothWays(const TensorFn &fn, const std::vector<Tensor> &args,
                        const std::vector<int> &argnums, double rtol, double atol) {
  auto [eagerValue, eagerGrads] = value_and_grad(fn, argnums)(args);
  auto jitted = jit(value_and_grad(fn, argnums));
  auto [jitValue, jitGrads] = jitted(args);
  expectAllClose(jitValue, eagerValue, rtol, atol, "value");
  ASSERT_EQ(jitGrads.size(), argnums.size());
  ASSERT_EQ(eagerGrads.size(), argnums.size());
  for (size_t i = 0; i < argnums.size(); ++i)
    expectAllClose(jitGrads[i], eagerGrads[i], rtol, atol,
                   "gradient of argument " + std::to_string(argnums[i]));
  // The jitted IR was differentiated by the pass, not replayed from a tape: it holds the
  // backward matmuls / reductions as ordinary grad ops.
  EXPECT_NE(jitted.mlir(args).find("grad."), std::string::npos);
}

//===----------------------------------------------------------------------===//
// MLP + cross-entropy
//===----------------------------------------------------------------------===//

TEST(Models, MlpCrossEntropyF64) {
  expectSameBothWays(mlpLoss, mlpArgs(DType::f64), {0, 2, 3, 4, 5}, 1e-10, 1e-12);
}

TEST(Models, MlpCrossEntropyF32) {
  expectSameBothWays(mlpLoss, mlpArgs(DType::f32), {2, 3, 4, 5}, 1e-4, 1e-6);
}

//===----------------------------------------------------------------------===//
// A pre-norm transformer block: causal single-head attention with softmax, layer_norm, gelu
// MLP, two residuals.
//===----------------------------------------------------------------------===//

TEST(Models, TransformerBlockF64) {
  std::vector<int> argnums;
  for (int i = 0; i < 14; ++i)
    if (i != 1)
      argnums.push_back(i);
  expectSameBothWays(transformerLoss, transformerArgs(DType::f64), argnums, 1e-9, 1e-12);
}

TEST(Models, TransformerBlockF32) {
  expectSameBothWays(transformerLoss, transformerArgs(DType::f32), {0, 2, 3, 4, 5, 6, 8, 10}, 1e-3,
                     1e-5);
}

//===----------------------------------------------------------------------===//
// Broadcasting and unused inputs
//===----------------------------------------------------------------------===//

TEST(Models, BroadcastingAndUnusedInputs) {
  std::vector<Tensor> args = {randn({3, 4}, 30, DType::f64), randn({4}, 31, DType::f64),
                              randn({3, 1}, 32, DType::f64), randn({2}, 33, DType::f64),
                              tensor(std::vector<int64_t>{1, 2, 3}, {3})};
  expectSameBothWays(broadcastLoss, args, {0, 1, 2, 3}, 1e-12, 1e-14);
  auto [value, grads] = jit(value_and_grad(broadcastLoss, {3}))(args);
  EXPECT_EQ(grads[0].to_vector<double>(), (std::vector<double>{0, 0}));
  // d/dshift of mean((x*s - shift)^2) = -2/12 * sum_j (x*s - shift)_ij : check one closed form.
  auto [v2, g2] = jit(value_and_grad(broadcastLoss, {2}))(args);
  std::vector<double> x = args[0].to_vector<double>(), s = args[1].to_vector<double>(),
                      b = args[2].to_vector<double>(), got = g2[0].to_vector<double>();
  for (int i = 0; i < 3; ++i) {
    double acc = 0;
    for (int j = 0; j < 4; ++j)
      acc += x[i * 4 + j] * s[j] - b[i];
    EXPECT_NEAR(got[i], -2.0 / 12.0 * acc, 1e-12);
  }
}

//===----------------------------------------------------------------------===//
// A training loop: parameters are arguments, so updating them does not recompile.
//===----------------------------------------------------------------------===//

TEST(Models, TrainingLoopCompilesOnceAndTracksEager) {
  std::vector<Tensor> eagerArgs = mlpArgs(DType::f64), jitArgs = mlpArgs(DType::f64);
  std::vector<int> params = {2, 3, 4, 5};
  auto step = jit(value_and_grad(mlpLoss, params));
  auto eagerStep = value_and_grad(mlpLoss, params);
  double firstLoss = 0, lastLoss = 0;
  for (int it = 0; it < 5; ++it) {
    auto [ev, eg] = eagerStep(eagerArgs);
    auto [jv, jg] = step(jitArgs);
    expectAllClose(jv, ev, 1e-10, 1e-12, "loss at step " + std::to_string(it));
    for (size_t p = 0; p < params.size(); ++p) {
      eagerArgs[params[p]] = eagerArgs[params[p]] - eg[p] * 0.5;
      jitArgs[params[p]] = jitArgs[params[p]] - jg[p] * 0.5;
    }
    (it == 0 ? firstLoss : lastLoss) = jv.item<double>();
  }
  EXPECT_LT(lastLoss, firstLoss);
  EXPECT_EQ(step.num_traces(), 1u);
}

//===----------------------------------------------------------------------===//
// Grad of grad: a Hessian-vector product by nesting value_and_grad under jit.
//===----------------------------------------------------------------------===//

TEST(Models, HessianVectorProductUnderJit) {
  // f(x) = (sum x^2)^2: grad = 4 s x, H = 4 s I + 8 x x^T, so H v = 4 s v + 8 x (x . v).
  TensorFn gradDotV = e2e::hvpObjective;
  auto hvp = jit(value_and_grad(gradDotV, {0}));
  Tensor x = tensor(std::vector<double>{0.5, -1.0, 2.0}, {3});
  Tensor v = tensor(std::vector<double>{1.0, 0.25, -0.5}, {3});
  auto [gv, hv] = hvp({x, v});
  std::vector<double> xs = x.to_vector<double>(), vs = v.to_vector<double>();
  double s = 0, xv = 0;
  for (int i = 0; i < 3; ++i) {
    s += xs[i] * xs[i];
    xv += xs[i] * vs[i];
  }
  std::vector<double> got = hv[0].to_vector<double>();
  for (int i = 0; i < 3; ++i)
    EXPECT_NEAR(got[i], 4 * s * vs[i] + 8 * xs[i] * xv, 1e-12) << i;
  EXPECT_NEAR(gv.item<double>(), 4 * s * xv, 1e-12);
}

} // namespace

//===----------------------------------------------------------------------===//
// An unchanged nn::Module under jit: parameters bound to traced arguments by functional_call.
//===----------------------------------------------------------------------===//

namespace {

TEST(Models, NnModuleTrainsTheSameEagerAndJitted) {
  auto makeModel = [] {
    return nn::Sequential{nn::Linear(nn::LinearOptions(5, 8).seed(1).dtype(DType::f64)), nn::ReLU(),
                          nn::Linear(nn::LinearOptions(8, 3).seed(2).dtype(DType::f64))};
  };
  nn::Sequential eagerModel = makeModel(), jitModel = makeModel();
  Tensor x = randn({6, 5}, 40, DType::f64);
  Tensor labels = tensor(std::vector<int64_t>{0, 2, 1, 1, 0, 2}, {6});

  std::vector<Tensor> params = jitModel.parameters();
  std::vector<int> argnums;
  for (size_t i = 0; i < params.size(); ++i)
    argnums.push_back(static_cast<int>(i) + 2);
  int bodyRuns = 0;
  TensorFn loss = [&](const std::vector<Tensor> &a) {
    ++bodyRuns;
    std::vector<Tensor> p(a.begin() + 2, a.end());
    return functional_call(jitModel, p,
                           [&] { return cross_entropy(jitModel.forward(a[0]), a[1]); });
  };
  auto step = jit(value_and_grad(loss, argnums));

  for (int it = 0; it < 3; ++it) {
    eagerModel.zero_grad();
    Tensor eagerLoss = cross_entropy(eagerModel.forward(x), labels);
    eagerLoss.backward();

    std::vector<Tensor> args = {x, labels};
    for (const Tensor &p : jitModel.parameters())
      args.push_back(p);
    auto [jitLoss, grads] = step(args);
    expectAllClose(jitLoss, eagerLoss.detach(), 1e-12, 1e-12, "loss at step " + std::to_string(it));
    std::vector<Tensor> eagerParams = eagerModel.parameters(), jitParams = jitModel.parameters();
    ASSERT_EQ(grads.size(), eagerParams.size());
    NoGradGuard noGrad;
    for (size_t i = 0; i < grads.size(); ++i) {
      expectAllClose(grads[i], eagerParams[i].grad(), 1e-10, 1e-12,
                     "parameter " + std::to_string(i) + " at step " + std::to_string(it));
      eagerParams[i].sub_(eagerParams[i].grad() * 0.1);
      jitParams[i].sub_(grads[i] * 0.1);
    }
  }
  EXPECT_EQ(bodyRuns, 1) << "in-place parameter updates must not retrace";
  // The module's own parameters are concrete again after the trace.
  for (const Tensor &p : jitModel.parameters())
    EXPECT_FALSE(p.is_symbolic());
}

TEST(Models, FunctionalCallRejectsMismatchedParameters) {
  nn::Linear layer(nn::LinearOptions(2, 2).seed(3));
  try {
    functional_call(layer, {zeros({3, 2})}, [&] { return layer.forward(ones({1, 2})); });
    FAIL() << "a wrong parameter count must throw";
  } catch (const Error &e) {
    EXPECT_NE(std::string(e.what()).find("has 2 parameters but 1"), std::string::npos) << e.what();
  }
  try {
    functional_call(layer, {zeros({3, 2}), zeros({2})}, [&] {
      return layer.forward(ones({1, 2}));
    });
    FAIL() << "a wrong shape must throw";
  } catch (const Error &e) {
    EXPECT_NE(std::string(e.what()).find("[2,2] f32"), std::string::npos) << e.what();
  }
}

} // namespace

//===----------------------------------------------------------------------===//
// The native backend (CPU codegen JIT) runs the differentiated IR too.
//===----------------------------------------------------------------------===//

namespace {

TEST(Models, MlpCrossEntropyNativeBackend) {
  std::vector<Tensor> args = mlpArgs(DType::f64);
  std::vector<int> argnums = {0, 2, 3, 4, 5};
  auto [eagerValue, eagerGrads] = value_and_grad(mlpLoss, argnums)(args);
  JitOptions options;
  options.backend = JitBackend::Native;
  auto [value, grads] = jit(value_and_grad(mlpLoss, argnums), options)(args);
  expectAllClose(value, eagerValue, 1e-10, 1e-12, "value");
  for (size_t i = 0; i < argnums.size(); ++i)
    expectAllClose(grads[i], eagerGrads[i], 1e-9, 1e-12, "gradient " + std::to_string(i));
}

} // namespace
