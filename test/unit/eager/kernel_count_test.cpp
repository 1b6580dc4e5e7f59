// grad::eager_kernel_count(): one per pass of the eager kernels over memory; views run none.
#include "grad/autograd.h"
#include "grad/kernel_count.h"
#include "grad/ops.h"
#include "grad/tensor.h"

#include <gtest/gtest.h>

using namespace grad;

namespace {
/// Kernels `fn` runs.
template <class F> int64_t kernelsOf(F &&fn) {
  int64_t before = eager_kernel_count();
  fn();
  return eager_kernel_count() - before;
}
} // namespace

TEST(EagerKernelCount, OnePerOpNoneForViews) {
  Tensor a = ones({4, 8}), b = ones({4, 8});
  EXPECT_EQ(kernelsOf([&] { (void)(a + b); }), 1);
  EXPECT_EQ(kernelsOf([&] { (void)exp(a); }), 1);
  EXPECT_EQ(kernelsOf([&] { (void)sum(a, 1); }), 1);
  EXPECT_EQ(kernelsOf([&] { (void)matmul(a, transpose(b, 0, 1)); }), 1); // BLAS reads strided
  EXPECT_EQ(kernelsOf([&] { (void)transpose(a, 0, 1); }), 0);
  EXPECT_EQ(kernelsOf([&] { (void)reshape(a, {32}); }), 0);
  EXPECT_EQ(kernelsOf([&] { (void)slice(a, 1, 0, 4); }), 0);
  EXPECT_EQ(kernelsOf([&] { (void)broadcast_to(ones({8}), {4, 8}); }), 1); // ones' fill only
}

TEST(EagerKernelCount, StridedOperandCopyIsAKernel) {
  Tensor a = ones({4, 8});
  // A reshape of a transposed tensor must copy it to contiguous memory first.
  EXPECT_EQ(kernelsOf([&] { (void)reshape(transpose(a, 0, 1), {32}); }), 1);
}

TEST(EagerKernelCount, InPlaceUpdatesAndBackward) {
  Tensor w = ones({16});
  Tensor g = ones({16});
  {
    NoGradGuard noGrad;
    EXPECT_EQ(kernelsOf([&] { w.add_(g); }), 1);
    EXPECT_EQ(kernelsOf([&] { w.mul_(0.5); }), 1 + 1); // the scalar tensor's fill, the update
    EXPECT_EQ(kernelsOf([&] { w.zero_(); }), 1);
  }
  Tensor x = ones({16}).requires_grad_(true);
  Tensor loss = sum(x * x);
  int64_t backward = kernelsOf([&] { loss.backward(); });
  EXPECT_GT(backward, 0);
  EXPECT_EQ(x.grad().to_vector<float>()[0], 2.0f);
}
