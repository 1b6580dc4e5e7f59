/*===- cuda_mgpu.c - MLIR's mgpu* GPU runtime ABI over the dlopened driver ---===*
 *
 * gradrt_gpu.h: the functions that gpu-to-llvm's host code calls. The driver comes from
 * cuda_loader.c (dlopen of libcuda.so.1); the extra entry points these need are resolved here
 * from the same handle. Errors cannot be returned through the generated code, so the first one
 * is kept (later calls do nothing) until grad_gpu_take_error().
 *===----------------------------------------------------------------------===*/
#include "grad/gradrt_gpu.h"

#include <dlfcn.h>
#include <pthread.h>
#include <stdint.h>
#include <string.h>

enum {
  kJitErrorLogBuffer = 5,           /* CU_JIT_ERROR_LOG_BUFFER */
  kJitErrorLogBufferSizeBytes = 6,  /* CU_JIT_ERROR_LOG_BUFFER_SIZE_BYTES */
  kJitOptimizationLevel = 7,        /* CU_JIT_OPTIMIZATION_LEVEL */
  kStreamNonBlocking = 1,           /* CU_STREAM_NON_BLOCKING */
  kMemAttachGlobal = 1,             /* CU_MEM_ATTACH_GLOBAL */
  kAttributeCcMajor = 75,           /* CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR */
  kAttributeCcMinor = 76,           /* CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR */
  kModuleCacheSize = 64,
};

/* Entry points beyond grad_cuda_driver's (cuda.h names; _v2 where cuda.h maps to it). */
typedef struct {
  const grad_cuda_driver* base;
  int (*cuDevicePrimaryCtxRetain)(void** ctx, int device);
  int (*cuCtxSetCurrent)(void* ctx);
  int (*cuModuleLoadDataEx)(void** module, const void* image, unsigned n, int* options,
                            void** values);
  int (*cuStreamCreate)(void** stream, unsigned flags);
  int (*cuStreamDestroy)(void* stream);
  int (*cuStreamSynchronize)(void* stream);
  int (*cuStreamWaitEvent)(void* stream, void* event, unsigned flags);
  int (*cuEventCreate)(void** event, unsigned flags);
  int (*cuEventDestroy)(void* event);
  int (*cuEventSynchronize)(void* event);
  int (*cuEventRecord)(void* event, void* stream);
  int (*cuEventElapsedTime)(float* ms, void* start, void* end);
  int (*cuMemAllocManaged)(uint64_t* dptr, size_t bytes, unsigned flags);
  int (*cuMemcpyAsync)(uint64_t dst, uint64_t src, size_t bytes, void* stream);
  int (*cuMemsetD32Async)(uint64_t dst, unsigned value, size_t count, void* stream);
  int (*cuDeviceGetAttribute)(int* value, int attribute, int device);
  void* context;
  int device;
} gpu_api;

static pthread_once_t g_api_once = PTHREAD_ONCE_INIT;
static gpu_api g_api;
static grad_status g_api_status;

static pthread_mutex_t g_error_lock = PTHREAD_MUTEX_INITIALIZER;
static grad_status g_error;

static void set_error(grad_status status) {
  if (!status)
    return;
  pthread_mutex_lock(&g_error_lock);
  if (!g_error)
    g_error = status;
  else
    grad_status_free(status);
  pthread_mutex_unlock(&g_error_lock);
}

static int has_error(void) {
  pthread_mutex_lock(&g_error_lock);
  int failed = g_error != NULL;
  pthread_mutex_unlock(&g_error_lock);
  return failed;
}

grad_status grad_gpu_take_error(void) {
  pthread_mutex_lock(&g_error_lock);
  grad_status status = g_error;
  g_error = NULL;
  pthread_mutex_unlock(&g_error_lock);
  return status;
}

static const char* result_name(int result) {
  const char* name = NULL;
  if (g_api.base && g_api.base->cuGetErrorName(result, &name) == 0 && name)
    return name;
  return "unknown CUresult";
}

