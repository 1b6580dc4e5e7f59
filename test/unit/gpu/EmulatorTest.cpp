// The GPU kernels, executed on the CPU with CUDA's block/thread/barrier semantics (GpuEmulator.h),
// against the reference interpreter: the e2e models (every kernel kind: fused elementwise,
// block reductions through gpu.all_reduce, serial reductions, shared-memory tiled matmuls) and
// shapes that exercise the guards (sizes not multiples of the block or the 16x16 tile).
#include "GpuEmulator.h"
#include "grad/Codegen/Jit.h"
#include "grad/Dialect/Registration.h"
#include "grad/Gpu/GpuJit.h"
#include "grad/Gpu/GpuPipeline.h"
#include "grad/Interpreter/Interpreter.h"
#include "grad/ops.h"
#include "grad/tensor.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/Parser/Parser.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <fstream>
#include <sstream>

namespace {

std::string readSource(const std::string &relative) {
  const char *root = std::getenv("GRAD_SOURCE_DIR");
  std::ifstream in(std::string(root ? root : ".") + "/" + relative);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

std::vector<grad::Tensor> inputsFor(const grad::FunctionSignature &sig) {
  std::vector<grad::Tensor> inputs;
  uint64_t seed = 11;
  for (const grad::TensorSignature &in : sig.inputs) {
    if (in.dtype == grad::DType::i64) {
      std::vector<int64_t> values(grad::shape_numel(in.shape));
      for (size_t i = 0; i < values.size(); ++i)
        values[i] = static_cast<int64_t>((i * 7 + 1) % 4); // the models' 4 classes
      inputs.push_back(grad::tensor(values, in.shape));
    } else if (in.dtype == grad::DType::b8) {
      std::vector<bool> values(grad::shape_numel(in.shape));
      for (size_t i = 0; i < values.size(); ++i)
        values[i] = i % 3 != 0;
      inputs.push_back(grad::bool_tensor(values, in.shape));
    } else {
      inputs.push_back(grad::randn(in.shape, seed++, in.dtype));
    }
  }
  return inputs;
}

/// Emulates `fn` of `source` and compares every output with the interpreter.
void expectEmulatedMatchesInterpreter(const std::string &source, const std::string &fn) {
  mlir::DialectRegistry registry;
  grad::registerGradDialects(registry);
  grad::registerGpuCodegenDialects(registry);
  mlir::MLIRContext context(registry);
  context.loadAllAvailableDialects();
  std::string diagnostics;
  mlir::ScopedDiagnosticHandler handler(&context, [&](mlir::Diagnostic &d) {
    diagnostics += d.str() + "\n";
    return mlir::success();
  });
  auto module = mlir::parseSourceString<mlir::ModuleOp>(source, &context);
  ASSERT_TRUE(module) << diagnostics;
  auto emulated = grad::GpuEmulatedModule::compile(*module);
  ASSERT_TRUE(succeeded(emulated)) << diagnostics;
  auto sigs = grad::collectSignatures(*module);
  ASSERT_TRUE(succeeded(sigs));
  const grad::FunctionSignature *sig = nullptr;
  for (const auto &s : *sigs)
    if (s.name == fn)
      sig = &s;
  ASSERT_NE(sig, nullptr);
  std::vector<grad::Tensor> inputs = inputsFor(*sig);
  auto want = grad::interpret(module->lookupSymbol<mlir::func::FuncOp>(fn), inputs);
  ASSERT_TRUE(succeeded(want)) << diagnostics;
  std::string error;
  auto got = (*emulated)->run(fn, inputs, &error);
  ASSERT_TRUE(succeeded(got)) << error;
  ASSERT_EQ(got->size(), want->size());
  for (size_t i = 0; i < got->size(); ++i) {
    SCOPED_TRACE("output " + std::to_string(i));
    ASSERT_EQ((*got)[i].shape(), (*want)[i].shape());
    std::vector<double> g = (*got)[i].to_vector<double>(), w = (*want)[i].to_vector<double>();
    for (size_t j = 0; j < g.size(); ++j)
      ASSERT_NEAR(g[j], w[j], 1e-4 + 1e-4 * std::abs(w[j])) << "element " << j;
  }
}

TEST(GpuEmulator, MlpForwardAndLoss) {
  std::string source = readSource("examples/aot/mlp.mlir");
  expectEmulatedMatchesInterpreter(source, "mlp");
  expectEmulatedMatchesInterpreter(source, "mlp_loss");
}

TEST(GpuEmulator, MlpCrossEntropyLossAndGradients) {
  expectEmulatedMatchesInterpreter(readSource("test/lit/gpu/Inputs/mlp_ce_grad.mlir"), "forward");
}

TEST(GpuEmulator, TransformerBlockLossAndGradients) {
  expectEmulatedMatchesInterpreter(readSource("test/lit/gpu/Inputs/transformer_grad.mlir"),
                                   "forward");
}

TEST(GpuEmulator, LayerNormGeluBlock) {
  expectEmulatedMatchesInterpreter(readSource("test/lit/gpu/Inputs/layernorm_gelu.mlir"), "block");
}

TEST(GpuEmulator, RaggedMatmulAndReductions) {
  // 37x70 @ 70x23: no size is a multiple of 16 (partial tiles in M, N and K). Max over 300
  // (block reduction, more elements than threads), sum over 5 of 5000 rows (serial), mean over
  // the outer dimension (strided block reduction), sum over the 33 rows of 33x4100 (one thread
  // per column: coalesced serial reduction).
  expectEmulatedMatchesInterpreter(R"mlir(
func.func @f(%a: tensor<37x70xf32>, %b: tensor<70x23xf32>, %x: tensor<9x300xf32>,
             %y: tensor<5000x5xf32>, %z: tensor<33x4100xf32>)
    -> (tensor<37x23xf32>, tensor<9xf32>, tensor<5000xf32>, tensor<5xf32>, tensor<4100xf32>) {
  %0 = grad.matmul %a, %b : tensor<37x70xf32>, tensor<70x23xf32> -> tensor<37x23xf32>
  %1 = grad.max %x {axes = array<i64: 1>} : tensor<9x300xf32> -> tensor<9xf32>
  %2 = grad.sum %y {axes = array<i64: 1>} : tensor<5000x5xf32> -> tensor<5000xf32>
  %3 = grad.mean %y {axes = array<i64: 0>} : tensor<5000x5xf32> -> tensor<5xf32>
  %4 = grad.sum %z {axes = array<i64: 0>} : tensor<33x4100xf32> -> tensor<4100xf32>
  return %0, %1, %2, %3, %4 : tensor<37x23xf32>, tensor<9xf32>, tensor<5000xf32>, tensor<5xf32>, tensor<4100xf32>
}
)mlir",
                                   "f");
}

TEST(GpuEmulator, BatchedMatmulsOnGridZ) {
  // Batch dimensions go to grid z (6 and 4 blocks deep); K = 7 and 20 are partial tiles.
  expectEmulatedMatchesInterpreter(R"mlir(
func.func @bmm(%a: tensor<2x3x5x7xf32>, %b: tensor<2x3x7x4xf32>, %c: tensor<4x9x20xf32>,
               %d: tensor<4x20x33xf32>) -> (tensor<2x3x5x4xf32>, tensor<4x9x33xf32>) {
  %0 = grad.matmul %a, %b : tensor<2x3x5x7xf32>, tensor<2x3x7x4xf32> -> tensor<2x3x5x4xf32>
  %1 = grad.matmul %c, %d : tensor<4x9x20xf32>, tensor<4x20x33xf32> -> tensor<4x9x33xf32>
  return %0, %1 : tensor<2x3x5x4xf32>, tensor<4x9x33xf32>
}
)mlir",
                                   "bmm");
}

