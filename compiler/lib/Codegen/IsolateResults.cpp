//===- IsolateResults.cpp - one fresh allocation per returned buffer ------===//
//
// Implements --grad-isolate-results: returned function arguments and buffers
// returned more than once are copied into new allocations, so that each output
// out-param of the C interface is written exactly once (docs/codegen.md).
//
//===----------------------------------------------------------------------===//

#include "grad/Codegen/Passes.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/IR/Builders.h"

namespace grad {
#define GEN_PASS_DEF_GRADISOLATERESULTS
#include "grad/Codegen/Passes.h.inc"
} // namespace grad

using namespace mlir;

namespace {

struct IsolateResults : grad::impl::GradIsolateResultsBase<IsolateResults> {
  void runOnOperation() override {
    getOperation().walk([](func::ReturnOp ret) {
      OpBuilder b(ret);
      llvm::SmallPtrSet<Value, 4> seen;
      for (OpOperand &operand : ret->getOpOperands()) {
        Value v = operand.get();
        auto type = dyn_cast<MemRefType>(v.getType());
        if (!type)
          continue;
        bool fresh = v.getDefiningOp<memref::AllocOp>() && seen.insert(v).second;
        if (fresh)
          continue;
        Value copy = b.create<memref::AllocOp>(ret.getLoc(), type);
        b.create<memref::CopyOp>(ret.getLoc(), v, copy);
        operand.set(copy);
      }
    });
  }
};

} // namespace
