//===- Signature.cpp - entry point signatures of compiled functions -------===//
//
// Reads the tensor signature of each public function before lowering, and for functions with
// `?` dims the sizes that must agree at run time (Note [Dynamic dims in compiled code]).
//
//===----------------------------------------------------------------------===//

#include "grad/Codegen/Signature.h"

#include "grad/Bridge/OpTableBridge.h" // dtypeFromElementType, defined once, in GradBridge

#include "grad/Dialect/GradDialect.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/BuiltinTypes.h"
#include "llvm/ADT/DenseMap.h"

#include <map>

using namespace mlir;

namespace grad {

static FailureOr<TensorSignature> tensorSignature(func::FuncOp func, Type type, StringRef what,
                                                  unsigned index, bool allowDynamic) {
  auto tensor = dyn_cast<RankedTensorType>(type);
  FailureOr<DType> dtype = failure();
  if (tensor)
    dtype = dtypeFromElementType(tensor.getElementType());
  if (!tensor || (!allowDynamic && !tensor.hasStaticShape()) || failed(dtype)) {
    func.emitError() << "cannot compile function '" << func.getSymName() << "': " << what << " #"
                     << index << " has type " << type
                     << "; entry points take statically shaped tensors of f32, f64, i64 or i1"
                     << (tensor && succeeded(dtype) ? " (dynamic dims: grad::jit and grad-run only)"
                                                    : "");
    return failure();
  }
  Shape shape;
  for (int64_t d : tensor.getShape())
    shape.push_back(ShapedType::isDynamic(d) ? kDynamicSize : d);
  return TensorSignature{*dtype, shape, {}};
}

// Note [Dynamic dims in compiled code]
// ~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~
// An entry point with `?` dims is compiled once for all sizes: the code reads each size from the
// memref descriptors (tensor.dim). It assumes that sizes the types leave open but the ops need
// equal are equal (an add's two `?x3` operands, a matmul's inner dims, a dynamic operand dim
// broadcast into a result dim); a mismatch would read out of bounds. So before lowering, every
// size of the function is traced to a constant or to an input dim (a union-find over input
// dims), each pair that must agree is recorded as a ShapeCheck naming the op, and each dynamic
// output dim as the input dim it equals. The caller (CompiledModule::run) evaluates the checks
// on the actual input shapes before it calls the code, fails with the op's name and both sizes,
// and sizes the outputs from the DimRefs. Two more kinds of size: a slice's static bound along
// a `?` dim must be at most that dim (a ShapeCheck with atMost), and a concat along a `?` axis
// or a slice to the end of a `?` dim gives a size that is a sum or ceil((size - start) / stride)
// (a DimRef with terms; no product is taken of it). A size that cannot be traced (an op this analysis
// does not know producing a `?` dim) refuses the function at compile time.
//
// One difference from the reference interpreter: a dynamic operand dim broadcast into a result
// dim must have the result's size; the interpreter also expands a run-time size of 1 (the
// compiled code reads the operand with the result's index).

namespace {

/// Union-find over the sizes of one function: node 2k is input dim k (numbered in order),
/// constants get their own nodes. A class holding a constant has it as its root.
class DimAnalysis {
public:
  DimAnalysis(func::FuncOp func, FunctionSignature &sig) : func(func), sig(sig) {}

  LogicalResult run();

private:
  int64_t inputNode(int64_t input, int64_t dim) {
    auto key = std::make_pair(input, dim);
    auto [it, inserted] = inputNodes.try_emplace(key, parent.size());
    if (inserted) {
      parent.push_back(it->second);
      refs.push_back(DimRef{input, dim, 0});
    }
    return it->second;
  }
  int64_t constantNode(int64_t size) {
    auto [it, inserted] = constantNodes.try_emplace(size, parent.size());
    if (inserted) {
      parent.push_back(it->second);
      refs.push_back(DimRef{-1, -1, size});
    }
    return it->second;
  }
  int64_t find(int64_t n) {
    while (parent[n] != n)
      n = parent[n] = parent[parent[n]];
    return n;
  }
  bool isConstant(int64_t n) { return refs[find(n)].isConstant(); }

