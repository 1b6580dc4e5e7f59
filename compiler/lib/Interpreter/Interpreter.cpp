//===- Interpreter.cpp - reference interpreter of the grad dialect --------===//
//
// Walks a func.func block by block, keeping one concrete grad::Tensor per SSA value. grad
// primitives go through decodeGradOp + grad::apply (the eager kernels); func.call recurses into
// the callee found in the symbol table; grad.fusion binds its inputs to the body's block
// arguments and evaluates the body up to grad.yield. Every eager call is wrapped in a try/catch
// in this file, so exceptions never unwind through MLIR frames.
//
//===----------------------------------------------------------------------===//

#include "grad/Interpreter/Interpreter.h"

#include "grad/Dialect/GradDialect.h"
#include "grad/Bridge/OpTableBridge.h"
#include "grad/autograd.h"
#include "grad/error.h"
#include "grad/op_table.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/Matchers.h"
#include "mlir/IR/SymbolTable.h"
#include "llvm/ADT/DenseMap.h"

#include <exception>

using namespace mlir;

namespace grad {

//===----------------------------------------------------------------------===//
// Helpers shared with the folder
//===----------------------------------------------------------------------===//

std::string describeTensor(const Tensor &value) {
  if (!value.defined())
    return "an undefined tensor";
  std::string s = dtype_name(value.dtype());
  s += shape_str(value.shape());
  if (value.is_symbolic())
    s += " (symbolic)";
  return s;
}

bool tensorMatchesType(const Tensor &value, Type type) {
  auto ranked = dyn_cast<RankedTensorType>(type);
  if (!ranked || !value.defined() || value.is_symbolic())
    return false;
  // A dynamic dim (`?`) takes any size (Note [Dynamic dims] in ShapeInference.h).
  llvm::ArrayRef<int64_t> want = ranked.getShape();
  if (value.shape().size() != want.size())
    return false;
  for (size_t d = 0; d < want.size(); ++d)
    if (!ShapedType::isDynamic(want[d]) && value.shape()[d] != want[d])
      return false;
  FailureOr<DType> dtype = dtypeFromElementType(ranked.getElementType());
  return succeeded(dtype) && *dtype == value.dtype();
}

/// True for ops of the grad dialect (unregistered ops have no dialect).
static bool isGradDialectOp(Operation &op) {
  Dialect *dialect = op.getDialect();
  return dialect && isa<GradDialect>(dialect);
}

bool isEvaluableGradOp(Operation *op) {
  return isGradDialectOp(*op) && op->getNumRegions() == 0 && decodeGradOp(op).has_value();
}

/// The run-time half of the shape rules for dynamic dims: sizes that the types say must agree
/// but that only the values know. Returns "" or the message (the eager kernels would broadcast
/// operands of different shapes instead of failing).
static std::string checkRunTimeSizes(Operation *op, ArrayRef<Tensor> operands) {
  bool oneShape = op->hasTrait<mlir::OpTrait::SameOperandsAndResultType>() ||
                  op->hasTrait<::grad::OpTrait::SameOperandTypes>() || isa<CmpOp, SelectOp>(op);
  if (!oneShape || operands.size() < 2)
    return "";
  bool dynamic = llvm::any_of(op->getOperandTypes(), [](Type t) {
    auto ranked = dyn_cast<RankedTensorType>(t);
    return ranked && !ranked.hasStaticShape();
  });
  for (size_t i = 1; dynamic && i < operands.size(); ++i)
    if (operands[i].defined() && operands[0].defined() &&
        operands[i].shape() != operands[0].shape()) {
      std::string typeText;
      llvm::raw_string_ostream os(typeText);
      os << op->getOperand(0).getType();
      return "operands must have one shape at run time, but operand #0 is " +
             describeTensor(operands[0]) + " and operand #" + std::to_string(i) + " is " +
             describeTensor(operands[i]) + " (operand #0 has type " + typeText + ")";
    }
  return "";
}

FailureOr<Tensor> evaluateGradOp(Operation *op, ArrayRef<Tensor> operands, std::string *whyNot) {
  // Report through a diagnostic, or quietly into *whyNot for callers that only try (the folder).
  auto fail = [&](const std::string &message) -> FailureOr<Tensor> {
    if (whyNot) {
      *whyNot = message;
      return failure();
    }
    return op->emitOpError(message);
  };
  std::optional<std::pair<OpKind, OpAttrs>> decoded = decodeGradOp(op);
  if (!decoded && isa<ConstantOp>(op)) {
    // Decoding a constant materializes its value; a huge (e.g. splat) one may not fit in memory.
    std::string typeText;
    llvm::raw_string_ostream os(typeText);
    os << op->getResult(0).getType();
    return fail("cannot materialize the value of type " + typeText +
                " (out of memory, or an unsupported element type)");
  }
  if (!decoded)
    return fail("is not a grad primitive the interpreter can evaluate");
  if (op->getNumResults() != 1)
    return fail("expected one result");
  if (std::string bad = checkRunTimeSizes(op, operands); !bad.empty())
    return fail(bad);
  size_t numInputs = operands.size();
  if (auto broadcast = dyn_cast<BroadcastOp>(op)) {
    // Dynamic result dims: the `sizes` operands (index values, held as i64 scalars) in order, or
    // else the size of the operand dim mapped to each.
    Shape &shape = decoded->second.shape;
    size_t next = 1;
    for (int64_t &size : shape)
      if (ShapedType::isDynamic(size) && !broadcast.getSizes().empty() && next < operands.size())
        size = operands[next++].item<int64_t>();
    for (auto [i, d] : llvm::enumerate(decoded->second.dims))
      if (ShapedType::isDynamic(shape[d]) && i < operands[0].shape().size())
        shape[d] = operands[0].shape()[i];
    for (int64_t size : shape)
      if (size < 0)
        return fail("size " + std::to_string(size) + " of a dynamic result dim is negative");
    numInputs = 1;
  }
  if (auto reshape = dyn_cast<ReshapeOp>(op); reshape && !reshape.getSizes().empty()) {
    // `?` result dims given by `sizes` (the kernel checks the element counts).
    Shape &shape = decoded->second.shape;
    size_t next = 1;
    for (int64_t &size : shape)
      if (ShapedType::isDynamic(size) && next < operands.size())
        size = operands[next++].item<int64_t>();
    for (int64_t size : shape)
      if (size < 0)
        return fail("size " + std::to_string(size) + " of a dynamic result dim is negative");
    numInputs = 1;
  } else if (isa<ReshapeOp>(op)) {
    // `?` result dims (Note [Dynamic dims]): the run-time sizes of the operand dims that are not
    // static 1s, in order (the reshape only inserts or removes size-1 dims).
    Shape &shape = decoded->second.shape;
    auto operandType = cast<RankedTensorType>(op->getOperand(0).getType());
    size_t next = 0;
    for (int64_t &size : shape) {
      if (size == 1)
        continue;
      while (next < operandType.getShape().size() && operandType.getDimSize(next) == 1)
        ++next;
      if (ShapedType::isDynamic(size) && next < operands[0].shape().size())
        size = operands[0].shape()[next];
      ++next;
    }
  }
  if (auto slice = dyn_cast<SliceOp>(op); slice && !operands.empty() && operands[0].defined()) {
    // Along a `?` operand dim: the limit `?` is the run-time size, a static limit (or a start
    // before the limit `?`) must be within it.
    auto operandType = cast<RankedTensorType>(slice.getOperand().getType());
    OpAttrs &attrs = decoded->second;
    for (int64_t d = 0; d < operandType.getRank(); ++d) {
      if (!operandType.isDynamicDim(d) || d >= static_cast<int64_t>(operands[0].dim()))
        continue;
      int64_t size = operands[0].shape()[d];
      bool toEnd = ShapedType::isDynamic(attrs.limits[d]);
      int64_t bound = toEnd ? attrs.starts[d] : attrs.limits[d];
      if (bound > size)
        return fail((toEnd ? "start " : "limit ") + std::to_string(bound) + " of dim " +
                    std::to_string(d) + " exceeds the operand's size " + std::to_string(size) +
                    " at run time (operand " + describeTensor(operands[0]) + ")");
      if (toEnd)
        attrs.limits[d] = size;
    }
  }
  Tensor result;
  try {
    NoGradGuard noGrad;
    std::vector<Tensor> inputs(operands.begin(), operands.begin() + numInputs);
    result = apply(decoded->first, inputs, decoded->second);
  } catch (const std::exception &e) {
    // grad::Error from a kernel (e.g. a gather index out of range), or bad_alloc.
    return fail(std::string("evaluation failed: ") + e.what());
  }
  Type type = op->getResult(0).getType();
  if (!tensorMatchesType(result, type)) {
    std::string typeText;
    llvm::raw_string_ostream os(typeText);
    os << type;
    return fail("internal error: the eager kernel returned " + describeTensor(result) +
                " but the op's result type is " + typeText);
  }
  return result;
}

namespace {

//===----------------------------------------------------------------------===//
// The interpreter proper
//===----------------------------------------------------------------------===//

/// Interprets one module's functions; one instance per interpret() call.
class Interpreter {
public:
  explicit Interpreter(const InterpreterOptions &options) : options(options) {}

