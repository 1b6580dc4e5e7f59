/* Runs the host object of `gradc --target=nvptx --emit=obj` (examples/aot/mlp.mlir) linked with
 * libgradrt only. On a machine without a CUDA driver the host code still makes its runtime calls
 * in order; each reports the missing driver and none crashes; the first error is then taken. */
#include "mlp.h"

#include <grad/gradrt_gpu.h>

#include <stdio.h>

int main(void) {
  grad_status init = grad_gpu_init();
  if (!init) {
    printf("GPU present: the no-driver path is not exercised here (scripts/gpu-check.sh)\n");
    return 0;
  }
  grad_status_free(init);
  /* With no device there are no device buffers either; the host code never dereferences them. */
  float x[12] = {0}, w1[15] = {0}, b1[5] = {0}, w2[10] = {0}, b2[2] = {0}, y[8] = {0};
  uint8_t mask[8] = {0};
  grad_memref_f32_2d in0 = {x, x, 0, {4, 3}, {3, 1}}, in1 = {w1, w1, 0, {3, 5}, {5, 1}},
                     in3 = {w2, w2, 0, {5, 2}, {2, 1}}, out0 = {y, y, 0, {4, 2}, {2, 1}};
  grad_memref_f32_1d in2 = {b1, b1, 0, {5}, {1}}, in4 = {b2, b2, 0, {2}, {1}};
  grad_memref_b8_2d out1 = {mask, mask, 0, {4, 2}, {2, 1}};
  _mlir_ciface_mlp(&in0, &in1, &in2, &in3, &in4, &out0, &out1);
  grad_status status = grad_gpu_take_error();
  printf("mlp: %s\n", status ? grad_status_message(status) : "no error");
  grad_status_free(status);
  return 0;
}
