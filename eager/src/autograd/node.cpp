// Node (hooks, output metadata), AccumulateGrad, grad mode and anomaly mode.
#include <atomic>

#include <fmt/format.h>

#include "autograd/graph.h"
#include "core/tensor_impl.h"
#include "grad/ops.h"

namespace grad {

namespace {
std::atomic<uint64_t> next_sequence_nr{0};
thread_local bool grad_enabled = true;
thread_local bool anomaly_enabled = false;

/// a + b for gradient accumulation (recorded only under create_graph, i.e. grad mode on).
Tensor accumulate(const Tensor& existing, const Tensor& incoming) {
  return existing.defined() ? add(existing, incoming) : incoming;
}
} // namespace

Node::Node() : sequence_nr_(next_sequence_nr.fetch_add(1, std::memory_order_relaxed)) {}
Node::~Node() = default;

uint32_t Node::add_output(const Shape& shape, DType dtype) {
  output_meta_.push_back(OutputMeta{shape, dtype});
  return static_cast<uint32_t>(output_meta_.size() - 1);
}

void Node::set_forward_op(std::string op) {
  forward_op_ = std::move(op);
  anomaly_trace_ = fmt::format("{} created as op #{}", forward_op_, sequence_nr_);
}

void Node::add_tensor_pre_hook(uint32_t output_nr, std::function<Tensor(const Tensor&)> hook) {
  pre_hooks_.push_back(PreHook{output_nr, std::move(hook)});
}

void Node::add_retained_grad(uint32_t output_nr, std::weak_ptr<TensorImpl> tensor) {
  retained_.emplace_back(output_nr, std::move(tensor));
}

void Node::call_pre_hooks(std::vector<Tensor>& grads) {
  for (PreHook& h : pre_hooks_) {
    if (h.output_nr >= grads.size() || !grads[h.output_nr].defined())
      continue;
    Tensor r = h.fn(grads[h.output_nr]);
    if (r.defined()) {
      if (r.shape() != grads[h.output_nr].shape())
        throw Error(fmt::format("hook on an output of {}: returned shape {}, expected {}", name(),
                                shape_str(r.shape()), shape_str(grads[h.output_nr].shape())));
      grads[h.output_nr] = r;
    }
  }
  for (auto& [nr, weak] : retained_) {
    std::shared_ptr<TensorImpl> impl = weak.lock();
    if (!impl || nr >= grads.size() || !grads[nr].defined())
      continue;
    const Tensor& g = grads[nr];
    AutogradMeta& m = impl->meta();
    Tensor incoming = is_grad_enabled() ? g : g.detach();
    std::lock_guard<std::mutex> lock(m.mutex);
    m.grad = accumulate(m.grad, incoming);
  }
}

AccumulateGrad::AccumulateGrad(Tensor variable) : variable_(std::move(variable)) {
  add_output(variable_.shape(), variable_.dtype());
}

std::vector<Tensor> AccumulateGrad::apply(std::vector<Tensor>&& grads) {
  Tensor g = std::move(grads[0]);
  if (!g.defined())
    return {};
  AutogradMeta& m = variable_.unsafe_impl()->meta();
  // The hooks run outside the lock (a hook may record ops on this very leaf).
  for (auto& hook : m.hooks) {
    Tensor r = hook(g);
    if (r.defined())
      g = r;
  }
  // Backward passes from several threads may reach this leaf at once: the read-add-write of
  // .grad is one critical section (PyTorch's AccumulateGrad lock), or updates get lost.
  {
    std::lock_guard<std::mutex> lock(m.mutex);
    if (is_grad_enabled()) {
      // create_graph: keep the history so the gradient itself can be differentiated.
      m.grad = accumulate(m.grad, g);
    } else if (m.grad.defined()) {
      m.grad = add(m.grad, g);
    } else if (owns_its_buffer(g)) {
      // Nobody else can see `g` (PyTorch's AccumulateGrad steals such gradients too).
      m.grad = std::move(g);
    } else {
      // A private contiguous copy: `g` may alias another leaf's gradient or be a broadcast view.
      Tensor copy = empty(g.shape(), g.dtype());
      copy.copy_(g);
      m.grad = copy;
    }
  }
  // Outside the lock: a post-accumulate hook reads (or sets) the leaf's grad().
  // Copied: a hook may register another hook on the same leaf.
  auto post_hooks = m.post_accumulate_hooks;
  for (auto& hook : post_hooks)
    hook(variable_);
  return {};
}

NoGradGuard::NoGradGuard() : prev_(grad_enabled) { grad_enabled = false; }
NoGradGuard::~NoGradGuard() { grad_enabled = prev_; }
EnableGradGuard::EnableGradGuard() : prev_(grad_enabled) { grad_enabled = true; }
EnableGradGuard::~EnableGradGuard() { grad_enabled = prev_; }
bool is_grad_enabled() { return grad_enabled; }
void set_grad_enabled(bool enabled) { grad_enabled = enabled; }

AnomalyModeGuard::AnomalyModeGuard(bool enabled) : prev_(anomaly_enabled) {
  anomaly_enabled = enabled;
}
AnomalyModeGuard::~AnomalyModeGuard() { anomaly_enabled = prev_; }
bool is_anomaly_enabled() { return anomaly_enabled; }

} // namespace grad
