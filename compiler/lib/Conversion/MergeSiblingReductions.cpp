//===- MergeSiblingReductions.cpp - the --grad-merge-sibling-reductions pass ===//
//
// Merges reductions that read the same data into one loop nest (horizontal or "multi-output"
// fusion, as XLA's multi-output fusion of sibling reductions and IREE's dispatch regions with
// several reduction results do): two linalg.generic ops with reduction loops, the same static
// loop ranges and iterator types, at least one input in common, and no path from one to the
// other become one linalg.generic with the results of both. CSE then computes the shared part of
// their bodies once. What the rows of a layer_norm backward need (sum(g), sum(g * xc), the
// forward's sum(xc) next to its variance) is read from memory and computed once per pass.
//
// --grad-fuse-elementwise runs first and fuses an elementwise producer into each reduction that
// reads it (it may fuse a producer into several sibling reductions: each gets a copy of the
// producer's body, which this merge and CSE make one again).
//
//===----------------------------------------------------------------------===//

#include "grad/Conversion/Passes.h"

#include "mlir/Analysis/SliceAnalysis.h"
#include "mlir/Analysis/TopologicalSortUtils.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/IR/PatternMatch.h"
#include "llvm/ADT/STLExtras.h"

namespace grad {
#define GEN_PASS_DEF_GRADMERGESIBLINGREDUCTIONS
#include "grad/Conversion/Passes.h.inc"
} // namespace grad

using namespace mlir;

namespace {

bool isCandidate(linalg::GenericOp op) {
  return op.hasPureTensorSemantics() && op.getNumReductionLoops() > 0 &&
         llvm::none_of(op.getStaticLoopRanges(), ShapedType::isDynamic);
}

bool sameLoops(linalg::GenericOp a, linalg::GenericOp b) {
  return a.getStaticLoopRanges() == b.getStaticLoopRanges() &&
         a.getIteratorTypesArray() == b.getIteratorTypesArray();
}

bool shareAnInput(linalg::GenericOp a, linalg::GenericOp b) {
  for (OpOperand *x : a.getDpsInputOperands())
    for (OpOperand *y : b.getDpsInputOperands())
      if (x->get() == y->get())
        return true;
  return false;
}

/// True if `later` reads a value that `earlier` computes, directly or through other ops.
bool dependsOn(Operation *later, Operation *earlier) {
  SetVector<Operation *> slice;
  BackwardSliceOptions options;
  options.omitBlockArguments = true;
  options.filter = [&](Operation *op) { return op->getBlock() == earlier->getBlock(); };
  getBackwardSlice(later, &slice, options);
  return slice.contains(earlier);
}

/// One generic computing the results of `a` followed by those of `b`, placed at `b`. An input
/// both read through the same map is passed once, so that CSE sees one block argument (and
/// computes what both bodies derive from it once).
linalg::GenericOp merge(RewriterBase &rewriter, linalg::GenericOp a, linalg::GenericOp b) {
  SmallVector<Value> inputs, inits;
  SmallVector<AffineMap> inputMaps, initMaps;
  // For each op, the position of each of its block arguments in the merged op's inputs (for
  // input arguments) or inits (for output arguments).
  SmallVector<SmallVector<unsigned>> inputPos(2), initPos(2);
  linalg::GenericOp ops[2] = {a, b};
  for (int k = 0; k < 2; ++k) {
    for (OpOperand *operand : ops[k].getDpsInputOperands()) {
      AffineMap map = ops[k].getMatchingIndexingMap(operand);
      unsigned pos = inputs.size();
      for (unsigned i = 0; i < inputs.size(); ++i)
        if (inputs[i] == operand->get() && inputMaps[i] == map)
          pos = i;
      if (pos == inputs.size()) {
        inputs.push_back(operand->get());
        inputMaps.push_back(map);
      }
      inputPos[k].push_back(pos);
    }
    for (OpOperand &operand : ops[k].getDpsInitsMutable()) {
      initPos[k].push_back(inits.size());
      inits.push_back(operand.get());
      initMaps.push_back(ops[k].getMatchingIndexingMap(&operand));
    }
  }
  SmallVector<AffineMap> maps(inputMaps);
  llvm::append_range(maps, initMaps);
  SmallVector<Type> resultTypes(a->getResultTypes());
  llvm::append_range(resultTypes, b->getResultTypes());

  rewriter.setInsertionPoint(b);
  auto merged = rewriter.create<linalg::GenericOp>(
      rewriter.getFusedLoc({a.getLoc(), b.getLoc()}), resultTypes, inputs, inits, maps,
      a.getIteratorTypesArray());
  Block *body = rewriter.createBlock(&merged.getRegion());
  for (Value v : inputs)
    body->addArgument(getElementTypeOrSelf(v.getType()), v.getLoc());
  for (Value v : inits)
    body->addArgument(getElementTypeOrSelf(v.getType()), v.getLoc());

  IRMapping mapping;
  SmallVector<Value> yielded;
  rewriter.setInsertionPointToEnd(body);
  for (int k = 0; k < 2; ++k) {
    Block &from = *ops[k].getBlock();
    unsigned numInputs = ops[k].getNumDpsInputs();
    for (unsigned i = 0; i < from.getNumArguments(); ++i)
      mapping.map(from.getArgument(i),
                  i < numInputs ? body->getArgument(inputPos[k][i])
                                : body->getArgument(inputs.size() + initPos[k][i - numInputs]));
    for (Operation &op : from.without_terminator())
      rewriter.clone(op, mapping);
    for (Value v : from.getTerminator()->getOperands())
      yielded.push_back(mapping.lookupOrDefault(v));
  }
  rewriter.create<linalg::YieldOp>(b.getLoc(), yielded);

  // replaceOp erases `a`: read its result count first.
  unsigned numResultsOfA = a->getNumResults();
  rewriter.replaceOp(a, merged->getResults().take_front(numResultsOfA));
  rewriter.replaceOp(b, merged->getResults().drop_front(numResultsOfA));
  return merged;
}

struct MergeSiblingReductions
    : grad::impl::GradMergeSiblingReductionsBase<MergeSiblingReductions> {
  void runOnOperation() override {
    IRRewriter rewriter(&getContext());
    for (Block &block : getOperation().getBody()) {
      bool changed = true;
      while (changed) {
        changed = false;
        SmallVector<linalg::GenericOp> candidates;
        for (Operation &op : block)
          if (auto generic = dyn_cast<linalg::GenericOp>(op); generic && isCandidate(generic))
            candidates.push_back(generic);
        for (size_t i = 0; i < candidates.size() && !changed; ++i)
          for (size_t j = i + 1; j < candidates.size() && !changed; ++j) {
            linalg::GenericOp a = candidates[i], b = candidates[j];
            if (!sameLoops(a, b) || !shareAnInput(a, b) || dependsOn(b, a))
              continue;
            merge(rewriter, a, b);
            ++numMerged;
            changed = true;
          }
        // The users of the first op may sit before the merged op: restore a valid order.
        if (changed && !sortTopologically(&block)) {
          getOperation()->emitError("grad-merge-sibling-reductions: internal error: a cycle");
          return signalPassFailure();
        }
      }
    }
  }
};

} // namespace
