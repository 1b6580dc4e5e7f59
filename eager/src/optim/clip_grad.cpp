// clip_grad_norm_: torch.nn.utils.clip_grad_norm_ on the gradients of a parameter list.
#include <cmath>
#include <limits>
#include <string>

#include "grad/autograd.h"
#include "grad/ops.h"
#include "grad/optim.h"

namespace grad {

double clip_grad_norm_(const std::vector<Tensor>& params, double max_norm, double norm_type,
                       bool error_if_nonfinite) {
  if (!(max_norm >= 0.0))
    throw Error("clip_grad_norm_: max_norm must be >= 0, got " + std::to_string(max_norm));
  if (!(norm_type > 0.0))
    throw Error("clip_grad_norm_: norm_type must be > 0 or infinity, got " +
                std::to_string(norm_type));
  NoGradGuard no_grad;
  const bool inf_norm = std::isinf(norm_type);
  double total = 0.0; // inf: max |g|; else sum |g|^p, rooted at the end
  bool any = false;
  for (const Tensor& p : params) {
    if (!p.defined())
      continue;
    Tensor g = p.grad();
    if (!g.defined())
      continue;
    any = true;
    if (g.numel() == 0)
      continue;
    if (inf_norm) {
      total = std::max(total, max(abs(g)).item<double>());
    } else if (norm_type == 2.0) {
      total += sum(g * g).item<double>();
    } else {
      total += sum(pow(abs(g), norm_type)).item<double>();
    }
  }
  if (!any)
    return 0.0;
  if (!inf_norm)
    total = std::pow(total, 1.0 / norm_type);
  if (error_if_nonfinite && !std::isfinite(total))
    throw Error("clip_grad_norm_: the total norm of order " + std::to_string(norm_type) +
                " of the gradients is non-finite (" + std::to_string(total) + ")");
  const double coef = std::min(max_norm / (total + 1e-6), 1.0);
  // !(coef >= 1) is also true for NaN, which (as in PyTorch) then propagates into the grads.
  if (!(coef >= 1.0)) {
    for (Tensor p : params) { // a handle copy: set_grad writes the shared tensor
      if (!p.defined() || !p.grad().defined())
        continue;
      // A fresh tensor instead of mul_: a gradient may be shared with another tensor's.
      p.set_grad(p.grad() * coef);
    }
  }
  return total;
}

} // namespace grad
