/* Runs the host object of `gradc --target=nvptx --emit=obj` (examples/aot/mlp.mlir) linked with
 * libgradrt only. Without a CUDA driver the host code still makes its runtime calls in order;
 * each reports the missing driver and none crashes. With a driver (the real one, or the test's
 * mock_cuda.c) the inputs are copied to device buffers, the model runs and the first runtime
 * error, if any, is printed. */
#include "mlp.h"

#include <grad/gradrt_gpu.h>

#include <stdio.h>

int main(void) {
  float x[12] = {0}, w1[15] = {0}, b1[5] = {0}, w2[10] = {0}, b2[2] = {0}, y[8] = {0};
  uint8_t mask[8] = {0};
  void* host[7] = {x, w1, b1, w2, b2, y, mask};
  size_t bytes[7] = {sizeof x, sizeof w1, sizeof b1, sizeof w2, sizeof b2, sizeof y, sizeof mask};
  void* buffers[7];
  const grad_cuda_driver* driver = NULL;
  grad_status init = grad_gpu_init();
  if (init) {
    /* No device, no device buffers: the host code never dereferences them. */
    for (int i = 0; i < 7; ++i)
      buffers[i] = host[i];
    grad_status_free(init);
  } else {
    grad_status_free(grad_cuda_driver_get(&driver));
    for (int i = 0; i < 7; ++i) {
      uint64_t p = 0;
      if (driver->cuMemAlloc(&p, bytes[i]) != 0 || driver->cuMemcpyHtoD(p, host[i], bytes[i]))
        return 1;
      buffers[i] = (void*)(uintptr_t)p;
    }
    /* The host code launches on a non-blocking stream: the copies must be complete. */
    if (driver->cuCtxSynchronize() != 0)
      return 1;
  }
  grad_memref_f32_2d in0 = {buffers[0], buffers[0], 0, {4, 3}, {3, 1}},
                     in1 = {buffers[1], buffers[1], 0, {3, 5}, {5, 1}},
                     in3 = {buffers[3], buffers[3], 0, {5, 2}, {2, 1}},
                     out0 = {buffers[5], buffers[5], 0, {4, 2}, {2, 1}};
  grad_memref_f32_1d in2 = {buffers[2], buffers[2], 0, {5}, {1}},
                     in4 = {buffers[4], buffers[4], 0, {2}, {1}};
  grad_memref_b8_2d out1 = {buffers[6], buffers[6], 0, {4, 2}, {2, 1}};
  _mlir_ciface_mlp(&in0, &in1, &in2, &in3, &in4, &out0, &out1);
  grad_status status = grad_gpu_take_error();
  printf("mlp: %s\n", status ? grad_status_message(status) : "no error");
  grad_status_free(status);
  if (driver)
    for (int i = 0; i < 7; ++i)
      driver->cuMemFree((uint64_t)(uintptr_t)buffers[i]);
  return 0;
}
