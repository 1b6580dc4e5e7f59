// Internal helpers shared by the public ops and the VJP rules (scalars and lifting while tracing).
#include "ops/helpers.h"

#include "grad/ops.h"
#include "grad/symbolic.h"

namespace grad {

Tensor lift_like(const Tensor& t, const Tensor& like) {
  if (!like.is_symbolic() || t.is_symbolic())
    return t;
  return make_symbolic(t.shape(), t.dtype(), like.symbolic()->context().lift(t));
}

Tensor scalar_like(double value, const Tensor& like) {
  return lift_like(scalar_tensor(value, like.dtype()), like);
}

Tensor zeros_bcast(const Shape& shape, const Tensor& like) {
  return broadcast_to(scalar_like(0.0, like), shape);
}

Shape kept_shape(const Shape& in, const std::vector<int64_t>& axes) {
  Shape kept = in;
  for (int64_t a : axes)
    kept[a] = 1;
  return kept;
}

} // namespace grad
