/*===- gradrt_gpu.h - GPU entry points of the grad runtime -------*- C -*-===*
 *
 * Host code that MLIR's gpu-to-llvm lowering emits for a `--target=nvptx` module calls the
 * mgpu* functions below (the ABI of MLIR 19's CUDA runtime wrappers). libgradrt implements
 * them over the CUDA driver it opens with dlopen (gradrt.h), so a compiled model needs only
 * libgradrt. They cannot return errors (the generated code ignores results): the first failure
 * is kept, later calls do nothing, and grad_gpu_take_error() hands the failure to the caller,
 * e.g. "no CUDA driver found: libcuda.so.1 could not be loaded (...)".
 *
 * Pointers are CUDA device pointers (unified addressing); handles are CUmodule, CUfunction,
 * CUstream and CUevent as void*.
 *===----------------------------------------------------------------------===*/
#ifndef GRAD_GRADRT_GPU_H
#define GRAD_GRADRT_GPU_H

#include "grad/gradrt.h"

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/// The first error of an mgpu* call since the last take (NULL if none); the caller frees it.
/// Clears the error, so that later calls run again.
GRAD_RT_API grad_status grad_gpu_take_error(void);

/// Makes device 0's primary context current on this thread (loading the driver on first use).
GRAD_RT_API grad_status grad_gpu_init(void);

/// Compute capability of device 0 (e.g. 9.0 for an H100), loading the driver if needed.
GRAD_RT_API grad_status grad_gpu_compute_capability(int* major, int* minor);

/// Unloads every cached module. Call it when code whose images were cached goes away (a JIT-ed
/// module is destroyed): a later image may reuse the address. No kernel may be running.
GRAD_RT_API void grad_gpu_clear_module_cache(void);

/// Loads a PTX (NUL-terminated text) or cubin image; modules are cached by image address, so
/// the per-launch load/unload pair of the generated code costs a lookup, not a PTX JIT.
GRAD_RT_API void* mgpuModuleLoad(void* data, size_t size);
GRAD_RT_API void* mgpuModuleLoadJIT(void* data, int opt_level);
GRAD_RT_API void mgpuModuleUnload(void* module);
GRAD_RT_API void* mgpuModuleGetFunction(void* module, const char* name);
GRAD_RT_API void mgpuLaunchKernel(void* function, intptr_t grid_x, intptr_t grid_y,
                                  intptr_t grid_z, intptr_t block_x, intptr_t block_y,
                                  intptr_t block_z, int32_t shared_bytes, void* stream,
                                  void** params, void** extra, size_t param_count);
GRAD_RT_API void* mgpuStreamCreate(void);
GRAD_RT_API void mgpuStreamDestroy(void* stream);
GRAD_RT_API void mgpuStreamSynchronize(void* stream);
GRAD_RT_API void mgpuStreamWaitEvent(void* stream, void* event);
GRAD_RT_API void* mgpuEventCreate(void);
GRAD_RT_API void mgpuEventDestroy(void* event);
GRAD_RT_API void mgpuEventSynchronize(void* event);
GRAD_RT_API void mgpuEventRecord(void* event, void* stream);
/// `host_shared` allocates managed memory (visible to host and device).
GRAD_RT_API void* mgpuMemAlloc(uint64_t bytes, void* stream, int8_t host_shared);
GRAD_RT_API void mgpuMemFree(void* ptr, void* stream);
GRAD_RT_API void mgpuMemcpy(void* dst, void* src, size_t bytes, void* stream);
GRAD_RT_API void mgpuMemset32(void* dst, uint32_t value, size_t count, void* stream);

/// Milliseconds between two recorded events (for benchmarks); -1 on error (see take_error).
GRAD_RT_API float grad_gpu_event_elapsed_ms(void* start, void* end);

#ifdef __cplusplus
}
#endif

#endif /* GRAD_GRADRT_GPU_H */
