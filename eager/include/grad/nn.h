// grad::nn: modules shaped like libtorch's C++ frontend (torch::nn). A Module owns named
// parameters (leaf tensors requiring grad) and named child modules; parameters() walks the tree.
// Modules are held by std::shared_ptr (children, Sequential); a Tensor parameter is a handle, so
// a module copy shares its parameters with the original (like libtorch's shallow copies).
//
//   grad::nn::Sequential model{grad::nn::Linear(2, 64), grad::nn::ReLU(),
//                              grad::nn::Linear(64, 2)};
//   grad::Tensor logits = model.forward(x);
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "grad/dtype.h"
#include "grad/error.h"
#include "grad/tensor.h"

namespace grad::nn {

/// Seeds the generator that modules built without an explicit seed draw their seeds from
/// (like torch::manual_seed for parameter init). Thread-safe; the default seed is 0.
void manual_seed(uint64_t seed);
/// The next seed of that generator (each Linear/Embedding/... without a seed calls it once).
uint64_t next_seed();

/// Base class of all modules.
class Module {
public:
  Module() = default;
  virtual ~Module() = default;
  Module(const Module&) = default;
  Module& operator=(const Module&) = default;
  Module(Module&&) = default;
  Module& operator=(Module&&) = default;

  /// The module's computation. The base class has none: calling it throws grad::Error.
  virtual Tensor forward(const Tensor& input);
  /// Same as forward().
  Tensor operator()(const Tensor& input) { return forward(input); }
  /// Type name shown in errors and names, e.g. "Linear".
  virtual std::string name() const { return "Module"; }

  /// Parameters of this module and (recurse) all descendants, depth-first in registration order;
  /// a tensor reachable twice (a shared submodule) is listed once, like PyTorch.
  std::vector<Tensor> parameters(bool recurse = true) const;
  /// Same with dotted names: "weight", "0.bias", "encoder.1.weight".
  std::vector<std::pair<std::string, Tensor>> named_parameters(bool recurse = true) const;
  /// Direct children in registration order.
  std::vector<std::shared_ptr<Module>> children() const;
  std::vector<std::pair<std::string, std::shared_ptr<Module>>> named_children() const;

  /// Sets training mode on this module and all descendants.
  virtual void train(bool on = true);
  /// Same as train(false).
  void eval() { train(false); }
  bool is_training() const { return training_; }

  /// Drops the accumulated gradient of every parameter (PyTorch's set_to_none=True).
  void zero_grad();

  /// The module's state for a checkpoint: named_parameters() (the modules here hold no buffers),
  /// each detached but sharing storage with the parameter. grad::save writes it as safetensors.
  std::vector<std::pair<std::string, Tensor>> state_dict() const;
  /// Copies `state` into the parameters in place (under NoGradGuard; every handle to a parameter
  /// sees the new values). Shapes and dtypes must match exactly (no broadcasting). With `strict`
  /// a missing or unexpected key is an error too; without it those keys are skipped. Checks every
  /// entry before copying any: on error nothing is changed. Throws grad::Error naming the keys
  /// and both shapes ("load_state_dict: 'fc.weight': shape [4] in the state dict, [2,4] in the
  /// module").
  void load_state_dict(const std::vector<std::pair<std::string, Tensor>>& state,
                       bool strict = true);

  /// Registers `tensor` as parameter `name` (no '.' and not empty, unique in this module);
  /// switches requires_grad on it when `requires_grad`. Returns the same tensor handle.
  Tensor register_parameter(std::string name, Tensor tensor, bool requires_grad = true);
  /// Registers `module` as child `name` and returns it.
  template <class M>
  std::shared_ptr<M> register_module(std::string name, std::shared_ptr<M> module) {
    static_assert(std::is_base_of_v<Module, M>, "register_module: M must derive from nn::Module");
    add_child(std::move(name), module);
    return module;
  }

private:
  void add_child(std::string name, std::shared_ptr<Module> module);
  void collect_parameters(const std::string& prefix,
                          std::vector<std::pair<std::string, Tensor>>& out) const;

