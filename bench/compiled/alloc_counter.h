// A heap-counting hook for the step benchmark: the bench binary defines malloc, free, calloc,
// realloc and the aligned allocators (forwarding to glibc's __libc_* entry points), so every heap
// allocation of the process -- eager tensors, compiled code's temporaries, operator new -- is
// counted by its usable size. Memory that a library maps itself (OpenBLAS's buffers, the JIT's
// code pages) is not heap and is not counted.
#pragma once

#include <cstddef>

namespace bench {

/// Bytes of heap currently allocated.
size_t heap_live_bytes();
/// The highest heap_live_bytes() since the last reset_heap_peak().
size_t heap_peak_bytes();
/// Starts a new peak measurement at the current live size.
void reset_heap_peak();

} // namespace bench
