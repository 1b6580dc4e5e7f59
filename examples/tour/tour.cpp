// tour: the README's five-minute tour as a program. One loss function runs eagerly (tape),
// is traced into the grad dialect (printed and saved for gradc), and runs under grad::jit with
// the autodiff pass; the two gradients are compared. Usage: tour [OUT.mlir]
#include <cmath>
#include <cstdio>
#include <vector>

#include "grad/grad.h"
#include "grad/jit.h"

using grad::Tensor;

// The model, written once: loss(x, w, b) = mean(tanh(x @ w + b)).
static Tensor loss(const std::vector<Tensor>& a) {
  return grad::mean(grad::tanh(grad::matmul(a[0], a[1]) + a[2]));
}

static double max_abs_diff(const Tensor& a, const Tensor& b) {
  std::vector<double> x = a.to_vector<double>(), y = b.to_vector<double>();
  double m = 0.0;
  for (size_t i = 0; i < x.size(); ++i) m = std::fmax(m, std::fabs(x[i] - y[i]));
  return m;
}

int main(int argc, char** argv) {
  const char* out = argc > 1 ? argv[1] : "loss.mlir";
  std::vector<Tensor> args = {grad::randn({4, 3}, 1), grad::randn({3, 2}, 2), grad::randn({2}, 3)};

  // 1. Eager: runs op by op and records a tape; value_and_grad walks it backwards.
  auto [value, grads] = grad::value_and_grad(loss, {1, 2})(args);
  std::printf("eager loss %.6f, dloss/db = %s\n", value.item<double>(),
              grads[1].str().c_str());

  // 2. Static: the same function traced into the grad dialect.
  grad::TracedFunction traced = grad::trace(loss, args);
  std::printf("\n%s\n", traced.mlir().c_str());
  traced.save(out);
  std::printf("saved %s (try: gradc %s --grad=forward --emit=mlir)\n\n", out, out);

  // 3. jit: traced once per signature, differentiated by the autodiff pass, compiled.
  auto step = grad::jit(grad::value_and_grad(loss, {1, 2}));
  auto [cvalue, cgrads] = step(args);
  auto again = step(args);  // same signature: a cache hit, no new trace
  double diff = std::fmax(max_abs_diff(value, cvalue),
                          std::fmax(max_abs_diff(grads[0], cgrads[0]),
                                    max_abs_diff(grads[1], cgrads[1])));
  std::printf("jit loss %.6f, traces %zu, max |eager - jit| over value and grads = %.2e\n",
              cvalue.item<double>(), step.num_traces(), diff);
  (void)again;
  return diff < 1e-5 && step.num_traces() == 1 ? 0 : 1;
}
