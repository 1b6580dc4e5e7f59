// The tape: backward nodes with edges, saved variables, grad mode and anomaly mode.
//
// The graph (PyTorch's design): every result of a differentiable op that requires grad has a
// grad_fn Node. A Node's next_edges() point, one per forward input, to the Node that receives the
// gradient of that input: the input's own grad_fn (edge.input_nr = which output of it the input
// was), an AccumulateGrad node for a leaf requiring grad, or an invalid edge (null function) for
// an input that needs no gradient. AccumulateGrad::variable() is the leaf it writes into. The
// graph owns nodes through shared_ptrs pointing from outputs towards inputs only, so it has no
// cycles; a tensor a node saved from its own output is kept without its grad_fn (see
// Note [Saved outputs] in eager/src/autograd/saved_variable.cpp).
//
// Walking the graph (what to_dot() does):
//   for (const Edge& e : node->next_edges()) if (e.is_valid()) visit(e.function);
//   if (auto* acc = dynamic_cast<AccumulateGrad*>(node.get())) leaf = acc->variable();
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "grad/dtype.h"
#include "grad/tensor.h"

namespace grad {

class Node;

/// Where a gradient flows: input `input_nr` of `function` (null function = nowhere).
struct Edge {
  std::shared_ptr<Node> function;
  uint32_t input_nr = 0;
  bool is_valid() const { return function != nullptr; }
};

/// A backward function: maps the gradients of a forward op's outputs to the gradients of its
/// inputs (one per next edge). Nodes are neither copied nor moved.
class Node : public std::enable_shared_from_this<Node> {
public:
  Node();
  virtual ~Node();
  Node(const Node&) = delete;
  Node& operator=(const Node&) = delete;

  /// PyTorch-style name: "AddBackward0", "MmBackward0", "AccumulateGrad", ...
  virtual std::string name() const = 0;
  /// One edge per forward input, in input order.
  const std::vector<Edge>& next_edges() const { return next_edges_; }
  /// Gradients of the forward outputs (one per output, undefined = zero) -> gradients of the
  /// forward inputs (one per next edge, undefined = zero / not needed).
  virtual std::vector<Tensor> apply(std::vector<Tensor>&& grads) = 0;
  /// Frees saved tensors after a backward without retain_graph.
  virtual void release_variables() {}

  /// Creation order (later nodes run first when several are ready).
  uint64_t sequence_nr() const { return sequence_nr_; }
  /// Number of forward outputs (gradients this node receives).
  uint32_t num_outputs() const { return static_cast<uint32_t>(output_meta_.size()); }
  /// Shape and dtype of forward output i (used to make zeros for a missing gradient).
  const Shape& output_shape(uint32_t i) const { return output_meta_[i].shape; }
  DType output_dtype(uint32_t i) const { return output_meta_[i].dtype; }
  /// Forward op that created this node (e.g. "log") and, when anomaly mode was on at creation,
  /// a description of where ("op #17 log f32[2,3]"); empty otherwise.
  const std::string& forward_op() const { return forward_op_; }
  const std::string& anomaly_trace() const { return anomaly_trace_; }

