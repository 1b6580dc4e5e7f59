/*===- gradrt.h - grad runtime: plain C ABI for compiled grad modules -----===*
 *
 * libgradrt is what an ahead-of-time compiled grad model links against: status values with
 * messages, tensor descriptors, argument checks for compiled entry points, the `memrefCopy`
 * helper that lowered code may call, and a dlopen-based loader for the CUDA driver. It depends on
 * libc, libm and libdl only: no LLVM, no MLIR, no eager library.
 *
 * Conventions (after IREE's runtime API): every fallible function returns a `grad_status`;
 * outputs come last and carry an `out_` prefix; each function states ownership and
 * thread-safety. A NULL status means success, so `if (s) { ...handle...; grad_status_free(s); }`.
 *
 * Calling convention of compiled entry points (gradc --emit=obj): each public function `f` is
 *   void _mlir_ciface_f(memref_in0*, ..., memref_out0*, ...);
 * taking MLIR ranked memref descriptors {T* allocated; T* aligned; int64_t offset;
 * int64_t sizes[R]; int64_t strides[R]} (rank 0: the first three fields only): inputs first,
 * then caller-allocated outputs, all contiguous row-major. Booleans (i1) are one byte each.
 * `gradc --emit=header` writes checked wrappers around these entries; see docs/runtime.md.
 *===----------------------------------------------------------------------===*/
#ifndef GRAD_GRADRT_H
#define GRAD_GRADRT_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(__GNUC__)
#define GRAD_RT_API __attribute__((visibility("default")))
#define GRAD_RT_PRINTF(fmt, args) __attribute__((format(printf, fmt, args)))
#else
#define GRAD_RT_API
#define GRAD_RT_PRINTF(fmt, args)
#endif

/*===----------------------------------------------------------------------===*
 * Status
 *===----------------------------------------------------------------------===*/

/// Status codes; GRAD_STATUS_OK is 0.
typedef enum grad_status_code_e {
  GRAD_STATUS_OK = 0,
  GRAD_STATUS_INVALID_ARGUMENT = 1, /* wrong rank, shape, dtype, null pointer, aliasing */
  GRAD_STATUS_OUT_OF_MEMORY = 2,
  GRAD_STATUS_UNAVAILABLE = 3, /* a needed system component (e.g. the CUDA driver) is missing */
  GRAD_STATUS_INTERNAL = 4,
} grad_status_code_t;

/// An opaque status. NULL means OK; any other value owns a heap-allocated code + message and
/// must be released with grad_status_free exactly once. A status may be moved between threads.
typedef struct grad_status_s* grad_status;

/// The OK status (NULL). Nothing to free.
GRAD_RT_API grad_status grad_status_ok(void);

/// Makes an error status with a printf-formatted message. The caller owns the result. If the
/// status itself cannot be allocated, a static out-of-memory status is returned (freeing it is
/// a no-op). `code` must not be GRAD_STATUS_OK. Thread-safe.
GRAD_RT_API grad_status grad_status_make(grad_status_code_t code, const char* format, ...)
    GRAD_RT_PRINTF(2, 3);

/// The code of `status` (GRAD_STATUS_OK for NULL). Does not take ownership.
GRAD_RT_API grad_status_code_t grad_status_code(grad_status status);

/// The message of `status` ("OK" for NULL). The string is owned by the status and lives until
/// grad_status_free.
GRAD_RT_API const char* grad_status_message(grad_status status);

/// A short name of a code, e.g. "INVALID_ARGUMENT". Static storage.
GRAD_RT_API const char* grad_status_code_name(grad_status_code_t code);

/// Releases `status`; NULL is accepted. Not thread-safe for the same status.
GRAD_RT_API void grad_status_free(grad_status status);

/*===----------------------------------------------------------------------===*
 * Element types and tensors
 *===----------------------------------------------------------------------===*/

/// Element types, matching grad::DType (f32, f64, i64, b8). b8 is one byte per element (0 or 1).
typedef enum grad_dtype {
  GRAD_DTYPE_F32 = 0,
  GRAD_DTYPE_F64 = 1,
  GRAD_DTYPE_I64 = 2,
  GRAD_DTYPE_B8 = 3,
} grad_dtype;

/// Bytes per element (0 for an invalid dtype).
GRAD_RT_API size_t grad_dtype_size(grad_dtype dtype);

/// "f32", "f64", "i64", "b8" ("invalid" otherwise). Static storage.
GRAD_RT_API const char* grad_dtype_name(grad_dtype dtype);

/// Highest rank a grad_tensor can describe.
#define GRAD_MAX_RANK 8

