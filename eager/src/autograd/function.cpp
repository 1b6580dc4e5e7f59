// Custom autograd functions (grad::Function<T>): the node type that calls a user's backward.
#include <cxxabi.h>

#include <cstdlib>

#include <fmt/format.h>

#include "autograd/graph.h"
#include "core/tensor_impl.h"
#include "grad/function.h"
#include "grad/ops.h"

namespace grad {

struct detail_function_access {
  static std::vector<Tensor>& to_save(AutogradContext& c) { return c.to_save_; }
  static std::vector<SavedVariable>& saved(AutogradContext& c) { return c.saved_; }
  static std::vector<bool>& needs(AutogradContext& c) { return c.needs_input_grad_; }
  static Node*& owner(AutogradContext& c) { return c.owner_; }
};

namespace {

std::string demangle(const char* mangled) {
  int status = 0;
  char* s = abi::__cxa_demangle(mangled, nullptr, nullptr, &status);
  std::string out = status == 0 && s ? s : mangled;
  std::free(s);
  size_t colon = out.rfind("::");
  return colon == std::string::npos ? out : out.substr(colon + 2);
}

class CustomNode : public Node {
public:
  CustomNode(std::string name, detail::CustomBackwardFn backward)
      : name_(std::move(name)), backward_(backward) {
    detail_function_access::owner(ctx_) = this;
  }
  std::string name() const override { return name_; }
  std::vector<Tensor> apply(std::vector<Tensor>&& grads) override {
    // The user's backward sees zeros, not undefined tensors, for outputs without a gradient.
    for (uint32_t i = 0; i < grads.size(); ++i)
      if (!grads[i].defined())
        grads[i] = zeros(output_shape(i), output_dtype(i));
    return backward_(&ctx_, std::move(grads));
  }
  void release_variables() override {
    for (SavedVariable& s : detail_function_access::saved(ctx_))
      s.reset_data();
  }
  AutogradContext ctx_;

private:
  std::string name_;
  detail::CustomBackwardFn backward_;
};

} // namespace

void AutogradContext::save_for_backward(std::vector<Tensor> to_save) {
  to_save_ = std::move(to_save);
  saved_.clear();
}

std::vector<Tensor> AutogradContext::get_saved_variables() const {
  std::vector<Tensor> out;
  if (!saved_.empty() || to_save_.empty()) {
    for (const SavedVariable& s : saved_)
      out.push_back(s.unpack(owner_));
    return out;
  }
  return to_save_; // not recording: the plain tensors
}

bool AutogradContext::needs_input_grad(size_t i) const {
  return i < needs_input_grad_.size() && needs_input_grad_[i];
}

namespace detail {

std::shared_ptr<Node> make_custom_node(const std::type_info& type, CustomBackwardFn backward,
                                       const std::vector<Tensor>& inputs) {
  auto node = std::make_shared<CustomNode>(demangle(type.name()) + "Backward", backward);
  auto& needs = detail_function_access::needs(node->ctx_);
  for (const Tensor& t : inputs)
    needs.push_back(t.defined() && t.requires_grad());
  return node;
}

AutogradContext* custom_node_context(const std::shared_ptr<Node>& node) {
  return &static_cast<CustomNode*>(node.get())->ctx_;
}

std::vector<Tensor> finish_custom_function(const std::shared_ptr<Node>& node,
                                           const std::vector<Tensor>& inputs,
                                           std::vector<Tensor> outputs) {
  auto* custom = static_cast<CustomNode*>(node.get());
  AutogradContext& ctx = custom->ctx_;
  bool record = is_grad_enabled();
  bool any = false;
  for (const Tensor& t : inputs)
    any |= t.defined() && t.requires_grad();
  if (!record || !any)
    return outputs; // ctx keeps plain tensors; the node is dropped
  for (size_t i = 0; i < outputs.size(); ++i) {
    check_defined(outputs[i], "Function::apply");
    // An output that is an input (or already has history) gets a fresh alias to carry ours.
    bool alias = outputs[i].requires_grad();
    for (const Tensor& in : inputs)
      alias |= in.is_same(outputs[i]);
    if (alias)
      outputs[i] = outputs[i].detach();
  }
  custom->set_next_edges(collect_next_edges(inputs));
  for (size_t i = 0; i < outputs.size(); ++i) {
    node->add_output(outputs[i].shape(), outputs[i].dtype());
    if (is_floating(outputs[i].dtype()))
      set_history(outputs[i], node, static_cast<uint32_t>(i));
  }
  record_anomaly_site(*node, custom->name().c_str(), outputs[0]);
  // Saved tensors: outputs are saved without their grad_fn (Note [Saved outputs]).
  auto& saved = detail_function_access::saved(ctx);
  for (const Tensor& t : detail_function_access::to_save(ctx)) {
    bool is_output = false;
    for (const Tensor& o : outputs)
      is_output |= t.defined() && o.unsafe_impl() == t.unsafe_impl();
    saved.emplace_back(t, is_output);
  }
  detail_function_access::to_save(ctx).clear();
  return outputs;
}

} // namespace detail
} // namespace grad
