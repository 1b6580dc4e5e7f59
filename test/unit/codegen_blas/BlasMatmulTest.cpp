// The BLAS matmul lowering (CodegenOptions::MatmulLowering::Blas) and the JIT's cached allocator:
// every transpose combination of a grad.matmul, f32 and f64, at -O3 and -O0, against plain C++
// loops in double; the lowered module is checked to call cblas_?gemm the expected number of times
// (so the BLAS path, not the loop fallback, produced the numbers).
#include "BlasTestUtil.h"

#include "grad/Codegen/Jit.h"
#include "grad/Codegen/JitAllocator.h"
#include "grad/Dialect/Registration.h"
#include "grad/jit.h"
#include "grad/ops.h"
#include "grad/tensor.h"
#include "grad/transforms.h"

#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/Parser/Parser.h"

#include <gtest/gtest.h>

#include <cmath>
#include <functional>

namespace {

using namespace grad::blas_test;

using grad::Tensor;

/// A row-major matrix in double, for the reference.
struct Matrix {
  int64_t rows, cols;
  std::vector<double> v;
  double at(int64_t r, int64_t c) const { return v[r * cols + c]; }
};

Matrix toMatrix(const Tensor &t) { return {t.shape()[0], t.shape()[1], t.to_vector<double>()}; }

Matrix transposed(const Matrix &m) {
  Matrix t{m.cols, m.rows, std::vector<double>(m.v.size())};
  for (int64_t r = 0; r < m.rows; ++r)
    for (int64_t c = 0; c < m.cols; ++c)
      t.v[c * m.rows + r] = m.at(r, c);
  return t;
}

Matrix product(const Matrix &a, const Matrix &b) {
  Matrix c{a.rows, b.cols, std::vector<double>(a.rows * b.cols, 0.0)};
  for (int64_t i = 0; i < a.rows; ++i)
    for (int64_t j = 0; j < b.cols; ++j) {
      double s = 0;
      for (int64_t k = 0; k < a.cols; ++k)
        s += a.at(i, k) * b.at(k, j);
      c.v[i * b.cols + j] = s;
    }
  return c;
}

struct Case {
  const char *name;
  const char *source; // FT = element type
  grad::Shape aShape, bShape;
  std::function<std::vector<Matrix>(const Matrix &, const Matrix &)> reference;
  int gemmCalls;
};

void PrintTo(const Case &c, std::ostream *os) { *os << c.name; }

std::vector<Case> cases() {
  auto T = transposed;
  auto P = product;
  return {
      {"nn",
       R"(func.func @f(%a: tensor<5x7xFT>, %b: tensor<7x3xFT>) -> tensor<5x3xFT> {
  %r = grad.matmul %a, %b : tensor<5x7xFT>, tensor<7x3xFT> -> tensor<5x3xFT>
  return %r : tensor<5x3xFT>
})",
       {5, 7},
       {7, 3},
       [=](const Matrix &a, const Matrix &b) { return std::vector{P(a, b)}; },
       1},
      {"tn",
       R"(func.func @f(%a: tensor<7x5xFT>, %b: tensor<7x3xFT>) -> tensor<5x3xFT> {
  %t = grad.transpose %a {perm = array<i64: 1, 0>} : tensor<7x5xFT> -> tensor<5x7xFT>
  %r = grad.matmul %t, %b : tensor<5x7xFT>, tensor<7x3xFT> -> tensor<5x3xFT>
  return %r : tensor<5x3xFT>
})",
       {7, 5},
       {7, 3},
       [=](const Matrix &a, const Matrix &b) { return std::vector{P(T(a), b)}; },
       1},
      {"nt",
       R"(func.func @f(%a: tensor<5x7xFT>, %b: tensor<3x7xFT>) -> tensor<5x3xFT> {
  %t = grad.transpose %b {perm = array<i64: 1, 0>} : tensor<3x7xFT> -> tensor<7x3xFT>
  %r = grad.matmul %a, %t : tensor<5x7xFT>, tensor<7x3xFT> -> tensor<5x3xFT>
  return %r : tensor<5x3xFT>
})",
       {5, 7},
       {3, 7},
       [=](const Matrix &a, const Matrix &b) { return std::vector{P(a, T(b))}; },
       1},
      {"tt",
       R"(func.func @f(%a: tensor<7x5xFT>, %b: tensor<3x7xFT>) -> tensor<5x3xFT> {
  %ta = grad.transpose %a {perm = array<i64: 1, 0>} : tensor<7x5xFT> -> tensor<5x7xFT>
  %tb = grad.transpose %b {perm = array<i64: 1, 0>} : tensor<3x7xFT> -> tensor<7x3xFT>
  %r = grad.matmul %ta, %tb : tensor<5x7xFT>, tensor<7x3xFT> -> tensor<5x3xFT>
  return %r : tensor<5x3xFT>
})",
       {7, 5},
       {3, 7},
       [=](const Matrix &a, const Matrix &b) { return std::vector{P(T(a), T(b))}; },
       1},
      // The weight-gradient pattern of autodiff: (x^T g)^T.
      {"tn_result_transposed",
       R"(func.func @f(%a: tensor<7x5xFT>, %b: tensor<7x3xFT>) -> tensor<3x5xFT> {
  %t = grad.transpose %a {perm = array<i64: 1, 0>} : tensor<7x5xFT> -> tensor<5x7xFT>
  %r = grad.matmul %t, %b : tensor<5x7xFT>, tensor<7x3xFT> -> tensor<5x3xFT>
  %rt = grad.transpose %r {perm = array<i64: 1, 0>} : tensor<5x3xFT> -> tensor<3x5xFT>
  return %rt : tensor<3x5xFT>
})",
       {7, 5},
       {7, 3},
       [=](const Matrix &a, const Matrix &b) { return std::vector{T(P(T(a), b))}; },
       1},
      {"nt_result_transposed",
       R"(func.func @f(%a: tensor<5x7xFT>, %b: tensor<3x7xFT>) -> tensor<3x5xFT> {
  %t = grad.transpose %b {perm = array<i64: 1, 0>} : tensor<3x7xFT> -> tensor<7x3xFT>
  %r = grad.matmul %a, %t : tensor<5x7xFT>, tensor<7x3xFT> -> tensor<5x3xFT>
  %rt = grad.transpose %r {perm = array<i64: 1, 0>} : tensor<5x3xFT> -> tensor<3x5xFT>
  return %rt : tensor<3x5xFT>
})",
       {5, 7},
       {3, 7},
       [=](const Matrix &a, const Matrix &b) { return std::vector{T(P(a, T(b)))}; },
       1},
      // The product is also returned: its transpose must not steal it.
      {"result_used_twice",
       R"(func.func @f(%a: tensor<7x5xFT>, %b: tensor<7x3xFT>) -> (tensor<5x3xFT>, tensor<3x5xFT>) {
  %t = grad.transpose %a {perm = array<i64: 1, 0>} : tensor<7x5xFT> -> tensor<5x7xFT>
  %r = grad.matmul %t, %b : tensor<5x7xFT>, tensor<7x3xFT> -> tensor<5x3xFT>
  %rt = grad.transpose %r {perm = array<i64: 1, 0>} : tensor<5x3xFT> -> tensor<3x5xFT>
  return %r, %rt : tensor<5x3xFT>, tensor<3x5xFT>
})",
       {7, 5},
       {7, 3},
       [=](const Matrix &a, const Matrix &b) {
         Matrix r = P(T(a), b);
         return std::vector{r, T(r)};
       },
       1},
      // A matmul of an elementwise result and a bias added after it: BLAS in the middle.
      {"chain",
       R"(func.func @f(%a: tensor<5x7xFT>, %b: tensor<7x3xFT>) -> tensor<5x3xFT> {
  %n = grad.neg %a : tensor<5x7xFT>
  %r = grad.matmul %n, %b : tensor<5x7xFT>, tensor<7x3xFT> -> tensor<5x3xFT>
  %s = grad.add %r, %r : tensor<5x3xFT>
  return %s : tensor<5x3xFT>
})",
       {5, 7},
       {7, 3},
       [=](const Matrix &a, const Matrix &b) {
         Matrix r = P(a, b);
         for (double &x : r.v)
           x *= -2;
         return std::vector{r};
       },
       1},
  };
}