  /// A node of ceil((the sum of `nodes` + offset) / divisor) (a concat along a `?` axis, a slice
  /// of a `?` dim to its end), or -1 if one is unknown.
  int64_t derivedNode(ArrayRef<int64_t> nodes, int64_t offset, int64_t divisor) {
    DimRef ref;
    int64_t term = -1;
    for (int64_t n : nodes) {
      if (n < 0)
        return -1;
      const DimRef &r = refs[find(n)];
      if (r.isConstant()) {
        offset += r.size;
        continue;
      }
      ref.terms.push_back(r);
      term = n;
    }
    if (ref.terms.empty())
      return constantNode(offset <= 0 ? 0 : (offset - 1) / divisor + 1);
    if (ref.terms.size() == 1 && offset == 0 && divisor == 1)
      return term;
    ref.offset = offset;
    ref.divisor = divisor;
    parent.push_back(parent.size());
    refs.push_back(std::move(ref));
    return parent.size() - 1;
  }

  /// The node of the product of `nodes` (a reshape's element count, `arith.muli` of sizes),
  /// or -1 if one is unknown: a constant, an input dim, or a product node, one per distinct
  /// product of the classes' roots.
  int64_t productNode(ArrayRef<int64_t> nodes) {
    int64_t coeff = 1;
    std::vector<std::pair<int64_t, int64_t>> leaves;
    for (int64_t n : nodes) {
      if (n < 0)
        return -1;
      const DimRef &r = refs[find(n)];
      if (!r.terms.empty())
        return -1; // a product of a sum: not a DimRef
      if (r.input < 0) {
        coeff *= r.size;
        continue;
      }
      coeff *= r.scale;
      leaves.push_back({r.input, r.dim});
      leaves.insert(leaves.end(), r.times.begin(), r.times.end());
    }
    if (leaves.empty() || coeff == 0)
      return constantNode(coeff);
    llvm::sort(leaves);
    if (leaves.size() == 1 && coeff == 1)
      return inputNode(leaves[0].first, leaves[0].second);
    auto key = std::make_pair(coeff, leaves);
    auto [it, inserted] = productNodes.try_emplace(key, parent.size());
    if (inserted) {
      parent.push_back(it->second);
      DimRef ref{leaves[0].first, leaves[0].second, 0};
      ref.scale = coeff;
      ref.times.assign(leaves.begin() + 1, leaves.end());
      refs.push_back(std::move(ref));
    }
    return it->second;
  }

  /// True if the products of `a` and `b` are equal whatever the run-time sizes: the same
  /// non-constant classes (with multiplicity) and the same product of constants.
  bool sameFactors(ArrayRef<int64_t> a, ArrayRef<int64_t> b) {
    auto factors = [&](ArrayRef<int64_t> nodes, int64_t &constant) {
      SmallVector<int64_t> roots;
      constant = 1;
      for (int64_t n : nodes) {
        if (n < 0)
          return std::optional<SmallVector<int64_t>>();
        if (isConstant(n))
          constant *= refs[find(n)].size;
        else
          roots.push_back(find(n));
      }
      llvm::sort(roots);
      return std::optional<SmallVector<int64_t>>(roots);
    };
    int64_t ca, cb;
    auto fa = factors(a, ca), fb = factors(b, cb);
    return fa && fb && *fa == *fb && ca == cb;
  }

  /// Sizes `a` and `b` must agree: records a check unless they are known equal.
  void unify(int64_t a, int64_t b, Operation *op, const std::string &aName,
             const std::string &bName) {
    if (a < 0 || b < 0)
      return;
    int64_t ra = find(a), rb = find(b);
    if (ra == rb)
      return;
    if (isConstant(ra) && isConstant(rb))
      return; // Two different static sizes: the verifier rejected it already.
    sig.checks.push_back(ShapeCheck{refs[b], refs[a], describe(op) + ": " + bName + " vs " + aName});
    if (isConstant(rb))
      std::swap(ra, rb);
    parent[rb] = ra; // a constant stays the root
  }

