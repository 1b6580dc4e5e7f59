/* examples/aot: runs a grad model compiled ahead of time by gradc (mlp.o + mlp.h) with only
 * libgradrt, libc and libm: no LLVM, no MLIR, no eager library.
 *
 * Inputs follow a closed formula (input_value below) that check_aot.py repeats in numpy to
 * compute the expected outputs independently. Every output is printed as one line
 *   <entry>.out<k> <dtype>[<shape>]: v0 v1 ...
 * and calls with wrong arguments (shape, dtype, NULL data, an output aliasing an input, NULL
 * array) must each return an INVALID_ARGUMENT status, printed as
 *   <case> <CODE>: <message>
 * Exit status: 0 if every call behaved as described, 1 otherwise. */
#include "mlp.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

/* Element k of input tensor number `which`: smooth values in [-0.8, 0.8]. */
static double input_value(int which, int64_t k) { return 0.8 * sin(0.37 * (double)k + which); }

static int fill_inputs(grad_tensor* inputs, int count, const int64_t shapes[][2],
                       const int ranks[]) {
  for (int i = 0; i < count; ++i) {
    grad_status status = grad_tensor_alloc(GRAD_DTYPE_F32, ranks[i], shapes[i], &inputs[i]);
    if (status) {
      fprintf(stderr, "alloc: %s\n", grad_status_message(status));
      grad_status_free(status);
      return 0;
    }
    float* data = (float*)inputs[i].data;
    for (int64_t k = 0; k < grad_tensor_numel(&inputs[i]); ++k)
      data[k] = (float)input_value(i, k);
  }
  return 1;
}

static void print_tensor(const char* entry, int index, const grad_tensor* t) {
  printf("%s.out%d %s[", entry, index, grad_dtype_name(t->dtype));
  for (int d = 0; d < t->rank; ++d)
    printf(d ? ", %lld" : "%lld", (long long)t->shape[d]);
  printf("]:");
  for (int64_t k = 0; k < grad_tensor_numel(t); ++k) {
    switch (t->dtype) {
    case GRAD_DTYPE_F32:
      printf(" %.9g", ((const float*)t->data)[k]);
      break;
    case GRAD_DTYPE_F64:
      printf(" %.17g", ((const double*)t->data)[k]);
      break;
    case GRAD_DTYPE_I64:
      printf(" %lld", (long long)((const int64_t*)t->data)[k]);
      break;
    case GRAD_DTYPE_B8:
      printf(" %d", ((const uint8_t*)t->data)[k]);
      break;
    }
  }
  printf("\n");
}

/* Prints "<label> <CODE>: <message>" for an expected error; 1 if it is INVALID_ARGUMENT. */
static int expect_error(const char* label, grad_status status) {
  printf("%s %s: %s\n", label, grad_status_code_name(grad_status_code(status)),
         grad_status_message(status));
  int ok = grad_status_code(status) == GRAD_STATUS_INVALID_ARGUMENT;
  grad_status_free(status);
  return ok;
}

/* Allocates the outputs with `alloc`, runs `entry`, prints and frees the outputs. */
#define RUN_ENTRY(name, inputs)                                                                    \
  do {                                                                                             \
    grad_tensor outputs[name##_num_outputs];                                                       \
    grad_status status = name##_alloc_outputs(outputs);                                            \
    if (!status)                                                                                   \
      status = name(inputs, outputs);                                                              \
    if (status) {                                                                                  \
      fprintf(stderr, #name ": %s\n", grad_status_message(status));                                \
      grad_status_free(status);                                                                    \
      ok = 0;                                                                                      \
      break;                                                                                       \
    }                                                                                              \
    for (int k = 0; k < name##_num_outputs; ++k) {                                                 \
      print_tensor(#name, k, &outputs[k]);                                                         \
      grad_tensor_free(&outputs[k]);                                                               \
    }                                                                                              \
  } while (0)

int main(void) {
  int ok = 1;
  /* x, w1, b1, w2, b2, target */
  const int64_t shapes[6][2] = {{4, 3}, {3, 5}, {5, 0}, {5, 2}, {2, 0}, {4, 2}};
  const int ranks[6] = {2, 2, 1, 2, 1, 2};
  grad_tensor inputs[6];
  memset(inputs, 0, sizeof(inputs));
  if (!fill_inputs(inputs, 6, shapes, ranks))
    return 1;

  RUN_ENTRY(mlp_mlp, inputs);
  RUN_ENTRY(mlp_mlp_loss, inputs);
  RUN_ENTRY(mlp_mlp_loss_grad, inputs);

  /* Wrong arguments must be error statuses, never a call into the compiled code. */
  {
    grad_tensor outputs[mlp_mlp_num_outputs];
    grad_status status = mlp_mlp_alloc_outputs(outputs);
    if (status) {
      fprintf(stderr, "setup: %s\n", grad_status_message(status));
      grad_status_free(status);
      return 1;
    }
    grad_tensor bad[5];
    float small[8] = {0};
    double wide[12] = {0};
    const int64_t shape_4x2[2] = {4, 2}, shape_4x3[2] = {4, 3};

    memcpy(bad, inputs, sizeof(bad)); /* x of shape [4, 2] instead of [4, 3] */
    status = grad_tensor_view(small, GRAD_DTYPE_F32, 2, shape_4x2, &bad[0]);
    ok &= expect_error("wrong_shape", status ? status : mlp_mlp(bad, outputs));

    memcpy(bad, inputs, sizeof(bad)); /* x as f64 */
    status = grad_tensor_view(wide, GRAD_DTYPE_F64, 2, shape_4x3, &bad[0]);
    ok &= expect_error("wrong_dtype", status ? status : mlp_mlp(bad, outputs));

    memcpy(bad, inputs, sizeof(bad)); /* w1 without a buffer */
    bad[1].data = NULL;
    ok &= expect_error("null_data", mlp_mlp(bad, outputs));

    grad_tensor aliased = outputs[0]; /* output 0 written over input 0 */
    outputs[0].data = inputs[0].data;
    outputs[0].owns_data = 0;
    ok &= expect_error("aliased_output", mlp_mlp(inputs, outputs));
    outputs[0] = aliased;

    ok &= expect_error("null_inputs", mlp_mlp(NULL, outputs));
    for (int k = 0; k < mlp_mlp_num_outputs; ++k)
      grad_tensor_free(&outputs[k]);
  }

  for (int i = 0; i < 6; ++i)
    grad_tensor_free(&inputs[i]);
  return ok ? 0 : 1;
}
