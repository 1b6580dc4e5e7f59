// optim::Optimizer: parameter checks shared by all optimizers, and zero_grad.
#include <string>

#include "grad/optim.h"

namespace grad::optim {

Optimizer::Optimizer(std::vector<Tensor> params, const char* what) : params_(std::move(params)) {
  for (size_t i = 0; i < params_.size(); ++i) {
    const Tensor& p = params_[i];
    const std::string where = std::string(what) + ": parameter " + std::to_string(i);
    if (!p.defined())
      throw Error(where + " is an undefined tensor");
    if (!is_floating(p.dtype()))
      throw Error(where + " has dtype " + dtype_name(p.dtype()) + "; only f32/f64 are optimized");
    if (!p.is_leaf())
      throw Error(where + " " + shape_str(p.shape()) + " is not a leaf tensor");
  }
}

void Optimizer::zero_grad() {
  for (Tensor& p : params_)
    p.zero_grad();
}

} // namespace grad::optim
