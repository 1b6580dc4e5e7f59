// DType names and sizes, shape helpers.
#include "grad/dtype.h"
#include "grad/checked.h"

#include <string>

#include "grad/error.h"

namespace grad {

const char* dtype_name(DType dtype) {
  switch (dtype) {
  case DType::f32:
    return "f32";
  case DType::f64:
    return "f64";
  case DType::i64:
    return "i64";
  case DType::b8:
    return "b8";
  }
  return "?";
}

size_t dtype_size(DType dtype) {
  switch (dtype) {
  case DType::f32:
    return 4;
  case DType::f64:
    return 8;
  case DType::i64:
    return 8;
  case DType::b8:
    return 1;
  }
  return 1;
}

bool is_floating(DType dtype) { return dtype == DType::f32 || dtype == DType::f64; }

std::string shape_str(const Shape& shape) {
  std::string s = "[";
  for (size_t i = 0; i < shape.size(); ++i) {
    if (i)
      s += ',';
    s += std::to_string(shape[i]);
  }
  s += ']';
  return s;
}

int64_t checked_numel(const Shape& shape) {
  int64_t n = 1;
  for (int64_t d : shape)
    if (d < 0 || !checked_mul(n, d, &n))
      return -1;
  return n;
}

int64_t checked_nbytes(const Shape& shape, DType dtype) {
  int64_t n = checked_numel(shape);
  int64_t bytes = 0;
  if (n < 0 || !checked_mul(n, static_cast<int64_t>(dtype_size(dtype)), &bytes))
    return -1;
  return bytes;
}

int64_t shape_numel(const Shape& shape) {
  int64_t n = checked_numel(shape);
  if (n >= 0)
    return n;
  for (int64_t d : shape)
    if (d < 0)
      throw Error("shape " + shape_str(shape) + " has a negative size");
  throw Error("shape " + shape_str(shape) + " has more than 2^63 elements");
}

} // namespace grad
