// The VJP (backward) rule of every primitive, in one table like PyTorch's derivatives.yaml or
// tinygrad's gradient.py. Rules use only the public Tensor ops, never raw data, so the same rule
// runs on concrete tensors (eager tape, create_graph) and on symbolic tensors (the compiler's
// autodiff pass emits the ops they call). Each returns one gradient per input (undefined where
// the input needs none). Inputs a rule reads are listed in the op table's `saves` bits.
// One exception for speed: gelu's rule calls a fused kernel on concrete tensors when the gradient
// is not itself recorded (no create_graph), like PyTorch's gelu_backward.
#include "autograd/vjp_rules.h"

#include <numeric>

#include "grad/autograd.h"
#include "grad/ops.h"
#include "kernels/kernels.h"
#include "ops/helpers.h"
#include "ops/infer.h"

namespace grad::vjp {
namespace {
const Tensor& in(const VjpContext& ctx, size_t i) { return ctx.inputs[i]; }
Tensor as_dtype(const Tensor& t, const Tensor& like) { return convert(t, like.dtype()); }
} // namespace

// ---- unary ------------------------------------------------------------------------------------
std::vector<Tensor> neg(const VjpContext&, const Tensor& g) { return {-g}; }
std::vector<Tensor> exp(const VjpContext& ctx, const Tensor& g) { return {g * ctx.output}; }
std::vector<Tensor> log(const VjpContext& ctx, const Tensor& g) { return {g / in(ctx, 0)}; }
std::vector<Tensor> sqrt(const VjpContext& ctx, const Tensor& g) {
  return {g / (ctx.output * 2.0)};
}
std::vector<Tensor> rsqrt(const VjpContext& ctx, const Tensor& g) {
  // d/dx x^-1/2 = -1/2 x^-3/2 = -1/2 out^3
  const Tensor& y = ctx.output;
  return {g * (y * y * y) * -0.5};
}
std::vector<Tensor> abs(const VjpContext& ctx, const Tensor& g) {
  const Tensor& x = in(ctx, 0);
  Tensor sign = as_dtype(gt(x, 0.0), x) - as_dtype(lt(x, 0.0), x);
  return {g * sign};
}
std::vector<Tensor> tanh(const VjpContext& ctx, const Tensor& g) {
  const Tensor& y = ctx.output;
  return {g * (1.0 - y * y)};
}
std::vector<Tensor> sigmoid(const VjpContext& ctx, const Tensor& g) {
  const Tensor& y = ctx.output;
  return {g * (y * (1.0 - y))};
}
std::vector<Tensor> relu(const VjpContext& ctx, const Tensor& g) {
  return {where(gt(ctx.output, 0.0), g, 0.0)};
}
std::vector<Tensor> gelu(const VjpContext& ctx, const Tensor& g) {
  // y = 0.5 x (1 + t), t = tanh(k (x + c x^3)):
  // dy/dx = 0.5 (1 + t) + 0.5 x (1 - t^2) k (1 + 3 c x^2)
  const double k = 0.7978845608028654, c = 0.044715;
  const Tensor& x = in(ctx, 0);
  // Eager backward without create_graph: one fused pass (kernels/norm.cpp). Traced (symbolic)
  // or differentiable again: the primitives below.
  if (!is_grad_enabled() && !x.is_symbolic() && !g.is_symbolic() && g.shape() == x.shape() &&
      g.dtype() == x.dtype())
    return {kernels::gelu_backward(x, g)};
  Tensor x2 = x * x;
  // t as the forward kernel computes it, ((c x) x) x: a compiled forward + backward then
  // computes the tanh once for both (CSE in the merged loop).
  Tensor t = grad::tanh((x + x * c * x * x) * k);
  Tensor d = (t + 1.0) * 0.5 + x * (1.0 - t * t) * (x2 * (3.0 * c) + 1.0) * (0.5 * k);
  return {g * d};
}
std::vector<Tensor> sin(const VjpContext& ctx, const Tensor& g) {
  return {g * grad::cos(in(ctx, 0))};
}
std::vector<Tensor> cos(const VjpContext& ctx, const Tensor& g) {
  return {-(g * grad::sin(in(ctx, 0)))};
}
std::vector<Tensor> erf(const VjpContext& ctx, const Tensor& g) {
  // d/dx erf(x) = 2/sqrt(pi) exp(-x^2)
  const Tensor& x = in(ctx, 0);
  return {g * (grad::exp(-(x * x)) * 1.1283791670955126)};
}

// ---- binary (same-shape operands) -------------------------------------------------------------
std::vector<Tensor> add(const VjpContext& ctx, const Tensor& g) { return {g, g}; }
std::vector<Tensor> sub(const VjpContext& ctx, const Tensor& g) {
  return {g, ctx.needs(1) ? -g : Tensor()};
}
std::vector<Tensor> mul(const VjpContext& ctx, const Tensor& g) {
  return {ctx.needs(0) ? g * in(ctx, 1) : Tensor(), ctx.needs(1) ? g * in(ctx, 0) : Tensor()};
}
std::vector<Tensor> div(const VjpContext& ctx, const Tensor& g) {
  const Tensor& a = in(ctx, 0);
  const Tensor& b = in(ctx, 1);
  return {ctx.needs(0) ? g / b : Tensor(), ctx.needs(1) ? -(g * a) / (b * b) : Tensor()};
}
namespace {
// Gradient of max/min: to the operand that wins, split equally on ties (like JAX).
std::vector<Tensor> extremum(const VjpContext& ctx, const Tensor& g, bool is_max) {
  const Tensor& a = in(ctx, 0);
  const Tensor& b = in(ctx, 1);
  Tensor half_tie = as_dtype(eq(a, b), a) * 0.5;
  Tensor a_wins = as_dtype(is_max ? gt(a, b) : lt(a, b), a) + half_tie;
  Tensor b_wins = as_dtype(is_max ? lt(a, b) : gt(a, b), a) + half_tie;
  return {ctx.needs(0) ? g * a_wins : Tensor(), ctx.needs(1) ? g * b_wins : Tensor()};
}
} // namespace
std::vector<Tensor> maximum(const VjpContext& ctx, const Tensor& g) {
  return extremum(ctx, g, true);
}
std::vector<Tensor> minimum(const VjpContext& ctx, const Tensor& g) {
  return extremum(ctx, g, false);
}
std::vector<Tensor> pow(const VjpContext& ctx, const Tensor& g) {
  const Tensor& a = in(ctx, 0);
  const Tensor& b = in(ctx, 1);
  Tensor ga, gb;
  if (ctx.needs(0))
    ga = g * b * grad::pow(a, b - 1.0);
  if (ctx.needs(1))
    gb = g * ctx.output * grad::log(a);
  return {ga, gb};
}
std::vector<Tensor> select(const VjpContext& ctx, const Tensor& g) {
  const Tensor& c = in(ctx, 0);
  return {Tensor(), ctx.needs(1) ? where(c, g, 0.0) : Tensor(),
          ctx.needs(2) ? where(c, 0.0, g) : Tensor()};
}

// ---- shape ------------------------------------------------------------------------------------
std::vector<Tensor> broadcast(const VjpContext& ctx, const Tensor& g) {
  const Shape& operand = ctx.input_shape(0);
  const OpAttrs& a = ctx.attrs;
  // Sum over result dims the operand does not have and over dims it had as size 1.
  std::vector<int64_t> axes;
  size_t j = 0;
  for (int64_t d = 0; d < static_cast<int64_t>(a.shape.size()); ++d) {
    if (j < a.dims.size() && a.dims[j] == d) {
      if (operand[j] == 1 && a.shape[d] != 1)
        axes.push_back(d);
      ++j;
    } else {
      axes.push_back(d);
    }
  }
  Tensor r = axes.empty() ? g : grad::sum(g, axes, /*keepdim=*/true);
  return {r.shape() == operand ? r : grad::reshape(r, operand)};
}
std::vector<Tensor> transpose(const VjpContext& ctx, const Tensor& g) {
  const auto& perm = ctx.attrs.perm;
  std::vector<int64_t> inverse(perm.size());
  for (size_t i = 0; i < perm.size(); ++i)
    inverse[perm[i]] = static_cast<int64_t>(i);
  return {permute(g, inverse)};
}
std::vector<Tensor> reshape(const VjpContext& ctx, const Tensor& g) {
  return {grad::reshape(g, ctx.input_shape(0))};
}
std::vector<Tensor> slice(const VjpContext& ctx, const Tensor& g) {
  // Scatter g back into zeros of the input shape, one dim at a time, with concat only (so it
  // also lowers as plain IR): interleave s-1 zero rows after each row for stride s, then pad.
  const Shape& shape = ctx.input_shape(0);
  const OpAttrs& a = ctx.attrs;
  Tensor r = g;
  for (int64_t d = 0; d < static_cast<int64_t>(shape.size()); ++d) {
    int64_t start = a.starts[d], stride = a.strides[d], n = r.shape()[d];
    if (n == shape[d])
      continue; // whole dim kept
    if (stride > 1 && n > 0) {
      Tensor col = unsqueeze(r, d + 1);
      Shape zshape = col.shape();
      zshape[d + 1] = stride - 1;
      Tensor spread = grad::concat({col, zeros_bcast(zshape, g)}, d + 1);
      Shape merged = r.shape();
      merged[d] = n * stride;
      r = grad::slice(grad::reshape(spread, merged), d, 0, (n - 1) * stride + 1);
    }
    int64_t len = r.shape()[d];
    int64_t after = shape[d] - start - len;
    std::vector<Tensor> parts;
    Shape pad = r.shape();
    if (start > 0) {
      pad[d] = start;
      parts.push_back(zeros_bcast(pad, g));
    }
    parts.push_back(r);
    if (after > 0) {
      pad[d] = after;
      parts.push_back(zeros_bcast(pad, g));
    }
    if (parts.size() > 1)
      r = grad::concat(parts, d);
  }
  return {r};
}
std::vector<Tensor> concat(const VjpContext& ctx, const Tensor& g) {
  int64_t axis = normalize_axis(ctx.attrs.axis, g.dim(), "concat");
  std::vector<Tensor> grads;
  int64_t pos = 0;
  for (size_t i = 0; i < ctx.inputs.size(); ++i) {
    int64_t len = ctx.input_shape(i)[axis];
    grads.push_back(ctx.needs(i) ? grad::slice(g, axis, pos, pos + len) : Tensor());
    pos += len;
  }
  return grads;
}
std::vector<Tensor> convert(const VjpContext& ctx, const Tensor& g) {
  DType src = ctx.input_dtype(0);
  if (!is_floating(src))
    return {Tensor()};
  return {g.dtype() == src ? g : grad::convert(g, src)};
}

// The output on every process depends on the input of every process: the cotangent of the input
// on process r is the sum over processes s of d out_s / d in_r applied to g_s. For Sum that is
// the Sum all-reduce of g, for Mean the Mean all-reduce; for Max the summed g goes to the
// processes holding the maximum, split equally among ties.
std::vector<Tensor> all_reduce(const VjpContext& ctx, const Tensor& g) {
  if (ctx.attrs.collective != CollectiveOp::Max)
    return {apply(OpKind::AllReduce, {g}, ctx.attrs)};
  OpAttrs sum_attrs;
  sum_attrs.collective = CollectiveOp::Sum;
  Tensor holds = grad::convert(eq(ctx.inputs[0], ctx.output), g.dtype());
  Tensor total = apply(OpKind::AllReduce, {g}, sum_attrs);
  Tensor holders = apply(OpKind::AllReduce, {holds}, sum_attrs);
  return {holds * total / holders};
}

// ---- reductions -------------------------------------------------------------------------------
namespace {
/// g of a reduction, reshaped to the kept-dims shape and broadcast to the input shape.
Tensor expand_reduced(const VjpContext& ctx, const Tensor& g, std::vector<int64_t>* axes_out) {
  const Shape& shape = ctx.input_shape(0);
  std::vector<int64_t> axes =
      normalize_axes(ctx.attrs.axes, static_cast<int64_t>(shape.size()), "reduction vjp");
  Shape kept = kept_shape(shape, axes);
  Tensor gk = g.shape() == kept ? g : grad::reshape(g, kept);
  if (axes_out)
    *axes_out = axes;
  return gk.shape() == shape ? gk : broadcast_to(gk, shape);
}
} // namespace
std::vector<Tensor> sum(const VjpContext& ctx, const Tensor& g) {
  return {expand_reduced(ctx, g, nullptr)};
}
std::vector<Tensor> mean(const VjpContext& ctx, const Tensor& g) {
  std::vector<int64_t> axes;
  Tensor e = expand_reduced(ctx, g, &axes);
  int64_t count = 1;
  for (int64_t a : axes)
    count *= ctx.input_shape(0)[a];
  return {e / static_cast<double>(count)};
}
std::vector<Tensor> max(const VjpContext& ctx, const Tensor& g) {
  // Route g to the maxima, split equally among ties (like JAX / torch.amax).
  const Tensor& x = in(ctx, 0);
  std::vector<int64_t> axes = normalize_axes(ctx.attrs.axes, x.dim(), "max vjp");
  Shape kept = kept_shape(x.shape(), axes);
  Tensor out = ctx.output.shape() == kept ? ctx.output : grad::reshape(ctx.output, kept);
  Tensor gk = g.shape() == kept ? g : grad::reshape(g, kept);
  Tensor mask = as_dtype(eq(x, out), x);
  Tensor count = grad::sum(mask, axes, /*keepdim=*/true);
  return {mask * (gk / count)};
}

// ---- linear algebra and gather ----------------------------------------------------------------
std::vector<Tensor> matmul(const VjpContext& ctx, const Tensor& g) {
  const Tensor& a = in(ctx, 0);
  const Tensor& b = in(ctx, 1);
  // dA first, then dB: the order the traced backward lists its ops in.
  Tensor ga = ctx.needs(0) ? grad::matmul(g, grad::transpose(b, -2, -1)) : Tensor();
  Tensor gb;
  if (ctx.needs(1)) {
    // b a transposed 2-D view (nn::Linear's W^T): compute (g^T a)^T so that the gradient
    // reaching the weight through TransposeBackward is contiguous (PyTorch's mm_mat2_backward).
    const bool b_transposed = !b.is_symbolic() && !g.is_symbolic() && b.dim() == 2 &&
                              a.dim() == 2 && g.dim() == 2 && !b.is_contiguous() &&
                              b.strides()[0] == 1 && b.strides()[1] == b.size(0);
    gb = b_transposed ? grad::transpose(grad::matmul(grad::transpose(g, 0, 1), a), 0, 1)
                      : grad::matmul(grad::transpose(a, -2, -1), g);
  }
  return {ga, gb};
}
namespace {
// d table[indices[i], :] += g[i, :] in O(N D): the eager backward (not recorded, so used only
// when no graph of the backward is built). T is float or double.
template <class T>
void scatter_add_rows(T* out, const T* g, const int64_t* idx, int64_t n, int64_t row) {
  for (int64_t i = 0; i < n; ++i) {
    T* dst = out + idx[i] * row;
    const T* src = g + i * row;
    for (int64_t j = 0; j < row; ++j)
      dst[j] += src[j];
  }
}
} // namespace

std::vector<Tensor> gather(const VjpContext& ctx, const Tensor& g) {
  // Traced (and under create_graph): d table = onehot(indices, V)^T @ g, O(N V D) flops and an
  // [N, V] mask, but plain elementwise + matmul IR, so the compiled path needs no scatter op.
  // Eagerly without create_graph: a scatter-add of g's rows, O(N D) like torch's
  // embedding_dense_backward. Indices were range-checked by the forward.
  if (!ctx.needs(0))
    return {Tensor(), Tensor()};
  const Shape& table = ctx.input_shape(0);
  const Tensor& indices = in(ctx, 1);
  int64_t v = table[0];
  int64_t n = indices.numel();
  int64_t row = shape_numel(table) / (v == 0 ? 1 : v);
  if (!is_grad_enabled() && !g.is_symbolic() && !indices.is_symbolic() &&
      indices.dtype() == DType::i64 && (g.dtype() == DType::f32 || g.dtype() == DType::f64)) {
    Tensor out = zeros(table, g.dtype());
    Tensor gc = g.contiguous();
    Tensor ic = indices.contiguous();
    if (g.dtype() == DType::f32)
      scatter_add_rows(out.data_ptr<float>(), gc.data_ptr<float>(), ic.data_ptr<int64_t>(), n,
                       row);
    else
      scatter_add_rows(out.data_ptr<double>(), gc.data_ptr<double>(), ic.data_ptr<int64_t>(), n,
                       row);
    return {out, Tensor()};
  }
  Tensor onehot = one_hot(grad::reshape(indices, {n}), v, g.dtype()); // [N, V]
  Tensor g2 = grad::reshape(g, {n, row});
  Tensor gt = grad::matmul(grad::transpose(onehot, 0, 1), g2); // [V, row]
  return {grad::reshape(gt, table), Tensor()};
}

} // namespace grad::vjp
