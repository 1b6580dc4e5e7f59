// Hardening (issue 11): misuse of the C runtime (NULL shapes and arrays, invalid descriptors,
// memrefCopy with NULL, mismatched or negative ranks) returns an error status with a message;
// it never dereferences NULL, reads out of bounds or loops.
#include "grad/gradrt.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <string>

namespace {

std::string take(grad_status s) {
  if (!s)
    return "OK";
  std::string message = grad_status_message(s);
  EXPECT_EQ(grad_status_code(s), GRAD_STATUS_INVALID_ARGUMENT) << message;
  grad_status_free(s);
  return message;
}

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

TEST(GradRtBadInput, CheckTensorWithNullExpectedShape) {
  float data[6] = {};
  int64_t shape[] = {2, 3};
  grad_tensor t;
  ASSERT_EQ(grad_tensor_view(data, GRAD_DTYPE_F32, 2, shape, &t), nullptr);
  std::string m = take(grad_check_tensor(&t, "f", 0, GRAD_DTYPE_F32, 2, nullptr));
  EXPECT_TRUE(contains(m, "f: argument 0: invalid expected type")) << m;
  EXPECT_TRUE(contains(m, "NULL")) << m;
  // Also when the tensor itself is NULL.
  m = take(grad_check_tensor(nullptr, "f", 1, GRAD_DTYPE_F32, 2, nullptr));
  EXPECT_TRUE(contains(m, "invalid expected type")) << m;
  // Rank 0 needs no shape.
  grad_tensor s;
  float x = 0;
  ASSERT_EQ(grad_tensor_view(&x, GRAD_DTYPE_F32, 0, nullptr, &s), nullptr);
  EXPECT_EQ(take(grad_check_tensor(&s, "f", 0, GRAD_DTYPE_F32, 0, nullptr)), "OK");
}

TEST(GradRtBadInput, CheckTensorWithInvalidRanks) {
  int64_t shape[GRAD_MAX_RANK + 4] = {};
  grad_tensor t = {};
  t.dtype = GRAD_DTYPE_F32;
  // Expected and actual ranks both out of range: must not read shape[] past GRAD_MAX_RANK.
  t.rank = 1000;
  std::string m = take(grad_check_tensor(&t, "f", 0, GRAD_DTYPE_F32, 1000, shape));
  EXPECT_TRUE(contains(m, "invalid expected type")) << m;
  m = take(grad_check_tensor(&t, "f", 0, GRAD_DTYPE_F32, -1, shape));
  EXPECT_TRUE(contains(m, "invalid expected type")) << m;
  // A garbage actual rank against a valid expected one is a rank mismatch.
  t.rank = -7;
  m = take(grad_check_tensor(&t, "f", 0, GRAD_DTYPE_F32, 1, shape));
  EXPECT_TRUE(contains(m, "rank mismatch")) << m;
  EXPECT_TRUE(contains(m, "<invalid rank -7>")) << m;
}

TEST(GradRtBadInput, CheckTensorWithNegativeOrOverflowingShape) {
  float data[4] = {};
  grad_tensor t = {};
  t.data = data;
  t.dtype = GRAD_DTYPE_F32;
  t.rank = 2;
  t.shape[0] = -2;
  t.shape[1] = -2; // product 4: must not pass as a 4-element tensor
  int64_t expected[] = {-2, -2};
  std::string m = take(grad_check_tensor(&t, "f", 0, GRAD_DTYPE_F32, 2, expected));
  EXPECT_TRUE(contains(m, "invalid shape")) << m;
  t.shape[0] = t.shape[1] = int64_t(1) << 32;
  int64_t huge[] = {int64_t(1) << 32, int64_t(1) << 32};
  m = take(grad_check_tensor(&t, "f", 0, GRAD_DTYPE_F32, 2, huge));
  EXPECT_TRUE(contains(m, "2^63")) << m;
}

TEST(GradRtBadInput, NoAliasWithNullArraysOrNegativeCounts) {
  grad_tensor one = {};
  std::string m = take(grad_check_no_alias("f", nullptr, 2, &one, 1));
  EXPECT_TRUE(contains(m, "f: inputs array is NULL for 2 tensors")) << m;
  m = take(grad_check_no_alias("f", &one, 1, nullptr, 3));
  EXPECT_TRUE(contains(m, "f: outputs array is NULL for 3 tensors")) << m;
  m = take(grad_check_no_alias("f", &one, -1, &one, 1));
  EXPECT_TRUE(contains(m, "negative tensor count")) << m;
  EXPECT_EQ(take(grad_check_no_alias(nullptr, nullptr, 0, nullptr, 0)), "OK");
}

template <int R> struct Memref {
  float* allocated;
  float* aligned;
  int64_t offset;
  int64_t sizes[R];
  int64_t strides[R];
};

TEST(GradRtBadInput, MemrefCopyRejectsNullAndMismatchedDescriptors) {
  float a[4] = {1, 2, 3, 4}, b[4] = {};
  Memref<2> src = {a, a, 0, {2, 2}, {2, 1}};
  Memref<2> dst = {b, b, 0, {2, 2}, {2, 1}};
  grad_unranked_memref usrc = {2, &src}, udst = {2, &dst};

  EXPECT_TRUE(contains(take(grad_memref_copy(4, nullptr, &udst)), "NULL source"));
  EXPECT_TRUE(contains(take(grad_memref_copy(4, &usrc, nullptr)), "NULL destination"));
  grad_unranked_memref no_descriptor = {2, nullptr};
  EXPECT_TRUE(contains(take(grad_memref_copy(4, &usrc, &no_descriptor)), "NULL destination"));
  EXPECT_TRUE(contains(take(grad_memref_copy(0, &usrc, &udst)), "element size 0"));

  grad_unranked_memref rank1 = {1, &dst};
  std::string m = take(grad_memref_copy(4, &usrc, &rank1));
  EXPECT_TRUE(contains(m, "ranks 2 and 1")) << m;
  // A negative rank used to recurse until the stack overflowed.
  grad_unranked_memref negative_src = {-1, &src}, negative_dst = {-1, &dst};
  m = take(grad_memref_copy(4, &negative_src, &negative_dst));
  EXPECT_TRUE(contains(m, "ranks -1 and -1")) << m;

  Memref<2> wider = {b, b, 0, {2, 3}, {3, 1}};
  grad_unranked_memref uwider = {2, &wider};
  m = take(grad_memref_copy(4, &usrc, &uwider));
  EXPECT_TRUE(contains(m, "sizes 2 and 3 of dimension 1")) << m;

  Memref<2> null_data = {nullptr, nullptr, 0, {2, 2}, {2, 1}};
  grad_unranked_memref unull = {2, &null_data};
  EXPECT_TRUE(contains(take(grad_memref_copy(4, &unull, &udst)), "NULL source data"));
  for (float v : b)
    EXPECT_EQ(v, 0.0f); // nothing was written by the rejected calls

  // The MLIR-ABI entry point reports on stderr and copies nothing.
  testing::internal::CaptureStderr();
  memrefCopy(4, &negative_src, &negative_dst);
  memrefCopy(4, nullptr, nullptr);
  std::string err = testing::internal::GetCapturedStderr();
  EXPECT_TRUE(contains(err, "gradrt: memrefCopy: ranks -1 and -1")) << err;
  EXPECT_TRUE(contains(err, "gradrt: memrefCopy: NULL source")) << err;

  // A valid call still copies.
  EXPECT_EQ(take(grad_memref_copy(4, &usrc, &udst)), "OK");
  EXPECT_EQ(b[3], 4.0f);
}

} // namespace
