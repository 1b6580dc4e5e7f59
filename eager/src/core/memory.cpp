// Process-wide tensor memory accounting (grad/memory.h): relaxed atomics, the peak raised with a
// compare-exchange loop.
#include "grad/memory.h"

#include <atomic>

namespace grad {
namespace {
std::atomic<int64_t> gCurrent{0}, gPeak{0}, gAllocations{0};
} // namespace

MemoryStats memory_stats() {
  MemoryStats s;
  s.current_bytes = gCurrent.load(std::memory_order_relaxed);
  s.peak_bytes = gPeak.load(std::memory_order_relaxed);
  s.allocations = gAllocations.load(std::memory_order_relaxed);
  return s;
}

void reset_peak_memory_stats() { gPeak.store(gCurrent.load(std::memory_order_relaxed)); }

namespace detail {
void note_allocation(size_t bytes) {
  int64_t now = gCurrent.fetch_add(static_cast<int64_t>(bytes), std::memory_order_relaxed) +
                static_cast<int64_t>(bytes);
  gAllocations.fetch_add(1, std::memory_order_relaxed);
  int64_t peak = gPeak.load(std::memory_order_relaxed);
  while (now > peak && !gPeak.compare_exchange_weak(peak, now, std::memory_order_relaxed)) {
  }
}
void note_free(size_t bytes) {
  gCurrent.fetch_sub(static_cast<int64_t>(bytes), std::memory_order_relaxed);
}
} // namespace detail

} // namespace grad
