// Internal: vectorized transcendental math over contiguous arrays, from SLEEF (the library
// PyTorch's CPU kernels use). One implementation per instruction set (vmath_avx512.cpp,
// vmath_avx2.cpp, each compiled for its ISA) chosen once at run time from the CPU's features;
// a CPU with neither gets the scalar libm loop.
#pragma once

#include <cstdint>

namespace grad::kernels::vmath {

enum class Fn { Exp, Log, Tanh, Sigmoid, Gelu, Sin, Cos, Erf };

/// y[i] = fn(x[i]) for 0 <= i < n. Every element goes through the same vector code (a tail
/// shorter than one vector is padded), so a value's result does not depend on where in the
/// array it sits: a parallel split of the array never changes the result.
void apply(Fn fn, const float* x, float* y, int64_t n);
void apply(Fn fn, const double* x, double* y, int64_t n);

/// dx[i] = g[i] * gelu'(x[i]) (the tanh form's derivative, as vmath's gelu computes it), with
/// the same position independence as apply().
void gelu_backward(const float* x, const float* g, float* dx, int64_t n);
void gelu_backward(const double* x, const double* g, double* dx, int64_t n);

/// "avx512f", "avx2" or "scalar": the implementation apply() uses on this CPU.
const char* isa_name();

} // namespace grad::kernels::vmath
