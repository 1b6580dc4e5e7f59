// grad/kernel_count.h: how many eager CPU kernels this process has run -- the eager side of the
// "kernels before/after fusion" comparison (a compiled function reports its kernels in
// grad::CompileStats). A kernel is one pass of the eager kernels over tensor memory: an op's
// loop nest or OpenBLAS call, the copy that makes a strided operand contiguous first, an
// in-place update (optimizer steps, gradient accumulation), a fill. Views (transpose, slice,
// broadcast, reshape of a contiguous tensor) and compiled code run none.
//
//   int64_t before = grad::eager_kernel_count();
//   loss.backward();
//   int64_t backward_kernels = grad::eager_kernel_count() - before;
#pragma once

#include <cstdint>

namespace grad {

/// Eager kernels run by all threads since the start of the process (thread-safe).
int64_t eager_kernel_count();

} // namespace grad