TEST(GpuEmulator, ViewsGatherAndMiddleAxisReductionInF64) {
  // Transposes, strided slices and concatenation (kernels on strided views of buffers), a
  // gather by i64 indices, and a sum over the middle axis, in f64.
  expectEmulatedMatchesInterpreter(R"mlir(
func.func @views(%x: tensor<2x3x4xf64>, %y: tensor<4x5xf64>, %w: tensor<5x24xf64>,
                 %i: tensor<2x3xi64>) -> (tensor<4x2x3xf64>, tensor<2x3xf64>, tensor<4x11xf64>,
                                          tensor<2x3x24xf64>, tensor<2x4xf64>) {
  %0 = grad.transpose %x {perm = array<i64: 2, 0, 1>} : tensor<2x3x4xf64> -> tensor<4x2x3xf64>
  %1 = grad.reshape %x : tensor<2x3x4xf64> -> tensor<6x4xf64>
  %2 = grad.slice %y {starts = array<i64: 1, 0>, limits = array<i64: 4, 5>, strides = array<i64: 2, 2>} : tensor<4x5xf64> -> tensor<2x3xf64>
  %3 = grad.transpose %1 {perm = array<i64: 1, 0>} : tensor<6x4xf64> -> tensor<4x6xf64>
  %4 = grad.concat %3, %y {axis = 1 : i64} : tensor<4x6xf64>, tensor<4x5xf64> -> tensor<4x11xf64>
  %5 = grad.gather %w, %i : tensor<5x24xf64>, tensor<2x3xi64> -> tensor<2x3x24xf64>
  %6 = grad.sum %x {axes = array<i64: 1>} : tensor<2x3x4xf64> -> tensor<2x4xf64>
  return %0, %2, %4, %5, %6 : tensor<4x2x3xf64>, tensor<2x3xf64>, tensor<4x11xf64>, tensor<2x3x24xf64>, tensor<2x4xf64>
}
)mlir",
                                   "views");
}