  /// Size `a` must be at most size `b` (a slice's static bound along a `?` dim): a check
  /// unless both are constants that satisfy it.
  void atMost(int64_t a, int64_t b, Operation *op, const std::string &aName,
              const std::string &bName) {
    if (a < 0 || b < 0)
      return;
    if (isConstant(a) && isConstant(b) && refs[find(a)].size <= refs[find(b)].size)
      return;
    sig.checks.push_back(
        ShapeCheck{refs[find(a)], refs[find(b)], describe(op) + ": " + aName + " vs " + bName, true});
  }

  static std::string describe(Operation *op) {
    std::string s = "'" + op->getName().getStringRef().str() + "' op";
    if (auto loc = op->getLoc()->findInstanceOf<FileLineColLoc>())
      s += " at " + loc.getFilename().str() + ":" + std::to_string(loc.getLine()) + ":" +
           std::to_string(loc.getColumn());
    return s;
  }

  /// The nodes of each dim of `v` (static dims: constants).
  SmallVector<int64_t> dims(Value v) {
    auto it = values.find(v);
    if (it != values.end())
      return it->second;
    SmallVector<int64_t> d;
    auto type = cast<RankedTensorType>(v.getType());
    for (int64_t s : type.getShape())
      d.push_back(ShapedType::isDynamic(s) ? -1 : constantNode(s));
    return d;
  }
  void set(Value v, SmallVector<int64_t> nodes) {
    auto type = cast<RankedTensorType>(v.getType());
    for (auto [d, s] : llvm::enumerate(type.getShape()))
      if (!ShapedType::isDynamic(s))
        nodes[d] = constantNode(s); // a static result dim is that size
    values[v] = std::move(nodes);
  }
  LogicalResult visit(Block &block);
  LogicalResult visit(Operation *op);
  LogicalResult unknown(Operation *op) {
    return op->emitOpError() << "has dynamic dims that compiled code cannot size yet (function '"
                             << func.getSymName()
                             << "'; docs/dynamic-shapes.md lists the ops that take `?` dims)";
  }