  /// Checks `args` against `fn`'s signature, then evaluates its body.
  FailureOr<std::vector<Tensor>> call(func::FuncOp fn, ArrayRef<Tensor> args, Operation *caller,
                                      unsigned depth);

private:
  using Env = llvm::DenseMap<Value, Tensor>;

  /// Evaluates `block` (whose arguments are already bound in `env`) up to its terminator and
  /// returns the terminator's operand values.
  FailureOr<std::vector<Tensor>> runBlock(Block &block, Env &env, unsigned depth);
  LogicalResult runOp(Operation &op, Env &env, unsigned depth);
  FailureOr<std::vector<Tensor>> lookup(Operation &op, ValueRange values, Env &env);

  const InterpreterOptions &options;
};

FailureOr<std::vector<Tensor>> Interpreter::call(func::FuncOp fn, ArrayRef<Tensor> args,
                                                 Operation *caller, unsigned depth) {
  // Diagnostics about the arguments go to the call site when there is one.
  Operation *at = caller ? caller : fn.getOperation();
  if (depth > options.maxCallDepth)
    return at->emitError("interpreter: call depth exceeds ")
           << options.maxCallDepth << " (unbounded recursion?) calling @" << fn.getSymName();
  if (fn.isExternal())
    return at->emitError("interpreter: @") << fn.getSymName() << " is a declaration without a body";
  FunctionType type = fn.getFunctionType();
  if (args.size() != type.getNumInputs())
    return at->emitError("interpreter: @") << fn.getSymName() << " takes " << type.getNumInputs()
                                           << " argument(s), got " << args.size();
  for (auto [i, arg] : llvm::enumerate(args)) {
    if (!tensorMatchesType(arg, type.getInput(i)))
      return at->emitError("interpreter: argument #")
             << i << " of @" << fn.getSymName() << " must be " << type.getInput(i) << ", got "
             << describeTensor(arg);
  }
  Env env;
  Block &entry = fn.getBody().front();
  for (auto [blockArg, value] : llvm::zip(entry.getArguments(), args))
    env[blockArg] = value;
  FailureOr<std::vector<Tensor>> results = runBlock(entry, env, depth);
  if (failed(results))
    return failure();
  for (auto [i, r] : llvm::enumerate(*results)) {
    if (!tensorMatchesType(r, type.getResult(i)))
      return fn.emitError("interpreter: result #")
             << i << " of @" << fn.getSymName() << " is " << describeTensor(r)
             << " but the signature says " << type.getResult(i);
  }
  return results;
}

FailureOr<std::vector<Tensor>> Interpreter::lookup(Operation &op, ValueRange values, Env &env) {
  std::vector<Tensor> out;
  out.reserve(values.size());
  for (Value v : values) {
    auto it = env.find(v);
    if (it == env.end())
      return op.emitOpError("interpreter: operand has no value (defined in an unsupported way)");
    out.push_back(it->second);
  }
  return out;
}

FailureOr<std::vector<Tensor>> Interpreter::runBlock(Block &block, Env &env, unsigned depth) {
  for (Operation &op : block) {
    if (op.hasTrait<mlir::OpTrait::IsTerminator>()) {
      if (!isa<func::ReturnOp, YieldOp>(op))
        return op.emitOpError("interpreter: unsupported terminator (only straight-line "
                              "functions: func.return, grad.yield)");
      return lookup(op, op.getOperands(), env);
    }
    if (failed(runOp(op, env, depth)))
      return failure();
  }
  return block.getParentOp()->emitError("interpreter: block has no terminator");
}

LogicalResult Interpreter::runOp(Operation &op, Env &env, unsigned depth) {
  // Constants of other dialects (arith.constant on tensors) read their attribute directly.
  if (!isGradDialectOp(op) && op.hasTrait<mlir::OpTrait::ConstantLike>()) {
    DenseElementsAttr attr;
    if (op.getNumResults() == 1 && matchPattern(op.getResult(0), m_Constant(&attr))) {
      FailureOr<Tensor> t = denseAttrToTensor(attr);
      if (failed(t))
        return op.emitOpError("interpreter: unsupported constant type ") << attr.getType();
      env[op.getResult(0)] = *t;
      return success();
    }
  }

  // Sizes of dynamic dims (Note [Dynamic dims]): `index` values, held as i64 scalar tensors.
  if (auto dimOp = dyn_cast<tensor::DimOp>(op)) {
    FailureOr<std::vector<Tensor>> operands = lookup(op, op.getOperands(), env);
    if (failed(operands))
      return failure();
    const Tensor &source = (*operands)[0];
    int64_t index = (*operands)[1].item<int64_t>();
    if (index < 0 || index >= source.dim())
      return op.emitOpError("interpreter: dim ")
             << index << " is out of range for " << describeTensor(source);
    env[op.getResult(0)] = scalar_tensor(source.shape()[index], DType::i64);
    return success();
  }
  if (auto constant = dyn_cast<arith::ConstantIndexOp>(op)) {
    env[op.getResult(0)] = scalar_tensor(constant.value(), DType::i64);
    return success();
  }
  if (auto mul = dyn_cast<arith::MulIOp>(op); mul && mul.getType().isIndex()) {
    // A product of sizes (a reshape's `sizes` merging dims).
    FailureOr<std::vector<Tensor>> operands = lookup(op, op.getOperands(), env);
    if (failed(operands))
      return failure();
    env[op.getResult(0)] =
        scalar_tensor((*operands)[0].item<int64_t>() * (*operands)[1].item<int64_t>(), DType::i64);
    return success();
  }

  if (auto callOp = dyn_cast<func::CallOp>(op)) {
    auto callee = SymbolTable::lookupNearestSymbolFrom<func::FuncOp>(&op, callOp.getCalleeAttr());
    if (!callee)
      return op.emitOpError("interpreter: no func.func named @") << callOp.getCallee();
    FailureOr<std::vector<Tensor>> args = lookup(op, callOp.getOperands(), env);
    if (failed(args))
      return failure();
    FailureOr<std::vector<Tensor>> results = call(callee, *args, &op, depth + 1);
    if (failed(results))
      return failure();
    for (auto [v, t] : llvm::zip(op.getResults(), *results))
      env[v] = t;
    return success();
  }

  if (auto fusion = dyn_cast<FusionOp>(op)) {
    FailureOr<std::vector<Tensor>> inputs = lookup(op, fusion.getInputs(), env);
    if (failed(inputs))
      return failure();
    Block &body = fusion.getBody().front();
    // The body is isolated from above: it sees only its block arguments.
    Env inner;
    for (auto [blockArg, value] : llvm::zip(body.getArguments(), *inputs))
      inner[blockArg] = value;
    FailureOr<std::vector<Tensor>> results = runBlock(body, inner, depth);
    if (failed(results))
      return failure();
    if (results->size() != op.getNumResults())
      return op.emitOpError("interpreter: body yields ")
             << results->size() << " values for " << op.getNumResults() << " results";
    for (auto [v, t] : llvm::zip(op.getResults(), *results))
      env[v] = t;
    return success();
  }

  if (!isGradDialectOp(op) || op.getNumRegions() != 0)
    return op.emitOpError("interpreter: unsupported op (the interpreter runs grad ops, "
                          "func.call, func.return, grad.fusion, tensor constants, tensor.dim and "
                          "index constants)");
  FailureOr<std::vector<Tensor>> operands = lookup(op, op.getOperands(), env);
  if (failed(operands))
    return failure();
  FailureOr<Tensor> result = evaluateGradOp(&op, *operands);
  if (failed(result))
    return failure();
  env[op.getResult(0)] = *result;
  return success();
}

} // namespace

FailureOr<std::vector<Tensor>> interpret(func::FuncOp fn, ArrayRef<Tensor> args,
                                         const InterpreterOptions &options) {
  Interpreter interp(options);
  return interp.call(fn, args, /*caller=*/nullptr, /*depth=*/0);
}

} // namespace grad
