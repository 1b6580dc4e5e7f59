// MLP 784-512-512-10 (ReLU), batch 256, f32, one thread, in grad's eager mode: the forward pass
// alone, forward + backward, and a full training step (zero_grad, forward, cross_entropy, backward,
// SGD step).
#include <benchmark/benchmark.h>

#include "grad/autograd.h"
#include "grad/nn.h"
#include "grad/ops.h"
#include "grad/optim.h"
#include "peer.h"

namespace {

using grad::Tensor;
namespace nn = grad::nn;

struct Mlp {
  nn::Sequential model{
      nn::Linear(nn::LinearOptions(bench::kIn, bench::kHidden).seed(1)), nn::ReLU(),
      nn::Linear(nn::LinearOptions(bench::kHidden, bench::kHidden).seed(2)), nn::ReLU(),
      nn::Linear(nn::LinearOptions(bench::kHidden, bench::kClasses).seed(3))};
  Tensor x = grad::randn({bench::kBatch, bench::kIn}, 7);
  Tensor labels;
  Mlp() {
    std::vector<int64_t> y(bench::kBatch);
    for (int64_t i = 0; i < bench::kBatch; ++i)
      y[i] = (i * 7) % bench::kClasses;
    labels = grad::tensor(std::move(y), {bench::kBatch});
  }
};

void BM_grad_mlp_forward(benchmark::State& state) {
  Mlp mlp;
  grad::NoGradGuard no_grad;
  for (auto _ : state) {
    Tensor logits = mlp.model.forward(mlp.x);
    benchmark::DoNotOptimize(logits.unsafe_impl());
  }
  state.SetItemsProcessed(state.iterations() * bench::kBatch);
}

// Forward + loss + backward, no optimizer: train_step minus this is zero_grad + SGD step.
void BM_grad_mlp_forward_backward(benchmark::State& state) {
  Mlp mlp;
  for (auto _ : state) {
    mlp.model.zero_grad();
    grad::cross_entropy(mlp.model.forward(mlp.x), mlp.labels).backward();
  }
  state.SetItemsProcessed(state.iterations() * bench::kBatch);
}

void BM_grad_mlp_train_step(benchmark::State& state) {
  Mlp mlp;
  grad::optim::SGD opt(mlp.model.parameters(), grad::optim::SGDOptions(0.01));
  for (auto _ : state) {
    opt.zero_grad();
    Tensor loss = grad::cross_entropy(mlp.model.forward(mlp.x), mlp.labels);
    loss.backward();
    opt.step();
  }
  state.SetItemsProcessed(state.iterations() * bench::kBatch);
}

} // namespace

BENCHMARK(BM_grad_mlp_forward)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_grad_mlp_forward_backward)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_grad_mlp_train_step)->Unit(benchmark::kMillisecond);
