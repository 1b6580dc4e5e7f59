/*===- memref_copy.c - memrefCopy for AOT-compiled code ----------------------===*
 *
 * MLIR's memref-to-LLVM lowering turns a memref.copy between non-identity layouts into a call
 * to `memrefCopy(elemSize, UnrankedMemRef* src, UnrankedMemRef* dst)`, normally provided by
 * libmlir_c_runner_utils. An AOT object must not need MLIR at run time, so gradrt provides the
 * same symbol with the same semantics: a strided element-by-element copy (rows with unit
 * stride are copied with memcpy).
 *===----------------------------------------------------------------------===*/
#include "grad/gradrt.h"

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

void memrefCopy(int64_t element_size, grad_unranked_memref* src, grad_unranked_memref* dst) {
  strided_view s = view_of(src), d = view_of(dst);
  const char* src_ptr = s.aligned + s.offset * element_size;
  char* dst_ptr = d.aligned + d.offset * element_size;
  if (src->rank == 0) {
    memcpy(dst_ptr, src_ptr, (size_t)element_size);
    return;
  }
  for (int64_t i = 0; i < src->rank; ++i)
    if (s.sizes[i] == 0)
      return;
  copy_dim(element_size, src->rank, 0, &s, src_ptr, &d, dst_ptr);
}
