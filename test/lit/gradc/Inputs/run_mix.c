/* Driver for run-c.mlir: calls the gradc-compiled @mix through its generated wrapper with
 * f64, i64 and boolean tensors and prints every output element. */
#include "mix.h"

#include <stdio.h>

int main(void) {
  double a[4] = {1, 2, 3, 4};
  int64_t n[3] = {-5, 0, 7};
  uint8_t m[3] = {1, 0, 1};
  float u[3] = {10, 20, 30}, v[3] = {-1, -2, -3};
  const int64_t s22[2] = {2, 2}, s3[1] = {3};
  grad_tensor in[5], out[mix_mix_num_outputs];
  grad_status st = grad_tensor_view(a, GRAD_DTYPE_F64, 2, s22, &in[0]);
  if (!st)
    st = grad_tensor_view(n, GRAD_DTYPE_I64, 1, s3, &in[1]);
  if (!st)
    st = grad_tensor_view(m, GRAD_DTYPE_B8, 1, s3, &in[2]);
  if (!st)
    st = grad_tensor_view(u, GRAD_DTYPE_F32, 1, s3, &in[3]);
  if (!st)
    st = grad_tensor_view(v, GRAD_DTYPE_F32, 1, s3, &in[4]);
  if (!st)
    st = mix_mix_alloc_outputs(out);
  if (!st)
    st = mix_mix(in, out);
  if (st) {
    printf("error: %s\n", grad_status_message(st));
    grad_status_free(st);
    return 1;
  }
  const double* t = (const double*)out[0].data;
  printf("transpose: %g %g %g %g\n", t[0], t[1], t[2], t[3]);
  const int64_t* d = (const int64_t*)out[1].data;
  printf("double: %lld %lld %lld\n", (long long)d[0], (long long)d[1], (long long)d[2]);
  const float* s = (const float*)out[2].data;
  printf("select: %g %g %g\n", s[0], s[1], s[2]);
  const uint8_t* b = (const uint8_t*)out[3].data;
  printf("positive: %d %d %d\n", b[0], b[1], b[2]);
  for (int k = 0; k < mix_mix_num_outputs; ++k)
    grad_tensor_free(&out[k]);
  return 0;
}
