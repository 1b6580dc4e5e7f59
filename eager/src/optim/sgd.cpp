// optim::SGD: torch.optim.SGD's update (momentum, dampening, weight decay, Nesterov).
#include <string>

#include "grad/autograd.h"
#include "grad/ops.h"
#include "grad/optim.h"

namespace grad::optim {

SGD::SGD(std::vector<Tensor> params, const SGDOptions& options)
    : Optimizer(std::move(params), "SGD"), options_(options) {
  if (!(options.lr() >= 0.0))
    throw Error("SGD: invalid lr " + std::to_string(options.lr()));
  if (!(options.momentum() >= 0.0))
    throw Error("SGD: invalid momentum " + std::to_string(options.momentum()));
  if (!(options.weight_decay() >= 0.0))
    throw Error("SGD: invalid weight_decay " + std::to_string(options.weight_decay()));
  if (options.nesterov() && (options.momentum() <= 0.0 || options.dampening() != 0.0))
    throw Error("SGD: nesterov needs momentum > 0 and dampening = 0");
  momentum_buffers_.resize(params_.size());
}

void SGD::step() {
  NoGradGuard no_grad;
  const double lr = options_.lr(), momentum = options_.momentum();
  const double dampening = options_.dampening(), weight_decay = options_.weight_decay();
  for (size_t i = 0; i < params_.size(); ++i) {
    Tensor& p = params_[i];
    Tensor g = p.grad();
    if (!g.defined())
      continue;
    if (weight_decay != 0.0)
      g = g + p * weight_decay;
    if (momentum != 0.0) {
      Tensor& buf = momentum_buffers_[i];
      if (!buf.defined()) {
        // torch.clone(d_p): the buffer must not alias the gradient, which backward may reuse.
        buf = empty(g.shape(), g.dtype());
        buf.copy_(g);
      } else {
        buf.mul_(momentum).add_(g, 1.0 - dampening);
      }
      if (options_.nesterov())
        g = g + buf * momentum;
      else
        g = buf;
    }
    p.add_(g, -lr); // one pass, no temporary (torch: p.add_(d_p, alpha=-lr))
  }
}

} // namespace grad::optim