class BlasMatmul : public ::testing::TestWithParam<std::tuple<Case, std::string, unsigned>> {};

TEST_P(BlasMatmul, MatchesLoopsAndCallsGemm) {
  const auto &[c, ft, optLevel] = GetParam();
  auto context = makeContext();
  auto module = parse(c.source, ft, *context);
  ASSERT_TRUE(module);
  grad::CodegenOptions options = blasOptions(optLevel);
  EXPECT_EQ(countGemmCalls(*module, options), c.gemmCalls);

  auto compiled = grad::CompiledModule::compile(*module, options);
  ASSERT_TRUE(mlir::succeeded(compiled));
  grad::DType dtype = ft == "f32" ? grad::DType::f32 : grad::DType::f64;
  Tensor a = grad::randn(c.aShape, 11, dtype), b = grad::randn(c.bShape, 12, dtype);
  std::string error;
  auto results = (*compiled)->run("f", {a, b}, &error);
  ASSERT_TRUE(mlir::succeeded(results)) << error;
  std::vector<Matrix> want = c.reference(toMatrix(a), toMatrix(b));
  ASSERT_EQ(results->size(), want.size());
  double tol = ft == "f32" ? 1e-5 : 1e-12;
  for (size_t r = 0; r < want.size(); ++r) {
    Matrix got = toMatrix((*results)[r]);
    ASSERT_EQ(got.rows, want[r].rows);
    ASSERT_EQ(got.cols, want[r].cols);
    for (size_t i = 0; i < got.v.size(); ++i)
      ASSERT_NEAR(got.v[i], want[r].v[i], tol * (1 + std::abs(want[r].v[i])))
          << c.name << " result " << r << " element " << i;
  }
}

