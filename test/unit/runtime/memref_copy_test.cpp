// Tests of gradrt's memrefCopy (the symbol MLIR-lowered code calls for strided copies) on
// hand-built MLIR memref descriptors: contiguous, transposed, offset views and rank 0.
#include "grad/gradrt.h"

#include <gtest/gtest.h>

#include <cstdint>

namespace {

/// MLIR's ranked memref descriptor, as lowered code lays it out.
template <int R> struct Memref {
  float* allocated;
  float* aligned;
  int64_t offset;
  int64_t sizes[R];
  int64_t strides[R];
};

struct Memref0 {
  float* allocated;
  float* aligned;
  int64_t offset;
};

TEST(GradRtMemrefCopy, TransposedSourceIntoContiguousDestination) {
  // src is the 2x3 row-major matrix [[0,1,2],[3,4,5]] seen transposed: a 3x2 view with
  // strides {1, 3}. dst is contiguous 3x2, so it must become [[0,3],[1,4],[2,5]].
  float src_data[6] = {0, 1, 2, 3, 4, 5};
  float dst_data[6] = {};
  Memref<2> src = {src_data, src_data, 0, {3, 2}, {1, 3}};
  Memref<2> dst = {dst_data, dst_data, 0, {3, 2}, {2, 1}};
  grad_unranked_memref usrc = {2, &src}, udst = {2, &dst};
  memrefCopy(sizeof(float), &usrc, &udst);
  const float expected[6] = {0, 3, 1, 4, 2, 5};
  for (int i = 0; i < 6; ++i)
    EXPECT_EQ(dst_data[i], expected[i]) << i;
}

TEST(GradRtMemrefCopy, OffsetSubviewIntoStridedDestination) {
  // src: the 2x2 block starting at (1,1) of a 3x4 matrix holding 0..11 -> [[5,6],[9,10]].
  // dst: every other element of an 8-float buffer (strides {4, 2}), offset 1.
  float src_data[12];
  for (int i = 0; i < 12; ++i)
    src_data[i] = static_cast<float>(i);
  float dst_data[8] = {-1, -1, -1, -1, -1, -1, -1, -1};
  Memref<2> src = {src_data, src_data, 5, {2, 2}, {4, 1}};
  Memref<2> dst = {dst_data, dst_data, 1, {2, 2}, {4, 2}};
  grad_unranked_memref usrc = {2, &src}, udst = {2, &dst};
  memrefCopy(sizeof(float), &usrc, &udst);
  const float expected[8] = {-1, 5, -1, 6, -1, 9, -1, 10};
  for (int i = 0; i < 8; ++i)
    EXPECT_EQ(dst_data[i], expected[i]) << i;
}

TEST(GradRtMemrefCopy, RankZeroAndEmpty) {
  float a = 3.5f, b = 0;
  Memref0 src = {&a, &a, 0}, dst = {&b, &b, 0};
  grad_unranked_memref usrc = {0, &src}, udst = {0, &dst};
  memrefCopy(sizeof(float), &usrc, &udst);
  EXPECT_EQ(b, 3.5f);

  float x = 1, y = 2;
  Memref<1> esrc = {&x, &x, 0, {0}, {1}}, edst = {&y, &y, 0, {0}, {1}};
  grad_unranked_memref uesrc = {1, &esrc}, uedst = {1, &edst};
  memrefCopy(sizeof(float), &uesrc, &uedst);
  EXPECT_EQ(y, 2.0f); // nothing copied
}

} // namespace
