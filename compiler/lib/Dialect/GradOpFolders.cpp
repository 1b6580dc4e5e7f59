//===- GradOpFolders.cpp - fold() of the grad ops ---------------------------===//
//
// Folders (as IREE keeps them, beside but apart from the op definitions). Two kinds:
//  - identities that hold bit for bit in IEEE arithmetic (x * 1, x + (-0.0), x - 0, x / 1,
//    neg(neg x), identity transpose/reshape/broadcast/slice, ...); docs/dialect.md lists which
//    identities are applied and which are not, and why;
//  - evaluation on constant operands when it is cheap: splats always, other dense constants up
//    to kMaxFoldElements elements. Whole constant subgraphs of any op (matmul, gather, ...) are
//    evaluated by the --grad-fold pass with the eager kernels instead.
//
//===----------------------------------------------------------------------===//

#include "grad/Dialect/GradDialect.h"
#include "grad/scalar_math.h"

#include <cmath>
#include <limits>

using namespace mlir;

namespace grad {
namespace {

/// Constant operands with more elements than this (and not splats) are not evaluated by
/// fold(): the --grad-fold pass (option max-elements) owns large constant subgraphs.
constexpr int64_t kMaxFoldElements = 4096;

DenseElementsAttr asDense(Attribute attr) { return dyn_cast_or_null<DenseElementsAttr>(attr); }

/// A constant operand that fold() may evaluate (splat, or small enough).
DenseElementsAttr foldable(Attribute attr) {
  auto dense = asDense(attr);
  if (!dense || (!dense.isSplat() && dense.getNumElements() > kMaxFoldElements))
    return {};
  return dense;
}

/// True if `attr` is a float splat whose value satisfies `pred` (bitwise: sign of zero counts).
template <typename Pred>
bool isFloatSplat(Attribute attr, Pred pred) {
  auto dense = asDense(attr);
  if (!dense || !dense.isSplat() || !isa<FloatType>(dense.getElementType()))
    return false;
  return pred(dense.getSplatValue<APFloat>());
}

bool isIntSplat(Attribute attr, int64_t value) {
  auto dense = asDense(attr);
  return dense && dense.isSplat() && dense.getElementType().isSignlessInteger(64) &&
         dense.getSplatValue<APInt>().getSExtValue() == value;
}

bool isOne(Attribute attr) {
  return isIntSplat(attr, 1) || isFloatSplat(attr, [](const APFloat &v) {
           return v.isExactlyValue(1.0);
         });
}
bool isNegZero(Attribute attr) {
  return isFloatSplat(attr, [](const APFloat &v) { return v.isZero() && v.isNegative(); });
}
bool isPosZero(Attribute attr) {
  return isFloatSplat(attr, [](const APFloat &v) { return v.isZero() && !v.isNegative(); });
}

//===----------------------------------------------------------------------===//
// Elementwise evaluation
//===----------------------------------------------------------------------===//

/// Calls `fn(T{})` with T the C++ type of a float element type (f32 -> float, f64 -> double).
template <typename Fn>
Attribute withFloatType(Type elementType, Fn &&fn) {
  if (elementType.isF32())
    return fn(float{});
  if (elementType.isF64())
    return fn(double{});
  return {};
}

/// As withFloatType, plus i64 -> int64_t.
template <typename Fn>
Attribute withNumType(Type elementType, Fn &&fn) {
  if (elementType.isSignlessInteger(64))
    return fn(int64_t{});
  return withFloatType(elementType, std::forward<Fn>(fn));
}

/// Elementwise map of one constant into `type` (element type R).
template <typename T, typename R, typename Fn>
DenseElementsAttr map1(DenseElementsAttr a, ShapedType type, Fn fn) {
  if (a.isSplat())
    return DenseElementsAttr::get(type, ArrayRef<R>(static_cast<R>(fn(a.getSplatValue<T>()))));
  SmallVector<R> out;
  out.reserve(a.getNumElements());
  for (T x : a.getValues<T>())
    out.push_back(static_cast<R>(fn(x)));
  return DenseElementsAttr::get(type, ArrayRef<R>(out));
}

/// Elementwise map of two same-shaped constants into `type` (element type R).
template <typename T, typename R, typename Fn>
DenseElementsAttr map2(DenseElementsAttr a, DenseElementsAttr b, ShapedType type, Fn fn) {
  if (a.isSplat() && b.isSplat())
    return DenseElementsAttr::get(
        type, ArrayRef<R>(static_cast<R>(fn(a.getSplatValue<T>(), b.getSplatValue<T>()))));
  SmallVector<R> out;
  out.reserve(type.getNumElements());
  auto av = a.getValues<T>();
  auto bv = b.getValues<T>();
  for (int64_t i = 0, e = type.getNumElements(); i < e; ++i)
    out.push_back(static_cast<R>(fn(av[i], bv[i])));
  return DenseElementsAttr::get(type, ArrayRef<R>(out));
}

/// Folds a float unary op on a constant operand with `fn` evaluated in the element type.
template <typename Fn>
OpFoldResult foldUnaryFloat(Operation *op, Attribute operand, Fn fn) {
  auto a = foldable(operand);
  if (!a)
    return {};
  auto type = cast<ShapedType>(op->getResult(0).getType());
  return withFloatType(type.getElementType(), [&](auto zero) -> Attribute {
    using T = decltype(zero);
    return map1<T, T>(a, type, [&](T x) { return static_cast<T>(fn(x)); });
  });
}

/// Folds a numeric binary op on constant operands.
template <typename Fn>
OpFoldResult foldBinaryNum(Operation *op, Attribute lhs, Attribute rhs, Fn fn) {
  auto a = foldable(lhs), b = foldable(rhs);
  if (!a || !b)
    return {};
  auto type = cast<ShapedType>(op->getResult(0).getType());
  return withNumType(type.getElementType(), [&](auto zero) -> Attribute {
    using T = decltype(zero);
    return map2<T, T>(a, b, type, [&](T x, T y) { return static_cast<T>(fn(x, y)); });
  });
}

/// Two's-complement wrap-around for i64 arithmetic (no signed-overflow UB in the folder).
int64_t wrapAdd(int64_t a, int64_t b) {
  return static_cast<int64_t>(static_cast<uint64_t>(a) + static_cast<uint64_t>(b));
}
int64_t wrapSub(int64_t a, int64_t b) {
  return static_cast<int64_t>(static_cast<uint64_t>(a) - static_cast<uint64_t>(b));
}
int64_t wrapMul(int64_t a, int64_t b) {
  return static_cast<int64_t>(static_cast<uint64_t>(a) * static_cast<uint64_t>(b));
}

template <typename T>
T nanPropagatingMax(T a, T b) {
  if constexpr (std::is_floating_point_v<T>)
    if (std::isnan(a) || std::isnan(b))
      return std::numeric_limits<T>::quiet_NaN();
  return a < b ? b : a;
}
template <typename T>
T nanPropagatingMin(T a, T b) {
  if constexpr (std::is_floating_point_v<T>)
    if (std::isnan(a) || std::isnan(b))
      return std::numeric_limits<T>::quiet_NaN();
  return b < a ? b : a;
}

//===----------------------------------------------------------------------===//
// Index remapping (broadcast, transpose, slice, concat on constants)
//===----------------------------------------------------------------------===//

SmallVector<int64_t> rowMajorStrides(ArrayRef<int64_t> shape) {
  SmallVector<int64_t> strides(shape.size(), 1);
  for (int64_t i = static_cast<int64_t>(shape.size()) - 2; i >= 0; --i)
    strides[i] = strides[i + 1] * shape[i + 1];
  return strides;
}

/// A constant of `type` whose element at result index `idx` is element `source(idx)` (a linear
/// index) of `src`. Splat sources stay splats.
DenseElementsAttr remap(DenseElementsAttr src, ShapedType type,
                        function_ref<int64_t(ArrayRef<int64_t>)> source) {
  if (src.isSplat())
    return DenseElementsAttr::get(type, src.getSplatValue<Attribute>());
  SmallVector<Attribute> in(src.getValues<Attribute>());
  SmallVector<Attribute> out;
  out.reserve(type.getNumElements());
  ArrayRef<int64_t> shape = type.getShape();
  SmallVector<int64_t> idx(shape.size(), 0);
  for (int64_t n = 0, e = type.getNumElements(); n < e; ++n) {
    out.push_back(in[source(idx)]);
    for (int64_t d = static_cast<int64_t>(shape.size()) - 1; d >= 0; --d) {
      if (++idx[d] < shape[d])
        break;
      idx[d] = 0;
    }
  }
  return DenseElementsAttr::get(type, out);
}

/// Reduces constant `a` over `axes` with (init, combine, finish) evaluated in T, row-major order.
template <typename T, typename Combine, typename Finish>
DenseElementsAttr reduce(DenseElementsAttr a, ArrayRef<int64_t> axes, ShapedType type, T init,
                         Combine combine, Finish finish) {
  auto inType = cast<ShapedType>(a.getType());
  ArrayRef<int64_t> inShape = inType.getShape();
  SmallVector<bool> reduced(inShape.size(), false);
  int64_t count = 1;
  for (int64_t axis : axes) {
    reduced[axis] = true;
    count *= inShape[axis];
  }
  // Strides of the kept dims in the result (reduced dims contribute nothing).
  SmallVector<int64_t> keptShape;
  for (size_t d = 0; d < inShape.size(); ++d)
    if (!reduced[d])
      keptShape.push_back(inShape[d]);
  SmallVector<int64_t> keptStrides = rowMajorStrides(keptShape);
  SmallVector<T> acc(type.getNumElements(), init);
  SmallVector<int64_t> idx(inShape.size(), 0);
  for (T x : a.getValues<T>()) {
    int64_t o = 0;
    for (size_t d = 0, k = 0; d < inShape.size(); ++d)
      if (!reduced[d])
        o += idx[d] * keptStrides[k++];
    acc[o] = combine(acc[o], x);
    for (int64_t d = static_cast<int64_t>(inShape.size()) - 1; d >= 0; --d) {
      if (++idx[d] < inShape[d])
        break;
      idx[d] = 0;
    }
  }
  for (T &v : acc)
    v = finish(v, count);
  return DenseElementsAttr::get(type, ArrayRef<T>(acc));
}

template <typename Op>
OpFoldResult foldReduce(Op op, Attribute operand, bool isMean, bool isMax) {
  if (op.getAxes().empty() && op.getOperand().getType() == op.getType())
    return op.getOperand();
  auto a = foldable(operand);
  if (!a || a.getNumElements() > kMaxFoldElements)
    return {};
  auto type = cast<ShapedType>(op.getType());
  return withNumType(type.getElementType(), [&](auto zero) -> Attribute {
    using T = decltype(zero);
    if (isMax)
      return reduce<T>(
          a, op.getAxes(), type, std::numeric_limits<T>::lowest(),
          [](T acc, T x) { return nanPropagatingMax(acc, x); }, [](T v, int64_t) { return v; });
    return reduce<T>(
        a, op.getAxes(), type, T(0), [](T acc, T x) {
          if constexpr (std::is_integral_v<T>)
            return wrapAdd(acc, x);
          else
            return static_cast<T>(acc + x);
        },
        [&](T v, int64_t count) {
          if constexpr (std::is_floating_point_v<T>)
            if (isMean)
              return static_cast<T>(v / static_cast<T>(count));
          return v;
        });
  });
}

} // namespace

//===----------------------------------------------------------------------===//
// constant
//===----------------------------------------------------------------------===//

OpFoldResult ConstantOp::fold(FoldAdaptor) { return getValueAttr(); }

//===----------------------------------------------------------------------===//
// Unary
//===----------------------------------------------------------------------===//

namespace {
/// Identities a unary op folds before evaluating constants: none, except the overloads below.
OpFoldResult foldUnaryIdentity(Operation *) { return {}; }
/// neg(neg x) = x exactly: negation only flips the sign bit.
OpFoldResult foldUnaryIdentity(NegOp op) {
  if (auto inner = op.getOperand().getDefiningOp<NegOp>())
    return inner.getOperand();
  return {};
}
} // namespace

// One fold() per unary row of grad/op_table.def: the identities above, then the row's scalar
// reference function on constant float operands.
#define GRAD_UNARY_OP(Name, mnemonic, Backward, saves, dtypes, ref, lowering, summary)            \
  OpFoldResult Name##Op::fold(FoldAdaptor adaptor) {                                             \
    if (OpFoldResult identity = foldUnaryIdentity(*this))                                        \
      return identity;                                                                           \
    return foldUnaryFloat(*this, adaptor.getOperand(), [](auto x) { return ref(x); });           \
  }
