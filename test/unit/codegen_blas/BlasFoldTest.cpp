// The BLAS lowering of the matmul forms a transformer produces: 2-D behind reshapes of [B, T, D]
// activations, the weight gradient x^T g (and its transpose), batched 3-D and 4-D matmuls whose
// operands are transposed or permuted views (attention heads, k^T), the attention output permuted
// back into [B, T, H, D], and forms BLAS must not take as they are (a batch dim innermost).
// Each case runs in f32 and f64 at -O3 and -O0 against eager grad::matmul / permute / reshape,
// and the lowered module must call cblas_?gemm at the expected number of call sites (the
// transposes and batch strides are folded into those calls, no loop fallback).
#include "BlasTestUtil.h"

#include "grad/Codegen/Jit.h"
#include "grad/Dialect/Registration.h"
#include "grad/ops.h"
#include "grad/tensor.h"

#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/Parser/Parser.h"

#include <gtest/gtest.h>

#include <cmath>
#include <functional>

namespace {

using namespace grad::blas_test;

using grad::Tensor;
using Tensors = std::vector<Tensor>;

struct Case {
  const char *name;
  const char *source; // FT = element type
  std::vector<grad::Shape> inputs;
  std::function<Tensors(const Tensors &)> reference;
  int gemmCalls;
};

void PrintTo(const Case &c, std::ostream *os) { *os << c.name; }

std::vector<Case> cases() {
  using grad::matmul;
  using grad::permute;
  using grad::reshape;
  return {
      {"linear_behind_reshapes",
       R"(func.func @f(%x: tensor<4x8x16xFT>, %w: tensor<16x24xFT>) -> tensor<4x8x24xFT> {
  %x2 = grad.reshape %x : tensor<4x8x16xFT> -> tensor<32x16xFT>
  %y = grad.matmul %x2, %w : tensor<32x16xFT>, tensor<16x24xFT> -> tensor<32x24xFT>
  %y3 = grad.reshape %y : tensor<32x24xFT> -> tensor<4x8x24xFT>
  return %y3 : tensor<4x8x24xFT>
})",
       {{4, 8, 16}, {16, 24}},
       [](const Tensors &a) {
         return Tensors{reshape(matmul(reshape(a[0], {32, 16}), a[1]), {4, 8, 24})};
       },
       1},
      {"weight_gradient",
       R"(func.func @f(%x: tensor<4x8x16xFT>, %g: tensor<4x8x24xFT>) -> tensor<16x24xFT> {
  %x2 = grad.reshape %x : tensor<4x8x16xFT> -> tensor<32x16xFT>
  %g2 = grad.reshape %g : tensor<4x8x24xFT> -> tensor<32x24xFT>
  %xt = grad.transpose %x2 {perm = array<i64: 1, 0>} : tensor<32x16xFT> -> tensor<16x32xFT>
  %r = grad.matmul %xt, %g2 : tensor<16x32xFT>, tensor<32x24xFT> -> tensor<16x24xFT>
  return %r : tensor<16x24xFT>
})",
       {{4, 8, 16}, {4, 8, 24}},
       [](const Tensors &a) {
         return Tensors{matmul(permute(reshape(a[0], {32, 16}), {1, 0}), reshape(a[1], {32, 24}))};
       },
       1},
      {"weight_gradient_transposed",
       R"(func.func @f(%x: tensor<4x8x16xFT>, %g: tensor<4x8x24xFT>) -> tensor<24x16xFT> {
  %x2 = grad.reshape %x : tensor<4x8x16xFT> -> tensor<32x16xFT>
  %g2 = grad.reshape %g : tensor<4x8x24xFT> -> tensor<32x24xFT>
  %gt = grad.transpose %g2 {perm = array<i64: 1, 0>} : tensor<32x24xFT> -> tensor<24x32xFT>
  %r = grad.matmul %gt, %x2 : tensor<24x32xFT>, tensor<32x16xFT> -> tensor<24x16xFT>
  return %r : tensor<24x16xFT>
})",
       {{4, 8, 16}, {4, 8, 24}},
       [](const Tensors &a) {
         return Tensors{matmul(permute(reshape(a[1], {32, 24}), {1, 0}), reshape(a[0], {32, 16}))};
       },
       1},
      {"batched",
       R"(func.func @f(%a: tensor<3x5x7xFT>, %b: tensor<3x7x4xFT>) -> tensor<3x5x4xFT> {
  %r = grad.matmul %a, %b : tensor<3x5x7xFT>, tensor<3x7x4xFT> -> tensor<3x5x4xFT>
  return %r : tensor<3x5x4xFT>
})",
       {{3, 5, 7}, {3, 7, 4}},
       [](const Tensors &a) { return Tensors{matmul(a[0], a[1])}; },
       1},
      {"batched_transposed_operands",
       R"(func.func @f(%a: tensor<3x7x5xFT>, %b: tensor<3x4x7xFT>) -> tensor<3x5x4xFT> {
  %at = grad.transpose %a {perm = array<i64: 0, 2, 1>} : tensor<3x7x5xFT> -> tensor<3x5x7xFT>
  %bt = grad.transpose %b {perm = array<i64: 0, 2, 1>} : tensor<3x4x7xFT> -> tensor<3x7x4xFT>
  %r = grad.matmul %at, %bt : tensor<3x5x7xFT>, tensor<3x7x4xFT> -> tensor<3x5x4xFT>
  return %r : tensor<3x5x4xFT>
})",
       {{3, 7, 5}, {3, 4, 7}},
       [](const Tensors &a) {
         return Tensors{matmul(permute(a[0], {0, 2, 1}), permute(a[1], {0, 2, 1}))};
       },
       1},
      // The batch dim in the middle of an operand: its stride is the batch stride.
      {"batched_batch_dim_permuted",
       R"(func.func @f(%a: tensor<5x3x7xFT>, %b: tensor<3x7x4xFT>) -> tensor<3x4x5xFT> {
  %ap = grad.transpose %a {perm = array<i64: 1, 0, 2>} : tensor<5x3x7xFT> -> tensor<3x5x7xFT>
  %r = grad.matmul %ap, %b : tensor<3x5x7xFT>, tensor<3x7x4xFT> -> tensor<3x5x4xFT>
  %rt = grad.transpose %r {perm = array<i64: 0, 2, 1>} : tensor<3x5x4xFT> -> tensor<3x4x5xFT>
  return %rt : tensor<3x4x5xFT>
})",
       {{5, 3, 7}, {3, 7, 4}},
       [](const Tensors &a) {
         return Tensors{permute(matmul(permute(a[0], {1, 0, 2}), a[1]), {0, 2, 1})};
       },
       1},
      // q @ k^T on [B, T, H, D] projections: heads permuted, k^T a second permutation.
      {"attention_scores",
       R"(func.func @f(%q: tensor<2x6x3x8xFT>, %k: tensor<2x6x3x8xFT>) -> tensor<2x3x6x6xFT> {
  %qh = grad.transpose %q {perm = array<i64: 0, 2, 1, 3>} : tensor<2x6x3x8xFT> -> tensor<2x3x6x8xFT>
  %kh = grad.transpose %k {perm = array<i64: 0, 2, 1, 3>} : tensor<2x6x3x8xFT> -> tensor<2x3x6x8xFT>
  %kt = grad.transpose %kh {perm = array<i64: 0, 1, 3, 2>} : tensor<2x3x6x8xFT> -> tensor<2x3x8x6xFT>
  %s = grad.matmul %qh, %kt : tensor<2x3x6x8xFT>, tensor<2x3x8x6xFT> -> tensor<2x3x6x6xFT>
  return %s : tensor<2x3x6x6xFT>
})",
       {{2, 6, 3, 8}, {2, 6, 3, 8}},
       [](const Tensors &a) {
         return Tensors{matmul(permute(a[0], {0, 2, 1, 3}),
                               permute(permute(a[1], {0, 2, 1, 3}), {0, 1, 3, 2}))};
       },
       1},
      // att @ v, permuted back to [B, T, H, D] and merged to [B, T, H * D]: written in place.
      {"attention_output",
       R"(func.func @f(%att: tensor<2x3x6x6xFT>, %v: tensor<2x6x3x8xFT>) -> tensor<2x6x24xFT> {
  %e = grad.exp %att : tensor<2x3x6x6xFT>
  %vh = grad.transpose %v {perm = array<i64: 0, 2, 1, 3>} : tensor<2x6x3x8xFT> -> tensor<2x3x6x8xFT>
  %o = grad.matmul %e, %vh : tensor<2x3x6x6xFT>, tensor<2x3x6x8xFT> -> tensor<2x3x6x8xFT>
  %ot = grad.transpose %o {perm = array<i64: 0, 2, 1, 3>} : tensor<2x3x6x8xFT> -> tensor<2x6x3x8xFT>
  %r = grad.reshape %ot : tensor<2x6x3x8xFT> -> tensor<2x6x24xFT>
  return %r : tensor<2x6x24xFT>
})",
       {{2, 3, 6, 6}, {2, 6, 3, 8}},
       [](const Tensors &a) {
         Tensor o = matmul(grad::exp(a[0]), permute(a[1], {0, 2, 1, 3}));
         return Tensors{reshape(permute(o, {0, 2, 1, 3}).contiguous(), {2, 6, 24})};
       },
       1},
      // The attention backward's dV = att^T @ dO with dO from a [B, T, H * D] gradient.
      {"attention_value_gradient",
       R"(func.func @f(%att: tensor<2x3x6x6xFT>, %g: tensor<2x6x24xFT>) -> tensor<2x3x6x8xFT> {
  %g4 = grad.reshape %g : tensor<2x6x24xFT> -> tensor<2x6x3x8xFT>
  %gh = grad.transpose %g4 {perm = array<i64: 0, 2, 1, 3>} : tensor<2x6x3x8xFT> -> tensor<2x3x6x8xFT>
  %at = grad.transpose %att {perm = array<i64: 0, 1, 3, 2>} : tensor<2x3x6x6xFT> -> tensor<2x3x6x6xFT>
  %r = grad.matmul %at, %gh : tensor<2x3x6x6xFT>, tensor<2x3x6x8xFT> -> tensor<2x3x6x8xFT>
  return %r : tensor<2x3x6x8xFT>
})",
       {{2, 3, 6, 6}, {2, 6, 24}},
       [](const Tensors &a) {
         return Tensors{matmul(permute(a[0], {0, 1, 3, 2}),
                               permute(reshape(a[1], {2, 6, 3, 8}), {0, 2, 1, 3}))};
       },
       1},
      {"batched_4d_plain",
       R"(func.func @f(%a: tensor<2x3x5x7xFT>, %b: tensor<2x3x7x4xFT>) -> tensor<2x3x5x4xFT> {
  %r = grad.matmul %a, %b : tensor<2x3x5x7xFT>, tensor<2x3x7x4xFT> -> tensor<2x3x5x4xFT>
  return %r : tensor<2x3x5x4xFT>
})",
       {{2, 3, 5, 7}, {2, 3, 7, 4}},
       [](const Tensors &a) { return Tensors{matmul(a[0], a[1])}; },
       1},
      // The source's innermost dim is the batch dim: BLAS cannot read it with a leading
      // dimension, so the permutation stays a copy (and the numbers must still be right).
      {"batch_dim_innermost_not_folded",
       R"(func.func @f(%a: tensor<5x7x3xFT>, %b: tensor<3x7x4xFT>) -> tensor<3x5x4xFT> {
  %ap = grad.transpose %a {perm = array<i64: 2, 0, 1>} : tensor<5x7x3xFT> -> tensor<3x5x7xFT>
  %r = grad.matmul %ap, %b : tensor<3x5x7xFT>, tensor<3x7x4xFT> -> tensor<3x5x4xFT>
  return %r : tensor<3x5x4xFT>
})",
       {{5, 7, 3}, {3, 7, 4}},
       [](const Tensors &a) {
         return Tensors{matmul(permute(a[0], {2, 0, 1}), a[1])};
       },
       1},
      // Size-1 matrix dims (M = 1, N = 1) read through permutations: any stride is valid there.
      {"unit_dims",
       R"(func.func @f(%a: tensor<3x7x1xFT>, %b: tensor<3x1x7xFT>) -> tensor<3x1x1xFT> {
  %at = grad.transpose %a {perm = array<i64: 0, 2, 1>} : tensor<3x7x1xFT> -> tensor<3x1x7xFT>
  %bt = grad.transpose %b {perm = array<i64: 0, 2, 1>} : tensor<3x1x7xFT> -> tensor<3x7x1xFT>
  %r = grad.matmul %at, %bt : tensor<3x1x7xFT>, tensor<3x7x1xFT> -> tensor<3x1x1xFT>
  return %r : tensor<3x1x1xFT>
})",
       {{3, 7, 1}, {3, 1, 7}},
       [](const Tensors &a) {
         return Tensors{matmul(permute(a[0], {0, 2, 1}), permute(a[1], {0, 2, 1}))};
       },
       1},
  };
}

