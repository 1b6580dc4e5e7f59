// Internal helpers shared by the public ops and the VJP rules.
#pragma once

#include "grad/op_table.h"
#include "grad/tensor.h"

namespace grad {

/// A 0-d tensor holding `value` in `like`'s dtype; symbolic (lifted into `like`'s trace) when
/// `like` is symbolic, so that scalars stay scalars in traced graphs.
Tensor scalar_like(double value, const Tensor& like);
/// `t` itself, or `t` lifted into the trace of `like` when `like` is symbolic and `t` is not.
Tensor lift_like(const Tensor& t, const Tensor& like);
/// zeros of `shape` in `like`'s dtype as a broadcast scalar (no dense constant while tracing).
Tensor zeros_bcast(const Shape& shape, const Tensor& like);
/// Input shape with the reduced `axes` (normalized) set to 1.
Shape kept_shape(const Shape& in, const std::vector<int64_t>& axes);

} // namespace grad
