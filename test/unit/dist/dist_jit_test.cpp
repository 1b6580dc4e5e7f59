// grad.all_reduce compiled (ctest dist_jit_np2, under `mpirun -np 2`): a jitted function with
// grad::dist::all_reduce runs the collective from native code (the JIT resolves libgradrt_mpi's
// entry point), the interpreter runs it with the eager kernel, and a jitted training step that
// averages its gradients inside the compiled code trains to the same parameters as eager
// DistributedDataParallel.
#include <gtest/gtest.h>

#include <cmath>
#include <memory>
#include <vector>

#include "ddp_spirals.h"
#include "dist_test_util.h"
#include "grad/dist.h"
#include "grad/grad.h"
#include "grad/jit.h"

namespace grad {
namespace {

namespace dist = grad::dist;

using namespace grad::disttest;

TEST(DistJit, CompiledAllReduceValues) {
  ASSERT_EQ(N(), 2) << "ctest runs this binary with mpirun -np 2";
  const double r = R(), n = N();
  auto sum_max = grad::jit([](const std::vector<Tensor>& a) -> std::vector<Tensor> {
    return {dist::all_reduce(a[0], dist::ReduceOp::Sum),
            dist::all_reduce(a[0], dist::ReduceOp::Max),
            dist::all_reduce(a[0] * 2.0, dist::ReduceOp::Mean)};
  });
  Tensor x = tensor({float(r + 1), float(-r)}, {2});
  std::vector<Tensor> out = sum_max({x});
  EXPECT_EQ(out[0].to_vector<double>(), (std::vector<double>{n * (n + 1) / 2, -n * (n - 1) / 2}));
  EXPECT_EQ(out[1].to_vector<double>(), (std::vector<double>{n, 0.0}));
  EXPECT_EQ(out[2].to_vector<double>(), (std::vector<double>{n + 1, -(n - 1)}));
  EXPECT_EQ(x.to_vector<double>(), (std::vector<double>{r + 1, -r})); // the input is untouched
  EXPECT_NE(sum_max.mlir({x}).find("grad.all_reduce"), std::string::npos);

  // The reference interpreter runs the same op with the eager kernel.
  TracedFunction traced = grad::trace(
      [](const std::vector<Tensor>& a) { return dist::all_reduce(a[0], dist::ReduceOp::Sum); },
      {x});
  EXPECT_EQ(traced({x})[0].to_vector<double>(), out[0].to_vector<double>());
}

/// Trains the spirals MLP for `steps` SGD steps on this rank's shards: eagerly with
/// DistributedDataParallel, or with a jitted step whose compiled code averages the gradients.
std::vector<Tensor> train(bool compiled, int steps, int64_t per_rank) {
  const spirals::Dataset data = spirals::make(64, 7);
  auto model = ddp_spirals::make_model(100 + R()); // ranks start different
  std::shared_ptr<dist::DistributedDataParallel> ddp;
  if (compiled) {
    NoGradGuard no_grad;
    for (const Tensor& p : model->parameters())
      dist::broadcast_(p, 0);
  } else {
    ddp = std::make_shared<dist::DistributedDataParallel>(model);
  }
  std::vector<Tensor> params = model->parameters();
  std::vector<int> argnums;
  for (size_t i = 0; i < params.size(); ++i)
    argnums.push_back(static_cast<int>(2 + i));
  auto vg = grad::value_and_grad(
      [model](const std::vector<Tensor>& a) {
        std::vector<Tensor> p(a.begin() + 2, a.end());
        return grad::functional_call(*model, p,
                                     [&] { return cross_entropy(model->forward(a[0]), a[1]); });
      },
      argnums);
  auto step = grad::jit([vg](const std::vector<Tensor>& a) -> std::vector<Tensor> {
    auto [loss, grads] = vg(a);
    std::vector<Tensor> out{dist::all_reduce(loss, dist::ReduceOp::Mean)};
    for (const Tensor& g : grads)
      out.push_back(dist::all_reduce(g, dist::ReduceOp::Mean)); // the gradient sync, compiled
    return out;
  });
  optim::SGD opt(params, optim::SGDOptions(0.2).momentum(0.9));
  for (int s = 0; s < steps; ++s) {
    ddp_spirals::Batch b = ddp_spirals::shard(data, s, per_rank, R(), N());
    opt.zero_grad();
    if (compiled) {
      std::vector<Tensor> args{b.x, b.y};
      args.insert(args.end(), params.begin(), params.end());
      std::vector<Tensor> out = step(args);
      for (size_t i = 0; i < params.size(); ++i)
        params[i].set_grad(out[1 + i]);
    } else {
      cross_entropy(ddp->forward(b.x), b.y).backward();
    }
    opt.step();
  }
  return params;
}

TEST(DistJit, CompiledStepEqualsEagerDdp) {
  std::vector<Tensor> compiled = train(true, 6, 16);
  std::vector<Tensor> eager = train(false, 6, 16);
  for (size_t i = 0; i < compiled.size(); ++i)
    EXPECT_LT(max_abs_diff(compiled[i], eager[i]), 1e-5) << "parameter " << i;
  EXPECT_GT(max_abs_diff(eager[0], ddp_spirals::make_model(100)->parameters()[0]), 1e-3);
}

} // namespace
} // namespace grad
