// Tests of grad/Bridge/OpTableBridge.h: for every OpKind, buildGradOp then decodeGradOp gives
// back the same kind and attributes, and the result type equals what the eager op table's own
// shape rule (grad::infer_result, an independent implementation) computes. Bad operands produce
// a diagnostic and no op. Tensor <-> DenseElementsAttr round trips keep values and layouts.
#include "grad/Dialect/GradDialect.h"
#include "grad/Bridge/OpTableBridge.h"

#include "grad/ops.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/IR/Verifier.h"

#include <gtest/gtest.h>

#include <string>

using namespace mlir;

namespace {

struct Case {
  grad::OpKind kind;
  std::vector<std::pair<grad::Shape, grad::DType>> inputs;
  grad::OpAttrs attrs;
};

grad::OpAttrs withAxes(std::vector<int64_t> axes, bool keepdim) {
  grad::OpAttrs a;
  a.axes = std::move(axes);
  a.keepdim = keepdim;
  return a;
}

std::vector<Case> allCases() {
  using grad::DType;
  using K = grad::OpKind;
  const grad::Shape s23 = {2, 3};
  std::vector<Case> cases;
  grad::OpAttrs none;
  grad::OpAttrs constant;
  constant.value = std::make_shared<const grad::Tensor>(
      grad::tensor(std::vector<float>{1, 2, 3, 4, 5, 6}, {2, 3}));
  cases.push_back({K::Constant, {}, constant});
  // The regular families, from the op table: every unary and binary row, in f32 or f64, and in
  // i64 where the row's dtype class is Num (the eager rule and the ODS constraint both read it).
  for (int i = 0; i < grad::kNumOpKinds; ++i) {
    K k = static_cast<K>(i);
    const grad::OpInfo &info = grad::op_info(k);
    if (info.family == grad::OpFamily::Unary) {
      cases.push_back({k, {{s23, DType::f32}}, none});
      if (info.dtypes == grad::OpDTypes::Num)
        cases.push_back({k, {{s23, DType::i64}}, none});
    } else if (info.family == grad::OpFamily::Binary) {
      cases.push_back({k, {{s23, DType::f64}, {s23, DType::f64}}, none});
      if (info.dtypes == grad::OpDTypes::Num)
        cases.push_back({k, {{s23, DType::i64}, {s23, DType::i64}}, none});
    }
  }
  for (grad::CmpPredicate p : {grad::CmpPredicate::lt, grad::CmpPredicate::le,
                               grad::CmpPredicate::gt, grad::CmpPredicate::ge,
                               grad::CmpPredicate::eq}) {
    grad::OpAttrs a;
    a.predicate = p;
    cases.push_back({K::Cmp, {{s23, DType::f32}, {s23, DType::f32}}, a});
  }
  cases.push_back({K::Select, {{s23, DType::b8}, {s23, DType::f32}, {s23, DType::f32}}, none});
  grad::OpAttrs bc;
  bc.dims = {1};
  bc.shape = {4, 3};
  cases.push_back({K::Broadcast, {{{3}, DType::f32}}, bc});
  grad::OpAttrs bc1;
  bc1.dims = {0, 2};
  bc1.shape = {2, 5, 3};
  cases.push_back({K::Broadcast, {{{2, 1}, DType::i64}}, bc1});
  cases.push_back({K::Sum, {{{2, 3, 4}, DType::f32}}, withAxes({0, 2}, false)});
  cases.push_back({K::Mean, {{{2, 3, 4}, DType::f64}}, withAxes({1}, true)});
  cases.push_back({K::Max, {{{2, 3, 4}, DType::i64}}, withAxes({0, 1, 2}, false)});
  cases.push_back({K::Matmul, {{{2, 3}, DType::f32}, {{3, 5}, DType::f32}}, none});
  cases.push_back({K::Matmul, {{{4, 2, 3}, DType::f64}, {{4, 3, 5}, DType::f64}}, none});
  grad::OpAttrs tr;
  tr.perm = {2, 0, 1};
  cases.push_back({K::Transpose, {{{2, 3, 4}, DType::f32}}, tr});
  grad::OpAttrs rs;
  rs.shape = {3, 2};
  cases.push_back({K::Reshape, {{s23, DType::b8}}, rs});
  grad::OpAttrs sl;
  sl.starts = {0, 1};
  sl.limits = {2, 3};
  sl.strides = {2, 1};
  cases.push_back({K::Slice, {{s23, DType::f32}}, sl});
  grad::OpAttrs cc;
  cc.axis = 1;
  cases.push_back({K::Concat, {{{2, 1}, DType::f32}, {s23, DType::f32}, {{2, 2}, DType::f32}}, cc});
  cases.push_back({K::Gather, {{{10, 4}, DType::f32}, {{2, 3}, DType::i64}}, none});
  grad::OpAttrs cv;
  cv.dtype = DType::i64;
  cases.push_back({K::Convert, {{s23, DType::f32}}, cv});
  grad::OpAttrs ar;
  ar.collective = grad::CollectiveOp::Mean;
  cases.push_back({K::AllReduce, {{s23, DType::f64}}, ar});
  return cases;
}

class BridgeTest : public ::testing::Test {
protected:
  BridgeTest() : builder(&ctx) {
    ctx.loadDialect<grad::GradDialect, func::FuncDialect>();
    module = ModuleOp::create(builder.getUnknownLoc());
    builder.setInsertionPointToEnd(module->getBody());
  }

