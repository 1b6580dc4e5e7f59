// Compiled (JIT) vs the reference interpreter on every grad op and on small models, with random
// inputs in f32 and f64. The interpreter runs the eager kernels, an implementation independent of
// the linalg lowering; tolerances allow for reassociated sums and f32 polynomial exp/tanh/log.
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
#include <limits>
#include <regex>

namespace {

enum class Inputs { Any, Positive };

struct Case {
  const char *name;
  const char *source; // "FT" stands for the float element type (f32 or f64).
  Inputs inputs = Inputs::Any;
  double f32Tolerance = 2e-5;
};
/// How gtest/ctest print a case (its name, not its bytes).
void PrintTo(const Case &c, std::ostream *os) { *os << c.name; }

std::string instantiate(const char *source, const std::string &ft) {
  return std::regex_replace(source, std::regex("FT"), ft);
}

grad::Tensor randomInput(const grad::TensorSignature &sig, mlir::Type type, Inputs kind,
                         uint64_t seed) {
  grad::Shape shape = sig.shape;
  switch (sig.dtype) {
  case grad::DType::i64: {
    // Indices: in [0, rows of the gather table); the tests' tables have >= 5 rows.
    std::vector<int64_t> v(grad::shape_numel(shape));
    for (size_t i = 0; i < v.size(); ++i)
      v[i] = static_cast<int64_t>((i * 7 + seed) % 5);
    return grad::tensor(v, shape);
  }
  case grad::DType::b8: {
    grad::Tensor u = grad::rand(shape, seed, grad::DType::f64);
    return grad::lt(u, grad::full(shape, 0.5, grad::DType::f64));
  }
  default: {
    grad::Tensor x = grad::randn(shape, seed, sig.dtype);
    if (kind == Inputs::Positive)
      x = grad::abs(x) + 0.25;
    return x;
  }
  }
}

void expectClose(const grad::Tensor &got, const grad::Tensor &want, double tol,
                 const std::string &what) {
  ASSERT_EQ(got.dtype(), want.dtype()) << what;
  ASSERT_EQ(got.shape(), want.shape()) << what;
  std::vector<double> g = got.to_vector<double>(), w = want.to_vector<double>();
  for (size_t i = 0; i < g.size(); ++i) {
    if (std::isnan(w[i])) {
      EXPECT_TRUE(std::isnan(g[i])) << what << " element " << i;
      continue;
    }
    if (std::isinf(w[i])) {
      EXPECT_EQ(g[i], w[i]) << what << " element " << i;
      continue;
    }
    ASSERT_NEAR(g[i], w[i], tol * (1 + std::abs(w[i]))) << what << " element " << i;
  }
}

class JitVsInterpreter : public ::testing::TestWithParam<std::tuple<Case, std::string, unsigned>> {
};

TEST_P(JitVsInterpreter, SameResults) {
  const auto &[c, ft, optLevel] = GetParam();
  mlir::DialectRegistry registry;
  grad::registerGradDialects(registry);
  grad::registerCodegenDialects(registry);
  mlir::MLIRContext context(registry);
  context.loadAllAvailableDialects();
  auto module = mlir::parseSourceString<mlir::ModuleOp>(instantiate(c.source, ft), &context);
  ASSERT_TRUE(module) << c.name;
  grad::CodegenOptions options;
  options.optLevel = optLevel; // 0: naive loops; 3: tiled + vectorized
  auto compiled = grad::CompiledModule::compile(*module, options);
  ASSERT_TRUE(mlir::succeeded(compiled)) << c.name;
  for (const grad::FunctionSignature &sig : (*compiled)->signatures()) {
    auto fn = module->lookupSymbol<mlir::func::FuncOp>(sig.name);
    std::vector<grad::Tensor> inputs;
    for (size_t i = 0; i < sig.inputs.size(); ++i)
      inputs.push_back(randomInput(sig.inputs[i], fn.getArgumentTypes()[i], c.inputs, 11 + 13 * i));
    auto want = grad::interpret(fn, inputs);
    ASSERT_TRUE(mlir::succeeded(want)) << sig.name;
    std::string error;
    auto got = (*compiled)->run(sig.name, inputs, &error);
    ASSERT_TRUE(mlir::succeeded(got)) << error;
    ASSERT_EQ(got->size(), want->size());
    double tol = ft == "f32" ? c.f32Tolerance : 1e-12;
    for (size_t i = 0; i < got->size(); ++i)
      expectClose((*got)[i], (*want)[i], tol, sig.name + " result #" + std::to_string(i));
  }
}

const Case kCases[] = {
    {"unary", R"mlir(
func.func @unary(%x: tensor<5x33xFT>)
    -> (tensor<5x33xFT>, tensor<5x33xFT>, tensor<5x33xFT>, tensor<5x33xFT>) {
  %0 = grad.neg %x : tensor<5x33xFT>
  %1 = grad.exp %0 : tensor<5x33xFT>
  %2 = grad.tanh %x : tensor<5x33xFT>
  %3 = grad.sigmoid %x : tensor<5x33xFT>
  %4 = grad.relu %x : tensor<5x33xFT>
  %5 = grad.gelu %x : tensor<5x33xFT>
  %6 = grad.sin %x : tensor<5x33xFT>
  %7 = grad.cos %x : tensor<5x33xFT>
  %8 = grad.abs %x : tensor<5x33xFT>
  %a = grad.add %1, %2 : tensor<5x33xFT>
  %b = grad.add %3, %4 : tensor<5x33xFT>
  %c = grad.add %6, %7 : tensor<5x33xFT>
  %d = grad.mul %c, %8 : tensor<5x33xFT>
  %9 = grad.erf %x : tensor<5x33xFT>
  %e = grad.add %5, %9 : tensor<5x33xFT>
  return %a, %b, %d, %e : tensor<5x33xFT>, tensor<5x33xFT>, tensor<5x33xFT>, tensor<5x33xFT>
})mlir"},
    {"positive_unary_and_pow", R"mlir(
func.func @pos(%x: tensor<4x20xFT>, %y: tensor<4x20xFT>) -> (tensor<4x20xFT>, tensor<4x20xFT>) {
  %0 = grad.log %x : tensor<4x20xFT>
  %1 = grad.sqrt %x : tensor<4x20xFT>
  %2 = grad.rsqrt %y : tensor<4x20xFT>
  %3 = grad.pow %x, %y : tensor<4x20xFT>
  %a = grad.add %0, %1 : tensor<4x20xFT>
  %b = grad.add %2, %3 : tensor<4x20xFT>
  return %a, %b : tensor<4x20xFT>, tensor<4x20xFT>
})mlir",
     Inputs::Positive},
    {"binary", R"mlir(
func.func @binary(%x: tensor<3x70xFT>, %y: tensor<3x70xFT>) -> (tensor<3x70xFT>, tensor<3x70xFT>, tensor<3x70xFT>) {
  %0 = grad.add %x, %y : tensor<3x70xFT>
  %1 = grad.sub %x, %y : tensor<3x70xFT>
  %2 = grad.mul %0, %1 : tensor<3x70xFT>
  %3 = grad.div %2, %y : tensor<3x70xFT>
  %4 = grad.maximum %x, %y : tensor<3x70xFT>
  %5 = grad.minimum %x, %y : tensor<3x70xFT>
  return %3, %4, %5 : tensor<3x70xFT>, tensor<3x70xFT>, tensor<3x70xFT>
})mlir"},
    {"broadcast", R"mlir(
func.func @bias(%x: tensor<6x10xFT>, %b: tensor<10xFT>, %c: tensor<6x1xFT>) -> tensor<2x6x10xFT> {
  %0 = grad.broadcast %b {dims = array<i64: 1>} : tensor<10xFT> -> tensor<6x10xFT>
  %1 = grad.broadcast %c {dims = array<i64: 0, 1>} : tensor<6x1xFT> -> tensor<6x10xFT>
  %2 = grad.add %x, %0 : tensor<6x10xFT>
  %3 = grad.mul %2, %1 : tensor<6x10xFT>
  %4 = grad.broadcast %3 {dims = array<i64: 1, 2>} : tensor<6x10xFT> -> tensor<2x6x10xFT>
  return %4 : tensor<2x6x10xFT>
})mlir"},
    {"reductions", R"mlir(
func.func @reduce(%x: tensor<4x6x35xFT>) -> (tensor<4x1x35xFT>, tensor<6xFT>, tensor<FT>, tensor<4x6xFT>) {
  %0 = grad.sum %x {axes = array<i64: 1>, keepdim = true} : tensor<4x6x35xFT> -> tensor<4x1x35xFT>
  %1 = grad.mean %x {axes = array<i64: 0, 2>} : tensor<4x6x35xFT> -> tensor<6xFT>
  %2 = grad.max %x {axes = array<i64: 0, 1, 2>} : tensor<4x6x35xFT> -> tensor<FT>
  %3 = grad.max %x {axes = array<i64: 2>} : tensor<4x6x35xFT> -> tensor<4x6xFT>
  return %0, %1, %2, %3 : tensor<4x1x35xFT>, tensor<6xFT>, tensor<FT>, tensor<4x6xFT>
})mlir"},
    {"matmul_odd", R"mlir(
func.func @mm(%a: tensor<37x29xFT>, %b: tensor<29x43xFT>) -> tensor<37x43xFT> {
  %0 = grad.matmul %a, %b : tensor<37x29xFT>, tensor<29x43xFT> -> tensor<37x43xFT>
  return %0 : tensor<37x43xFT>
})mlir",
     Inputs::Any, 1e-5},
    {"matmul_tiled", R"mlir(
func.func @mm(%a: tensor<64x96xFT>, %b: tensor<96x128xFT>) -> tensor<64x128xFT> {
  %0 = grad.matmul %a, %b : tensor<64x96xFT>, tensor<96x128xFT> -> tensor<64x128xFT>
  return %0 : tensor<64x128xFT>
})mlir",
     Inputs::Any, 1e-5},
    {"batched_matmul", R"mlir(
func.func @bmm(%a: tensor<2x3x5x7xFT>, %b: tensor<2x3x7x4xFT>, %c: tensor<4x8x16xFT>, %d: tensor<4x16x32xFT>) -> (tensor<2x3x5x4xFT>, tensor<4x8x32xFT>) {
  %0 = grad.matmul %a, %b : tensor<2x3x5x7xFT>, tensor<2x3x7x4xFT> -> tensor<2x3x5x4xFT>
  %1 = grad.matmul %c, %d : tensor<4x8x16xFT>, tensor<4x16x32xFT> -> tensor<4x8x32xFT>
  return %0, %1 : tensor<2x3x5x4xFT>, tensor<4x8x32xFT>
})mlir"},
    {"shapes", R"mlir(
func.func @shapes(%x: tensor<2x3x4xFT>, %y: tensor<4x5xFT>) -> (tensor<4x2x3xFT>, tensor<6x4xFT>, tensor<2x3xFT>, tensor<4x11xFT>, tensor<FT>) {
  %0 = grad.transpose %x {perm = array<i64: 2, 0, 1>} : tensor<2x3x4xFT> -> tensor<4x2x3xFT>
  %1 = grad.reshape %x : tensor<2x3x4xFT> -> tensor<6x4xFT>
  %2 = grad.slice %y {starts = array<i64: 1, 0>, limits = array<i64: 4, 5>, strides = array<i64: 2, 2>} : tensor<4x5xFT> -> tensor<2x3xFT>
  %3 = grad.transpose %1 {perm = array<i64: 1, 0>} : tensor<6x4xFT> -> tensor<4x6xFT>
  %4 = grad.concat %3, %y {axis = 1 : i64} : tensor<4x6xFT>, tensor<4x5xFT> -> tensor<4x11xFT>
  %5 = grad.slice %y {starts = array<i64: 2, 3>, limits = array<i64: 3, 4>, strides = array<i64: 1, 1>} : tensor<4x5xFT> -> tensor<1x1xFT>
  %6 = grad.reshape %5 : tensor<1x1xFT> -> tensor<FT>
  return %0, %1, %2, %4, %6 : tensor<4x2x3xFT>, tensor<6x4xFT>, tensor<2x3xFT>, tensor<4x11xFT>, tensor<FT>
})mlir"},
    {"gather", R"mlir(
func.func @embed(%w: tensor<5x24xFT>, %i: tensor<2x3xi64>) -> tensor<2x3x24xFT> {
  %0 = grad.gather %w, %i : tensor<5x24xFT>, tensor<2x3xi64> -> tensor<2x3x24xFT>
  return %0 : tensor<2x3x24xFT>
})mlir"},
    {"cmp_select_convert", R"mlir(
func.func @mask(%x: tensor<3x17xFT>, %y: tensor<3x17xFT>, %m: tensor<3x17xi1>) -> (tensor<3x17xFT>, tensor<3x17xi1>, tensor<3x17xi64>, tensor<3x17xFT>) {
  %lt = grad.cmp "lt", %x, %y : tensor<3x17xFT>
  %ge = grad.cmp "ge", %x, %y : tensor<3x17xFT>
  %0 = grad.select %lt, %x, %y : tensor<3x17xi1>, tensor<3x17xFT>
  %1 = grad.select %m, %0, %x : tensor<3x17xi1>, tensor<3x17xFT>
  %s = grad.mul %x, %y : tensor<3x17xFT>
  %i = grad.convert %s : tensor<3x17xFT> -> tensor<3x17xi64>
  %f = grad.convert %ge : tensor<3x17xi1> -> tensor<3x17xFT>
  return %1, %lt, %i, %f : tensor<3x17xFT>, tensor<3x17xi1>, tensor<3x17xi64>, tensor<3x17xFT>
})mlir"},
    {"mlp_softmax_cross_entropy", R"mlir(
func.func @mlp(%x: tensor<8x20xFT>, %w1: tensor<20x32xFT>, %b1: tensor<32xFT>, %w2: tensor<32x10xFT>, %onehot: tensor<8x10xi1>) -> (tensor<8x10xFT>, tensor<FT>) {
  %h = grad.matmul %x, %w1 : tensor<8x20xFT>, tensor<20x32xFT> -> tensor<8x32xFT>
  %bb = grad.broadcast %b1 {dims = array<i64: 1>} : tensor<32xFT> -> tensor<8x32xFT>
  %h1 = grad.add %h, %bb : tensor<8x32xFT>
  %a = grad.relu %h1 : tensor<8x32xFT>
  %z = grad.matmul %a, %w2 : tensor<8x32xFT>, tensor<32x10xFT> -> tensor<8x10xFT>
  %m = grad.max %z {axes = array<i64: 1>, keepdim = true} : tensor<8x10xFT> -> tensor<8x1xFT>
  %mb = grad.broadcast %m {dims = array<i64: 0, 1>} : tensor<8x1xFT> -> tensor<8x10xFT>
  %s = grad.sub %z, %mb : tensor<8x10xFT>
  %e = grad.exp %s : tensor<8x10xFT>
  %d = grad.sum %e {axes = array<i64: 1>, keepdim = true} : tensor<8x10xFT> -> tensor<8x1xFT>
  %db = grad.broadcast %d {dims = array<i64: 0, 1>} : tensor<8x1xFT> -> tensor<8x10xFT>
  %p = grad.div %e, %db : tensor<8x10xFT>
  %lp = grad.log %p : tensor<8x10xFT>
  %zero = grad.constant dense<0.0> : tensor<8x10xFT>
  %picked = grad.select %onehot, %lp, %zero : tensor<8x10xi1>, tensor<8x10xFT>
  %tot = grad.mean %picked {axes = array<i64: 0, 1>} : tensor<8x10xFT> -> tensor<FT>
  %loss = grad.neg %tot : tensor<FT>
  return %p, %loss : tensor<8x10xFT>, tensor<FT>
})mlir",
     Inputs::Any, 1e-4},
    {"layer_norm_gelu_residual", R"mlir(
func.func @block(%x: tensor<16x64xFT>, %g: tensor<64xFT>) -> tensor<16x64xFT> {
  %mu = grad.mean %x {axes = array<i64: 1>, keepdim = true} : tensor<16x64xFT> -> tensor<16x1xFT>
  %mub = grad.broadcast %mu {dims = array<i64: 0, 1>} : tensor<16x1xFT> -> tensor<16x64xFT>
  %c = grad.sub %x, %mub : tensor<16x64xFT>
  %sq = grad.mul %c, %c : tensor<16x64xFT>
  %var = grad.mean %sq {axes = array<i64: 1>, keepdim = true} : tensor<16x64xFT> -> tensor<16x1xFT>
  %eps = grad.constant dense<1.0e-5> : tensor<16x1xFT>
  %ve = grad.add %var, %eps : tensor<16x1xFT>
  %r = grad.rsqrt %ve : tensor<16x1xFT>
  %rb = grad.broadcast %r {dims = array<i64: 0, 1>} : tensor<16x1xFT> -> tensor<16x64xFT>
  %n = grad.mul %c, %rb : tensor<16x64xFT>
  %gb = grad.broadcast %g {dims = array<i64: 1>} : tensor<64xFT> -> tensor<16x64xFT>
  %y = grad.mul %n, %gb : tensor<16x64xFT>
  %act = grad.gelu %y : tensor<16x64xFT>
  %out = grad.add %act, %x : tensor<16x64xFT>
  return %out : tensor<16x64xFT>
})mlir",
     Inputs::Any, 1e-4},
};

