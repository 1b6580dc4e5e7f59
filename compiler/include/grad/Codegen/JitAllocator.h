//===- JitAllocator.h - cached temporaries of JIT-compiled code -*- C++ -*-===//
//
// The allocation functions that JIT-compiled code calls for its temporaries
// (MLIR's generic _mlir_memref_to_llvm_alloc / _aligned_alloc / _free, used
// when CodegenOptions::jitAllocator is set): freed blocks are cached per size
// and reused by the next call instead of going back to the C library.
//
//===----------------------------------------------------------------------===//

#ifndef GRAD_CODEGEN_JITALLOCATOR_H
#define GRAD_CODEGEN_JITALLOCATOR_H

#include "llvm/ExecutionEngine/Orc/Core.h"
#include "llvm/ExecutionEngine/Orc/Mangling.h"

#include <cstddef>

namespace grad {

/// The three allocation symbols, for mlir::ExecutionEngine::registerSymbols.
llvm::orc::SymbolMap jitAllocatorSymbols(llvm::orc::MangleAndInterner interner);

/// Bytes currently held in the cache (freed by compiled code, not yet reused).
size_t jitAllocatorCachedBytes();

/// Returns every cached block to the C library (like torch.cuda.empty_cache).
void jitAllocatorReleaseCached();

} // namespace grad

#endif // GRAD_CODEGEN_JITALLOCATOR_H
