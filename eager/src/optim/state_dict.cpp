// Optimizer state for checkpoints: SGD's momentum buffers and Adam's moments and step counts as
// named tensors keyed like PyTorch's flattened optimizer state_dict ("state.0.exp_avg",
// "state.0.step", ...), and the strict load back. With the model's state_dict this is what a
// training run needs to resume bit-identically (test: StateDict.ResumeIsBitIdentical).
//
// Note [optimizer step as i64]
// PyTorch keeps Adam's step as a float32 0-d tensor; we store it as an i64 0-d tensor, which is
// exact for every step count and is what the update uses (an integer power of the betas).
#include <map>
#include <string>

#include "grad/autograd.h"
#include "grad/optim.h"

namespace grad::optim {
namespace {

using NamedTensors = std::vector<std::pair<std::string, Tensor>>;

/// One field of a parameter's state: a tensor shaped like the parameter, or the i64 step.
struct Field {
  std::string name;
  bool is_step = false;
};

Tensor copyOf(const Tensor& t) {
  NoGradGuard no_grad;
  Tensor c = empty(t.shape(), t.dtype());
  c.copy_(t);
  return c;
}

std::string describe(const char* what, const std::vector<Field>& fields, size_t nparams) {
  std::string s = std::string(what) + " keeps state.<i>.{";
  for (size_t i = 0; i < fields.size(); ++i)
    s += (i ? ", " : "") + fields[i].name;
  return s + "} for parameters i = 0.." + std::to_string(nparams ? nparams - 1 : 0);
}

/// Parses "state.<i>.<field>" (i decimal, no sign or leading zeros).
bool parseKey(const std::string& key, size_t& index, std::string& field) {
  const std::string prefix = "state.";
  if (key.compare(0, prefix.size(), prefix) != 0)
    return false;
  size_t dot = key.find('.', prefix.size());
  if (dot == std::string::npos || dot == prefix.size() || dot - prefix.size() > 18)
    return false;
  std::string digits = key.substr(prefix.size(), dot - prefix.size());
  if (digits.find_first_not_of("0123456789") != std::string::npos ||
      (digits.size() > 1 && digits[0] == '0'))
    return false;
  index = std::stoull(digits);
  field = key.substr(dot + 1);
  return true;
}

/// Validates `state` against the parameters and the optimizer's fields; returns, per parameter,
/// its fields (empty: no state). Throws grad::Error listing every problem; changes nothing.
std::vector<std::map<std::string, Tensor>> parseState(const char* what,
                                                      const std::vector<Tensor>& params,
                                                      const std::vector<Field>& fields,
                                                      const NamedTensors& state) {
  std::vector<std::map<std::string, Tensor>> out(params.size());
  std::vector<std::string> problems;
  std::map<std::string, int> seen;
  for (const auto& [key, t] : state) {
    if (seen[key]++) {
      problems.push_back("'" + key + "' occurs twice");
      continue;
    }
    size_t i = 0;
    std::string field;
    const Field* f = nullptr;
    if (parseKey(key, i, field) && i < params.size())
      for (const Field& candidate : fields)
        if (candidate.name == field)
          f = &candidate;
    if (!f) {
      problems.push_back("unexpected key '" + key + "' (" + describe(what, fields, params.size()) +
                         ")");
      continue;
    }
    if (!t.defined() || t.is_symbolic()) {
      problems.push_back("'" + key + "': the tensor is undefined or symbolic");
      continue;
    }
    if (f->is_step) {
      // Note [optimizer step as i64]
      if (t.dtype() != DType::i64 || !t.shape().empty() || t.item<int64_t>() < 1) {
        problems.push_back("'" + key + "': expected an i64 scalar >= 1, got " +
                           dtype_name(t.dtype()) + shape_str(t.shape()) +
                           (t.dtype() == DType::i64 && t.numel() == 1
                                ? " = " + std::to_string(t.to_vector<int64_t>()[0])
                                : std::string()));
        continue;
      }
    } else if (t.shape() != params[i].shape() || t.dtype() != params[i].dtype()) {
      problems.push_back("'" + key + "': " + dtype_name(t.dtype()) + shape_str(t.shape()) +
                         " in the state dict, parameter " + std::to_string(i) + " is " +
                         dtype_name(params[i].dtype()) + shape_str(params[i].shape()));
      continue;
    }
    out[i][field] = t;
  }
  for (size_t i = 0; i < out.size(); ++i) {
    if (out[i].empty())
      continue;
    for (const Field& f : fields)
      if (!out[i].count(f.name))
        problems.push_back("missing key 'state." + std::to_string(i) + "." + f.name + "'");
  }
  if (!problems.empty()) {
    std::string msg = std::string(what) + ": load_state_dict: ";
    for (size_t k = 0; k < problems.size(); ++k)
      msg += (k ? "; " : "") + problems[k];
    throw Error(msg);
  }
  return out;
}

std::string stateKey(size_t i, const char* field) {
  return "state." + std::to_string(i) + "." + field;
}

std::vector<Field> adamFields(bool amsgrad) {
  std::vector<Field> f = {{"step", true}, {"exp_avg"}, {"exp_avg_sq"}};
  if (amsgrad)
    f.push_back({"max_exp_avg_sq"});
  return f;
}

} // namespace

NamedTensors Optimizer::state_dict() const {
  throw Error("state_dict: this optimizer does not implement checkpointing");
}

void Optimizer::load_state_dict(const NamedTensors&) {
  throw Error("load_state_dict: this optimizer does not implement checkpointing");
}

NamedTensors SGD::state_dict() const {
  NamedTensors out;
  for (size_t i = 0; i < momentum_buffers_.size(); ++i)
    if (momentum_buffers_[i].defined())
      out.emplace_back(stateKey(i, "momentum_buffer"), copyOf(momentum_buffers_[i]));
  return out;
}

void SGD::load_state_dict(const NamedTensors& state) {
  auto parsed = parseState("SGD", params_, {{"momentum_buffer"}}, state);
  for (size_t i = 0; i < params_.size(); ++i)
    momentum_buffers_[i] = parsed[i].empty() ? Tensor() : copyOf(parsed[i]["momentum_buffer"]);
}

NamedTensors Adam::state_dict() const {
  NamedTensors out;
  for (size_t i = 0; i < state_.size(); ++i) {
    const State& s = state_[i];
    if (s.step == 0)
      continue;
    out.emplace_back(stateKey(i, "step"), tensor(std::vector<int64_t>{s.step}, {}));
    out.emplace_back(stateKey(i, "exp_avg"), copyOf(s.exp_avg));
    out.emplace_back(stateKey(i, "exp_avg_sq"), copyOf(s.exp_avg_sq));
    if (options_.amsgrad())
      out.emplace_back(stateKey(i, "max_exp_avg_sq"), copyOf(s.max_exp_avg_sq));
  }
  return out;
}

void Adam::load_state_dict(const NamedTensors& state) {
  auto parsed = parseState("Adam", params_, adamFields(options_.amsgrad()), state);
  for (size_t i = 0; i < params_.size(); ++i) {
    State fresh;
    auto& p = parsed[i];
    if (!p.empty()) {
      fresh.step = p["step"].item<int64_t>();
      fresh.exp_avg = copyOf(p["exp_avg"]);
      fresh.exp_avg_sq = copyOf(p["exp_avg_sq"]);
      if (options_.amsgrad())
        fresh.max_exp_avg_sq = copyOf(p["max_exp_avg_sq"]);
    }
    state_[i] = std::move(fresh);
  }
}

} // namespace grad::optim