TEST(CompiledModuleRun, BadArgumentsAreErrorsNamingShapesAndDtypes) {
  mlir::DialectRegistry registry;
  grad::registerGradDialects(registry);
  grad::registerCodegenDialects(registry);
  mlir::MLIRContext context(registry);
  auto module = mlir::parseSourceString<mlir::ModuleOp>(R"mlir(
func.func @mm(%a: tensor<2x3xf32>, %b: tensor<3x4xf32>) -> tensor<2x4xf32> {
  %0 = grad.matmul %a, %b : tensor<2x3xf32>, tensor<3x4xf32> -> tensor<2x4xf32>
  return %0 : tensor<2x4xf32>
})mlir",
                                                        &context);
  ASSERT_TRUE(module);
  auto compiled = grad::CompiledModule::compile(*module);
  ASSERT_TRUE(mlir::succeeded(compiled));
  grad::Tensor a = grad::ones({2, 3}), b = grad::ones({3, 4});
  std::string error;
  EXPECT_TRUE(mlir::failed((*compiled)->run("mm", {a}, &error)));
  EXPECT_EQ(error, "function 'mm' takes 2 arguments, got 1");
  EXPECT_TRUE(mlir::failed((*compiled)->run("mm", {a, grad::ones({4, 3})}, &error)));
  EXPECT_EQ(error, "function 'mm': argument #1 has f32[4,3], expected f32[3,4]");
  EXPECT_TRUE(mlir::failed((*compiled)->run("mm", {a.to(grad::DType::f64), b}, &error)));
  EXPECT_EQ(error, "function 'mm': argument #0 has f64[2,3], expected f32[2,3]");
  EXPECT_TRUE(mlir::failed((*compiled)->run("nope", {a, b}, &error)));
  EXPECT_EQ(error, "compiled module has no function 'nope'");
  // A non-contiguous (transposed) input is made contiguous first. With M = arange(12) as 4x3,
  // ones(2,3) x M^T has out[i][j] = sum_k M[j][k] = 9j + 3.
  grad::Tensor m = grad::reshape(grad::arange(12), {4, 3});
  auto out = (*compiled)->run("mm", {a, grad::transpose(m, 0, 1)}, &error);
  ASSERT_TRUE(mlir::succeeded(out)) << error;
  EXPECT_EQ((*out)[0].to_vector<float>(), (std::vector<float>{3, 12, 21, 30, 3, 12, 21, 30}));
}