#include "grad/op_table.def"

//===----------------------------------------------------------------------===//
// Binary
//===----------------------------------------------------------------------===//

OpFoldResult AddOp::fold(FoldAdaptor adaptor) {
  // x + (-0.0) = x for every x (+0 + -0 = +0). x + (+0.0) is NOT folded: -0 + +0 = +0.
  // Integers: x + 0 = x.
  if (isNegZero(adaptor.getRhs()) || isIntSplat(adaptor.getRhs(), 0))
    return getLhs();
  if (isNegZero(adaptor.getLhs()) || isIntSplat(adaptor.getLhs(), 0))
    return getRhs();
  return foldBinaryNum(*this, adaptor.getLhs(), adaptor.getRhs(), [](auto x, auto y) {
    if constexpr (std::is_integral_v<decltype(x)>)
      return wrapAdd(x, y);
    else
      return x + y;
  });
}

OpFoldResult SubOp::fold(FoldAdaptor adaptor) {
  // x - (+0.0) = x for every x (-0 - +0 = -0). x - (-0.0) is x + 0.0: not folded.
  if (isPosZero(adaptor.getRhs()) || isIntSplat(adaptor.getRhs(), 0))
    return getLhs();
  return foldBinaryNum(*this, adaptor.getLhs(), adaptor.getRhs(), [](auto x, auto y) {
    if constexpr (std::is_integral_v<decltype(x)>)
      return wrapSub(x, y);
    else
      return x - y;
  });
}

