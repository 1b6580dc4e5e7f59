// Gather (embedding rows) and concat kernels.
#include <cstring>

#include <fmt/format.h>

#include "core/tensor_impl.h"
#include "kernels/kernels.h"
#include "kernels/loops.h"

namespace grad::kernels {

Tensor gather(const Tensor& table_in, const Tensor& indices_in, const Shape& out_shape) {
  count_kernel();
  Tensor table = table_in;
  if (!table.is_contiguous()) {
    table = new_tensor(table_in.shape(), table_in.dtype());
    copy_into(table, table_in);
  }
  Tensor indices = indices_in;
  if (!indices.is_contiguous()) {
    indices = new_tensor(indices_in.shape(), indices_in.dtype());
    copy_into(indices, indices_in);
  }
  Tensor out = new_tensor(out_shape, table.dtype());
  const int64_t rows = table.shape()[0];
  const size_t row_bytes =
      static_cast<size_t>(rows == 0 ? 0 : table.numel() / rows) * dtype_size(table.dtype());
  const int64_t* idx = typed<int64_t>(indices);
  const char* src = table.unsafe_impl()->data();
  char* dst = out.unsafe_impl()->data();
  for (int64_t i = 0, n = indices.numel(); i < n; ++i) {
    int64_t r = idx[i];
    if (r < 0 || r >= rows)
      throw Error(fmt::format("gather: index {} out of range for a table of {} rows (shape {})", r,
                              rows, shape_str(table.shape())));
    std::memcpy(dst + i * row_bytes, src + r * row_bytes, row_bytes);
  }
  return out;
}

Tensor concat(const std::vector<Tensor>& xs, int64_t axis, const Shape& out_shape) {
  count_kernel();
  Tensor out = new_tensor(out_shape, xs[0].dtype());
  int64_t pos = 0;
  for (const Tensor& x : xs) {
    int64_t len = x.shape()[axis];
    if (len == 0)
      continue;
    Tensor dst = make_view(out, x.shape(), out.strides(), pos * out.strides()[axis]);
    copy_into(dst, x);
    pos += len;
  }
  return out;
}

} // namespace grad::kernels
