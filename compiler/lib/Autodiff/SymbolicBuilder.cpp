//===- SymbolicBuilder.cpp - Symbolic tensors that build grad IR ----------===//
//
// IRSymbolicContext: emit() turns one primitive of the eager op table into one grad dialect op
// via the dialect's bridge (buildGradOp), after the eager layer has already run the op's shape
// rule; a mismatch between the two shape rules is reported as an internal error.
//
//===----------------------------------------------------------------------===//

#include "grad/Autodiff/SymbolicBuilder.h"

#include "grad/Bridge/OpTableBridge.h"
#include "grad/error.h"
#include "grad/op_table.h"

#include "mlir/IR/Diagnostics.h"
#include "llvm/Support/raw_ostream.h"

using namespace mlir;

namespace grad {

SymbolicContext &IRSymbolicValue::context() const { return *ctx; }

std::shared_ptr<IRSymbolicContext> IRSymbolicContext::create(OpBuilder builder, Location loc) {
  return std::shared_ptr<IRSymbolicContext>(new IRSymbolicContext(builder, loc));
}

void IRSymbolicContext::checkOpen(const char *what) const {
  if (closed)
    throw Error(std::string(what) +
                ": a symbolic tensor was used after its trace ended (a traced value escaped "
                "the traced function, e.g. stored in a global or a module member)");
}

std::string describe(const Shape &shape, DType dtype) {
  return shape_str(shape) + " " + dtype_name(dtype);
}

RankedTensorType tensorTypeOf(MLIRContext *ctx, const Shape &shape, DType dtype) {
  return tensorTypeFor(ctx, shape, dtype);
}

std::pair<Shape, DType> shapeAndDtypeOf(Type type) {
  auto tensor = dyn_cast<RankedTensorType>(type);
  FailureOr<DType> dtype =
      tensor ? dtypeFromElementType(tensor.getElementType()) : FailureOr<DType>(failure());
  if (!tensor || !tensor.hasStaticShape() || failed(dtype)) {
    std::string text;
    llvm::raw_string_ostream os(text);
    os << type;
    throw Error("trace: expected a statically shaped tensor of f32, f64, i64 or i1, got " + text);
  }
  return {Shape(tensor.getShape().begin(), tensor.getShape().end()), *dtype};
}

namespace {
/// Collects the diagnostics emitted while it lives, so that a failing builder's message can be
/// carried by a grad::Error instead of being printed.
class DiagnosticCollector {
public:
  explicit DiagnosticCollector(MLIRContext *ctx)
      : handler(ctx, [this](Diagnostic &diag) {
          if (!text.empty())
            text += "; ";
          text += diag.str();
          return success();
        }) {}
  const std::string &message() const { return text; }

private:
  std::string text;
  ScopedDiagnosticHandler handler;
};
} // namespace

std::shared_ptr<SymbolicValue>
IRSymbolicContext::emit(OpKind kind, const std::vector<Tensor> &inputs, const OpAttrs &attrs,
                        const Shape &resultShape, DType resultDtype) {
  const char *name = op_info(kind).name;
  checkOpen(name);
  SmallVector<Value> operands;
  operands.reserve(inputs.size());
  for (const Tensor &t : inputs)
    operands.push_back(valueOf(t));
  FailureOr<Value> result = failure();
  std::string diagnostics;
  {
    DiagnosticCollector collector(builder.getContext());
    result = buildGradOp(builder, loc, kind, operands, attrs);
    diagnostics = collector.message();
  }
  if (failed(result))
    throw Error(std::string(name) + ": cannot build grad." + name + " while tracing: " +
                (diagnostics.empty() ? std::string("the dialect rejected it") : diagnostics));
  auto [shape, dtype] = shapeAndDtypeOf(result->getType());
  if (shape != resultShape || dtype != resultDtype)
    throw Error(std::string(name) + ": internal error: the eager shape rule gives " +
                describe(resultShape, resultDtype) + " but grad." + name + " builds " +
                describe(shape, dtype));
  return std::make_shared<IRSymbolicValue>(shared_from_this(), *result);
}

std::shared_ptr<SymbolicValue> IRSymbolicContext::lift(const Tensor &concrete) {
  checkOpen("constant");
  // Every concrete tensor that enters a trace comes through here. One that requires grad (a
  // model parameter, a leaf being trained) would be baked into the graph as a constant: no
  // gradient for it, stale values after an in-place update. Rejected (docs/eager-vs-static.md).
  if (concrete.requires_grad())
    throw Error("trace: a tensor that requires grad (" +
                describe(concrete.shape(), concrete.dtype()) +
                ") is captured by the traced function; it would become a constant of the compiled "
                "code (no gradient, stale after in-place updates). Pass it as an argument of the "
                "jitted function; for an nn::Module's parameters use "
                "grad::functional_call(model, params, fn)");
  OpAttrs attrs;
  attrs.value = std::make_shared<const Tensor>(concrete.detach());
  FailureOr<Value> result = failure();
  std::string diagnostics;
  {
    DiagnosticCollector collector(builder.getContext());
    result = buildGradOp(builder, loc, OpKind::Constant, {}, attrs);
    diagnostics = collector.message();
  }
  if (failed(result))
    throw Error("constant: cannot make a " + describe(concrete.shape(), concrete.dtype()) +
                " tensor a graph constant: " + diagnostics);
  return std::make_shared<IRSymbolicValue>(shared_from_this(), *result);
}

std::shared_ptr<SymbolicValue>
IRSymbolicContext::stop_gradient(const std::shared_ptr<SymbolicValue> &value) {
  checkOpen("detach");
  auto *irValue = dynamic_cast<IRSymbolicValue *>(value.get());
  if (!irValue || &irValue->getContext() != this)
    throw Error("detach: a symbolic tensor from another trace was used here");
  Value v = irValue->getValue();
  OpAttrs attrs;
  attrs.shape = shapeAndDtypeOf(v.getType()).first;
  FailureOr<Value> copy = buildGradOp(builder, loc, OpKind::Reshape, {v}, attrs);
  if (failed(copy))
    throw Error("detach: cannot mark a symbolic tensor as stop-gradient");
  copy->getDefiningOp()->setAttr(kStopGradientAttr, builder.getUnitAttr());
  return std::make_shared<IRSymbolicValue>(shared_from_this(), *copy);
}

Tensor IRSymbolicContext::wrap(Value value) {
  auto [shape, dtype] = shapeAndDtypeOf(value.getType());
  return make_symbolic(shape, dtype, std::make_shared<IRSymbolicValue>(shared_from_this(), value));
}

Value IRSymbolicContext::valueOf(const Tensor &t) {
  if (!t.defined())
    throw Error("trace: an undefined tensor reached the traced graph");
  std::shared_ptr<SymbolicValue> sym = t.is_symbolic() ? t.symbolic() : lift(t);
  auto *irValue = dynamic_cast<IRSymbolicValue *>(sym.get());
  if (!irValue || &irValue->getContext() != this)
    throw Error("trace: a symbolic tensor " + describe(t.shape(), t.dtype()) +
                " from another trace was used here; pass it to the traced function as an "
                "argument instead of capturing it");
  return irValue->getValue();
}

Tensor IRSymbolicContext::freshCopy(const Tensor &t) {
  checkOpen("reshape");
  Value v = valueOf(t);
  OpAttrs attrs;
  attrs.shape = t.shape();
  FailureOr<Value> copy = buildGradOp(builder, loc, OpKind::Reshape, {v}, attrs);
  if (failed(copy))
    throw Error("reshape: cannot copy a " + describe(t.shape(), t.dtype()) + " value");
  return wrap(*copy);
}

} // namespace grad
