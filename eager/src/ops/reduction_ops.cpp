// Public reductions (Sum, Mean, Max primitives) and the stable logsumexp composite.
#include <fmt/format.h>

#include "grad/op_table.h"
#include "grad/ops.h"
#include "ops/helpers.h"
#include "ops/infer.h"

namespace grad {
namespace {
Tensor reduce(OpKind kind, const Tensor& x, std::vector<int64_t> axes, bool keepdim) {
  OpAttrs attrs;
  attrs.axes = std::move(axes);
  attrs.keepdim = keepdim;
  return apply(kind, {x}, attrs);
}
} // namespace

Tensor sum(const Tensor& x, std::vector<int64_t> axes, bool keepdim) {
  return reduce(OpKind::Sum, x, std::move(axes), keepdim);
}
Tensor sum(const Tensor& x, int64_t axis, bool keepdim) {
  return reduce(OpKind::Sum, x, {axis}, keepdim);
}
Tensor mean(const Tensor& x, std::vector<int64_t> axes, bool keepdim) {
  return reduce(OpKind::Mean, x, std::move(axes), keepdim);
}
Tensor mean(const Tensor& x, int64_t axis, bool keepdim) {
  return reduce(OpKind::Mean, x, {axis}, keepdim);
}
Tensor max(const Tensor& x, std::vector<int64_t> axes, bool keepdim) {
  return reduce(OpKind::Max, x, std::move(axes), keepdim);
}
Tensor max(const Tensor& x, int64_t axis, bool keepdim) {
  return reduce(OpKind::Max, x, {axis}, keepdim);
}

Tensor logsumexp(const Tensor& x, std::vector<int64_t> axes, bool keepdim) {
  if (!x.defined())
    throw Error("logsumexp: undefined tensor");
  std::vector<int64_t> norm = normalize_axes(axes, x.dim(), "logsumexp");
  // Subtracting the (detached) max keeps exp() from overflowing; its gradient would cancel.
  Tensor m = max(x, norm, /*keepdim=*/true).detach();
  Tensor r = log(sum(exp(x - m), norm, /*keepdim=*/true)) + m;
  if (keepdim)
    return r;
  Shape out;
  for (int64_t d = 0; d < x.dim(); ++d)
    if (!std::binary_search(norm.begin(), norm.end(), d))
      out.push_back(x.shape()[d]);
  return reshape(r, out);
}

} // namespace grad
