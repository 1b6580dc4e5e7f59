/* Driver for symbol-prefix.test: two copies of the same module (Inputs/add.mlir), compiled with
 * --symbol-prefix=a_ and b_, linked into one program and called through their headers. */
#include "a.h"
#include "b.h"

#include <stdio.h>

int main(void) {
  float x[4] = {1, 2, 3, 4}, y[4] = {10, 20, 30, 40};
  const int64_t shape[1] = {4};
  grad_tensor in[2], out_a[1], out_b[1];
  grad_status st = grad_tensor_view(x, GRAD_DTYPE_F32, 1, shape, &in[0]);
  if (!st)
    st = grad_tensor_view(y, GRAD_DTYPE_F32, 1, shape, &in[1]);
  if (!st)
    st = a_add_alloc_outputs(out_a);
  if (!st)
    st = b_add_alloc_outputs(out_b);
  if (!st)
    st = a_add(in, out_a);
  if (!st)
    st = b_add(in, out_b);
  if (st) {
    printf("error: %s\n", grad_status_message(st));
    grad_status_free(st);
    return 1;
  }
  const float* a = (const float*)out_a[0].data;
  const float* b = (const float*)out_b[0].data;
  printf("a: %g %g %g %g\nb: %g %g %g %g\n", a[0], a[1], a[2], a[3], b[0], b[1], b[2], b[3]);
  grad_tensor_free(&out_a[0]);
  grad_tensor_free(&out_b[0]);
  return 0;
}
