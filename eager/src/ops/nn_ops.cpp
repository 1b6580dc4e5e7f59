// Composite nn ops, written with the public ops only: they run eagerly, trace and differentiate
// with no rule of their own. layer_norm is the exception in eager mode: concrete f32/f64 operands
// take a fused kernel and one backward node (LayerNormNode below, PyTorch's
// NativeLayerNormBackward0); symbolic operands (grad::jit tracing) keep the composite form, whose
// primitives the compiler fuses itself.
#include <fmt/format.h>

#include "autograd/graph.h"
#include "core/tensor_impl.h"
#include "grad/ops.h"
#include "kernels/kernels.h"
#include "ops/helpers.h"
#include "ops/infer.h"

namespace grad {

Tensor softmax(const Tensor& x, int64_t axis) {
  if (!x.defined())
    throw Error("softmax: undefined tensor");
  int64_t d = normalize_axis(axis, x.dim(), "softmax");
  Tensor e = exp(x - max(x, d, /*keepdim=*/true).detach());
  return e / sum(e, d, /*keepdim=*/true);
}

Tensor log_softmax(const Tensor& x, int64_t axis) {
  if (!x.defined())
    throw Error("log_softmax: undefined tensor");
  int64_t d = normalize_axis(axis, x.dim(), "log_softmax");
  return x - logsumexp(x, {d}, /*keepdim=*/true);
}

Tensor one_hot(const Tensor& indices, int64_t num_classes, DType dtype) {
  if (!indices.defined())
    throw Error("one_hot: undefined tensor");
  if (indices.dtype() != DType::i64)
    throw Error(
        fmt::format("one_hot: indices must have dtype i64, got {}", dtype_name(indices.dtype())));
  if (num_classes < 0)
    throw Error(fmt::format("one_hot: num_classes must be non-negative, got {}", num_classes));
  if (!indices.is_symbolic()) {
    // torch.nn.functional.one_hot raises here too; a silent all-zero row hides a bad label.
    for (int64_t i : indices.contiguous().to_vector<int64_t>())
      if (i < 0 || i >= num_classes)
        throw Error(fmt::format("one_hot: index {} is out of range for {} classes (indices shape {})",
                                i, num_classes, shape_str(indices.shape())));
  }
  Tensor classes = lift_like(arange(num_classes, DType::i64), indices);
  Tensor mask = eq(unsqueeze(indices, -1), classes);
  return dtype == DType::b8 ? mask : convert(mask, dtype);
}

Tensor cross_entropy(const Tensor& logits, const Tensor& labels) {
  if (!logits.defined() || !labels.defined())
    throw Error("cross_entropy: undefined operand");
  if (logits.dim() != 2 || labels.dim() != 1 || labels.shape()[0] != logits.shape()[0])
    throw Error(fmt::format("cross_entropy: expected logits [N,C] and labels [N], got {} and {}",
                            shape_str(logits.shape()), shape_str(labels.shape())));
  if (labels.dtype() != DType::i64)
    throw Error(fmt::format("cross_entropy: labels must have dtype i64, got {}",
                            dtype_name(labels.dtype())));
  int64_t c = logits.shape()[1];
  if (!labels.is_symbolic()) {
    for (int64_t l : labels.to_vector<int64_t>())
      if (l < 0 || l >= c)
        throw Error(fmt::format("cross_entropy: label {} out of range for {} classes", l, c));
  }
  // Pick -log_softmax at the label with a one-hot mask (cmp + select + sum): no gather, so the
  // compiled form is elementwise code plus a reduction.
  Tensor lsm = log_softmax(logits, 1);
  Tensor mask = one_hot(labels, c, DType::b8);
  Tensor picked = sum(where(mask, lsm, 0.0), 1);
  return -mean(picked);
}

Tensor mse_loss(const Tensor& a, const Tensor& b) {
  Tensor d = a - b;
  return mean(d * d);
}

namespace {

/// The fused kernel applies to concrete (not traced) f32/f64 operands of one dtype with at least
/// one element; anything else takes the composite form (and its errors).
bool use_fused_layer_norm(const Tensor& x, const Tensor& weight, const Tensor& bias) {
  if (x.is_symbolic() || (x.dtype() != DType::f32 && x.dtype() != DType::f64) || x.numel() == 0)
    return false;
  for (const Tensor* p : {&weight, &bias})
    if (p->defined() && (p->is_symbolic() || p->dtype() != x.dtype()))
      return false;
  return true;
}

/// Backward of the fused layer_norm: dx, dweight, dbias from the saved input and the per-row mean
/// and rstd, one kernel. Under create_graph (grad mode on during backward) the same formulas are
/// written with the public ops from the saved input instead, so the gradient can be differentiated
/// again (through the recomputed mean and rstd).
class LayerNormNode : public Node {
public:
  LayerNormNode(const Tensor& x, const Tensor& weight, const Tensor& bias, Shape normalized_shape,
                std::vector<int64_t> axes, double eps, Tensor mean, Tensor rstd)
      : x_(x, false), weight_(weight.defined() ? SavedVariable(weight, false) : SavedVariable()),
        has_weight_(weight.defined()),
        normalized_shape_(std::move(normalized_shape)), axes_(std::move(axes)), eps_(eps),
        mean_(std::move(mean)), rstd_(std::move(rstd)) {
    needs_[0] = x.requires_grad();
    needs_[1] = weight.defined() && weight.requires_grad();
    needs_[2] = bias.defined() && bias.requires_grad();
  }
  std::string name() const override { return "NativeLayerNormBackward0"; }

