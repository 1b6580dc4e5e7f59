// An elementwise-heavy block, y = gelu(layer_norm(x)) + x on 4096x1024 f32 (forward only), compiled
// (fused linalg generics, vectorized) vs the eager kernels in one run, one thread. The compiled
// function is written in the grad dialect exactly as eager's layer_norm composes it.
#include "grad/Codegen/Jit.h"
#include "grad/Dialect/Registration.h"
#include "grad/ops.h"
#include "grad/tensor.h"

#include "mlir/IR/MLIRContext.h"
#include "mlir/Parser/Parser.h"

#include <benchmark/benchmark.h>

namespace {

constexpr const char *kBlock = R"mlir(
func.func @block(%x: tensor<4096x1024xf32>) -> tensor<4096x1024xf32> {
  %mu = grad.mean %x {axes = array<i64: 1>, keepdim = true} : tensor<4096x1024xf32> -> tensor<4096x1xf32>
  %mub = grad.broadcast %mu {dims = array<i64: 0, 1>} : tensor<4096x1xf32> -> tensor<4096x1024xf32>
  %c = grad.sub %x, %mub : tensor<4096x1024xf32>
  %sq = grad.mul %c, %c : tensor<4096x1024xf32>
  %var = grad.mean %sq {axes = array<i64: 1>, keepdim = true} : tensor<4096x1024xf32> -> tensor<4096x1xf32>
  %eps = grad.constant dense<1.0e-5> : tensor<4096x1xf32>
  %ve = grad.add %var, %eps : tensor<4096x1xf32>
  %r = grad.rsqrt %ve : tensor<4096x1xf32>
  %rb = grad.broadcast %r {dims = array<i64: 0, 1>} : tensor<4096x1xf32> -> tensor<4096x1024xf32>
  %n = grad.mul %c, %rb : tensor<4096x1024xf32>
  %g = grad.gelu %n : tensor<4096x1024xf32>
  %y = grad.add %g, %x : tensor<4096x1024xf32>
  return %y : tensor<4096x1024xf32>
}
)mlir";

void BM_CompiledBlock(benchmark::State &state) {
  mlir::DialectRegistry registry;
  grad::registerGradDialects(registry);
  grad::registerCodegenDialects(registry);
  mlir::MLIRContext context(registry);
  context.loadAllAvailableDialects();
  auto module = mlir::parseSourceString<mlir::ModuleOp>(kBlock, &context);
  auto compiled = grad::CompiledModule::compile(*module);
  if (mlir::failed(compiled)) {
    state.SkipWithError("compilation failed");
    return;
  }
  grad::Tensor x = grad::randn({4096, 1024}, 1);
  grad::Tensor y = grad::empty({4096, 1024});
  for (auto _ : state) {
    (void)(*compiled)->runRaw("block", {x.data_ptr<float>()}, {y.data_ptr<float>()});
    benchmark::DoNotOptimize(y.data_ptr<float>());
  }
}

void BM_EagerBlock(benchmark::State &state) {
  grad::Tensor x = grad::randn({4096, 1024}, 1);
  for (auto _ : state) {
    grad::Tensor y = grad::gelu(grad::layer_norm(x)) + x;
    benchmark::DoNotOptimize(y.data_ptr<float>());
  }
}

} // namespace

BENCHMARK(BM_EagerBlock)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_CompiledBlock)->Unit(benchmark::kMillisecond);
BENCHMARK_MAIN();
