// Bandwidth of a fused elementwise kernel, out = x * y + x on 2^26 f32 (768 MiB moved per
// call), as a fraction of the device's copy bandwidth (cuMemcpyDtoDAsync, 512 MiB moved per
// call), both timed with CUDA events on one stream: median of 20 runs after 3 warm-ups. The
// kernel is the PTX gradc emits, launched with the grid and block of the compiled host code;
// its output is checked against the host. `--probe` only says whether a GPU can be used
// (exit 0) or why not (exit 1).
#include "grad/Gpu/GpuPipeline.h"
#include "grad/Dialect/Registration.h"
#include "grad/gradrt_gpu.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/Utils/StaticValueUtils.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/Parser/Parser.h"

#include <dlfcn.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

namespace {

constexpr int64_t kN = int64_t(1) << 26;
constexpr int kWarmup = 3, kRuns = 20;

const std::string kSource = R"mlir(
func.func @fma(%x: tensor<NxF32>, %y: tensor<NxF32>) -> tensor<NxF32> {
  %0 = grad.mul %x, %y : tensor<NxF32>
  %1 = grad.add %0, %x : tensor<NxF32>
  return %1 : tensor<NxF32>
}
)mlir";

std::string source() {
  std::string s = kSource, type = std::to_string(kN) + "xf32";
  for (size_t at; (at = s.find("NxF32")) != std::string::npos;)
    s.replace(at, 5, type);
  return s;
}

int fail(const std::string &message) {
  std::fprintf(stderr, "bench_gpu_bandwidth: %s\n", message.c_str());
  return 1;
}

std::string takeError() {
  grad_status status = grad_gpu_take_error();
  std::string message = status ? grad_status_message(status) : "";
  grad_status_free(status);
  return message;
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

} // namespace