OpFoldResult MulOp::fold(FoldAdaptor adaptor) {
  // x * 1 = x exactly (NaN and signed zeros included). x * 0 is NOT folded for floats
  // (NaN * 0 = NaN, -x * 0 = -0).
  if (isOne(adaptor.getRhs()))
    return getLhs();
  if (isOne(adaptor.getLhs()))
    return getRhs();
  return foldBinaryNum(*this, adaptor.getLhs(), adaptor.getRhs(), [](auto x, auto y) {
    if constexpr (std::is_integral_v<decltype(x)>)
      return wrapMul(x, y);
    else
      return x * y;
  });
}

OpFoldResult DivOp::fold(FoldAdaptor adaptor) {
  if (isOne(adaptor.getRhs()))
    return getLhs();
  return foldBinaryNum(*this, adaptor.getLhs(), adaptor.getRhs(),
                       [](auto x, auto y) { return x / y; });
}

OpFoldResult MaximumOp::fold(FoldAdaptor adaptor) {
  if (getLhs() == getRhs())
    return getLhs();
  return foldBinaryNum(*this, adaptor.getLhs(), adaptor.getRhs(),
                       [](auto x, auto y) { return nanPropagatingMax(x, y); });
}

OpFoldResult MinimumOp::fold(FoldAdaptor adaptor) {
  if (getLhs() == getRhs())
    return getLhs();
  return foldBinaryNum(*this, adaptor.getLhs(), adaptor.getRhs(),
                       [](auto x, auto y) { return nanPropagatingMin(x, y); });
}

