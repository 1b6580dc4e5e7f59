// Bad input: each error is a grad::Error whose message names the op and the shapes or dtypes.
#include <gtest/gtest.h>

#include "grad/eager.h"
#include "expect_error.h"

namespace grad {
namespace {

TEST(Errors, BroadcastMismatch) {
  expect_error(
      [] {
        add(zeros({2, 3}), zeros({4}));
      },
      {"add: shapes [2,3] and [4] are not broadcastable"});
  expect_error([] { where(gt(zeros({2}), 0.0), zeros({3}), zeros({3})); }, {"where", "[2]", "[3]"});
  expect_error([] { broadcast_to(zeros({3}), {2, 4}); }, {"broadcast_to", "[3]", "[2,4]"});
}

TEST(Errors, MatmulShapes) {
  expect_error(
      [] {
        matmul(zeros({2, 3}), zeros({4, 5}));
      },
      {"matmul", "[2,3]", "[4,5]", "inner dims 3 and 4"});
  expect_error([] { matmul(zeros({2, 2, 3}), zeros({3, 3, 2})); }, {"matmul", "batch"});
  expect_error([] { matmul(zeros({}), zeros({2})); }, {"matmul"});
  // The primitive itself (no numpy rules) checks too.
  expect_error([] { apply(OpKind::Matmul, {zeros({2, 3}), zeros({2, 3})}); }, {"matmul", "[2,3]"});
}

TEST(Errors, DtypeMismatchDoesNotPromote) {
  expect_error([] { add(zeros({2}, DType::f32), zeros({2}, DType::f64)); },
               {"add", "f32", "f64", "does not promote"});
  expect_error(
      [] {
        matmul(zeros({2, 2}, DType::f32), zeros({2, 2}, DType::f64));
      },
      {"matmul", "f32", "f64"});
  expect_error([] { exp(zeros({2}, DType::i64)); }, {"exp", "i64"});
  expect_error([] { where(zeros({2}), zeros({2}), zeros({2})); }, {"where", "b8", "f32"});
  // A scalar operand takes the tensor's dtype: no error.
  EXPECT_EQ((zeros({2}, DType::f32) + 1.0).dtype(), DType::f32);
}

TEST(Errors, ShapeOps) {
  expect_error([] { reshape(zeros({2, 3}), {4, 2}); }, {"reshape", "[2,3]", "[4,2]"});
  expect_error([] { transpose(zeros({2, 3}), 0, 2); }, {"transpose", "axis 2", "rank 2"});
  expect_error([] { concat({zeros({2, 3}), zeros({3, 3})}, 1); }, {"concat", "[2,3]", "[3,3]"});
  expect_error([] { squeeze(zeros({2, 3}), {0}); }, {"squeeze", "size 2"});
  expect_error([] { sum(zeros({2, 3}), {0, 0}); }, {"sum", "repeated"});
  expect_error([] { sum(zeros({2, 3}), 5); }, {"sum", "axis 5"});
  expect_error([] { max(zeros({0, 3}), 0); }, {"max", "empty"});
  expect_error([] { slice(zeros({3}), 0, 0, 2, 0); }, {"slice", "step"});
  expect_error(
      [] {
        embedding(zeros({4, 2}), tensor(std::vector<int64_t>{1, 4}));
      },
      {"gather", "index 4", "4 rows"});
  expect_error([] { embedding(zeros({4, 2}), zeros({2})); }, {"gather", "i64", "f32"});
  expect_error([] { tensor({1.f, 2.f, 3.f}, {2, 2}); }, {"tensor", "3 values", "[2,2]"});
}

TEST(Errors, NnOps) {
  expect_error(
      [] {
        cross_entropy(zeros({2, 3}), tensor(std::vector<int64_t>{0}, {1}));
      },
      {"cross_entropy", "[2,3]", "[1]"});
  expect_error(
      [] {
        cross_entropy(zeros({2, 3}), tensor(std::vector<int64_t>{0, 3}));
      },
      {"cross_entropy", "label 3", "3 classes"});
  expect_error([] { layer_norm(zeros({2, 3}), {4}); }, {"layer_norm", "[4]", "[2,3]"});
  expect_error([] { gelu(zeros({2, 3}), "exact"); }, {"gelu", "\"exact\"", "none", "[2,3]"});
  expect_error([] { nn::GELU("erf"); }, {"nn::GELU", "\"erf\"", "tanh"});
  // erf takes floats only: the op table's dtype class, in the eager rule.
  expect_error([] { erf(zeros({4}, DType::i64)); }, {"erf", "floating", "i64", "[4]"});
}

TEST(Errors, Autograd) {
  expect_error([] { zeros({1}).backward(); }, {"backward", "does not require grad"});
  expect_error(
      [] {
        Tensor x = ones({2}, DType::f64).requires_grad_();
        (x * x).backward();
      },
      {"backward", "shape [2]"});
  expect_error(
      [] {
        Tensor x = ones({1}, DType::f64).requires_grad_();
        x.backward(ones({1}));
      },
      {"backward", "f32", "f64"});
  expect_error([] { Tensor().shape(); }, {"undefined"});
  expect_error([] { ones({2}).item<float>(); }, {"item", "[2]", "2 elements"});
  expect_error(
      [] { value_and_grad([](const std::vector<Tensor>& a) { return a[0]; }, {0})({ones({2})}); },
      {"value_and_grad", "one-element", "[2]"});
  expect_error(
      [] {
        value_and_grad([](const std::vector<Tensor>& a) { return sum(a[0]); }, {3})({ones({2})});
      },
      {"value_and_grad", "argnum 3"});
}

} // namespace
} // namespace grad
