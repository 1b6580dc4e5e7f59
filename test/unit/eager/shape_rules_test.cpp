// grad/shape_rules.h on its own: the rules that the eager engine and the grad dialect share,
// with the dynamic dims (kDynamic) that only the dialect passes. The eager wrapper is checked in
// errors_test.cpp and bad_input_test.cpp, the dialect's in test/lit/dialect/*invalid.mlir, and
// test/unit/dialect/ShapeRulesAgreeTest.cpp checks that both wrappers accept the same inputs.
#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <vector>

#include "grad/shape_rules.h"

namespace {

namespace sr = grad::shape_rules;
using V = std::vector<int64_t>;
constexpr int64_t Q = sr::kDynamic;

void expect_dims(const sr::Result& r, const V& dims) {
  EXPECT_TRUE(r.ok()) << r.error;
  EXPECT_EQ(r.dims, dims);
}

void expect_error(const sr::Result& r, const std::string& fragment) {
  EXPECT_FALSE(r.ok());
  EXPECT_NE(r.error.find(fragment), std::string::npos) << "'" << r.error << "' lacks '"
                                                       << fragment << "'";
}

TEST(SharedShapeRules, StrPrintsDynamicAsQuestionMark) {
  EXPECT_EQ(sr::str(V{}), "[]");
  EXPECT_EQ(sr::str(V{2, Q, 4}), "[2,?,4]");
}

TEST(SharedShapeRules, CheckedNumelDetectsOverflow) {
  EXPECT_EQ(sr::checked_numel(V{2, 3, 4}), 24);
  EXPECT_EQ(sr::checked_numel(V{}), 1);
  EXPECT_EQ(sr::checked_numel(V{int64_t(1) << 32, int64_t(1) << 32}), -1);
}

TEST(SharedShapeRules, BroadcastStatic) {
  expect_dims(sr::broadcast(V{3}, V{1}, V{2, 3}), V{2, 3});
  expect_dims(sr::broadcast(V{1, 3}, V{0, 1}, V{4, 3}), V{4, 3});
  expect_error(sr::broadcast(V{2}, V{1}, V{4, 3}),
               "cannot broadcast shape [2] to [4,3]: operand dim 0 of size 2 cannot expand into "
               "result dim 1 of size 3");
  expect_error(sr::broadcast(V{3}, V{0, 1}, V{2, 3}), "dims [0,1] has 2 entries");
  expect_error(sr::broadcast(V{3, 3}, V{1, 0}, V{3, 3}), "must be strictly increasing");
  expect_error(sr::broadcast(V{3}, V{2}, V{2, 3}), "dims[0] = 2 is out of range");
  expect_error(sr::broadcast(V{1}, V{0}, V{-1}), "negative size");
  expect_error(sr::broadcast(V{}, V{}, V{INT64_MAX, 2}), "more than 2^63 elements");
}

TEST(SharedShapeRules, BroadcastDynamic) {
  // A dynamic operand dim gives the size of a dynamic result dim, or is 1 or the static size.
  expect_dims(sr::broadcast(V{Q, 4}, V{0, 1}, V{Q, 4}), V{Q, 4});
  expect_dims(sr::broadcast(V{Q}, V{1}, V{2, 5}), V{2, 5});
  expect_error(sr::broadcast(V{4}, V{1}, V{Q, 4}), "result dim 0 is dynamic but no dynamic");
  expect_error(sr::broadcast(V{3}, V{0}, V{Q}), "result dim 0 of size ?");
  // With explicit sizes: one per dynamic result dim.
  expect_dims(sr::broadcast(V{4}, V{2}, V{Q, Q, 4}, 2), V{Q, Q, 4});
  expect_error(sr::broadcast(V{4}, V{2}, V{Q, Q, 4}, 1),
               "has 1 sizes but the result shape [?,?,4] has 2 dynamic dims");
}

TEST(SharedShapeRules, NumpyBroadcastDims) {
  expect_dims(sr::numpy_broadcast_dims(V{3}, V{2, 3}), V{1});
  expect_dims(sr::numpy_broadcast_dims(V{1, 3}, V{5, 2, 3}), V{1, 2});
  expect_error(sr::numpy_broadcast_dims(V{2, 3}, V{3}), "to the lower-rank shape [3]");
  expect_error(sr::numpy_broadcast_dims(V{2}, V{3}), "dim 0 of size 2 is neither 1 nor 3");
}

TEST(SharedShapeRules, Reshape) {
  expect_dims(sr::reshape(V{2, 3}, V{6}), V{6});
  expect_dims(sr::reshape(V{0, 3}, V{3, 0}), V{3, 0});
  expect_error(sr::reshape(V{2, 3}, V{4, 2}), "cannot reshape [2,3] (6 elements) to [4,2] (8");
  expect_error(sr::reshape(V{2}, V{-2}), "has a negative size");
  expect_error(sr::reshape(V{2}, V{int64_t(1) << 32, int64_t(1) << 32}), "more than 2^63");
  // Dynamic: only size-1 dims come and go.
  expect_dims(sr::reshape(V{Q, 4}, V{Q, 1, 4}), V{Q, 1, 4});
  expect_dims(sr::reshape(V{1, Q}, V{Q}), V{Q});
  expect_error(sr::reshape(V{Q, 4}, V{8}), "with dynamic dims only inserts or removes dims");
  expect_error(sr::reshape(V{2, 4}, V{Q}), "with dynamic dims only inserts or removes dims");
  // With `sizes` (one per dynamic result dim): `?` dims merge and split.
  expect_dims(sr::reshape(V{Q, Q, 4}, V{Q, 4}, 1), V{Q, 4});
  expect_dims(sr::reshape(V{Q, 4}, V{Q, Q, 4}, 2), V{Q, Q, 4});
  expect_error(sr::reshape(V{Q, 4}, V{Q, Q, 4}, 1), "has 1 sizes but the result shape [?,?,4] has 2");
  expect_error(sr::reshape(V{3, 4}, V{Q, 5}, 1), "cannot reshape [3,4] (12 elements) to [?,5] (a multiple of 5");
}

TEST(SharedShapeRules, Transpose) {
  expect_dims(sr::transpose(V{2, 3, 4}, V{2, 0, 1}), V{4, 2, 3});
  expect_dims(sr::transpose(V{Q, 3}, V{1, 0}), V{3, Q});
  expect_error(sr::transpose(V{2, 3}, V{0, 0}), "perm [0,0] is not a permutation of [0, 2)");
  expect_error(sr::transpose(V{2, 3}, V{1, 0, 2}), "not a permutation");
  expect_error(sr::transpose(V{2, 3}, V{0, -1}), "not a permutation");
}

TEST(SharedShapeRules, Slice) {
  expect_dims(sr::slice(V{10, 4}, V{1, 0}, V{8, 4}, V{3, 1}), V{3, 4});
  expect_dims(sr::slice(V{5}, V{2}, V{2}, V{1}), V{0});
  // ceil((limit - start) / stride) with no overflow for a huge stride.
  expect_dims(sr::slice(V{5}, V{0}, V{5}, V{INT64_MAX}), V{1});
  expect_error(sr::slice(V{2, 3}, V{0, 1}, V{2, 4}, V{1, 1}),
               "dim 1: [1, 4) is out of bounds for size 3");
  expect_error(sr::slice(V{3}, V{0}, V{2}, V{0}), "stride 0 of dim 0 must be positive");
  expect_error(sr::slice(V{2, 3}, V{0}, V{2}, V{1}), "must each have one entry per dim");
  // Dynamic: a static limit along a `?` dim gives a static size (limit <= size at run time);
  // the limit `?` keeps the dim to its end; a dim the slice does not cut carries `?` through.
  expect_dims(sr::slice(V{Q}, V{0}, V{1}, V{1}), V{1});
  expect_dims(sr::slice(V{Q, Q, 12}, V{0, 0, 4}, V{Q, Q, 8}, V{1, 1, 1}), V{Q, Q, 4});
  expect_dims(sr::slice(V{Q, 6}, V{2, 0}, V{Q, 6}, V{3, 2}), V{Q, 3});
  expect_error(sr::slice(V{Q}, V{3}, V{2}, V{1}), "dim 0: [3, 2) is out of bounds for size ?");
  expect_error(sr::slice(V{Q}, V{-1}, V{Q}, V{1}), "dim 0: start -1 is negative");
  expect_error(sr::slice(V{Q, 4}, V{0, 0}, V{Q, Q}, V{1, 1}),
               "dim 1: the limit `?` (the operand's run-time size) needs a dynamic operand dim, "
               "but the operand shape [?,4] has size 4 there (write the limit 4)");
}

TEST(SharedShapeRules, Concat) {
  V a{2, 3}, b{2, 4}, big{INT64_MAX, 1}, dyn{Q, 3};
  expect_dims(sr::concat(std::vector<sr::Dims>{a, V{4, 3}}, 0), V{6, 3});
  expect_dims(sr::concat(std::vector<sr::Dims>{a, b}, 1), V{2, 7});
  expect_error(sr::concat(std::vector<sr::Dims>{a, b}, 0),
               "input #1 of shape [2,4] does not match input #0 of shape [2,3] outside axis 0");
  expect_error(sr::concat(std::vector<sr::Dims>{a, a}, 2), "axis 2 is out of range");
  expect_error(sr::concat(std::vector<sr::Dims>{big, big}, 0), "overflows int64");
  expect_error(sr::concat(std::vector<sr::Dims>{}, 0), "needs at least one operand");
  // Dynamic: `?` outside the axis agrees at run time (a static size wins); `?` along it: `?`.
  expect_dims(sr::concat(std::vector<sr::Dims>{a, dyn}, 0), V{Q, 3});
  expect_dims(sr::concat(std::vector<sr::Dims>{V{Q, 2}, V{Q, 3}}, 1), V{Q, 5});
  expect_dims(sr::concat(std::vector<sr::Dims>{V{Q, Q}, V{Q, 3}}, 0), V{Q, 3});
  expect_error(sr::concat(std::vector<sr::Dims>{dyn, b}, 0),
               "input #1 of shape [2,4] does not match input #0 of shape [?,3] outside axis 0");
  expect_error(sr::concat(std::vector<sr::Dims>{V{Q, Q}, V{2, 3}, V{2, 4}}, 0),
               "input #2 of shape [2,4] does not match input #1 of shape [2,3] outside axis 0");
}

TEST(SharedShapeRules, Gather) {
  expect_dims(sr::gather(V{10, 4}, V{2, 3}), V{2, 3, 4});
  expect_dims(sr::gather(V{Q, 4}, V{Q}), V{Q, 4});
  expect_error(sr::gather(V{}, V{2}), "table must have rank >= 1, got shape []");
}

TEST(SharedShapeRules, Matmul) {
  expect_dims(sr::matmul(V{2, 3}, V{3, 5}), V{2, 5});
  expect_dims(sr::matmul(V{7, 2, 3}, V{7, 3, 5}), V{7, 2, 5});
  expect_error(sr::matmul(V{2, 3}, V{4, 5}),
               "inner dims differ: lhs shape [2,3] has k = 3, rhs shape [4,5] has k = 4");
  expect_error(sr::matmul(V{2, 2, 3}, V{3, 3, 5}), "batch dims differ");
  expect_error(sr::matmul(V{3}, V{3, 5}), "needs operands of equal rank >= 2");
  // Dynamic: a size that must agree may be unknown on one side; the known one wins.
  expect_dims(sr::matmul(V{Q, 3}, V{3, 5}), V{Q, 5});
  expect_dims(sr::matmul(V{2, Q}, V{3, Q}), V{2, Q});
  expect_dims(sr::matmul(V{Q, 2, 3}, V{4, 3, 5}), V{4, 2, 5});
  expect_error(sr::matmul(V{Q, 3}, V{4, 5}), "has k = 3, rhs shape [4,5] has k = 4");
}

TEST(SharedShapeRules, Reduce) {
  expect_dims(sr::reduce(V{2, 3, 4}, V{2, 0}, false), V{3});
  expect_dims(sr::reduce(V{2, 3, 4}, V{1}, true), V{2, 1, 4});
  expect_dims(sr::reduce(V{}, V{}, false), V{});
  expect_dims(sr::reduce(V{Q, 3}, V{1}, false), V{Q});
  expect_error(sr::reduce(V{2, 3}, V{2}, false), "axis 2 in axes [2] is out of range");
  expect_error(sr::reduce(V{2, 3}, V{-1}, false), "axis -1 in axes [-1] is out of range");
  expect_error(sr::reduce(V{2, 3}, V{1, 1}, false), "axis 1 appears twice in axes [1,1]");
  expect_error(sr::reduce(V{2, 3}, V{}, false), "axes must name the reduced dims");
}

} // namespace
