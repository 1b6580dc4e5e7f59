//===- OutlineKernels.cpp - one function per loop nest --------------------===//
//
// Implements --grad-outline-kernels (Passes.td): every top-level loop nest
// (scf.for) and linalg op with loops of a public function, on buffers, becomes
// a call to a private noinline function. Uses scf::outlineSingleBlockRegion on
// an scf.execute_region wrapped around the op. A kernel identical to one
// outlined before (same argument types, same body up to locations) is not kept:
// its call goes to the earlier function (Note [Shared kernels]).
//
//===----------------------------------------------------------------------===//

#include "grad/Codegen/Passes.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/SCF/Utils/Utils.h"
#include "mlir/IR/OperationSupport.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/IR/SymbolTable.h"
#include "llvm/ADT/DenseMap.h"
#include "llvm/ADT/Hashing.h"

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

// Note [Shared kernels]
// A training step repeats the same loop nest many times: Adam's update of every parameter of
// one shape, the fills of same-shaped gradients, each layer's layer_norm and gelu. Outlining
// gives each occurrence its own function, and everything after outlining (vector and loop
// lowering, the conversion to the LLVM dialect, LLVM's optimization and code generation) then
// compiles the same code again: 261 kernels of which 86 differ in the charlm step. Loop
// bounds, constants and buffers are arguments of the outlined function, so occurrences on
// different buffers are the same function; one is kept and every occurrence calls it. Two
// kernels are the same when their function types match and their bodies are equivalent up to
// locations (OperationEquivalence); a structural hash buckets the candidates.

/// Hash of a kernel's function type and the op names and result types of its body, in order.
llvm::hash_code kernelHash(func::FuncOp fn) {
  llvm::hash_code hash = hash_value(fn.getFunctionType());
  fn.getBody().walk([&](Operation *op) {
    hash = llvm::hash_combine(hash, op->getName(), op->getNumRegions(), op->getNumOperands());
    for (Type type : op->getResultTypes())
      hash = llvm::hash_combine(hash, type);
  });
  return hash;
}

bool sameKernel(func::FuncOp a, func::FuncOp b) {
  return a.getFunctionType() == b.getFunctionType() &&
         OperationEquivalence::isRegionEquivalentTo(&a.getBody(), &b.getBody(),
                                                    OperationEquivalence::IgnoreLocations);
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
    llvm::DenseMap<unsigned, SmallVector<func::FuncOp>> kernelsByHash;
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
        // An earlier identical kernel takes this call (Note [Shared kernels]).
        SmallVector<func::FuncOp> &bucket =
            kernelsByHash[static_cast<unsigned>(kernelHash(*outlined))];
        auto same = llvm::find_if(bucket, [&](func::FuncOp k) { return sameKernel(k, *outlined); });
        if (same != bucket.end()) {
          call.setCallee(same->getSymName());
          rewriter.eraseOp(*outlined);
        } else {
          symbols.insert(*outlined);
          bucket.push_back(*outlined);
        }
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