  std::vector<std::pair<std::string, Tensor>> parameters_;
  std::vector<std::pair<std::string, std::shared_ptr<Module>>> children_;
  bool training_ = true;
};

/// Options of Linear (libtorch's LinearOptions plus an init seed and a dtype):
/// LinearOptions(in, out).bias(false).seed(7).dtype(grad::kFloat64).
class LinearOptions {
public:
  LinearOptions(int64_t in_features, int64_t out_features)
      : in_features_(in_features), out_features_(out_features) {}
  LinearOptions& bias(bool v) {
    bias_ = v;
    return *this;
  }
  /// Seed of the initialization; without one, Linear draws nn::next_seed().
  LinearOptions& seed(uint64_t v) {
    seed_ = v;
    return *this;
  }
  LinearOptions& dtype(DType v) {
    dtype_ = v;
    return *this;
  }
  int64_t in_features() const { return in_features_; }
  int64_t out_features() const { return out_features_; }
  bool bias() const { return bias_; }
  std::optional<uint64_t> seed() const { return seed_; }
  DType dtype() const { return dtype_; }

private:
  int64_t in_features_;
  int64_t out_features_;
  bool bias_ = true;
  std::optional<uint64_t> seed_;
  DType dtype_ = DType::f32;
};

/// y = x W^T + b with W [out, in], b [out]; x [..., in] -> [..., out]. Initialized like PyTorch:
/// W and b uniform in [-1/sqrt(in), 1/sqrt(in)] (kaiming_uniform with a = sqrt(5)).
class Linear : public Module {
public:
  Linear(int64_t in_features, int64_t out_features, bool bias = true);
  explicit Linear(const LinearOptions& options);
  Tensor forward(const Tensor& input) override;
  std::string name() const override { return "Linear"; }

  const LinearOptions& options() const { return options_; }
  Tensor weight; ///< [out, in]
  Tensor bias;   ///< [out], undefined without bias

private:
  LinearOptions options_;
};

/// max(x, 0).
class ReLU : public Module {
public:
  Tensor forward(const Tensor& input) override;
  std::string name() const override { return "ReLU"; }
};

/// GELU: the tanh approximation by default (grad::gelu), or with approximate = "none" the exact
/// form 0.5 x (1 + erf(x / sqrt(2))) that is PyTorch's default. Other values are a grad::Error.
class GELU : public Module {
public:
  explicit GELU(std::string approximate = "tanh");
  Tensor forward(const Tensor& input) override;
  std::string name() const override { return "GELU"; }
  const std::string& approximate() const { return approximate_; }

private:
  std::string approximate_;
};

class Tanh : public Module {
public:
  Tensor forward(const Tensor& input) override;
  std::string name() const override { return "Tanh"; }
};

class Sigmoid : public Module {
public:
  Tensor forward(const Tensor& input) override;
  std::string name() const override { return "Sigmoid"; }
};

/// Layer normalization over the trailing `normalized_shape` dims, with a learnable weight (ones)
/// and bias (zeros) when elementwise_affine.
class LayerNorm : public Module {
public:
  explicit LayerNorm(Shape normalized_shape, double eps = 1e-5, bool elementwise_affine = true,
                     DType dtype = DType::f32);
  Tensor forward(const Tensor& input) override;
  std::string name() const override { return "LayerNorm"; }

  Tensor weight; ///< normalized_shape, undefined without affine
  Tensor bias;   ///< normalized_shape, undefined without affine

private:
  Shape normalized_shape_;
  double eps_;
};

/// A lookup table: i64 indices [N...] -> rows of weight [num_embeddings, embedding_dim]
/// (weight initialized N(0, 1) like PyTorch).
class Embedding : public Module {
public:
  Embedding(int64_t num_embeddings, int64_t embedding_dim,
            std::optional<uint64_t> seed = std::nullopt, DType dtype = DType::f32);
  Tensor forward(const Tensor& indices) override;
  std::string name() const override { return "Embedding"; }

  Tensor weight; ///< [num_embeddings, embedding_dim]
};

/// Runs its modules in order, feeding each one's output to the next; children are named "0",
/// "1", ... An empty Sequential returns its input.
class Sequential : public Module {
public:
  Sequential() = default;
  /// Sequential{Linear(2, 8), ReLU(), ...}: each argument is a module value or a shared_ptr.
  template <class... Ms>
  requires(sizeof...(Ms) > 0 &&
           !(sizeof...(Ms) == 1 && (std::is_same_v<std::decay_t<Ms>, Sequential> &&
                                    ...))) explicit Sequential(Ms&&... modules) {
    (push_back(std::forward<Ms>(modules)), ...);
  }

  /// Appends a module (shared: the Sequential and the caller see the same parameters).
  void push_back(std::shared_ptr<Module> module);
  /// Appends a copy of a module value (shares its parameter tensors).
  template <class M>
  requires std::is_base_of_v<Module, std::decay_t<M>>
  void push_back(M&& module) {
    push_back(std::shared_ptr<Module>(std::make_shared<std::decay_t<M>>(std::forward<M>(module))));
  }
  template <class M>
  requires std::is_base_of_v<Module, M>
  void push_back(std::shared_ptr<M> module) {
    push_back(std::shared_ptr<Module>(std::move(module)));
  }

  Tensor forward(const Tensor& input) override;
  std::string name() const override { return "Sequential"; }
  size_t size() const { return modules_.size(); }
  /// The i-th module (throws grad::Error when out of range).
  const std::shared_ptr<Module>& operator[](size_t i) const;

private:
  std::vector<std::shared_ptr<Module>> modules_;
};

} // namespace grad::nn
