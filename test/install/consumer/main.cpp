// Uses the installed eager library: y = sum(x * x), dy/dx = 2x.
#include <grad/eager.h>
#include <cstdio>

int main() {
  grad::Tensor x = grad::tensor(std::vector<float>{1.f, 2.f, 3.f}, {3}, /*requires_grad=*/true);
  grad::Tensor y = grad::sum(x * x);
  y.backward();
  std::vector<float> g = x.grad().to_vector<float>();
  std::printf("y=%g grad=%g,%g,%g\n", y.item<float>(), g[0], g[1], g[2]);
  return (y.item<float>() == 14.f && g[0] == 2.f && g[1] == 4.f && g[2] == 6.f) ? 0 : 1;
}
