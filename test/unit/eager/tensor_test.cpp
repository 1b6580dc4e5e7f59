// Tensors: factories, metadata, views sharing storage and the version counter, in-place ops,
// dtype conversion, printing, reproducible random numbers.
#include <gtest/gtest.h>

#include <cmath>
#include <numeric>

#include "grad/eager.h"

namespace grad {
namespace {

TEST(Tensor, FactoriesAndMetadata) {
  Tensor t = tensor({1.f, 2.f, 3.f, 4.f, 5.f, 6.f}, {2, 3});
  EXPECT_EQ(t.shape(), (Shape{2, 3}));
  EXPECT_EQ(t.dim(), 2);
  EXPECT_EQ(t.numel(), 6);
  EXPECT_EQ(t.dtype(), DType::f32);
  EXPECT_EQ(t.strides(), (std::vector<int64_t>{3, 1}));
  EXPECT_TRUE(t.is_contiguous());
  EXPECT_EQ(t.to_vector<float>(), (std::vector<float>{1, 2, 3, 4, 5, 6}));
  EXPECT_FALSE(Tensor().defined());
  EXPECT_EQ(tensor({7.0}).dim(), 0); // one value, no shape: a scalar
  EXPECT_EQ(tensor({7.0}).item<double>(), 7.0);
  EXPECT_EQ(tensor({1.0, 2.0}).shape(), (Shape{2}));
  EXPECT_EQ(zeros({2, 2}, DType::i64).to_vector<int64_t>(), (std::vector<int64_t>{0, 0, 0, 0}));
  EXPECT_EQ(ones({3}).to_vector<float>(), (std::vector<float>{1, 1, 1}));
  EXPECT_EQ(full({2}, 2.5, DType::f64).to_vector<double>(), (std::vector<double>{2.5, 2.5}));
  EXPECT_EQ(arange(4, DType::i64).to_vector<int64_t>(), (std::vector<int64_t>{0, 1, 2, 3}));
  EXPECT_EQ(tensor({3.5f}).item<int>(), 3); // item converts
  EXPECT_EQ(*t.data_ptr<float>(), 1.f);
  EXPECT_THROW(t.data_ptr<double>(), Error);
}

TEST(Tensor, RandomIsReproducibleAndPlausible) {
  Tensor a = randn({1000}, 42), b = randn({1000}, 42), c = randn({1000}, 43);
  EXPECT_EQ(a.to_vector<float>(), b.to_vector<float>());
  EXPECT_NE(a.to_vector<float>(), c.to_vector<float>());
  // The first elements do not depend on the total size (counter-based generator).
  EXPECT_EQ(randn({3}, 42).to_vector<float>()[2], a.to_vector<float>()[2]);
  std::vector<double> v = randn({20000}, 7, DType::f64).to_vector<double>();
  double m = std::accumulate(v.begin(), v.end(), 0.0) / v.size();
  double var = 0;
  for (double x : v)
    var += (x - m) * (x - m);
  var /= v.size();
  EXPECT_NEAR(m, 0.0, 0.03);
  EXPECT_NEAR(var, 1.0, 0.05);
  std::vector<double> u = rand({20000}, 7, DType::f64).to_vector<double>();
  for (double x : u)
    ASSERT_TRUE(x >= 0.0 && x < 1.0);
  EXPECT_NEAR(std::accumulate(u.begin(), u.end(), 0.0) / u.size(), 0.5, 0.01);
}

TEST(Tensor, ViewsShareStorage) {
  Tensor base = arange(12, DType::f64);
  Tensor m = reshape(base, {3, 4});
  Tensor t = transpose(m, 0, 1);
  Tensor s = slice(m, 1, 1, 3);
  Tensor u = unsqueeze(m, 0);
  Tensor b = broadcast_to(slice(m, 0, 0, 1), {5, 4});
  for (const Tensor* v : {&m, &t, &s, &u, &b})
    EXPECT_TRUE(v->shares_storage(base));
  EXPECT_FALSE(t.is_contiguous());
  EXPECT_EQ(t.strides(), (std::vector<int64_t>{1, 4}));
  EXPECT_EQ(b.strides()[0], 0);
  EXPECT_EQ(t.to_vector<double>(), (std::vector<double>{0, 4, 8, 1, 5, 9, 2, 6, 10, 3, 7, 11}));
  EXPECT_EQ(s.to_vector<double>(), (std::vector<double>{1, 2, 5, 6, 9, 10}));
  // Writing through a view is seen by the base, and the version counter is shared.
  uint64_t v0 = base.version();
  s.fill_(-1.0);
  EXPECT_EQ(base.to_vector<double>(),
            (std::vector<double>{0, -1, -1, 3, 4, -1, -1, 7, 8, -1, -1, 11}));
  EXPECT_EQ(base.version(), v0 + 1);
  EXPECT_EQ(t.version(), base.version());
  t.add_(100.0);
  EXPECT_EQ(base.to_vector<double>()[0], 100.0);
  EXPECT_EQ(m.version(), v0 + 2);
  // contiguous() of a transposed view copies.
  Tensor c = t.contiguous();
  EXPECT_TRUE(c.is_contiguous());
  EXPECT_FALSE(c.shares_storage(base));
  EXPECT_EQ(c.to_vector<double>(), t.to_vector<double>());
  // reshape of a non-contiguous tensor copies (no view possible).
  EXPECT_FALSE(reshape(t, {12}).shares_storage(base));
}

TEST(Tensor, TransposedCopiesAcrossTiles) {
  // [2, 37, 45] with the last two dims swapped: exercises the tiled copy (tiles of 32, ragged
  // edges, a batch dim) against index arithmetic written here.
  Tensor x = arange(2 * 45 * 37, DType::f64).reshape({2, 45, 37});
  Tensor t = transpose(x, 1, 2).contiguous();
  ASSERT_EQ(t.shape(), (Shape{2, 37, 45}));
  std::vector<double> v = t.to_vector<double>();
  for (int b = 0; b < 2; ++b)
    for (int i = 0; i < 37; ++i)
      for (int j = 0; j < 45; ++j)
        ASSERT_EQ(v[(b * 37 + i) * 45 + j], b * 45 * 37 + j * 37 + i);
}

TEST(Tensor, DetachSharesStorageAndVersion) {
  Tensor x = tensor({1.0, 2.0}, {2}, true);
  Tensor d = x.detach();
  EXPECT_TRUE(d.shares_storage(x));
  EXPECT_FALSE(d.requires_grad());
  d.mul_(3.0);
  EXPECT_EQ(x.to_vector<double>(), (std::vector<double>{3.0, 6.0}));
  EXPECT_EQ(x.version(), 1u);
}

TEST(Tensor, InplaceOps) {
  Tensor x = tensor({1.f, 2.f, 3.f});
  x.add_(tensor({1.f, 1.f, 1.f})).mul_(2.0).sub_(1.0).div_(tensor({1.f}, {1}));
  EXPECT_EQ(x.to_vector<float>(), (std::vector<float>{3, 5, 7}));
  EXPECT_EQ(x.version(), 4u);
  x.copy_(tensor({9.0})); // broadcast + convert f64 -> f32
  EXPECT_EQ(x.to_vector<float>(), (std::vector<float>{9, 9, 9}));
  x.zero_();
  EXPECT_EQ(x.to_vector<float>(), (std::vector<float>{0, 0, 0}));
  EXPECT_THROW(broadcast_to(tensor({1.f}), {3}).fill_(1.0), Error);
}

// The one-pass in-place kernel (contiguous target, same-shape or one-element operand) and the
// general path (broadcast, other dtype, strided target, aliasing) must agree with out-of-place
// arithmetic, values checked by hand.
TEST(Tensor, InplaceFastAndGeneralPathsAgree) {
  Tensor x = tensor({1.0, 2.0, 3.0, 4.0}, {2, 2});
  x.add_(tensor({10.0, 20.0, 30.0, 40.0}, {2, 2}), -0.5); // fast path with alpha
  EXPECT_EQ(x.to_vector<double>(), (std::vector<double>{-4, -8, -12, -16}));
  x.add_(tensor({1.0, 2.0}), 2.0); // broadcast row: general path
  EXPECT_EQ(x.to_vector<double>(), (std::vector<double>{-2, -4, -10, -12}));
  x.div_(tensor({-2.0}, {1})); // one-element operand
  EXPECT_EQ(x.to_vector<double>(), (std::vector<double>{1, 2, 5, 6}));
  x.add_(x); // the same elements: read before written
  EXPECT_EQ(x.to_vector<double>(), (std::vector<double>{2, 4, 10, 12}));
  Tensor first = slice(reshape(x, {4}), 0, 0, 1);
  x.div_(first); // a scalar aliasing the target: must not see its own update
  EXPECT_EQ(x.to_vector<double>(), (std::vector<double>{1, 2, 5, 6}));
  Tensor t = transpose(x, 0, 1); // strided target: general path
  t.sub_(tensor({1.0, 1.0, 1.0, 1.0}, {2, 2}));
  EXPECT_EQ(x.to_vector<double>(), (std::vector<double>{0, 1, 4, 5}));
  Tensor f = tensor({1.f, 2.f});
  EXPECT_THROW(f.add_(tensor({1.0, 1.0}), 3.0), Error); // no implicit f64 -> f32 promotion
  f.add_(tensor({1.f, 1.f}), 3.0);
  EXPECT_EQ(f.to_vector<float>(), (std::vector<float>{4, 5}));
  EXPECT_EQ(f.version(), 1u);
  EXPECT_THROW(f.add_(tensor({1.f, 2.f, 3.f}), 2.0), Error); // shape mismatch names add_
  Tensor leaf = tensor({1.f}, {1}, true);
  EXPECT_THROW(leaf.add_(tensor({1.f}, {1}), 2.0), Error); // leaf requiring grad
}

TEST(Tensor, ConversionAndPrinting) {
  Tensor x = tensor({1.5, -2.5, 0.0}, {3});
  EXPECT_EQ(x.to(DType::i64).to_vector<int64_t>(), (std::vector<int64_t>{1, -2, 0}));
  EXPECT_EQ(x.to(DType::b8).to_vector<bool>(), (std::vector<bool>{true, true, false}));
  EXPECT_EQ(x.to(DType::f64).is_same(x), true);
  EXPECT_EQ(tensor({1.f, 2.f, 3.f, 4.f}, {2, 2}).str(),
            "tensor([[1, 2], [3, 4]], shape=[2,2], dtype=f32)");
  Tensor l = tensor({1.0}, {}, true);
  EXPECT_EQ((l * 2.0).str(), "tensor(2, shape=[], dtype=f64, grad_fn=<MulBackward0>)");
  EXPECT_EQ(arange(20, DType::i64).str(),
            "tensor([0, 1, 2, ..., 17, 18, 19], shape=[20], dtype=i64)");
}

} // namespace
} // namespace grad