static void load_api(void) {
  const grad_cuda_driver* driver = NULL;
  g_api_status = grad_cuda_driver_get(&driver);
  if (g_api_status)
    return;
  g_api.base = driver;
  struct {
    const char* name;
    void** slot;
  } symbols[] = {
      {"cuDevicePrimaryCtxRetain", (void**)&g_api.cuDevicePrimaryCtxRetain},
      {"cuCtxSetCurrent", (void**)&g_api.cuCtxSetCurrent},
      {"cuModuleLoadDataEx", (void**)&g_api.cuModuleLoadDataEx},
      {"cuStreamCreate", (void**)&g_api.cuStreamCreate},
      {"cuStreamDestroy_v2", (void**)&g_api.cuStreamDestroy},
      {"cuStreamSynchronize", (void**)&g_api.cuStreamSynchronize},
      {"cuStreamWaitEvent", (void**)&g_api.cuStreamWaitEvent},
      {"cuEventCreate", (void**)&g_api.cuEventCreate},
      {"cuEventDestroy_v2", (void**)&g_api.cuEventDestroy},
      {"cuEventSynchronize", (void**)&g_api.cuEventSynchronize},
      {"cuEventRecord", (void**)&g_api.cuEventRecord},
      {"cuEventElapsedTime", (void**)&g_api.cuEventElapsedTime},
      {"cuMemAllocManaged", (void**)&g_api.cuMemAllocManaged},
      {"cuMemcpyAsync", (void**)&g_api.cuMemcpyAsync},
      {"cuMemsetD32Async", (void**)&g_api.cuMemsetD32Async},
      {"cuDeviceGetAttribute", (void**)&g_api.cuDeviceGetAttribute},
  };
  for (size_t i = 0; i < sizeof(symbols) / sizeof(symbols[0]); ++i) {
    *symbols[i].slot = dlsym(driver->library, symbols[i].name);
    if (!*symbols[i].slot) {
      g_api_status = grad_status_make(GRAD_STATUS_UNAVAILABLE,
                                      "CUDA driver lacks the entry point %s (driver too old?)",
                                      symbols[i].name);
      return;
    }
  }
  int count = 0, device = 0;
  int result = driver->cuDeviceGetCount(&count);
  if (result == 0 && count == 0) {
    g_api_status = grad_status_make(GRAD_STATUS_UNAVAILABLE,
                                    "CUDA driver loaded but it reports no CUDA device");
    return;
  }
  if (result == 0)
    result = driver->cuDeviceGet(&device, 0);
  if (result == 0)
    result = g_api.cuDevicePrimaryCtxRetain(&g_api.context, device);
  g_api.device = device;
  if (result != 0)
    g_api_status = grad_status_make(GRAD_STATUS_UNAVAILABLE,
                                    "cannot open CUDA device 0: %s (%d)", result_name(result),
                                    result);
}

/* Loads the driver once and makes the context current on this thread; NULL when usable. */
static _Thread_local int t_context_current;

grad_status grad_gpu_init(void) {
  pthread_once(&g_api_once, load_api);
  if (g_api_status)
    return grad_status_make(grad_status_code(g_api_status), "%s",
                            grad_status_message(g_api_status));
  if (!t_context_current) {
    int result = g_api.cuCtxSetCurrent(g_api.context);
    if (result != 0)
      return grad_status_make(GRAD_STATUS_INTERNAL, "cuCtxSetCurrent failed: %s (%d)",
                              result_name(result), result);
    t_context_current = 1;
  }
  return NULL;
}

grad_status grad_gpu_compute_capability(int* major, int* minor) {
  grad_status status = grad_gpu_init();
  if (status)
    return status;
  int result = g_api.cuDeviceGetAttribute(major, kAttributeCcMajor, g_api.device);
  if (result == 0)
    result = g_api.cuDeviceGetAttribute(minor, kAttributeCcMinor, g_api.device);
  if (result != 0)
    return grad_status_make(GRAD_STATUS_INTERNAL, "cuDeviceGetAttribute failed: %s (%d)",
                            result_name(result), result);
  return NULL;
}

