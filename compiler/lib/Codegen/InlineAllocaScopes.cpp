//===- InlineAllocaScopes.cpp - drop alloca scopes without allocas --------===//
//
// Implements --grad-inline-alloca-scopes (Passes.td): the memref.alloca_scope
// that convert-scf-to-openmp puts around each worksharing loop body is inlined
// when it holds no alloca, so that the scf.for loops inside can become branches.
//
//===----------------------------------------------------------------------===//

#include "grad/Codegen/Passes.h"

#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/PatternMatch.h"

namespace grad {
#define GEN_PASS_DEF_GRADINLINEALLOCASCOPES
#include "grad/Codegen/Passes.h.inc"
} // namespace grad

using namespace mlir;

namespace {

/// True if an alloca inside `scope` has `scope` as its allocation scope.
bool ownsAlloca(memref::AllocaScopeOp scope) {
  WalkResult result = scope.getBodyRegion().walk([&](memref::AllocaOp alloca) {
    if (alloca->getParentWithTrait<OpTrait::AutomaticAllocationScope>() == scope)
      return WalkResult::interrupt();
    return WalkResult::advance();
  });
  return result.wasInterrupted();
}

struct InlineAllocaScopes : grad::impl::GradInlineAllocaScopesBase<InlineAllocaScopes> {
  void runOnOperation() override {
    SmallVector<memref::AllocaScopeOp> scopes;
    getOperation().walk([&](memref::AllocaScopeOp scope) {
      if (!ownsAlloca(scope))
        scopes.push_back(scope);
    });
    IRRewriter rewriter(&getContext());
    for (memref::AllocaScopeOp scope : scopes) {
      Block &body = scope.getBodyRegion().front();
      auto ret = cast<memref::AllocaScopeReturnOp>(body.getTerminator());
      SmallVector<Value> results(ret.getResults());
      rewriter.eraseOp(ret);
      rewriter.inlineBlockBefore(&body, scope);
      rewriter.replaceOp(scope, results);
    }
  }
};

} // namespace
