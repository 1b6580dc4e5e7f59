// Hardening (issue 11): extreme or malformed arguments to the eager API give a grad::Error that
// names the op and the shapes, never a crash, a wrapped-around size or a silent wrong result.
#include <cmath>
#include <cstdint>
#include <limits>

#include <gtest/gtest.h>

#include "grad/checked.h"
#include "grad/eager.h"
#include "expect_error.h"

#if defined(__has_feature)
#if __has_feature(address_sanitizer)
#define GRAD_TEST_UNDER_ASAN 1
#endif
#endif
#ifndef GRAD_TEST_UNDER_ASAN
#define GRAD_TEST_UNDER_ASAN 0
#endif

namespace grad {
namespace {

constexpr int64_t kMax = std::numeric_limits<int64_t>::max();
constexpr int64_t kMin = std::numeric_limits<int64_t>::min();

TEST(BadInput, CheckedNumel) {
  EXPECT_EQ(checked_numel({}), 1);
  EXPECT_EQ(checked_numel({0, kMax}), 0);
  EXPECT_EQ(checked_numel({int64_t(1) << 32, int64_t(1) << 32}), -1);
  EXPECT_EQ(checked_numel({2, -1}), -1);
  EXPECT_EQ(checked_nbytes({int64_t(1) << 62}, DType::f32), -1); // 2^64 bytes
  EXPECT_EQ(checked_nbytes({int64_t(1) << 62}, DType::b8), int64_t(1) << 62);
  expect_error([] { shape_numel({int64_t(1) << 32, int64_t(1) << 32}); },
               {"shape [4294967296,4294967296] has more than 2^63 elements"});
}

TEST(BadInput, HugeShapesAreErrorsNotCrashes) {
  // 2^62 f32 elements: the byte size 2^64 overflows (it used to wrap to 0 and segfault in fill).
  expect_error([] { zeros({int64_t(1) << 62}); }, {"zeros", "[4611686018427387904]", "2^63"});
  // 2^64 elements (numel used to wrap to 0).
  expect_error([] { zeros({int64_t(1) << 32, int64_t(1) << 32}); },
               {"zeros", "[4294967296,4294967296]", "more than 2^63 elements"});
  expect_error([] { ones({kMax, 2}); }, {"ones", "more than 2^63 elements"});
  expect_error([] { full({kMax, kMax}, 1.0); }, {"full", "more than 2^63 elements"});
  expect_error([] { empty({3, kMax}, DType::f64); }, {"empty", "2^63"});
  expect_error([] { randn({kMax, 3}, 0); }, {"randn", "2^63"});
#if !GRAD_TEST_UNDER_ASAN // ASan aborts on an allocation this large instead of returning null
  // Representable but not allocatable: an error, not an abort.
  expect_error([] { zeros({int64_t(1) << 61}, DType::b8); }, {"out of memory"});
#endif
  expect_error([] { tensor({1.0f, 2.0f}, {int64_t(1) << 32, int64_t(1) << 32}); },
               {"tensor", "more than 2^63 elements"});
}

TEST(BadInput, ShapeOpsWithHugeResults) {
  // Every operand is small; the result shape alone overflows.
  expect_error([] { broadcast_to(zeros({1, 1}), {int64_t(1) << 32, int64_t(1) << 32}); },
               {"broadcast", "more than 2^63 elements"});
  expect_error([] { reshape(zeros({2}), {int64_t(1) << 32, int64_t(1) << 32}); },
               {"reshape", "[4294967296,4294967296]"});
  // [2^40, 0] x [0, 2^40]: zero-size operands, a result of 2^80 elements.
  expect_error([] { matmul(zeros({int64_t(1) << 40, 0}), zeros({0, int64_t(1) << 40})); },
               {"matmul", "more than 2^63 elements"});
}

TEST(BadInput, SliceWithExtremeBounds) {
  Tensor x = arange(6, DType::f32).reshape({2, 3});
  // Huge steps used to overflow (l - s + st - 1) and give shape [2,-1].
  Tensor s = slice(x, 1, 0, kMax, kMax);
  EXPECT_EQ(s.shape(), (Shape{2, 1}));
  EXPECT_EQ(s.to_vector<float>(), (std::vector<float>{0, 3}));
  EXPECT_EQ(slice(x, 1, kMin, kMax, 2).shape(), (Shape{2, 2}));
  EXPECT_EQ(slice(x, 1, kMax, kMin, 1).shape(), (Shape{2, 0}));
  EXPECT_EQ(slice(x, 1, kMin, kMin, kMax).shape(), (Shape{2, 0}));
  EXPECT_EQ(slice(x, 1, -1, kMax, kMax - 1).to_vector<float>(), (std::vector<float>{2, 5}));
  expect_error([] { slice(zeros({2, 3}), 1, 0, 3, kMin); }, {"slice", "step"});
  expect_error([] { slice(zeros({2, 3}), kMin, 0, 3); }, {"slice"});
}

TEST(BadInput, BroadcastToNegativeSize) {
  expect_error([] { broadcast_to(zeros({1}), {-1}); }, {"broadcast_to", "[1]", "[-1]", "negative"});
  expect_error([] { broadcast_to(zeros({}), {2, -3}); }, {"broadcast_to", "[2,-3]", "negative"});
  expect_error([] { expand(zeros({1, 3}), {kMin, 3}); }, {"broadcast_to", "negative"});
  // The primitive checks too (it is what traced graphs and the compiler's folder go through).
  OpAttrs attrs;
  attrs.dims = {0};
  attrs.shape = {-4};
  expect_error([&] { apply(OpKind::Broadcast, {zeros({1})}, attrs); }, {"broadcast", "negative"});
}

TEST(BadInput, ConcatSizeOverflow) {
  Tensor a = zeros({0, kMax});
  expect_error([&] { concat({a, a}, 1); }, {"concat", "overflows"});
}

TEST(BadInput, OneHotOutOfRange) {
  expect_error([] { one_hot(tensor({0, 3}), 3); }, {"one_hot", "index 3", "3 classes", "[2]"});
  expect_error([] { one_hot(tensor({-1}), 3); }, {"one_hot", "index -1"});
  expect_error([] { one_hot(tensor({0}), -2); }, {"one_hot", "num_classes", "-2"});
  Tensor ok = one_hot(tensor({2, 0}), 3, DType::f32);
  EXPECT_EQ(ok.to_vector<float>(), (std::vector<float>{0, 0, 1, 1, 0, 0}));
}

TEST(BadInput, ReluPropagatesNaN) {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  for (DType dt : {DType::f32, DType::f64}) {
    Tensor x = tensor({nan, -1.0, 0.0, 2.0}, {4}).to(dt);
    std::vector<double> y = relu(x).to(DType::f64).to_vector<double>();
    EXPECT_TRUE(std::isnan(y[0])) << dt; // torch.relu(nan) and numpy.maximum(nan, 0) are nan
    EXPECT_EQ(y[1], 0.0);
    EXPECT_EQ(y[2], 0.0);
    EXPECT_EQ(y[3], 2.0);
    // maximum(x, 0) agrees with relu.
    std::vector<double> m = maximum(x, zeros_like(x)).to(DType::f64).to_vector<double>();
    EXPECT_TRUE(std::isnan(m[0]));
  }
}

// A float with no int64 value (NaN, +-inf, beyond 2^63) converts to INT64_MIN, as x86's cvttsd2si
// and so PyTorch and numpy do, instead of C++'s undefined behaviour (found by the mlir_passes
// fuzzer: grad-fold evaluated `grad.convert` of a NaN constant through this kernel).
TEST(BadInput, FloatToIntConversionOfUnrepresentableValues) {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  const double inf = std::numeric_limits<double>::infinity();
  const int64_t lo = std::numeric_limits<int64_t>::min();
  for (DType dt : {DType::f32, DType::f64}) {
    Tensor x = tensor({nan, inf, -inf, 1e30, -1e30, -2.75, 3.5, -9.2233720368547758e18}, {8}).to(dt);
    EXPECT_EQ(x.to(DType::i64).to_vector<int64_t>(),
              (std::vector<int64_t>{lo, lo, lo, lo, lo, -2, 3, lo}))
        << dt;
  }
}

} // namespace
} // namespace grad
