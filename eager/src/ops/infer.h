// Internal: the shape/dtype rule of every primitive, written once over an "operands" view so that
// infer_result() (shapes + dtypes) and apply() (tensors) share it without copying shapes. The
// shapes of the irregular ops come from grad/shape_rules.h, the rules the dialect uses too; the
// eager side adds its API's conventions (axes: empty = all, negative from the end) and dtypes.
#pragma once

#include <algorithm>
#include <utility>

#include <fmt/format.h>

#include "grad/checked.h"
#include "grad/op_table.h"
#include "grad/shape_rules.h"

namespace grad {

/// Axes of a reduction over a rank-`rank` operand: empty = all, negative counts from the end;
/// returns them sorted and unique, or throws naming `op`.
std::vector<int64_t> normalize_axes(const std::vector<int64_t>& axes, int64_t rank, const char* op);
/// One axis in [-rank, rank) -> [0, rank), or throws naming `op`.
int64_t normalize_axis(int64_t axis, int64_t rank, const char* op);
/// True when `axes` is already sorted, unique, in range and non-empty (or rank == 0).
bool axes_are_normalized(const std::vector<int64_t>& axes, int64_t rank);

template <class Operands>
std::pair<Shape, DType> infer_rule(OpKind kind, const Operands& ops, const OpAttrs& attrs) {
  const OpInfo& info = op_info(kind);
  const char* name = info.name;
  if (info.num_inputs >= 0 && ops.size() != static_cast<size_t>(info.num_inputs))
    throw Error(fmt::format("{}: expected {} operands, got {}", name, info.num_inputs, ops.size()));
  auto require_float = [&](size_t i) {
    if (ops.dtype(i) != DType::f32 && ops.dtype(i) != DType::f64)
      throw Error(fmt::format("{}: expected a floating dtype (f32/f64), got {} for shape {}", name,
                              dtype_name(ops.dtype(i)), shape_str(ops.shape(i))));
  };
  auto require_same = [&](size_t i, size_t j) {
    if (ops.shape(i) != ops.shape(j))
      throw Error(fmt::format("{}: operands must have the same shape, got {} and {}", name,
                              shape_str(ops.shape(i)), shape_str(ops.shape(j))));
    if (ops.dtype(i) != ops.dtype(j))
      throw Error(fmt::format(
          "{}: dtypes {} and {} differ (shapes {} and {}); grad does not promote implicitly, "
          "convert one operand with .to()",
          name, dtype_name(ops.dtype(i)), dtype_name(ops.dtype(j)), shape_str(ops.shape(i)),
          shape_str(ops.shape(j))));
  };
  // Regular families: one rule each, the dtype class from the op table.
  auto require_dtypes = [&](size_t i) {
    if (info.dtypes == OpDTypes::Float)
      require_float(i);
    else if (info.dtypes == OpDTypes::Num && ops.dtype(i) == DType::b8)
      throw Error(
          fmt::format("{}: not defined for dtype b8 (shape {})", name, shape_str(ops.shape(i))));
  };
  // The irregular ops' shape rules are grad/shape_rules.h, shared with the dialect: the
  // message of a failed rule becomes "<op>: <message>".
  auto rule = [&](shape_rules::Result r) -> Shape {
    if (!r.ok())
      throw Error(fmt::format("{}: {}", name, r.error));
    return std::move(r.dims);
  };
  // Eager sizes are static: a negative size (shape_rules::kDynamic included) is an error here,
  // not a dynamic dim.
  auto require_static_sizes = [&](const Shape& in, const Shape& out) {
    for (int64_t d : out)
      if (d < 0)
        throw Error(fmt::format("{}: cannot {} shape {} to {}: negative size", name, name,
                                shape_str(in), shape_str(out)));
  };
  if (info.family == OpFamily::Unary) {
    require_dtypes(0);
    return {ops.shape(0), ops.dtype(0)};
  }
  if (info.family == OpFamily::Binary) {
    require_same(0, 1);
    require_dtypes(0);
    return {ops.shape(0), ops.dtype(0)};
  }
  if (info.family == OpFamily::Reduce) {
    const Shape& in = ops.shape(0);
    std::vector<int64_t> axes =
        normalize_axes(attrs.axes, static_cast<int64_t>(in.size()), name);
    require_dtypes(0);
    if (kind == OpKind::Max)
      for (int64_t d : axes)
        if (in[d] == 0)
          throw Error(
              fmt::format("max: cannot reduce the empty dim {} of shape {}", d, shape_str(in)));
    return {rule(shape_rules::reduce(in, axes, attrs.keepdim)), ops.dtype(0)};
  }
  switch (kind) {
  case OpKind::Constant:
    if (!attrs.value || !attrs.value->defined())
      throw Error("constant: missing value attribute");
    return {attrs.value->shape(), attrs.value->dtype()};
  case OpKind::Cmp:
    require_same(0, 1);
    return {ops.shape(0), DType::b8};
  case OpKind::Select:
    if (ops.dtype(0) != DType::b8)
      throw Error(
          fmt::format("select: condition must have dtype b8, got {}", dtype_name(ops.dtype(0))));
    if (ops.shape(0) != ops.shape(1))
      throw Error(fmt::format("select: condition shape {} differs from operand shape {}",
                              shape_str(ops.shape(0)), shape_str(ops.shape(1))));
    require_same(1, 2);
    return {ops.shape(1), ops.dtype(1)};
  case OpKind::Broadcast:
    require_static_sizes(ops.shape(0), attrs.shape);
    return {rule(shape_rules::broadcast(ops.shape(0), attrs.dims, attrs.shape)), ops.dtype(0)};
  case OpKind::Matmul: {
    Shape out = rule(shape_rules::matmul(ops.shape(0), ops.shape(1)));
    require_float(0);
    if (ops.dtype(0) != ops.dtype(1))
      throw Error(fmt::format("matmul: dtypes {} and {} differ", dtype_name(ops.dtype(0)),
                              dtype_name(ops.dtype(1))));
    return {out, ops.dtype(0)};
  }
  case OpKind::Transpose:
    return {rule(shape_rules::transpose(ops.shape(0), attrs.perm)), ops.dtype(0)};
  case OpKind::Reshape:
    require_static_sizes(ops.shape(0), attrs.shape);
    return {rule(shape_rules::reshape(ops.shape(0), attrs.shape)), ops.dtype(0)};
  case OpKind::Slice:
    return {rule(shape_rules::slice(ops.shape(0), attrs.starts, attrs.limits, attrs.strides)),
            ops.dtype(0)};
  case OpKind::Concat: {
    if (ops.size() == 0)
      throw Error("concat: needs at least one operand");
    int64_t axis =
        normalize_axis(attrs.axis, static_cast<int64_t>(ops.shape(0).size()), name);
    std::vector<shape_rules::Dims> shapes;
    for (size_t i = 0; i < ops.size(); ++i) {
      shapes.push_back(ops.shape(i));
      if (ops.dtype(i) != ops.dtype(0))
        throw Error(fmt::format("concat: dtypes {} and {} differ", dtype_name(ops.dtype(0)),
                                dtype_name(ops.dtype(i))));
    }
    return {rule(shape_rules::concat(shapes, axis)), ops.dtype(0)};
  }
  case OpKind::Gather:
    if (ops.dtype(1) != DType::i64)
      throw Error(
          fmt::format("gather: indices must have dtype i64, got {}", dtype_name(ops.dtype(1))));
    return {rule(shape_rules::gather(ops.shape(0), ops.shape(1))), ops.dtype(0)};
  case OpKind::Convert:
    return {ops.shape(0), attrs.dtype};
  case OpKind::AllReduce:
    if (!is_floating(ops.dtype(0)))
      throw Error(fmt::format("all_reduce: operand of shape {} has dtype {}; it needs f32 or f64",
                              shape_str(ops.shape(0)), dtype_name(ops.dtype(0))));
    return {ops.shape(0), ops.dtype(0)};
  default:
    break;
  }
  throw Error(fmt::format("{}: no shape rule", name));
}

/// infer_rule plus the one check every result shape needs: its element count fits in int64
/// (matmul, gather, concat and broadcast can build one that does not from valid operands).
template <class Operands>
std::pair<Shape, DType> infer_impl(OpKind kind, const Operands& ops, const OpAttrs& attrs) {
  std::pair<Shape, DType> result = infer_rule(kind, ops, attrs);
  for (int64_t d : result.first)
    if (d < 0)
      throw Error(fmt::format("{}: result shape {} has a negative size", op_info(kind).name,
                              shape_str(result.first)));
  if (checked_numel(result.first) < 0)
    throw Error(fmt::format("{}: result shape {} has more than 2^63 elements", op_info(kind).name,
                            shape_str(result.first)));
  return result;
}

} // namespace grad
