// The dialect's shape rules (ShapeInference.h, reached through buildGradOp) against the eager
// op table's own rule (grad::infer_result): on random, often invalid, shapes and attributes both
// must accept the same inputs and give the same result type. Both wrap grad/shape_rules.h (tested
// on its own in test/unit/eager/shape_rules_test.cpp); this checks what each side adds around it
// (eager's axis conventions, the bridge's attribute translation, dtypes). Also: the builders promised to the
// tracer infer result types from operands and attributes alone.
#include "grad/Dialect/GradDialect.h"
#include "grad/Bridge/OpTableBridge.h"
#include "grad/Dialect/ShapeInference.h"

#include "grad/error.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/MLIRContext.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <numeric>
#include <random>

using namespace mlir;

namespace {

class ShapeRules : public ::testing::Test {
protected:
  ShapeRules() : builder(&ctx) {
    ctx.loadDialect<grad::GradDialect, func::FuncDialect>();
    module = ModuleOp::create(builder.getUnknownLoc());
  }

  /// Builds `kind` on fresh arguments of the given shapes (f32) and returns the result type, or
  /// a null type if the dialect rejects it.
  Type build(grad::OpKind kind, const std::vector<grad::Shape> &shapes,
             const grad::OpAttrs &attrs) {
    SmallVector<Type> types;
    for (const grad::Shape &s : shapes)
      types.push_back(grad::tensorTypeFor(&ctx, s, grad::DType::f32));
    builder.setInsertionPointToEnd(module->getBody());
    auto fn = builder.create<func::FuncOp>(builder.getUnknownLoc(), "f",
                                           builder.getFunctionType(types, {}));
    Block *entry = fn.addEntryBlock();
    builder.setInsertionPointToEnd(entry);
    ScopedDiagnosticHandler quiet(&ctx, [](Diagnostic &) { return success(); });
    FailureOr<Value> v = grad::buildGradOp(builder, builder.getUnknownLoc(), kind,
                                           entry->getArguments(), attrs);
    Type type = succeeded(v) ? v->getType() : Type();
    fn.erase();
    return type;
  }

  /// The eager rule's result type, or a null type if it throws grad::Error.
  Type eager(grad::OpKind kind, const std::vector<grad::Shape> &shapes,
             const grad::OpAttrs &attrs) {
    try {
      std::vector<grad::DType> dtypes(shapes.size(), grad::DType::f32);
      auto [shape, dtype] = grad::infer_result(kind, shapes, dtypes, attrs);
      return grad::tensorTypeFor(&ctx, shape, dtype);
    } catch (const grad::Error &) {
      return Type();
    }
  }

  void expectAgree(grad::OpKind kind, const std::vector<grad::Shape> &shapes,
                   const grad::OpAttrs &attrs, int &accepted) {
    Type ours = build(kind, shapes, attrs);
    Type theirs = eager(kind, shapes, attrs);
    std::string in;
    for (const grad::Shape &s : shapes)
      in += grad::shape_str(s) + " ";
    EXPECT_EQ(ours, theirs) << grad::op_info(kind).name << " on " << in;
    accepted += ours ? 1 : 0;
  }

  MLIRContext ctx;
  OpBuilder builder;
  OwningOpRef<ModuleOp> module;
  std::mt19937_64 rng{42};

