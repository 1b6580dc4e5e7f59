// Exact gelu, 0.5 x (1 + erf(x / sqrt 2)), is a composite over the erf primitive (Note [Exact gelu
// is a composite] in eager/src/ops/elementwise_ops.cpp). What that costs, in one run, one thread,
// f32 [1024, 4096], forward only: eager tanh-form gelu (one primitive, one kernel), eager erf
// (one kernel), eager exact gelu (five kernels), and exact gelu under grad::jit (grad-fuse makes
// the five ops one kernel). Prints medians and the ratios to the eager tanh form.
#include "grad/grad.h"
#include "grad/jit.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <functional>
#include <vector>

using namespace grad;

namespace {

double medianSeconds(const std::function<void()> &fn, int reps) {
  std::vector<double> t;
  for (int i = 0; i < reps; ++i) {
    auto t0 = std::chrono::steady_clock::now();
    fn();
    t.push_back(std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
  }
  std::sort(t.begin(), t.end());
  return t[t.size() / 2];
}

} // namespace

int main() {
  set_num_threads(1);
  constexpr int kReps = 31;
  Tensor x = randn({1024, 4096}, 1);
  auto exact = jit([](const std::vector<Tensor> &a) { return gelu(a[0], "none"); });
  Tensor warm = exact({x}); // compile outside the timing
  Tensor y;
  double tanhForm = medianSeconds([&] { y = gelu(x); }, kReps);
  double erfOnly = medianSeconds([&] { y = erf(x); }, kReps);
  double eagerExact = medianSeconds([&] { y = gelu(x, "none"); }, kReps);
  double jitExact = medianSeconds([&] { y = exact({x}); }, kReps);
  std::printf("f32 [1024, 4096], 1 thread, median of %d\n", kReps);
  std::printf("%-34s %8.2f ms  1.00x\n", "eager gelu (tanh form)", tanhForm * 1e3);
  std::printf("%-34s %8.2f ms  %.2fx\n", "eager erf", erfOnly * 1e3, erfOnly / tanhForm);
  std::printf("%-34s %8.2f ms  %.2fx\n", "eager gelu(x, \"none\") (5 kernels)", eagerExact * 1e3,
              eagerExact / tanhForm);
  std::printf("%-34s %8.2f ms  %.2fx\n", "jit gelu(x, \"none\") (fused)", jitExact * 1e3,
              jitExact / tanhForm);
  return 0;
}
