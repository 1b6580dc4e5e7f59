// Element types and shapes of grad tensors.
#pragma once

#include <cstddef>
#include <cstdint>
#include <ostream>
#include <string>
#include <vector>

namespace grad {

/// Element type of a tensor. f32/f64 are differentiable; i64 holds indices, b8 holds masks
/// (stored as one `bool` byte per element).
enum class DType { f32, f64, i64, b8 };

inline constexpr DType kFloat32 = DType::f32;
inline constexpr DType kFloat64 = DType::f64;
inline constexpr DType kInt64 = DType::i64;
inline constexpr DType kBool = DType::b8;

/// A tensor shape: sizes of each dimension, outermost first. `{}` is a scalar (0-d tensor).
using Shape = std::vector<int64_t>;

/// "f32", "f64", "i64", "b8".
const char* dtype_name(DType dtype);
/// Prints dtype_name (so that `std::cout << t.dtype()` and test frameworks show "f32").
inline std::ostream& operator<<(std::ostream& os, DType dtype) { return os << dtype_name(dtype); }
/// Size in bytes of one element.
size_t dtype_size(DType dtype);
/// True for f32 and f64 (the dtypes gradients flow through).
bool is_floating(DType dtype);
/// Shape as text, e.g. "[2,3]" (and "[]" for a scalar).
std::string shape_str(const Shape& shape);
/// Product of the sizes (1 for a scalar).
int64_t shape_numel(const Shape& shape);

} // namespace grad
