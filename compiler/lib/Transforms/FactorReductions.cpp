//===- FactorReductions.cpp - the --grad-factor-reductions pass -----------===//
//
// Distributes a sum (or mean) over the terms of its operand and pulls out of each term the
// factors that do not vary along the reduced axes:
//
//   sum_A(a * bcast(s) + b - c / k)  ->  sum_A(a) * s' + sum_A(b) - sum_A(c) / k'
//
// where bcast(s), k (and any elementwise expression of broadcasts and splat constants) are
// constant along the axes A, and s', k' are the same values at the reduced shape. It runs only
// when at least one factor comes out; a sum whose terms have no such factor is left as it is.
//
// Why: reverse-mode autodiff of a decomposed layer_norm (or any normalization) produces
//   g_xc = g * r + bcast(sum(g * xc) * c) * xc;   g_x = g_xc - bcast(mean(g_xc))
// The second row sum reads the first through the broadcast factor, so the two reductions are
// sequential: two passes over the rows, each recomputing the elementwise chain that makes g
// (gelu's derivative, with its tanh). Factored, mean(g_xc) = r * mean(g) + sum(g * xc) * c *
// mean(xc): three sums of the same chain that no longer depend on each other, which the
// lowering computes in one pass (--grad-merge-sibling-reductions). XLA's algebraic simplifier
// and TVM's reduction rewrites do the same kind of distribution.
//
// Floating-point: the result equals the original up to reassociation of the sum (as fast-math
// reassociation, which the CPU lowering already allows for reductions).
//
//===----------------------------------------------------------------------===//

#include "FusionPolicy.h"

#include "grad/Dialect/GradDialect.h"
#include "grad/Dialect/ShapeInference.h"
#include "grad/Transforms/Passes.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"
#include "llvm/ADT/DenseMap.h"
#include "llvm/ADT/STLExtras.h"

namespace grad {
#define GEN_PASS_DEF_GRADFACTORREDUCTIONSPASS
#include "grad/Transforms/Passes.h.inc"
} // namespace grad

using namespace mlir;

namespace grad {
namespace {

/// Most terms one reduction is distributed over: beyond that the rewrite is not tried.
constexpr size_t kMaxTerms = 16;
/// Deepest expression walked when deciding whether a factor is constant along the axes.
constexpr unsigned kMaxFactorDepth = 8;

/// One term of a reduction's operand: `value`, negated or not.
struct Term {
  Value value;
  bool negated;
};

/// A term split into the part that varies along the reduced axes and the factors that do not.
struct Factored {
  Value core;
  /// (factor, divides): core * f or core / f.
  SmallVector<std::pair<Value, bool>> factors;
};

/// Whether reduced `axes` are constant in `value`: a broadcast that repeats along each of them,
/// a splat constant, or an elementwise op of such values.
class AxisConstancy {
public:
  explicit AxisConstancy(ArrayRef<int64_t> axes) : axes(axes) {}

  bool isConstant(Value value, unsigned depth = 0) {
    auto it = memo.find(value);
    if (it != memo.end())
      return it->second;
    bool result = compute(value, depth);
    memo[value] = result;
    return result;
  }

private:
  bool compute(Value value, unsigned depth) {
    Operation *op = value.getDefiningOp();
    if (!op || depth > kMaxFactorDepth)
      return false;
    if (isSplatConstant(op))
      return true;
    if (auto broadcast = dyn_cast<BroadcastOp>(op)) {
      auto operandType = cast<RankedTensorType>(broadcast.getOperand().getType());
      ArrayRef<int64_t> dims = broadcast.getDims();
      for (int64_t axis : axes)
        for (auto [i, d] : llvm::enumerate(dims))
          if (d == axis && operandType.getDimSize(i) != 1)
            return false;
      return true;
    }
    if (getFusionRole(op) != FusionRole::Elementwise || op->getNumResults() != 1)
      return false;
    return llvm::all_of(op->getOperands(),
                        [&](Value operand) { return isConstant(operand, depth + 1); });
  }