TEST(GpuEmulator, RegisterTiledMatmuls) {
  // M and N >= 64: 64x64 tiles, 4x4 outputs per thread. Ragged in every dimension (100 = 64 +
  // 36, 130 = 2 * 64 + 2, K = 70 = 4 * 16 + 6), batched (grid z), and with a transposed operand
  // (a^T b, the backward of a matmul) folded into the contraction's indexing.
  expectEmulatedMatchesInterpreter(R"mlir(
func.func @big(%a: tensor<100x70xf32>, %b: tensor<70x130xf32>, %c: tensor<2x65x33xf32>,
               %d: tensor<2x33x64xf32>, %e: tensor<70x100xf32>)
    -> (tensor<100x130xf32>, tensor<2x65x64xf32>, tensor<100x130xf32>) {
  %0 = grad.matmul %a, %b : tensor<100x70xf32>, tensor<70x130xf32> -> tensor<100x130xf32>
  %1 = grad.matmul %c, %d : tensor<2x65x33xf32>, tensor<2x33x64xf32> -> tensor<2x65x64xf32>
  %t = grad.transpose %e {perm = array<i64: 1, 0>} : tensor<70x100xf32> -> tensor<100x70xf32>
  %2 = grad.matmul %t, %b : tensor<100x70xf32>, tensor<70x130xf32> -> tensor<100x130xf32>
  return %0, %1, %2 : tensor<100x130xf32>, tensor<2x65x64xf32>, tensor<100x130xf32>
}
)mlir",
                                   "big");
}

// The three compiled modules (CPU JIT, GPU JIT, GPU emulator) share CompiledModuleBase: one
// signature lookup and one run() prologue, so bad calls give the same message from each (only
// the module's kind differs), and the good call gives the CPU's result. Compiling for the GPU
// needs no GPU; running it without one fails after the argument checks, naming the reason.
TEST(CompiledModuleBase, OneRunPrologueForCpuGpuAndEmulator) {
  mlir::DialectRegistry registry;
  grad::registerGradDialects(registry);
  grad::registerGpuCodegenDialects(registry);
  mlir::MLIRContext context(registry);
  context.loadAllAvailableDialects();
  auto module = mlir::parseSourceString<mlir::ModuleOp>(R"mlir(
func.func @f(%a: tensor<2x3xf32>, %b: tensor<3xf32>) -> tensor<2x3xf32> {
  %0 = grad.broadcast %b {dims = array<i64: 1>} : tensor<3xf32> -> tensor<2x3xf32>
  %1 = grad.mul %a, %0 : tensor<2x3xf32>
  return %1 : tensor<2x3xf32>
}
)mlir",
                                                        &context);
  ASSERT_TRUE(module);
  auto cpu = grad::CompiledModule::compile(*module);
  auto gpu = grad::GpuCompiledModule::compile(*module);
  auto emulated = grad::GpuEmulatedModule::compile(*module);
  ASSERT_TRUE(succeeded(cpu) && succeeded(gpu) && succeeded(emulated));
  std::vector<std::pair<std::string, const grad::CompiledModuleBase *>> modules = {
      {"compiled module", cpu->get()},
      {"GPU module", gpu->get()},
      {"emulated GPU module", emulated->get()}};

  grad::Tensor a = grad::tensor(std::vector<float>{1, 2, 3, 4, 5, 6}, {2, 3});
  grad::Tensor b = grad::tensor(std::vector<float>{10, 20, 30}, {3});
  std::string error;
  auto want = (*cpu)->run("f", {a, b}, &error);
  ASSERT_TRUE(succeeded(want)) << error;
  EXPECT_EQ((*want)[0].to_vector<float>(), (std::vector<float>{10, 40, 90, 40, 100, 180}));

  std::string reason;
  bool haveGpu = grad::cudaDeviceAvailable(&reason);
  for (const auto &[kind, m] : modules) {
    SCOPED_TRACE(kind);
    ASSERT_NE(m->signature("f"), nullptr);
    EXPECT_EQ(m->signature("f")->inputs.size(), 2u);
    EXPECT_EQ(m->signature("g"), nullptr);
    ASSERT_EQ(m->signatures().size(), 1u);

    EXPECT_TRUE(failed(m->run("g", {a, b}, &error)));
    EXPECT_EQ(error, kind + " has no function 'g'");
    EXPECT_TRUE(failed(m->run("f", {a}, &error)));
    EXPECT_EQ(error, "function 'f' takes 2 arguments, got 1");
    EXPECT_TRUE(failed(m->run("f", {a, a}, &error)));
    EXPECT_EQ(error, "function 'f': argument #1 has f32[2,3], expected f32[3]");
    EXPECT_TRUE(failed(m->run("f", {a, grad::Tensor()}, &error)));
    EXPECT_EQ(error, "function 'f': argument #1 is an undefined tensor");

    auto got = m->run("f", {a, b}, &error);
    if (kind == "GPU module" && !haveGpu) {
      EXPECT_TRUE(failed(got));
      EXPECT_EQ(error, "function 'f' cannot run on the GPU: " + reason);
      continue;
    }
    ASSERT_TRUE(succeeded(got)) << error;
    EXPECT_EQ((*got)[0].to_vector<float>(), (*want)[0].to_vector<float>());
  }
}

} // namespace
