// The process-wide count behind grad::eager_kernel_count(): each kernel entry point (kernels.h)
// and the in-place fast path add one as they start.
#include <atomic>

#include "grad/kernel_count.h"
#include "kernels/kernels.h"

namespace grad {

namespace {
// Relaxed: a statistic read between steps, never used to order memory.
std::atomic<int64_t> launched{0};
} // namespace

namespace kernels {
void count_kernel() { launched.fetch_add(1, std::memory_order_relaxed); }
} // namespace kernels

int64_t eager_kernel_count() { return launched.load(std::memory_order_relaxed); }

} // namespace grad
