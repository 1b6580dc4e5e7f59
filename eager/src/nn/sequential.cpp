// nn::Sequential: a chain of modules registered as children "0", "1", ...
#include "grad/nn.h"

namespace grad::nn {

void Sequential::push_back(std::shared_ptr<Module> module) {
  if (!module)
    throw Error("Sequential::push_back: null module");
  register_module(std::to_string(modules_.size()), module);
  modules_.push_back(std::move(module));
}

Tensor Sequential::forward(const Tensor& input) {
  Tensor x = input;
  for (const auto& m : modules_)
    x = m->forward(x);
  return x;
}

const std::shared_ptr<Module>& Sequential::operator[](size_t i) const {
  if (i >= modules_.size())
    throw Error("Sequential: index " + std::to_string(i) + " out of range for " +
                std::to_string(modules_.size()) + " modules");
  return modules_[i];
}

} // namespace grad::nn
