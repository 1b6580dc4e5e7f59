/* Driver for grad-dynamic.mlir: calls the gradc-compiled @loss_grad (x [N,3], w [3,2],
 * y [N,2]; loss = mean((x w - y)^2)) through its generated wrapper at two batch sizes and
 * compares its outputs with the gradients worked out here: with d = x w - y and g = d / N
 * (2 d over the 2N elements), dx = g w^T, dw = x^T g, dy = -g. */
#include "ad.h"

#include <math.h>
#include <stdio.h>

static const char* verdict(double err) { return err < 1e-5 ? "ok" : "MISMATCH"; }

static void run(int64_t n, int64_t rows) {
  static float x[8 * 3], w[3 * 2], y[8 * 2];
  for (int i = 0; i < n * 3; ++i)
    x[i] = (float)((i * 7 % 11) - 5) / 4;
  for (int i = 0; i < 6; ++i)
    w[i] = (float)((i * 5 % 7) - 3) / 2;
  for (int i = 0; i < rows * 2; ++i)
    y[i] = (float)((i * 3 % 5) - 2) / 3;
  const int64_t sx[2] = {n, 3}, sw[2] = {3, 2}, sy[2] = {rows, 2};
  grad_tensor in[3], out[ad_loss_grad_num_outputs];
  grad_tensor_view(x, GRAD_DTYPE_F32, 2, sx, &in[0]);
  grad_tensor_view(w, GRAD_DTYPE_F32, 2, sw, &in[1]);
  grad_tensor_view(y, GRAD_DTYPE_F32, 2, sy, &in[2]);
  grad_status st = ad_loss_grad_alloc_outputs(in, out);
  if (!st)
    st = ad_loss_grad(in, out);
  if (st) {
    printf("mismatch: %s\n", grad_status_message(st));
    grad_status_free(st);
    return;
  }
  double d[8 * 2], loss = 0;
  for (int r = 0; r < n; ++r)
    for (int j = 0; j < 2; ++j) {
      double p = 0;
      for (int k = 0; k < 3; ++k)
        p += (double)x[r * 3 + k] * w[k * 2 + j];
      d[r * 2 + j] = p - y[r * 2 + j];
      loss += d[r * 2 + j] * d[r * 2 + j] / (2.0 * n);
    }
  const float* gl = (const float*)out[0].data;
  const float* gx = (const float*)out[1].data;
  const float* gw = (const float*)out[2].data;
  const float* gy = (const float*)out[3].data;
  double ex = 0, ew = 0, ey = 0;
  for (int r = 0; r < n; ++r)
    for (int k = 0; k < 3; ++k) {
      double e = 0;
      for (int j = 0; j < 2; ++j)
        e += d[r * 2 + j] / n * w[k * 2 + j];
      ex = fmax(ex, fabs(gx[r * 3 + k] - e));
    }
  for (int k = 0; k < 3; ++k)
    for (int j = 0; j < 2; ++j) {
      double e = 0;
      for (int r = 0; r < n; ++r)
        e += x[r * 3 + k] * d[r * 2 + j] / n;
      ew = fmax(ew, fabs(gw[k * 2 + j] - e));
    }
  for (int i = 0; i < n * 2; ++i)
    ey = fmax(ey, fabs(gy[i] + d[i] / n));
  printf("loss_grad N=%lld: outputs [] [%lld, %lld] [%lld, %lld] [%lld, %lld]; loss %s, dx %s, "
         "dw %s, dy %s\n",
         (long long)n, (long long)out[1].shape[0], (long long)out[1].shape[1],
         (long long)out[2].shape[0], (long long)out[2].shape[1], (long long)out[3].shape[0],
         (long long)out[3].shape[1], verdict(fabs(gl[0] - loss)), verdict(ex), verdict(ew),
         verdict(ey));
  for (int k = 0; k < ad_loss_grad_num_outputs; ++k)
    grad_tensor_free(&out[k]);
}

int main(void) {
  run(2, 2);
  run(5, 5);
  /* y has 4 rows but x 5: the subtraction's operands must agree. */
  run(5, 4);
  return 0;
}
