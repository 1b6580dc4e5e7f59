// Tests of grad_tensor: alloc (zeroed, aligned, owned), create (copies), view (borrows), free.
#include "grad/gradrt.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>
#include <vector>

namespace {

TEST(GradRtTensor, DtypeSizesAndNames) {
  EXPECT_EQ(grad_dtype_size(GRAD_DTYPE_F32), 4u);
  EXPECT_EQ(grad_dtype_size(GRAD_DTYPE_F64), 8u);
  EXPECT_EQ(grad_dtype_size(GRAD_DTYPE_I64), 8u);
  EXPECT_EQ(grad_dtype_size(GRAD_DTYPE_B8), 1u);
  EXPECT_EQ(grad_dtype_size(static_cast<grad_dtype>(42)), 0u);
  EXPECT_STREQ(grad_dtype_name(GRAD_DTYPE_B8), "b8");
  EXPECT_STREQ(grad_dtype_name(static_cast<grad_dtype>(42)), "invalid");
}

TEST(GradRtTensor, AllocIsZeroedAlignedAndOwned) {
  int64_t shape[] = {3, 5};
  grad_tensor t;
  ASSERT_EQ(grad_tensor_alloc(GRAD_DTYPE_F64, 2, shape, &t), nullptr);
  EXPECT_EQ(t.rank, 2);
  EXPECT_EQ(t.shape[0], 3);
  EXPECT_EQ(t.shape[1], 5);
  EXPECT_EQ(grad_tensor_numel(&t), 15);
  EXPECT_EQ(grad_tensor_nbytes(&t), 15u * 8u);
  EXPECT_TRUE(t.owns_data);
  EXPECT_EQ(reinterpret_cast<uintptr_t>(t.data) % 64, 0u);
  const double* d = static_cast<const double*>(t.data);
  for (int i = 0; i < 15; ++i)
    EXPECT_EQ(d[i], 0.0);
  grad_tensor_free(&t);
  EXPECT_EQ(t.data, nullptr);
  EXPECT_EQ(t.rank, 0);
}

TEST(GradRtTensor, ScalarAndEmptyTensors) {
  grad_tensor scalar;
  ASSERT_EQ(grad_tensor_alloc(GRAD_DTYPE_F32, 0, nullptr, &scalar), nullptr);
  EXPECT_EQ(grad_tensor_numel(&scalar), 1);
  EXPECT_NE(scalar.data, nullptr);
  grad_tensor_free(&scalar);

  int64_t shape[] = {4, 0};
  grad_tensor empty;
  ASSERT_EQ(grad_tensor_alloc(GRAD_DTYPE_I64, 2, shape, &empty), nullptr);
  EXPECT_EQ(grad_tensor_numel(&empty), 0);
  EXPECT_EQ(grad_tensor_nbytes(&empty), 0u);
  grad_tensor_free(&empty);
}

TEST(GradRtTensor, CreateCopiesTheData) {
  std::vector<int64_t> values = {1, -2, 3, 4, 5, 6};
  int64_t shape[] = {2, 3};
  grad_tensor t;
  ASSERT_EQ(grad_tensor_create(GRAD_DTYPE_I64, 2, shape, values.data(), &t), nullptr);
  values[0] = 100; // the tensor holds its own copy
  const int64_t* d = static_cast<const int64_t*>(t.data);
  EXPECT_EQ(d[0], 1);
  EXPECT_EQ(d[1], -2);
  EXPECT_EQ(d[5], 6);
  grad_tensor_free(&t);
}

TEST(GradRtTensor, ViewBorrowsAndFreeLeavesTheBufferAlone) {
  float buffer[4] = {1, 2, 3, 4};
  int64_t shape[] = {4};
  grad_tensor t;
  ASSERT_EQ(grad_tensor_view(buffer, GRAD_DTYPE_F32, 1, shape, &t), nullptr);
  EXPECT_EQ(t.data, buffer);
  EXPECT_FALSE(t.owns_data);
  grad_tensor_free(&t); // must not free the stack buffer
  EXPECT_EQ(buffer[3], 4.0f);
}

TEST(GradRtTensor, BadArgumentsAreErrors) {
  grad_tensor t;
  int64_t negative[] = {2, -1};
  grad_status s = grad_tensor_alloc(GRAD_DTYPE_F32, 2, negative, &t);
  ASSERT_NE(s, nullptr);
  EXPECT_EQ(grad_status_code(s), GRAD_STATUS_INVALID_ARGUMENT);
  EXPECT_STREQ(grad_status_message(s), "grad_tensor_alloc: dimension 1 is negative (-1)");
  EXPECT_EQ(t.data, nullptr);
  grad_status_free(s);

  int64_t shape[GRAD_MAX_RANK + 1] = {};
  s = grad_tensor_alloc(GRAD_DTYPE_F32, GRAD_MAX_RANK + 1, shape, &t);
  ASSERT_NE(s, nullptr);
  EXPECT_STREQ(grad_status_message(s), "grad_tensor_alloc: rank 9 is outside [0, 8]");
  grad_status_free(s);

  s = grad_tensor_alloc(static_cast<grad_dtype>(7), 1, shape, &t);
  ASSERT_NE(s, nullptr);
  EXPECT_STREQ(grad_status_message(s), "grad_tensor_alloc: invalid dtype 7");
  grad_status_free(s);

  int64_t huge[] = {INT64_C(1) << 40, INT64_C(1) << 40};
  s = grad_tensor_alloc(GRAD_DTYPE_F32, 2, huge, &t);
  ASSERT_NE(s, nullptr);
  EXPECT_EQ(t.data, nullptr);
  grad_status_free(s);

  int64_t one[] = {1};
  s = grad_tensor_view(nullptr, GRAD_DTYPE_F32, 1, one, &t);
  ASSERT_NE(s, nullptr);
  EXPECT_STREQ(grad_status_message(s), "grad_tensor_view: data is NULL");
  grad_status_free(s);
}

} // namespace