/// A dense, contiguous, row-major tensor descriptor. Plain data: copying the struct copies the
/// descriptor, not the buffer. If `owns_data` is nonzero, `data` was allocated by gradrt and is
/// released by grad_tensor_free; otherwise the buffer is borrowed and the caller keeps it alive
/// while the descriptor is in use. Descriptors are not synchronized: share one between threads
/// only for reading.
typedef struct grad_tensor {
  void* data;
  grad_dtype dtype;
  int32_t rank;
  int64_t shape[GRAD_MAX_RANK];
  int32_t owns_data;
} grad_tensor;

/// Number of elements (1 for rank 0). Returns -1 if the rank or a dimension is invalid.
GRAD_RT_API int64_t grad_tensor_numel(const grad_tensor* tensor);

/// Size of the buffer in bytes (numel * dtype size), 0 if the descriptor is invalid.
GRAD_RT_API size_t grad_tensor_nbytes(const grad_tensor* tensor);

/// Allocates a zero-filled, 64-byte aligned tensor of `dtype` and `shape[0..rank)`; the result
/// owns its buffer (release with grad_tensor_free). Errors: invalid dtype, rank outside
/// [0, GRAD_MAX_RANK], a negative dimension, size overflow, out of memory. On error
/// *out_tensor is left empty (data NULL). Thread-safe.
GRAD_RT_API grad_status grad_tensor_alloc(grad_dtype dtype, int32_t rank, const int64_t* shape,
                                          grad_tensor* out_tensor);

/// Like grad_tensor_alloc, then copies numel elements from `data` (row-major) into the new
/// buffer. `data` is only read and not retained. Thread-safe.
GRAD_RT_API grad_status grad_tensor_create(grad_dtype dtype, int32_t rank, const int64_t* shape,
                                           const void* data, grad_tensor* out_tensor);

/// Describes a caller-owned buffer without copying it (owns_data = 0): the caller keeps `data`
/// alive and frees it. Validates dtype, rank and shape. Thread-safe.
GRAD_RT_API grad_status grad_tensor_view(void* data, grad_dtype dtype, int32_t rank,
                                         const int64_t* shape, grad_tensor* out_tensor);

/// Releases the buffer if the tensor owns it and resets the descriptor to empty. Borrowed
/// buffers are left alone. NULL is accepted. Not thread-safe for the same tensor.
GRAD_RT_API void grad_tensor_free(grad_tensor* tensor);

/*===----------------------------------------------------------------------===*
 * Argument checks for compiled entry points
 *===----------------------------------------------------------------------===*/

/// Checks that `tensor` is a usable argument of `entry` with the expected dtype, rank and shape.
/// Returns NULL if it is, otherwise an INVALID_ARGUMENT status whose message names the entry
/// point, the argument index and the expected and actual dtype and shape, e.g.
///   "mlp_forward: argument 1: shape mismatch at dimension 1: expected f32[4, 3], got f32[4, 2]".
/// A NULL tensor or a NULL data pointer (with numel > 0) is also an error. Thread-safe.
GRAD_RT_API grad_status grad_check_tensor(const grad_tensor* tensor, const char* entry,
                                          int arg_index, grad_dtype dtype, int rank,
                                          const int64_t* shape);

/// Same check, with the role spelled out in the message ("input 0", "output 1").
GRAD_RT_API grad_status grad_check_tensor_role(const grad_tensor* tensor, const char* entry,
                                               const char* role, int index, grad_dtype dtype,
                                               int rank, const int64_t* shape);

/// Checks that no output buffer overlaps an input buffer or another output buffer: compiled
/// code writes outputs while it still reads inputs, so aliasing would give wrong results.
/// Call after the per-tensor checks. Returns an INVALID_ARGUMENT status naming the pair.
GRAD_RT_API grad_status grad_check_no_alias(const char* entry, const grad_tensor* inputs,
                                            int num_inputs, const grad_tensor* outputs,
                                            int num_outputs);

/*===----------------------------------------------------------------------===*
 * Support for lowered code
 *===----------------------------------------------------------------------===*/

/// MLIR's unranked memref descriptor as passed to memrefCopy.
typedef struct grad_unranked_memref {
  int64_t rank;
  void* descriptor; /* {T* allocated; T* aligned; int64_t offset; int64_t sizes[rank];
                       int64_t strides[rank]} */
} grad_unranked_memref;

/// Largest memref rank memrefCopy accepts.
#define GRAD_MEMREF_MAX_RANK 64

/// Strided copy of `src` into `dst` (element size in bytes) with the arguments checked: NULL
/// memrefs or descriptors, a non-positive element size, ranks that differ or lie outside
/// [0, GRAD_MEMREF_MAX_RANK], sizes that differ or are negative, and NULL data pointers of a
/// non-empty copy are INVALID_ARGUMENT errors and nothing is written. Thread-safe for disjoint
/// destinations.
GRAD_RT_API grad_status grad_memref_copy(int64_t element_size, const grad_unranked_memref* src,
                                         const grad_unranked_memref* dst);