INSTANTIATE_TEST_SUITE_P(AllTransposes, BlasMatmul,
                         ::testing::Combine(::testing::ValuesIn(cases()),
                                            ::testing::Values("f32", "f64"),
                                            ::testing::Values(3u, 0u)),
                         [](const auto &info) { return paramName(info); });

// A batched matmul is one gemm call in a loop over the batch (BlasFoldTest.cpp covers the
// permuted and reshaped forms).
TEST(BlasMatmulBatched, BatchMatmulIsGemmPerBatch) {
  auto context = makeContext();
  auto module = parse(R"(
func.func @f(%a: tensor<2x5x7xf32>, %b: tensor<2x7x3xf32>) -> tensor<2x5x3xf32> {
  %r = grad.matmul %a, %b : tensor<2x5x7xf32>, tensor<2x7x3xf32> -> tensor<2x5x3xf32>
  return %r : tensor<2x5x3xf32>
})",
                      "f32", *context);
  ASSERT_TRUE(module);
  grad::CodegenOptions options = blasOptions(3);
  EXPECT_EQ(countGemmCalls(*module, options), 1);
  auto compiled = grad::CompiledModule::compile(*module, options);
  ASSERT_TRUE(mlir::succeeded(compiled));
  Tensor a = grad::randn({2, 5, 7}, 1), b = grad::randn({2, 7, 3}, 2);
  auto results = (*compiled)->run("f", {a, b});
  ASSERT_TRUE(mlir::succeeded(results));
  for (int64_t i = 0; i < 2; ++i) {
    auto row = [&](const Tensor &t) {
      Tensor s = grad::slice(t, 0, i, i + 1);
      return toMatrix(grad::reshape(s.contiguous(), {t.shape()[1], t.shape()[2]}));
    };
    Matrix want = product(row(a), row(b));
    Matrix got = row((*results)[0]);
    for (size_t j = 0; j < want.v.size(); ++j)
      ASSERT_NEAR(got.v[j], want.v[j], 1e-5 * (1 + std::abs(want.v[j])));
  }
}

