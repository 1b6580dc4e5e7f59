// libtorch peer of mlp_grad.cpp: the same MLP, batch, loss and optimizer.
#include <benchmark/benchmark.h>
#include <torch/torch.h>

#include "peer.h"

namespace {

struct Mlp {
  torch::nn::Sequential model{torch::nn::Linear(bench::kIn, bench::kHidden), torch::nn::ReLU(),
                              torch::nn::Linear(bench::kHidden, bench::kHidden), torch::nn::ReLU(),
                              torch::nn::Linear(bench::kHidden, bench::kClasses)};
  torch::Tensor x = torch::randn({bench::kBatch, bench::kIn});
  torch::Tensor labels =
      torch::arange(bench::kBatch, torch::kLong).mul(7).remainder(bench::kClasses);
};

void BM_torch_mlp_forward(benchmark::State& state) {
  Mlp mlp;
  torch::NoGradGuard no_grad;
  for (auto _ : state) {
    torch::Tensor logits = mlp.model->forward(mlp.x);
    benchmark::DoNotOptimize(logits.unsafeGetTensorImpl());
  }
  state.SetItemsProcessed(state.iterations() * bench::kBatch);
}

void BM_torch_mlp_forward_backward(benchmark::State& state) {
  Mlp mlp;
  for (auto _ : state) {
    for (auto& p : mlp.model->parameters())
      p.mutable_grad().reset();
    torch::nn::functional::cross_entropy(mlp.model->forward(mlp.x), mlp.labels).backward();
  }
  state.SetItemsProcessed(state.iterations() * bench::kBatch);
}

void BM_torch_mlp_train_step(benchmark::State& state) {
  Mlp mlp;
  torch::optim::SGD opt(mlp.model->parameters(), torch::optim::SGDOptions(0.01));
  for (auto _ : state) {
    // set_to_none, as grad's zero_grad does (libtorch 1.13's zero_grad() zeroes in place).
    for (auto& p : mlp.model->parameters())
      p.mutable_grad().reset();
    torch::Tensor loss =
        torch::nn::functional::cross_entropy(mlp.model->forward(mlp.x), mlp.labels);
    loss.backward();
    opt.step();
  }
  state.SetItemsProcessed(state.iterations() * bench::kBatch);
}

} // namespace

BENCHMARK(BM_torch_mlp_forward)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_torch_mlp_forward_backward)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_torch_mlp_train_step)->Unit(benchmark::kMillisecond);
