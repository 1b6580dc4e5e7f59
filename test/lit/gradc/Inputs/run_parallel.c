/* Driver for run-parallel.mlir: x[i][j] = j on 512 x 256; prints how many of the 512 row sums of
 * x + 1 equal 32896 and a few elements of 2x. The thread count comes from OMP_NUM_THREADS. */
#include "par.h"

#include <omp.h>
#include <stdio.h>

static float x[512 * 256];

int main(void) {
  for (int i = 0; i < 512; ++i)
    for (int j = 0; j < 256; ++j)
      x[i * 256 + j] = (float)j;
  const int64_t shape[2] = {512, 256};
  grad_tensor in[1], out[par_par_num_outputs];
  grad_status st = grad_tensor_view(x, GRAD_DTYPE_F32, 2, shape, &in[0]);
  if (!st)
    st = par_par_alloc_outputs(out);
  if (!st)
    st = par_par(in, out);
  if (st) {
    printf("error: %s\n", grad_status_message(st));
    grad_status_free(st);
    return 1;
  }
  printf("threads: %d\n", omp_get_max_threads());
  const float* rows = (const float*)out[0].data;
  int equal = 0;
  for (int i = 0; i < 512; ++i)
    equal += rows[i] == 32896.0f;
  printf("rows: %d of 512 equal 32896\n", equal);
  const float* y = (const float*)out[1].data;
  printf("y: %g %g %g %g\n", y[0], y[1], y[2], y[512 * 256 - 1]);
  for (int k = 0; k < par_par_num_outputs; ++k)
    grad_tensor_free(&out[k]);
  return 0;
}