/// The copy routine that MLIR's memref-to-LLVM lowering calls for memref.copy between
/// non-contiguous layouts (same signature as MLIR's libmlir_c_runner_utils `memrefCopy`), so
/// that AOT objects need no MLIR library at run time. grad_memref_copy; since this signature has
/// no status, an invalid call prints the error on stderr and copies nothing. Thread-safe for
/// disjoint destinations.
GRAD_RT_API void memrefCopy(int64_t element_size, grad_unranked_memref* src,
                            grad_unranked_memref* dst);

/*===----------------------------------------------------------------------===*
 * CUDA driver (loaded with dlopen at run time; nothing here needs CUDA to build)
 *===----------------------------------------------------------------------===*/

/// Driver API entry points resolved from libcuda.so.1. Handles are opaque pointers/integers
/// exactly as in cuda.h (CUdevice is int, CUdeviceptr is 64-bit); results are CUresult codes.
typedef struct grad_cuda_driver {
  void* library; /* the dlopen handle */
  int (*cuInit)(unsigned int flags);
  int (*cuDeviceGetCount)(int* count);
  int (*cuDeviceGet)(int* device, int ordinal);
  int (*cuCtxCreate)(void** ctx, unsigned int flags, int device);
  int (*cuCtxDestroy)(void* ctx);
  int (*cuModuleLoadData)(void** module, const void* image);
  int (*cuModuleUnload)(void* module);
  int (*cuModuleGetFunction)(void** function, void* module, const char* name);
  int (*cuLaunchKernel)(void* function, unsigned int grid_x, unsigned int grid_y,
                        unsigned int grid_z, unsigned int block_x, unsigned int block_y,
                        unsigned int block_z, unsigned int shared_bytes, void* stream,
                        void** params, void** extra);
  int (*cuMemAlloc)(uint64_t* dptr, size_t bytes);
  int (*cuMemFree)(uint64_t dptr);
  int (*cuMemcpyHtoD)(uint64_t dst, const void* src, size_t bytes);
  int (*cuMemcpyDtoH)(void* dst, uint64_t src, size_t bytes);
  int (*cuCtxSynchronize)(void);
  int (*cuGetErrorName)(int result, const char** name);
} grad_cuda_driver;

/// Loads the driver library at `path` (dlopen), resolves every entry point of grad_cuda_driver
/// and calls cuInit(0). On success *out_driver is filled (release with grad_cuda_driver_unload).
/// Errors: UNAVAILABLE with "no CUDA driver found: <path> could not be loaded (<dlerror>)", a
/// missing symbol, or cuInit failing (the message names the CUresult). Thread-safe.
GRAD_RT_API grad_status grad_cuda_driver_load_from(const char* path, grad_cuda_driver* out_driver);

/// Closes a driver loaded by grad_cuda_driver_load_from and clears the struct.
GRAD_RT_API void grad_cuda_driver_unload(grad_cuda_driver* driver);

/// The process-wide driver, loaded from "libcuda.so.1" on first use (thread-safe, once). On
/// success *out_driver points to static storage valid until process exit; on failure the same
/// error is reported on every call.
GRAD_RT_API grad_status grad_cuda_driver_get(const grad_cuda_driver** out_driver);

/// 1 if the process-wide CUDA driver loads and initializes, else 0. If `out_status` is not NULL
/// it receives the reason on failure (caller frees) and NULL on success. Thread-safe.
GRAD_RT_API int grad_cuda_available(grad_status* out_status);

/// Matrix products for compiled code and eager kernels, with cblas_?gemm's arguments (order 101
/// row-major / 102 column-major, transposes 111 no / 112 yes): C = alpha op(A) op(B) + beta C.
/// Splits the rows (or columns) of C over the OpenMP threads (omp_get_max_threads(), which
/// grad::set_num_threads sets), one single-threaded OpenBLAS call per block; runs as one call
/// inside a parallel region or below ~128k multiply-adds per thread. The first call sets
/// OpenBLAS's own pool to one thread (process-wide): see docs/threads.md, "One pool for gemms".
GRAD_RT_API void grad_gemm_f32(int order, int trans_a, int trans_b, int m, int n, int k,
                               float alpha, const float* a, int lda, const float* b, int ldb,
                               float beta, float* c, int ldc);
GRAD_RT_API void grad_gemm_f64(int order, int trans_a, int trans_b, int m, int n, int k,
                               double alpha, const double* a, int lda, const double* b, int ldb,
                               double beta, double* c, int ldc);
/// Sets OpenBLAS to one thread once (grad_gemm_* call it; grad::set_num_threads too).
GRAD_RT_API void grad_gemm_init(void);

#ifdef __cplusplus
} /* extern "C" */
#endif

#endif /* GRAD_GRADRT_H */
