// apply(): the single entry point of every primitive. Shape rule first (the same errors in both
// modes), then either emission through the SymbolicContext (symbolic operands) or the eager
// kernel, then recording on the tape when an input requires grad and grad mode is on.
#include <algorithm>

#include <fmt/format.h>

#include "autograd/graph.h"
#include "core/tensor_impl.h"
#include "grad/symbolic.h"
#include "kernels/kernels.h"
#include "ops/infer.h"

namespace grad {

std::vector<int64_t> normalize_axes(const std::vector<int64_t>& axes, int64_t rank,
                                    const char* op) {
  std::vector<int64_t> out;
  if (axes.empty()) {
    out.resize(rank);
    for (int64_t i = 0; i < rank; ++i)
      out[i] = i;
    return out;
  }
  out.reserve(axes.size());
  for (int64_t a : axes)
    out.push_back(normalize_axis(a, rank, op));
  std::sort(out.begin(), out.end());
  if (std::adjacent_find(out.begin(), out.end()) != out.end())
    throw Error(fmt::format("{}: repeated axis in the reduction axes", op));
  return out;
}

int64_t normalize_axis(int64_t axis, int64_t rank, const char* op) {
  if (axis < -rank || axis >= rank || rank == 0)
    throw Error(fmt::format("{}: axis {} out of range for rank {}", op, axis, rank));
  return axis < 0 ? axis + rank : axis;
}

bool axes_are_normalized(const std::vector<int64_t>& axes, int64_t rank) {
  if (axes.empty())
    return rank == 0;
  for (size_t i = 0; i < axes.size(); ++i) {
    if (axes[i] < 0 || axes[i] >= rank)
      return false;
    if (i > 0 && axes[i] <= axes[i - 1])
      return false;
  }
  return true;
}

namespace {

AllReduceBackend all_reduce_backend = nullptr; // Note [Collective backend] in op_table.h

struct TensorOperands {
  const std::vector<Tensor>& ts;
  size_t size() const { return ts.size(); }
  const Shape& shape(size_t i) const { return ts[i].shape(); }
  DType dtype(size_t i) const { return ts[i].dtype(); }
};

Tensor broadcast_view(const Tensor& x, const OpAttrs& a) {
  const Shape& out = a.shape;
  std::vector<int64_t> strides(out.size(), 0);
  for (size_t i = 0; i < a.dims.size(); ++i)
    if (x.shape()[i] == out[a.dims[i]])
      strides[a.dims[i]] = x.strides()[i];
  return make_view(x, out, std::move(strides), x.storage_offset());
}

Tensor run_kernel(OpKind kind, const std::vector<Tensor>& in, const OpAttrs& a, const Shape& shape,
                  DType dtype) {
  switch (op_info(kind).family) {
  case OpFamily::Unary:
    return kernels::unary(kind, in[0]);
  case OpFamily::Binary:
    return kernels::binary(kind, in[0], in[1]);
  case OpFamily::Reduce:
    return kernels::reduce(kind, in[0], a.axes, shape);
  default:
    break;
  }
  switch (kind) {
  case OpKind::Constant:
    return a.value->detach();
  case OpKind::Cmp:
    return kernels::compare(a.predicate, in[0], in[1]);
  case OpKind::Select:
    return kernels::select(in[0], in[1], in[2]);
  case OpKind::Broadcast:
    return broadcast_view(in[0], a);
  case OpKind::Matmul:
    return kernels::matmul(in[0], in[1], shape);
  case OpKind::Transpose: {
    std::vector<int64_t> strides(a.perm.size());
    for (size_t i = 0; i < a.perm.size(); ++i)
      strides[i] = in[0].strides()[a.perm[i]];
    return make_view(in[0], shape, std::move(strides), in[0].storage_offset());
  }
  case OpKind::Reshape: {
    Tensor src = in[0];
    if (!src.is_contiguous()) {
      src = new_tensor(src.shape(), src.dtype());
      kernels::copy_into(src, in[0]);
    }
    return make_view(src, shape, contiguous_strides(shape), src.storage_offset());
  }
  case OpKind::Slice: {
    const Tensor& x = in[0];
    int64_t offset = x.storage_offset();
    std::vector<int64_t> strides(shape.size());
    for (size_t d = 0; d < shape.size(); ++d) {
      offset += a.starts[d] * x.strides()[d];
      strides[d] = x.strides()[d] * a.strides[d];
    }
    return make_view(x, shape, std::move(strides), offset);
  }
  case OpKind::Concat:
    return kernels::concat(in, normalize_axis(a.axis, in[0].dim(), "concat"), shape);
  case OpKind::Gather:
    return kernels::gather(in[0], in[1], shape);
  case OpKind::Convert: {
    Tensor out = new_tensor(shape, dtype);
    kernels::copy_into(out, in[0]);
    return out;
  }
  case OpKind::AllReduce: {
    if (!all_reduce_backend)
      throw Error(fmt::format("all_reduce: no collective backend for an operand of shape {}: "
                              "call grad::dist::init() (library grad::dist) first",
                              shape_str(shape)));
    Tensor out = new_tensor(shape, dtype);
    kernels::copy_into(out, in[0]);
    all_reduce_backend(out, a.collective);
    return out;
  }
  default:
    break;
  }
  throw Error(fmt::format("apply: no kernel for {}", op_info(kind).name));
}

Tensor emit_symbolic(OpKind kind, const std::vector<Tensor>& inputs, const OpAttrs& attrs,
                     const Shape& shape, DType dtype) {
  SymbolicContext* ctx = nullptr;
  for (const Tensor& t : inputs)
    if (t.is_symbolic()) {
      ctx = &t.symbolic()->context();
      break;
    }
  std::vector<Tensor> lifted;
  lifted.reserve(inputs.size());
  for (const Tensor& t : inputs) {
    if (!t.is_symbolic()) {
      lifted.push_back(make_symbolic(t.shape(), t.dtype(), ctx->lift(t)));
    } else if (&t.symbolic()->context() != ctx) {
      throw Error(fmt::format("{}: operands come from two different traces", op_info(kind).name));
    } else {
      lifted.push_back(t);
    }
  }
  return make_symbolic(shape, dtype, ctx->emit(kind, lifted, attrs, shape, dtype));
}

} // namespace

void set_all_reduce_backend(AllReduceBackend backend) { all_reduce_backend = backend; }

Tensor apply(OpKind kind, const std::vector<Tensor>& inputs, const OpAttrs& attrs) {
  const OpInfo& info = op_info(kind);
  bool symbolic = false;
  bool requires_grad = false;
  for (size_t i = 0; i < inputs.size(); ++i) {
    if (!inputs[i].defined())
      throw Error(fmt::format("{}: operand {} is an undefined tensor", info.name, i));
    symbolic |= inputs[i].is_symbolic();
    requires_grad |= inputs[i].requires_grad();
  }
  // Reductions: canonical axes (empty = all, negative from the end) so kernels, nodes and the
  // tracer all see sorted non-negative axes.
  const OpAttrs* a = &attrs;
  OpAttrs normalized;
  if (info.family == OpFamily::Reduce && inputs.size() == 1 &&
      !axes_are_normalized(attrs.axes, inputs[0].dim())) {
    normalized = attrs;
    normalized.axes = normalize_axes(attrs.axes, inputs[0].dim(), info.name);
    a = &normalized;
  } else if (kind == OpKind::Concat && !inputs.empty() && attrs.axis < 0) {
    normalized = attrs;
    normalized.axis = normalize_axis(attrs.axis, inputs[0].dim(), info.name);
    a = &normalized;
  }
  auto [shape, dtype] = infer_impl(kind, TensorOperands{inputs}, *a);
  if (symbolic)
    return emit_symbolic(kind, inputs, *a, shape, dtype);

  Tensor out = run_kernel(kind, inputs, *a, shape, dtype);
  if (requires_grad && info.vjp && is_floating(dtype) && is_grad_enabled()) {
    auto node =
        std::make_shared<OpNode>(kind, backward_node_name(kind, inputs, *a), inputs, *a, out);
    node->set_next_edges(collect_next_edges(inputs));
    set_history(out, node, 0);
    record_anomaly_site(*node, info.name, out);
  }
  return out;
}

} // namespace grad
