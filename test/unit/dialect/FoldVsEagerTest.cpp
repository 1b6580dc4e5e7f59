// fold() of every grad op that folds constants, checked against the eager kernels
// (grad::apply, the one implementation per op that the interpreter and --grad-fold use) on
// random inputs: exact ops must agree bit for bit, transcendental ones within a few ulp (the
// folder and the kernels may call different libm entry points or accumulate in another order).
#include "grad/Dialect/GradDialect.h"
#include "grad/Bridge/OpTableBridge.h"

#include "grad/ops.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/MLIRContext.h"

#include <gtest/gtest.h>

#include <cmath>

using namespace mlir;

namespace {

struct FoldCase {
  grad::OpKind kind;
  std::vector<grad::Tensor> inputs;
  grad::OpAttrs attrs;
  double rtol = 0; ///< 0: bitwise equal
};

grad::Tensor positive(grad::Shape shape, uint64_t seed, grad::DType dtype) {
  return grad::rand(shape, seed, dtype) + 0.25;
}

std::vector<FoldCase> cases(grad::DType dtype) {
  using K = grad::OpKind;
  const bool f32 = dtype == grad::DType::f32;
  const double ulps = f32 ? 4 * 1.2e-7 : 4 * 2.3e-16;
  grad::Shape s = {3, 4};
  grad::Tensor x = grad::randn(s, 1, dtype), y = grad::randn(s, 2, dtype);
  grad::Tensor p = positive(s, 3, dtype);
  std::vector<FoldCase> out;
  grad::OpAttrs none;
  for (K k : {K::Neg, K::Abs, K::Relu, K::Sqrt})
    out.push_back({k, {k == K::Sqrt ? p : x}, none, 0.0});
  for (K k : {K::Exp, K::Tanh, K::Sigmoid, K::Gelu, K::Sin, K::Cos})
    out.push_back({k, {x}, none, ulps});
  for (K k : {K::Log, K::Rsqrt})
    out.push_back({k, {p}, none, ulps});
  for (K k : {K::Add, K::Sub, K::Mul, K::Div, K::Maximum, K::Minimum})
    out.push_back({k, {x, y}, none, 0.0});
  out.push_back({K::Pow, {p, y}, none, ulps});
  for (grad::CmpPredicate pr : {grad::CmpPredicate::lt, grad::CmpPredicate::le,
                                grad::CmpPredicate::gt, grad::CmpPredicate::ge,
                                grad::CmpPredicate::eq}) {
    grad::OpAttrs a;
    a.predicate = pr;
    // Half of y's entries equal x's, so that le/ge/eq see ties.
    grad::Tensor tie = grad::where(grad::lt(y, 0.0), x, y);
    out.push_back({K::Cmp, {x, tie}, a, 0.0});
  }
  out.push_back({K::Select, {grad::lt(x, y), x, y}, none, 0.0});
  for (int axis : {0, 1}) {
    grad::OpAttrs a;
    a.axes = {axis};
    a.keepdim = axis == 1;
    // Summation order may differ from the kernel's: tolerance relative to the sum of |x|.
    out.push_back({K::Sum, {x}, a, f32 ? 1e-6 : 1e-14});
    out.push_back({K::Mean, {x}, a, f32 ? 1e-6 : 1e-14});
    out.push_back({K::Max, {x}, a, 0.0});
  }
  grad::OpAttrs bc;
  bc.dims = {0, 2};
  bc.shape = {3, 2, 4};
  out.push_back({K::Broadcast, {x}, bc, 0.0});
  grad::OpAttrs bc1;
  bc1.dims = {1, 2};
  bc1.shape = {2, 3, 4};
  out.push_back({K::Broadcast, {grad::randn({1, 4}, 7, dtype)}, bc1, 0.0});
  grad::OpAttrs tr;
  tr.perm = {1, 0};
  out.push_back({K::Transpose, {x}, tr, 0.0});
  grad::OpAttrs tr3;
  tr3.perm = {2, 0, 1};
  out.push_back({K::Transpose, {grad::randn({2, 3, 4}, 8, dtype)}, tr3, 0.0});
  grad::OpAttrs rs;
  rs.shape = {2, 6};
  out.push_back({K::Reshape, {x}, rs, 0.0});
  grad::OpAttrs sl;
  sl.starts = {1, 0};
  sl.limits = {3, 4};
  sl.strides = {1, 3};
  out.push_back({K::Slice, {x}, sl, 0.0});
  grad::OpAttrs cc;
  cc.axis = 1;
  out.push_back({K::Concat, {x, grad::randn({3, 2}, 9, dtype), y}, cc, 0.0});
  for (grad::DType to : {grad::DType::f32, grad::DType::f64, grad::DType::i64, grad::DType::b8}) {
    grad::OpAttrs cv;
    cv.dtype = to;
    out.push_back({K::Convert, {x * 10.0}, cv, 0.0});
  }
  return out;
}

/// Values of `t` as doubles (b8/i64 converted), row-major.
std::vector<double> values(const grad::Tensor &t) { return t.to_vector<double>(); }

class FoldVsEager : public ::testing::TestWithParam<grad::DType> {};

TEST_P(FoldVsEager, FoldMatchesTheEagerKernel) {
  MLIRContext ctx;
  ctx.loadDialect<grad::GradDialect, func::FuncDialect>();
  OpBuilder b(&ctx);
  OwningOpRef<ModuleOp> module = ModuleOp::create(b.getUnknownLoc());
  b.setInsertionPointToEnd(module->getBody());
  Location loc = b.getUnknownLoc();

  for (const FoldCase &c : cases(GetParam())) {
    const char *name = grad::op_info(c.kind).name;
    SCOPED_TRACE(std::string(name) + " " + grad::dtype_name(GetParam()));
    SmallVector<Value> operands;
    SmallVector<Attribute> constants;
    for (const grad::Tensor &t : c.inputs) {
      grad::OpAttrs ca;
      ca.value = std::make_shared<const grad::Tensor>(t);
      FailureOr<Value> v = grad::buildGradOp(b, loc, grad::OpKind::Constant, {}, ca);
      ASSERT_TRUE(succeeded(v));
      operands.push_back(*v);
      constants.push_back(cast<grad::ConstantOp>(v->getDefiningOp()).getValue());
    }
    FailureOr<Value> result = grad::buildGradOp(b, loc, c.kind, operands, c.attrs);
    ASSERT_TRUE(succeeded(result));
    SmallVector<OpFoldResult> folded;
    ASSERT_TRUE(succeeded(result->getDefiningOp()->fold(constants, folded)));
    ASSERT_EQ(folded.size(), 1u);
    // A fold to an existing value (convert to the same type) must be one of the constants.
    DenseElementsAttr attr;
    if (auto value = dyn_cast<Value>(folded[0]))
      attr = cast<grad::ConstantOp>(value.getDefiningOp()).getValue();
    else
      attr = dyn_cast_if_present<DenseElementsAttr>(dyn_cast<Attribute>(folded[0]));
    ASSERT_TRUE(attr) << "fold did not produce a constant";
    FailureOr<grad::Tensor> got = grad::denseAttrToTensor(attr);
    ASSERT_TRUE(succeeded(got));

    grad::Tensor want = grad::apply(c.kind, c.inputs, c.attrs);
    ASSERT_EQ(got->shape(), want.shape());
    ASSERT_EQ(got->dtype(), want.dtype());
    std::vector<double> g = values(*got), w = values(want);
    double scale = 0;
    if (c.kind == grad::OpKind::Sum || c.kind == grad::OpKind::Mean)
      for (double v : values(c.inputs[0]))
        scale += std::abs(v);
    // gelu = 0.5 x (1 + tanh(u)): where tanh(u) is near -1 the sum cancels, and an ulp of tanh
    // (libm's in the folder, SLEEF's in the eager kernel) is an error of 0.5 |x| ulp in gelu.
    if (c.kind == grad::OpKind::Gelu)
      for (double v : values(c.inputs[0]))
        scale = std::max(scale, 0.5 * std::abs(v));
    for (size_t i = 0; i < g.size(); ++i) {
      if (std::isnan(w[i])) {
        EXPECT_TRUE(std::isnan(g[i])) << "element " << i;
        continue;
      }
      if (c.rtol == 0)
        EXPECT_EQ(g[i], w[i]) << "element " << i;
      else
        EXPECT_NEAR(g[i], w[i], c.rtol * std::max(std::abs(w[i]), scale) + 1e-300)
            << "element " << i;
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Dtypes, FoldVsEager,
                         ::testing::Values(grad::DType::f32, grad::DType::f64),
                         [](const auto &info) { return grad::dtype_name(info.param); });

} // namespace