int main(int argc, char **argv) {
  bool probe = argc > 1 && std::strcmp(argv[1], "--probe") == 0;
  std::string reason;
  if (grad_status init = grad_gpu_init()) {
    reason = grad_status_message(init);
    grad_status_free(init);
  }
  if (probe) {
    std::printf("%s\n", reason.empty() ? "GPU available" : ("no GPU: " + reason).c_str());
    return reason.empty() ? 0 : 1;
  }

  // Compile: the host code says how the kernel is launched, the PTX is the kernel.
  mlir::DialectRegistry registry;
  grad::registerGradDialects(registry);
  grad::registerGpuCodegenDialects(registry);
  mlir::MLIRContext context(registry);
  auto module = mlir::parseSourceString<mlir::ModuleOp>(source(), &context);
  if (!module)
    return fail("cannot parse the benchmark module");
  // The device's architecture when there is one (sm_80 PTX for an A100), else sm_90.
  grad::GpuCodegenOptions options;
  int major = 0, minor = 0;
  if (grad_status cc = grad_gpu_compute_capability(&major, &minor))
    grad_status_free(cc);
  else if (major == 8)
    options.chip = "sm_80";
  std::string ptx;
  llvm::raw_string_ostream ptxStream(ptx);
  if (failed(grad::emitPtx(*module, ptxStream, options)))
    return fail("PTX emission failed");
  if (failed(grad::lowerToGpuKernels(*module, options)))
    return fail("GPU lowering failed");
  std::vector<mlir::gpu::LaunchFuncOp> launches;
  module->walk([&](mlir::gpu::LaunchFuncOp op) { launches.push_back(op); });
  if (launches.size() != 1)
    return fail("expected one fused kernel, got " + std::to_string(launches.size()));
  mlir::gpu::LaunchFuncOp launch = launches[0];
  int64_t dims[6];
  mlir::Value sizes[6] = {launch.getGridSizeX(),  launch.getGridSizeY(),  launch.getGridSizeZ(),
                          launch.getBlockSizeX(), launch.getBlockSizeY(), launch.getBlockSizeZ()};
  for (int i = 0; i < 6; ++i) {
    std::optional<int64_t> c = mlir::getConstantIntValue(sizes[i]);
    if (!c)
      return fail("launch size is not a constant");
    dims[i] = *c;
  }
  std::vector<unsigned> argIndex; // kernel operand -> function argument (x, y, out)
  for (mlir::Value operand : launch.getKernelOperands()) {
    auto arg = mlir::dyn_cast<mlir::BlockArgument>(operand);
    if (!arg)
      return fail("kernel operand is not a function argument");
    argIndex.push_back(arg.getArgNumber());
  }
  std::string kernelName = launch.getKernelName().str();
  std::printf("kernel %s: grid (%lld, %lld, %lld), block (%lld, %lld, %lld), %zu bytes of PTX\n",
              kernelName.c_str(), (long long)dims[0], (long long)dims[1], (long long)dims[2],
              (long long)dims[3], (long long)dims[4], (long long)dims[5], ptx.size());
  if (!reason.empty()) {
    std::printf("no GPU: %s\n", reason.c_str());
    return 1;
  }

  const grad_cuda_driver *driver = nullptr;
  grad_status_free(grad_cuda_driver_get(&driver));
  using CopyFn = int (*)(uint64_t, uint64_t, size_t, void *);
  auto copyDtoD = reinterpret_cast<CopyFn>(dlsym(driver->library, "cuMemcpyDtoDAsync_v2"));
  if (!copyDtoD)
    return fail("driver lacks cuMemcpyDtoDAsync_v2");

  void *cuModule = nullptr, *function = nullptr;
  if (driver->cuModuleLoadData(&cuModule, ptx.c_str()) != 0 ||
      driver->cuModuleGetFunction(&function, cuModule, kernelName.c_str()) != 0)
    return fail("cannot load the PTX kernel " + kernelName);

  size_t bytes = kN * sizeof(float);
  std::vector<float> x(kN), y(kN), out(kN);
  for (int64_t i = 0; i < kN; ++i) {
    x[i] = float(i % 1000) * 0.001f;
    y[i] = float((i * 7) % 13) - 6.0f;
  }
  uint64_t buffers[3] = {0, 0, 0};
  for (uint64_t &b : buffers)
    if (driver->cuMemAlloc(&b, bytes) != 0)
      return fail("cuMemAlloc failed");
  driver->cuMemcpyHtoD(buffers[0], x.data(), bytes);
  driver->cuMemcpyHtoD(buffers[1], y.data(), bytes);
  driver->cuCtxSynchronize(); // the timed stream does not wait for the legacy stream's copies

  // Kernel parameters: each memref<Nxf32> is {allocated, aligned, offset, size, stride}.
  std::vector<int64_t> words;
  for (unsigned a : argIndex) {
    int64_t ptr = static_cast<int64_t>(buffers[a]);
    words.insert(words.end(), {ptr, ptr, 0, kN, 1});
  }
  std::vector<void *> params;
  for (int64_t &w : words)
    params.push_back(&w);

  void *stream = mgpuStreamCreate();
  void *start = mgpuEventCreate(), *stop = mgpuEventCreate();
  auto time = [&](auto &&body) {
    std::vector<double> ms;
    for (int i = 0; i < kWarmup + kRuns; ++i) {
      mgpuEventRecord(start, stream);
      body();
      mgpuEventRecord(stop, stream);
      mgpuEventSynchronize(stop);
      if (i >= kWarmup)
        ms.push_back(grad_gpu_event_elapsed_ms(start, stop));
    }
    return median(ms);
  };
  double kernelMs = time([&] {
    driver->cuLaunchKernel(function, dims[0], dims[1], dims[2], dims[3], dims[4], dims[5], 0,
                           stream, params.data(), nullptr);
  });
  double copyMs = time([&] { copyDtoD(buffers[2], buffers[0], bytes, stream); });
  // The last thing written to `out` is the copy; run the kernel once more to check it.
  driver->cuLaunchKernel(function, dims[0], dims[1], dims[2], dims[3], dims[4], dims[5], 0, stream,
                         params.data(), nullptr);
  mgpuStreamSynchronize(stream);
  if (std::string e = takeError(); !e.empty())
    return fail(e);
  driver->cuMemcpyDtoH(out.data(), buffers[2], bytes);
  for (int64_t i = 0; i < kN; ++i) {
    float want = x[i] * y[i] + x[i];
    if (std::abs(out[i] - want) > 1e-5f * (1.0f + std::abs(want)))
      return fail("wrong result at " + std::to_string(i) + ": " + std::to_string(out[i]) + " vs " +
                  std::to_string(want));
  }

  double kernelGBs = 3.0 * bytes / (kernelMs * 1e-3) / 1e9;
  double copyGBs = 2.0 * bytes / (copyMs * 1e-3) / 1e9;
  std::printf("fused x*y+x, %lld f32, grid %lld x block %lld: %.3f ms, %.1f GB/s\n",
              static_cast<long long>(kN), static_cast<long long>(dims[0]),
              static_cast<long long>(dims[3]), kernelMs, kernelGBs);
  std::printf("cuMemcpyDtoDAsync, %zu bytes: %.3f ms, %.1f GB/s\n", bytes, copyMs, copyGBs);
  std::printf("fused kernel / copy bandwidth: %.2f\n", kernelGBs / copyGBs);
  for (uint64_t b : buffers)
    driver->cuMemFree(b);
  return 0;
}
