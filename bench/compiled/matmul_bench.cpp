// Matmul C = A x B (f32, row-major, one thread): the tiled + vectorized code of the CPU pipeline
// (grad.matmul -> linalg.matmul -> grad-tile-and-vectorize) vs OpenBLAS cblas_sgemm, in one run.
// Also sweeps the register tile, the schedule knob that matters most. Run with
//   OPENBLAS_NUM_THREADS=1 env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE bench_compiled_matmul
// so that OpenBLAS uses its best kernel for this CPU (see docs/codegen.md).
#include "grad/Codegen/Jit.h"
#include "grad/Dialect/Registration.h"

#include "mlir/IR/MLIRContext.h"
#include "mlir/Parser/Parser.h"

#include <benchmark/benchmark.h>
#include <cblas.h>

#include <map>
#include <memory>
#include <random>
#include <string>
#include <vector>

namespace {

std::string matmulSource(int64_t n) {
  std::string t = "tensor<" + std::to_string(n) + "x" + std::to_string(n) + "xf32>";
  return "func.func @mm(%a: " + t + ", %b: " + t + ") -> " + t +
         " {\n  %0 = grad.matmul %a, %b : " + t + ", " + t + " -> " + t + "\n  return %0 : " + t +
         "\n}\n";
}

mlir::MLIRContext &context() {
  static mlir::MLIRContext *ctx = [] {
    mlir::DialectRegistry registry;
    grad::registerGradDialects(registry);
    grad::registerCodegenDialects(registry);
    auto *c = new mlir::MLIRContext(registry);
    c->loadAllAvailableDialects();
    return c;
  }();
  return *ctx;
}

std::unique_ptr<grad::CompiledModule> compileMatmul(int64_t n, int64_t regM, int64_t regN,
                                                    std::vector<int64_t> cacheTile = {64, 128, 64},
                                                    bool pack = true) {
  auto module = mlir::parseSourceString<mlir::ModuleOp>(matmulSource(n), &context());
  grad::CodegenOptions options;
  options.matmulRegisterTile = {regM, regN, 1};
  options.matmulTile = cacheTile;
  options.packMatmulRhs = pack;
  auto compiled = grad::CompiledModule::compile(*module, options);
  return mlir::succeeded(compiled) ? std::move(*compiled) : nullptr;
}

std::vector<float> randomMatrix(int64_t n, unsigned seed) {
  std::mt19937 gen(seed);
  std::uniform_real_distribution<float> dist(-1.f, 1.f);
  std::vector<float> v(n * n);
  for (float &x : v)
    x = dist(gen);
  return v;
}

void setFlops(benchmark::State &state, int64_t n) {
  state.counters["GFLOP/s"] =
      benchmark::Counter(2.0 * n * n * n * state.iterations() / 1e9, benchmark::Counter::kIsRate);
}

void BM_Compiled(benchmark::State &state) {
  int64_t n = state.range(0);
  auto compiled =
      compileMatmul(n, state.range(1), state.range(2),
                    {state.range(3), state.range(4), state.range(5)}, state.range(6) != 0);
  if (!compiled) {
    state.SkipWithError("compilation failed");
    return;
  }
  std::vector<float> a = randomMatrix(n, 1), b = randomMatrix(n, 2), c(n * n);
  for (auto _ : state) {
    (void)compiled->runRaw("mm", {a.data(), b.data()}, {c.data()});
    benchmark::DoNotOptimize(c.data());
  }
  setFlops(state, n);
}

void BM_OpenBLAS(benchmark::State &state) {
  int64_t n = state.range(0);
  openblas_set_num_threads(1);
  std::vector<float> a = randomMatrix(n, 1), b = randomMatrix(n, 2), c(n * n);
  for (auto _ : state) {
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, n, n, n, 1.f, a.data(), n, b.data(), n,
                0.f, c.data(), n);
    benchmark::DoNotOptimize(c.data());
  }
  setFlops(state, n);
}

void BM_CompileTime(benchmark::State &state) {
  for (auto _ : state)
    benchmark::DoNotOptimize(compileMatmul(state.range(0), 8, 32));
}

} // namespace

BENCHMARK(BM_OpenBLAS)->Arg(256)->Arg(512)->Arg(1024)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_Compiled)
    ->ArgNames({"n", "regM", "regN", "tileM", "tileN", "tileK", "packB"})
    ->Args({256, 8, 32, 64, 128, 64, 1})
    ->Args({512, 8, 32, 64, 128, 64, 1})
    ->Args({1024, 8, 32, 64, 128, 64, 1})
    ->Args({1024, 8, 32, 64, 128, 64, 0})
    ->Args({1024, 4, 64, 64, 128, 64, 1})
    ->Args({1024, 8, 32, 64, 256, 128, 1})
    ->Args({1024, 8, 32, 128, 64, 32, 1})
    ->Unit(benchmark::kMillisecond);
BENCHMARK(BM_CompileTime)->Arg(1024)->Unit(benchmark::kMillisecond);
BENCHMARK_MAIN();