  int64_t pick(int64_t lo, int64_t hi) {
    return std::uniform_int_distribution<int64_t>(lo, hi)(rng);
  }
  grad::Shape shape(int64_t maxRank, int64_t maxDim) {
    grad::Shape s(pick(0, maxRank));
    for (int64_t &d : s)
      d = pick(1, maxDim);
    return s;
  }
  std::vector<int64_t> ints(int64_t n, int64_t lo, int64_t hi) {
    std::vector<int64_t> v(n);
    for (int64_t &x : v)
      x = pick(lo, hi);
    return v;
  }
};

constexpr int kTrials = 300;

TEST_F(ShapeRules, BroadcastAgrees) {
  int accepted = 0;
  for (int t = 0; t < kTrials; ++t) {
    grad::Shape in = shape(3, 3);
    grad::OpAttrs a;
    a.shape = shape(4, 3);
    a.dims = ints(pick(0, 1) ? in.size() : pick(0, 3), -1, 4);
    if (pick(0, 1))
      std::sort(a.dims.begin(), a.dims.end());
    expectAgree(grad::OpKind::Broadcast, {in}, a, accepted);
  }
  EXPECT_GT(accepted, kTrials / 20) << "too few valid cases: the test checks little";
}

TEST_F(ShapeRules, TransposeAgrees) {
  int accepted = 0;
  for (int t = 0; t < kTrials; ++t) {
    grad::Shape in = shape(4, 4);
    grad::OpAttrs a;
    a.perm.resize(in.size());
    std::iota(a.perm.begin(), a.perm.end(), 0);
    std::shuffle(a.perm.begin(), a.perm.end(), rng);
    if (pick(0, 2) == 0 && !a.perm.empty())
      a.perm[pick(0, a.perm.size() - 1)] = pick(-1, 4); // often no longer a permutation
    expectAgree(grad::OpKind::Transpose, {in}, a, accepted);
  }
  EXPECT_GT(accepted, kTrials / 4);
}

TEST_F(ShapeRules, SliceAgrees) {
  int accepted = 0;
  for (int t = 0; t < kTrials; ++t) {
    grad::Shape in = shape(3, 5);
    grad::OpAttrs a;
    size_t n = pick(0, 4) == 0 ? pick(0, 3) : in.size();
    a.starts = ints(n, -1, 4);
    a.limits = ints(n, 0, 6);
    a.strides = ints(n, 0, 3);
    expectAgree(grad::OpKind::Slice, {in}, a, accepted);
  }
  EXPECT_GT(accepted, kTrials / 20);
}

TEST_F(ShapeRules, ConcatAgrees) {
  int accepted = 0;
  for (int t = 0; t < kTrials; ++t) {
    grad::Shape a0 = shape(3, 3);
    grad::Shape a1 = a0;
    grad::OpAttrs a;
    a.axis = pick(-1, 3);
    if (!a1.empty() && pick(0, 1))
      a1[pick(0, a1.size() - 1)] = pick(1, 3);
    expectAgree(grad::OpKind::Concat, {a0, a1}, a, accepted);
  }
  EXPECT_GT(accepted, kTrials / 4);
}

TEST_F(ShapeRules, MatmulAgrees) {
  int accepted = 0;
  for (int t = 0; t < kTrials; ++t) {
    grad::Shape a = shape(4, 3), b = shape(4, 3);
    if (pick(0, 1) && a.size() >= 2) { // make many valid: copy batch dims and k
      b = a;
      std::swap(b[b.size() - 1], b[b.size() - 2]);
      b[b.size() - 1] = pick(1, 3);
    }
    expectAgree(grad::OpKind::Matmul, {a, b}, {}, accepted);
  }
  EXPECT_GT(accepted, kTrials / 10);
}

TEST_F(ShapeRules, ReductionsAgree) {
  int accepted = 0;
  for (int t = 0; t < kTrials; ++t) {
    grad::Shape in = shape(4, 3);
    grad::OpAttrs a;
    a.axes = ints(pick(0, 3), -5, 4);
    a.keepdim = pick(0, 1);
    for (grad::OpKind k : {grad::OpKind::Sum, grad::OpKind::Mean, grad::OpKind::Max})
      expectAgree(k, {in}, a, accepted);
  }
  EXPECT_GT(accepted, kTrials / 4);
}

TEST_F(ShapeRules, ReshapeAgrees) {
  int accepted = 0;
  for (int t = 0; t < kTrials; ++t) {
    grad::Shape in = shape(3, 4);
    grad::OpAttrs a;
    a.shape = shape(3, 4);
    expectAgree(grad::OpKind::Reshape, {in}, a, accepted);
  }
  EXPECT_GT(accepted, kTrials / 20);
}

TEST_F(ShapeRules, InferringBuildersComputeResultTypes) {
  auto f32 = [&](grad::Shape s) { return grad::tensorTypeFor(&ctx, s, grad::DType::f32); };
  builder.setInsertionPointToEnd(module->getBody());
  auto fn = builder.create<func::FuncOp>(
      builder.getUnknownLoc(), "g",
      builder.getFunctionType({f32({2, 3}), f32({2, 3}), f32({3, 4})}, {}));
  Block *entry = fn.addEntryBlock();
  builder.setInsertionPointToEnd(entry);
  Location loc = builder.getUnknownLoc();
  Value a = entry->getArgument(0), b = entry->getArgument(1), w = entry->getArgument(2);
  EXPECT_EQ(builder.create<grad::AddOp>(loc, a, b).getType(), f32({2, 3}));
  EXPECT_EQ(builder.create<grad::ExpOp>(loc, a).getType(), f32({2, 3}));
  EXPECT_EQ(builder.create<grad::SumOp>(loc, a, ArrayRef<int64_t>{1}, false).getType(), f32({2}));
  EXPECT_EQ(builder.create<grad::MeanOp>(loc, a, ArrayRef<int64_t>{0}, true).getType(),
            f32({1, 3}));
  EXPECT_EQ(builder.create<grad::MatmulOp>(loc, a, w).getType(), f32({2, 4}));
  EXPECT_EQ(builder.create<grad::TransposeOp>(loc, a, ArrayRef<int64_t>{1, 0}).getType(),
            f32({3, 2}));
  EXPECT_EQ(builder.create<grad::CmpOp>(loc, "lt", a, b).getType(),
            grad::tensorTypeFor(&ctx, {2, 3}, grad::DType::b8));
}

TEST(NumpyBroadcastDims, AlignsTrailingDims) {
  using V = SmallVector<int64_t>;
  auto dims = [](ArrayRef<int64_t> from, ArrayRef<int64_t> to) {
    return grad::numpyBroadcastDims(from, to, std::nullopt);
  };
  EXPECT_EQ(*dims({3}, {2, 3}), V({1}));
  EXPECT_EQ(*dims({2, 1}, {4, 2, 5}), V({1, 2}));
  EXPECT_EQ(*dims({}, {4, 2}), V({}));
  EXPECT_EQ(*dims({1, 1}, {1, 1}), V({0, 1}));
  EXPECT_TRUE(failed(dims({2}, {3})));
  EXPECT_TRUE(failed(dims({2, 3}, {3})));
}

} // namespace