/* 1 when the caller may go on: no earlier error and the driver is usable. */
static int ready(void) {
  if (has_error())
    return 0;
  grad_status status = grad_gpu_init();
  if (status) {
    set_error(status);
    return 0;
  }
  return 1;
}

static int check(int result, const char* call) {
  if (result == 0)
    return 1;
  set_error(grad_status_make(GRAD_STATUS_INTERNAL, "%s failed: %s (%d)", call,
                             result_name(result), result));
  return 0;
}

/*--- modules -------------------------------------------------------------*/

/* Image address -> module. The generated code loads and unloads the module around every
 * launch; the image is a constant of the compiled program, so its address is its identity. */
static pthread_mutex_t g_module_lock = PTHREAD_MUTEX_INITIALIZER;
static struct {
  const void* image;
  void* module;
} g_modules[kModuleCacheSize];
static int g_module_count;

static void* load_module(void* data, int opt_level) {
  if (!ready() || !data)
    return NULL;
  pthread_mutex_lock(&g_module_lock);
  for (int i = 0; i < g_module_count; ++i)
    if (g_modules[i].image == data) {
      void* module = g_modules[i].module;
      pthread_mutex_unlock(&g_module_lock);
      return module;
    }
  char log[4096];
  log[0] = '\0';
  int options[3] = {kJitErrorLogBuffer, kJitErrorLogBufferSizeBytes, kJitOptimizationLevel};
  void* values[3] = {log, (void*)(uintptr_t)sizeof(log),
                     (void*)(uintptr_t)(opt_level < 0 ? 4 : opt_level > 4 ? 4 : opt_level)};
  void* module = NULL;
  int result = g_api.cuModuleLoadDataEx(&module, data, 3, options, values);
  if (result != 0) {
    set_error(grad_status_make(GRAD_STATUS_INTERNAL, "cuModuleLoadDataEx failed: %s (%d): %s",
                               result_name(result), result, log));
    module = NULL;
  } else if (g_module_count < kModuleCacheSize) {
    g_modules[g_module_count].image = data;
    g_modules[g_module_count].module = module;
    ++g_module_count;
  }
  pthread_mutex_unlock(&g_module_lock);
  return module;
}

void grad_gpu_clear_module_cache(void) {
  pthread_mutex_lock(&g_module_lock);
  for (int i = 0; i < g_module_count; ++i)
    if (g_api.base && g_modules[i].module)
      check(g_api.base->cuModuleUnload(g_modules[i].module), "cuModuleUnload");
  g_module_count = 0;
  pthread_mutex_unlock(&g_module_lock);
}

void* mgpuModuleLoad(void* data, size_t size) {
  (void)size;
  return load_module(data, 4);
}

void* mgpuModuleLoadJIT(void* data, int opt_level) { return load_module(data, opt_level); }

void mgpuModuleUnload(void* module) {
  if (!module)
    return;
  pthread_mutex_lock(&g_module_lock);
  int cached = 0;
  for (int i = 0; i < g_module_count; ++i)
    cached |= g_modules[i].module == module;
  pthread_mutex_unlock(&g_module_lock);
  if (!cached && g_api.base)
    check(g_api.base->cuModuleUnload(module), "cuModuleUnload");
}

void* mgpuModuleGetFunction(void* module, const char* name) {
  if (!module || !ready())
    return NULL;
  void* function = NULL;
  int result = g_api.base->cuModuleGetFunction(&function, module, name);
  if (result != 0) {
    set_error(grad_status_make(GRAD_STATUS_INTERNAL, "cuModuleGetFunction(%s) failed: %s (%d)",
                               name, result_name(result), result));
    return NULL;
  }
  return function;
}

