/* Driver for run-dynamic.mlir: calls the gradc-compiled @seq (x [B,T,4], w [4,3], y [B*T,3])
 * through its generated wrapper at two sizes, then with sizes that do not agree, and checks
 * that those are error statuses. x is all ones and w the first three rows of the identity, so
 * m[r][j] = 1 + y[r][j], y[r][j] = r / 2. */
#include "dyn.h"

#include <math.h>
#include <stdio.h>

static void report(const char* what, grad_status st) {
  printf("%s: %s\n", what, st ? grad_status_message(st) : "ok");
  grad_status_free(st);
}

/* Runs @seq at batch b, length t, with y of `rows` rows (b*t when the sizes agree). */
static int run(int64_t b, int64_t t, int64_t rows) {
  static float x[64 * 4], w[4 * 3], y[64 * 3];
  for (int i = 0; i < 64 * 4; ++i)
    x[i] = 1;
  for (int k = 0; k < 4; ++k)
    for (int j = 0; j < 3; ++j)
      w[k * 3 + j] = k == j;
  for (int r = 0; r < rows; ++r)
    for (int j = 0; j < 3; ++j)
      y[r * 3 + j] = 0.5f * r;
  const int64_t sx[3] = {b, t, 4}, sw[2] = {4, 3}, sy[2] = {rows, 3};
  grad_tensor in[3], out[dyn_seq_num_outputs];
  grad_status st = grad_tensor_view(x, GRAD_DTYPE_F32, 3, sx, &in[0]);
  if (!st)
    st = grad_tensor_view(w, GRAD_DTYPE_F32, 2, sw, &in[1]);
  if (!st)
    st = grad_tensor_view(y, GRAD_DTYPE_F32, 2, sy, &in[2]);
  if (!st)
    st = dyn_seq_alloc_outputs(in, out);
  if (st) {
    report("alloc_outputs", st);
    return 1;
  }
  st = dyn_seq(in, out);
  if (st) {
    report("seq", st);
  } else {
    const float* u = (const float*)out[0].data;
    const float* m = (const float*)out[1].data;
    int64_t last = b * t - 1;
    printf("seq: u [%lld, %lld, %lld], m [%lld, %lld]; m[%lld][2] = %g, u[%lld][%lld][0] = %.4f "
           "(exp %.4f)\n",
           (long long)out[0].shape[0], (long long)out[0].shape[1], (long long)out[0].shape[2],
           (long long)out[1].shape[0], (long long)out[1].shape[1], (long long)last,
           m[last * 3 + 2], (long long)(b - 1), (long long)(t - 1), u[last * 3],
           exp(1 + 0.5 * last));
  }
  for (int k = 0; k < dyn_seq_num_outputs; ++k)
    grad_tensor_free(&out[k]);
  return 0;
}

int main(void) {
  run(2, 3, 6);
  run(4, 5, 20);
  /* y has 7 rows but B*T = 6: the add's operands must agree. */
  run(2, 3, 7);
  /* Outputs allocated for (2,3) passed to a call at (4,5). */
  {
    static float x[20 * 4], w[12], y[20 * 3];
    const int64_t sx[3] = {2, 3, 4}, sx2[3] = {4, 5, 4}, sw[2] = {4, 3}, sy[2] = {6, 3},
                  sy2[2] = {20, 3};
    grad_tensor in[3], out[dyn_seq_num_outputs];
    grad_tensor_view(x, GRAD_DTYPE_F32, 3, sx, &in[0]);
    grad_tensor_view(w, GRAD_DTYPE_F32, 2, sw, &in[1]);
    grad_tensor_view(y, GRAD_DTYPE_F32, 2, sy, &in[2]);
    grad_status st = dyn_seq_alloc_outputs(in, out);
    if (st)
      return 1;
    grad_tensor_view(x, GRAD_DTYPE_F32, 3, sx2, &in[0]);
    grad_tensor_view(y, GRAD_DTYPE_F32, 2, sy2, &in[2]);
    report("stale outputs", dyn_seq(in, out));
    /* A static dim of the wrong size, and a wrong rank. */
    const int64_t bad[3] = {4, 5, 3}, flat[2] = {20, 4};
    grad_tensor_view(x, GRAD_DTYPE_F32, 3, bad, &in[0]);
    report("static dim", dyn_seq(in, out));
    grad_tensor_view(x, GRAD_DTYPE_F32, 2, flat, &in[0]);
    report("rank", dyn_seq(in, out));
    for (int k = 0; k < dyn_seq_num_outputs; ++k)
      grad_tensor_free(&out[k]);
  }
  return 0;
}