  /// A function whose arguments have the given shapes/dtypes; the builder points into its body.
  SmallVector<Value> args(const std::vector<std::pair<grad::Shape, grad::DType>> &inputs) {
    SmallVector<Type> types;
    for (const auto &[shape, dtype] : inputs)
      types.push_back(grad::tensorTypeFor(&ctx, shape, dtype));
    builder.setInsertionPointToEnd(module->getBody());
    auto fn = builder.create<func::FuncOp>(builder.getUnknownLoc(), "f" + std::to_string(n++),
                                           builder.getFunctionType(types, {}));
    Block *entry = fn.addEntryBlock();
    builder.setInsertionPointToEnd(entry);
    return SmallVector<Value>(entry->getArguments());
  }

  MLIRContext ctx;
  OpBuilder builder;
  OwningOpRef<ModuleOp> module;
  int n = 0;
};

TEST_F(BridgeTest, EveryOpKindRoundTripsAndMatchesTheEagerShapeRule) {
  std::vector<bool> covered(grad::kNumOpKinds, false);
  for (const Case &c : allCases()) {
    const char *name = grad::op_info(c.kind).name;
    SCOPED_TRACE(name);
    SmallVector<Value> operands = args(c.inputs);
    FailureOr<Value> v = grad::buildGradOp(builder, builder.getUnknownLoc(), c.kind, operands,
                                           c.attrs);
    ASSERT_TRUE(succeeded(v));
    Operation *op = v->getDefiningOp();
    EXPECT_EQ(op->getName().getStringRef().str(), std::string("grad.") + name);
    EXPECT_TRUE(succeeded(verify(op)));

    // Result type vs the eager op table's shape rule.
    std::vector<grad::Shape> shapes;
    std::vector<grad::DType> dtypes;
    for (const auto &[s, d] : c.inputs) {
      shapes.push_back(s);
      dtypes.push_back(d);
    }
    grad::Shape expectedShape;
    grad::DType expectedDtype;
    if (c.kind == grad::OpKind::Constant) {
      expectedShape = c.attrs.value->shape();
      expectedDtype = c.attrs.value->dtype();
    } else {
      std::tie(expectedShape, expectedDtype) =
          grad::infer_result(c.kind, shapes, dtypes, c.attrs);
    }
    EXPECT_EQ(v->getType(), grad::tensorTypeFor(&ctx, expectedShape, expectedDtype));

    auto decoded = grad::decodeGradOp(op);
    ASSERT_TRUE(decoded.has_value());
    EXPECT_EQ(decoded->first, c.kind);
    const grad::OpAttrs &a = decoded->second;
    switch (c.kind) {
    case grad::OpKind::Constant:
      EXPECT_EQ(a.value->to_vector<float>(), c.attrs.value->to_vector<float>());
      EXPECT_EQ(a.value->shape(), c.attrs.value->shape());
      break;
    case grad::OpKind::Cmp:
      EXPECT_EQ(a.predicate, c.attrs.predicate);
      break;
    case grad::OpKind::Broadcast:
      EXPECT_EQ(a.dims, c.attrs.dims);
      EXPECT_EQ(a.shape, c.attrs.shape);
      break;
    case grad::OpKind::Reshape:
      EXPECT_EQ(a.shape, c.attrs.shape);
      break;
    case grad::OpKind::Transpose:
      EXPECT_EQ(a.perm, c.attrs.perm);
      break;
    case grad::OpKind::Slice:
      EXPECT_EQ(a.starts, c.attrs.starts);
      EXPECT_EQ(a.limits, c.attrs.limits);
      EXPECT_EQ(a.strides, c.attrs.strides);
      break;
    case grad::OpKind::Concat:
      EXPECT_EQ(a.axis, c.attrs.axis);
      break;
    case grad::OpKind::Convert:
      EXPECT_EQ(a.dtype, c.attrs.dtype);
      break;
    case grad::OpKind::AllReduce:
      EXPECT_EQ(a.collective, c.attrs.collective);
      break;
    case grad::OpKind::Sum:
    case grad::OpKind::Mean:
    case grad::OpKind::Max:
      EXPECT_EQ(a.axes, c.attrs.axes);
      EXPECT_EQ(a.keepdim, c.attrs.keepdim);
      break;
    default:
      break;
    }
    covered[static_cast<int>(c.kind)] = true;
  }
  for (int k = 0; k < grad::kNumOpKinds; ++k)
    EXPECT_TRUE(covered[k]) << "no case for " << grad::op_info(static_cast<grad::OpKind>(k)).name;
}

TEST_F(BridgeTest, ReductionAxesAreNormalizedLikeTheEagerApi) {
  SmallVector<Value> x = args({{{2, 3, 4}, grad::DType::f32}});
  // Negative axes count from the end; empty axes mean all axes.
  FailureOr<Value> v = grad::buildGradOp(builder, builder.getUnknownLoc(), grad::OpKind::Sum, x,
                                         withAxes({-1, 0}, false));
  ASSERT_TRUE(succeeded(v));
  EXPECT_EQ(v->getType(), grad::tensorTypeFor(&ctx, {3}, grad::DType::f32));
  EXPECT_EQ(grad::decodeGradOp(v->getDefiningOp())->second.axes, (std::vector<int64_t>{0, 2}));
  FailureOr<Value> all = grad::buildGradOp(builder, builder.getUnknownLoc(), grad::OpKind::Mean,
                                           x, withAxes({}, false));
  ASSERT_TRUE(succeeded(all));
  EXPECT_EQ(all->getType(), grad::tensorTypeFor(&ctx, {}, grad::DType::f32));
}

/// Runs `build` and returns the diagnostics it emitted.
template <typename Fn>
std::string diagnosticsOf(MLIRContext &ctx, Fn build) {
  std::string messages;
  ScopedDiagnosticHandler handler(&ctx, [&](Diagnostic &d) {
    messages += d.str() + "\n";
    return success();
  });
  build();
  return messages;
}

// The dtype class of a unary or binary row (grad/op_table.def) drives the eager rule and the
// generated ODS constraint: for every such row and dtype, both accept or both reject.
TEST_F(BridgeTest, EveryRegularRowTakesTheSameDtypesInBothRules) {
  int accepted = 0, rejected = 0;
  for (int i = 0; i < grad::kNumOpKinds; ++i) {
    auto kind = static_cast<grad::OpKind>(i);
    const grad::OpInfo &info = grad::op_info(kind);
    if (info.family != grad::OpFamily::Unary && info.family != grad::OpFamily::Binary)
      continue;
    for (grad::DType d : {grad::DType::f32, grad::DType::f64, grad::DType::i64, grad::DType::b8}) {
      SCOPED_TRACE(std::string(info.name) + " " + grad::dtype_name(d));
      std::vector<std::pair<grad::Shape, grad::DType>> in(info.num_inputs, {{2, 3}, d});
      bool eager = true;
      try {
        grad::infer_result(kind, std::vector<grad::Shape>(in.size(), {2, 3}),
                           std::vector<grad::DType>(in.size(), d), {});
      } catch (const grad::Error &) {
        eager = false;
      }
      SmallVector<Value> operands = args(in);
      FailureOr<Value> v = failure();
      diagnosticsOf(ctx, [&] {
        v = grad::buildGradOp(builder, builder.getUnknownLoc(), kind, operands, {});
      });
      EXPECT_EQ(succeeded(v), eager);
      (eager ? accepted : rejected)++;
    }
  }
  EXPECT_GT(accepted, 0);
  EXPECT_GT(rejected, 0);
}

TEST_F(BridgeTest, BadOperandsGiveADiagnosticAndNoOp) {
  SmallVector<Value> x = args({{{2, 3}, grad::DType::f32}, {{3, 4}, grad::DType::f32},
                               {{2, 3}, grad::DType::i64}});
  Block *block = builder.getInsertionBlock();
  FailureOr<Value> r = failure();
  std::string msg = diagnosticsOf(ctx, [&] {
    r = grad::buildGradOp(builder, builder.getUnknownLoc(), grad::OpKind::Add, {x[0], x[1]}, {});
  });
  EXPECT_TRUE(failed(r));
  EXPECT_NE(msg.find("'grad.add' op operand #1 has type 'tensor<3x4xf32>'"), std::string::npos)
      << msg;

  msg = diagnosticsOf(ctx, [&] {
    r = grad::buildGradOp(builder, builder.getUnknownLoc(), grad::OpKind::Matmul, {x[1], x[0]},
                          {});
  });
  EXPECT_TRUE(failed(r));
  EXPECT_NE(msg.find("inner dims differ"), std::string::npos) << msg;

  // Float-only op on i64: rejected by the ODS constraint, through verification.
  msg = diagnosticsOf(ctx, [&] {
    r = grad::buildGradOp(builder, builder.getUnknownLoc(), grad::OpKind::Exp, {x[2]}, {});
  });
  EXPECT_TRUE(failed(r));
  EXPECT_NE(msg.find("'grad.exp' op operand #0 must be"), std::string::npos) << msg;

  msg = diagnosticsOf(ctx, [&] {
    r = grad::buildGradOp(builder, builder.getUnknownLoc(), grad::OpKind::Neg, {x[0], x[0]}, {});
  });
  EXPECT_TRUE(failed(r));
  EXPECT_NE(msg.find("expects 1 operands, got 2"), std::string::npos) << msg;

  EXPECT_TRUE(block->empty()) << "a failed build left an op behind";
}

TEST_F(BridgeTest, TensorToAttrCopiesStridedViewsInRowMajorOrder) {
  grad::Tensor t = grad::tensor(std::vector<double>{1, 2, 3, 4, 5, 6}, {2, 3});
  grad::Tensor tt = grad::transpose(t, 0, 1); // a non-contiguous view [3, 2]
  FailureOr<DenseElementsAttr> attr = grad::tensorToDenseAttr(&ctx, tt);
  ASSERT_TRUE(succeeded(attr));
  EXPECT_EQ(attr->getType(), grad::tensorTypeFor(&ctx, {3, 2}, grad::DType::f64));
  std::vector<double> values(attr->getValues<double>().begin(), attr->getValues<double>().end());
  EXPECT_EQ(values, (std::vector<double>{1, 4, 2, 5, 3, 6}));

  FailureOr<grad::Tensor> back = grad::denseAttrToTensor(*attr);
  ASSERT_TRUE(succeeded(back));
  EXPECT_EQ(back->shape(), (grad::Shape{3, 2}));
  EXPECT_EQ(back->to_vector<double>(), (std::vector<double>{1, 4, 2, 5, 3, 6}));
}

TEST_F(BridgeTest, AttrToTensorHandlesEveryDtypeAndSplats) {
  auto i1 = RankedTensorType::get({3}, IntegerType::get(&ctx, 1));
  auto b = grad::denseAttrToTensor(DenseElementsAttr::get(i1, ArrayRef<bool>{true, false, true}));
  ASSERT_TRUE(succeeded(b));
  EXPECT_EQ(b->dtype(), grad::DType::b8);
  EXPECT_EQ(b->to_vector<int64_t>(), (std::vector<int64_t>{1, 0, 1}));

  auto i64 = RankedTensorType::get({2, 2}, IntegerType::get(&ctx, 64));
  int64_t big = (int64_t(1) << 62) + 1; // not representable as a double
  auto s = grad::denseAttrToTensor(DenseElementsAttr::get(i64, ArrayRef<int64_t>{big}));
  ASSERT_TRUE(succeeded(s));
  EXPECT_EQ(s->to_vector<int64_t>(), (std::vector<int64_t>{big, big, big, big}));

  auto f32 = RankedTensorType::get({}, Float32Type::get(&ctx));
  auto scalar = grad::denseAttrToTensor(DenseElementsAttr::get(f32, ArrayRef<float>{0.25f}));
  ASSERT_TRUE(succeeded(scalar));
  EXPECT_EQ(scalar->dim(), 0);
  EXPECT_EQ(scalar->item<float>(), 0.25f);

  auto f16 = RankedTensorType::get({1}, Float16Type::get(&ctx));
  EXPECT_TRUE(failed(grad::denseAttrToTensor(
      DenseElementsAttr::get(f16, ArrayRef<APFloat>{APFloat(APFloat::IEEEhalf(), "1.0")}))));
}

TEST_F(BridgeTest, DTypeMapping) {
  for (grad::DType d : {grad::DType::f32, grad::DType::f64, grad::DType::i64, grad::DType::b8}) {
    FailureOr<grad::DType> back = grad::dtypeFromElementType(grad::elementTypeFromDType(&ctx, d));
    ASSERT_TRUE(succeeded(back));
    EXPECT_EQ(*back, d);
  }
  EXPECT_TRUE(failed(grad::dtypeFromElementType(IntegerType::get(&ctx, 32))));
}

} // namespace
