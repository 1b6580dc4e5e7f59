// Times one value_and_grad step of an MLP + cross-entropy three ways: the eager tape, grad::jit on
// the reference interpreter, grad::jit on the native CPU backend. Prints medians and ratios
// (not a test: timings are not asserted). Usage: e2e_jit_vs_eager_timing [batch] [width]
#include "grad/jit.h"
#include "grad/ops.h"
#include "grad/transforms.h"
#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <iostream>
using namespace grad;
template <class F> double median_us(F f, int reps) {
  std::vector<double> t;
  for (int i = 0; i < reps; ++i) {
    auto a = std::chrono::steady_clock::now();
    f();
    auto b = std::chrono::steady_clock::now();
    t.push_back(std::chrono::duration<double, std::micro>(b - a).count());
  }
  std::sort(t.begin(), t.end());
  return t[t.size() / 2];
}
int main(int argc, char **argv) {
  int64_t B = argc > 1 ? atoi(argv[1]) : 64, I = argc > 2 ? atoi(argv[2]) : 256, H = I, O = 10;
  TensorFn loss = [](const std::vector<Tensor> &a) {
    Tensor h = relu(matmul(a[0], a[2]) + a[3]);
    return cross_entropy(matmul(h, a[4]) + a[5], a[1]);
  };
  std::vector<int64_t> lab(B);
  for (int i = 0; i < B; ++i)
    lab[i] = i % O;
  std::vector<Tensor> args = {randn({B, I}, 1),    tensor(lab, {B}),        randn({I, H}, 2) * 0.05,
                              randn({H}, 3) * 0.1, randn({H, O}, 4) * 0.05, randn({O}, 5) * 0.1};
  std::vector<int> argnums = {2, 3, 4, 5};
  auto eager = value_and_grad(loss, argnums);
  JitOptions interp;
  interp.backend = JitBackend::Interpreter;
  JitOptions native;
  native.backend = JitBackend::Native;
  auto ji = jit(value_and_grad(loss, argnums), interp);
  auto jn = jit(value_and_grad(loss, argnums), native);
  auto t0 = std::chrono::steady_clock::now();
  ji(args);
  auto t1 = std::chrono::steady_clock::now();
  jn(args);
  auto t2 = std::chrono::steady_clock::now();
  std::cout << "first call (trace+compile+run): interpreter "
            << std::chrono::duration<double, std::milli>(t1 - t0).count() << " ms, native "
            << std::chrono::duration<double, std::milli>(t2 - t1).count() << " ms\n";
  int reps = 200;
  double e = median_us([&] { eager(args); }, reps);
  double i = median_us([&] { ji(args); }, reps);
  double n = median_us([&] { jn(args); }, reps);
  std::cout << "median per call (us): eager tape " << e << ", jit interpreter " << i
            << ", jit native " << n << "\n";
  std::cout << "ratios: interpreter/eager " << i / e << ", native/eager " << n / e << "\n";
}
