// Internal: dtype dispatch and the strided N-d loop shared by the kernels.
#pragma once

#include <algorithm>
#include <array>
#include <cstdint>
#include <vector>

#include "core/tensor_impl.h"
#include "grad/dtype.h"
#include "parallel/parallel.h"

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

/// The rows of an N-d loop over K operands: dims that are contiguous for every operand merged,
/// size-1 dims dropped; the last dim is the row.
template <size_t K> struct RowPlan {
  std::vector<int64_t> sizes;                 // merged dims; empty: one element
  std::array<std::vector<int64_t>, K> st;     // per operand, the stride of each merged dim
  int64_t rows = 1;                           // product of all sizes but the last (0: empty)
  int64_t inner = 1;                          // the last size
};

template <size_t K>
RowPlan<K> plan_rows(const Shape& shape,
                     const std::array<const std::vector<int64_t>*, K>& strides) {
  // Collapse: drop size-1 dims, merge dim i into i+1 when every operand has
  // stride[i] == stride[i+1] * size[i+1].
  RowPlan<K> p;
  p.sizes.reserve(shape.size());
  for (size_t d = 0; d < shape.size(); ++d) {
    if (shape[d] == 1)
      continue;
    if (!p.sizes.empty()) {
      bool mergeable = true;
      for (size_t k = 0; k < K; ++k)
        if (p.st[k].back() != (*strides[k])[d] * shape[d])
          mergeable = false;
      if (mergeable) {
        p.sizes.back() *= shape[d];
        for (size_t k = 0; k < K; ++k)
          p.st[k].back() = (*strides[k])[d];
        continue;
      }
    }
    p.sizes.push_back(shape[d]);
    for (size_t k = 0; k < K; ++k)
      p.st[k].push_back((*strides[k])[d]);
  }
  if (!p.sizes.empty()) {
    p.inner = p.sizes.back();
    for (size_t d = 0; d + 1 < p.sizes.size(); ++d)
      p.rows *= p.sizes[d];
    if (p.inner == 0)
      p.rows = 0;
  }
  return p;
}

/// Calls body(offsets, inner_size, inner_strides) for rows [row_begin, row_end) of `p`, where
/// offsets[k] is operand k's element offset at the row start.
template <size_t K, class Body>
void for_rows(const RowPlan<K>& p, int64_t row_begin, int64_t row_end, Body&& body) {
  std::array<int64_t, K> offsets{};
  std::array<int64_t, K> inner_strides{};
  if (p.sizes.empty()) {
    if (row_begin < row_end)
      body(offsets, int64_t{1}, inner_strides);
    return;
  }
  const size_t nd = p.sizes.size();
  for (size_t k = 0; k < K; ++k)
    inner_strides[k] = p.st[k][nd - 1];
  // Unravel row_begin into the counter of the outer dims (0..nd-2).
  std::vector<int64_t> counter(nd, 0);
  for (int64_t r = row_begin, d = static_cast<int64_t>(nd) - 2; d >= 0; --d) {
    counter[d] = r % p.sizes[d];
    r /= p.sizes[d];
    for (size_t k = 0; k < K; ++k)
      offsets[k] += counter[d] * p.st[k][d];
  }
  for (int64_t row = row_begin; row < row_end; ++row) {
    body(offsets, p.inner, inner_strides);
    // Advance the outer counter.
    for (size_t d = nd - 1; d-- > 0;) {
      ++counter[d];
      for (size_t k = 0; k < K; ++k)
        offsets[k] += p.st[k][d];
      if (counter[d] < p.sizes[d])
        break;
      for (size_t k = 0; k < K; ++k)
        offsets[k] -= p.st[k][d] * p.sizes[d];
      counter[d] = 0;
    }
  }
}

/// Walks `shape` row by row (all dims but the last) for K operands with the given element
/// strides; calls body(offsets, inner_size, inner_strides) once per row, where offsets[k] is
/// operand k's element offset at the row start. Dims that are contiguous for every operand are
/// merged first so that a dense tensor is one long row.
template <size_t K, class Body>
void for_each_row(const Shape& shape, const std::array<const std::vector<int64_t>*, K>& strides,
                  Body&& body) {
  RowPlan<K> p = plan_rows<K>(shape, strides);
  for_rows(p, 0, p.rows, body);
}

/// for_each_row split over the pool by rows (see parallel/parallel.h). Only for bodies whose
/// rows write disjoint outputs.
template <size_t K, class Body>
void parallel_for_each_row(const Shape& shape,
                           const std::array<const std::vector<int64_t>*, K>& strides,
                           int64_t grain, Body&& body) {
  RowPlan<K> p = plan_rows<K>(shape, strides);
  parallel::parallel_for(p.rows, std::max<int64_t>(1, grain / std::max<int64_t>(p.inner, 1)),
                         [&](int64_t b, int64_t e) { for_rows(p, b, e, body); });
}

template <class T> inline T* typed(const Tensor& t) {
  return reinterpret_cast<T*>(t.unsafe_impl()->data());
}

} // namespace grad::kernels
