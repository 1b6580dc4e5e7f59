// Fused eager kernels for layer_norm (forward and backward) and gelu's backward: one pass over
// each row (or element) instead of one pass per primitive op of the composite forms.
//
// Row sums use kLanes independent partial sums combined in a fixed tree, so the compiler
// vectorizes them without reassociating anything: the result of a row depends only on the row,
// never on how rows are split over threads. The weight and bias gradients (column sums over the
// rows) are summed per fixed block of rows (the blocks depend on the row count only) and the
// block partials added in block order: bitwise the same at any thread count (Note [Deterministic
// parallel kernels] in parallel/parallel.h).
#include <algorithm>
#include <cmath>
#include <vector>

#include <fmt/format.h>

#include "core/tensor_impl.h"
#include "kernels/kernels.h"
#include "kernels/loops.h"
#include "kernels/vmath.h"
#include "parallel/parallel.h"

namespace grad::kernels {
namespace {

constexpr int kLanes = 16;

/// sum of f(i) for 0 <= i < n: kLanes partial sums, the tail into lane 0, a fixed tree at the end.
template <class T, class F> T lane_sum(int64_t n, F f) {
  T acc[kLanes] = {};
  int64_t i = 0;
  for (; i + kLanes <= n; i += kLanes)
    for (int j = 0; j < kLanes; ++j)
      acc[j] += f(i + j);
  for (; i < n; ++i)
    acc[0] += f(i);
  for (int w = kLanes / 2; w > 0; w /= 2)
    for (int j = 0; j < w; ++j)
      acc[j] += acc[j + w];
  return acc[0];
}

/// The two sums (f(i), h(i)) in one pass.
template <class T, class F, class H> void lane_sum2(int64_t n, F f, H h, T& sf, T& sh) {
  T a[kLanes] = {}, b[kLanes] = {};
  int64_t i = 0;
  for (; i + kLanes <= n; i += kLanes)
    for (int j = 0; j < kLanes; ++j) {
      a[j] += f(i + j);
      b[j] += h(i + j);
    }
  for (; i < n; ++i) {
    a[0] += f(i);
    b[0] += h(i);
  }
  for (int w = kLanes / 2; w > 0; w /= 2)
    for (int j = 0; j < w; ++j) {
      a[j] += a[j + w];
      b[j] += b[j + w];
    }
  sf = a[0];
  sh = b[0];
}

/// A contiguous tensor with x's values: x itself when it already is one.
Tensor dense(const Tensor& x) {
  if (x.is_contiguous())
    return x;
  Tensor out = new_tensor(x.shape(), x.dtype());
  copy_into(out, x);
  return out;
}

/// Rows per parallel chunk so that a chunk holds at least `grain` elements.
int64_t row_grain(int64_t cols, int64_t grain) { return std::max<int64_t>(1, grain / cols); }

template <class T>
void layer_norm_rows(const T* x, const T* w, const T* b, T* y, T* mean, T* rstd, int64_t r0,
                     int64_t r1, int64_t d, T eps) {
  const T inv_d = T(1) / T(d);
  for (int64_t r = r0; r < r1; ++r) {
    const T* p = x + r * d;
    T* q = y + r * d;
    const T m = lane_sum<T>(d, [&](int64_t i) { return p[i]; }) * inv_d;
    const T var = lane_sum<T>(d, [&](int64_t i) {
                    const T c = p[i] - m;
                    return c * c;
                  }) *
                  inv_d;
    const T rs = T(1) / std::sqrt(var + eps);
    if (w && b)
      for (int64_t i = 0; i < d; ++i)
        q[i] = (p[i] - m) * rs * w[i] + b[i];
    else if (w)
      for (int64_t i = 0; i < d; ++i)
        q[i] = (p[i] - m) * rs * w[i];
    else if (b)
      for (int64_t i = 0; i < d; ++i)
        q[i] = (p[i] - m) * rs + b[i];
    else
      for (int64_t i = 0; i < d; ++i)
        q[i] = (p[i] - m) * rs;
    if (mean) {
      mean[r] = m;
      rstd[r] = rs;
    }
  }
}

template <class T>
LayerNormForward layer_norm_typed(const Tensor& xin, int64_t cols, const Tensor& weight,
                                  const Tensor& bias, double eps, bool save_stats) {
  Tensor x = dense(xin);
  const int64_t rows = cols ? x.numel() / cols : 0;
  LayerNormForward out;
  out.y = new_tensor(x.shape(), x.dtype());
  Tensor w = weight.defined() ? dense(weight) : Tensor();
  Tensor b = bias.defined() ? dense(bias) : Tensor();
  T *mean = nullptr, *rstd = nullptr;
  if (save_stats) {
    out.mean = new_tensor({rows}, x.dtype());
    out.rstd = new_tensor({rows}, x.dtype());
    mean = typed<T>(out.mean);
    rstd = typed<T>(out.rstd);
  }
  const T* px = typed<T>(x);
  const T* pw = w.defined() ? typed<T>(w) : nullptr;
  const T* pb = b.defined() ? typed<T>(b) : nullptr;
  T* py = typed<T>(out.y);
  parallel::parallel_for(rows, row_grain(cols, parallel::kGrain), [&](int64_t r0, int64_t r1) {
    layer_norm_rows<T>(px, pw, pb, py, mean, rstd, r0, r1, cols, static_cast<T>(eps));
  });
  return out;
}

/// Row blocks of the weight/bias gradient: a function of the row count only.
constexpr int64_t kMaxRowBlocks = 64;

template <class T>
LayerNormGrads layer_norm_backward_typed(const Tensor& gin, const Tensor& xin, const Tensor& mean_t,
                                         const Tensor& rstd_t, const Tensor& weight, bool need_dx,
                                         bool need_dw, bool need_db) {
  Tensor g = dense(gin), x = dense(xin);
  const int64_t rows = mean_t.numel();
  const int64_t d = rows ? x.numel() / rows : 0;
  Tensor w = weight.defined() ? dense(weight) : Tensor();
  LayerNormGrads out;
  const T* px = typed<T>(x);
  const T* pg = typed<T>(g);
  const T* pw = w.defined() ? typed<T>(w) : nullptr;
  const T* mean = typed<T>(mean_t);
  const T* rstd = typed<T>(rstd_t);
  T* pdx = nullptr;
  if (need_dx) {
    out.dx = new_tensor(x.shape(), x.dtype());
    pdx = typed<T>(out.dx);
  }
  const bool cols = need_dw || need_db;
  const int64_t blocks = std::min(rows, kMaxRowBlocks);
  // Per block: d weight partials, then d bias partials.
  std::vector<T> partial(cols ? static_cast<size_t>(blocks * 2 * d) : 0, T(0));
  const T inv_d = T(1) / T(d);
  auto run_block = [&](int64_t blk) {
    const int64_t r0 = rows * blk / blocks, r1 = rows * (blk + 1) / blocks;
    T* pdw = cols ? partial.data() + blk * 2 * d : nullptr;
    T* pdb = cols ? pdw + d : nullptr;
    for (int64_t r = r0; r < r1; ++r) {
      const T* p = px + r * d;
      const T* gr = pg + r * d;
      const T m = mean[r], rs = rstd[r];
      if (need_dx) {
        T sum_gw, sum_gwx;
        if (pw)
          lane_sum2<T>(
              d, [&](int64_t i) { return gr[i] * pw[i]; },
              [&](int64_t i) { return gr[i] * pw[i] * ((p[i] - m) * rs); }, sum_gw, sum_gwx);
        else
          lane_sum2<T>(
              d, [&](int64_t i) { return gr[i]; },
              [&](int64_t i) { return gr[i] * ((p[i] - m) * rs); }, sum_gw, sum_gwx);
        const T a = sum_gw * inv_d, c = sum_gwx * inv_d;
        T* q = pdx + r * d;
        if (pw)
          for (int64_t i = 0; i < d; ++i)
            q[i] = rs * (gr[i] * pw[i] - a - (p[i] - m) * rs * c);
        else
          for (int64_t i = 0; i < d; ++i)
            q[i] = rs * (gr[i] - a - (p[i] - m) * rs * c);
      }
      if (need_dw)
        for (int64_t i = 0; i < d; ++i)
          pdw[i] += gr[i] * ((p[i] - m) * rs);
      if (need_db)
        for (int64_t i = 0; i < d; ++i)
          pdb[i] += gr[i];
    }
  };
  if (blocks > 0) {
    const int64_t rows_per_block = (rows + blocks - 1) / blocks;
    parallel::parallel_for(blocks, row_grain(rows_per_block * d, parallel::kGrain),
                           [&](int64_t b0, int64_t b1) {
                             for (int64_t blk = b0; blk < b1; ++blk)
                               run_block(blk);
                           });
  }
  auto combine = [&](int64_t offset, Shape shape) {
    Tensor t = new_tensor(std::move(shape), x.dtype());
    T* o = typed<T>(t);
    for (int64_t i = 0; i < d; ++i)
      o[i] = T(0);
    for (int64_t blk = 0; blk < blocks; ++blk) {
      const T* src = partial.data() + blk * 2 * d + offset;
      for (int64_t i = 0; i < d; ++i)
        o[i] += src[i];
    }
    return t;
  };
  if (need_dw)
    out.dw = combine(0, {d});
  if (need_db)
    out.db = combine(d, {d});
  return out;
}

template <class T> Tensor gelu_backward_typed(const Tensor& xin, const Tensor& gin) {
  Tensor x = dense(xin), g = dense(gin);
  Tensor out = new_tensor(x.shape(), x.dtype());
  const T* px = typed<T>(x);
  const T* pg = typed<T>(g);
  T* po = typed<T>(out);
  parallel::parallel_for(x.numel(), parallel::kGrainMath, [&](int64_t b, int64_t e) {
    vmath::gelu_backward(px + b, pg + b, po + b, e - b);
  });
  return out;
}

void check_float(const char* op, const Tensor& t) {
  if (t.dtype() != DType::f32 && t.dtype() != DType::f64)
    throw Error(fmt::format("{}: expected an f32 or f64 tensor, got {}{}", op,
                            dtype_name(t.dtype()), shape_str(t.shape())));
}

} // namespace

LayerNormForward layer_norm(const Tensor& x, int64_t cols, const Tensor& weight,
                            const Tensor& bias, double eps, bool save_stats) {
  count_kernel();
  check_float("layer_norm", x);
  if (x.dtype() == DType::f64)
    return layer_norm_typed<double>(x, cols, weight, bias, eps, save_stats);
  return layer_norm_typed<float>(x, cols, weight, bias, eps, save_stats);
}

LayerNormGrads layer_norm_backward(const Tensor& g, const Tensor& x, const Tensor& mean,
                                   const Tensor& rstd, const Tensor& weight, bool need_dx,
                                   bool need_dw, bool need_db) {
  count_kernel();
  check_float("layer_norm backward", x);
  if (x.dtype() == DType::f64)
    return layer_norm_backward_typed<double>(g, x, mean, rstd, weight, need_dx, need_dw, need_db);
  return layer_norm_backward_typed<float>(g, x, mean, rstd, weight, need_dx, need_dw, need_db);
}

Tensor gelu_backward(const Tensor& x, const Tensor& g) {
  count_kernel();
  check_float("gelu backward", x);
  if (x.dtype() == DType::f64)
    return gelu_backward_typed<double>(x, g);
  return gelu_backward_typed<float>(x, g);
}

} // namespace grad::kernels
