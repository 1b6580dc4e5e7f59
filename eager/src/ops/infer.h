// Internal: the shape/dtype rule of every primitive, written once over an "operands" view so that
// infer_result() (shapes + dtypes) and apply() (tensors) share it without copying shapes.
#pragma once

#include <algorithm>
#include <utility>

#include <fmt/format.h>

#include "grad/checked.h"
#include "grad/op_table.h"

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
    int64_t rank = static_cast<int64_t>(in.size());
    std::vector<int64_t> axes = normalize_axes(attrs.axes, rank, name);
    require_dtypes(0);
    Shape out;
    for (int64_t d = 0; d < rank; ++d) {
      bool reduced = std::binary_search(axes.begin(), axes.end(), d);
      if (reduced && kind == OpKind::Max && in[d] == 0)
        throw Error(
            fmt::format("max: cannot reduce the empty dim {} of shape {}", d, shape_str(in)));
      if (!reduced)
        out.push_back(in[d]);
      else if (attrs.keepdim)
        out.push_back(1);
    }
    return {out, ops.dtype(0)};
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
  case OpKind::Broadcast: {
    const Shape& in = ops.shape(0);
    const Shape& out = attrs.shape;
    if (attrs.dims.size() != in.size())
      throw Error(fmt::format("broadcast: dims has {} entries for an operand of rank {}",
                              attrs.dims.size(), in.size()));
    for (int64_t d : out)
      if (d < 0)
        throw Error(fmt::format("broadcast: cannot broadcast shape {} to {}: negative size",
                                shape_str(in), shape_str(out)));
    if (checked_numel(out) < 0)
      throw Error(fmt::format("broadcast: cannot broadcast shape {} to {}: more than 2^63 elements",
                              shape_str(in), shape_str(out)));
    int64_t prev = -1;
    for (size_t i = 0; i < in.size(); ++i) {
      int64_t d = attrs.dims[i];
      if (d <= prev || d >= static_cast<int64_t>(out.size()))
        throw Error(fmt::format("broadcast: dims must be increasing and below the result rank {}",
                                out.size()));
      if (in[i] != out[d] && in[i] != 1)
        throw Error(fmt::format("broadcast: cannot broadcast shape {} to {}", shape_str(in),
                                shape_str(out)));
      prev = d;
    }
    return {out, ops.dtype(0)};
  }
  case OpKind::Matmul: {
    const Shape& a = ops.shape(0);
    const Shape& b = ops.shape(1);
    if (a.size() < 2 || a.size() != b.size() || !std::equal(a.begin(), a.end() - 2, b.begin()) ||
        a[a.size() - 1] != b[b.size() - 2])
      throw Error(fmt::format("matmul: shapes {} and {} are not compatible ([..., m, k] x "
                              "[..., k, n] with equal batch dims)",
                              shape_str(a), shape_str(b)));
    require_float(0);
    if (ops.dtype(0) != ops.dtype(1))
      throw Error(fmt::format("matmul: dtypes {} and {} differ", dtype_name(ops.dtype(0)),
                              dtype_name(ops.dtype(1))));
    Shape out = a;
    out.back() = b.back();
    return {out, ops.dtype(0)};
  }
  case OpKind::Transpose: {
    const Shape& in = ops.shape(0);
    if (attrs.perm.size() != in.size())
      throw Error(fmt::format("transpose: perm has {} entries for shape {}", attrs.perm.size(),
                              shape_str(in)));
    std::vector<bool> seen(in.size(), false);
    Shape out(in.size());
    for (size_t i = 0; i < in.size(); ++i) {
      int64_t p = attrs.perm[i];
      if (p < 0 || p >= static_cast<int64_t>(in.size()) || seen[p])
        throw Error(fmt::format("transpose: perm is not a permutation of {} dims", in.size()));
      seen[p] = true;
      out[i] = in[p];
    }
    return {out, ops.dtype(0)};
  }
  case OpKind::Reshape:
    for (int64_t d : attrs.shape)
      if (d < 0)
        throw Error(fmt::format("reshape: invalid result shape {}", shape_str(attrs.shape)));
    if (checked_numel(attrs.shape) < 0)
      throw Error(fmt::format("reshape: result shape {} has more than 2^63 elements",
                              shape_str(attrs.shape)));
    if (shape_numel(attrs.shape) != shape_numel(ops.shape(0)))
      throw Error(fmt::format("reshape: cannot reshape {} ({} elements) to {}",
                              shape_str(ops.shape(0)), shape_numel(ops.shape(0)),
                              shape_str(attrs.shape)));
    return {attrs.shape, ops.dtype(0)};
  case OpKind::Slice: {
    const Shape& in = ops.shape(0);
    size_t r = in.size();
    if (attrs.starts.size() != r || attrs.limits.size() != r || attrs.strides.size() != r)
      throw Error(fmt::format("slice: starts/limits/strides need {} entries each for shape {}", r,
                              shape_str(in)));
    Shape out(r);
    for (size_t d = 0; d < r; ++d) {
      int64_t s = attrs.starts[d], l = attrs.limits[d], st = attrs.strides[d];
      if (st <= 0 || s < 0 || l < s || l > in[d])
        throw Error(fmt::format("slice: invalid range [{}:{}:{}] for dim {} of shape {}", s, l, st,
                                d, shape_str(in)));
      // ceil((l - s) / st) without overflow for any int64 stride.
      out[d] = l == s ? 0 : (l - s - 1) / st + 1;
    }
    return {out, ops.dtype(0)};
  }
  case OpKind::Concat: {
    if (ops.size() == 0)
      throw Error("concat: needs at least one operand");
    const Shape& first = ops.shape(0);
    int64_t axis = normalize_axis(attrs.axis, static_cast<int64_t>(first.size()), name);
    Shape out = first;
    for (size_t i = 1; i < ops.size(); ++i) {
      const Shape& s = ops.shape(i);
      bool ok = s.size() == first.size();
      for (size_t d = 0; ok && d < s.size(); ++d)
        if (static_cast<int64_t>(d) != axis && s[d] != first[d])
          ok = false;
      if (!ok)
        throw Error(fmt::format("concat: shapes {} and {} differ outside axis {}", shape_str(first),
                                shape_str(s), axis));
      if (ops.dtype(i) != ops.dtype(0))
        throw Error(fmt::format("concat: dtypes {} and {} differ", dtype_name(ops.dtype(0)),
                                dtype_name(ops.dtype(i))));
      if (__builtin_add_overflow(out[axis], s[axis], &out[axis]))
        throw Error(fmt::format("concat: the result size along axis {} overflows int64", axis));
    }
    return {out, ops.dtype(0)};
  }
  case OpKind::Gather: {
    const Shape& table = ops.shape(0);
    if (table.empty())
      throw Error("gather: the table must have at least one dim");
    if (ops.dtype(1) != DType::i64)
      throw Error(
          fmt::format("gather: indices must have dtype i64, got {}", dtype_name(ops.dtype(1))));
    Shape out = ops.shape(1);
    out.insert(out.end(), table.begin() + 1, table.end());
    return {out, ops.dtype(0)};
  }
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
