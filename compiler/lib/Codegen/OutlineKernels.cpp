//===- OutlineKernels.cpp - one function per loop nest --------------------===//
//
// Implements --grad-outline-kernels (Passes.td): every top-level loop nest
// (scf.for) and linalg op with loops of a public function, on buffers, becomes
// a call to a private noinline function. Uses scf::outlineSingleBlockRegion on
// an scf.execute_region wrapped around the op.
//
//===----------------------------------------------------------------------===//

#include "grad/Codegen/Passes.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/SCF/Utils/Utils.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/IR/SymbolTable.h"

namespace grad {
#define GEN_PASS_DEF_GRADOUTLINEKERNELS
#include "grad/Codegen/Passes.h.inc"
} // namespace grad

using namespace mlir;

namespace {

/// A loop nest worth its own function: a tiled nest, or a linalg op that will become loops.
bool isKernel(Operation *op) {
  if (isa<scf::ForOp, scf::ForallOp, scf::ParallelOp>(op))
    return true;
  auto linalg = dyn_cast<linalg::LinalgOp>(op);
  return linalg && linalg.hasPureBufferSemantics() && linalg.getNumLoops() > 0;
}

struct OutlineKernels : grad::impl::GradOutlineKernelsBase<OutlineKernels> {
  void runOnOperation() override {
    ModuleOp module = getOperation();
    SymbolTable symbols(module);
    SmallVector<func::FuncOp> publics;
    for (auto fn : module.getOps<func::FuncOp>())
      if (fn.isPublic() && !fn.isExternal())
        publics.push_back(fn);
    IRRewriter rewriter(&getContext());
    for (func::FuncOp fn : publics) {
      SmallVector<Operation *> kernels;
      for (Block &block : fn.getBody())
        for (Operation &op : block)
          if (isKernel(&op) && op.getNumResults() == 0)
            kernels.push_back(&op);
      unsigned index = 0;
      for (Operation *op : kernels) {
        rewriter.setInsertionPoint(op);
        auto region = rewriter.create<scf::ExecuteRegionOp>(op->getLoc(), TypeRange{});
        Block *body = rewriter.createBlock(&region.getRegion());
        op->moveBefore(body, body->end());
        rewriter.setInsertionPointToEnd(body);
        rewriter.create<scf::YieldOp>(op->getLoc());
        std::string name;
        do
          name = (fn.getName() + "_k" + Twine(index++)).str();
        while (symbols.lookup(name));
        func::CallOp call;
        FailureOr<func::FuncOp> outlined = outlineSingleBlockRegion(
            rewriter, op->getLoc(), region.getRegion(), name, &call);
        if (failed(outlined)) {
          region.emitError("grad-outline-kernels: cannot outline this loop nest");
          return signalPassFailure();
        }
        outlined->setPrivate();
        // Internal linkage in LLVM too: two AOT objects (each with its `forward_k0`) must link
        // into one program.
        outlined->getOperation()->setAttr(
            "llvm.linkage", LLVM::LinkageAttr::get(&getContext(), LLVM::Linkage::Internal));
        outlined->getOperation()->setAttr("passthrough",
                                          rewriter.getArrayAttr({rewriter.getStringAttr("noinline")}));
        symbols.insert(*outlined);
        // The execute_region now holds only the call: splice it into the parent block.
        Block &inner = region.getRegion().front();
        Operation *terminator = inner.getTerminator();
        rewriter.setInsertionPoint(region);
        for (Operation &nested : llvm::make_early_inc_range(inner.without_terminator()))
          nested.moveBefore(region);
        (void)terminator;
        rewriter.eraseOp(region);
      }
    }
  }
};

} // namespace
