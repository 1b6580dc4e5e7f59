// The op table rows (expanded from grad/op_table.def: names, backward names, arity, VJP rule,
// saved values, family) and the shape/dtype rule of every primitive.
#include "grad/op_table.h"

#include <algorithm>
#include <string_view>

#include <fmt/format.h>

#include "autograd/vjp_rules.h"
#include "ops/infer.h"

namespace grad {

namespace {
constexpr unsigned kIn0 = kSavesInput0, kIn1 = kSavesInput1, kOut = kSavesOutput;

#define GRAD_VJP_0(mnemonic) nullptr
#define GRAD_VJP_1(mnemonic) vjp::mnemonic
#define GRAD_OP(Name, mnemonic, Backward, arity, saves, family, dtypes, vjp)                      \
  {OpKind::Name,    #mnemonic,        Backward,         arity, GRAD_VJP_##vjp(mnemonic),          \
   saves,           OpFamily::family, OpDTypes::dtypes},
// In OpKind order: both come from the same rows.
const OpInfo kOpTable[kNumOpKinds] = {
#include "grad/op_table.def"
};
#undef GRAD_VJP_0
#undef GRAD_VJP_1
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
