//===- Generalize.cpp - two traces at different sizes -> one with `?` dims -===//
//
// Dynamic dims for grad::jit (Note [Generalizing two traces]).
//
//===----------------------------------------------------------------------===//

#include "grad/Autodiff/Generalize.h"

#include "grad/Dialect/GradDialect.h"
#include "grad/Dialect/ShapeInference.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Utils/ReshapeOpsUtils.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/IR/Verifier.h"

#include <cmath>
#include <map>
#include <set>

using namespace mlir;

namespace grad::detail {

// Note [Generalizing two traces]
// ~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~
// Symbolic tensors carry concrete sizes, so a trace is specialized to its argument shapes. To get
// code for a dim of any size, the function is traced at two sizes (grad::jit's Dynamic::Auto:
// the compiled signature and the new one; explicit marks: the call's sizes and other sizes) and
// the two optimized graphs are compared op for op: the same ops in the same order, the same
// operands and attributes. Then every value's dims whose sizes differ between the traces are
// `?`, and the rest stay static. What needs more than a type change:
//  - a splat constant whose shape changed: a scalar constant broadcast with `sizes`;
//  - a scalar constant whose value is c * n, c / n or 1 / (c * n) for a dim of sizes n, or for
//    the product of two or three different dims, or of an earlier value's `?` dims (a mean's
//    count in its gradient, eager's `g / count`): c * (the sum of n ones), computed at run time,
//    exact;
//  - a broadcast into a `?` dim that no `?` operand dim gives: `sizes` operands, each the
//    tensor.dim of the argument dim that had the same two sizes, else of an earlier value's dim
//    that had them (a sum's gradient broadcast back to a reshape's [B, T*3]).
//  - a reshape that merges or splits a `?` dim ([B, T, D] -> [B*T, D] and back): `sizes`
//    operands, each the product of the operand dims its result dim merges (tensor.dim,
//    arith.muli; the row-major grouping of the two traces' shapes must be the same), or else
//    the tensor.dim of the argument dim that had the same two sizes (an expansion's B and T).
//  - a slice whose limit differs only where it runs to the end of a dim that changes size (the
//    three slices of fused q, k, v along D of [B, T, 3D]): that limit becomes `?`, the operand's
//    run-time size (Note [Dynamic dims]).
// Anything else that differs (another op, another attribute, another constant, a slice limit
// that is not the end of its dim such as pos[:T]) keeps the static policy, with the reason in
// the compile event; so does a generalized function that does not verify.

namespace {

struct DimPair {
  int64_t oldSize, newSize;
};

class Generalizer {
public:
  Generalizer(func::FuncOp fresh, func::FuncOp reference) : fresh(fresh), reference(reference) {}

  std::string run(std::vector<DynamicDim> &dynamicDims);

  /// The location of the op the failure is about, if any.
  std::optional<Location> where;

private:
  /// The `index` value of argument `input`'s dim `dim`, made once at the function's entry.
  Value argDim(int64_t input, int64_t dim) {
    auto key = std::make_pair(input, dim);
    auto it = argDims.find(key);
    if (it != argDims.end())
      return it->second;
    Block &entry = fresh.getBody().front();
    OpBuilder b = OpBuilder::atBlockBegin(&entry);
    Location loc = fresh.getLoc();
    Value c = b.create<arith::ConstantIndexOp>(loc, dim);
    Value v = b.create<tensor::DimOp>(loc, entry.getArgument(input), c);
    argDims[key] = v;
    return v;
  }

  /// The argument dim that had sizes `pair` in the two traces (the first such), or failure.
  FailureOr<std::pair<int64_t, int64_t>> argDimWith(DimPair pair) {
    for (const DynamicDim &d : dims)
      if (d.old_size == pair.oldSize && d.new_size == pair.newSize)
        return std::make_pair(static_cast<int64_t>(d.input), static_cast<int64_t>(d.dim));
    return failure();
  }