  ArrayRef<int64_t> axes;
  llvm::DenseMap<Value, bool> memo;
};

/// Appends the terms of `value` (through add, sub and neg) to `terms`; false if there are more
/// than kMaxTerms.
bool collectTerms(Value value, bool negated, SmallVectorImpl<Term> &terms) {
  Operation *op = value.getDefiningOp();
  if (auto add = dyn_cast_or_null<AddOp>(op))
    return collectTerms(add.getLhs(), negated, terms) &&
           collectTerms(add.getRhs(), negated, terms);
  if (auto sub = dyn_cast_or_null<SubOp>(op))
    return collectTerms(sub.getLhs(), negated, terms) &&
           collectTerms(sub.getRhs(), !negated, terms);
  if (auto neg = dyn_cast_or_null<NegOp>(op))
    return collectTerms(neg.getOperand(), !negated, terms);
  terms.push_back({value, negated});
  return terms.size() <= kMaxTerms;
}

/// Splits `value` into a core and the factors (multipliers, divisors) constant along the axes.
Factored factor(Value value, AxisConstancy &constancy) {
  Operation *op = value.getDefiningOp();
  if (auto mul = dyn_cast_or_null<MulOp>(op)) {
    if (constancy.isConstant(mul.getRhs())) {
      Factored f = factor(mul.getLhs(), constancy);
      f.factors.push_back({mul.getRhs(), false});
      return f;
    }
    if (constancy.isConstant(mul.getLhs())) {
      Factored f = factor(mul.getRhs(), constancy);
      f.factors.push_back({mul.getLhs(), false});
      return f;
    }
  }
  if (auto div = dyn_cast_or_null<DivOp>(op); div && constancy.isConstant(div.getRhs())) {
    Factored f = factor(div.getLhs(), constancy);
    f.factors.push_back({div.getRhs(), true});
    return f;
  }
  return {value, {}};
}

/// Rebuilds `value` (constant along the reduced axes) at the reduction's result type.
class Restrictor {
public:
  Restrictor(OpBuilder &b, Location loc, RankedTensorType resultType, ArrayRef<int64_t> axes,
             bool keepdim)
      : b(b), loc(loc), resultType(resultType), axes(axes), keepdim(keepdim) {}

  Value restrict(Value value) {
    auto it = memo.find(value);
    if (it != memo.end())
      return it->second;
    Value result = compute(value);
    memo[value] = result;
    return result;
  }

private:
  RankedTensorType typeFor(Value value) const {
    return RankedTensorType::get(resultType.getShape(),
                                 cast<RankedTensorType>(value.getType()).getElementType());
  }

  /// The result dim that full-rank dim `d` becomes, or -1 when it is reduced away.
  int64_t reducedDim(int64_t d) const {
    if (keepdim)
      return d;
    if (llvm::is_contained(axes, d))
      return -1;
    return d - llvm::count_if(axes, [&](int64_t a) { return a < d; });
  }

  Value compute(Value value) {
    Operation *op = value.getDefiningOp();
    RankedTensorType type = typeFor(value);
    if (auto constant = dyn_cast<ConstantOp>(op)) {
      auto attr = cast<DenseElementsAttr>(constant.getValue());
      return b.create<ConstantOp>(loc, DenseElementsAttr::get(type, attr.getSplatValue<Attribute>()));
    }
    if (auto broadcast = dyn_cast<BroadcastOp>(op)) {
      Value source = broadcast.getOperand();
      auto sourceType = cast<RankedTensorType>(source.getType());
      // Operand dims that land on a reduced axis have size 1; without keepdim they go.
      SmallVector<int64_t> keptShape, dims;
      for (auto [i, d] : llvm::enumerate(broadcast.getDims())) {
        int64_t r = reducedDim(d);
        if (r < 0)
          continue;
        keptShape.push_back(sourceType.getDimSize(i));
        dims.push_back(r);
      }
      if (keptShape.size() != size_t(sourceType.getRank()))
        source = b.create<ReshapeOp>(
            loc, RankedTensorType::get(keptShape, sourceType.getElementType()), source);
      if (source.getType() == type)
        return source;
      return b.create<BroadcastOp>(loc, type, source, b.getDenseI64ArrayAttr(dims));
    }
    // An elementwise op: the same op on the restricted operands.
    OperationState state(loc, op->getName());
    for (Value operand : op->getOperands())
      state.addOperands(restrict(operand));
    state.addTypes(type);
    state.addAttributes(op->getAttrs());
    return b.create(state)->getResult(0);
  }

