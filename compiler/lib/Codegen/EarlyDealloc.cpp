//===- EarlyDealloc.cpp - free temporaries right after their last use -----===//
//
// Implements --grad-early-dealloc. MLIR's ownership-based deallocation puts
// the memref.dealloc of every temporary at the end of its block, so a
// straight-line function (a whole training step) holds all of its
// temporaries at once. This pass moves each unconditional dealloc of a
// memref.alloc of the same block to just after the last op in that block that
// uses the buffer or anything derived from it: views, extracted pointers and
// their casts, results of ops that read it, ops whose nested regions use it.
// The walk over derived values is conservative (a value computed from the
// buffer's contents keeps it alive too), so no pointer that escapes into a
// call is freed before the call. Likewise each statically shaped memref.alloc
// moves down to just before its first use, so that a buffer is held only from
// its first use to its last.
//
//===----------------------------------------------------------------------===//

#include "grad/Codegen/Passes.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "llvm/ADT/DenseSet.h"

namespace grad {
#define GEN_PASS_DEF_GRADEARLYDEALLOC
#include "grad/Codegen/Passes.h.inc"
} // namespace grad

using namespace mlir;

namespace {

/// The last op of `block` that uses `alloc` or a value derived from it, other than `dealloc`;
/// null when some use is outside `block` (then the dealloc stays where it is).
Operation *lastUseInBlock(Operation *alloc, Operation *dealloc, Block *block) {
  Operation *last = alloc;
  SmallVector<Value> work(alloc->getResults().begin(), alloc->getResults().end());
  llvm::DenseSet<Value> seen;
  while (!work.empty()) {
    Value v = work.pop_back_val();
    if (!seen.insert(v).second)
      continue;
    for (Operation *user : v.getUsers()) {
      if (user == dealloc)
        continue;
      Operation *ancestor = block->findAncestorOpInBlock(*user);
      if (!ancestor)
        return nullptr;
      if (last->isBeforeInBlock(ancestor))
        last = ancestor;
      for (Value r : user->getResults())
        work.push_back(r);
      if (ancestor != user) // used inside a loop or branch: what it yields is derived too
        for (Value r : ancestor->getResults())
          work.push_back(r);
    }
  }
  return last;
}

/// Moves a statically shaped memref.alloc down to just before the first op of its block that
/// uses it (bufferization places a matmul's accumulator, say, where its tensor.empty was, often
/// at the top of the function, so it would be held from the start).
/// A zero fill of the buffer right after its allocation (grad-split-matmul-fills) travels with
/// it to the first other use.
void sinkAlloc(memref::AllocOp alloc) {
  if (alloc->getNumOperands() != 0)
    return;
  Block *block = alloc->getBlock();
  SmallVector<Operation *> users;
  for (Operation *user : alloc->getUsers()) {
    Operation *ancestor = block->findAncestorOpInBlock(*user);
    if (!ancestor)
      return;
    users.push_back(ancestor);
  }
  llvm::sort(users, [](Operation *a, Operation *b) { return a->isBeforeInBlock(b); });
  if (users.empty())
    return;
  Operation *fill = nullptr;
  if (auto f = dyn_cast<linalg::FillOp>(users.front());
      f && users.size() > 1 && f.getOutputs().size() == 1 &&
      f.getOutputs()[0] == alloc.getResult() && users[1] != users.front()) {
    Value value = f.getInputs()[0];
    Operation *def = value.getDefiningOp();
    if (!def || def->getBlock() != block || def->isBeforeInBlock(alloc))
      fill = f; // the fill value dominates any later position too
  }
  Operation *first = fill ? users[1] : users.front();
  if (!alloc->isBeforeInBlock(first))
    return;
  alloc->moveBefore(first);
  if (fill)
    fill->moveBefore(first);
}

struct EarlyDealloc : grad::impl::GradEarlyDeallocBase<EarlyDealloc> {
  void runOnOperation() override {
    SmallVector<memref::AllocOp> allocs;
    getOperation().walk([&](memref::AllocOp op) { allocs.push_back(op); });
    for (memref::AllocOp alloc : allocs)
      sinkAlloc(alloc);
    SmallVector<memref::DeallocOp> deallocs;
    getOperation().walk([&](memref::DeallocOp op) { deallocs.push_back(op); });
    for (memref::DeallocOp dealloc : deallocs) {
      Operation *alloc = dealloc.getMemref().getDefiningOp();
      if (!alloc || !isa<memref::AllocOp>(alloc) || alloc->getBlock() != dealloc->getBlock())
        continue;
      Block *block = dealloc->getBlock();
      Operation *last = lastUseInBlock(alloc, dealloc, block);
      if (!last || last->hasTrait<OpTrait::IsTerminator>() || !last->isBeforeInBlock(dealloc))
        continue;
      dealloc->moveAfter(last);
    }
  }
};

} // namespace