TEST(CompiledSpecialValues, NanAndInfinityFollowTheEagerKernels) {
  const char *source = R"mlir(
func.func @special(%x: tensor<8xFT>, %y: tensor<8xFT>) -> (tensor<8xFT>, tensor<8xFT>, tensor<8xFT>, tensor<8xi1>, tensor<8xFT>, tensor<8xFT>, tensor<FT>) {
  %0 = grad.relu %x : tensor<8xFT>
  %1 = grad.maximum %x, %y : tensor<8xFT>
  %2 = grad.sigmoid %x : tensor<8xFT>
  %3 = grad.cmp "le", %x, %y : tensor<8xFT>
  %4 = grad.exp %x : tensor<8xFT>
  %5 = grad.tanh %x : tensor<8xFT>
  %6 = grad.max %x {axes = array<i64: 0>} : tensor<8xFT> -> tensor<FT>
  return %0, %1, %2, %3, %4, %5, %6 : tensor<8xFT>, tensor<8xFT>, tensor<8xFT>, tensor<8xi1>, tensor<8xFT>, tensor<8xFT>, tensor<FT>
})mlir";
  const double inf = std::numeric_limits<double>::infinity(), nan = std::nan("");
  for (std::string ft : {"f32", "f64"}) {
    mlir::DialectRegistry registry;
    grad::registerGradDialects(registry);
    grad::registerCodegenDialects(registry);
    mlir::MLIRContext context(registry);
    auto module = mlir::parseSourceString<mlir::ModuleOp>(instantiate(source, ft), &context);
    ASSERT_TRUE(module);
    auto compiled = grad::CompiledModule::compile(*module);
    ASSERT_TRUE(mlir::succeeded(compiled));
    grad::DType dt = ft == "f32" ? grad::DType::f32 : grad::DType::f64;
    grad::Tensor x =
        grad::tensor(std::vector<double>{nan, inf, -inf, 0.0, -0.0, 1.0, -100.0, 100.0}, {8})
            .to(dt);
    grad::Tensor y =
        grad::tensor(std::vector<double>{1.0, nan, 0.0, nan, 0.0, inf, -inf, 2.0}, {8}).to(dt);
    auto want = grad::interpret(module->lookupSymbol<mlir::func::FuncOp>("special"), {x, y});
    ASSERT_TRUE(mlir::succeeded(want));
    std::string error;
    auto got = (*compiled)->run("special", {x, y}, &error);
    ASSERT_TRUE(mlir::succeeded(got)) << error;
    for (size_t i = 0; i < got->size(); ++i)
      expectClose((*got)[i], (*want)[i], ft == "f32" ? 2e-5 : 1e-12,
                  ft + " result #" + std::to_string(i));
  }
}

INSTANTIATE_TEST_SUITE_P(Ops, JitVsInterpreter,
                         ::testing::Combine(::testing::ValuesIn(kCases),
                                            ::testing::Values("f32", "f64"),
                                            ::testing::Values(3u, 0u)),
                         [](const auto &info) {
                           return std::string(std::get<0>(info.param).name) + "_" +
                                  std::get<1>(info.param) + "_O" +
                                  std::to_string(std::get<2>(info.param));
                         });

} // namespace