  /// A size of sizes `pair` in the two traces for an op at `before`: the argument dim of the
  /// same sizes, else the dim of a value defined before `before` whose type became `?` there
  /// (the primal of a sum's gradient broadcast back to `[B, T*3]`), as `tensor.dim`.
  FailureOr<Value> sizeWith(DimPair pair, Operation *before) {
    if (auto src = argDimWith(pair); succeeded(src))
      return argDim(src->first, src->second);
    for (Operation &op : fresh.getBody().front()) {
      if (&op == before)
        break;
      for (Value r : op.getResults()) {
        auto it = originalSizes.find(r);
        if (it == originalSizes.end())
          continue;
        RankedTensorType refType = refTypes.lookup(r);
        if (!refType)
          continue;
        for (auto [d, size] : llvm::enumerate(it->second))
          if (size == pair.newSize && refType.getDimSize(d) == pair.oldSize) {
            OpBuilder b(before);
            Value c = b.create<arith::ConstantIndexOp>(before->getLoc(), d);
            return b.create<tensor::DimOp>(before->getLoc(), r, c).getResult();
          }
      }
    }
    return failure();
  }

  /// Appends to `sizes` one argument dim per dynamic dim of `newType`, the constant that was `b`
  /// in the first trace and is `a` in this one; "" or why no argument dim matches.
  std::string constantDimSizes(grad::ConstantOp a, grad::ConstantOp b, RankedTensorType newType,
                               SmallVectorImpl<Value> &sizes) {
    auto oldType = cast<RankedTensorType>(b.getType());
    auto curType = cast<RankedTensorType>(a.getType());
    for (int64_t d = 0; d < newType.getRank(); ++d)
      if (newType.isDynamicDim(d)) {
        FailureOr<Value> size =
            sizeWith({oldType.getDimSize(d), curType.getDimSize(d)}, a.getOperation());
        if (failed(size))
          return "a constant's dim " + std::to_string(d) + " changes size with no argument dim";
        sizes.push_back(*size);
      }
    return "";
  }

  std::string replaceConstant(grad::ConstantOp a, grad::ConstantOp b, RankedTensorType newType);

  /// A slice whose limits differ between the traces only where it runs to the end of its operand
  /// dim in both (fused q, k, v sliced along D of [B, T, 3D]): appends it with those dims, whose
  /// limits become `?`; else why not.
  static std::string
  sliceToEnd(grad::SliceOp a, grad::SliceOp b,
             SmallVectorImpl<std::pair<grad::SliceOp, SmallVector<int64_t>>> &slices) {
    auto typeA = cast<RankedTensorType>(a.getOperand().getType());
    auto typeB = cast<RankedTensorType>(b.getOperand().getType());
    if (a.getStarts() != b.getStarts() || a.getStrides() != b.getStrides())
      return "the starts or strides of a 'grad.slice' differ between the traces";
    SmallVector<int64_t> toEnd;
    for (int64_t d = 0; d < typeA.getRank(); ++d) {
      int64_t la = a.getLimits()[d], lb = b.getLimits()[d];
      if (la == lb)
        continue;
      if (la != typeA.getDimSize(d) || lb != typeB.getDimSize(d))
        return "a 'grad.slice' limit of dim " + std::to_string(d) + " takes the values " +
               std::to_string(lb) + " and " + std::to_string(la) +
               ", not the end of its operand dim (a run-time extent such as pos[:T] stays static)";
      toEnd.push_back(d);
    }
    slices.push_back({a, toEnd});
    return "";
  }
  std::string addBroadcastSizes(grad::BroadcastOp op, RankedTensorType oldType);
  std::string addReshapeSizes(grad::ReshapeOp op, RankedTensorType oldType, IRMapping &map);

  /// The sizes of `v` in the fresh trace (before its type became `?`), if known.
  std::optional<SmallVector<int64_t>> freshSizes(Value v) {
    auto it = originalSizes.find(v);
    if (it != originalSizes.end())
      return it->second;
    auto type = cast<RankedTensorType>(v.getType());
    if (!type.hasStaticShape())
      return std::nullopt;
    return SmallVector<int64_t>(type.getShape());
  }

