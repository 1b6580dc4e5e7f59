// The functional optimizers (grad/optim.h): SGD's and Adam's updates as pure tensor functions,
// so that grad::jit traces them into the training step. Same formulas as sgd.cpp and adam.cpp,
// with out-of-place ops instead of add_/mul_ (a traced tensor has no buffer to update).
#include <string>

#include "grad/ops.h"
#include "grad/optim.h"

namespace grad::optim {

namespace {

void check_lists(const char* what, const std::vector<Tensor>& params,
                 const std::vector<Tensor>& grads, const std::vector<Tensor>& state,
                 size_t state_size) {
  if (grads.size() != params.size())
    throw Error(std::string(what) + ": " + std::to_string(params.size()) + " parameters but " +
                std::to_string(grads.size()) + " gradients");
  if (state.size() != state_size)
    throw Error(std::string(what) + ": the state has " + std::to_string(state.size()) +
                " tensors, expected " + std::to_string(state_size) + " for " +
                std::to_string(params.size()) + " parameters (make it with the matching _init)");
  for (size_t i = 0; i < params.size(); ++i) {
    if (!params[i].defined() || !grads[i].defined())
      throw Error(std::string(what) + ": parameter #" + std::to_string(i) +
                  " or its gradient is undefined");
    if (grads[i].shape() != params[i].shape() || grads[i].dtype() != params[i].dtype())
      throw Error(std::string(what) + ": gradient #" + std::to_string(i) + " is " +
                  dtype_name(grads[i].dtype()) + shape_str(grads[i].shape()) +
                  ", its parameter " + dtype_name(params[i].dtype()) +
                  shape_str(params[i].shape()));
  }
}

void check_state(const char* what, const Tensor& s, const Tensor& p, size_t index) {
  if (!s.defined() || s.shape() != p.shape() || s.dtype() != p.dtype())
    throw Error(std::string(what) + ": state #" + std::to_string(index) + " is " +
                (s.defined() ? dtype_name(s.dtype()) + shape_str(s.shape()) : "undefined") +
                ", expected " + dtype_name(p.dtype()) + shape_str(p.shape()));
}

} // namespace

std::vector<Tensor> sgd_init(const std::vector<Tensor>& params, const SGDOptions& options) {
  std::vector<Tensor> state;
  if (options.momentum() != 0.0)
    for (const Tensor& p : params)
      state.push_back(zeros(p.shape(), p.dtype()));
  return state;
}

std::pair<std::vector<Tensor>, std::vector<Tensor>>
sgd_step(const std::vector<Tensor>& params, const std::vector<Tensor>& grads,
         const std::vector<Tensor>& state, const SGDOptions& options) {
  const double lr = options.lr(), momentum = options.momentum();
  if (options.dampening() != 0.0)
    throw Error("sgd_step: dampening " + std::to_string(options.dampening()) +
                " is not supported by the functional form (use 0, or optim::SGD)");
  if (options.nesterov() && momentum <= 0.0)
    throw Error("sgd_step: nesterov needs momentum > 0");
  check_lists("sgd_step", params, grads, state, momentum != 0.0 ? params.size() : 0);
  std::vector<Tensor> new_params, new_state;
  for (size_t i = 0; i < params.size(); ++i) {
    Tensor g = grads[i];
    if (options.weight_decay() != 0.0)
      g = g + params[i] * options.weight_decay();
    if (momentum != 0.0) {
      check_state("sgd_step", state[i], params[i], i);
      // torch: buf = g on the first step, else momentum * buf + g; a zero buffer gives both.
      Tensor buf = state[i] * momentum + g;
      new_state.push_back(buf);
      g = options.nesterov() ? g + buf * momentum : buf;
    }
    new_params.push_back(params[i] + g * -lr);
  }
  return {std::move(new_params), std::move(new_state)};
}

std::vector<Tensor> adam_init(const std::vector<Tensor>& params, const AdamOptions& options) {
  std::vector<Tensor> state;
  int moments = options.amsgrad() ? 3 : 2;
  for (int k = 0; k < moments; ++k)
    for (const Tensor& p : params)
      state.push_back(zeros(p.shape(), p.dtype()));
  state.push_back(zeros({}, params.empty() ? DType::f32 : params[0].dtype()));
  return state;
}

std::pair<std::vector<Tensor>, std::vector<Tensor>>
adam_step(const std::vector<Tensor>& params, const std::vector<Tensor>& grads,
          const std::vector<Tensor>& state, const AdamOptions& options) {
  const size_t n = params.size();
  const bool amsgrad = options.amsgrad();
  const auto [beta1, beta2] = options.betas();
  check_lists("adam_step", params, grads, state, (amsgrad ? 3 : 2) * n + 1);
  const Tensor& step = state.back();
  if (!step.defined() || step.dim() != 0)
    throw Error("adam_step: the last state tensor must be the scalar step count, got " +
                (step.defined() ? shape_str(step.shape()) : std::string("undefined")));
  Tensor t = step + 1.0;
  // 1 - beta^t in the graph (torch computes it on the host from its integer step).
  Tensor bias_correction1 = 1.0 - pow(full({}, beta1, step.dtype()), t);
  Tensor bias_correction2 = 1.0 - pow(full({}, beta2, step.dtype()), t);
  Tensor step_size = options.lr() / bias_correction1;
  Tensor bias_correction2_sqrt = sqrt(bias_correction2);
  std::vector<Tensor> new_params(n), new_state((amsgrad ? 3 : 2) * n + 1);
  for (size_t i = 0; i < n; ++i) {
    const Tensor& p = params[i];
    for (size_t k = 0; k < (amsgrad ? 3u : 2u); ++k)
      check_state("adam_step", state[k * n + i], p, k * n + i);
    Tensor g = grads[i];
    if (options.weight_decay() != 0.0)
      g = g + p * options.weight_decay();
    Tensor m = state[i] * beta1 + g * (1.0 - beta1);
    Tensor v = state[n + i] * beta2 + (g * g) * (1.0 - beta2);
    new_state[i] = m;
    new_state[n + i] = v;
    Tensor second = v;
    if (amsgrad) {
      second = maximum(state[2 * n + i], v);
      new_state[2 * n + i] = second;
    }
    Tensor denom = sqrt(second) / bias_correction2_sqrt + options.eps();
    new_params[i] = p - (m / denom) * step_size;
  }
  new_state.back() = t;
  return {std::move(new_params), std::move(new_state)};
}

} // namespace grad::optim
