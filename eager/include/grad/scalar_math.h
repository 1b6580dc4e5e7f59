// Scalar reference formulas of the unary ops that have no std:: function (the `ref` column of
// grad/op_table.def). Header-only plain C++: the compiler's constant folder evaluates them
// without linking the eager library, and the eager kernels' scalar path (a CPU without AVX2)
// uses the same formulas as their SIMD bodies (kernels/vmath_body.inc).
#pragma once

#include <cmath>

namespace grad::scalar {

template <class T> T neg(T x) { return -x; }

/// 1 / sqrt(x), as the eager kernel and the lowering compute it (not an approximate rsqrt).
template <class T> T rsqrt(T x) { return T(1) / std::sqrt(x); }

/// Never exp of a large positive number: e = exp(-|x|), then 1/(1+e) or e/(1+e).
template <class T> T sigmoid(T x) {
  const T e = std::exp(x >= T(0) ? -x : x);
  const T r = T(1) / (T(1) + e);
  return x >= T(0) ? r : e * r;
}

/// max(x, 0) with NaN propagating (as torch.relu and numpy.maximum(x, 0)).
template <class T> T relu(T x) { return !(x <= T(0)) ? x : T(0); }

/// GELU, tanh form: 0.5 x (1 + tanh(u)) = x / (1 + exp(-2u)), u = sqrt(2/pi) (x + 0.044715 x^3).
template <class T> T gelu_tanh(T x) {
  const T k = T(0.7978845608028654); // sqrt(2/pi)
  return x / (T(1) + std::exp(T(-2) * k * (x + T(0.044715) * x * x * x)));
}

} // namespace grad::scalar