  func::FuncOp fresh, reference;
  std::vector<DynamicDim> dims;
  std::map<std::pair<int64_t, int64_t>, Value> argDims;
  /// The fresh trace's sizes of the values whose types became `?`, and their reference types.
  llvm::DenseMap<Value, SmallVector<int64_t>> originalSizes;
  llvm::DenseMap<Value, RankedTensorType> refTypes;
};

/// `ref`'s and `cur`'s shapes merged: `?` where they differ.
RankedTensorType merge(RankedTensorType cur, RankedTensorType ref) {
  SmallVector<int64_t> shape(cur.getShape());
  for (size_t d = 0; d < shape.size(); ++d)
    if (cur.getDimSize(d) != ref.getDimSize(d))
      shape[d] = ShapedType::kDynamic;
  return RankedTensorType::get(shape, cur.getElementType());
}

std::optional<double> splatValue(grad::ConstantOp op) {
  auto attr = dyn_cast<DenseElementsAttr>(op.getValue());
  if (!attr || !attr.isSplat())
    return std::nullopt;
  Type element = attr.getElementType();
  if (isa<FloatType>(element))
    return attr.getSplatValue<APFloat>().convertToDouble();
  if (element.isSignlessInteger(64))
    return static_cast<double>(attr.getSplatValue<APInt>().getSExtValue());
  return std::nullopt;
}

/// `attr` without the dims set in `drop`, if its elements do not change along them (an iota
/// along a static dim repeated along the batch dim), else null.
DenseElementsAttr sliceAlong(DenseElementsAttr attr, ArrayRef<bool> drop) {
  auto type = cast<RankedTensorType>(attr.getType());
  ArrayRef<int64_t> shape = type.getShape();
  SmallVector<int64_t> kept;
  for (size_t d = 0; d < shape.size(); ++d)
    if (!drop[d])
      kept.push_back(shape[d]);
  int64_t keptCount = 1;
  for (int64_t k : kept)
    keptCount *= k;
  SmallVector<Attribute> values(attr.getValues<Attribute>());
  SmallVector<Attribute> slice(keptCount);
  for (size_t i = 0; i < values.size(); ++i) {
    int64_t rest = static_cast<int64_t>(i), p = 0, stride = 1;
    for (size_t d = shape.size(); d-- > 0;) {
      int64_t c = rest % shape[d];
      rest /= shape[d];
      if (!drop[d]) {
        p += c * stride;
        stride *= shape[d];
      }
    }
    if (!slice[p])
      slice[p] = values[i];
    else if (slice[p] != values[i])
      return nullptr;
  }
  return DenseElementsAttr::get(RankedTensorType::get(kept, type.getElementType()), slice);
}

std::string describe(Operation *op) { return "'" + op->getName().getStringRef().str() + "'"; }

} // namespace

std::string Generalizer::replaceConstant(grad::ConstantOp a, grad::ConstantOp b,
                                         RankedTensorType newType) {
  std::optional<double> va = splatValue(a), vb = splatValue(b);
  auto attrA = dyn_cast<DenseElementsAttr>(a.getValue());
  auto attrB = dyn_cast<DenseElementsAttr>(b.getValue());
  if ((!va || !vb) && attrA && attrB && newType.getRank() > 0 && !newType.hasStaticShape() &&
      attrA.getNumElements() < (int64_t(1) << 20)) {
    // Repeated along the dims that change size: the slice, broadcast at run time.
    SmallVector<bool> drop;
    SmallVector<int64_t> keptDims;
    for (int64_t d = 0; d < newType.getRank(); ++d) {
      drop.push_back(newType.isDynamicDim(d));
      if (!newType.isDynamicDim(d))
        keptDims.push_back(d);
    }
    DenseElementsAttr sa = sliceAlong(attrA, drop), sb = sliceAlong(attrB, drop);
    if (sa && sa == sb) {
      OpBuilder builder(a);
      Value slice = builder.create<grad::ConstantOp>(a.getLoc(), sa);
      SmallVector<Value> sizes;
      if (std::string why = constantDimSizes(a, b, newType, sizes); !why.empty())
        return why;
      Value value = builder.create<grad::BroadcastOp>(a.getLoc(), newType, slice, sizes,
                                                      builder.getDenseI64ArrayAttr(keptDims));
      a.getResult().replaceAllUsesWith(value);
      a.erase();
      return "";
    }
  }
  if (!va || !vb) {
    std::string text;
    llvm::raw_string_ostream os(text);
    os << b.getValue() << " and " << a.getValue();
    if (text.size() > 160)
      text = text.substr(0, 157) + "...";
    where = a.getLoc();
    return "a constant differs between the traces (" + text + ")";
  }
  OpBuilder builder(a);
  Location loc = a.getLoc();
  Type element = newType.getElementType();
  auto scalarType = RankedTensorType::get({}, element);
  auto scalar = [&](double v) -> Value {
    Attribute attr = isa<FloatType>(element) ? Attribute(builder.getFloatAttr(element, v))
                                             : Attribute(builder.getIntegerAttr(element, int64_t(v)));
    return builder.create<grad::ConstantOp>(loc, DenseElementsAttr::get(scalarType, attr));
  };
  Value value;
  if (*va == *vb) {
    value = scalar(*va);
  } else {
    // c * n, c / n or 1 / (c * n) for a count n of sizes (n_old, n_new): one dynamic argument
    // dim, else the product of two or three different ones (a mean over a batch and a sequence
    // dim, [B, T, D]), else a `?` dim of an earlier value or the product of all of them.
    // The constants were rounded to the element type: c is an integer, the match is to a few
    // ulps of f32.
    auto near = [](double x, double y) { return std::abs(x - y) <= 1e-6 * std::abs(y); };
    // The candidates: argument dims, then the `?` dims of values defined before the constant,
    // one at a time and all of one value's together (a mean over x[1:], [B-1, T]).
    struct Count {
      double nOld = 1, nNew = 1;
      SmallVector<std::pair<int64_t, int64_t>> args;
      SmallVector<std::pair<Value, int64_t>> valueDims;
    };
    SmallVector<Count> counts;
    std::set<std::pair<double, double>> seen;
    auto addArgs = [&](ArrayRef<const DynamicDim *> ds) {
      Count c;
      for (const DynamicDim *d : ds) {
        c.nOld *= double(d->old_size);
        c.nNew *= double(d->new_size);
        c.args.push_back({int64_t(d->input), int64_t(d->dim)});
      }
      if (seen.insert({c.nOld, c.nNew}).second)
        counts.push_back(std::move(c));
    };
    for (const DynamicDim &d : dims)
      addArgs({&d});
    for (size_t i = 0; i < dims.size(); ++i)
      for (size_t j = i + 1; j < dims.size(); ++j)
        addArgs({&dims[i], &dims[j]});
    for (size_t i = 0; i < dims.size(); ++i)
      for (size_t j = i + 1; j < dims.size(); ++j)
        for (size_t k = j + 1; k < dims.size(); ++k)
          addArgs({&dims[i], &dims[j], &dims[k]});
    for (Operation &op : fresh.getBody().front()) {
      if (&op == a.getOperation())
        break;
      for (Value r : op.getResults()) {
        auto it = originalSizes.find(r);
        RankedTensorType refType = refTypes.lookup(r);
        if (it == originalSizes.end() || !refType)
          continue;
        Count all;
        for (auto [d, size] : llvm::enumerate(it->second)) {
          if (size == refType.getDimSize(d))
            continue;
          Count one;
          one.nOld = double(refType.getDimSize(d));
          one.nNew = double(size);
          one.valueDims.push_back({r, int64_t(d)});
          if (seen.insert({one.nOld, one.nNew}).second)
            counts.push_back(one);
          all.nOld *= one.nOld;
          all.nNew *= one.nNew;
          all.valueDims.push_back({r, int64_t(d)});
        }
        if (all.valueDims.size() > 1 && seen.insert({all.nOld, all.nNew}).second)
          counts.push_back(std::move(all));
      }
    }
    for (const Count &count : counts) {
      double nOld = count.nOld, nNew = count.nNew;
      double cTimes = std::round(*vb / nOld), cOver = std::round(*vb * nOld);
      double cInverse = *vb != 0 ? std::round(1 / (*vb * nOld)) : 0;
      bool times = cTimes != 0 && near(*vb, cTimes * nOld) && near(*va, cTimes * nNew);
      bool over = cOver != 0 && near(*vb, cOver / nOld) && near(*va, cOver / nNew);
      // 1 / (c * n): a mean's gradient folded into a product with the reciprocal count.
      bool inverse = !times && !over && cInverse != 0 && near(*vb, 1 / (cInverse * nOld)) &&
                     near(*va, 1 / (cInverse * nNew));
      if (!isa<FloatType>(element) || (!times && !over && !inverse))
        continue;
      // n as a float tensor: the sum of n ones (exact below 2^24 in f32).
      Value one = scalar(1.0);
      SmallVector<Value> sizes;
      for (auto [input, dim] : count.args)
        sizes.push_back(argDim(input, dim));
      for (auto [v, dim] : count.valueDims) {
        Value c = builder.create<arith::ConstantIndexOp>(loc, dim);
        sizes.push_back(builder.create<tensor::DimOp>(loc, v, c));
      }
      SmallVector<int64_t> onesShape(sizes.size(), ShapedType::kDynamic), axes;
      for (size_t k = 0; k < sizes.size(); ++k)
        axes.push_back(static_cast<int64_t>(k));
      Value ones = builder.create<grad::BroadcastOp>(loc, RankedTensorType::get(onesShape, element),
                                                     one, sizes, builder.getDenseI64ArrayAttr({}));
      Value n = builder.create<grad::SumOp>(loc, scalarType, ones,
                                            builder.getDenseI64ArrayAttr(axes), false);
      double c = times ? cTimes : over ? cOver : cInverse;
      if (times)
        value = c == 1 ? n : Value(builder.create<grad::MulOp>(loc, scalar(c), n));
      else if (over)
        value = builder.create<grad::DivOp>(loc, scalar(c), n);
      else
        value = builder.create<grad::DivOp>(
            loc, scalar(1), c == 1 ? n : Value(builder.create<grad::MulOp>(loc, scalar(c), n)));
      break;
    }
    if (!value) {
      where = a.getLoc();
      return "a constant (" + describe(a) + ") takes the values " + std::to_string(*vb) + " and " +
             std::to_string(*va) + " at the two sizes, not a count of a dynamic dim";
    }
  }
  if (newType.getRank() > 0) {
    SmallVector<Value> sizes;
    if (std::string why = constantDimSizes(a, b, newType, sizes); !why.empty())
      return why;
    value = builder.create<grad::BroadcastOp>(loc, newType, value, sizes,
                                              builder.getDenseI64ArrayAttr({}));
  }
  a.getResult().replaceAllUsesWith(value);
  a.erase();
  return "";
}

std::string Generalizer::addBroadcastSizes(grad::BroadcastOp op, RankedTensorType oldType) {
  auto type = cast<RankedTensorType>(op.getType());
  auto operandType = cast<RankedTensorType>(op.getOperand().getType());
  bool needsSizes = false;
  for (int64_t d = 0; d < type.getRank(); ++d) {
    if (!type.isDynamicDim(d))
      continue;
    bool given = false;
    for (auto [i, r] : llvm::enumerate(op.getDims()))
      given |= r == d && operandType.isDynamicDim(i);
    needsSizes |= !given;
  }
  if (!needsSizes || !op.getSizes().empty())
    return "";
  SmallVector<Value> sizes;
  for (int64_t d = 0; d < type.getRank(); ++d)
    if (type.isDynamicDim(d)) {
      // oldType: the reference trace's; the fresh trace's size was replaced by `?` already, so
      // the pair is looked up through the recorded original sizes.
      auto it = originalSizes.find(op.getResult());
      FailureOr<Value> size = sizeWith({oldType.getDimSize(d), it->second[d]}, op);
      if (failed(size)) {
        where = op.getLoc();
        return "a broadcast's result dim " + std::to_string(d) +
               " changes size with no argument dim or earlier value dim of the same sizes";
      }
      sizes.push_back(*size);
    }
  op.getSizesMutable().assign(sizes);
  return "";
}

std::string Generalizer::addReshapeSizes(grad::ReshapeOp op, RankedTensorType oldType,
                                         IRMapping &map) {
  auto type = cast<RankedTensorType>(op.getType());
  if (type.hasStaticShape() || !op.getSizes().empty() ||
      succeeded(grad::inferReshapeType(op.getOperand().getType(), type.getShape(), std::nullopt)))
    return ""; // static, or `?` dims kept in place: no sizes needed
  // The row-major grouping of the two traces' shapes (a collapse or an expansion): a `?` result
  // dim that merges operand dims is their product (tensor.dim and arith.muli); one that an
  // expansion splits off is the argument dim of the same two sizes ([B*T, D] -> [B, T, D]).
  Value operand = op.getOperand();
  auto operandType = cast<RankedTensorType>(operand.getType());
  std::optional<SmallVector<int64_t>> inFresh = freshSizes(operand);
  SmallVector<int64_t> outFresh = originalSizes.lookup(op.getResult());
  Value refOperand = map.lookupOrNull(operand);
  std::optional<SmallVector<ReassociationIndices>> groups;
  bool collapse = operandType.getRank() >= type.getRank();
  if (inFresh && refOperand) {
    auto refIn = cast<RankedTensorType>(refOperand.getType());
    ArrayRef<int64_t> big = collapse ? ArrayRef<int64_t>(*inFresh) : ArrayRef<int64_t>(outFresh);
    ArrayRef<int64_t> small = collapse ? ArrayRef<int64_t>(outFresh) : ArrayRef<int64_t>(*inFresh);
    ArrayRef<int64_t> refBig = collapse ? refIn.getShape() : oldType.getShape();
    ArrayRef<int64_t> refSmall = collapse ? oldType.getShape() : refIn.getShape();
    groups = getReassociationIndicesForCollapse(big, small);
    // The same grouping must hold at the reference trace's sizes.
    if (groups != getReassociationIndicesForCollapse(refBig, refSmall))
      groups = std::nullopt;
  }
  OpBuilder b(op);
  Location loc = op.getLoc();
  SmallVector<Value> sizes;
  for (int64_t d = 0; d < type.getRank(); ++d) {
    if (!type.isDynamicDim(d))
      continue;
    Value size;
    if (groups && collapse) {
      for (int64_t i : (*groups)[d]) {
        Value dim = operandType.isDynamicDim(i)
                        ? Value(b.create<tensor::DimOp>(loc, operand, i))
                        : Value(b.create<arith::ConstantIndexOp>(loc, operandType.getDimSize(i)));
        size = size ? Value(b.create<arith::MulIOp>(loc, size, dim)) : dim;
      }
    } else if (groups) {
      for (auto [i, group] : llvm::enumerate(*groups))
        if (group.size() == 1 && group[0] == d && operandType.isDynamicDim(i))
          size = b.create<tensor::DimOp>(loc, operand, i); // kept in place
    }
    if (!size) {
      FailureOr<Value> src = sizeWith({oldType.getDimSize(d), outFresh[d]}, op);
      if (failed(src)) {
        where = op.getLoc();
        return "a reshape's result dim " + std::to_string(d) + " (sizes " +
               std::to_string(oldType.getDimSize(d)) + " and " + std::to_string(outFresh[d]) +
               ") is neither a product of operand dims nor an argument dim of the same sizes";
      }
      size = *src;
    }
    sizes.push_back(size);
  }
  op.getSizesMutable().assign(sizes);
  return "";
}

std::string Generalizer::run(std::vector<DynamicDim> &dynamicDims) {
  if (fresh.getNumArguments() != reference.getNumArguments())
    return "the traces have different argument counts";
  SmallVector<Operation *> opsA, opsB;
  fresh.walk<WalkOrder::PreOrder>([&](Operation *op) {
    if (op != fresh)
      opsA.push_back(op);
  });
  reference.walk<WalkOrder::PreOrder>([&](Operation *op) {
    if (op != reference)
      opsB.push_back(op);
  });
  if (opsA.size() != opsB.size())
    return "the traces have different graphs (" + std::to_string(opsB.size()) + " and " +
           std::to_string(opsA.size()) + " ops)";
  IRMapping map; // fresh value -> reference value
  SmallVector<std::pair<Value, Value>> values;
  auto addValues = [&](ValueRange a, ValueRange b) {
    for (auto [va, vb] : llvm::zip(a, b)) {
      map.map(va, vb);
      values.push_back({va, vb});
    }
  };
  addValues(fresh.getArguments(), reference.getArguments());
  SmallVector<std::pair<grad::ConstantOp, grad::ConstantOp>> constants;
  SmallVector<std::pair<grad::SliceOp, SmallVector<int64_t>>> slices;
  for (auto [a, b] : llvm::zip(opsA, opsB)) {
    if (a->getName() != b->getName() || a->getNumOperands() != b->getNumOperands() ||
        a->getNumResults() != b->getNumResults() || a->getNumRegions() != b->getNumRegions()) {
      where = a->getLoc();
      return "the traces have different graphs (" + describe(b) + " and " + describe(a) + ")";
    }
    for (auto [oa, ob] : llvm::zip(a->getOperands(), b->getOperands()))
      if (map.lookupOrNull(oa) != ob)
        return "the traces have different graphs (the operands of " + describe(a) + ")";
    for (auto [ra, rb] : llvm::zip(a->getRegions(), b->getRegions())) {
      if (ra.getBlocks().size() != rb.getBlocks().size())
        return "the traces have different graphs (the regions of " + describe(a) + ")";
      for (auto [ba, bb] : llvm::zip(ra, rb))
        addValues(ba.getArguments(), bb.getArguments());
    }
    addValues(a->getResults(), b->getResults());
    auto ca = dyn_cast<grad::ConstantOp>(a);
    if (ca && (ca.getValue() != cast<grad::ConstantOp>(b).getValue())) {
      constants.push_back({ca, cast<grad::ConstantOp>(b)});
      continue;
    }
    if (auto sa = dyn_cast<grad::SliceOp>(a);
        sa && a->getAttrDictionary() != b->getAttrDictionary()) {
      std::string why = sliceToEnd(sa, cast<grad::SliceOp>(b), slices);
      if (!why.empty()) {
        where = a->getLoc();
        return why;
      }
      continue;
    }
    if (a->getAttrDictionary() != b->getAttrDictionary()) {
      where = a->getLoc();
      return "the attributes of " + describe(a) + " differ between the traces";
    }
  }
  // The argument dims that differ.
  for (auto [i, types] : llvm::enumerate(
           llvm::zip(fresh.getArgumentTypes(), reference.getArgumentTypes()))) {
    auto a = dyn_cast<RankedTensorType>(std::get<0>(types));
    auto b = dyn_cast<RankedTensorType>(std::get<1>(types));
    if (!a || !b || a.getRank() != b.getRank() || a.getElementType() != b.getElementType())
      return "argument #" + std::to_string(i) + " has another rank or dtype";
    for (int64_t d = 0; d < a.getRank(); ++d)
      if (a.getDimSize(d) != b.getDimSize(d))
        dims.push_back(DynamicDim{static_cast<size_t>(i), static_cast<size_t>(d),
                                  b.getDimSize(d), a.getDimSize(d)});
  }
  if (dims.empty())
    return "no argument dim differs";
  // New types. Constants keep theirs until they are replaced.
  llvm::DenseMap<Operation *, RankedTensorType> constantTypes;
  for (auto [va, vb] : values) {
    auto a = dyn_cast<RankedTensorType>(va.getType());
    auto b = dyn_cast<RankedTensorType>(vb.getType());
    if (!a || !b)
      continue;
    if (a.getRank() != b.getRank() || a.getElementType() != b.getElementType())
      return "a value has another rank or dtype in the two traces";
    RankedTensorType merged = merge(a, b);
    if (merged == a)
      continue;
    if (auto c = va.getDefiningOp<grad::ConstantOp>()) {
      constantTypes[c] = merged;
      if (!llvm::is_contained(llvm::make_first_range(constants), c))
        constants.push_back({c, cast<grad::ConstantOp>(vb.getDefiningOp())});
      continue;
    }
    originalSizes[va] = SmallVector<int64_t>(a.getShape());
    refTypes[va] = b;
    va.setType(merged);
  }
  for (auto [a, b] : constants) {
    auto it = constantTypes.find(a);
    RankedTensorType type = it != constantTypes.end() ? it->second
                                                      : cast<RankedTensorType>(a.getType());
    Location loc = a.getLoc();
    std::string why = replaceConstant(a, b, type);
    if (!why.empty()) {
      where = where.value_or(loc);
      return why;
    }
  }
  for (auto &[op, toEnd] : slices) {
    SmallVector<int64_t> limits(op.getLimits());
    for (int64_t d : toEnd)
      limits[d] = ShapedType::kDynamic;
    op.setLimits(limits);
  }
  SmallVector<std::pair<grad::BroadcastOp, RankedTensorType>> broadcasts;
  fresh.walk([&](grad::BroadcastOp op) {
    if (originalSizes.count(op.getResult()))
      broadcasts.push_back({op, cast<RankedTensorType>(map.lookup(op.getResult()).getType())});
  });
  for (auto [op, oldType] : broadcasts) {
    std::string why = addBroadcastSizes(op, oldType);
    if (!why.empty())
      return why;
  }
  SmallVector<std::pair<grad::ReshapeOp, RankedTensorType>> reshapes;
  fresh.walk([&](grad::ReshapeOp op) {
    if (originalSizes.count(op.getResult()))
      reshapes.push_back({op, cast<RankedTensorType>(map.lookup(op.getResult()).getType())});
  });
  for (auto [op, oldType] : reshapes) {
    std::string why = addReshapeSizes(op, oldType, map);
    if (!why.empty())
      return why;
  }
  auto ret = cast<func::ReturnOp>(fresh.getBody().front().getTerminator());
  fresh.setType(FunctionType::get(fresh.getContext(), fresh.getBody().front().getArgumentTypes(),
                                  ret.getOperandTypes()));
  std::string diags;
  LogicalResult verified = failure();
  {
    ScopedDiagnosticHandler handler(fresh.getContext(), [&](Diagnostic &diag) {
      llvm::raw_string_ostream os(diags);
      if (!diags.empty())
        os << "\n";
      os << diag.getLocation() << ": " << diag.str();
      if (!where)
        where = diag.getLocation();
      return success();
    });
    verified = verify(fresh);
  }
  if (failed(verified))
    return "the function with `?` dims does not verify: " + diags;
  dynamicDims = dims;
  return "";
}

std::string generalizeTrace(func::FuncOp fresh, func::FuncOp reference,
                            std::vector<DynamicDim> &dynamicDims, std::optional<Location> *where) {
  Generalizer generalizer(fresh, reference);
  std::string why = generalizer.run(dynamicDims);
  if (where)
    *where = generalizer.where;
  return why;
}

} // namespace grad::detail
