/*===- cuda_loader.c - CUDA driver API loaded with dlopen --------------------===*
 *
 * gradrt never links libcuda: it opens libcuda.so.1 at run time, so the same binary runs (and
 * its tests pass) on machines without a GPU, where every CUDA call reports a clear
 * UNAVAILABLE status instead of failing at load time. Only the loader and its status exist for
 * now; kernel launches through it come with the NVPTX backend.
 *===----------------------------------------------------------------------===*/
#include "grad/gradrt.h"

#include <dlfcn.h>
#include <pthread.h>
#include <string.h>

static grad_status resolve(void* library, const char* path, const char* name, void** out_fn) {
  dlerror();
  *out_fn = dlsym(library, name);
  if (!*out_fn)
    return grad_status_make(GRAD_STATUS_UNAVAILABLE,
                            "CUDA driver %s lacks the entry point %s (driver too old?)", path,
                            name);
  return NULL;
}

grad_status grad_cuda_driver_load_from(const char* path, grad_cuda_driver* out_driver) {
  if (!out_driver)
    return grad_status_make(GRAD_STATUS_INVALID_ARGUMENT,
                            "grad_cuda_driver_load_from: out_driver is NULL");
  memset(out_driver, 0, sizeof(*out_driver));
  if (!path)
    path = "libcuda.so.1";
  dlerror();
  void* library = dlopen(path, RTLD_NOW | RTLD_LOCAL);
  if (!library) {
    const char* reason = dlerror();
    return grad_status_make(GRAD_STATUS_UNAVAILABLE,
                            "no CUDA driver found: %s could not be loaded (%s)", path,
                            reason ? reason : "unknown dlopen error");
  }
  grad_cuda_driver driver;
  memset(&driver, 0, sizeof(driver));
  driver.library = library;
  /* Versioned names (_v2) are the ones cuda.h maps the plain names to for 64-bit pointers. */
  struct {
    const char* name;
    void** slot;
  } symbols[] = {
      {"cuInit", (void**)&driver.cuInit},
      {"cuDeviceGetCount", (void**)&driver.cuDeviceGetCount},
      {"cuDeviceGet", (void**)&driver.cuDeviceGet},
      {"cuCtxCreate_v2", (void**)&driver.cuCtxCreate},
      {"cuCtxDestroy_v2", (void**)&driver.cuCtxDestroy},
      {"cuModuleLoadData", (void**)&driver.cuModuleLoadData},
      {"cuModuleUnload", (void**)&driver.cuModuleUnload},
      {"cuModuleGetFunction", (void**)&driver.cuModuleGetFunction},
      {"cuLaunchKernel", (void**)&driver.cuLaunchKernel},
      {"cuMemAlloc_v2", (void**)&driver.cuMemAlloc},
      {"cuMemFree_v2", (void**)&driver.cuMemFree},
      {"cuMemcpyHtoD_v2", (void**)&driver.cuMemcpyHtoD},
      {"cuMemcpyDtoH_v2", (void**)&driver.cuMemcpyDtoH},
      {"cuCtxSynchronize", (void**)&driver.cuCtxSynchronize},
      {"cuGetErrorName", (void**)&driver.cuGetErrorName},
  };
  for (size_t i = 0; i < sizeof(symbols) / sizeof(symbols[0]); ++i) {
    grad_status status = resolve(library, path, symbols[i].name, symbols[i].slot);
    if (status) {
      dlclose(library);
      return status;
    }
  }
  int result = driver.cuInit(0);
  if (result != 0) {
    const char* name = NULL;
    if (driver.cuGetErrorName(result, &name) != 0 || !name)
      name = "unknown CUresult";
    grad_status status =
        grad_status_make(GRAD_STATUS_UNAVAILABLE,
                         "CUDA driver %s loaded but cuInit failed: %s (%d)", path, name, result);
    dlclose(library);
    return status;
  }
  *out_driver = driver;
  return NULL;
}

void grad_cuda_driver_unload(grad_cuda_driver* driver) {
  if (!driver)
    return;
  if (driver->library)
    dlclose(driver->library);
  memset(driver, 0, sizeof(*driver));
}

/* The process-wide driver: loaded once; the failure, if any, is kept and copied to callers. */
static pthread_once_t g_driver_once = PTHREAD_ONCE_INIT;
static grad_cuda_driver g_driver;
static grad_status g_driver_status;

static void load_process_driver(void) {
  g_driver_status = grad_cuda_driver_load_from("libcuda.so.1", &g_driver);
}

grad_status grad_cuda_driver_get(const grad_cuda_driver** out_driver) {
  pthread_once(&g_driver_once, load_process_driver);
  if (g_driver_status) {
    if (out_driver)
      *out_driver = NULL;
    return grad_status_make(grad_status_code(g_driver_status), "%s",
                            grad_status_message(g_driver_status));
  }
  if (out_driver)
    *out_driver = &g_driver;
  return NULL;
}

int grad_cuda_available(grad_status* out_status) {
  grad_status status = grad_cuda_driver_get(NULL);
  if (out_status)
    *out_status = status;
  else
    grad_status_free(status);
  return status == NULL;
}
