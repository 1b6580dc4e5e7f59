// vmath kernels for AVX-512F (compiled with -mavx512f -mfma; called only on a CPU that has it).
#include <immintrin.h>

#include <sleef.h>

#define VF __m512
#define VD __m512d
#define WF 16
#define WD 8
#define SLEEF_F(fn) Sleef_##fn##f16_u10avx512f
#define SLEEF_D(fn) Sleef_##fn##d8_u10avx512f
#define VMATH_NS avx512f
#include "kernels/vmath_body.inc"
