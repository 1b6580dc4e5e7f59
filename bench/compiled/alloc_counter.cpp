// Interposes the C allocator (see alloc_counter.h). glibc exports its implementation as
// __libc_malloc & co., so the definitions here only add the bookkeeping.
#include "alloc_counter.h"

#include <atomic>
#include <cerrno>
#include <cstdint>
#include <malloc.h>

extern "C" {
void *__libc_malloc(size_t);
void __libc_free(void *);
void *__libc_calloc(size_t, size_t);
void *__libc_realloc(void *, size_t);
void *__libc_memalign(size_t, size_t);
}

namespace {
std::atomic<size_t> live{0};
std::atomic<size_t> peak{0};

void *counted(void *p) {
  if (p) {
    size_t now =
        live.fetch_add(malloc_usable_size(p), std::memory_order_relaxed) + malloc_usable_size(p);
    size_t old = peak.load(std::memory_order_relaxed);
    while (now > old && !peak.compare_exchange_weak(old, now, std::memory_order_relaxed)) {
    }
  }
  return p;
}

void uncount(void *p) {
  if (p)
    live.fetch_sub(malloc_usable_size(p), std::memory_order_relaxed);
}
} // namespace

namespace bench {
size_t heap_live_bytes() { return live.load(); }
size_t heap_peak_bytes() { return peak.load(); }
void reset_heap_peak() { peak.store(live.load()); }
} // namespace bench

extern "C" {
void *malloc(size_t n) { return counted(__libc_malloc(n)); }
void free(void *p) {
  uncount(p);
  __libc_free(p);
}
void *calloc(size_t n, size_t m) { return counted(__libc_calloc(n, m)); }
void *realloc(void *p, size_t n) {
  size_t before = p ? malloc_usable_size(p) : 0;
  void *q = __libc_realloc(p, n);
  if (!q && n > 0)
    return nullptr; // p is untouched
  live.fetch_sub(before, std::memory_order_relaxed);
  return counted(q);
}
void *memalign(size_t a, size_t n) { return counted(__libc_memalign(a, n)); }
void *aligned_alloc(size_t a, size_t n) { return counted(__libc_memalign(a, n)); }
int posix_memalign(void **out, size_t a, size_t n) {
  void *p = counted(__libc_memalign(a, n));
  if (!p)
    return ENOMEM;
  *out = p;
  return 0;
}
void *valloc(size_t n) { return counted(__libc_memalign(4096, n)); }
}
