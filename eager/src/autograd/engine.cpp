// The backward engine: dependency counts over the reachable graph, a ready queue ordered by
// creation (latest first), fan-in gradients summed into per-node input buffers.
#include <cmath>
#include <mutex>
#include <queue>
#include <unordered_map>

#include <fmt/format.h>

#include "autograd/engine.h"
#include "autograd/graph.h"
#include "core/tensor_impl.h"
#include "grad/ops.h"

namespace grad {
namespace {

struct LaterFirst {
  bool operator()(const std::shared_ptr<Node>& a, const std::shared_ptr<Node>& b) const {
    return a->sequence_nr() < b->sequence_nr();
  }
};

/// Sets grad mode for the duration of the backward pass (create_graph records it).
struct GradModeScope {
  explicit GradModeScope(bool enabled) : prev(is_grad_enabled()) { set_grad_enabled(enabled); }
  ~GradModeScope() { set_grad_enabled(prev); }
  bool prev;
};

bool has_non_finite(const Tensor& t) {
  if (t.is_symbolic() || !is_floating(t.dtype()))
    return false;
  NoGradGuard no_grad;
  for (double v : t.to_vector<double>())
    if (!std::isfinite(v))
      return true;
  return false;
}

void check_anomaly(const Node& node, const std::vector<Tensor>& outputs) {
  for (size_t i = 0; i < outputs.size(); ++i) {
    if (!outputs[i].defined() || !has_non_finite(outputs[i]))
      continue;
    throw Error(fmt::format(
        "anomaly: {} returned NaN/Inf in the gradient of its input {} (shape {}, {}); forward "
        "op: {}",
        node.name(), i, shape_str(outputs[i].shape()), dtype_name(outputs[i].dtype()),
        node.anomaly_trace().empty() ? std::string("unknown (anomaly mode was off at creation)")
                                     : node.anomaly_trace()));
  }
}

void validate_outputs(const Node& node, std::vector<Tensor>& outputs) {
  const auto& edges = node.next_edges();
  if (outputs.size() != edges.size())
    throw Error(fmt::format("backward: {} returned {} gradients, expected {} (one per input)",
                            node.name(), outputs.size(), edges.size()));
  for (size_t i = 0; i < outputs.size(); ++i) {
    if (!edges[i].is_valid() || !outputs[i].defined())
      continue;
    const Node& next = *edges[i].function;
    const Shape& expected = next.output_shape(edges[i].input_nr);
    if (outputs[i].shape() != expected)
      throw Error(fmt::format("backward: {} returned a gradient of shape {} for input {}, "
                              "expected {}",
                              node.name(), shape_str(outputs[i].shape()), i, shape_str(expected)));
    DType dt = next.output_dtype(edges[i].input_nr);
    if (outputs[i].dtype() != dt)
      throw Error(fmt::format("backward: {} returned a gradient of dtype {} for input {}, "
                              "expected {}",
                              node.name(), dtype_name(outputs[i].dtype()), i, dtype_name(dt)));
  }
}

/// The callbacks of the backward pass running on this thread (null outside backward).
thread_local std::vector<std::function<void()>>* current_callbacks = nullptr;

struct CallbackScope {
  CallbackScope() : prev(current_callbacks) { current_callbacks = &callbacks; }
  ~CallbackScope() { current_callbacks = prev; }
  std::vector<std::function<void()>> callbacks;
  std::vector<std::function<void()>>* prev;
};

} // namespace

void queue_backward_callback(std::function<void()> callback) {
  if (!current_callbacks)
    throw Error("queue_backward_callback: no backward pass is running on this thread (call it "
                "from a hook during backward)");
  current_callbacks->push_back(std::move(callback));
}

void run_backward(const std::vector<Edge>& roots, const std::vector<Tensor>& root_grads,
                  bool keep_graph, bool create_graph, const std::vector<Edge>* capture,
                  std::vector<Tensor>* captured) {
  GradModeScope mode(create_graph);
  CallbackScope callback_scope;
  // Dependency counts of every node reachable from the roots.
  std::unordered_map<Node*, int> deps;
  std::vector<Node*> stack;
  std::unordered_map<Node*, bool> seen;
  for (const Edge& r : roots) {
    if (r.is_valid() && !seen[r.function.get()]) {
      seen[r.function.get()] = true;
      stack.push_back(r.function.get());
    }
  }
  while (!stack.empty()) {
    Node* n = stack.back();
    stack.pop_back();
    for (const Edge& e : n->next_edges()) {
      if (!e.is_valid())
        continue;
      ++deps[e.function.get()];
      if (!seen[e.function.get()]) {
        seen[e.function.get()] = true;
        stack.push_back(e.function.get());
      }
    }
  }

  std::unordered_map<Node*, std::vector<Tensor>> buffers;
  auto add_to_buffer = [&](const Edge& e, const Tensor& g) {
    std::vector<Tensor>& buf = buffers[e.function.get()];
    if (buf.empty())
      buf.resize(e.function->num_outputs());
    Tensor& slot = buf[e.input_nr];
    if (!slot.defined()) {
      slot = g;
    } else if (!is_grad_enabled() && owns_its_buffer(slot) && !g.is_symbolic() &&
               g.shape() == slot.shape() && g.dtype() == slot.dtype()) {
      // Nobody else sees the buffered gradient: add into it (one pass, no new buffer), as
      // PyTorch's InputBuffer does. Same values as add(slot, g).
      slot.add_(g);
    } else {
      slot = add(slot, g);
    }
  };
  std::priority_queue<std::shared_ptr<Node>, std::vector<std::shared_ptr<Node>>, LaterFirst> ready;
  for (size_t i = 0; i < roots.size(); ++i) {
    if (!roots[i].is_valid())
      continue;
    add_to_buffer(roots[i], root_grads[i]);
  }
  for (const Edge& r : roots) {
    Node* n = r.function.get();
    if (r.is_valid() && deps[n] == 0) {
      deps[n] = -1; // queued
      ready.push(r.function);
    }
  }

  while (!ready.empty()) {
    std::shared_ptr<Node> node = ready.top();
    ready.pop();
    std::vector<Tensor> grads = std::move(buffers[node.get()]);
    buffers.erase(node.get());
    grads.resize(node->num_outputs());
    std::vector<Tensor> outputs;
    {
      // Another thread's backward may be running this node (a shared graph or leaf) now.
      std::lock_guard<std::mutex> node_lock(node->mutex());
      node->call_pre_hooks(grads);
      if (capture) {
        // autograd_grad skips AccumulateGrad but, like torch.autograd.grad, still runs leaf hooks.
        if (auto* acc = dynamic_cast<AccumulateGrad*>(node.get()); acc && grads[0].defined()) {
          if (const auto& meta = acc->variable().unsafe_impl()->autograd)
            for (auto& hook : meta->hooks) {
              Tensor r = hook(grads[0]);
              if (r.defined())
                grads[0] = r;
            }
        }
        for (size_t i = 0; i < capture->size(); ++i) {
          const Edge& c = (*capture)[i];
          if (c.function == node && c.input_nr < grads.size() && grads[c.input_nr].defined())
            (*captured)[i] = grads[c.input_nr];
        }
      }
      bool any = false;
      for (const Tensor& g : grads)
        any |= g.defined();
      bool skip = capture && dynamic_cast<AccumulateGrad*>(node.get()) != nullptr;
      if (any && !skip) {
        outputs = node->apply(std::move(grads));
        if (dynamic_cast<AccumulateGrad*>(node.get()) == nullptr) {
          validate_outputs(*node, outputs);
          if (is_anomaly_enabled())
            check_anomaly(*node, outputs);
        }
      }
      if (!keep_graph)
        node->release_variables();
    }
    const auto& edges = node->next_edges();
    for (size_t i = 0; i < edges.size(); ++i) {
      const Edge& e = edges[i];
      if (!e.is_valid())
        continue;
      if (i < outputs.size() && outputs[i].defined())
        add_to_buffer(e, outputs[i]);
      if (--deps[e.function.get()] == 0)
        ready.push(e.function);
    }
  }
  // Indexed: a callback may queue another.
  for (size_t i = 0; i < callback_scope.callbacks.size(); ++i) {
    std::function<void()> callback = std::move(callback_scope.callbacks[i]);
    callback();
  }
}

void Tensor::backward(const Tensor& gradient, bool retain_graph, bool create_graph) const {
  check_defined(*this, "backward");
  if (is_symbolic())
    throw Error("backward: cannot run the tape on a symbolic tensor; use grad::value_and_grad "
                "inside grad::jit");
  if (!requires_grad())
    throw Error(fmt::format("backward: the tensor (shape {}, {}) does not require grad and has "
                            "no grad_fn",
                            shape_str(shape()), dtype_name(dtype())));
  Tensor g = gradient;
  if (!g.defined()) {
    if (numel() != 1)
      throw Error(fmt::format("backward: a gradient can be created implicitly only for a "
                              "one-element output; this output has shape {}: pass a gradient "
                              "of that shape",
                              shape_str(shape())));
    g = ones(shape(), dtype());
  } else if (g.shape() != shape() || g.dtype() != dtype()) {
    throw Error(fmt::format("backward: gradient of shape {} ({}) given for an output of shape "
                            "{} ({})",
                            shape_str(g.shape()), dtype_name(g.dtype()), shape_str(shape()),
                            dtype_name(dtype())));
  }
  // Like PyTorch, create_graph implies retain_graph (the new graph reuses the saved tensors).
  run_backward({gradient_edge(*this)}, {g}, retain_graph || create_graph, create_graph, nullptr,
               nullptr);
}

std::vector<Tensor> autograd_grad(const std::vector<Tensor>& outputs,
                                  const std::vector<Tensor>& inputs,
                                  const std::vector<Tensor>& grad_outputs, bool retain_graph,
                                  bool create_graph) {
  if (!grad_outputs.empty() && grad_outputs.size() != outputs.size())
    throw Error(fmt::format("autograd_grad: {} grad_outputs for {} outputs", grad_outputs.size(),
                            outputs.size()));
  std::vector<Edge> roots;
  std::vector<Tensor> root_grads;
  for (size_t i = 0; i < outputs.size(); ++i) {
    const Tensor& out = outputs[i];
    check_defined(out, "autograd_grad");
    if (!out.requires_grad())
      throw Error(fmt::format("autograd_grad: output {} (shape {}) does not require grad", i,
                              shape_str(out.shape())));
    Tensor g = grad_outputs.empty() ? Tensor() : grad_outputs[i];
    if (!g.defined()) {
      if (out.numel() != 1)
        throw Error(fmt::format("autograd_grad: output {} has shape {}: pass a grad_output", i,
                                shape_str(out.shape())));
      g = ones(out.shape(), out.dtype());
    }
    roots.push_back(gradient_edge(out));
    root_grads.push_back(g);
  }
  std::vector<Edge> capture;
  for (size_t i = 0; i < inputs.size(); ++i) {
    if (!inputs[i].requires_grad())
      throw Error(fmt::format("autograd_grad: input {} (shape {}) does not require grad", i,
                              shape_str(inputs[i].shape())));
    capture.push_back(gradient_edge(inputs[i]));
  }
  std::vector<Tensor> captured(inputs.size());
  run_backward(roots, root_grads, retain_graph || create_graph, create_graph, &capture, &captured);
  return captured;
}

} // namespace grad
