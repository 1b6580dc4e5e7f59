// vmath kernels for AVX2 + FMA (compiled with -mavx2 -mfma; called only on a CPU that has them).
#include <immintrin.h>

#include <sleef.h>

#define VF __m256
#define VD __m256d
#define WF 8
#define WD 4
#define SLEEF_F(fn) Sleef_##fn##f8_u10avx2
#define SLEEF_D(fn) Sleef_##fn##d4_u10avx2
#define VMATH_NS avx2
#include "kernels/vmath_body.inc"
