// Per-op overhead of grad's eager mode on tiny tensors: the cost of dispatch, allocation and
// (with requires_grad) recording a backward node, where the arithmetic itself is negligible.
#include <benchmark/benchmark.h>

#include "grad/autograd.h"
#include "grad/ops.h"

namespace {

using grad::Tensor;

Tensor tiny(const grad::Shape& shape, bool requires_grad) {
  Tensor t = grad::rand(shape, 1);
  if (requires_grad)
    t.requires_grad_();
  return t;
}

template <class Op> void run_binary(benchmark::State& state, const grad::Shape& shape, Op op) {
  const bool rg = state.range(0) != 0;
  Tensor a = tiny(shape, rg), b = tiny(shape, rg);
  for (auto _ : state) {
    Tensor c = op(a, b);
    benchmark::DoNotOptimize(c.unsafe_impl());
  }
}

void BM_grad_add(benchmark::State& s) {
  run_binary(s, {4}, [](auto& a, auto& b) { return a + b; });
}
void BM_grad_mul(benchmark::State& s) {
  run_binary(s, {4}, [](auto& a, auto& b) { return a * b; });
}
void BM_grad_matmul(benchmark::State& s) {
  run_binary(s, {2, 2}, [](auto& a, auto& b) { return grad::matmul(a, b); });
}

// One recorded op plus the backward pass through it into two leaves.
void BM_grad_add_backward(benchmark::State& state) {
  Tensor a = tiny({4}, true), b = tiny({4}, true);
  Tensor seed = grad::ones({4});
  for (auto _ : state)
    (a + b).backward(seed);
}

// A tiny graph: relu(a * b + a).sum(), forward and backward.
void BM_grad_tiny_graph_backward(benchmark::State& state) {
  Tensor a = tiny({4}, true), b = tiny({4}, true);
  for (auto _ : state)
    grad::relu(a * b + a).sum().backward();
}

} // namespace

BENCHMARK(BM_grad_add)->ArgName("requires_grad")->Arg(0)->Arg(1)->Unit(benchmark::kNanosecond);
BENCHMARK(BM_grad_mul)->ArgName("requires_grad")->Arg(0)->Arg(1)->Unit(benchmark::kNanosecond);
BENCHMARK(BM_grad_matmul)->ArgName("requires_grad")->Arg(0)->Arg(1)->Unit(benchmark::kNanosecond);
BENCHMARK(BM_grad_add_backward)->Unit(benchmark::kNanosecond);
BENCHMARK(BM_grad_tiny_graph_backward)->Unit(benchmark::kNanosecond);
