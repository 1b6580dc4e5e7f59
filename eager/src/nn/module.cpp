// nn::Module: parameter and child registration, recursive traversal, train/eval, zero_grad, and
// the seed generator that parameter initializers draw from.
#include <atomic>

#include "grad/nn.h"

namespace grad::nn {

namespace {

std::atomic<uint64_t>& seed_counter() {
  static std::atomic<uint64_t> counter{0};
  return counter;
}

// splitmix64 finalizer: consecutive counter values give unrelated seeds.
uint64_t mix(uint64_t z) {
  z += 0x9e3779b97f4a7c15ull;
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}

void check_name(const std::string& what, const std::string& name) {
  if (name.empty() || name.find('.') != std::string::npos)
    throw Error(what + ": name '" + name + "' must be non-empty and contain no '.'");
}

} // namespace

void manual_seed(uint64_t seed) { seed_counter().store(mix(seed)); }

uint64_t next_seed() { return mix(seed_counter().fetch_add(1)); }

Tensor Module::forward(const Tensor&) {
  throw Error(name() + "::forward: this module defines no forward()");
}

Tensor Module::register_parameter(std::string name, Tensor tensor, bool requires_grad) {
  check_name("register_parameter", name);
  if (!tensor.defined())
    throw Error("register_parameter: '" + name + "' is an undefined tensor");
  for (const auto& [existing, t] : parameters_)
    if (existing == name)
      throw Error("register_parameter: '" + name + "' is already registered");
  if (requires_grad && !tensor.requires_grad())
    tensor.requires_grad_(true);
  parameters_.emplace_back(std::move(name), std::move(tensor));
  return parameters_.back().second;
}

void Module::add_child(std::string name, std::shared_ptr<Module> module) {
  check_name("register_module", name);
  if (!module)
    throw Error("register_module: '" + name + "' is a null module");
  for (const auto& [existing, m] : children_)
    if (existing == name)
      throw Error("register_module: '" + name + "' is already registered");
  children_.emplace_back(std::move(name), std::move(module));
}

void Module::collect_parameters(const std::string& prefix,
                                std::vector<std::pair<std::string, Tensor>>& out) const {
  for (const auto& [name, t] : parameters_) {
    bool seen = false;
    for (const auto& [n, u] : out)
      seen = seen || u.is_same(t);
    if (!seen)
      out.emplace_back(prefix + name, t);
  }
  for (const auto& [name, child] : children_)
    child->collect_parameters(prefix + name + ".", out);
}

std::vector<std::pair<std::string, Tensor>> Module::named_parameters(bool recurse) const {
  if (!recurse)
    return parameters_;
  std::vector<std::pair<std::string, Tensor>> out;
  collect_parameters("", out);
  return out;
}

std::vector<Tensor> Module::parameters(bool recurse) const {
  std::vector<Tensor> out;
  for (auto& [name, t] : named_parameters(recurse))
    out.push_back(std::move(t));
  return out;
}

std::vector<std::shared_ptr<Module>> Module::children() const {
  std::vector<std::shared_ptr<Module>> out;
  for (const auto& [name, child] : children_)
    out.push_back(child);
  return out;
}

std::vector<std::pair<std::string, std::shared_ptr<Module>>> Module::named_children() const {
  return children_;
}

void Module::train(bool on) {
  training_ = on;
  for (auto& [name, child] : children_)
    child->train(on);
}

void Module::zero_grad() {
  for (Tensor& p : parameters())
    p.zero_grad();
}

} // namespace grad::nn