void mgpuLaunchKernel(void* function, intptr_t grid_x, intptr_t grid_y, intptr_t grid_z,
                      intptr_t block_x, intptr_t block_y, intptr_t block_z, int32_t shared_bytes,
                      void* stream, void** params, void** extra, size_t param_count) {
  (void)param_count;
  if (!function || !ready())
    return;
  check(g_api.base->cuLaunchKernel(function, (unsigned)grid_x, (unsigned)grid_y,
                                   (unsigned)grid_z, (unsigned)block_x, (unsigned)block_y,
                                   (unsigned)block_z, (unsigned)shared_bytes, stream, params,
                                   extra),
        "cuLaunchKernel");
}

/*--- streams and events --------------------------------------------------*/

void* mgpuStreamCreate(void) {
  void* stream = NULL;
  if (ready())
    check(g_api.cuStreamCreate(&stream, kStreamNonBlocking), "cuStreamCreate");
  return stream;
}

void mgpuStreamDestroy(void* stream) {
  if (stream && g_api.cuStreamDestroy)
    check(g_api.cuStreamDestroy(stream), "cuStreamDestroy");
}

void mgpuStreamSynchronize(void* stream) {
  if (ready())
    check(g_api.cuStreamSynchronize(stream), "cuStreamSynchronize");
}

void mgpuStreamWaitEvent(void* stream, void* event) {
  if (event && ready())
    check(g_api.cuStreamWaitEvent(stream, event, 0), "cuStreamWaitEvent");
}

void* mgpuEventCreate(void) {
  void* event = NULL;
  if (ready())
    check(g_api.cuEventCreate(&event, 0), "cuEventCreate");
  return event;
}

void mgpuEventDestroy(void* event) {
  if (event && g_api.cuEventDestroy)
    check(g_api.cuEventDestroy(event), "cuEventDestroy");
}

void mgpuEventSynchronize(void* event) {
  if (event && ready())
    check(g_api.cuEventSynchronize(event), "cuEventSynchronize");
}

void mgpuEventRecord(void* event, void* stream) {
  if (event && ready())
    check(g_api.cuEventRecord(event, stream), "cuEventRecord");
}

float grad_gpu_event_elapsed_ms(void* start, void* end) {
  float ms = -1.0f;
  if (start && end && ready() && !check(g_api.cuEventElapsedTime(&ms, start, end),
                                        "cuEventElapsedTime"))
    ms = -1.0f;
  return ms;
}

/*--- memory --------------------------------------------------------------*/

void* mgpuMemAlloc(uint64_t bytes, void* stream, int8_t host_shared) {
  (void)stream;
  if (!ready())
    return NULL;
  uint64_t ptr = 0;
  if (bytes == 0)
    bytes = 1; /* a valid, distinct pointer for empty buffers */
  if (host_shared)
    check(g_api.cuMemAllocManaged(&ptr, bytes, kMemAttachGlobal), "cuMemAllocManaged");
  else
    check(g_api.base->cuMemAlloc(&ptr, bytes), "cuMemAlloc");
  return (void*)(uintptr_t)ptr;
}

void mgpuMemFree(void* ptr, void* stream) {
  (void)stream;
  if (ptr && g_api.base)
    check(g_api.base->cuMemFree((uint64_t)(uintptr_t)ptr), "cuMemFree");
}

void mgpuMemcpy(void* dst, void* src, size_t bytes, void* stream) {
  if (ready())
    check(g_api.cuMemcpyAsync((uint64_t)(uintptr_t)dst, (uint64_t)(uintptr_t)src, bytes, stream),
          "cuMemcpyAsync");
}

void mgpuMemset32(void* dst, uint32_t value, size_t count, void* stream) {
  if (ready())
    check(g_api.cuMemsetD32Async((uint64_t)(uintptr_t)dst, value, count, stream),
          "cuMemsetD32Async");
}