  std::vector<Tensor> apply(std::vector<Tensor>&& grads) override {
    const Tensor& g = grads[0];
    if (!g.defined())
      return {Tensor(), Tensor(), Tensor()};
    // unpack throws the usual errors (freed by an earlier backward, modified in place).
    Tensor x = x_.unpack(this);
    Tensor w = has_weight_ ? weight_.unpack(this) : Tensor();
    if (is_grad_enabled() || g.is_symbolic())
      return differentiable(g, x, w);
    kernels::LayerNormGrads r =
        kernels::layer_norm_backward(g, x, mean_, rstd_, w, needs_[0], needs_[1], needs_[2]);
    std::vector<Tensor> out(3);
    out[0] = r.dx;
    if (r.dw.defined())
      out[1] = reshape(r.dw, normalized_shape_);
    if (r.db.defined())
      out[2] = reshape(r.db, normalized_shape_);
    return out;
  }

  void release_variables() override {
    x_.reset_data();
    weight_.reset_data();
    mean_ = Tensor();
    rstd_ = Tensor();
  }

private:
  /// dx = rstd (gw - mean(gw) - xhat mean(gw xhat)) with gw = g * weight, xhat the normalized
  /// input; dweight = sum over the leading dims of g * xhat; dbias = the same of g.
  std::vector<Tensor> differentiable(const Tensor& g, const Tensor& x, const Tensor& w) const {
    Tensor mu = mean(x, axes_, /*keepdim=*/true);
    Tensor xc = x - mu;
    Tensor rstd = rsqrt(mean(xc * xc, axes_, /*keepdim=*/true) + eps_);
    Tensor xhat = xc * rstd;
    std::vector<Tensor> out(3);
    if (needs_[0]) {
      Tensor gw = w.defined() ? g * w : g;
      out[0] = rstd * (gw - mean(gw, axes_, /*keepdim=*/true) -
                       xhat * mean(gw * xhat, axes_, /*keepdim=*/true));
    }
    if (needs_[1])
      out[1] = sum_to(g * xhat, normalized_shape_);
    if (needs_[2])
      out[2] = sum_to(g, normalized_shape_);
    return out;
  }

  SavedVariable x_, weight_;
  bool has_weight_;
  Shape normalized_shape_;
  std::vector<int64_t> axes_;
  double eps_;
  Tensor mean_, rstd_;
  bool needs_[3] = {false, false, false};
};

Tensor fused_layer_norm(const Tensor& x, const Shape& normalized_shape,
                        const std::vector<int64_t>& axes, const Tensor& weight, const Tensor& bias,
                        double eps) {
  int64_t cols = 1;
  for (int64_t s : normalized_shape)
    cols *= s;
  bool record = is_grad_enabled() && (x.requires_grad() ||
                                      (weight.defined() && weight.requires_grad()) ||
                                      (bias.defined() && bias.requires_grad()));
  kernels::LayerNormForward f = kernels::layer_norm(x, cols, weight, bias, eps, record);
  if (!record)
    return f.y;
  auto node = std::make_shared<LayerNormNode>(x, weight, bias, normalized_shape, axes, eps,
                                              std::move(f.mean), std::move(f.rstd));
  node->set_next_edges(collect_next_edges({x, weight, bias}));
  node->add_output(f.y.shape(), f.y.dtype());
  set_history(f.y, node, 0);
  record_anomaly_site(*node, "layer_norm", f.y);
  return f.y;
}

} // namespace

Tensor layer_norm(const Tensor& x, Shape normalized_shape, const Tensor& weight, const Tensor& bias,
                  double eps) {
  if (!x.defined())
    throw Error("layer_norm: undefined tensor");
  if (x.dim() == 0)
    throw Error("layer_norm: input must have at least one dim");
  if (normalized_shape.empty())
    normalized_shape = {x.shape().back()};
  int64_t k = static_cast<int64_t>(normalized_shape.size());
  if (k > x.dim() ||
      !std::equal(normalized_shape.begin(), normalized_shape.end(), x.shape().end() - k))
    throw Error(fmt::format("layer_norm: normalized_shape {} does not match the trailing dims "
                            "of input shape {}",
                            shape_str(normalized_shape), shape_str(x.shape())));
  auto check_param = [&](const Tensor& p, const char* what) {
    if (p.defined() && p.shape() != normalized_shape)
      throw Error(fmt::format("layer_norm: {} has shape {}, expected {}", what,
                              shape_str(p.shape()), shape_str(normalized_shape)));
  };
  check_param(weight, "weight");
  check_param(bias, "bias");
  std::vector<int64_t> axes;
  for (int64_t i = x.dim() - k; i < x.dim(); ++i)
    axes.push_back(i);
  if (use_fused_layer_norm(x, weight, bias))
    return fused_layer_norm(x, normalized_shape, axes, weight, bias, eps);
  Tensor mu = mean(x, axes, /*keepdim=*/true);
  Tensor xc = x - mu;
  Tensor var = mean(xc * xc, axes, /*keepdim=*/true);
  Tensor y = xc * rsqrt(var + eps);
  if (weight.defined())
    y = y * weight;
  if (bias.defined())
    y = y + bias;
  return y;
}

} // namespace grad
