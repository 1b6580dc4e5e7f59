// Tensor::str(): values (nested brackets, long dims elided), shape, dtype and autograd state.
#include <sstream>

#include <fmt/format.h>

#include "core/tensor_impl.h"
#include "grad/autograd.h"

namespace grad {
namespace {

constexpr int64_t kEdgeItems = 3; // shown at each end of a long dim
constexpr int64_t kMaxFull = 8;   // dims up to this size are printed whole

void print_values(std::ostringstream& os, const std::vector<double>& v, const Shape& shape,
                  size_t dim, int64_t offset, int64_t stride_elems, DType dtype) {
  if (dim == shape.size()) {
    double x = v[offset];
    if (dtype == DType::b8)
      os << (x != 0 ? "true" : "false");
    else if (dtype == DType::i64)
      os << static_cast<int64_t>(x);
    else
      os << fmt::format("{:.6g}", x);
    return;
  }
  int64_t n = shape[dim];
  int64_t inner = stride_elems / (n == 0 ? 1 : n);
  os << '[';
  bool elide = n > kMaxFull;
  for (int64_t i = 0; i < n; ++i) {
    if (elide && i == kEdgeItems) {
      os << ", ...";
      i = n - kEdgeItems;
    }
    if (i > 0)
      os << ", ";
    print_values(os, v, shape, dim + 1, offset + i * inner, inner, dtype);
  }
  os << ']';
}

} // namespace

std::string Tensor::str() const {
  if (!defined())
    return "tensor(undefined)";
  if (is_symbolic())
    throw_symbolic_read("str", *this);
  std::ostringstream os;
  os << "tensor(";
  std::vector<double> values;
  {
    NoGradGuard no_grad;
    values = to_vector<double>();
  }
  print_values(os, values, shape(), 0, 0, numel(), dtype());
  os << ", shape=" << shape_str(shape()) << ", dtype=" << dtype_name(dtype());
  if (auto fn = grad_fn())
    os << ", grad_fn=<" << fn->name() << ">";
  else if (requires_grad())
    os << ", requires_grad=true";
  os << ')';
  return os.str();
}

} // namespace grad
