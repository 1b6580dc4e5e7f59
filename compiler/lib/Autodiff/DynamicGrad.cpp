//===- DynamicGrad.cpp - @f_grad for a function with `?` dims --------------===//
//
// buildGradFunction's path for functions whose types have dynamic dims (Note [Autodiff with
// dynamic dims]): the function is specialized to two sets of sizes, differentiated at each by
// the static reverse sweep, and the two gradient functions are generalized into one with `?`
// dims by the same code grad::jit uses (Note [Generalizing two traces], Generalize.cpp).
//
//===----------------------------------------------------------------------===//

#include "grad/Autodiff/Autodiff.h"
#include "grad/Autodiff/Generalize.h"

#include "grad/Bridge/OpTableBridge.h"
#include "grad/Codegen/Signature.h"
#include "grad/Dialect/GradDialect.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/IRMapping.h"
#include "llvm/ADT/DenseMap.h"
#include "llvm/ADT/DenseSet.h"

using namespace mlir;

namespace grad {

// Note [Autodiff with dynamic dims]
// ~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~
// The VJP rules are the eager op table's, run on symbolic tensors that carry concrete sizes
// (Note [Activity] and ReverseSweep.cpp); they compute the shapes their gradients need (a sum
// back to a broadcast operand's shape, a broadcast back over reduced axes, a mean's count, a
// reshape back, the one-hot of a gather) from those sizes. For a function with `?` dims the pass
// does what grad::jit's Dynamic::Auto does with two traces:
//  1. Sizes for the `?` argument dims, twice: a distinct prime per dim (5, 7, 11, ... skipping
//     the function's static sizes), then the sizes that the ops need equal made equal (the
//     run-time size analysis of compiled code, Note [Dynamic dims in compiled code] in
//     Signature.cpp: each ShapeCheck whose side is a plain argument dim takes the other side's
//     size, until all hold; a dim that must equal a static size gets it).
//  2. The function specialized to each set of sizes: static types, tensor.dim / arith index
//     values evaluated, `broadcast` and `reshape` sizes folded into static result types.
//  3. @f_grad of each static function (the ordinary reverse sweep).
//  4. The two gradient functions generalized into one: every dim whose size differs is `?`; a
//     broadcast into a `?` dim (a sum's gradient, a splat seed or zero) gets `sizes` from the
//     tensor.dim of the argument dim with the same two sizes; a reshape that merges or splits
//     `?` dims, the products of its operand's dims or that argument dim; a mean's `1/count`, the
//     count computed at run time. The distinct primes make these matches unambiguous: two dims
//     have the same two sizes only when the ops need them equal.
// What cannot be generalized (a constant that is not a count, e.g. a one-hot over a `?`
// vocabulary; a reshape dim that no argument dim names) is a diagnostic at the forward op whose
// gradient needs it, never wrong code. The forward part of @f_grad is the generalized one too,
// so its sizes come from tensor.dim of the arguments rather than from f's own index values.

namespace {

bool isDynamicType(Type type) {
  auto shaped = dyn_cast<ShapedType>(type);
  return shaped && shaped.hasRank() && !shaped.hasStaticShape();
}

bool hasDynamicTypes(Operation *op) {
  return llvm::any_of(op->getOperandTypes(), isDynamicType) ||
         llvm::any_of(op->getResultTypes(), isDynamicType);
}

std::string describeOp(Operation *op) { return "'" + op->getName().getStringRef().str() + "'"; }

/// Copies of `f` at concrete argument sizes (step 2 of Note [Autodiff with dynamic dims]).
class Specializer {
public:
  Specializer(func::FuncOp f, ArrayRef<Shape> shapes) : f(f), shapes(shapes) {}

  /// Appends the static copy of f (same name) to `into`.
  FailureOr<func::FuncOp> run(ModuleOp into);

private:
  LogicalResult visit(Operation &op, OpBuilder &b);
  FailureOr<int64_t> indexValue(Operation *op, Value v) {
    auto it = indices.find(v);
    if (it == indices.end())
      return op->emitOpError() << "grad-autodiff: a size operand is not a tensor.dim, an index "
                                  "constant or a product of them (the sizes a `?` dim can take)";
    return it->second;
  }

