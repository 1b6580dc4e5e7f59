// The op table rows (names, backward names, arity, VJP rule, saved values) and the shape/dtype
// rule of every primitive.
#include "grad/op_table.h"

#include <algorithm>
#include <string_view>

#include <fmt/format.h>

#include "autograd/vjp_rules.h"
#include "ops/infer.h"

namespace grad {

namespace {
constexpr unsigned kIn0 = kSavesInput0, kIn1 = kSavesInput1, kOut = kSavesOutput;

// Order must follow OpKind.
const OpInfo kOpTable[kNumOpKinds] = {
    {OpKind::Constant, "constant", "", 0, nullptr, 0},
    {OpKind::Neg, "neg", "NegBackward0", 1, vjp::neg, 0},
    {OpKind::Exp, "exp", "ExpBackward0", 1, vjp::exp, kOut},
    {OpKind::Log, "log", "LogBackward0", 1, vjp::log, kIn0},
    {OpKind::Sqrt, "sqrt", "SqrtBackward0", 1, vjp::sqrt, kOut},
    {OpKind::Rsqrt, "rsqrt", "RsqrtBackward0", 1, vjp::rsqrt, kOut},
    {OpKind::Abs, "abs", "AbsBackward0", 1, vjp::abs, kIn0},
    {OpKind::Tanh, "tanh", "TanhBackward0", 1, vjp::tanh, kOut},
    {OpKind::Sigmoid, "sigmoid", "SigmoidBackward0", 1, vjp::sigmoid, kOut},
    {OpKind::Relu, "relu", "ReluBackward0", 1, vjp::relu, kOut},
    {OpKind::Gelu, "gelu", "GeluBackward0", 1, vjp::gelu, kIn0},
    {OpKind::Sin, "sin", "SinBackward0", 1, vjp::sin, kIn0},
    {OpKind::Cos, "cos", "CosBackward0", 1, vjp::cos, kIn0},
    {OpKind::Add, "add", "AddBackward0", 2, vjp::add, 0},
    {OpKind::Sub, "sub", "SubBackward0", 2, vjp::sub, 0},
    {OpKind::Mul, "mul", "MulBackward0", 2, vjp::mul, kIn0 | kIn1},
    {OpKind::Div, "div", "DivBackward0", 2, vjp::div, kIn0 | kIn1},
    {OpKind::Maximum, "maximum", "MaximumBackward0", 2, vjp::maximum, kIn0 | kIn1},
    {OpKind::Minimum, "minimum", "MinimumBackward0", 2, vjp::minimum, kIn0 | kIn1},
    {OpKind::Pow, "pow", "PowBackward1", 2, vjp::pow, kIn0 | kIn1 | kOut},
    {OpKind::Cmp, "cmp", "", 2, nullptr, 0},
    {OpKind::Select, "select", "WhereBackward0", 3, vjp::select, kIn0},
    {OpKind::Broadcast, "broadcast", "ExpandBackward0", 1, vjp::broadcast, 0},
    {OpKind::Sum, "sum", "SumBackward1", 1, vjp::sum, 0},
    {OpKind::Mean, "mean", "MeanBackward1", 1, vjp::mean, 0},
    {OpKind::Max, "max", "AmaxBackward0", 1, vjp::max, kIn0 | kOut},
    {OpKind::Matmul, "matmul", "MmBackward0", 2, vjp::matmul, kIn0 | kIn1},
    {OpKind::Transpose, "transpose", "PermuteBackward0", 1, vjp::transpose, 0},
    {OpKind::Reshape, "reshape", "ViewBackward0", 1, vjp::reshape, 0},
    {OpKind::Slice, "slice", "SliceBackward0", 1, vjp::slice, 0},
    {OpKind::Concat, "concat", "CatBackward0", -1, vjp::concat, 0},
    {OpKind::Gather, "gather", "EmbeddingBackward0", 2, vjp::gather, kIn1},
    {OpKind::Convert, "convert", "ToCopyBackward0", 1, vjp::convert, 0},
    {OpKind::AllReduce, "all_reduce", "AllReduceBackward0", 1, vjp::all_reduce, kIn0 | kOut},
};
} // namespace

const OpInfo& op_info(OpKind kind) { return kOpTable[static_cast<int>(kind)]; }

std::optional<OpKind> op_kind_from_name(std::string_view mnemonic) {
  for (const OpInfo& info : kOpTable)
    if (mnemonic == info.name)
      return info.kind;
  return std::nullopt;
}

const char* collective_op_name(CollectiveOp op) {
  switch (op) {
  case CollectiveOp::Sum:
    return "sum";
  case CollectiveOp::Mean:
    return "mean";
  case CollectiveOp::Max:
    return "max";
  }
  return "invalid";
}

std::optional<CollectiveOp> collective_op_from_name(std::string_view name) {
  for (CollectiveOp op : {CollectiveOp::Sum, CollectiveOp::Mean, CollectiveOp::Max})
    if (name == collective_op_name(op))
      return op;
  return std::nullopt;
}

const char* predicate_name(CmpPredicate p) {
  switch (p) {
  case CmpPredicate::lt:
    return "lt";
  case CmpPredicate::le:
    return "le";
  case CmpPredicate::gt:
    return "gt";
  case CmpPredicate::ge:
    return "ge";
  case CmpPredicate::eq:
    return "eq";
  }
  return "?";
}

const Shape& VjpContext::input_shape(size_t i) const {
  if (i < inputs.size() && inputs[i].defined())
    return inputs[i].shape();
  if (input_shapes && i < input_shapes->size())
    return (*input_shapes)[i];
  throw Error(fmt::format("vjp: the shape of input {} is not available", i));
}

DType VjpContext::input_dtype(size_t i) const {
  if (i < inputs.size() && inputs[i].defined())
    return inputs[i].dtype();
  if (input_dtypes && i < input_dtypes->size())
    return (*input_dtypes)[i];
  throw Error(fmt::format("vjp: the dtype of input {} is not available", i));
}

const char* backward_node_name(OpKind kind, const std::vector<Tensor>& inputs,
                               const OpAttrs& attrs) {
  switch (kind) {
  case OpKind::Sum:
  case OpKind::Mean: {
    bool all = attrs.axes.empty() || inputs.empty() ||
               static_cast<int64_t>(attrs.axes.size()) == inputs[0].dim();
    if (kind == OpKind::Sum)
      return all && !attrs.keepdim ? "SumBackward0" : "SumBackward1";
    return all && !attrs.keepdim ? "MeanBackward0" : "MeanBackward1";
  }
  case OpKind::Matmul:
    return !inputs.empty() && inputs[0].dim() > 2 ? "BmmBackward0" : "MmBackward0";
  case OpKind::Transpose: {
    int moved = 0;
    for (size_t i = 0; i < attrs.perm.size(); ++i)
      moved += attrs.perm[i] != static_cast<int64_t>(i);
    return moved == 2 ? "TransposeBackward0" : "PermuteBackward0";
  }
  default:
    return op_info(kind).backward_name;
  }
}

namespace {
struct VectorOperands {
  const std::vector<Shape>& shapes;
  const std::vector<DType>& dtypes;
  size_t size() const { return shapes.size(); }
  const Shape& shape(size_t i) const { return shapes[i]; }
  DType dtype(size_t i) const { return dtypes[i]; }
};
} // namespace

std::pair<Shape, DType> infer_result(OpKind kind, const std::vector<Shape>& shapes,
                                     const std::vector<DType>& dtypes, const OpAttrs& attrs) {
  if (shapes.size() != dtypes.size())
    throw Error(fmt::format("{}: {} shapes but {} dtypes", op_info(kind).name, shapes.size(),
                            dtypes.size()));
  return infer_impl(kind, VectorOperands{shapes, dtypes}, attrs);
}

} // namespace grad
