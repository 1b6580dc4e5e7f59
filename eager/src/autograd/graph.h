// Internal: connecting results to the graph (edges, history) and OpNode, the backward node of
// every primitive recorded by apply().
#pragma once

#include <memory>
#include <vector>

#include "grad/autograd.h"
#include "grad/op_table.h"

namespace grad {

/// The edge a gradient for `t` flows into: its grad_fn, its AccumulateGrad (leaf requiring grad,
/// created on first use) or an invalid edge.
Edge gradient_edge(const Tensor& t);
/// gradient_edge of each input.
std::vector<Edge> collect_next_edges(const std::vector<Tensor>& inputs);
/// Makes `t` output `output_nr` of `node` (requires_grad = true).
void set_history(const Tensor& t, const std::shared_ptr<Node>& node, uint32_t output_nr);
/// True when `g` is the only handle on a contiguous buffer it fills exactly (no other tensor,
/// view or autograd state can see it): AccumulateGrad may keep it as .grad, the engine may add
/// into it in place.
bool owns_its_buffer(const Tensor& g);
/// Records the anomaly-mode creation site of `node` (no-op when anomaly mode is off).
void record_anomaly_site(Node& node, const char* forward_op, const Tensor& output);

/// Backward node of one primitive: unpacks the saved values and calls the op's VJP rule.
class OpNode : public Node {
public:
  OpNode(OpKind kind, const char* name, const std::vector<Tensor>& inputs, const OpAttrs& attrs,
         const Tensor& output);
  std::string name() const override { return name_; }
  std::vector<Tensor> apply(std::vector<Tensor>&& grads) override;
  void release_variables() override;
  OpKind kind() const { return kind_; }

private:
  OpKind kind_;
  const char* name_;
  OpAttrs attrs_;
  std::vector<SavedVariable> saved_inputs_; // undefined entries: not read by the VJP
  SavedVariable saved_output_;
  std::vector<Shape> input_shapes_;
  std::vector<DType> input_dtypes_;
  std::vector<bool> needs_input_grad_;
};

} // namespace grad
