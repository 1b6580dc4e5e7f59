// SavedVariable: a tensor kept for backward, checked against the version counter at unpack.
#include <fmt/format.h>

#include "autograd/graph.h"
#include "core/tensor_impl.h"

namespace grad {

// Note [Saved outputs]
// A node that saves its own output (ExpBackward0 keeps exp(x)) must not keep the output's
// TensorImpl: that impl owns the node through grad_fn, and the node would own the impl back, a
// reference cycle that never frees. Like PyTorch's SavedVariable(is_output=true) we keep a
// detached alias (same storage, no autograd state) and give it its grad_fn back at unpack time
// from the node doing the unpacking, so that create_graph still sees the right history.

SavedVariable::SavedVariable(const Tensor& t, bool is_output) {
  if (!t.defined())
    return;
  was_defined_ = true;
  is_output_ = is_output;
  saved_version_ = t.version();
  requires_grad_ = is_output || t.requires_grad(); // outputs of a recording node require grad
  output_nr_ = t.output_nr();
  if (is_output) {
    data_ = t.detach();
  } else if (std::shared_ptr<Node> fn = t.grad_fn()) {
    data_ = t.detach();
    grad_fn_ = std::move(fn);
  } else {
    data_ = t;
  }
}

Tensor SavedVariable::unpack(Node* owner) const {
  if (!was_defined_)
    return Tensor();
  if (released_)
    throw Error(fmt::format(
        "backward: trying to backward through the graph a second time: the saved tensors of {} "
        "were freed by the first backward; pass retain_graph=true to the first backward() to "
        "keep them",
        owner->name()));
  uint64_t now = data_.version();
  if (now != saved_version_)
    throw Error(fmt::format(
        "backward: a tensor saved by {} was modified in place: saved at version {}, now {} "
        "(shape {}, {}); use an out-of-place op or clone the tensor before changing it",
        owner->name(), saved_version_, now, shape_str(data_.shape()), dtype_name(data_.dtype())));
  if (grad_fn_) {
    Tensor t = data_.detach();
    set_history(t, grad_fn_, output_nr_);
    return t;
  }
  if (!is_output_ || !requires_grad_)
    return data_;
  // Re-attach the output to its node (see Note [Saved outputs]).
  Tensor t = data_.detach();
  set_history(t, owner->shared_from_this(), output_nr_);
  return t;
}

void SavedVariable::reset_data() {
  if (!was_defined_)
    return;
  data_ = Tensor();
  grad_fn_.reset();
  released_ = true;
}

} // namespace grad