  OpBuilder &b;
  Location loc;
  RankedTensorType resultType;
  ArrayRef<int64_t> axes;
  bool keepdim;
  llvm::DenseMap<Value, Value> memo;
};

/// Rewrites one sum or mean if a factor comes out of one of its terms. Returns true if it did.
template <typename ReduceOp>
bool factorReduction(ReduceOp reduce) {
  SmallVector<Term> terms;
  if (!collectTerms(reduce.getOperand(), false, terms))
    return false;
  ArrayRef<int64_t> axes = reduce.getAxes();
  AxisConstancy constancy(axes);
  SmallVector<Factored> factored;
  bool any = false;
  for (const Term &term : terms) {
    factored.push_back(factor(term.value, constancy));
    any |= !factored.back().factors.empty();
  }
  if (!any)
    return false;

  OpBuilder b(reduce);
  Location loc = reduce.getLoc();
  auto resultType = cast<RankedTensorType>(reduce.getType());
  bool keepdim = reduce.getKeepdim();
  Restrictor restrictor(b, loc, resultType, axes, keepdim);
  llvm::DenseMap<Value, Value> reducedCores;
  Value positive, negative; // the sums of the positive and of the negated terms
  for (auto [term, f] : llvm::zip(terms, factored)) {
    Value &reduced = reducedCores[f.core];
    if (!reduced)
      reduced = b.create<ReduceOp>(loc, f.core, axes, keepdim);
    Value value = reduced;
    for (auto [factorValue, divides] : f.factors) {
      Value restricted = restrictor.restrict(factorValue);
      value = divides ? Value(b.create<DivOp>(loc, value, restricted))
                      : Value(b.create<MulOp>(loc, value, restricted));
    }
    Value &sum = term.negated ? negative : positive;
    sum = sum ? Value(b.create<AddOp>(loc, sum, value)) : value;
  }
  Value total = !negative   ? positive
                : !positive ? Value(b.create<NegOp>(loc, negative))
                            : Value(b.create<SubOp>(loc, positive, negative));
  reduce.getResult().replaceAllUsesWith(total);
  reduce.erase();
  return true;
}

struct FactorReductions : impl::GradFactorReductionsPassBase<FactorReductions> {
  void runOnOperation() override {
    // Functions with `?` dims are left as they are: restricting a factor to the reduced shape
    // would need run-time sizes (reshape and broadcast `sizes`); the reductions are correct
    // unfactored.
    bool dynamic = false;
    getOperation().walk([&](Operation *op) {
      for (Type t : op->getResultTypes())
        if (auto shaped = dyn_cast<ShapedType>(t); shaped && !shaped.hasStaticShape())
          dynamic = true;
    });
    for (Type t : getOperation().getArgumentTypes())
      if (auto shaped = dyn_cast<ShapedType>(t); shaped && !shaped.hasStaticShape())
        dynamic = true;
    if (dynamic)
      return;
    SmallVector<Operation *> reductions;
    getOperation().walk([&](Operation *op) {
      if (isa<SumOp, MeanOp>(op) && !op->getParentOfType<FusionOp>())
        reductions.push_back(op);
    });
    bool changed = false;
    for (Operation *op : reductions) {
      bool factored = isa<SumOp>(op) ? factorReduction(cast<SumOp>(op))
                                     : factorReduction(cast<MeanOp>(op));
      numFactored += factored;
      changed |= factored;
    }
    if (!changed)
      return;
    // The distributed adds and muls that nothing reads any more.
    for (Block &block : getOperation().getBody())
      for (Operation &op : llvm::make_early_inc_range(llvm::reverse(block)))
        if (isOpTriviallyDead(&op))
          op.erase();
  }
};

} // namespace
} // namespace grad