  func::FuncOp f;
  ArrayRef<Shape> shapes;
  IRMapping map;
  llvm::DenseMap<Value, int64_t> indices;
};

FailureOr<func::FuncOp> Specializer::run(ModuleOp into) {
  SmallVector<Type> argTypes;
  for (auto [i, type] : llvm::enumerate(f.getArgumentTypes())) {
    auto tensor = cast<RankedTensorType>(type);
    argTypes.push_back(RankedTensorType::get(shapes[i], tensor.getElementType()));
  }
  OpBuilder mb = OpBuilder::atBlockEnd(into.getBody());
  auto g = mb.create<func::FuncOp>(f.getLoc(), f.getName(),
                                   FunctionType::get(f.getContext(), argTypes, {}));
  Block *entry = g.addEntryBlock();
  map.map(f.getArguments(), entry->getArguments());
  OpBuilder b = OpBuilder::atBlockEnd(entry);
  for (Operation &op : f.getBody().front())
    if (failed(visit(op, b)))
      return failure();
  auto ret = cast<func::ReturnOp>(entry->getTerminator());
  g.setType(FunctionType::get(f.getContext(), argTypes, ret.getOperandTypes()));
  return g;
}

LogicalResult Specializer::visit(Operation &op, OpBuilder &b) {
  // Index values: evaluated, not emitted (the static ops take their sizes as types).
  if (auto dim = dyn_cast<tensor::DimOp>(op)) {
    std::optional<int64_t> d = dim.getConstantIndex();
    auto source = dyn_cast<RankedTensorType>(map.lookupOrDefault(dim.getSource()).getType());
    if (!d || !source || *d < 0 || *d >= source.getRank())
      return op.emitOpError() << "grad-autodiff: expected a constant dim of a ranked tensor";
    indices[dim.getResult()] = source.getDimSize(*d);
    return success();
  }
  if (auto c = dyn_cast<arith::ConstantIndexOp>(op)) {
    indices[c.getResult()] = c.value();
    return success();
  }
  if (auto mul = dyn_cast<arith::MulIOp>(op); mul && mul.getType().isIndex()) {
    FailureOr<int64_t> l = indexValue(&op, mul.getLhs()), r = indexValue(&op, mul.getRhs());
    if (failed(l) || failed(r))
      return failure();
    indices[mul.getResult()] = *l * *r;
    return success();
  }
  if (!hasDynamicTypes(&op) || isa<func::ReturnOp>(op)) {
    b.clone(op, map);
    return success();
  }
  auto decoded = decodeGradOp(&op);
  if (!decoded)
    return op.emitOpError() << "grad-autodiff: has dynamic dims and is not an op of the op table "
                               "(the pass differentiates grad ops with `?` dims; "
                               "docs/dynamic-shapes.md)";
  auto &[kind, attrs] = *decoded;
  SmallVector<Value> operands;
  if (kind == OpKind::Broadcast || kind == OpKind::Reshape) {
    // The `?` result dims: from `sizes`, else from the operand (a broadcast's mapped dim, a
    // reshape's dims other than 1 in order; the verifiers' rules).
    Value operand = map.lookupOrDefault(op.getOperand(0));
    auto operandType = cast<RankedTensorType>(operand.getType());
    auto sizes = op.getOperands().drop_front(1);
    auto type = cast<RankedTensorType>(op.getResult(0).getType());
    SmallVector<int64_t> kept;
    for (int64_t s : operandType.getShape())
      if (s != 1)
        kept.push_back(s);
    size_t nextSize = 0, nextKept = 0;
    for (int64_t d = 0; d < type.getRank(); ++d) {
      bool dynamic = type.isDynamicDim(d);
      if (dynamic && !sizes.empty()) {
        FailureOr<int64_t> s = indexValue(&op, sizes[nextSize++]);
        if (failed(s))
          return failure();
        attrs.shape[d] = *s;
      } else if (dynamic && kind == OpKind::Broadcast) {
        for (auto [i, r] : llvm::enumerate(attrs.dims))
          if (r == d)
            attrs.shape[d] = operandType.getDimSize(i);
      } else if (kind == OpKind::Reshape && type.getDimSize(d) != 1) {
        int64_t s = nextKept < kept.size() ? kept[nextKept++] : 1;
        if (dynamic)
          attrs.shape[d] = s;
      }
      if (attrs.shape[d] < 0)
        return op.emitOpError() << "grad-autodiff: the size of result dim " << d
                                << " is not known from the operand or `sizes`";
    }
    operands.push_back(operand);
  } else {
    for (Value v : op.getOperands())
      operands.push_back(map.lookupOrDefault(v));
    if (kind == OpKind::Slice) {
      // A limit `?` runs to the end of its `?` operand dim: that size here.
      auto operandType = cast<RankedTensorType>(operands[0].getType());
      for (auto [d, limit] : llvm::enumerate(attrs.limits))
        if (ShapedType::isDynamic(limit))
          limit = operandType.getDimSize(d);
    }
  }
  FailureOr<Value> result = buildGradOp(b, op.getLoc(), kind, operands, attrs);
  if (failed(result))
    return failure(); // buildGradOp's diagnostic names the op and the operand types
  Operation *built = result->getDefiningOp();
  for (NamedAttribute a : op.getDiscardableAttrs())
    built->setAttr(a.getName(), a.getValue());
  map.map(op.getResult(0), *result);
  return success();
}

bool isPrime(int64_t n) {
  for (int64_t k = 2; k * k <= n; ++k)
    if (n % k == 0)
      return false;
  return n >= 2;
}

/// Re-emits the diagnostics of `body` at their locations with "grad-autodiff: " in front.
template <class Body> LogicalResult prefixed(MLIRContext *ctx, Body &&body) {
  SmallVector<std::pair<Location, std::string>> diags;
  LogicalResult result = failure();
  {
    ScopedDiagnosticHandler handler(ctx, [&](Diagnostic &diag) {
      diags.push_back({diag.getLocation(), diag.str()});
      return success();
    });
    result = body();
  }
  for (auto &[loc, text] : diags)
    emitError(loc) << "grad-autodiff: " << text;
  return result;
}

} // namespace

bool hasDynamicDims(func::FuncOp f) {
  if (llvm::any_of(f.getArgumentTypes(), isDynamicType) ||
      llvm::any_of(f.getResultTypes(), isDynamicType))
    return true;
  return f.walk([](Operation *op) {
            return hasDynamicTypes(op) ? WalkResult::interrupt() : WalkResult::advance();
          }).wasInterrupted();
}

FailureOr<func::FuncOp> buildDynamicGradFunction(func::FuncOp f, ArrayRef<int64_t> argnums,
                                                 StringRef gradName) {
  MLIRContext *ctx = f.getContext();
  auto loc = f.getLoc();
  if (auto out = dyn_cast<RankedTensorType>(f.getResultTypes()[0]); out && !out.hasStaticShape())
    return emitError(loc) << "grad-autodiff: the differentiated output must be a floating-point "
                             "tensor with one element, got "
                          << out;
  for (auto [i, type] : llvm::enumerate(f.getArgumentTypes()))
    if (!isa<RankedTensorType>(type))
      return emitError(loc) << "grad-autodiff: argument #" << i << " of @" << f.getName()
                            << " has type " << type
                            << "; a function with `?` dims takes tensors only (its sizes are "
                               "read from them)";
  // 1. Which sizes must agree: the run-time size analysis of compiled code on a copy of f.
  OwningOpRef<ModuleOp> analyzed = ModuleOp::create(loc);
  func::FuncOp copy = f.clone();
  copy.setPublic();
  analyzed->push_back(copy);
  FailureOr<std::vector<FunctionSignature>> sigs = failure();
  if (failed(prefixed(ctx, [&]() -> LogicalResult {
        sigs = collectSignatures(*analyzed, /*allowDynamic=*/true);
        return success(succeeded(sigs));
      })))
    return failure();
  const FunctionSignature &sig = sigs->front();

  // Distinct primes for the `?` argument dims, none of them a static size of f.
  llvm::DenseSet<int64_t> staticSizes;
  auto addStatic = [&](Type t) {
    if (auto shaped = dyn_cast<ShapedType>(t); shaped && shaped.hasRank())
      for (int64_t s : shaped.getShape())
        if (!ShapedType::isDynamic(s))
          staticSizes.insert(s);
  };
  f.walk([&](Operation *op) {
    llvm::for_each(op->getOperandTypes(), addStatic);
    llvm::for_each(op->getResultTypes(), addStatic);
  });
  llvm::for_each(f.getArgumentTypes(), addStatic);
  std::vector<std::pair<size_t, size_t>> dynamicDims;
  for (auto [i, t] : llvm::enumerate(sig.inputs))
    for (auto [d, s] : llvm::enumerate(t.shape))
      if (s == kDynamicSize)
        dynamicDims.push_back({i, d});
  std::vector<int64_t> primes;
  for (int64_t n = 5; primes.size() < 2 * dynamicDims.size(); ++n)
    if (isPrime(n) && !staticSizes.contains(n))
      primes.push_back(n);

  std::vector<Shape> shapes[2];
  for (int t = 0; t < 2; ++t) {
    for (const TensorSignature &in : sig.inputs)
      shapes[t].push_back(in.shape);
    for (auto [k, dim] : llvm::enumerate(dynamicDims))
      shapes[t][dim.first][dim.second] = primes[t * dynamicDims.size() + k];
    // The sizes that must agree made equal: a plain argument dim takes the other side's size.
    // (A bound, `atMost`, holds at these sizes unless a slice starts beyond them: checked below.)
    auto plain = [](const DimRef &r) {
      return r.input >= 0 && r.scale == 1 && r.times.empty() && r.terms.empty();
    };
    for (size_t round = 0; round <= sig.checks.size(); ++round) {
      bool changed = false;
      for (const ShapeCheck &check : sig.checks) {
        int64_t l = evaluateDimRef(check.lhs, shapes[t]), r = evaluateDimRef(check.rhs, shapes[t]);
        if (l == r || check.atMost)
          continue;
        if (plain(check.lhs) && sig.inputs[check.lhs.input].shape[check.lhs.dim] == kDynamicSize)
          shapes[t][check.lhs.input][check.lhs.dim] = r;
        else if (plain(check.rhs) &&
                 sig.inputs[check.rhs.input].shape[check.rhs.dim] == kDynamicSize)
          shapes[t][check.rhs.input][check.rhs.dim] = l;
        else
          continue;
        changed = true;
      }
      if (!changed)
        break;
    }
    for (const ShapeCheck &check : sig.checks)
      if (int64_t l = evaluateDimRef(check.lhs, shapes[t]), r = evaluateDimRef(check.rhs, shapes[t]);
          check.atMost ? l > r : l != r)
        return emitError(loc) << "grad-autodiff: cannot choose sizes for the `?` dims of @"
                              << f.getName() << " that satisfy " << check.what;
  }
  // A `?` dim that the ops tie to a static size has it in both traces, so the generalized
  // function would not have f's type: the user should write the size.
  for (auto [input, dim] : dynamicDims)
    if (shapes[0][input][dim] == shapes[1][input][dim]) {
      InFlightDiagnostic diag = emitError(loc);
      diag << "grad-autodiff: argument #" << input << " of @" << f.getName() << " has type "
           << f.getArgumentTypes()[input] << " but its ops need dim " << dim << " to be "
           << shapes[0][input][dim];
      for (const ShapeCheck &check : sig.checks)
        for (const DimRef *side : {&check.lhs, &check.rhs})
          if (!check.atMost)
            if (side->input == static_cast<int64_t>(input) &&
                side->dim == static_cast<int64_t>(dim))
              diag << " (" << check.what << ")";
      diag << "; give it that static size";
      return diag;
    }

  // 2-3. The static functions and their gradients.
  OwningOpRef<ModuleOp> traces[2] = {ModuleOp::create(loc), ModuleOp::create(loc)};
  func::FuncOp grads[2];
  for (int t = 0; t < 2; ++t) {
    FailureOr<func::FuncOp> staticF = Specializer(f, shapes[t]).run(*traces[t]);
    if (failed(staticF))
      return failure();
    FailureOr<func::FuncOp> g = buildGradFunction(*staticF, argnums, gradName);
    if (failed(g))
      return failure();
    grads[t] = *g;
  }

  // 4. One function with `?` dims.
  std::vector<detail::DynamicDim> made;
  std::optional<Location> where;
  std::string why = detail::generalizeTrace(grads[1], grads[0], made, &where);
  if (!why.empty()) {
    // Name the forward op whose gradient the failure is about (the sweep builds each rule's ops
    // at the forward op's location).
    Operation *culprit = nullptr;
    if (where)
      f.walk([&](Operation *op) {
        if (!culprit && op->getLoc() == *where && op != f)
          culprit = op;
      });
    InFlightDiagnostic diag = emitError(where.value_or(loc));
    diag << "grad-autodiff: cannot build the gradient of @" << f.getName() << " for its `?` dims";
    if (culprit)
      diag << " (at the gradient of " << describeOp(culprit) << ")";
    diag << ": " << why;
    return diag;
  }
  func::FuncOp general = grads[1];
  for (auto [i, types] : llvm::enumerate(llvm::zip(general.getArgumentTypes(), f.getArgumentTypes())))
    if (std::get<0>(types) != std::get<1>(types))
      return emitError(loc) << "grad-autodiff: argument #" << i << " of @" << f.getName()
                            << " has type " << std::get<1>(types)
                            << " but its ops need the static sizes of " << std::get<0>(types)
                            << "; give it that type";
  for (auto [i, types] : llvm::enumerate(llvm::zip(general.getResultTypes(), f.getResultTypes())))
    if (std::get<0>(types) != std::get<1>(types))
      return emitError(loc) << "grad-autodiff: result #" << i << " of @" << f.getName()
                            << " has type " << std::get<1>(types)
                            << " but its ops give it the static sizes of " << std::get<0>(types)
                            << "; give it that type";
  OpBuilder moduleBuilder(f);
  moduleBuilder.setInsertionPointAfter(f);
  auto g = cast<func::FuncOp>(moduleBuilder.clone(*general));
  g.setName(gradName);
  return g;
}

} // namespace grad
