// vmath: picks the SLEEF implementation for this CPU once, with a scalar libm fallback.
#include "kernels/vmath.h"

#include <cmath>

#include "grad/scalar_math.h"

namespace grad::kernels::vmath {
namespace avx512f {
void apply(Fn fn, const float* x, float* y, int64_t n);
void apply(Fn fn, const double* x, double* y, int64_t n);
void gelu_backward(const float* x, const float* g, float* dx, int64_t n);
void gelu_backward(const double* x, const double* g, double* dx, int64_t n);
} // namespace avx512f
namespace avx2 {
void apply(Fn fn, const float* x, float* y, int64_t n);
void apply(Fn fn, const double* x, double* y, int64_t n);
void gelu_backward(const float* x, const float* g, float* dx, int64_t n);
void gelu_backward(const double* x, const double* g, double* dx, int64_t n);
} // namespace avx2

namespace {

enum class Isa { Scalar, Avx2, Avx512f };

Isa detect() {
  __builtin_cpu_init();
  if (__builtin_cpu_supports("avx512f"))
    return Isa::Avx512f;
  if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma"))
    return Isa::Avx2;
  return Isa::Scalar;
}

const Isa kIsa = detect();

template <class T> void apply_scalar(Fn fn, const T* x, T* y, int64_t n) {
  auto loop = [&](auto f) {
    for (int64_t i = 0; i < n; ++i)
      y[i] = f(x[i]);
  };
  switch (fn) {
  case Fn::Exp:
    return loop([](T v) { return std::exp(v); });
  case Fn::Log:
    return loop([](T v) { return std::log(v); });
  case Fn::Tanh:
    return loop([](T v) { return std::tanh(v); });
  case Fn::Sin:
    return loop([](T v) { return std::sin(v); });
  case Fn::Cos:
    return loop([](T v) { return std::cos(v); });
  case Fn::Erf:
    return loop([](T v) { return std::erf(v); });
  case Fn::Sigmoid:
    return loop([](T v) { return scalar::sigmoid(v); });
  case Fn::Gelu: // x sigmoid(2u), as the vector kernels compute it
    return loop([](T v) { return scalar::gelu_tanh(v); });
  }
}

template <class T> void gelu_backward_scalar(const T* x, const T* g, T* dx, int64_t n) {
  const T k = T(0.7978845608028654), c = T(0.044715);
  const T cap = sizeof(T) == 4 ? T(80) : T(700); // as in vmath_body.inc
  for (int64_t i = 0; i < n; ++i) {
    const T v = x[i];
    const T a = T(-2) * (k * (v + c * v * v * v));
    const T e = std::exp(a > cap ? cap : a);
    const T s = T(1) / (T(1) + e);
    dx[i] = g[i] * (s + T(2) * k * v * (e * s) * s * (T(1) + T(3) * c * v * v));
  }
}

template <class T> void dispatch_gelu_backward(const T* x, const T* g, T* dx, int64_t n) {
  switch (kIsa) {
  case Isa::Avx512f:
    return avx512f::gelu_backward(x, g, dx, n);
  case Isa::Avx2:
    return avx2::gelu_backward(x, g, dx, n);
  case Isa::Scalar:
    break;
  }
  gelu_backward_scalar(x, g, dx, n);
}

template <class T> void dispatch(Fn fn, const T* x, T* y, int64_t n) {
  switch (kIsa) {
  case Isa::Avx512f:
    return avx512f::apply(fn, x, y, n);
  case Isa::Avx2:
    return avx2::apply(fn, x, y, n);
  case Isa::Scalar:
    break;
  }
  apply_scalar(fn, x, y, n);
}

} // namespace

void apply(Fn fn, const float* x, float* y, int64_t n) { dispatch(fn, x, y, n); }
void apply(Fn fn, const double* x, double* y, int64_t n) { dispatch(fn, x, y, n); }
void gelu_backward(const float* x, const float* g, float* dx, int64_t n) {
  dispatch_gelu_backward(x, g, dx, n);
}
void gelu_backward(const double* x, const double* g, double* dx, int64_t n) {
  dispatch_gelu_backward(x, g, dx, n);
}

const char* isa_name() {
  switch (kIsa) {
  case Isa::Avx512f:
    return "avx512f";
  case Isa::Avx2:
    return "avx2";
  case Isa::Scalar:
    break;
  }
  return "scalar";
}

} // namespace grad::kernels::vmath
