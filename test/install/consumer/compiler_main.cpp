// Uses the installed compiler: grad::jit of a small function (trace, compile, run), checked against
// eager. Starting at all needs the compiler's transitive libraries (libGradGpu.so, libMLIR.so).
#include <grad/grad.h>
#include <cstdio>

int main() {
  auto f = grad::jit([](const std::vector<grad::Tensor>& a) { return grad::sum(a[0] * a[0]); });
  grad::Tensor x = grad::tensor(std::vector<float>{1.f, 2.f, 3.f}, {3});
  float y = f({x}).item<float>();
  std::printf("jit y=%g\n", y);
  return y == 14.f ? 0 : 1;
}
