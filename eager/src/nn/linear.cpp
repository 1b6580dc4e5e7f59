// nn::Linear: y = x W^T + b with PyTorch's default initialization.
#include <cmath>

#include "grad/autograd.h"
#include "grad/nn.h"
#include "grad/ops.h"

namespace grad::nn {

namespace {

// Uniform samples in [-bound, bound), made without recording a graph.
Tensor uniform(Shape shape, double bound, uint64_t seed, DType dtype) {
  NoGradGuard no_grad;
  return rand(std::move(shape), seed, dtype) * (2.0 * bound) - bound;
}

} // namespace

Linear::Linear(int64_t in_features, int64_t out_features, bool bias)
    : Linear(LinearOptions(in_features, out_features).bias(bias)) {}

Linear::Linear(const LinearOptions& options) : options_(options) {
  if (options.in_features() <= 0 || options.out_features() <= 0)
    throw Error("Linear: in_features and out_features must be positive, got " +
                std::to_string(options.in_features()) + " and " +
                std::to_string(options.out_features()));
  if (!is_floating(options.dtype()))
    throw Error(std::string("Linear: parameter dtype must be f32 or f64, got ") +
                dtype_name(options.dtype()));
  // kaiming_uniform_(W, a=sqrt(5)) has bound gain * sqrt(3 / fan_in) with gain = sqrt(2 / 6):
  // 1/sqrt(fan_in); the bias uses the same bound (torch.nn.Linear.reset_parameters).
  const double bound = 1.0 / std::sqrt(static_cast<double>(options.in_features()));
  const uint64_t seed = options.seed() ? *options.seed() : next_seed();
  weight = register_parameter("weight", uniform({options.out_features(), options.in_features()},
                                                bound, seed, options.dtype()));
  if (options.bias())
    bias = register_parameter("bias", uniform({options.out_features()}, bound,
                                              seed ^ 0x5bd1e9955bd1e995ull, options.dtype()));
}

Tensor Linear::forward(const Tensor& input) {
  if (!input.defined())
    throw Error("Linear: input is an undefined tensor");
  if (input.dim() < 1 || input.size(-1) != options_.in_features())
    throw Error("Linear: input shape " + shape_str(input.shape()) +
                " does not end in in_features=" + std::to_string(options_.in_features()) +
                " (weight " + shape_str(weight.shape()) + ")");
  if (input.dtype() != weight.dtype())
    throw Error(std::string("Linear: input dtype ") + dtype_name(input.dtype()) +
                " does not match weight dtype " + dtype_name(weight.dtype()));
  Tensor y = matmul(input, transpose(weight, 0, 1));
  return bias.defined() ? y + bias : y;
}

} // namespace grad::nn
