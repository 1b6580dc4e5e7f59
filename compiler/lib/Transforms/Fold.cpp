//===- Fold.cpp - evaluate constant subgraphs with the eager kernels ------===//
//
// The --grad-fold pass. Where the dialect's fold() hooks handle one op with cheap constant
// operands, this pass evaluates whole constant subgraphs with the same eager kernels the
// interpreter uses (evaluateGradOp), so that there is one implementation per op.
//
// Algorithm, per function, in one pre-order walk (defs are visited before uses):
//   1. a value is *known* when it is the result of a tensor constant (converted lazily) or of an
//      op evaluated in this walk;
//   2. a grad primitive whose operands are all known and whose result has at most max-elements
//      elements is evaluated; its result becomes known;
//   3. afterwards, each evaluated op with a use outside the evaluated set is replaced, for those
//      uses, by one grad.constant at the op's position; evaluated ops and the input constants
//      left without uses are erased.
// Evaluation failures (e.g. a constant gather index out of range) leave the op in place with a
// warning: the program's error then happens at run time, as without folding.
//
//===----------------------------------------------------------------------===//

#include "grad/Transforms/Passes.h"

#include "grad/Dialect/GradDialect.h"
#include "grad/Bridge/OpTableBridge.h"
#include "grad/Interpreter/Interpreter.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/Matchers.h"
#include "llvm/ADT/DenseMap.h"
#include "llvm/ADT/SetVector.h"

namespace grad {
#define GEN_PASS_DEF_GRADFOLDPASS
#include "grad/Transforms/Passes.h.inc"
} // namespace grad

using namespace mlir;

namespace grad {
namespace {

/// Number of elements of a statically shaped tensor type, or -1 for anything else.
int64_t numElements(Type type) {
  auto ranked = dyn_cast<RankedTensorType>(type);
  return ranked && ranked.hasStaticShape() ? ranked.getNumElements() : -1;
}

class GradFoldPass : public impl::GradFoldPassBase<GradFoldPass> {
public:
  using GradFoldPassBase::GradFoldPassBase;

  void runOnOperation() override {
    func::FuncOp fn = getOperation();
    llvm::DenseMap<Value, Tensor> known;
    llvm::SetVector<Operation *> evaluated;      // in program order
    llvm::SetVector<Operation *> inputConstants; // constants read by evaluated ops

    // The value of `v` if it is known and small enough; converts constant attributes lazily.
    auto valueOf = [&](Value v) -> std::optional<Tensor> {
      if (auto it = known.find(v); it != known.end())
        return it->second;
      DenseElementsAttr attr;
      if (!matchPattern(v, m_Constant(&attr)))
        return std::nullopt;
      int64_t n = numElements(attr.getType());
      if (n < 0 || n > maxElements)
        return std::nullopt;
      FailureOr<Tensor> t = denseAttrToTensor(attr);
      if (failed(t))
        return std::nullopt;
      known[v] = *t;
      return *t;
    };

    fn.walk<WalkOrder::PreOrder>([&](Operation *op) {
      // A collective is never evaluated at compile time: it communicates when the program runs.
      if (op->hasTrait<mlir::OpTrait::ConstantLike>() || !isEvaluableGradOp(op) ||
          isa<AllReduceOp>(op))
        return;
      int64_t n = numElements(op->getResult(0).getType());
      if (n < 0 || n > maxElements)
        return;
      std::vector<Tensor> operands;
      operands.reserve(op->getNumOperands());
      for (Value v : op->getOperands()) {
        std::optional<Tensor> t = valueOf(v);
        if (!t)
          return;
        operands.push_back(*t);
      }
      std::string whyNot;
      FailureOr<Tensor> result = evaluateGradOp(op, operands, &whyNot);
      if (failed(result)) {
        op->emitWarning("grad-fold: not folded: ") << whyNot;
        return;
      }
      known[op->getResult(0)] = *result;
      evaluated.insert(op);
      for (Value v : op->getOperands())
        if (Operation *def = v.getDefiningOp(); def && def->hasTrait<mlir::OpTrait::ConstantLike>())
          inputConstants.insert(def);
    });

    // Materialize the values that leave the evaluated set.
    OpBuilder builder(fn.getContext());
    for (Operation *op : evaluated) {
      Value result = op->getResult(0);
      bool usedOutside = llvm::any_of(result.getUsers(),
                                      [&](Operation *user) { return !evaluated.contains(user); });
      if (!usedOutside)
        continue;
      auto type = cast<RankedTensorType>(result.getType());
      FailureOr<DenseElementsAttr> attr = tensorToDenseAttr(known[result], type);
      if (failed(attr)) {
        op->emitError("grad-fold: cannot make a constant of type ") << type;
        return signalPassFailure();
      }
      builder.setInsertionPoint(op);
      Value constant = builder.create<ConstantOp>(op->getLoc(), *attr).getResult();
      result.replaceUsesWithIf(constant,
                               [&](OpOperand &use) { return !evaluated.contains(use.getOwner()); });
      ++numConstants;
    }

    // Erase in reverse program order so users go before their producers.
    for (Operation *op : llvm::reverse(evaluated)) {
      if (op->use_empty()) {
        op->erase();
        ++numFolded;
      }
    }
    for (Operation *op : inputConstants)
      if (op->use_empty())
        op->erase();
  }
};

} // namespace
} // namespace grad
