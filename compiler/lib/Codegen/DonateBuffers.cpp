//===- DonateBuffers.cpp - donated results computed in their input's buffer ===//
//
// Implements --grad-donate-buffers (linalg on tensors, before tiling). See Note [Buffer
// donation] in IsolateResults.cpp for the whole scheme: this pass only points the producer of a
// donated result at its input, so that one-shot bufferization can decide to write in place.
//
//===----------------------------------------------------------------------===//

#include "grad/Codegen/Passes.h"
#include "grad/Codegen/Signature.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/PatternMatch.h"

namespace grad {
#define GEN_PASS_DEF_GRADDONATEBUFFERS
#include "grad/Codegen/Passes.h.inc"
} // namespace grad

using namespace mlir;

namespace {

/// `generic` without its inputs in `drop`; each dropped input's block argument is replaced by
/// the block argument of init `initIndex`.
linalg::GenericOp dropInputs(RewriterBase &rewriter, linalg::GenericOp generic,
                             llvm::ArrayRef<unsigned> drop, unsigned initIndex) {
  SmallVector<Value> inputs;
  SmallVector<AffineMap> maps;
  for (OpOperand *in : generic.getDpsInputOperands()) {
    if (llvm::is_contained(drop, in->getOperandNumber()))
      continue;
    inputs.push_back(in->get());
    maps.push_back(generic.getMatchingIndexingMap(in));
  }
  SmallVector<Value> inits;
  for (OpOperand &init : generic.getDpsInitsMutable()) {
    inits.push_back(init.get());
    maps.push_back(generic.getMatchingIndexingMap(&init));
  }
  rewriter.setInsertionPoint(generic);
  auto replacement = rewriter.create<linalg::GenericOp>(
      generic.getLoc(), generic.getResultTypes(), inputs, inits, maps,
      generic.getIteratorTypesArray());
  rewriter.inlineRegionBefore(generic.getRegion(), replacement.getRegion(),
                              replacement.getRegion().end());
  Block &body = replacement.getRegion().front();
  BlockArgument out = body.getArgument(generic.getNumDpsInputs() + initIndex);
  // Erase from the back so that the remaining indices stay valid.
  for (unsigned index : llvm::reverse(drop)) {
    body.getArgument(index).replaceAllUsesWith(out);
    body.eraseArgument(index);
  }
  rewriter.replaceOp(generic, replacement.getResults());
  return replacement;
}

struct DonateBuffers : grad::impl::GradDonateBuffersBase<DonateBuffers> {
  void runOnOperation() override {
    func::FuncOp func = getOperation();
    auto pairs = func->getAttrOfType<DenseI64ArrayAttr>(grad::kDonateAttrName);
    if (!pairs || func.isExternal())
      return;
    auto ret = dyn_cast<func::ReturnOp>(func.getBody().back().getTerminator());
    if (!ret)
      return;
    IRRewriter rewriter(func.getContext());
    llvm::ArrayRef<int64_t> p = pairs.asArrayRef();
    for (size_t k = 0; k + 1 < p.size(); k += 2) {
      if (p[k] < 0 || p[k] >= func.getNumArguments() || p[k + 1] < 0 ||
          p[k + 1] >= ret.getNumOperands())
        continue;
      BlockArgument arg = func.getArgument(p[k]);
      auto result = dyn_cast<OpResult>(ret.getOperand(p[k + 1]));
      if (!result || result.getType() != arg.getType())
        continue;
      auto generic = dyn_cast<linalg::GenericOp>(result.getOwner());
      if (!generic)
        continue;
      unsigned initIndex = result.getResultNumber();
      OpOperand *init = generic.getDpsInitOperand(initIndex);
      if (!init->get().getDefiningOp<tensor::EmptyOp>() ||
          generic.payloadUsesValueFromOperand(init))
        continue;
      init->set(arg);
      AffineMap outMap = generic.getMatchingIndexingMap(init);
      SmallVector<unsigned> drop;
      for (OpOperand *in : generic.getDpsInputOperands())
        if (in->get() == arg && generic.getMatchingIndexingMap(in) == outMap)
          drop.push_back(in->getOperandNumber());
      if (!drop.empty())
        dropInputs(rewriter, generic, drop, initIndex);
    }
  }
};

} // namespace