OpFoldResult PowOp::fold(FoldAdaptor adaptor) {
  // pow(x, 1) = x exactly (C and IEEE 754 pown/pow).
  if (isOne(adaptor.getRhs()))
    return getLhs();
  return foldBinaryNum(*this, adaptor.getLhs(), adaptor.getRhs(),
                       [](auto x, auto y) { return std::pow(x, y); });
}

//===----------------------------------------------------------------------===//
// cmp, select, convert
//===----------------------------------------------------------------------===//

OpFoldResult CmpOp::fold(FoldAdaptor adaptor) {
  auto a = foldable(adaptor.getLhs()), b = foldable(adaptor.getRhs());
  std::optional<CmpKind> kind = parseCmpKind(getPredicate());
  if (!a || !b || !kind)
    return {};
  auto type = cast<ShapedType>(getType());
  return withNumType(a.getElementType(), [&](auto zero) -> Attribute {
    using T = decltype(zero);
    return map2<T, bool>(a, b, type, [&](T x, T y) {
      switch (*kind) {
      case CmpKind::lt:
        return x < y;
      case CmpKind::le:
        return x <= y;
      case CmpKind::gt:
        return x > y;
      case CmpKind::ge:
        return x >= y;
      case CmpKind::eq:
        return x == y;
      }
      return false;
    });
  });
}

OpFoldResult SelectOp::fold(FoldAdaptor adaptor) {
  if (getOnTrue() == getOnFalse())
    return getOnTrue();
  auto cond = asDense(adaptor.getCondition());
  if (cond && cond.isSplat())
    return cond.getSplatValue<bool>() ? getOnTrue() : getOnFalse();
  auto c = foldable(adaptor.getCondition());
  auto a = foldable(adaptor.getOnTrue()), b = foldable(adaptor.getOnFalse());
  if (!c || !a || !b)
    return {};
  SmallVector<Attribute> av(a.getValues<Attribute>()), bv(b.getValues<Attribute>());
  auto type = cast<ShapedType>(getType());
  SmallVector<Attribute> out;
  int64_t i = 0;
  for (bool pick : c.getValues<bool>()) {
    out.push_back(pick ? av[a.isSplat() ? 0 : i] : bv[b.isSplat() ? 0 : i]);
    ++i;
  }
  return DenseElementsAttr::get(type, out);
}

