// grad::optim: SGD and Adam with exactly torch.optim's update formulas, and clip_grad_norm_.
// Updates run under NoGradGuard and write the parameters in place (their version counters bump),
// so every handle to a parameter (the module's, the optimizer's) sees the new values.
//
//   grad::optim::SGD opt(model.parameters(), grad::optim::SGDOptions(0.1).momentum(0.9));
//   opt.zero_grad(); loss.backward(); opt.step();
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "grad/tensor.h"

namespace grad {

/// Rescales the gradients of `params` in place so that their joint `norm_type`-norm (2 by
/// default; +infinity = max abs) is at most `max_norm`, and returns the norm before clipping
/// (torch.nn.utils.clip_grad_norm_: coefficient max_norm / (norm + 1e-6), clamped to 1).
/// Parameters without a gradient are skipped. With error_if_nonfinite, a NaN/Inf norm throws.
double clip_grad_norm_(const std::vector<Tensor>& params, double max_norm, double norm_type = 2.0,
                       bool error_if_nonfinite = false);

namespace optim {

/// Base of the optimizers: holds the parameters (leaf tensors of a floating dtype).
class Optimizer {
public:
  /// `what` names the optimizer in error messages.
  Optimizer(std::vector<Tensor> params, const char* what);
  virtual ~Optimizer() = default;
  Optimizer(const Optimizer&) = delete;
  Optimizer& operator=(const Optimizer&) = delete;

  /// One update of every parameter that has a gradient (others are skipped, like PyTorch).
  virtual void step() = 0;
  /// Drops every parameter's gradient (PyTorch's set_to_none=True).
  void zero_grad();
  const std::vector<Tensor>& parameters() const { return params_; }

