//===- IsolateResults.cpp - one fresh allocation per returned buffer ------===//
//
// Implements --grad-isolate-results: returned function arguments and buffers
// returned more than once are copied into new allocations, so that each output
// out-param of the C interface is written exactly once (docs/codegen.md). It
// also completes buffer donation (Note [Buffer donation]).
//
//===----------------------------------------------------------------------===//

#include "grad/Codegen/Passes.h"
#include "grad/Codegen/Signature.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/IR/Builders.h"

#include <map>

namespace grad {
#define GEN_PASS_DEF_GRADISOLATERESULTS
#include "grad/Codegen/Passes.h.inc"
} // namespace grad

using namespace mlir;

// Note [Buffer donation]
// ~~~~~~~~~~~~~~~~~~~~~~
// grad::jit's JitOptions::donate (JAX's donate_argnums) lets a compiled function write result j
// into the buffer of input i when both have one shape and dtype: a training step's updated
// parameters and optimizer state then need no second copy of the model in memory. The pairs
// travel as the function attribute `grad.donate = array<i64: i, j, ...>`; the calling
// convention is that the caller passes input i's buffer as output j's out-param as well
// (FunctionSignature::outputAliases). Three steps keep this correct whatever the function does:
//  1. --grad-donate-buffers (tensors) makes result j's linalg.generic compute into argument i
//     instead of a tensor.empty, reading the old value through its own init.
//  2. One-shot bufferization decides: in place when no later op reads argument i's old value
//     (then result j *is* argument i's buffer), else a copy (a fresh buffer for result j).
//  3. Here, result j returns a fresh, never written allocation (buffer-results-to-out-params
//     turns it into the out-param, which is argument i's buffer at run time). If bufferization
//     did not write in place, result j's buffer is first copied into argument i right before
//     the return, when every read of the old value is done. A result that is some other
//     argument (a pass-through) is snapshotted before any of these copies.
// The interpreter and GPU backends do not compile donation; grad::jit copies their result into
// the donated input instead, so every backend has the same semantics.

namespace {

struct IsolateResults : grad::impl::GradIsolateResultsBase<IsolateResults> {
  void runOnOperation() override {
    func::FuncOp func = getOperation();
    std::map<unsigned, unsigned> donorOf; // result j -> argument i
    if (auto pairs = func->getAttrOfType<DenseI64ArrayAttr>(grad::kDonateAttrName)) {
      llvm::ArrayRef<int64_t> p = pairs.asArrayRef();
      for (size_t k = 0; k + 1 < p.size(); k += 2)
        if (p[k] >= 0 && p[k] < func.getNumArguments() && p[k + 1] >= 0)
          donorOf[p[k + 1]] = p[k];
    }
    func.walk([&](func::ReturnOp ret) {
      OpBuilder b(ret);
      Location loc = ret.getLoc();
      llvm::SmallPtrSet<Value, 4> seen;
      SmallVector<std::pair<Value, Value>> donationCopies; // (from, into argument)
      for (OpOperand &operand : ret->getOpOperands()) {
        Value v = operand.get();
        auto type = dyn_cast<MemRefType>(v.getType());
        if (!type)
          continue;
        auto donor = donorOf.find(operand.getOperandNumber());
        if (donor != donorOf.end() && func.getArgument(donor->second).getType() == type) {
          BlockArgument arg = func.getArgument(donor->second);
          if (v != arg) {
            if (isa<BlockArgument>(v)) { // snapshot a pass-through before any donation copy
              Value copy = b.create<memref::AllocOp>(loc, type);
              b.create<memref::CopyOp>(loc, v, copy);
              v = copy;
            }
            donationCopies.push_back({v, arg});
          }
          operand.set(b.create<memref::AllocOp>(loc, type));
          seen.insert(operand.get());
          continue;
        }
        bool fresh = v.getDefiningOp<memref::AllocOp>() && seen.insert(v).second;
        if (fresh)
          continue;
        SmallVector<Value> sizes; // `?` dims: the size of the returned buffer
        for (int64_t d = 0; d < type.getRank(); ++d)
          if (type.isDynamicDim(d))
            sizes.push_back(b.create<memref::DimOp>(loc, v, d));
        Value copy = b.create<memref::AllocOp>(loc, type, sizes);
        b.create<memref::CopyOp>(loc, v, copy);
        operand.set(copy);
      }
      for (auto [from, into] : donationCopies)
        b.create<memref::CopyOp>(loc, from, into);
    });
  }
};

} // namespace
