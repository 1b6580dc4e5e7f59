// Public shape ops and matmul: argument normalization (negative dims, -1 sizes, python-style
// slice bounds, numpy matmul rules) in front of the primitives.
#include <algorithm>

#include <fmt/format.h>

#include "grad/op_table.h"
#include "grad/ops.h"
#include "ops/helpers.h"
#include "ops/infer.h"

namespace grad {

Tensor broadcast_to(const Tensor& x, Shape shape) {
  if (!x.defined())
    throw Error("broadcast_to: undefined tensor");
  const Shape& in = x.shape();
  if (in == shape)
    return x;
  for (int64_t d : shape)
    if (d < 0)
      throw Error(fmt::format("broadcast_to: cannot broadcast shape {} to {}: negative size",
                              shape_str(in), shape_str(shape)));
  if (in.size() > shape.size())
    throw Error(fmt::format("broadcast_to: cannot broadcast shape {} to {}", shape_str(in),
                            shape_str(shape)));
  OpAttrs attrs;
  size_t lead = shape.size() - in.size();
  attrs.dims.resize(in.size());
  for (size_t i = 0; i < in.size(); ++i) {
    attrs.dims[i] = static_cast<int64_t>(lead + i);
    if (in[i] != 1 && in[i] != shape[lead + i])
      throw Error(fmt::format("broadcast_to: cannot broadcast shape {} to {}", shape_str(in),
                              shape_str(shape)));
  }
  attrs.shape = std::move(shape);
  return apply(OpKind::Broadcast, {x}, attrs);
}

Tensor expand(const Tensor& x, Shape shape) { return broadcast_to(x, std::move(shape)); }

Tensor sum_to(const Tensor& g, const Shape& shape) {
  const Shape& gs = g.shape();
  if (gs == shape)
    return g;
  if (shape.size() > gs.size())
    throw Error(
        fmt::format("sum_to: cannot reduce shape {} to {}", shape_str(gs), shape_str(shape)));
  size_t lead = gs.size() - shape.size();
  std::vector<int64_t> axes;
  for (size_t i = 0; i < gs.size(); ++i) {
    if (i < lead) {
      axes.push_back(static_cast<int64_t>(i));
    } else if (shape[i - lead] == 1 && gs[i] != 1) {
      axes.push_back(static_cast<int64_t>(i));
    } else if (shape[i - lead] != gs[i]) {
      throw Error(
          fmt::format("sum_to: cannot reduce shape {} to {}", shape_str(gs), shape_str(shape)));
    }
  }
  Tensor r = axes.empty() ? g : sum(g, axes, /*keepdim=*/true);
  return r.shape() == shape ? r : reshape(r, shape);
}

Tensor permute(const Tensor& x, std::vector<int64_t> perm) {
  if (!x.defined())
    throw Error("permute: undefined tensor");
  for (int64_t& p : perm)
    p = normalize_axis(p, x.dim(), "permute");
  bool identity = true;
  for (size_t i = 0; i < perm.size(); ++i)
    identity &= perm[i] == static_cast<int64_t>(i);
  if (identity && perm.size() == static_cast<size_t>(x.dim()))
    return x;
  OpAttrs attrs;
  attrs.perm = std::move(perm);
  return apply(OpKind::Transpose, {x}, attrs);
}

Tensor transpose(const Tensor& x, int64_t d0, int64_t d1) {
  if (!x.defined())
    throw Error("transpose: undefined tensor");
  int64_t r = x.dim();
  d0 = normalize_axis(d0, r, "transpose");
  d1 = normalize_axis(d1, r, "transpose");
  if (d0 == d1)
    return x;
  std::vector<int64_t> perm(r);
  for (int64_t i = 0; i < r; ++i)
    perm[i] = i;
  std::swap(perm[d0], perm[d1]);
  OpAttrs attrs;
  attrs.perm = std::move(perm);
  return apply(OpKind::Transpose, {x}, attrs);
}

Tensor reshape(const Tensor& x, Shape shape) {
  if (!x.defined())
    throw Error("reshape: undefined tensor");
  int64_t infer_at = -1, known = 1;
  for (size_t i = 0; i < shape.size(); ++i) {
    if (shape[i] == -1) {
      if (infer_at >= 0)
        throw Error("reshape: only one size may be -1");
      infer_at = static_cast<int64_t>(i);
    } else if (shape[i] < 0) {
      throw Error(fmt::format("reshape: invalid size {} in {}", shape[i], shape_str(shape)));
    } else if (!checked_mul(known, shape[i], &known)) {
      throw Error(fmt::format("reshape: result shape {} has more than 2^63 elements",
                              shape_str(shape)));
    }
  }
  if (infer_at >= 0) {
    if (known == 0 || x.numel() % known != 0)
      throw Error(fmt::format("reshape: cannot reshape {} ({} elements) to {}",
                              shape_str(x.shape()), x.numel(), shape_str(shape)));
    shape[infer_at] = x.numel() / known;
  }
  if (shape == x.shape())
    return x;
  OpAttrs attrs;
  attrs.shape = std::move(shape);
  return apply(OpKind::Reshape, {x}, attrs);
}

Tensor squeeze(const Tensor& x, std::vector<int64_t> axes) {
  if (!x.defined())
    throw Error("squeeze: undefined tensor");
  const Shape& in = x.shape();
  std::vector<bool> drop(in.size(), false);
  if (axes.empty()) {
    for (size_t i = 0; i < in.size(); ++i)
      drop[i] = in[i] == 1;
  } else {
    for (int64_t a : axes) {
      int64_t d = normalize_axis(a, x.dim(), "squeeze");
      if (in[d] != 1)
        throw Error(
            fmt::format("squeeze: dim {} of shape {} has size {}, not 1", a, shape_str(in), in[d]));
      drop[d] = true;
    }
  }
  Shape out;
  for (size_t i = 0; i < in.size(); ++i)
    if (!drop[i])
      out.push_back(in[i]);
  return reshape(x, out);
}

Tensor unsqueeze(const Tensor& x, int64_t axis) {
  if (!x.defined())
    throw Error("unsqueeze: undefined tensor");
  int64_t d = normalize_axis(axis, x.dim() + 1, "unsqueeze");
  Shape out = x.shape();
  out.insert(out.begin() + d, 1);
  return reshape(x, out);
}

Tensor concat(const std::vector<Tensor>& xs, int64_t axis) {
  if (xs.empty())
    throw Error("concat: needs at least one tensor");
  for (const Tensor& t : xs)
    if (!t.defined())
      throw Error("concat: undefined tensor");
  OpAttrs attrs;
  attrs.axis = normalize_axis(axis, xs[0].dim(), "concat");
  const Tensor* sym = nullptr;
  for (const Tensor& t : xs)
    if (t.is_symbolic())
      sym = &t;
  if (!sym)
    return apply(OpKind::Concat, xs, attrs);
  std::vector<Tensor> lifted;
  for (const Tensor& t : xs)
    lifted.push_back(lift_like(t, *sym));
  return apply(OpKind::Concat, lifted, attrs);
}

Tensor slice(const Tensor& x, int64_t axis, int64_t start, int64_t end, int64_t step) {
  if (!x.defined())
    throw Error("slice: undefined tensor");
  int64_t d = normalize_axis(axis, x.dim(), "slice");
  if (step <= 0)
    throw Error(fmt::format("slice: step must be positive, got {}", step));
  int64_t n = x.shape()[d];
  auto clamp = [n](int64_t v) {
    if (v < 0)
      v += n;
    return std::clamp<int64_t>(v, 0, n);
  };
  start = clamp(start);
  end = std::max(clamp(end), start);
  if (start == 0 && end == n && step == 1)
    return x;
  OpAttrs attrs;
  size_t r = x.shape().size();
  attrs.starts.assign(r, 0);
  attrs.limits = x.shape();
  attrs.strides.assign(r, 1);
  attrs.starts[d] = start;
  attrs.limits[d] = end;
  attrs.strides[d] = step;
  return apply(OpKind::Slice, {x}, attrs);
}

Tensor convert(const Tensor& x, DType dtype) {
  OpAttrs attrs;
  attrs.dtype = dtype;
  return apply(OpKind::Convert, {x}, attrs);
}

Tensor matmul(const Tensor& a_in, const Tensor& b_in) {
  if (!a_in.defined() || !b_in.defined())
    throw Error("matmul: undefined operand");
  const Shape& as = a_in.shape();
  const Shape& bs = b_in.shape();
  if (as.empty() || bs.empty())
    throw Error(fmt::format("matmul: operands must have at least one dim, got {} and {}",
                            shape_str(as), shape_str(bs)));
  if (a_in.dtype() != b_in.dtype())
    throw Error(fmt::format("matmul: dtypes {} and {} differ (shapes {} and {})",
                            dtype_name(a_in.dtype()), dtype_name(b_in.dtype()), shape_str(as),
                            shape_str(bs)));
  int64_t k_a = as.back();
  int64_t k_b = bs.size() == 1 ? bs[0] : bs[bs.size() - 2];
  if (k_a != k_b)
    throw Error(fmt::format("matmul: shapes {} and {} are not compatible (inner dims {} and {} "
                            "differ)",
                            shape_str(as), shape_str(bs), k_a, k_b));
  Tensor a = lift_like(a_in, b_in), b = lift_like(b_in, a_in);
  bool a_vec = as.size() == 1, b_vec = bs.size() == 1;
  if (a_vec)
    a = reshape(a, {1, k_a});
  if (b_vec)
    b = reshape(b, {k_b, 1});
  Tensor out;
  if (a.dim() == 2 && b.dim() == 2) {
    out = apply(OpKind::Matmul, {a, b});
  } else if (b.dim() == 2) {
    // [..., m, k] x [k, n]: one GEMM over the flattened batch.
    Shape result = a.shape();
    result.back() = b.shape()[1];
    Tensor flat = reshape(a, {-1, k_a});
    out = reshape(apply(OpKind::Matmul, {flat, b}), result);
  } else {
    Shape ab(a.shape().begin(), a.shape().end() - 2), bb(b.shape().begin(), b.shape().end() - 2);
    size_t r = std::max(ab.size(), bb.size());
    Shape batch(r);
    for (size_t i = 0; i < r; ++i) {
      int64_t da = i < r - ab.size() ? 1 : ab[i - (r - ab.size())];
      int64_t db = i < r - bb.size() ? 1 : bb[i - (r - bb.size())];
      if (da != db && da != 1 && db != 1)
        throw Error(fmt::format("matmul: batch dims of {} and {} are not broadcastable",
                                shape_str(as), shape_str(bs)));
      batch[i] = da == 1 ? db : da;
    }
    Shape sa = batch, sb = batch;
    sa.push_back(a.shape()[a.dim() - 2]);
    sa.push_back(k_a);
    sb.push_back(k_b);
    sb.push_back(b.shape().back());
    out = apply(OpKind::Matmul, {broadcast_to(a, sa), broadcast_to(b, sb)});
  }
  if (a_vec || b_vec) {
    Shape s = out.shape();
    if (b_vec)
      s.pop_back();
    if (a_vec)
      s.erase(s.end() - (b_vec ? 1 : 2));
    out = reshape(out, s);
  }
  return out;
}

Tensor gather(const Tensor& table, const Tensor& indices) {
  if (!table.defined() || !indices.defined())
    throw Error("gather: undefined operand");
  return apply(OpKind::Gather, {lift_like(table, indices), lift_like(indices, table)});
}

Tensor embedding(const Tensor& weight, const Tensor& indices) { return gather(weight, indices); }

} // namespace grad