  /// The per-parameter state for a checkpoint (grad::save writes it as safetensors), keyed like
  /// PyTorch's optimizer state_dict flattened: "state.<i>.<field>" with i the parameter's index in
  /// parameters(); a parameter that has not been stepped yet has no entries. The tensors are
  /// copies. Hyperparameters (lr, betas, ...) are not included: they are the constructor's options.
  virtual std::vector<std::pair<std::string, Tensor>> state_dict() const;
  /// Replaces the state with copies of `state` (as written by state_dict()). Strict: a key that
  /// is not "state.<i>.<field>" of this optimizer, a parameter with some of its fields missing,
  /// or a shape/dtype that differs from the parameter's is a grad::Error naming the key and both
  /// shapes; nothing changes on error. Parameters without entries start afresh.
  virtual void load_state_dict(const std::vector<std::pair<std::string, Tensor>>& state);

protected:
  std::vector<Tensor> params_;
};

/// Options of SGD: SGDOptions(lr).momentum(m).dampening(d).weight_decay(w).nesterov(b).
class SGDOptions {
public:
  explicit SGDOptions(double lr) : lr_(lr) {}
  SGDOptions& lr(double v) {
    lr_ = v;
    return *this;
  }
  SGDOptions& momentum(double v) {
    momentum_ = v;
    return *this;
  }
  SGDOptions& dampening(double v) {
    dampening_ = v;
    return *this;
  }
  SGDOptions& weight_decay(double v) {
    weight_decay_ = v;
    return *this;
  }
  SGDOptions& nesterov(bool v) {
    nesterov_ = v;
    return *this;
  }
  double lr() const { return lr_; }
  double momentum() const { return momentum_; }
  double dampening() const { return dampening_; }
  double weight_decay() const { return weight_decay_; }
  bool nesterov() const { return nesterov_; }

private:
  double lr_;
  double momentum_ = 0.0;
  double dampening_ = 0.0;
  double weight_decay_ = 0.0;
  bool nesterov_ = false;
};

/// torch.optim.SGD: g = grad + wd p; with momentum, b = g on the first step, else
/// b = momentum b + (1 - dampening) g, and g = nesterov ? g + momentum b : b; then p -= lr g.
class SGD : public Optimizer {
public:
  SGD(std::vector<Tensor> params, const SGDOptions& options);
  void step() override;
  const SGDOptions& options() const { return options_; }
  /// "state.<i>.momentum_buffer" for each parameter that has one.
  std::vector<std::pair<std::string, Tensor>> state_dict() const override;
  void load_state_dict(const std::vector<std::pair<std::string, Tensor>>& state) override;

private:
  SGDOptions options_;
  std::vector<Tensor> momentum_buffers_; // undefined until a parameter's first step
};

/// Options of Adam: AdamOptions(lr).betas({b1, b2}).eps(e).weight_decay(w).amsgrad(b).
class AdamOptions {
public:
  explicit AdamOptions(double lr = 1e-3) : lr_(lr) {}
  AdamOptions& lr(double v) {
    lr_ = v;
    return *this;
  }
  AdamOptions& betas(std::pair<double, double> v) {
    betas_ = v;
    return *this;
  }
  AdamOptions& eps(double v) {
    eps_ = v;
    return *this;
  }
  AdamOptions& weight_decay(double v) {
    weight_decay_ = v;
    return *this;
  }
  AdamOptions& amsgrad(bool v) {
    amsgrad_ = v;
    return *this;
  }
  double lr() const { return lr_; }
  std::pair<double, double> betas() const { return betas_; }
  double eps() const { return eps_; }
  double weight_decay() const { return weight_decay_; }
  bool amsgrad() const { return amsgrad_; }

private:
  double lr_;
  std::pair<double, double> betas_{0.9, 0.999};
  double eps_ = 1e-8;
  double weight_decay_ = 0.0;
  bool amsgrad_ = false;
};

/// torch.optim.Adam: g = grad + wd p; m = b1 m + (1-b1) g; v = b2 v + (1-b2) g^2 (v_max =
/// max(v_max, v) with amsgrad); p -= lr / (1 - b1^t) * m / (sqrt(v) / sqrt(1 - b2^t) + eps),
/// with t counted per parameter.
class Adam : public Optimizer {
public:
  Adam(std::vector<Tensor> params, const AdamOptions& options);
  void step() override;
  const AdamOptions& options() const { return options_; }
  /// "state.<i>.step" (an i64 scalar), "state.<i>.exp_avg", "state.<i>.exp_avg_sq" and, with
  /// amsgrad, "state.<i>.max_exp_avg_sq" for each parameter stepped at least once.
  std::vector<std::pair<std::string, Tensor>> state_dict() const override;
  void load_state_dict(const std::vector<std::pair<std::string, Tensor>>& state) override;

private:
  struct State {
    int64_t step = 0;
    Tensor exp_avg, exp_avg_sq, max_exp_avg_sq;
  };
  AdamOptions options_;
  std::vector<State> state_;
};

// ---- functional form (optax-style): pure functions of tensors, traceable by grad::jit ---------
//
// The same update formulas as SGD::step and Adam::step, written without in-place ops so that the
// update can be traced into the compiled training step (and run eagerly too). The optimizer
// state is a flat list of tensors, so it can be passed to and returned from a jitted function
// and donated (JitOptions::donate); see docs/user-guide.md "Compiled training step".
//
//   auto state = grad::optim::adam_init(params);
//   auto [new_params, new_state] = grad::optim::adam_step(params, grads, state, options);

/// SGD's state: one momentum buffer per parameter (zeros), or nothing when momentum is 0.
std::vector<Tensor> sgd_init(const std::vector<Tensor>& params, const SGDOptions& options);
/// One SGD update: returns (updated params, updated state). Equals SGD::step on the same
/// gradients (to rounding); dampening must be 0 (torch starts the buffer at the first gradient
/// rather than at zero, which only agrees with a zero-initialized buffer when dampening is 0).
std::pair<std::vector<Tensor>, std::vector<Tensor>>
sgd_step(const std::vector<Tensor>& params, const std::vector<Tensor>& grads,
         const std::vector<Tensor>& state, const SGDOptions& options);

/// Adam's state: [exp_avg per parameter..., exp_avg_sq per parameter..., (max_exp_avg_sq per
/// parameter... with amsgrad), step], all zeros; `step` is a scalar of the parameters' dtype
/// (the bias corrections are computed from it in the graph, so a jitted step does not
/// recompile as it counts).
std::vector<Tensor> adam_init(const std::vector<Tensor>& params, const AdamOptions& options = AdamOptions());
/// One Adam update: returns (updated params, updated state). Equals Adam::step on the same
/// gradients (to rounding: the bias corrections are computed in the parameters' dtype).
std::pair<std::vector<Tensor>, std::vector<Tensor>>
adam_step(const std::vector<Tensor>& params, const std::vector<Tensor>& grads,
          const std::vector<Tensor>& state, const AdamOptions& options = AdamOptions());

} // namespace optim
} // namespace grad
