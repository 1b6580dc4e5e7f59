// Reduction kernels (Sum, Mean, Max over any set of axes) on any layout.
#include <cmath>
#include <limits>

#include <fmt/format.h>

#include "core/tensor_impl.h"
#include "kernels/kernels.h"
#include "kernels/loops.h"

namespace grad::kernels {
namespace {

/// Sum of n elements at stride st, with four partial sums (better accuracy and speed than one).
template <class T> T sum_row(const T* p, int64_t n, int64_t st) {
  T s0 = 0, s1 = 0, s2 = 0, s3 = 0;
  int64_t i = 0;
  if (st == 1) {
    for (; i + 4 <= n; i += 4) {
      s0 += p[i];
      s1 += p[i + 1];
      s2 += p[i + 2];
      s3 += p[i + 3];
    }
  }
  for (; i < n; ++i)
    s0 += p[i * st];
  return (s0 + s1) + (s2 + s3);
}

template <class T> T max_row(const T* p, int64_t n, int64_t st, T acc) {
  for (int64_t i = 0; i < n; ++i) {
    T v = p[i * st];
    if (v > acc || v != v)
      acc = v; // NaN propagates
    if (acc != acc)
      break;
  }
  return acc;
}

} // namespace

Tensor reduce(OpKind kind, const Tensor& x, const std::vector<int64_t>& axes,
              const Shape& out_shape) {
  const Shape& shape = x.shape();
  Shape kept = shape;
  for (int64_t a : axes)
    kept[a] = 1;
  std::vector<int64_t> out_strides = contiguous_strides(kept);
  for (int64_t a : axes)
    out_strides[a] = 0;
  Tensor out = new_tensor(out_shape, x.dtype());
  int64_t count = 1;
  for (int64_t a : axes)
    count *= shape[a];

  dispatch(x.dtype(), [&](auto tag) {
    using T = typename decltype(tag)::type;
    if constexpr (std::is_same_v<T, bool>) {
      throw Error(fmt::format("{}: no kernel for dtype b8", op_info(kind).name));
    } else {
      T* o = typed<T>(out);
      const T* in = typed<T>(x);
      const bool is_max = kind == OpKind::Max;
      const T init =
          is_max ? (std::numeric_limits<T>::has_infinity ? -std::numeric_limits<T>::infinity()
                                                         : std::numeric_limits<T>::lowest())
                 : T(0);
      for (int64_t i = 0, n = out.numel(); i < n; ++i)
        o[i] = init;
      for_each_row<2>(
          shape, {&out_strides, &x.strides()},
          [&](const std::array<int64_t, 2>& off, int64_t n, const std::array<int64_t, 2>& st) {
            T* po = o + off[0];
            const T* pi = in + off[1];
            if (st[0] == 0) {
              *po = is_max ? max_row(pi, n, st[1], *po) : T(*po + sum_row(pi, n, st[1]));
            } else if (is_max) {
              for (int64_t i = 0; i < n; ++i) {
                T v = pi[i * st[1]];
                T& acc = po[i * st[0]];
                if (v > acc || v != v)
                  acc = v;
              }
            } else {
              for (int64_t i = 0; i < n; ++i)
                po[i * st[0]] += pi[i * st[1]];
            }
          });
      if (kind == OpKind::Mean) {
        if constexpr (std::is_floating_point_v<T>) {
          T scale = T(1) / static_cast<T>(count);
          for (int64_t i = 0, n = out.numel(); i < n; ++i)
            o[i] *= scale;
        }
      }
    }
  });
  return out;
}

} // namespace grad::kernels
