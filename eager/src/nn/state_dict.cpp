// nn::Module::state_dict / load_state_dict: a module's parameters as named tensors for a
// checkpoint (grad::save / grad::load write and read them as safetensors), and the strict copy
// back into the live parameters.
#include <map>
#include <string>

#include "grad/autograd.h"
#include "grad/nn.h"

namespace grad::nn {

std::vector<std::pair<std::string, Tensor>> Module::state_dict() const {
  std::vector<std::pair<std::string, Tensor>> out;
  for (auto& [name, p] : named_parameters())
    out.emplace_back(name, p.detach());
  return out;
}

void Module::load_state_dict(const std::vector<std::pair<std::string, Tensor>>& state,
                             bool strict) {
  const std::string what = "load_state_dict (" + name() + ")";
  std::map<std::string, Tensor> own;
  for (auto& [key, p] : named_parameters())
    own.emplace(key, p);

  // Check everything first (like PyTorch, report every problem at once), then copy.
  std::vector<std::string> problems, missing, unexpected;
  std::map<std::string, const Tensor*> given;
  std::vector<std::pair<Tensor, const Tensor*>> copies;
  for (const auto& [key, src] : state) {
    if (!given.emplace(key, &src).second) {
      problems.push_back("'" + key + "' occurs twice in the state dict");
      continue;
    }
    auto it = own.find(key);
    if (it == own.end()) {
      unexpected.push_back(key);
      continue;
    }
    const Tensor& dst = it->second;
    if (!src.defined()) {
      problems.push_back("'" + key + "': the tensor in the state dict is undefined");
      continue;
    }
    if (src.is_symbolic()) {
      problems.push_back("'" + key + "': the tensor in the state dict is symbolic (inside a trace)");
      continue;
    }
    if (src.shape() != dst.shape() || src.dtype() != dst.dtype()) {
      problems.push_back("'" + key + "': " + dtype_name(src.dtype()) + shape_str(src.shape()) +
                         " in the state dict, " + dtype_name(dst.dtype()) +
                         shape_str(dst.shape()) + " in the module");
      continue;
    }
    copies.emplace_back(dst, &src);
  }
  for (const auto& [key, p] : own)
    if (!given.count(key))
      missing.push_back(key);
  auto join = [](const std::vector<std::string>& keys) {
    std::string s;
    for (const std::string& k : keys)
      s += (s.empty() ? "'" : ", '") + k + "'";
    return s;
  };
  if (strict && !missing.empty())
    problems.push_back("missing keys: " + join(missing));
  if (strict && !unexpected.empty())
    problems.push_back("unexpected keys: " + join(unexpected));
  if (!problems.empty()) {
    std::string msg = what + ": ";
    for (size_t i = 0; i < problems.size(); ++i)
      msg += (i ? "; " : "") + problems[i];
    throw Error(msg);
  }

  NoGradGuard no_grad;
  for (auto& [dst, src] : copies) {
    try {
      dst.copy_(*src);
    } catch (const Error& e) {
      throw Error(what + ": " + e.what());
    }
  }
}

} // namespace grad::nn
