//===- LowerCopies.cpp - strided memref copies become loops ---------------===//
//
// Implements --grad-lower-copies. finalize-memref-to-llvm lowers a memref.copy
// between two contiguous identity-layout buffers to llvm.memcpy, and any
// other copy (slices of concat, transposed views) to a call of `memrefCopy`
// from libmlir_c_runner_utils. An AOT object must run with libc alone, so
// those copies are rewritten as linalg.generic copies, which become loops.
//
//===----------------------------------------------------------------------===//

#include "grad/Codegen/Passes.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Linalg/Utils/Utils.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/IR/PatternMatch.h"

namespace grad {
#define GEN_PASS_DEF_GRADLOWERCOPIES
#include "grad/Codegen/Passes.h.inc"
} // namespace grad

using namespace mlir;

namespace {

/// True when finalize-memref-to-llvm can lower a copy from/to `type` as memcpy.
bool isContiguous(Type type) {
  auto memref = dyn_cast<MemRefType>(type);
  return memref && memref.hasStaticShape() && memref.getLayout().isIdentity();
}

struct LowerCopies : grad::impl::GradLowerCopiesBase<LowerCopies> {
  void runOnOperation() override {
    SmallVector<memref::CopyOp> copies;
    getOperation().walk([&](memref::CopyOp copy) {
      if (!isContiguous(copy.getSource().getType()) || !isContiguous(copy.getTarget().getType()))
        copies.push_back(copy);
    });
    IRRewriter rewriter(&getContext());
    for (memref::CopyOp copy : copies) {
      rewriter.setInsertionPoint(copy);
      linalg::makeMemRefCopyOp(rewriter, copy.getLoc(), copy.getSource(), copy.getTarget());
      rewriter.eraseOp(copy);
    }
  }
};

} // namespace