  func::FuncOp func;
  FunctionSignature &sig;
  std::vector<int64_t> parent;
  std::vector<DimRef> refs;
  std::map<std::pair<int64_t, int64_t>, int64_t> inputNodes;
  std::map<int64_t, int64_t> constantNodes;
  std::map<std::pair<int64_t, std::vector<std::pair<int64_t, int64_t>>>, int64_t> productNodes;
  llvm::DenseMap<Value, SmallVector<int64_t>> values;
  llvm::DenseMap<Value, int64_t> indices; // index values: tensor.dim, arith.constant
};

std::string operandName(unsigned i, int64_t d) {
  return "operand #" + std::to_string(i) + " dim " + std::to_string(d);
}

LogicalResult DimAnalysis::visit(Operation *op) {
  auto tensorOperands = [&] {
    SmallVector<unsigned> r;
    for (auto [i, v] : llvm::enumerate(op->getOperands()))
      if (isa<RankedTensorType>(v.getType()))
        r.push_back(i);
    return r;
  };
  auto anyDynamic = [&] {
    for (TypeRange types : {TypeRange(op->getOperandTypes()), TypeRange(op->getResultTypes())})
      for (Type t : types)
        if (auto shaped = dyn_cast<ShapedType>(t); shaped && !shaped.hasStaticShape())
          return true;
    return false;
  };
  // Index values the broadcasts' `sizes` read.
  if (auto dim = dyn_cast<tensor::DimOp>(op)) {
    std::optional<int64_t> d = dim.getConstantIndex();
    if (!d || !isa<RankedTensorType>(dim.getSource().getType()))
      return unknown(op);
    int64_t node = dims(dim.getSource())[*d];
    indices[dim.getResult()] = node;
    return success();
  }
  if (auto constant = dyn_cast<arith::ConstantIndexOp>(op)) {
    indices[constant.getResult()] = constantNode(constant.value());
    return success();
  }
  if (auto mul = dyn_cast<arith::MulIOp>(op); mul && mul.getType().isIndex()) {
    auto a = indices.find(mul.getLhs()), b = indices.find(mul.getRhs());
    if (a == indices.end() || b == indices.end())
      return unknown(op);
    indices[mul.getResult()] = productNode({a->second, b->second});
    return success();
  }
  if (auto fusion = dyn_cast<grad::FusionOp>(op)) {
    Block &body = fusion.getBody().front();
    for (auto [arg, input] : llvm::zip(body.getArguments(), fusion.getInputs()))
      values[arg] = dims(input);
    if (failed(visit(body)))
      return failure();
    for (auto [result, v] : llvm::zip(fusion.getResults(), fusion.getYield().getValues()))
      set(result, dims(v));
    return success();
  }
  if (op->getNumResults() == 0 || isa<func::ReturnOp, grad::YieldOp>(op))
    return success();

  if (auto bcast = dyn_cast<grad::BroadcastOp>(op)) {
    auto type = cast<RankedTensorType>(bcast.getType());
    SmallVector<int64_t> result(type.getRank(), -1);
    auto sizes = bcast.getSizes();
    unsigned next = 0;
    for (int64_t d = 0; d < type.getRank(); ++d)
      if (type.isDynamicDim(d) && !sizes.empty()) {
        auto it = indices.find(sizes[next++]);
        if (it == indices.end())
          return unknown(op);
        result[d] = it->second;
      }
    SmallVector<int64_t> in = dims(bcast.getOperand());
    auto inType = cast<RankedTensorType>(bcast.getOperand().getType());
    for (auto [i, d] : llvm::enumerate(bcast.getDims())) {
      if (!inType.isDynamicDim(i))
        continue; // static: 1 (repeated) or the result's size, checked by the verifier
      if (result[d] < 0 && type.isDynamicDim(d)) {
        result[d] = in[i];
        continue;
      }
      int64_t target = type.isDynamicDim(d) ? result[d] : constantNode(type.getDimSize(d));
      unify(target, in[i], op, "result dim " + std::to_string(d), operandName(0, i));
    }
    set(bcast.getResult(), result);
    return success();
  }
  if (auto mm = dyn_cast<grad::MatmulOp>(op)) {
    SmallVector<int64_t> a = dims(mm.getLhs()), b = dims(mm.getRhs());
    int64_t rank = a.size();
    SmallVector<int64_t> result;
    for (int64_t d = 0; d + 2 < rank; ++d) {
      unify(a[d], b[d], op, operandName(0, d), operandName(1, d));
      result.push_back(a[d]);
    }
    unify(a[rank - 1], b[rank - 2], op, operandName(0, rank - 1), operandName(1, rank - 2));
    result.push_back(a[rank - 2]);
    result.push_back(b[rank - 1]);
    set(mm.getResult(), result);
    return success();
  }
  if (auto reshape = dyn_cast<grad::ReshapeOp>(op); reshape && !reshape.getSizes().empty()) {
    // `sizes` give the dynamic result dims; the element counts must agree.
    auto type = cast<RankedTensorType>(reshape.getType());
    SmallVector<int64_t> result;
    auto sizes = reshape.getSizes();
    unsigned next = 0;
    for (int64_t d = 0; d < type.getRank(); ++d) {
      if (!type.isDynamicDim(d)) {
        result.push_back(constantNode(type.getDimSize(d)));
        continue;
      }
      auto it = indices.find(sizes[next++]);
      if (it == indices.end())
        return unknown(op);
      result.push_back(it->second);
    }
    SmallVector<int64_t> inDims = dims(reshape.getOperand());
    int64_t in = productNode(inDims), out = productNode(result);
    if (in >= 0 && out >= 0) {
      unify(in, out, op, "the operand's element count", "the result's element count");
    } else if (!sameFactors(inDims, result)) {
      // A sum or a slice's size (no product of it is taken): equal counts only when both sides
      // have the same sizes and the same static product ([B, T-1, 2, 3] -> [B, T-1, 6]).
      return unknown(op);
    }
    set(reshape.getResult(), result);
    return success();
  }
  if (auto reshape = dyn_cast<grad::ReshapeOp>(op)) {
    // Dims that are not static 1s keep their sizes, in order (the verifier).
    auto inType = cast<RankedTensorType>(reshape.getOperand().getType());
    auto type = cast<RankedTensorType>(reshape.getType());
    SmallVector<int64_t> in = dims(reshape.getOperand()), kept, result;
    for (int64_t d = 0; d < inType.getRank(); ++d)
      if (inType.getDimSize(d) != 1)
        kept.push_back(in[d]);
    size_t next = 0;
    for (int64_t d = 0; d < type.getRank(); ++d)
      result.push_back(type.getDimSize(d) == 1 || next >= kept.size() ? constantNode(1)
                                                                      : kept[next++]);
    set(reshape.getResult(), result);
    return success();
  }
  if (auto slice = dyn_cast<grad::SliceOp>(op)) {
    // Along a `?` operand dim: a static limit must be within the run-time size (a static result
    // size); the limit `?` (to the end) gives ceil((size - start) / stride).
    auto inType = cast<RankedTensorType>(slice.getOperand().getType());
    SmallVector<int64_t> in = dims(slice.getOperand());
    SmallVector<int64_t> result(inType.getRank(), -1);
    ArrayRef<int64_t> starts = slice.getStarts(), limits = slice.getLimits(),
                      strides = slice.getStrides();
    for (int64_t d = 0; d < inType.getRank(); ++d) {
      if (!inType.isDynamicDim(d))
        continue; // static: the verifier checked the bounds
      std::string dimName = "operand dim " + std::to_string(d);
      if (!ShapedType::isDynamic(limits[d])) {
        atMost(constantNode(limits[d]), in[d], op, "the limit of dim " + std::to_string(d),
               dimName);
        continue;
      }
      if (starts[d] > 0)
        atMost(constantNode(starts[d]), in[d], op, "the start of dim " + std::to_string(d),
               dimName);
      result[d] = derivedNode({in[d]}, -starts[d], strides[d]);
      if (result[d] < 0)
        return unknown(op);
    }
    set(slice.getResult(), result);
    return success();
  }
  if (auto concat = dyn_cast<grad::ConcatOp>(op)) {
    // Outside the axis the inputs' sizes agree; along it the result is their sum.
    int64_t axis = concat.getAxis();
    auto inputs = concat.getInputs();
    SmallVector<int64_t> result = dims(inputs[0]);
    SmallVector<int64_t> along{result[axis]};
    for (unsigned i = 1; i < inputs.size(); ++i) {
      SmallVector<int64_t> other = dims(inputs[i]);
      for (int64_t d = 0; d < static_cast<int64_t>(result.size()); ++d)
        if (d != axis)
          unify(result[d], other[d], op, operandName(0, d), operandName(i, d));
      along.push_back(other[axis]);
    }
    if (cast<RankedTensorType>(concat.getType()).isDynamicDim(axis)) {
      result[axis] = derivedNode(along, 0, 1);
      if (result[axis] < 0)
        return unknown(op);
    }
    set(concat.getResult(), result);
    return success();
  }
  if (auto tr = dyn_cast<grad::TransposeOp>(op)) {
    SmallVector<int64_t> in = dims(tr.getOperand()), result;
    for (int64_t p : tr.getPerm())
      result.push_back(in[p]);
    set(tr.getResult(), result);
    return success();
  }
  if (auto gather = dyn_cast<grad::GatherOp>(op)) {
    SmallVector<int64_t> result = dims(gather.getIndices());
    SmallVector<int64_t> table = dims(gather.getTable());
    result.append(table.begin() + 1, table.end());
    set(gather.getResult(), result);
    return success();
  }
  if (isa<grad::SumOp, grad::MeanOp, grad::MaxOp>(op)) {
    SmallVector<int64_t> in = dims(op->getOperand(0));
    auto axes = op->getAttrOfType<DenseI64ArrayAttr>("axes").asArrayRef();
    auto type = cast<RankedTensorType>(op->getResult(0).getType());
    bool keep = type.getRank() == static_cast<int64_t>(in.size());
    SmallVector<int64_t> result;
    for (auto [d, node] : llvm::enumerate(in)) {
      if (!llvm::is_contained(axes, static_cast<int64_t>(d)))
        result.push_back(node);
      else if (keep)
        result.push_back(constantNode(1));
    }
    if (result.size() != static_cast<size_t>(type.getRank()))
      return unknown(op);
    set(op->getResult(0), result);
    return success();
  }
  // Elementwise ops (unary, binary, cmp, select, convert): operands and results of one shape.
  if (isa<grad::GradDialect>(op->getDialect()) &&
      (op->hasTrait<mlir::OpTrait::Elementwise>() ||
       isa<grad::CmpOp, grad::SelectOp, grad::ConvertOp>(op) ||
       llvm::isa<grad::NegOp, grad::ExpOp, grad::LogOp, grad::SqrtOp, grad::RsqrtOp, grad::AbsOp,
                 grad::TanhOp, grad::SigmoidOp, grad::ReluOp, grad::GeluOp, grad::SinOp,
                 grad::CosOp, grad::AddOp, grad::SubOp, grad::MulOp, grad::DivOp,
                 grad::MaximumOp, grad::MinimumOp, grad::PowOp>(op))) {
    SmallVector<unsigned> operands = tensorOperands();
    if (operands.empty())
      return unknown(op);
    SmallVector<int64_t> first = dims(op->getOperand(operands[0]));
    for (unsigned i : llvm::drop_begin(operands)) {
      SmallVector<int64_t> other = dims(op->getOperand(i));
      if (other.size() != first.size())
        return unknown(op);
      for (size_t d = 0; d < first.size(); ++d)
        unify(first[d], other[d], op, operandName(operands[0], d), operandName(i, d));
    }
    for (Value r : op->getResults())
      set(r, first);
    return success();
  }
  if (anyDynamic())
    return unknown(op);
  return success(); // static results: dims() reads their types
}

LogicalResult DimAnalysis::visit(Block &block) {
  for (Operation &op : block)
    if (failed(visit(&op)))
      return failure();
  return success();
}

LogicalResult DimAnalysis::run() {
  Block &entry = func.getBody().front();
  for (auto [i, arg] : llvm::enumerate(entry.getArguments())) {
    auto type = cast<RankedTensorType>(arg.getType());
    SmallVector<int64_t> nodes;
    for (auto [d, s] : llvm::enumerate(type.getShape()))
      nodes.push_back(ShapedType::isDynamic(s) ? inputNode(i, d) : constantNode(s));
    values[arg] = nodes;
  }
  if (failed(visit(entry)))
    return failure();
  auto ret = cast<func::ReturnOp>(entry.getTerminator());
  for (auto [j, v] : llvm::enumerate(ret.getOperands())) {
    TensorSignature &out = sig.outputs[j];
    if (llvm::none_of(out.shape, [](int64_t s) { return s == kDynamicSize; }))
      continue;
    for (int64_t node : dims(v))
      out.dims.push_back(node < 0 ? DimRef{-1, -1, -1} : refs[find(node)]);
    if (llvm::any_of(out.dims, [](const DimRef &r) { return r.isConstant() && r.size < 0; }))
      return func.emitError() << "cannot compile function '" << func.getSymName()
                              << "': the size of a dynamic dim of result #" << j
                              << " is not known from the arguments' sizes";
  }
  return success();
}

} // namespace

std::string signatureStr(const TensorSignature &t) {
  std::string s = std::string(dtype_name(t.dtype)) + "[";
  for (size_t d = 0; d < t.shape.size(); ++d)
    s += std::string(d ? "," : "") + (t.shape[d] == kDynamicSize ? std::string("?") : std::to_string(t.shape[d]));
  return s + "]";
}

int64_t evaluateDimRef(const DimRef &r, const std::vector<Shape> &inputShapes) {
  if (!r.terms.empty()) {
    int64_t v = r.offset;
    for (const DimRef &t : r.terms)
      v += evaluateDimRef(t, inputShapes);
    return v <= 0 ? 0 : (v - 1) / r.divisor + 1;
  }
  if (r.input < 0)
    return r.size;
  int64_t v = inputShapes[r.input][r.dim] * r.scale;
  for (auto [input, dim] : r.times)
    v *= inputShapes[input][dim];
  return v;
}

std::string outputShapes(llvm::StringRef fn, const FunctionSignature &sig,
                         const std::vector<Shape> &inputShapes, std::vector<Shape> &outputs) {
  auto size = [&](const DimRef &r) { return evaluateDimRef(r, inputShapes); };
  for (const ShapeCheck &check : sig.checks) {
    int64_t a = size(check.lhs), b = size(check.rhs);
    if (check.atMost ? a <= b : a == b)
      continue;
    std::string what = check.what;
    size_t vs = what.find(" vs ");
    std::string message = "function '" + fn.str() + "': " + what.substr(0, vs == std::string::npos ? what.size() : vs);
    if (check.atMost && vs != std::string::npos)
      return message + " is " + std::to_string(a) + " but " + what.substr(vs + 4) +
             " has size " + std::to_string(b) + " at run time (it must be at most that size)";
    if (vs != std::string::npos)
      message += " has size " + std::to_string(a) + " but " + what.substr(vs + 4) + " has size " +
                 std::to_string(b);
    else
      message += ": sizes " + std::to_string(a) + " and " + std::to_string(b) + " differ";
    message += " at run time (they must agree)";
    return message;
  }
  outputs.clear();
  for (const TensorSignature &out : sig.outputs) {
    Shape shape = out.shape;
    for (size_t d = 0; d < shape.size() && d < out.dims.size(); ++d)
      if (shape[d] == kDynamicSize)
        shape[d] = size(out.dims[d]);
    outputs.push_back(std::move(shape));
  }
  return "";
}


FailureOr<std::vector<FunctionSignature>> collectSignatures(ModuleOp module, bool allowDynamic) {
  std::vector<FunctionSignature> result;
  for (auto func : module.getOps<func::FuncOp>()) {
    if (!func.isPublic() || func.isExternal())
      continue;
    FunctionSignature sig;
    sig.name = func.getSymName().str();
    FunctionType type = func.getFunctionType();
    for (auto [i, t] : llvm::enumerate(type.getInputs())) {
      FailureOr<TensorSignature> ts = tensorSignature(func, t, "argument", i, allowDynamic);
      if (failed(ts))
        return failure();
      sig.inputs.push_back(*ts);
    }
    for (auto [i, t] : llvm::enumerate(type.getResults())) {
      FailureOr<TensorSignature> ts = tensorSignature(func, t, "result", i, allowDynamic);
      if (failed(ts))
        return failure();
      sig.outputs.push_back(*ts);
    }
    sig.outputAliases.assign(sig.outputs.size(), -1);
    if (auto pairs = func->getAttrOfType<DenseI64ArrayAttr>(kDonateAttrName)) {
      llvm::ArrayRef<int64_t> p = pairs.asArrayRef();
      for (size_t k = 0; k + 1 < p.size(); k += 2) {
        int64_t i = p[k], j = p[k + 1];
        if (p.size() % 2 != 0 || i < 0 || j < 0 || size_t(i) >= sig.inputs.size() ||
            size_t(j) >= sig.outputs.size() || sig.outputAliases[j] >= 0 ||
            llvm::is_contained(sig.outputAliases, i) || sig.inputs[i].dtype != sig.outputs[j].dtype ||
            llvm::is_contained(sig.inputs[i].shape, kDynamicSize) ||
            sig.inputs[i].shape != sig.outputs[j].shape) {
          func.emitError() << "cannot compile function '" << func.getSymName() << "': "
                           << kDonateAttrName << " = " << pairs
                           << " is not a list of (argument, result) pairs of one type, each "
                              "argument and result at most once";
          return failure();
        }
        sig.outputAliases[j] = i;
      }
    }
    bool dynamic = llvm::any_of(type.getInputs(), [](Type t) {
      return !cast<RankedTensorType>(t).hasStaticShape();
    }) || llvm::any_of(type.getResults(), [](Type t) {
      return !cast<RankedTensorType>(t).hasStaticShape();
    });
    if (dynamic && failed(DimAnalysis(func, sig).run()))
      return failure();
    result.push_back(std::move(sig));
  }
  return result;
}

} // namespace grad
