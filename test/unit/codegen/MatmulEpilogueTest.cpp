// A matmul fused with its elementwise epilogue (bias add + activation) into one tile loop nest
// (grad-tile-and-vectorize, generated matmul lowering) against the reference interpreter, at
// odd sizes (one tile covering all of 37x53, several tiles of non-power-of-two sizes), at -O3
// (fused) and -O0 (naive loops), f32 and f64; an epilogue reading two matmuls. Also the shapes
// that must not be fused: a matmul result used twice, an epilogue reading it transposed.
#include "grad/Codegen/Jit.h"
#include "grad/Dialect/Registration.h"
#include "grad/Interpreter/Interpreter.h"
#include "grad/ops.h"
#include "grad/tensor.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/Parser/Parser.h"

#include <gtest/gtest.h>

#include <cmath>
#include <regex>

namespace {

// "FT" stands for the float element type.
const char *kModule = R"mlir(
func.func @gelu_37x53x29(%x: tensor<37x29xFT>, %w: tensor<29x53xFT>, %b: tensor<53xFT>) -> tensor<37x53xFT> {
  %m = grad.matmul %x, %w : tensor<37x29xFT>, tensor<29x53xFT> -> tensor<37x53xFT>
  %bb = grad.broadcast %b {dims = array<i64: 1>} : tensor<53xFT> -> tensor<37x53xFT>
  %s = grad.add %m, %bb : tensor<37x53xFT>
  %g = grad.gelu %s : tensor<37x53xFT>
  return %g : tensor<37x53xFT>
}
func.func @relu_130x160x70(%x: tensor<130x70xFT>, %w: tensor<70x160xFT>, %b: tensor<160xFT>) -> tensor<130x160xFT> {
  %m = grad.matmul %x, %w : tensor<130x70xFT>, tensor<70x160xFT> -> tensor<130x160xFT>
  %bb = grad.broadcast %b {dims = array<i64: 1>} : tensor<160xFT> -> tensor<130x160xFT>
  %s = grad.add %m, %bb : tensor<130x160xFT>
  %r = grad.relu %s : tensor<130x160xFT>
  return %r : tensor<130x160xFT>
}
func.func @two_matmuls_100x48x24(%x: tensor<100x24xFT>, %a: tensor<24x48xFT>, %y: tensor<100x40xFT>, %c: tensor<40x48xFT>) -> tensor<100x48xFT> {
  %m = grad.matmul %x, %a : tensor<100x24xFT>, tensor<24x48xFT> -> tensor<100x48xFT>
  %n = grad.matmul %y, %c : tensor<100x40xFT>, tensor<40x48xFT> -> tensor<100x48xFT>
  %s = grad.add %m, %n : tensor<100x48xFT>
  %t = grad.tanh %s : tensor<100x48xFT>
  return %t : tensor<100x48xFT>
}
func.func @used_twice(%x: tensor<37x29xFT>, %w: tensor<29x53xFT>) -> (tensor<37x53xFT>, tensor<37x53xFT>) {
  %m = grad.matmul %x, %w : tensor<37x29xFT>, tensor<29x53xFT> -> tensor<37x53xFT>
  %t = grad.tanh %m : tensor<37x53xFT>
  return %m, %t : tensor<37x53xFT>, tensor<37x53xFT>
}
func.func @transposed_epilogue(%x: tensor<37x29xFT>, %w: tensor<29x37xFT>) -> tensor<37x37xFT> {
  %m = grad.matmul %x, %w : tensor<37x29xFT>, tensor<29x37xFT> -> tensor<37x37xFT>
  %t = grad.transpose %m {perm = array<i64: 1, 0>} : tensor<37x37xFT> -> tensor<37x37xFT>
  %s = grad.sigmoid %t : tensor<37x37xFT>
  return %s : tensor<37x37xFT>
}
)mlir";

class MatmulEpilogue : public ::testing::TestWithParam<std::tuple<std::string, unsigned>> {};

TEST_P(MatmulEpilogue, CompiledMatchesInterpreter) {
  const auto &[ft, optLevel] = GetParam();
  mlir::DialectRegistry registry;
  grad::registerGradDialects(registry);
  grad::registerCodegenDialects(registry);
  mlir::MLIRContext context(registry);
  context.loadAllAvailableDialects();
  auto module = mlir::parseSourceString<mlir::ModuleOp>(
      std::regex_replace(kModule, std::regex("FT"), ft), &context);
  ASSERT_TRUE(module);
  grad::CodegenOptions options;
  options.optLevel = optLevel;
  options.matmulLowering = grad::CodegenOptions::MatmulLowering::Generated;
  auto compiled = grad::CompiledModule::compile(*module, options);
  ASSERT_TRUE(mlir::succeeded(compiled));
  ASSERT_EQ((*compiled)->signatures().size(), 5u);
  for (const grad::FunctionSignature &sig : (*compiled)->signatures()) {
    auto fn = module->lookupSymbol<mlir::func::FuncOp>(sig.name);
    std::vector<grad::Tensor> inputs;
    for (size_t i = 0; i < sig.inputs.size(); ++i)
      inputs.push_back(grad::randn(sig.inputs[i].shape, 5 + 17 * i, sig.inputs[i].dtype));
    auto want = grad::interpret(fn, inputs);
    ASSERT_TRUE(mlir::succeeded(want)) << sig.name;
    std::string error;
    auto got = (*compiled)->run(sig.name, inputs, &error);
    ASSERT_TRUE(mlir::succeeded(got)) << sig.name << ": " << error;
    ASSERT_EQ(got->size(), want->size()) << sig.name;
    // Sums of up to 70 products reassociated by the tiling; f32 gelu/tanh are polynomials.
    double tol = ft == "f32" ? 1e-4 : 1e-12;
    for (size_t r = 0; r < got->size(); ++r) {
      ASSERT_EQ((*got)[r].shape(), (*want)[r].shape()) << sig.name;
      std::vector<double> g = (*got)[r].to_vector<double>(), w = (*want)[r].to_vector<double>();
      for (size_t i = 0; i < g.size(); ++i)
        ASSERT_NEAR(g[i], w[i], tol * (1 + std::abs(w[i])))
            << sig.name << " result #" << r << " element " << i;
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Sizes, MatmulEpilogue,
                         ::testing::Combine(::testing::Values("f32", "f64"),
                                            ::testing::Values(3u, 0u)),
                         [](const auto &info) {
                           return std::get<0>(info.param) + "_O" +
                                  std::to_string(std::get<1>(info.param));
                         });

} // namespace
