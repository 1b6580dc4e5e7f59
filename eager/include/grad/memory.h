// grad/memory.h: how many bytes tensors hold in this process, now and at the peak, like
// torch.cuda.memory_allocated / max_memory_allocated for the CPU. Counted: every tensor storage
// (eager results, parameters, optimizer state, the outputs of compiled functions) and the
// temporaries that compiled code allocates while it runs (grad::jit's native backend). Not
// counted: memory of libraries (OpenBLAS buffers, LLVM), the JIT allocator's cache of freed blocks.
#pragma once

#include <cstddef>
#include <cstdint>

namespace grad {

struct MemoryStats {
  int64_t current_bytes = 0; ///< held now
  int64_t peak_bytes = 0;    ///< highest current_bytes since the start or reset_peak_memory_stats
  int64_t allocations = 0;   ///< number of allocations since the start
};

/// This process's tensor memory (thread-safe).
MemoryStats memory_stats();
/// Starts a new peak measurement at the current size.
void reset_peak_memory_stats();

namespace detail {
/// Accounting hooks of the allocators (eager storages, the JIT allocator).
void note_allocation(size_t bytes);
void note_free(size_t bytes);
} // namespace detail

} // namespace grad
