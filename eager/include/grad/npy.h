// Reading and writing numpy's .npy format (format versions 1.0, 2.0 and 3.0): the exchange format
// of grad-run and the numpy-checked tests. Supported element types: '<f4' (f32), '<f8' (f64),
// '<i8' (i64) and '|b1' (bool, grad's b8), C order. Anything else is a grad::Error naming the file
// and the problem (bad magic, unsupported or big-endian dtype, Fortran order, truncated data, ...).
#pragma once

#include <string>
#include <string_view>

#include "grad/tensor.h"

namespace grad {

/// Reads a .npy file into a new contiguous tensor. Throws grad::Error ("load_npy: 'a.npy': ...").
Tensor load_npy(const std::string& path);

/// Writes `tensor` (any layout; written row-major) as a version 1.0 .npy file (2.0 only if the
/// header would not fit). Throws grad::Error if the file cannot be written or the tensor is
/// symbolic.
void save_npy(const std::string& path, const Tensor& tensor);

/// Parses the bytes of a .npy file; `name` only labels error messages.
Tensor parse_npy(std::string_view bytes, std::string_view name = "<buffer>");

/// The bytes save_npy would write for `tensor`.
std::string serialize_npy(const Tensor& tensor);

}  // namespace grad
