// Reduction kernels (Sum, Mean, Max over any set of axes) on any layout. A contiguous input reduced
// over one run of adjacent dims (the usual case: last dims, first dims, all dims) is split over
// the pool; see Note [Deterministic parallel kernels] in parallel/parallel.h.
#include <algorithm>
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

/// Elements per block of a long row: the row is reduced block by block and the block results
/// combined in order, so that a full reduction splits over threads without changing its result.
constexpr int64_t kBlock = 16384;

template <class T> T combine(bool is_max, T acc, T v) {
  if (!is_max)
    return T(acc + v);
  return (v > acc || v != v || acc != acc) ? (acc != acc ? acc : v) : acc;
}

/// One block's reduction (sum from 0, max from `init`).
template <class T> T reduce_block(bool is_max, const T* p, int64_t n, int64_t st, T init) {
  return is_max ? max_row(p, n, st, init) : sum_row(p, n, st);
}

/// The reduction of a row of n elements at stride st, combined into `init`, block by block.
template <class T> T reduce_row(bool is_max, const T* p, int64_t n, int64_t st, T init) {
  if (n <= kBlock)
    return combine(is_max, init, reduce_block(is_max, p, n, st, init));
  T acc = reduce_block(is_max, p, kBlock, st, init);
  for (int64_t b = kBlock; b < n; b += kBlock)
    acc = combine(is_max, acc, reduce_block(is_max, p + b * st, std::min(kBlock, n - b), st, init));
  return combine(is_max, init, acc);
}

/// Contiguous x seen as [outer, r, inner], reduced over r into contiguous o[outer, inner].
/// Returns false (nothing done) unless `axes` is one run of adjacent dims of a contiguous x.
template <class T>
bool reduce_run(bool is_max, const Tensor& x, std::vector<int64_t> axes, T init, T* o) {
  if (!x.is_contiguous() || axes.empty() || x.numel() == 0)
    return false;
  std::sort(axes.begin(), axes.end());
  for (size_t i = 1; i < axes.size(); ++i)
    if (axes[i] != axes[i - 1] + 1)
      return false;
  const Shape& shape = x.shape();
  int64_t outer = 1, r = 1, inner = 1;
  for (int64_t d = 0; d < static_cast<int64_t>(shape.size()); ++d)
    (d < axes.front() ? outer : d > axes.back() ? inner : r) *= shape[d];
  const T* in = typed<T>(x);
  if (inner == 1 && outer == 1) {
    // One long row: blocks in parallel, combined in order (the same as reduce_row).
    const int64_t blocks = (r + kBlock - 1) / kBlock;
    std::vector<T> partial(static_cast<size_t>(blocks));
    parallel::parallel_for(blocks, std::max<int64_t>(1, parallel::kGrain / kBlock),
                           [&](int64_t b, int64_t e) {
                             for (int64_t k = b; k < e; ++k)
                               partial[k] = reduce_block(is_max, in + k * kBlock,
                                                         std::min(kBlock, r - k * kBlock), 1, init);
                           });
    T acc = partial[0];
    for (int64_t k = 1; k < blocks; ++k)
      acc = combine(is_max, acc, partial[k]);
    *o = combine(is_max, init, acc);
    return true;
  }
  if (inner == 1) {
    parallel::parallel_for(outer, std::max<int64_t>(1, parallel::kGrain / r),
                           [&](int64_t b, int64_t e) {
                             for (int64_t i = b; i < e; ++i)
                               o[i] = reduce_row(is_max, in + i * r, r, 1, init);
                           });
    return true;
  }
  // Columns: each output sums its column in order of r, whatever range of outputs a thread has.
  parallel::parallel_for(outer * inner, std::max<int64_t>(1, parallel::kGrain / r),
                         [&](int64_t b, int64_t e) {
                           while (b < e) {
                             const int64_t i = b / inner, j0 = b % inner;
                             const int64_t j1 = std::min(inner, j0 + (e - b));
                             T* po = o + i * inner;
                             const T* pi = in + i * r * inner;
                             for (int64_t j = j0; j < j1; ++j)
                               po[j] = init;
                             for (int64_t k = 0; k < r; ++k) {
                               const T* row = pi + k * inner;
                               if (is_max) {
                                 for (int64_t j = j0; j < j1; ++j)
                                   po[j] = combine(true, po[j], row[j]);
                               } else {
                                 for (int64_t j = j0; j < j1; ++j)
                                   po[j] += row[j];
                               }
                             }
                             b += j1 - j0;
                           }
                         });
  return true;
}

template <class T> void scale_mean(OpKind kind, T* o, int64_t n, int64_t count) {
  if constexpr (std::is_floating_point_v<T>) {
    if (kind != OpKind::Mean)
      return;
    const T scale = T(1) / static_cast<T>(count);
    parallel::parallel_for(n, parallel::kGrain, [&](int64_t b, int64_t e) {
      for (int64_t i = b; i < e; ++i)
        o[i] *= scale;
    });
  }
}

} // namespace

Tensor reduce(OpKind kind, const Tensor& x, const std::vector<int64_t>& axes,
              const Shape& out_shape) {
  count_kernel();
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
      if (reduce_run(is_max, x, axes, init, o)) {
        scale_mean(kind, o, out.numel(), count);
        return;
      }
      for (int64_t i = 0, n = out.numel(); i < n; ++i)
        o[i] = init;
      for_each_row<2>(
          shape, {&out_strides, &x.strides()},
          [&](const std::array<int64_t, 2>& off, int64_t n, const std::array<int64_t, 2>& st) {
            T* po = o + off[0];
            const T* pi = in + off[1];
            if (st[0] == 0) {
              *po = reduce_row(is_max, pi, n, st[1], *po);
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
      scale_mean(kind, o, out.numel(), count);
    }
  });
  return out;
}

} // namespace grad::kernels
