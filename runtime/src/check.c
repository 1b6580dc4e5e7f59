/*===- check.c - argument checks for compiled entry points ------------------===*
 *
 * The generated header wrappers call these before entering compiled code, so that a wrong
 * rank, shape or dtype is an error status naming the entry, the argument and both types,
 * never an out-of-bounds access inside the kernel.
 *===----------------------------------------------------------------------===*/
#include "grad/gradrt.h"

#include <stdio.h>
#include <string.h>

/* Writes "f32[4, 3]" (or "f32[]" for rank 0) into buffer; truncates safely. */
static void format_type(char* buffer, size_t size, grad_dtype dtype, int rank,
                        const int64_t* shape) {
  size_t used = 0;
  int written;
  if (grad_dtype_size(dtype) == 0)
    written = snprintf(buffer, size, "invalid-dtype(%d)[", (int)dtype);
  else
    written = snprintf(buffer, size, "%s[", grad_dtype_name(dtype));
  used = written > 0 ? (size_t)written : 0;
  if (rank < 0 || rank > GRAD_MAX_RANK || (rank > 0 && !shape)) {
    if (used < size)
      snprintf(buffer + used, size - used, "<invalid rank %d>]", rank);
    return;
  }
  for (int i = 0; i < rank && used < size; ++i) {
    written = snprintf(buffer + used, size - used, i ? ", %lld" : "%lld", (long long)shape[i]);
    used += written > 0 ? (size_t)written : 0;
  }
  if (used < size)
    snprintf(buffer + used, size - used, "]");
}

grad_status grad_check_tensor_role(const grad_tensor* tensor, const char* entry, const char* role,
                                   int index, grad_dtype dtype, int rank, const int64_t* shape) {
  if (!entry)
    entry = "<entry>";
  if (!role)
    role = "argument";
  char expected[256];
  format_type(expected, sizeof(expected), dtype, rank, shape);
  /* The expected type comes from the generated wrapper; a bad one is a caller bug, reported
   * rather than read through. */
  if (rank < 0 || rank > GRAD_MAX_RANK || (rank > 0 && !shape))
    return grad_status_make(GRAD_STATUS_INVALID_ARGUMENT,
                            "%s: %s %d: invalid expected type %s (rank %d, shape %s)", entry, role,
                            index, expected, rank, shape ? "given" : "NULL");
  if (!tensor)
    return grad_status_make(GRAD_STATUS_INVALID_ARGUMENT, "%s: %s %d: expected %s, got NULL", entry,
                            role, index, expected);
  char actual[256];
  format_type(actual, sizeof(actual), tensor->dtype, tensor->rank, tensor->shape);
  const char* what = NULL;
  int bad_dim = -1;
  if (tensor->dtype != dtype) {
    what = "dtype mismatch";
  } else if (tensor->rank != rank) {
    what = "rank mismatch";
  } else if (grad_tensor_numel(tensor) < 0) {
    what = "invalid shape (a negative dimension or an element count above 2^63)";
  } else {
    for (int i = 0; i < rank; ++i)
      if (tensor->shape[i] != shape[i]) {
        bad_dim = i;
        break;
      }
  }
  if (what)
    return grad_status_make(GRAD_STATUS_INVALID_ARGUMENT, "%s: %s %d: %s: expected %s, got %s",
                            entry, role, index, what, expected, actual);
  if (bad_dim >= 0)
    return grad_status_make(GRAD_STATUS_INVALID_ARGUMENT,
                            "%s: %s %d: shape mismatch at dimension %d: expected %s, got %s", entry,
                            role, index, bad_dim, expected, actual);
  if (!tensor->data && grad_tensor_nbytes(tensor) > 0)
    return grad_status_make(GRAD_STATUS_INVALID_ARGUMENT, "%s: %s %d: %s has a NULL data pointer",
                            entry, role, index, actual);
  return NULL;
}

grad_status grad_check_tensor(const grad_tensor* tensor, const char* entry, int arg_index,
                              grad_dtype dtype, int rank, const int64_t* shape) {
  return grad_check_tensor_role(tensor, entry, "argument", arg_index, dtype, rank, shape);
}

static int overlaps(const grad_tensor* a, const grad_tensor* b) {
  size_t a_bytes = grad_tensor_nbytes(a), b_bytes = grad_tensor_nbytes(b);
  if (a_bytes == 0 || b_bytes == 0 || !a->data || !b->data)
    return 0;
  uintptr_t a_begin = (uintptr_t)a->data, b_begin = (uintptr_t)b->data;
  return a_begin < b_begin + b_bytes && b_begin < a_begin + a_bytes;
}

grad_status grad_check_no_alias(const char* entry, const grad_tensor* inputs, int num_inputs,
                                const grad_tensor* outputs, int num_outputs) {
  if (!entry)
    entry = "<entry>";
  if (num_inputs < 0 || num_outputs < 0)
    return grad_status_make(GRAD_STATUS_INVALID_ARGUMENT,
                            "%s: negative tensor count (%d inputs, %d outputs)", entry, num_inputs,
                            num_outputs);
  if ((num_inputs > 0 && !inputs) || (num_outputs > 0 && !outputs))
    return grad_status_make(GRAD_STATUS_INVALID_ARGUMENT, "%s: %s array is NULL for %d tensors",
                            entry, !outputs && num_outputs > 0 ? "outputs" : "inputs",
                            !outputs && num_outputs > 0 ? num_outputs : num_inputs);
  for (int o = 0; o < num_outputs; ++o) {
    for (int i = 0; i < num_inputs; ++i)
      if (overlaps(&outputs[o], &inputs[i]))
        return grad_status_make(GRAD_STATUS_INVALID_ARGUMENT,
                                "%s: output %d overlaps input %d in memory; outputs must be "
                                "separate buffers",
                                entry, o, i);
    for (int p = 0; p < o; ++p)
      if (overlaps(&outputs[o], &outputs[p]))
        return grad_status_make(GRAD_STATUS_INVALID_ARGUMENT,
                                "%s: output %d overlaps output %d in memory", entry, o, p);
  }
  return NULL;
}
