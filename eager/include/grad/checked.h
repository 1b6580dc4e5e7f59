// Checked shape arithmetic: the one overflow-checked multiply behind every shape product and
// byte size (eager tensors, the interpreter, the readers and the tools). A shape whose element
// count or byte size does not fit in int64 is an error, never a wrapped-around small size.
#pragma once

#include <cstdint>

#include "grad/dtype.h"

namespace grad {

/// *out = a * b; false (and *out unspecified) when the product overflows int64.
inline bool checked_mul(int64_t a, int64_t b, int64_t* out) {
  return !__builtin_mul_overflow(a, b, out);
}

/// Product of the sizes (1 for a scalar), or -1 when a size is negative or the product
/// overflows int64. Never throws (usable from compiler code).
int64_t checked_numel(const Shape& shape);

/// Bytes of a contiguous `shape` of `dtype`, or -1 when a size is negative or the element count
/// or the byte size overflows int64.
int64_t checked_nbytes(const Shape& shape, DType dtype);

// shape_numel (grad/dtype.h) is checked too: it throws grad::Error
// ("shape [4294967296,4294967296] has more than 2^63 elements") instead of wrapping.

} // namespace grad
