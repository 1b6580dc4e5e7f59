// Tests of grad_check_tensor / grad_check_no_alias: exact messages for wrong dtype, rank,
// shape, NULL tensors and overlapping buffers.
#include "grad/gradrt.h"

#include <gtest/gtest.h>

#include <string>

namespace {

/// Returns the message of `s` (or "OK") and frees it.
std::string take(grad_status s) {
  std::string message = grad_status_message(s);
  grad_status_free(s);
  return message;
}

TEST(GradRtCheck, MatchingTensorPasses) {
  float data[6] = {};
  int64_t shape[] = {2, 3};
  grad_tensor t;
  ASSERT_EQ(grad_tensor_view(data, GRAD_DTYPE_F32, 2, shape, &t), nullptr);
  EXPECT_EQ(grad_check_tensor(&t, "mlp", 0, GRAD_DTYPE_F32, 2, shape), nullptr);
}

TEST(GradRtCheck, WrongShapeNamesEntryArgumentAndBothShapes) {
  float data[8] = {};
  int64_t actual[] = {4, 2};
  int64_t expected[] = {4, 3};
  grad_tensor t;
  ASSERT_EQ(grad_tensor_view(data, GRAD_DTYPE_F32, 2, actual, &t), nullptr);
  grad_status s = grad_check_tensor(&t, "mlp_forward", 1, GRAD_DTYPE_F32, 2, expected);
  ASSERT_NE(s, nullptr);
  EXPECT_EQ(grad_status_code(s), GRAD_STATUS_INVALID_ARGUMENT);
  EXPECT_EQ(take(s), "mlp_forward: argument 1: shape mismatch at dimension 1: expected "
                     "f32[4, 3], got f32[4, 2]");
}

TEST(GradRtCheck, WrongRankAndDtype) {
  double data[4] = {};
  int64_t shape[] = {4};
  int64_t expected[] = {2, 2};
  grad_tensor t;
  ASSERT_EQ(grad_tensor_view(data, GRAD_DTYPE_F64, 1, shape, &t), nullptr);
  EXPECT_EQ(take(grad_check_tensor_role(&t, "f", "input", 0, GRAD_DTYPE_F64, 2, expected)),
            "f: input 0: rank mismatch: expected f64[2, 2], got f64[4]");
  EXPECT_EQ(take(grad_check_tensor_role(&t, "f", "output", 2, GRAD_DTYPE_F32, 1, shape)),
            "f: output 2: dtype mismatch: expected f32[4], got f64[4]");
}

TEST(GradRtCheck, ScalarsNullTensorsAndNullData) {
  grad_tensor scalar;
  float value = 1;
  ASSERT_EQ(grad_tensor_view(&value, GRAD_DTYPE_F32, 0, nullptr, &scalar), nullptr);
  EXPECT_EQ(grad_check_tensor(&scalar, "loss", 0, GRAD_DTYPE_F32, 0, nullptr), nullptr);
  int64_t one[] = {1};
  EXPECT_EQ(take(grad_check_tensor(&scalar, "loss", 0, GRAD_DTYPE_F32, 1, one)),
            "loss: argument 0: rank mismatch: expected f32[1], got f32[]");
  EXPECT_EQ(take(grad_check_tensor(nullptr, "loss", 3, GRAD_DTYPE_B8, 1, one)),
            "loss: argument 3: expected b8[1], got NULL");
  grad_tensor no_data = scalar;
  no_data.data = nullptr;
  EXPECT_EQ(take(grad_check_tensor(&no_data, "loss", 0, GRAD_DTYPE_F32, 0, nullptr)),
            "loss: argument 0: f32[] has a NULL data pointer");
}

TEST(GradRtCheck, CorruptDescriptorIsReportedNotRead) {
  grad_tensor t = {};
  t.rank = 1000; // garbage from an uninitialized struct
  t.dtype = static_cast<grad_dtype>(9);
  int64_t shape[] = {2};
  EXPECT_EQ(take(grad_check_tensor(&t, "f", 0, GRAD_DTYPE_F32, 1, shape)),
            "f: argument 0: dtype mismatch: expected f32[2], got invalid-dtype(9)[<invalid rank "
            "1000>]");
}

TEST(GradRtCheck, OverlappingOutputsAreRejected) {
  float buffer[16] = {};
  int64_t four[] = {4};
  grad_tensor inputs[2], outputs[2];
  ASSERT_EQ(grad_tensor_view(buffer, GRAD_DTYPE_F32, 1, four, &inputs[0]), nullptr);
  ASSERT_EQ(grad_tensor_view(buffer + 4, GRAD_DTYPE_F32, 1, four, &inputs[1]), nullptr);
  ASSERT_EQ(grad_tensor_view(buffer + 8, GRAD_DTYPE_F32, 1, four, &outputs[0]), nullptr);
  ASSERT_EQ(grad_tensor_view(buffer + 12, GRAD_DTYPE_F32, 1, four, &outputs[1]), nullptr);
  EXPECT_EQ(grad_check_no_alias("f", inputs, 2, outputs, 2), nullptr); // adjacent, disjoint

  outputs[1].data = buffer + 7; // last element overlaps input 1
  EXPECT_EQ(take(grad_check_no_alias("f", inputs, 2, outputs, 2)),
            "f: output 1 overlaps input 1 in memory; outputs must be separate buffers");
  outputs[1].data = buffer + 10;
  EXPECT_EQ(take(grad_check_no_alias("f", inputs, 2, outputs, 2)),
            "f: output 1 overlaps output 0 in memory");
}

} // namespace
