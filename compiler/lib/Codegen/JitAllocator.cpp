//===- JitAllocator.cpp - cached temporaries of JIT-compiled code ---------===//
//
// The JIT lowers memref.alloc / memref.dealloc to MLIR's generic allocation
// functions (_mlir_memref_to_llvm_alloc, _aligned_alloc, _free), defined here
// and registered with each ExecutionEngine. Freed blocks are kept per exact
// size and handed out again: a compiled training step allocates the same
// temporaries on every call, and without the cache glibc returns the large
// ones to the kernel at each free and the next call page-faults them back in
// (measured: ~1300 page faults per MLP step, docs/performance.md). At most
// kMaxCachedBytes are kept; beyond that blocks go back to free().
//
//===----------------------------------------------------------------------===//

#include "grad/Codegen/JitAllocator.h"

#include "grad/memory.h"

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <map>
#include <mutex>
#include <utility>
#include <vector>

namespace {

constexpr size_t kMaxCachedBytes = size_t(512) << 20;

/// Stored right before each user pointer. A block is `size` bytes allocated with alignment
/// `align`; the user pointer is raw + align.
struct Header {
  size_t size;
  size_t align;
};

struct Cache {
  std::mutex mutex;
  std::map<std::pair<size_t, size_t>, std::vector<void *>> free; // (size, align) -> raw blocks
  size_t cachedBytes = 0;
};

Cache &cache() {
  static Cache *c = new Cache(); // never destroyed: JIT code may free during exit
  return *c;
}

void *allocate(size_t size, size_t alignment) {
  size_t align = std::max<size_t>(64, alignment); // >= sizeof(Header), a power of two
  size_t total = (size + align - 1) / align * align + align;
  Cache &c = cache();
  void *raw = nullptr;
  {
    std::lock_guard<std::mutex> lock(c.mutex);
    auto it = c.free.find({total, align});
    if (it != c.free.end() && !it->second.empty()) {
      raw = it->second.back();
      it->second.pop_back();
      c.cachedBytes -= total;
    }
  }
  if (!raw) {
    raw = std::aligned_alloc(align, total);
    if (!raw)
      return nullptr;
  }
  char *user = static_cast<char *>(raw) + align;
  *reinterpret_cast<Header *>(user - sizeof(Header)) = {total, align};
  grad::detail::note_allocation(total);
  return user;
}

} // namespace

extern "C" {

void *_mlir_memref_to_llvm_alloc(size_t size) { return allocate(size, 16); }

void *_mlir_memref_to_llvm_aligned_alloc(size_t alignment, size_t size) {
  return allocate(size, alignment);
}

void _mlir_memref_to_llvm_free(void *ptr) {
  if (!ptr)
    return;
  Header h = *reinterpret_cast<Header *>(static_cast<char *>(ptr) - sizeof(Header));
  void *raw = static_cast<char *>(ptr) - h.align;
  grad::detail::note_free(h.size);
  Cache &c = cache();
  {
    std::lock_guard<std::mutex> lock(c.mutex);
    if (c.cachedBytes + h.size <= kMaxCachedBytes) {
      c.free[{h.size, h.align}].push_back(raw);
      c.cachedBytes += h.size;
      return;
    }
  }
  std::free(raw);
}

} // extern "C"

namespace grad {

llvm::orc::SymbolMap jitAllocatorSymbols(llvm::orc::MangleAndInterner interner) {
  llvm::orc::SymbolMap map;
  auto add = [&](const char *name, void *fn) {
    map[interner(name)] = {llvm::orc::ExecutorAddr::fromPtr(fn), llvm::JITSymbolFlags::Exported};
  };
  add("_mlir_memref_to_llvm_alloc", reinterpret_cast<void *>(&_mlir_memref_to_llvm_alloc));
  add("_mlir_memref_to_llvm_aligned_alloc",
      reinterpret_cast<void *>(&_mlir_memref_to_llvm_aligned_alloc));
  add("_mlir_memref_to_llvm_free", reinterpret_cast<void *>(&_mlir_memref_to_llvm_free));
  return map;
}

size_t jitAllocatorCachedBytes() {
  Cache &c = cache();
  std::lock_guard<std::mutex> lock(c.mutex);
  return c.cachedBytes;
}

void jitAllocatorReleaseCached() {
  Cache &c = cache();
  std::lock_guard<std::mutex> lock(c.mutex);
  for (auto &[key, blocks] : c.free)
    for (void *raw : blocks)
      std::free(raw);
  c.free.clear();
  c.cachedBytes = 0;
}

} // namespace grad
