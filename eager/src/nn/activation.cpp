// Elementwise activation modules: thin wrappers over the ops of the same name.
#include "grad/nn.h"
#include "grad/ops.h"

namespace grad::nn {

Tensor ReLU::forward(const Tensor& input) { return relu(input); }
Tensor GELU::forward(const Tensor& input) { return gelu(input); }
Tensor Tanh::forward(const Tensor& input) { return tanh(input); }
Tensor Sigmoid::forward(const Tensor& input) { return sigmoid(input); }

} // namespace grad::nn
