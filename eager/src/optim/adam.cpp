// optim::Adam: torch.optim.Adam's update (bias corrections, L2 weight decay, AMSGrad).
#include <cmath>
#include <string>

#include "grad/autograd.h"
#include "grad/ops.h"
#include "grad/optim.h"

namespace grad::optim {

Adam::Adam(std::vector<Tensor> params, const AdamOptions& options)
    : Optimizer(std::move(params), "Adam"), options_(options) {
  const auto [b1, b2] = options.betas();
  if (!(options.lr() >= 0.0))
    throw Error("Adam: invalid lr " + std::to_string(options.lr()));
  if (!(options.eps() >= 0.0))
    throw Error("Adam: invalid eps " + std::to_string(options.eps()));
  if (!(b1 >= 0.0 && b1 < 1.0) || !(b2 >= 0.0 && b2 < 1.0))
    throw Error("Adam: betas must be in [0, 1), got (" + std::to_string(b1) + ", " +
                std::to_string(b2) + ")");
  if (!(options.weight_decay() >= 0.0))
    throw Error("Adam: invalid weight_decay " + std::to_string(options.weight_decay()));
  state_.resize(params_.size());
}

void Adam::step() {
  NoGradGuard no_grad;
  const auto [beta1, beta2] = options_.betas();
  for (size_t i = 0; i < params_.size(); ++i) {
    Tensor& p = params_[i];
    Tensor g = p.grad();
    if (!g.defined())
      continue;
    State& s = state_[i];
    if (s.step == 0) {
      s.exp_avg = zeros_like(p);
      s.exp_avg_sq = zeros_like(p);
      if (options_.amsgrad())
        s.max_exp_avg_sq = zeros_like(p);
    }
    ++s.step;
    if (options_.weight_decay() != 0.0)
      g = g + p * options_.weight_decay();
    s.exp_avg.mul_(beta1).add_(g, 1.0 - beta1);
    s.exp_avg_sq.mul_(beta2).add_(g * g, 1.0 - beta2);
    const double bias_correction1 = 1.0 - std::pow(beta1, static_cast<double>(s.step));
    const double bias_correction2 = 1.0 - std::pow(beta2, static_cast<double>(s.step));
    Tensor second = s.exp_avg_sq;
    if (options_.amsgrad()) {
      s.max_exp_avg_sq.copy_(maximum(s.max_exp_avg_sq, s.exp_avg_sq));
      second = s.max_exp_avg_sq;
    }
    Tensor denom = sqrt(second) / std::sqrt(bias_correction2) + options_.eps();
    p.add_(s.exp_avg / denom, -(options_.lr() / bias_correction1)); // torch: addcdiv_
  }
}

} // namespace grad::optim
