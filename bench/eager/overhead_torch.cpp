// libtorch peer of overhead_grad.cpp: the same ops on the same tiny shapes.
#include <benchmark/benchmark.h>
#include <torch/torch.h>

namespace {

torch::Tensor tiny(at::IntArrayRef shape, bool requires_grad) {
  return torch::rand(shape).requires_grad_(requires_grad);
}

template <class Op> void run_binary(benchmark::State& state, at::IntArrayRef shape, Op op) {
  const bool rg = state.range(0) != 0;
  torch::Tensor a = tiny(shape, rg), b = tiny(shape, rg);
  for (auto _ : state) {
    torch::Tensor c = op(a, b);
    benchmark::DoNotOptimize(c.unsafeGetTensorImpl());
  }
}

void BM_torch_add(benchmark::State& s) {
  run_binary(s, {4}, [](auto& a, auto& b) { return a + b; });
}
void BM_torch_mul(benchmark::State& s) {
  run_binary(s, {4}, [](auto& a, auto& b) { return a * b; });
}
void BM_torch_matmul(benchmark::State& s) {
  run_binary(s, {2, 2}, [](auto& a, auto& b) { return torch::matmul(a, b); });
}

void BM_torch_add_backward(benchmark::State& state) {
  torch::Tensor a = tiny({4}, true), b = tiny({4}, true);
  torch::Tensor seed = torch::ones({4});
  for (auto _ : state)
    (a + b).backward(seed);
}

void BM_torch_tiny_graph_backward(benchmark::State& state) {
  torch::Tensor a = tiny({4}, true), b = tiny({4}, true);
  for (auto _ : state)
    torch::relu(a * b + a).sum().backward();
}

} // namespace

BENCHMARK(BM_torch_add)->ArgName("requires_grad")->Arg(0)->Arg(1)->Unit(benchmark::kNanosecond);
BENCHMARK(BM_torch_mul)->ArgName("requires_grad")->Arg(0)->Arg(1)->Unit(benchmark::kNanosecond);
BENCHMARK(BM_torch_matmul)->ArgName("requires_grad")->Arg(0)->Arg(1)->Unit(benchmark::kNanosecond);
BENCHMARK(BM_torch_add_backward)->Unit(benchmark::kNanosecond);
BENCHMARK(BM_torch_tiny_graph_backward)->Unit(benchmark::kNanosecond);
