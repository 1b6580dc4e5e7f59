// Composite nn ops, written with the public ops only: they run eagerly, trace and differentiate
// with no rule of their own.
#include <fmt/format.h>

#include "grad/ops.h"
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