class BlasFold : public ::testing::TestWithParam<std::tuple<Case, std::string, unsigned>> {};

TEST_P(BlasFold, MatchesEagerWithGemmCalls) {
  const auto &[c, ft, optLevel] = GetParam();
  auto context = makeContext();
  auto module = parse(c.source, ft, *context);
  ASSERT_TRUE(module);
  grad::CodegenOptions options = blasOptions(optLevel);
  EXPECT_EQ(countGemmCalls(*module, options), c.gemmCalls);

  auto compiled = grad::CompiledModule::compile(*module, options);
  ASSERT_TRUE(mlir::succeeded(compiled));
  grad::DType dtype = ft == "f32" ? grad::DType::f32 : grad::DType::f64;
  Tensors inputs;
  for (size_t i = 0; i < c.inputs.size(); ++i)
    inputs.push_back(grad::randn(c.inputs[i], 21 + i, dtype));
  std::string error;
  auto results = (*compiled)->run("f", inputs, &error);
  ASSERT_TRUE(mlir::succeeded(results)) << error;
  Tensors want = c.reference(inputs);
  ASSERT_EQ(results->size(), want.size());
  double tol = ft == "f32" ? 1e-5 : 1e-12;
  for (size_t r = 0; r < want.size(); ++r) {
    ASSERT_EQ((*results)[r].shape(), want[r].shape());
    std::vector<double> got = (*results)[r].contiguous().to_vector<double>(),
                        ref = want[r].contiguous().to_vector<double>();
    ASSERT_EQ(got.size(), ref.size());
    for (size_t i = 0; i < got.size(); ++i)
      ASSERT_NEAR(got[i], ref[i], tol * (1 + std::abs(ref[i])))
          << c.name << " result " << r << " element " << i;
  }
}

INSTANTIATE_TEST_SUITE_P(TransformerForms, BlasFold,
                         ::testing::Combine(::testing::ValuesIn(cases()),
                                            ::testing::Values("f32", "f64"),
                                            ::testing::Values(3u, 0u)),
                         [](const auto &info) { return paramName(info); });

} // namespace
