/*===- memref_copy.c - memrefCopy for AOT-compiled code ----------------------===*
 *
 * MLIR's memref-to-LLVM lowering turns a memref.copy between non-identity layouts into a call
 * to `memrefCopy(elemSize, UnrankedMemRef* src, UnrankedMemRef* dst)`, normally provided by
 * libmlir_c_runner_utils. An AOT object must not need MLIR at run time, so gradrt provides the
 * same symbol with the same semantics: a strided element-by-element copy (rows with unit
 * stride are copied with memcpy).
 *===----------------------------------------------------------------------===*/
#include "grad/gradrt.h"

#include <stdio.h>
#include <string.h>

/* View of a ranked descriptor {T* allocated; T* aligned; int64_t offset; sizes[]; strides[]}. */
typedef struct {
  char* aligned;
  int64_t offset;
  const int64_t* sizes;
  const int64_t* strides;
} strided_view;

static strided_view view_of(const grad_unranked_memref* memref) {
  /* Layout of MLIR's StridedMemRefType: two pointers, then int64_t offset, sizes, strides. */
  char* const* pointers = (char* const*)memref->descriptor;
  const int64_t* tail = (const int64_t*)(pointers + 2);
  strided_view view = {pointers[1], tail[0], tail + 1, tail + 1 + memref->rank};
  return view;
}

static void copy_dim(int64_t element_size, int64_t rank, int64_t dim, const strided_view* src,
                     const char* src_ptr, const strided_view* dst, char* dst_ptr) {
  int64_t size = src->sizes[dim];
  int64_t src_stride = src->strides[dim] * element_size;
  int64_t dst_stride = dst->strides[dim] * element_size;
  if (dim == rank - 1) {
    if (src->strides[dim] == 1 && dst->strides[dim] == 1) {
      memcpy(dst_ptr, src_ptr, (size_t)(size * element_size));
      return;
    }
    for (int64_t i = 0; i < size; ++i)
      memcpy(dst_ptr + i * dst_stride, src_ptr + i * src_stride, (size_t)element_size);
    return;
  }
  for (int64_t i = 0; i < size; ++i)
    copy_dim(element_size, rank, dim + 1, src, src_ptr + i * src_stride, dst,
             dst_ptr + i * dst_stride);
}

grad_status grad_memref_copy(int64_t element_size, const grad_unranked_memref* src,
                             const grad_unranked_memref* dst) {
  if (!src || !dst || !src->descriptor || !dst->descriptor)
    return grad_status_make(GRAD_STATUS_INVALID_ARGUMENT,
                            "memrefCopy: NULL %s memref or descriptor",
                            (!src || !src->descriptor) ? "source" : "destination");
  if (element_size <= 0)
    return grad_status_make(GRAD_STATUS_INVALID_ARGUMENT, "memrefCopy: element size %lld",
                            (long long)element_size);
  if (src->rank < 0 || src->rank > GRAD_MEMREF_MAX_RANK || src->rank != dst->rank)
    return grad_status_make(GRAD_STATUS_INVALID_ARGUMENT,
                            "memrefCopy: ranks %lld and %lld must be equal and in [0, %d]",
                            (long long)src->rank, (long long)dst->rank, GRAD_MEMREF_MAX_RANK);
  strided_view s = view_of(src), d = view_of(dst);
  int empty = 0;
  for (int64_t i = 0; i < src->rank; ++i) {
    if (s.sizes[i] != d.sizes[i] || s.sizes[i] < 0)
      return grad_status_make(GRAD_STATUS_INVALID_ARGUMENT,
                              "memrefCopy: sizes %lld and %lld of dimension %lld differ or are "
                              "negative",
                              (long long)s.sizes[i], (long long)d.sizes[i], (long long)i);
    empty |= s.sizes[i] == 0;
  }
  if (empty)
    return NULL;
  if (!s.aligned || !d.aligned)
    return grad_status_make(GRAD_STATUS_INVALID_ARGUMENT, "memrefCopy: NULL %s data pointer",
                            s.aligned ? "destination" : "source");
  const char* src_ptr = s.aligned + s.offset * element_size;
  char* dst_ptr = d.aligned + d.offset * element_size;
  if (src->rank == 0)
    memcpy(dst_ptr, src_ptr, (size_t)element_size);
  else
    copy_dim(element_size, src->rank, 0, &s, src_ptr, &d, dst_ptr);
  return NULL;
}

void memrefCopy(int64_t element_size, grad_unranked_memref* src, grad_unranked_memref* dst) {
  /* The MLIR calling convention has no status; compiled code only passes valid descriptors, so
   * a bad call is a misuse from C: report it and copy nothing rather than crash or spin. */
  grad_status status = grad_memref_copy(element_size, src, dst);
  if (status) {
    fprintf(stderr, "gradrt: %s\n", grad_status_message(status));
    grad_status_free(status);
  }
}
