// Elementwise activation modules: thin wrappers over the ops of the same name.
#include <utility>

#include <fmt/format.h>

#include "grad/nn.h"
#include "grad/ops.h"

namespace grad::nn {

Tensor ReLU::forward(const Tensor& input) { return relu(input); }
GELU::GELU(std::string approximate) : approximate_(std::move(approximate)) {
  if (approximate_ != "tanh" && approximate_ != "none")
    throw Error(fmt::format("nn::GELU: approximate must be \"none\" or \"tanh\", got \"{}\"",
                            approximate_));
}
Tensor GELU::forward(const Tensor& input) { return gelu(input, approximate_); }
Tensor Tanh::forward(const Tensor& input) { return tanh(input); }
Tensor Sigmoid::forward(const Tensor& input) { return sigmoid(input); }

} // namespace grad::nn