OpFoldResult ConvertOp::fold(FoldAdaptor adaptor) {
  if (getOperand().getType() == getType())
    return getOperand();
  auto a = foldable(adaptor.getOperand());
  if (!a)
    return {};
  auto type = cast<ShapedType>(getType());
  Type from = a.getElementType(), to = type.getElementType();
  // Read every element as double (exact for f32, f64, i1 and |i64| < 2^53), except i64 -> i64.
  SmallVector<double> values;
  if (from.isSignlessInteger(64)) {
    for (int64_t v : a.getValues<int64_t>()) {
      if (to.isSignlessInteger(1)) {
        values.push_back(v != 0);
        continue;
      }
      if (v > (int64_t(1) << 53) || v < -(int64_t(1) << 53))
        return {}; // i64 -> float rounding is left to the eager kernel
      values.push_back(static_cast<double>(v));
    }
  } else if (from.isSignlessInteger(1)) {
    for (bool v : a.getValues<bool>())
      values.push_back(v ? 1.0 : 0.0);
  } else if (from.isF32()) {
    for (float v : a.getValues<float>())
      values.push_back(v);
  } else {
    for (double v : a.getValues<double>())
      values.push_back(v);
  }
  if (to.isF32()) {
    SmallVector<float> out(values.begin(), values.end());
    return DenseElementsAttr::get(type, ArrayRef<float>(out));
  }
  if (to.isF64())
    return DenseElementsAttr::get(type, ArrayRef<double>(values));
  if (to.isSignlessInteger(1)) {
    SmallVector<bool> out;
    for (double v : values)
      out.push_back(v != 0.0); // NaN != 0 -> true
    return DenseElementsAttr::get(type, ArrayRef<bool>(out));
  }
  SmallVector<int64_t> out;
  for (double v : values) {
    // Truncation toward zero; NaN and out-of-range values have no defined result: not folded.
    if (!(v > -9223372036854775808.0 && v < 9223372036854775808.0))
      return {};
    out.push_back(static_cast<int64_t>(v));
  }
  return DenseElementsAttr::get(type, ArrayRef<int64_t>(out));
}

//===----------------------------------------------------------------------===//
// Shape ops
//===----------------------------------------------------------------------===//

OpFoldResult BroadcastOp::fold(FoldAdaptor adaptor) {
  // With explicit sizes the types may match while a dynamic operand dim of size 1 expands at
  // run time; a dynamic result type has no constant (Note [Dynamic dims]).
  auto type = cast<ShapedType>(getType());
  if (!getSizes().empty())
    return {};
  if (getOperand().getType() == getType())
    return getOperand();
  if (!type.hasStaticShape())
    return {};
  auto a = asDense(adaptor.getOperand());
  if (a && a.isSplat())
    return DenseElementsAttr::get(type, a.getSplatValue<Attribute>());
  if (!a || type.getNumElements() > kMaxFoldElements)
    return {};
  auto inType = cast<ShapedType>(a.getType());
  SmallVector<int64_t> inStrides = rowMajorStrides(inType.getShape());
  ArrayRef<int64_t> dims = getDims();
  return remap(a, type, [&](ArrayRef<int64_t> idx) {
    int64_t s = 0;
    for (auto [i, d] : llvm::enumerate(dims))
      s += (inType.getDimSize(i) == 1 ? 0 : idx[d]) * inStrides[i];
    return s;
  });
}

OpFoldResult ReshapeOp::fold(FoldAdaptor adaptor) {
  // The same type: the identity, unless two `?` dims may trade sizes ([?,?] -> [?,?] with
  // `sizes`).
  auto type = cast<RankedTensorType>(getType());
  if (getOperand().getType() == type &&
      (getSizes().empty() || llvm::count_if(type.getShape(), ShapedType::isDynamic) <= 1))
    return getOperand();
  auto a = asDense(adaptor.getOperand());
  if (a && type.hasStaticShape() && (a.isSplat() || a.getNumElements() <= kMaxFoldElements))
    return a.reshape(cast<ShapedType>(getType()));
  return {};
}

