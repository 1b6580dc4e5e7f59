// grad::memory_stats(): tensor storages are counted while alive, the peak is kept until reset.
#include "grad/memory.h"
#include "grad/ops.h"
#include "grad/tensor.h"

#include <gtest/gtest.h>

using namespace grad;

TEST(MemoryStats, CountsStoragesWhileAlive) {
  MemoryStats start = memory_stats();
  int64_t bytes = 1000 * 1000 * 4;
  {
    Tensor a = zeros({1000, 1000});
    MemoryStats during = memory_stats();
    EXPECT_EQ(during.current_bytes - start.current_bytes, bytes);
    EXPECT_GE(during.peak_bytes, during.current_bytes);
    EXPECT_EQ(during.allocations, start.allocations + 1);
    Tensor view = reshape(a, {1000000}); // a view: no new storage
    EXPECT_EQ(memory_stats().current_bytes, during.current_bytes);
  }
  EXPECT_EQ(memory_stats().current_bytes, start.current_bytes);
}

TEST(MemoryStats, PeakSurvivesFreesUntilReset) {
  reset_peak_memory_stats();
  MemoryStats start = memory_stats();
  EXPECT_EQ(start.peak_bytes, start.current_bytes);
  {
    Tensor a = ones({256, 256}, DType::f64);
    Tensor b = a + a; // a second storage of the same size
    (void)b;
  }
  MemoryStats after = memory_stats();
  EXPECT_EQ(after.current_bytes, start.current_bytes);
  EXPECT_EQ(after.peak_bytes - start.current_bytes, 2 * 256 * 256 * 8);
  reset_peak_memory_stats();
  EXPECT_EQ(memory_stats().peak_bytes, memory_stats().current_bytes);
}
