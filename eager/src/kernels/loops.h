// Internal: dtype dispatch and the strided N-d loop shared by the kernels.
#pragma once

#include <array>
#include <cstdint>
#include <vector>

#include "core/tensor_impl.h"
#include "grad/dtype.h"

namespace grad::kernels {

template <class T> struct TypeTag { using type = T; };

/// Calls f(TypeTag<T>{}) with T the C++ type of `dtype`.
template <class F> decltype(auto) dispatch(DType dtype, F&& f) {
  switch (dtype) {
  case DType::f32:
    return f(TypeTag<float>{});
  case DType::f64:
    return f(TypeTag<double>{});
  case DType::i64:
    return f(TypeTag<int64_t>{});
  case DType::b8:
    return f(TypeTag<bool>{});
  }
  return f(TypeTag<float>{});
}

/// Calls f(TypeTag<T>{}) for f32/f64 only.
template <class F> decltype(auto) dispatch_float(DType dtype, F&& f) {
  if (dtype == DType::f64)
    return f(TypeTag<double>{});
  return f(TypeTag<float>{});
}

/// Walks `shape` row by row (all dims but the last) for K operands with the given element
/// strides; calls body(offsets, inner_size, inner_strides) once per row, where offsets[k] is
/// operand k's element offset at the row start. Dims that are contiguous for every operand are
/// merged first so that a dense tensor is one long row.
template <size_t K, class Body>
void for_each_row(const Shape& shape, const std::array<const std::vector<int64_t>*, K>& strides,
                  Body&& body) {
  // Collapse: drop size-1 dims, merge dim i into i+1 when every operand has
  // stride[i] == stride[i+1] * size[i+1].
  std::vector<int64_t> sizes;
  std::array<std::vector<int64_t>, K> st;
  sizes.reserve(shape.size());
  for (size_t d = 0; d < shape.size(); ++d) {
    if (shape[d] == 1)
      continue;
    if (!sizes.empty()) {
      bool mergeable = true;
      for (size_t k = 0; k < K; ++k)
        if (st[k].back() != (*strides[k])[d] * shape[d])
          mergeable = false;
      if (mergeable) {
        sizes.back() *= shape[d];
        for (size_t k = 0; k < K; ++k)
          st[k].back() = (*strides[k])[d];
        continue;
      }
    }
    sizes.push_back(shape[d]);
    for (size_t k = 0; k < K; ++k)
      st[k].push_back((*strides[k])[d]);
  }
  std::array<int64_t, K> offsets{};
  std::array<int64_t, K> inner_strides{};
  if (sizes.empty()) {
    body(offsets, int64_t{1}, inner_strides);
    return;
  }
  for (int64_t s : sizes)
    if (s == 0)
      return;
  size_t nd = sizes.size();
  for (size_t k = 0; k < K; ++k)
    inner_strides[k] = st[k][nd - 1];
  int64_t inner = sizes[nd - 1];
  std::vector<int64_t> counter(nd, 0);
  while (true) {
    body(offsets, inner, inner_strides);
    // Advance the outer counter (dims 0..nd-2).
    size_t d = nd - 1;
    while (d > 0) {
      --d;
      ++counter[d];
      for (size_t k = 0; k < K; ++k)
        offsets[k] += st[k][d];
      if (counter[d] < sizes[d])
        break;
      for (size_t k = 0; k < K; ++k)
        offsets[k] -= st[k][d] * sizes[d];
      counter[d] = 0;
      if (d == 0)
        return;
    }
    if (nd == 1)
      return;
  }
}

template <class T> inline T* typed(const Tensor& t) {
  return reinterpret_cast<T*>(t.unsafe_impl()->data());
}

} // namespace grad::kernels