  // -- building the graph (library code) --
  void set_next_edges(std::vector<Edge> edges) { next_edges_ = std::move(edges); }
  uint32_t add_output(const Shape& shape, DType dtype);
  void set_forward_op(std::string op);
  /// Hook on the gradient of forward output `output_nr` (Tensor::register_hook of a non-leaf).
  void add_tensor_pre_hook(uint32_t output_nr, std::function<Tensor(const Tensor&)> hook);
  /// Makes backward store output `output_nr`'s gradient into `tensor` (retain_grad).
  void add_retained_grad(uint32_t output_nr, std::weak_ptr<TensorImpl> tensor);
  /// Runs the hooks and retain_grad writes on `grads` (the engine calls this before apply()).
  void call_pre_hooks(std::vector<Tensor>& grads);
  /// Held by the engine while this node runs (pre-hooks, apply, release_variables), so that
  /// backward passes from several threads through a shared part of the graph take turns on it
  /// (PyTorch's Node::mutex_). A hook must not start a backward through the node it is on.
  std::mutex& mutex() { return mutex_; }

protected:
  std::vector<Edge> next_edges_;

private:
  struct OutputMeta {
    Shape shape;
    DType dtype;
  };
  struct PreHook {
    uint32_t output_nr;
    std::function<Tensor(const Tensor&)> fn;
  };
  uint64_t sequence_nr_;
  std::vector<OutputMeta> output_meta_;
  std::vector<PreHook> pre_hooks_;
  std::vector<std::pair<uint32_t, std::weak_ptr<TensorImpl>>> retained_;
  std::string forward_op_;
  std::string anomaly_trace_;
  std::mutex mutex_;
};

/// The sink of a leaf requiring grad: adds the incoming gradient into variable().grad() (after
/// the leaf's hooks). The leaf holds it weakly, it holds the leaf strongly.
class AccumulateGrad : public Node {
public:
  explicit AccumulateGrad(Tensor variable);
  std::string name() const override { return "AccumulateGrad"; }
  std::vector<Tensor> apply(std::vector<Tensor>&& grads) override;
  /// The leaf tensor this node accumulates into.
  const Tensor& variable() const { return variable_; }

private:
  Tensor variable_;
};

/// A tensor saved for backward. Checks the version counter at unpack (an in-place change after
/// saving is an error) and knows when backward freed it (retain_graph=false).
class SavedVariable {
public:
  SavedVariable() = default;
  /// `is_output`: `t` is an output of the node saving it (kept without grad_fn: no cycle).
  SavedVariable(const Tensor& t, bool is_output);
  /// The saved tensor; throws grad::Error naming `owner` if it was modified in place or freed.
  Tensor unpack(Node* owner) const;
  /// Frees the data (after backward).
  void reset_data();
  bool was_defined() const { return was_defined_; }

private:
  Tensor data_;
  std::shared_ptr<Node> grad_fn_; // history of a saved non-leaf input (see saved_variable.cpp)
  uint64_t saved_version_ = 0;
  uint32_t output_nr_ = 0;
  bool is_output_ = false;
  bool was_defined_ = false;
  bool released_ = false;
  bool requires_grad_ = false;
};

/// Disables graph recording on this thread while alive (like torch::NoGradGuard).
struct NoGradGuard {
  NoGradGuard();
  ~NoGradGuard();
  NoGradGuard(const NoGradGuard&) = delete;
  NoGradGuard& operator=(const NoGradGuard&) = delete;

private:
  bool prev_;
};

/// Enables graph recording on this thread while alive (undoes an outer NoGradGuard).
struct EnableGradGuard {
  EnableGradGuard();
  ~EnableGradGuard();
  EnableGradGuard(const EnableGradGuard&) = delete;
  EnableGradGuard& operator=(const EnableGradGuard&) = delete;

private:
  bool prev_;
};

/// Whether ops record backward nodes on this thread.
bool is_grad_enabled();
void set_grad_enabled(bool enabled);

/// Anomaly mode on this thread while alive: nodes remember the forward op that created them, and
/// a NaN/Inf gradient produced in backward throws grad::Error naming the node and that op.
struct AnomalyModeGuard {
  explicit AnomalyModeGuard(bool enabled = true);
  ~AnomalyModeGuard();
  AnomalyModeGuard(const AnomalyModeGuard&) = delete;
  AnomalyModeGuard& operator=(const AnomalyModeGuard&) = delete;

private:
  bool prev_;
};
bool is_anomaly_enabled();

/// Queues `callback` to run on this thread when the backward pass now running has processed every
/// node (torch's Variable._execution_engine.queue_callback): a hook that started asynchronous
/// work (a gradient all-reduce) finishes it there. Callbacks run in the order queued; one may
/// queue more. Throws grad::Error when no backward pass is running on this thread.
void queue_backward_callback(std::function<void()> callback);

/// Gradients of `outputs` w.r.t. `inputs` without touching any .grad() (torch::autograd::grad).
/// `grad_outputs` may be empty when every output is a scalar. An input the outputs do not depend
/// on gets an undefined tensor (allow_unused semantics).
std::vector<Tensor> autograd_grad(const std::vector<Tensor>& outputs,
                                  const std::vector<Tensor>& inputs,
                                  const std::vector<Tensor>& grad_outputs = {},
                                  bool retain_graph = false, bool create_graph = false);

} // namespace grad
