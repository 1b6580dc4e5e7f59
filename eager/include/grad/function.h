// Custom autograd functions, shaped like libtorch's torch::autograd::Function:
//
//   struct Square : grad::Function<Square> {
//     static grad::Tensor forward(grad::AutogradContext* ctx, const grad::Tensor& x) {
//       ctx->save_for_backward({x});
//       return x * x;
//     }
//     static std::vector<grad::Tensor> backward(grad::AutogradContext* ctx,
//                                               std::vector<grad::Tensor> grads) {
//       grad::Tensor x = ctx->get_saved_variables()[0];
//       return {grads[0] * 2.0 * x};
//     }
//   };
//   grad::Tensor y = Square::apply(x);
//
// forward runs without recording (under NoGradGuard); its Tensor arguments (and the elements of
// std::vector<Tensor> arguments) are the node's inputs, in order; backward returns one gradient
// per such Tensor input (undefined = none). forward may return a Tensor or std::vector<Tensor>.
#pragma once

#include <any>
#include <memory>
#include <string>
#include <type_traits>
#include <typeinfo>
#include <unordered_map>
#include <utility>
#include <vector>

#include "grad/autograd.h"
#include "grad/tensor.h"

namespace grad {

/// The `ctx` of a custom function: tensors and data kept from forward for backward.
class AutogradContext {
public:
  /// Saves tensors for backward (inputs or outputs of forward); version-checked at unpack.
  void save_for_backward(std::vector<Tensor> to_save);
  /// The tensors given to save_for_backward, in order.
  std::vector<Tensor> get_saved_variables() const;
  /// Whether input i (the i-th Tensor argument of forward) needs a gradient.
  bool needs_input_grad(size_t i) const;
  /// Arbitrary non-tensor data for backward (std::any_cast to read).
  std::unordered_map<std::string, std::any> saved_data;

private:
  friend struct detail_function_access;
  std::vector<Tensor> to_save_;
  std::vector<SavedVariable> saved_;
  std::vector<bool> needs_input_grad_;
  Node* owner_ = nullptr;
};

namespace detail {

using CustomBackwardFn = std::vector<Tensor> (*)(AutogradContext*, std::vector<Tensor>);

/// The node of one custom function call; owns the context.
std::shared_ptr<Node> make_custom_node(const std::type_info& type, CustomBackwardFn backward,
                                       const std::vector<Tensor>& inputs);
/// The context inside a node from make_custom_node.
AutogradContext* custom_node_context(const std::shared_ptr<Node>& node);
/// Connects the outputs of forward to the node when recording (returns them, possibly aliased).
std::vector<Tensor> finish_custom_function(const std::shared_ptr<Node>& node,
                                           const std::vector<Tensor>& inputs,
                                           std::vector<Tensor> outputs);

inline void collect_tensors(std::vector<Tensor>& out, const Tensor& t) { out.push_back(t); }
inline void collect_tensors(std::vector<Tensor>& out, const std::vector<Tensor>& ts) {
  out.insert(out.end(), ts.begin(), ts.end());
}
template <class T> void collect_tensors(std::vector<Tensor>&, const T&) {}

} // namespace detail

/// CRTP base of a custom function; see the file comment.
template <class Derived> struct Function {
  template <class... Args> static auto apply(Args&&... args) {
    std::vector<Tensor> inputs;
    (detail::collect_tensors(inputs, args), ...);
    std::shared_ptr<Node> node =
        detail::make_custom_node(typeid(Derived), &Derived::backward, inputs);
    AutogradContext* ctx = detail::custom_node_context(node);
    using Result = decltype(Derived::forward(ctx, std::forward<Args>(args)...));
    Result result;
    {
      NoGradGuard no_grad;
      result = Derived::forward(ctx, std::forward<Args>(args)...);
    }
    if constexpr (std::is_same_v<Result, Tensor>) {
      return detail::finish_custom_function(node, inputs, {result})[0];
    } else {
      static_assert(std::is_same_v<Result, std::vector<Tensor>>,
                    "forward must return Tensor or std::vector<Tensor>");
      return detail::finish_custom_function(node, inputs, std::move(result));
    }
  }
};

} // namespace grad