// The JIT's temporaries go through the cached allocator: after a call whose function needs a
// temporary buffer, the cache holds it, and repeated calls reuse it with unchanged results.
TEST(JitAllocator, TemporariesAreCachedAndReused) {
  auto context = makeContext();
  // exp(x) is read by both the sum and the output: a materialized 64x64 temporary.
  auto module = parse(R"(
func.func @f(%x: tensor<64x64xf32>) -> tensor<64x64xf32> {
  %e = grad.exp %x : tensor<64x64xf32>
  %s = grad.sum %e {axes = array<i64: 1>, keepdim = true} : tensor<64x64xf32> -> tensor<64x1xf32>
  %b = grad.broadcast %s {dims = array<i64: 0, 1>} : tensor<64x1xf32> -> tensor<64x64xf32>
  %r = grad.div %e, %b : tensor<64x64xf32>
  return %r : tensor<64x64xf32>
})",
                      "f32", *context);
  ASSERT_TRUE(module);
  auto compiled = grad::CompiledModule::compile(*module);
  ASSERT_TRUE(mlir::succeeded(compiled));
  Tensor x = grad::randn({64, 64}, 3);
  Tensor want = grad::softmax(x, 1);
  size_t before = grad::jitAllocatorCachedBytes();
  for (int i = 0; i < 3; ++i) {
    auto results = (*compiled)->run("f", {x});
    ASSERT_TRUE(mlir::succeeded(results));
    std::vector<float> got = (*results)[0].to_vector<float>(), w = want.to_vector<float>();
    for (size_t j = 0; j < got.size(); ++j)
      ASSERT_NEAR(got[j], w[j], 1e-5f);
    if (i == 0)
      EXPECT_GT(grad::jitAllocatorCachedBytes(), before);
    // Reuse: the cache does not grow on later calls.
    size_t afterFirst = grad::jitAllocatorCachedBytes();
    if (i > 0)
      EXPECT_EQ(grad::jitAllocatorCachedBytes(), afterFirst);
  }
  grad::jitAllocatorReleaseCached();
  EXPECT_EQ(grad::jitAllocatorCachedBytes(), 0u);
  auto again = (*compiled)->run("f", {x}); // blocks are allocated afresh
  ASSERT_TRUE(mlir::succeeded(again));
  EXPECT_NEAR((*again)[0].to_vector<float>()[5], want.to_vector<float>()[5], 1e-5f);
}

// grad::jit runs native code by default (JitOptions::backend), and a training-step-shaped
// value_and_grad (matmul with a transposed weight, its gradients) matches the eager tape.
TEST(JitDefault, NativeBackendMatchesEagerOnMatmulGradients) {
  EXPECT_EQ(grad::JitOptions{}.backend, grad::JitBackend::Native);
  grad::TensorFn loss = [](const std::vector<Tensor> &a) {
    return grad::sum(grad::relu(grad::matmul(a[0], grad::transpose(a[1], 0, 1))) * a[2]);
  };
  Tensor x = grad::randn({6, 4}, 1), w = grad::randn({5, 4}, 2), g = grad::randn({6, 5}, 3);
  auto eager = grad::value_and_grad(loss, {0, 1})({x, w, g});
  auto jitted = grad::jit(grad::value_and_grad(loss, {0, 1}))({x, w, g});
  EXPECT_NEAR(jitted.first.item<float>(), eager.first.item<float>(), 1e-4);
  for (size_t i = 0; i < 2; ++i) {
    std::vector<float> got = jitted.second[i].to_vector<float>(),
                       want = eager.second[i].to_vector<float>();
    ASSERT_EQ(got.size(), want.size());
    for (size_t j = 0; j < got.size(); ++j)
      ASSERT_NEAR(got[j], want[j], 1e-5f * (1 + std::abs(want[j])));
  }
}

} // namespace

namespace {

// The interpreter stays selectable, by option and by environment: it runs the eager kernels, so
// its results equal eager's bit for bit (native tanh is a polynomial and may differ in the last
// bits, which is why exact equality identifies the interpreter here).
TEST(JitDefault, InterpreterSelectableByOptionAndEnvironment) {
  auto fn = [](const std::vector<Tensor> &a) { return grad::tanh(a[0]) * a[0]; };
  Tensor x = grad::randn({64}, 4);
  std::vector<float> want = fn({x}).to_vector<float>();
  grad::JitOptions options;
  options.backend = grad::JitBackend::Interpreter;
  EXPECT_EQ(grad::jit(fn, options)({x}).to_vector<float>(), want);
  ::setenv("GRAD_JIT_BACKEND", "interpreter", 1);
  std::vector<float> viaEnv = grad::jit(fn)({x}).to_vector<float>();
  ::unsetenv("GRAD_JIT_BACKEND");
  EXPECT_EQ(viaEnv, want);
  std::vector<float> native = grad::jit(fn)({x}).to_vector<float>();
  for (size_t i = 0; i < want.size(); ++i)
    EXPECT_NEAR(native[i], want[i], 1e-6f);
}

} // namespace
