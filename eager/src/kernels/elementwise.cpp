// Elementwise kernels: unary math, binary arithmetic, comparisons, select, copy/convert, fill.
#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <type_traits>

#include <fmt/format.h>

#include "core/tensor_impl.h"
#include "kernels/kernels.h"
#include "kernels/loops.h"
#include "kernels/vmath.h"

namespace grad::kernels {
namespace {

/// Applies `f` elementwise from `x` into a new contiguous tensor of dtype Out.
template <class In, class Out, class F> Tensor map1(const Tensor& x, DType out_dtype, F f) {
  Tensor out = new_tensor(x.shape(), out_dtype);
  Out* o = typed<Out>(out);
  const In* a = typed<In>(x);
  if (x.is_contiguous()) {
    parallel::parallel_for(x.numel(), parallel::kGrain, [&](int64_t b, int64_t e) {
      for (int64_t i = b; i < e; ++i)
        o[i] = f(a[i]);
    });
    return out;
  }
  parallel_for_each_row<2>(
      x.shape(), {&out.strides(), &x.strides()}, parallel::kGrain,
      [&](const std::array<int64_t, 2>& off, int64_t n, const std::array<int64_t, 2>& st) {
        Out* po = o + off[0];
        const In* pa = a + off[1];
        for (int64_t i = 0; i < n; ++i)
          po[i * st[0]] = f(pa[i * st[1]]);
      });
  return out;
}

/// Transcendental math through vmath (SLEEF), split over the pool. A strided input is made
/// contiguous first, so that a value's result never depends on the layout it came in.
template <class T> Tensor map_math(const Tensor& x, vmath::Fn fn) {
  Tensor in = x;
  if (!x.is_contiguous()) {
    in = new_tensor(x.shape(), x.dtype());
    copy_into(in, x);
  }
  Tensor out = new_tensor(x.shape(), x.dtype());
  T* o = typed<T>(out);
  const T* a = typed<T>(in);
  parallel::parallel_for(x.numel(), parallel::kGrainMath,
                         [&](int64_t b, int64_t e) { vmath::apply(fn, a + b, o + b, e - b); });
  return out;
}

template <class In, class Out, class F>
Tensor map2(const Tensor& x, const Tensor& y, DType out_dtype, F f) {
  Tensor out = new_tensor(x.shape(), out_dtype);
  Out* o = typed<Out>(out);
  const In* a = typed<In>(x);
  const In* b = typed<In>(y);
  if (x.is_contiguous() && y.is_contiguous()) {
    parallel::parallel_for(x.numel(), parallel::kGrain, [&](int64_t lo, int64_t hi) {
      for (int64_t i = lo; i < hi; ++i)
        o[i] = f(a[i], b[i]);
    });
    return out;
  }
  parallel_for_each_row<3>(
      x.shape(), {&out.strides(), &x.strides(), &y.strides()}, parallel::kGrain,
      [&](const std::array<int64_t, 3>& off, int64_t n, const std::array<int64_t, 3>& st) {
        Out* po = o + off[0];
        const In* pa = a + off[1];
        const In* pb = b + off[2];
        if (st[1] == 1 && st[2] == 1) {
          for (int64_t i = 0; i < n; ++i)
            po[i] = f(pa[i], pb[i]);
        } else if (st[1] == 1 && st[2] == 0) {
          const In bv = *pb;
          for (int64_t i = 0; i < n; ++i)
            po[i] = f(pa[i], bv);
        } else if (st[1] == 0 && st[2] == 1) {
          const In av = *pa;
          for (int64_t i = 0; i < n; ++i)
            po[i] = f(av, pb[i]);
        } else {
          for (int64_t i = 0; i < n; ++i)
            po[i * st[0]] = f(pa[i * st[1]], pb[i * st[2]]);
        }
      });
  return out;
}

template <class T> Tensor unary_float(OpKind kind, const Tensor& x) {
  DType dt = x.dtype();
  switch (kind) {
  case OpKind::Neg:
    return map1<T, T>(x, dt, [](T v) { return -v; });
  case OpKind::Exp:
    return map_math<T>(x, vmath::Fn::Exp);
  case OpKind::Log:
    return map_math<T>(x, vmath::Fn::Log);
  case OpKind::Sqrt:
    return map1<T, T>(x, dt, [](T v) { return std::sqrt(v); });
  case OpKind::Rsqrt:
    return map1<T, T>(x, dt, [](T v) { return T(1) / std::sqrt(v); });
  case OpKind::Abs:
    return map1<T, T>(x, dt, [](T v) { return std::abs(v); });
  case OpKind::Tanh:
    return map_math<T>(x, vmath::Fn::Tanh);
  case OpKind::Sigmoid:
    return map_math<T>(x, vmath::Fn::Sigmoid);
  case OpKind::Relu:
    // NaN propagates (as torch.relu and numpy.maximum(x, 0)); !(v <= 0) is true for NaN.
    return map1<T, T>(x, dt, [](T v) { return !(v <= T(0)) ? v : T(0); });
  case OpKind::Gelu:
    return map_math<T>(x, vmath::Fn::Gelu);
  case OpKind::Sin:
    return map_math<T>(x, vmath::Fn::Sin);
  case OpKind::Cos:
    return map_math<T>(x, vmath::Fn::Cos);
  case OpKind::Erf:
    return map_math<T>(x, vmath::Fn::Erf);
  default:
    break;
  }
  throw Error(fmt::format("unary kernel: {} is not a unary op", op_info(kind).name));
}

template <class T> Tensor binary_typed(OpKind kind, const Tensor& a, const Tensor& b) {
  DType dt = a.dtype();
  switch (kind) {
  case OpKind::Add:
    return map2<T, T>(a, b, dt, [](T x, T y) { return T(x + y); });
  case OpKind::Sub:
    return map2<T, T>(a, b, dt, [](T x, T y) { return T(x - y); });
  case OpKind::Mul:
    return map2<T, T>(a, b, dt, [](T x, T y) { return T(x * y); });
  case OpKind::Maximum:
    return map2<T, T>(a, b, dt, [](T x, T y) { return (x != x || x > y) ? x : y; });
  case OpKind::Minimum:
    return map2<T, T>(a, b, dt, [](T x, T y) { return (x != x || x < y) ? x : y; });
  case OpKind::Div:
    if constexpr (std::is_floating_point_v<T>)
      return map2<T, T>(a, b, dt, [](T x, T y) { return x / y; });
    break;
  case OpKind::Pow:
    if constexpr (std::is_floating_point_v<T>)
      return map2<T, T>(a, b, dt, [](T x, T y) { return std::pow(x, y); });
    break;
  default:
    break;
  }
  throw Error(fmt::format("{}: no kernel for dtype {}", op_info(kind).name, dtype_name(dt)));
}

/// dst (contiguous) = src whose last two dims are transposed in memory: copied in square tiles
/// so that both the reads and the writes stay within a few cache lines.
void copy_transposed(const Tensor& dst, const Tensor& src) {
  constexpr int64_t kTile = 32;
  const size_t r = dst.shape().size();
  const int64_t rows = dst.shape()[r - 2], cols = dst.shape()[r - 1];
  const int64_t src_col_stride = src.strides()[r - 1]; // rows are contiguous in src
  Shape batch(dst.shape().begin(), dst.shape().end() - 2);
  std::vector<int64_t> dst_bs(dst.strides().begin(), dst.strides().end() - 2);
  std::vector<int64_t> src_bs(src.strides().begin(), src.strides().end() - 2);
  dispatch(dst.dtype(), [&](auto tag) {
    using T = typename decltype(tag)::type;
    T* o = typed<T>(dst);
    const T* in = typed<T>(src);
    auto matrix = [&](T* po, const T* pi) {
      for (int64_t i0 = 0; i0 < rows; i0 += kTile)
        for (int64_t j0 = 0; j0 < cols; j0 += kTile) {
          const int64_t i1 = std::min(rows, i0 + kTile), j1 = std::min(cols, j0 + kTile);
          for (int64_t i = i0; i < i1; ++i)
            for (int64_t j = j0; j < j1; ++j)
              po[i * cols + j] = pi[i + j * src_col_stride];
        }
    };
    for_each_row<2>(
        batch, {&dst_bs, &src_bs},
        [&](const std::array<int64_t, 2>& off, int64_t n, const std::array<int64_t, 2>& st) {
          for (int64_t b = 0; b < n; ++b)
            matrix(o + off[0] + b * st[0], in + off[1] + b * st[1]);
        });
  });
}

} // namespace

Tensor unary(OpKind kind, const Tensor& x) {
  count_kernel();
  if (x.dtype() == DType::i64) {
    switch (kind) {
    case OpKind::Neg:
      return map1<int64_t, int64_t>(x, DType::i64, [](int64_t v) { return -v; });
    case OpKind::Abs:
      return map1<int64_t, int64_t>(x, DType::i64, [](int64_t v) { return v < 0 ? -v : v; });
    case OpKind::Relu:
      return map1<int64_t, int64_t>(x, DType::i64, [](int64_t v) { return v > 0 ? v : 0; });
    default:
      throw Error(fmt::format("{}: no kernel for dtype i64", op_info(kind).name));
    }
  }
  if (x.dtype() == DType::f64)
    return unary_float<double>(kind, x);
  return unary_float<float>(kind, x);
}

Tensor binary(OpKind kind, const Tensor& a, const Tensor& b) {
  count_kernel();
  switch (a.dtype()) {
  case DType::f32:
    return binary_typed<float>(kind, a, b);
  case DType::f64:
    return binary_typed<double>(kind, a, b);
  case DType::i64:
    return binary_typed<int64_t>(kind, a, b);
  case DType::b8:
    break;
  }
  throw Error(fmt::format("{}: no kernel for dtype b8", op_info(kind).name));
}

Tensor compare(CmpPredicate p, const Tensor& a, const Tensor& b) {
  count_kernel();
  return dispatch(a.dtype(), [&](auto tag) {
    using T = typename decltype(tag)::type;
    switch (p) {
    case CmpPredicate::lt:
      return map2<T, bool>(a, b, DType::b8, [](T x, T y) { return x < y; });
    case CmpPredicate::le:
      return map2<T, bool>(a, b, DType::b8, [](T x, T y) { return x <= y; });
    case CmpPredicate::gt:
      return map2<T, bool>(a, b, DType::b8, [](T x, T y) { return x > y; });
    case CmpPredicate::ge:
      return map2<T, bool>(a, b, DType::b8, [](T x, T y) { return x >= y; });
    case CmpPredicate::eq:
      break;
    }
    return map2<T, bool>(a, b, DType::b8, [](T x, T y) { return x == y; });
  });
}

Tensor select(const Tensor& cond, const Tensor& a, const Tensor& b) {
  count_kernel();
  return dispatch(a.dtype(), [&](auto tag) {
    using T = typename decltype(tag)::type;
    Tensor out = new_tensor(a.shape(), a.dtype());
    T* o = typed<T>(out);
    const bool* c = typed<bool>(cond);
    const T* pa = typed<T>(a);
    const T* pb = typed<T>(b);
    // Branch-free selects (the condition is data: a branch would mispredict half the time).
    if (cond.is_contiguous() && a.is_contiguous() && b.is_contiguous()) {
      parallel::parallel_for(a.numel(), parallel::kGrain, [&](int64_t lo, int64_t hi) {
        for (int64_t i = lo; i < hi; ++i) {
          const T x = pa[i], y = pb[i]; // both loaded: lets the compiler emit a blend
          o[i] = c[i] ? x : y;
        }
      });
      return out;
    }
    parallel_for_each_row<4>(
        a.shape(), {&out.strides(), &cond.strides(), &a.strides(), &b.strides()}, parallel::kGrain,
        [&](const std::array<int64_t, 4>& off, int64_t n, const std::array<int64_t, 4>& st) {
          T* po = o + off[0];
          const bool* pc = c + off[1];
          const T* x = pa + off[2];
          const T* y = pb + off[3];
          const int64_t so = st[0], sc = st[1], sx = st[2], sy = st[3];
          if (so == 1 && sc == 1 && sx == 1 && sy == 0) {
            const T yv = *y;
            for (int64_t i = 0; i < n; ++i) {
              const T xv = x[i];
              po[i] = pc[i] ? xv : yv;
            }
          } else if (so == 1 && sc == 1 && sx == 0 && sy == 1) {
            const T xv = *x;
            for (int64_t i = 0; i < n; ++i) {
              const T yv = y[i];
              po[i] = pc[i] ? xv : yv;
            }
          } else {
            for (int64_t i = 0; i < n; ++i) {
              const T xv = x[i * sx], yv = y[i * sy];
              po[i * so] = pc[i * sc] ? xv : yv;
            }
          }
        });
    return out;
  });
}

/// One element converted to D. A float that has no value of the integer type (NaN, +-inf, out of
/// range) becomes the type's minimum, the x86 "integer indefinite" that cvttsd2si returns: what
/// PyTorch, numpy and the compiled code (arith.fptosi) give on x86, and never C++'s undefined
/// behaviour.
template <typename D, typename S>
inline D convert_element(S x) {
  if constexpr (std::is_floating_point_v<S> && std::is_integral_v<D> && !std::is_same_v<D, bool>) {
    constexpr S lo = static_cast<S>(std::numeric_limits<D>::min()); // -2^63: exact
    if (!(x >= lo && x < -lo))
      return std::numeric_limits<D>::min();
  }
  return static_cast<D>(x);
}

void copy_into(const Tensor& dst, const Tensor& src) {
  count_kernel();
  if (dst.dtype() == src.dtype() && dst.is_contiguous() && src.is_contiguous()) {
    std::memcpy(dst.unsafe_impl()->data(), src.unsafe_impl()->data(),
                static_cast<size_t>(src.numel()) * dtype_size(src.dtype()));
    return;
  }
  const size_t r = dst.shape().size();
  if (r >= 2 && dst.dtype() == src.dtype() && dst.is_contiguous() && src.strides()[r - 1] != 1 &&
      src.strides()[r - 2] == 1) {
    copy_transposed(dst, src);
    return;
  }
  dispatch(dst.dtype(), [&](auto dtag) {
    using D = typename decltype(dtag)::type;
    dispatch(src.dtype(), [&](auto stag) {
      using S = typename decltype(stag)::type;
      D* o = typed<D>(dst);
      const S* s = typed<S>(src);
      for_each_row<2>(
          dst.shape(), {&dst.strides(), &src.strides()},
          [&](const std::array<int64_t, 2>& off, int64_t n, const std::array<int64_t, 2>& st) {
            for (int64_t i = 0; i < n; ++i)
              o[off[0] + i * st[0]] = convert_element<D>(s[off[1] + i * st[1]]);
          });
    });
  });
}

void fill(const Tensor& dst, double value) {
  count_kernel();
  dispatch(dst.dtype(), [&](auto tag) {
    using T = typename decltype(tag)::type;
    T v = static_cast<T>(value);
    T* o = typed<T>(dst);
    if (dst.is_contiguous()) {
      for (int64_t i = 0, n = dst.numel(); i < n; ++i)
        o[i] = v;
      return;
    }
    for_each_row<1>(
        dst.shape(), {&dst.strides()},
        [&](const std::array<int64_t, 1>& off, int64_t n, const std::array<int64_t, 1>& st) {
          for (int64_t i = 0; i < n; ++i)
            o[off[0] + i * st[0]] = v;
        });
  });
}

} // namespace grad::kernels
