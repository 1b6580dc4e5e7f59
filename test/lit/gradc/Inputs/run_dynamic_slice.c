/* Driver for run-dynamic-slice.mlir: calls the gradc-compiled @sc (x [B,T], y [2,T]) through
 * its generated wrapper at (B,T) = (3,5) and (6,4), then with B = 1 (below the slice's static
 * limit 2) and y of another T, each an error status. x[i][j] = 10 i + j, y[i][j] = -(10 i + j),
 * so every printed element names where it came from. */
#include "sc.h"

#include <stdio.h>

static void run(int64_t b, int64_t t, int64_t ty) {
  static float x[64], y[64];
  for (int64_t i = 0; i < b; ++i)
    for (int64_t j = 0; j < t; ++j)
      x[i * t + j] = (float)(10 * i + j);
  for (int64_t i = 0; i < 2; ++i)
    for (int64_t j = 0; j < ty; ++j)
      y[i * ty + j] = (float)-(10 * i + j);
  const int64_t sx[2] = {b, t}, sy[2] = {2, ty};
  grad_tensor in[2], out[sc_sc_num_outputs];
  grad_tensor_view(x, GRAD_DTYPE_F32, 2, sx, &in[0]);
  grad_tensor_view(y, GRAD_DTYPE_F32, 2, sy, &in[1]);
  grad_status st = sc_sc_alloc_outputs(in, out);
  if (!st)
    st = sc_sc(in, out);
  if (st) {
    printf("sc: %s\n", grad_status_message(st));
    grad_status_free(st);
    return;
  }
  for (int k = 0; k < sc_sc_num_outputs; ++k) {
    const float* v = (const float*)out[k].data;
    int64_t r = out[k].shape[0], c = out[k].shape[1];
    printf("out%d [%lld, %lld]:", k, (long long)r, (long long)c);
    for (int64_t i = 0; i < r * c; ++i)
      printf(" %g", v[i]);
    printf("\n");
    grad_tensor_free(&out[k]);
  }
}

int main(void) {
  run(3, 5, 5);
  run(6, 4, 4);
  run(1, 5, 5);
  run(3, 5, 4);
  return 0;
}
