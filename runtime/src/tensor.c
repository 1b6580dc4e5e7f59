/*===- tensor.c - grad_tensor: descriptors, allocation, views ---------------===*
 *
 * Owned tensors are 64-byte aligned (one cache line, the widest vector the CPU code uses) and
 * zero-filled so that a caller never reads uninitialized memory from a fresh output.
 *===----------------------------------------------------------------------===*/
#include "grad/gradrt.h"

#include <stdlib.h>
#include <string.h>

enum { kTensorAlignment = 64 };

size_t grad_dtype_size(grad_dtype dtype) {
  switch (dtype) {
  case GRAD_DTYPE_F32:
    return 4;
  case GRAD_DTYPE_F64:
  case GRAD_DTYPE_I64:
    return 8;
  case GRAD_DTYPE_B8:
    return 1;
  }
  return 0;
}

const char* grad_dtype_name(grad_dtype dtype) {
  switch (dtype) {
  case GRAD_DTYPE_F32:
    return "f32";
  case GRAD_DTYPE_F64:
    return "f64";
  case GRAD_DTYPE_I64:
    return "i64";
  case GRAD_DTYPE_B8:
    return "b8";
  }
  return "invalid";
}

/* Element count of a shape, or -1 for a bad rank, a negative dimension or overflow. */
static int64_t shape_numel(int32_t rank, const int64_t* shape) {
  if (rank < 0 || rank > GRAD_MAX_RANK || (rank > 0 && !shape))
    return -1;
  int64_t numel = 1;
  for (int32_t i = 0; i < rank; ++i) {
    if (shape[i] < 0)
      return -1;
    if (shape[i] != 0 && numel > INT64_MAX / shape[i])
      return -1;
    numel *= shape[i];
  }
  return numel;
}

int64_t grad_tensor_numel(const grad_tensor* tensor) {
  return tensor ? shape_numel(tensor->rank, tensor->shape) : -1;
}

size_t grad_tensor_nbytes(const grad_tensor* tensor) {
  int64_t numel = grad_tensor_numel(tensor);
  size_t element_size = tensor ? grad_dtype_size(tensor->dtype) : 0;
  if (numel < 0 || element_size == 0 || (uint64_t)numel > SIZE_MAX / element_size)
    return 0;
  return (size_t)numel * element_size;
}

/* Validates the arguments and fills the descriptor fields except data/owns_data. */
static grad_status init_descriptor(const char* function, grad_dtype dtype, int32_t rank,
                                   const int64_t* shape, grad_tensor* out_tensor) {
  if (!out_tensor)
    return grad_status_make(GRAD_STATUS_INVALID_ARGUMENT, "%s: out_tensor is NULL", function);
  memset(out_tensor, 0, sizeof(*out_tensor));
  if (grad_dtype_size(dtype) == 0)
    return grad_status_make(GRAD_STATUS_INVALID_ARGUMENT, "%s: invalid dtype %d", function,
                            (int)dtype);
  if (rank < 0 || rank > GRAD_MAX_RANK)
    return grad_status_make(GRAD_STATUS_INVALID_ARGUMENT, "%s: rank %d is outside [0, %d]",
                            function, (int)rank, GRAD_MAX_RANK);
  if (rank > 0 && !shape)
    return grad_status_make(GRAD_STATUS_INVALID_ARGUMENT, "%s: shape is NULL for rank %d", function,
                            (int)rank);
  for (int32_t i = 0; i < rank; ++i)
    if (shape[i] < 0)
      return grad_status_make(GRAD_STATUS_INVALID_ARGUMENT, "%s: dimension %d is negative (%lld)",
                              function, (int)i, (long long)shape[i]);
  if (shape_numel(rank, shape) < 0)
    return grad_status_make(GRAD_STATUS_INVALID_ARGUMENT, "%s: element count overflows", function);
  out_tensor->dtype = dtype;
  out_tensor->rank = rank;
  for (int32_t i = 0; i < rank; ++i)
    out_tensor->shape[i] = shape[i];
  if (grad_tensor_nbytes(out_tensor) == 0 && shape_numel(rank, shape) != 0)
    return grad_status_make(GRAD_STATUS_INVALID_ARGUMENT, "%s: byte size overflows", function);
  return NULL;
}

grad_status grad_tensor_alloc(grad_dtype dtype, int32_t rank, const int64_t* shape,
                              grad_tensor* out_tensor) {
  grad_status status = init_descriptor("grad_tensor_alloc", dtype, rank, shape, out_tensor);
  if (status)
    return status;
  size_t bytes = grad_tensor_nbytes(out_tensor);
  /* aligned_alloc wants a multiple of the alignment; an empty tensor still gets a buffer so
   * that data is never NULL for an owned tensor. */
  size_t padded = bytes == 0 ? kTensorAlignment
                             : (bytes + kTensorAlignment - 1) / kTensorAlignment * kTensorAlignment;
  if (padded < bytes) {
    memset(out_tensor, 0, sizeof(*out_tensor));
    return grad_status_make(GRAD_STATUS_OUT_OF_MEMORY, "grad_tensor_alloc: %zu bytes", bytes);
  }
  void* data = aligned_alloc(kTensorAlignment, padded);
  if (!data) {
    memset(out_tensor, 0, sizeof(*out_tensor));
    return grad_status_make(GRAD_STATUS_OUT_OF_MEMORY,
                            "grad_tensor_alloc: cannot allocate %zu bytes", bytes);
  }
  memset(data, 0, padded);
  out_tensor->data = data;
  out_tensor->owns_data = 1;
  return NULL;
}

grad_status grad_tensor_create(grad_dtype dtype, int32_t rank, const int64_t* shape,
                               const void* data, grad_tensor* out_tensor) {
  grad_status status = grad_tensor_alloc(dtype, rank, shape, out_tensor);
  if (status)
    return status;
  size_t bytes = grad_tensor_nbytes(out_tensor);
  if (bytes > 0 && !data) {
    grad_tensor_free(out_tensor);
    return grad_status_make(GRAD_STATUS_INVALID_ARGUMENT, "grad_tensor_create: data is NULL");
  }
  if (bytes > 0)
    memcpy(out_tensor->data, data, bytes);
  return NULL;
}

grad_status grad_tensor_view(void* data, grad_dtype dtype, int32_t rank, const int64_t* shape,
                             grad_tensor* out_tensor) {
  grad_status status = init_descriptor("grad_tensor_view", dtype, rank, shape, out_tensor);
  if (status)
    return status;
  if (!data && grad_tensor_nbytes(out_tensor) > 0) {
    memset(out_tensor, 0, sizeof(*out_tensor));
    return grad_status_make(GRAD_STATUS_INVALID_ARGUMENT, "grad_tensor_view: data is NULL");
  }
  out_tensor->data = data;
  out_tensor->owns_data = 0;
  return NULL;
}

void grad_tensor_free(grad_tensor* tensor) {
  if (!tensor)
    return;
  if (tensor->owns_data)
    free(tensor->data);
  memset(tensor, 0, sizeof(*tensor));
}