OpFoldResult TransposeOp::fold(FoldAdaptor adaptor) {
  ArrayRef<int64_t> perm = getPerm();
  bool identity = true;
  for (auto [i, p] : llvm::enumerate(perm))
    identity &= static_cast<int64_t>(i) == p;
  if (identity)
    return getOperand();
  auto a = foldable(adaptor.getOperand());
  if (!a)
    return {};
  auto inType = cast<ShapedType>(a.getType());
  SmallVector<int64_t> inStrides = rowMajorStrides(inType.getShape());
  return remap(a, cast<ShapedType>(getType()), [&](ArrayRef<int64_t> idx) {
    int64_t s = 0;
    for (auto [i, p] : llvm::enumerate(perm))
      s += idx[i] * inStrides[p];
    return s;
  });
}

OpFoldResult SliceOp::fold(FoldAdaptor adaptor) {
  // Same static shape: starts are 0, every stride takes every element. A `?` dim of the same
  // type is whole only if the slice starts at 0 with stride 1 there.
  auto inType = cast<RankedTensorType>(getOperand().getType());
  bool whole = inType == getType();
  for (int64_t d = 0; whole && d < inType.getRank(); ++d)
    whole = !inType.isDynamicDim(d) || (getStarts()[d] == 0 && getStrides()[d] == 1 &&
                                        ShapedType::isDynamic(getLimits()[d]));
  if (whole)
    return getOperand();
  auto a = foldable(adaptor.getOperand());
  if (!a)
    return {};
  SmallVector<int64_t> inStrides = rowMajorStrides(cast<ShapedType>(a.getType()).getShape());
  ArrayRef<int64_t> starts = getStarts(), strides = getStrides();
  return remap(a, cast<ShapedType>(getType()), [&](ArrayRef<int64_t> idx) {
    int64_t s = 0;
    for (size_t d = 0; d < idx.size(); ++d)
      s += (starts[d] + idx[d] * strides[d]) * inStrides[d];
    return s;
  });
}

OpFoldResult ConcatOp::fold(FoldAdaptor adaptor) {
  if (getInputs().size() == 1)
    return getInputs().front();
  auto type = cast<ShapedType>(getType());
  if (!type.hasStaticShape() || type.getNumElements() > kMaxFoldElements)
    return {};
  SmallVector<SmallVector<Attribute>> parts;
  SmallVector<int64_t> offsets;
  int64_t offset = 0;
  for (auto [value, attr] : llvm::zip(getInputs(), adaptor.getInputs())) {
    auto dense = asDense(attr);
    if (!dense)
      return {};
    auto partType = cast<ShapedType>(value.getType());
    parts.push_back(SmallVector<Attribute>(
        dense.isSplat() ? SmallVector<Attribute>(partType.getNumElements(),
                                                 dense.getSplatValue<Attribute>())
                        : SmallVector<Attribute>(dense.getValues<Attribute>())));
    offsets.push_back(offset);
    offset += partType.getDimSize(getAxis());
  }
  int64_t axis = getAxis();
  SmallVector<Attribute> out;
  out.reserve(type.getNumElements());
  SmallVector<int64_t> idx(type.getRank(), 0);
  for (int64_t n = 0, e = type.getNumElements(); n < e; ++n) {
    size_t k = llvm::upper_bound(offsets, idx[axis]) - offsets.begin() - 1;
    auto partShape = cast<ShapedType>(getInputs()[k].getType()).getShape();
    SmallVector<int64_t> strides = rowMajorStrides(partShape);
    int64_t s = 0;
    for (int64_t d = 0; d < type.getRank(); ++d)
      s += (d == axis ? idx[d] - offsets[k] : idx[d]) * strides[d];
    out.push_back(parts[k][s]);
    for (int64_t d = type.getRank() - 1; d >= 0; --d) {
      if (++idx[d] < type.getDimSize(d))
        break;
      idx[d] = 0;
    }
  }
  return DenseElementsAttr::get(type, out);
}

//===----------------------------------------------------------------------===//
// Reductions
//===----------------------------------------------------------------------===//

OpFoldResult SumOp::fold(FoldAdaptor adaptor) {
  return foldReduce(*this, adaptor.getOperand(), /*isMean=*/false, /*isMax=*/false);
}
OpFoldResult MeanOp::fold(FoldAdaptor adaptor) {
  return foldReduce(*this, adaptor.getOperand(), /*isMean=*/true, /*isMax=*/false);
}
OpFoldResult MaxOp::fold(FoldAdaptor adaptor) {
  return foldReduce(*this, adaptor.getOperand(), /*isMean=*/false, /*isMax=*/true);
}

} // namespace grad
