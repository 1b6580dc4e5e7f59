// Edges, history and OpNode: how apply() puts a primitive on the tape.
#include "autograd/graph.h"

#include <atomic>

#include <fmt/format.h>

#include "core/tensor_impl.h"

namespace grad {

Edge gradient_edge(const Tensor& t) {
  TensorImpl* impl = t.unsafe_impl();
  if (!impl || !impl->autograd || !impl->autograd->requires_grad)
    return Edge{};
  AutogradMeta& m = *impl->autograd;
  if (m.grad_fn)
    return Edge{m.grad_fn, m.output_nr};
  // Two threads recording ops on one shared leaf must get the same accumulator.
  std::lock_guard<std::mutex> lock(m.mutex);
  std::shared_ptr<AccumulateGrad> acc = m.grad_accumulator.lock();
  if (!acc) {
    acc = std::make_shared<AccumulateGrad>(t);
    m.grad_accumulator = acc;
  }
  return Edge{acc, 0};
}

std::vector<Edge> collect_next_edges(const std::vector<Tensor>& inputs) {
  std::vector<Edge> edges;
  edges.reserve(inputs.size());
  for (const Tensor& t : inputs)
    edges.push_back(gradient_edge(t));
  return edges;
}

void set_history(const Tensor& t, const std::shared_ptr<Node>& node, uint32_t output_nr) {
  AutogradMeta& m = t.unsafe_impl()->meta();
  m.requires_grad = true;
  m.grad_fn = node;
  m.output_nr = output_nr;
}

bool owns_its_buffer(const Tensor& g) {
  const auto& impl = g.impl_ptr();
  if (g.is_symbolic() || impl.use_count() != 1 || !g.is_contiguous() || impl->offset != 0 ||
      impl->storage.use_count() != 1)
    return false;
  if (impl->autograd && (impl->autograd->requires_grad || impl->autograd->grad_fn))
    return false;
  return impl->storage->nbytes == static_cast<size_t>(g.numel()) * dtype_size(g.dtype());
}

void record_anomaly_site(Node& node, const char* forward_op, const Tensor& output) {
  if (!is_anomaly_enabled())
    return;
  node.set_forward_op(
      fmt::format("{} ({}{})", forward_op, dtype_name(output.dtype()), shape_str(output.shape())));
}

OpNode::OpNode(OpKind kind, const char* name, const std::vector<Tensor>& inputs,
               const OpAttrs& attrs, const Tensor& output)
    : kind_(kind), name_(name), attrs_(attrs) {
  const unsigned saves = op_info(kind).saves;
  size_t n = inputs.size();
  saved_inputs_.resize(n);
  input_shapes_.reserve(n);
  input_dtypes_.reserve(n);
  needs_input_grad_.resize(n);
  for (size_t i = 0; i < n; ++i) {
    if (i < 7 && (saves & (1u << i)))
      saved_inputs_[i] = SavedVariable(inputs[i], false);
    input_shapes_.push_back(inputs[i].shape());
    input_dtypes_.push_back(inputs[i].dtype());
    needs_input_grad_[i] = inputs[i].requires_grad();
  }
  if (saves & kSavesOutput)
    saved_output_ = SavedVariable(output, true);
  add_output(output.shape(), output.dtype());
}

std::vector<Tensor> OpNode::apply(std::vector<Tensor>&& grads) {
  std::vector<Tensor> inputs;
  inputs.reserve(saved_inputs_.size());
  for (const SavedVariable& s : saved_inputs_)
    inputs.push_back(s.was_defined() ? s.unpack(this) : Tensor());
  Tensor output = saved_output_.was_defined() ? saved_output_.unpack(this) : Tensor();
  VjpContext ctx{inputs, output, attrs_, needs_input_grad_, &input_shapes_, &input_dtypes_};
  return op_info(kind_).vjp(ctx, grads[0]);
}

void OpNode::release_variables() {
  for (SavedVariable& s : saved_inputs_)
    s.reset_data();
  saved_output_.reset_data();
}

} // namespace grad
