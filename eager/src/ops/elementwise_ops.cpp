// Public elementwise ops: numpy broadcasting in front of the same-shape primitives, scalar
// operands in the tensor's dtype, comparisons and where.
#include <fmt/format.h>

#include "grad/op_table.h"
#include "grad/ops.h"
#include "ops/helpers.h"

namespace grad {
namespace {

Shape broadcast_shapes(const Shape& a, const Shape& b, const char* op) {
  size_t r = std::max(a.size(), b.size());
  Shape out(r);
  for (size_t i = 0; i < r; ++i) {
    int64_t da = i < r - a.size() ? 1 : a[i - (r - a.size())];
    int64_t db = i < r - b.size() ? 1 : b[i - (r - b.size())];
    if (da != db && da != 1 && db != 1)
      throw Error(fmt::format("{}: shapes {} and {} are not broadcastable", op, shape_str(a),
                              shape_str(b)));
    out[i] = da == 1 ? db : da;
  }
  return out;
}

void check_same_dtype(const Tensor& a, const Tensor& b, const char* op) {
  if (a.dtype() != b.dtype())
    throw Error(fmt::format("{}: dtypes {} and {} differ (shapes {} and {}); grad does not "
                            "promote implicitly, convert one operand with .to()",
                            op, dtype_name(a.dtype()), dtype_name(b.dtype()), shape_str(a.shape()),
                            shape_str(b.shape())));
}

Tensor binary(OpKind kind, const Tensor& a, const Tensor& b, const OpAttrs& attrs = {}) {
  const char* op = kind == OpKind::Cmp ? predicate_name(attrs.predicate) : op_info(kind).name;
  if (!a.defined() || !b.defined())
    throw Error(fmt::format("{}: undefined operand", op));
  check_same_dtype(a, b, op);
  if (a.shape() == b.shape())
    return apply(kind, {a, b}, attrs);
  Shape s = broadcast_shapes(a.shape(), b.shape(), op);
  Tensor x = lift_like(a, b), y = lift_like(b, a);
  return apply(kind, {broadcast_to(x, s), broadcast_to(y, s)}, attrs);
}

Tensor binary_scalar(OpKind kind, const Tensor& a, double b, const OpAttrs& attrs = {}) {
  if (!a.defined())
    throw Error(fmt::format("{}: undefined operand", op_info(kind).name));
  return apply(kind, {a, broadcast_to(scalar_like(b, a), a.shape())}, attrs);
}

Tensor compare(CmpPredicate p, const Tensor& a, const Tensor& b) {
  OpAttrs attrs;
  attrs.predicate = p;
  return binary(OpKind::Cmp, a, b, attrs);
}
Tensor compare(CmpPredicate p, const Tensor& a, double b) {
  OpAttrs attrs;
  attrs.predicate = p;
  return binary_scalar(OpKind::Cmp, a, b, attrs);
}

} // namespace

Tensor neg(const Tensor& x) { return apply(OpKind::Neg, {x}); }
Tensor exp(const Tensor& x) { return apply(OpKind::Exp, {x}); }
Tensor log(const Tensor& x) { return apply(OpKind::Log, {x}); }
Tensor sqrt(const Tensor& x) { return apply(OpKind::Sqrt, {x}); }
Tensor rsqrt(const Tensor& x) { return apply(OpKind::Rsqrt, {x}); }
Tensor abs(const Tensor& x) { return apply(OpKind::Abs, {x}); }
Tensor tanh(const Tensor& x) { return apply(OpKind::Tanh, {x}); }
Tensor sigmoid(const Tensor& x) { return apply(OpKind::Sigmoid, {x}); }
Tensor relu(const Tensor& x) { return apply(OpKind::Relu, {x}); }
Tensor gelu(const Tensor& x) { return apply(OpKind::Gelu, {x}); }
Tensor gelu(const Tensor& x, std::string_view approximate) {
  if (approximate == "tanh")
    return gelu(x);
  if (approximate != "none")
    throw Error(fmt::format("gelu: approximate must be \"none\" or \"tanh\", got \"{}\" (input "
                            "shape {})",
                            approximate, x.defined() ? shape_str(x.shape()) : "undefined"));
  // Note [Exact gelu is a composite]
  // ~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~
  // Exact gelu is written with erf, the primitive, instead of being an op of its own: it needs
  // no kernel, VJP, dialect op, folder or lowering of its own, and its gradient is the chain rule
  // through erf's, so it cannot drift from its forward. Compiled, grad-fuse puts its five
  // elementwise ops into one kernel, as it would a primitive. grad.gelu keeps the tanh form that
  // API.md fixes. The costs: eagerly five kernels instead of one (bench_gelu_exact measures it),
  // and grad_fn is MulBackward0 where PyTorch says GeluBackward0, as for our other composites
  // (docs/op-reference.md).
  return x * 0.5 * (erf(x * 0.7071067811865476) + 1.0);
}
Tensor sin(const Tensor& x) { return apply(OpKind::Sin, {x}); }
Tensor cos(const Tensor& x) { return apply(OpKind::Cos, {x}); }
Tensor erf(const Tensor& x) { return apply(OpKind::Erf, {x}); }

Tensor add(const Tensor& a, const Tensor& b) { return binary(OpKind::Add, a, b); }
Tensor sub(const Tensor& a, const Tensor& b) { return binary(OpKind::Sub, a, b); }
Tensor mul(const Tensor& a, const Tensor& b) { return binary(OpKind::Mul, a, b); }
Tensor div(const Tensor& a, const Tensor& b) { return binary(OpKind::Div, a, b); }
Tensor add(const Tensor& a, double b) { return binary_scalar(OpKind::Add, a, b); }
Tensor sub(const Tensor& a, double b) { return binary_scalar(OpKind::Sub, a, b); }
Tensor mul(const Tensor& a, double b) { return binary_scalar(OpKind::Mul, a, b); }
Tensor div(const Tensor& a, double b) { return binary_scalar(OpKind::Div, a, b); }
Tensor maximum(const Tensor& a, const Tensor& b) { return binary(OpKind::Maximum, a, b); }
Tensor minimum(const Tensor& a, const Tensor& b) { return binary(OpKind::Minimum, a, b); }
Tensor pow(const Tensor& a, const Tensor& b) { return binary(OpKind::Pow, a, b); }
Tensor pow(const Tensor& a, double exponent) { return binary_scalar(OpKind::Pow, a, exponent); }

Tensor lt(const Tensor& a, const Tensor& b) { return compare(CmpPredicate::lt, a, b); }
Tensor le(const Tensor& a, const Tensor& b) { return compare(CmpPredicate::le, a, b); }
Tensor gt(const Tensor& a, const Tensor& b) { return compare(CmpPredicate::gt, a, b); }
Tensor ge(const Tensor& a, const Tensor& b) { return compare(CmpPredicate::ge, a, b); }
Tensor eq(const Tensor& a, const Tensor& b) { return compare(CmpPredicate::eq, a, b); }
Tensor lt(const Tensor& a, double b) { return compare(CmpPredicate::lt, a, b); }
Tensor le(const Tensor& a, double b) { return compare(CmpPredicate::le, a, b); }
Tensor gt(const Tensor& a, double b) { return compare(CmpPredicate::gt, a, b); }
Tensor ge(const Tensor& a, double b) { return compare(CmpPredicate::ge, a, b); }
Tensor eq(const Tensor& a, double b) { return compare(CmpPredicate::eq, a, b); }

Tensor where(const Tensor& cond, const Tensor& a, const Tensor& b) {
  if (!cond.defined() || !a.defined() || !b.defined())
    throw Error("where: undefined operand");
  if (cond.dtype() != DType::b8)
    throw Error(fmt::format("where: condition must have dtype b8, got {} (shape {})",
                            dtype_name(cond.dtype()), shape_str(cond.shape())));
  check_same_dtype(a, b, "where");
  Shape s =
      broadcast_shapes(broadcast_shapes(cond.shape(), a.shape(), "where"), b.shape(), "where");
  const Tensor& sym = cond.is_symbolic() ? cond : a.is_symbolic() ? a : b;
  return apply(OpKind::Select,
               {broadcast_to(lift_like(cond, sym), s), broadcast_to(lift_like(a, sym), s),
                broadcast_to(lift_like(b, sym), s)});
}
Tensor where(const Tensor& cond, const Tensor& a, double b) {
  if (!a.defined())
    throw Error("where: undefined operand");
  return where(cond, a, scalar_like(b, a));
}
Tensor where(const Tensor& cond, double a, const Tensor& b) {
  if (!b.defined())
    throw Error("where: undefined operand");
  return where(cond, scalar_like(a, b), b);
}

// ---- operators ------------------------------------------------------------------------------
Tensor operator+(const Tensor& a, const Tensor& b) { return add(a, b); }
Tensor operator-(const Tensor& a, const Tensor& b) { return sub(a, b); }
Tensor operator*(const Tensor& a, const Tensor& b) { return mul(a, b); }
Tensor operator/(const Tensor& a, const Tensor& b) { return div(a, b); }
Tensor operator+(const Tensor& a, double b) { return add(a, b); }
Tensor operator-(const Tensor& a, double b) { return sub(a, b); }
Tensor operator*(const Tensor& a, double b) { return mul(a, b); }
Tensor operator/(const Tensor& a, double b) { return div(a, b); }
Tensor operator+(double a, const Tensor& b) { return add(b, a); }
Tensor operator-(double a, const Tensor& b) {
  return apply(OpKind::Sub, {broadcast_to(scalar_like(a, b), b.shape()), b});
}
Tensor operator*(double a, const Tensor& b) { return mul(b, a); }
Tensor operator/(double a, const Tensor& b) {
  return apply(OpKind::Div, {broadcast_to(scalar_like(a, b), b.shape()), b});
}
Tensor operator-(const Tensor& a) { return neg(a); }

} // namespace grad
