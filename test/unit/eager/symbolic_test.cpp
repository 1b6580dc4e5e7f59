// The symbolic path of apply(): a fake SymbolicContext records what the tracer would emit.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "grad/eager.h"

namespace grad {
namespace {

class FakeContext;

class FakeValue : public SymbolicValue {
public:
  FakeValue(FakeContext& ctx, int id) : ctx_(ctx), id_(id) {}
  SymbolicContext& context() const override;
  int id() const { return id_; }

private:
  FakeContext& ctx_;
  int id_;
};

/// Records "name(operand ids) -> shape dtype" per emitted op and "lift shape" per constant.
class FakeContext : public SymbolicContext {
public:
  std::shared_ptr<SymbolicValue> emit(OpKind kind, const std::vector<Tensor>& inputs,
                                      const OpAttrs& attrs, const Shape& shape,
                                      DType dtype) override {
    std::string line = op_info(kind).name;
    line += "(";
    for (size_t i = 0; i < inputs.size(); ++i) {
      EXPECT_TRUE(inputs[i].is_symbolic());
      line += (i ? "," : "") + std::to_string(static_cast<FakeValue&>(*inputs[i].symbolic()).id());
    }
    line += ") -> " + shape_str(shape) + " " + dtype_name(dtype);
    if (kind == OpKind::Sum)
      line += " axes=" + shape_str(attrs.axes);
    log.push_back(line);
    return std::make_shared<FakeValue>(*this, next_id++);
  }
  std::shared_ptr<SymbolicValue> lift(const Tensor& concrete) override {
    EXPECT_FALSE(concrete.is_symbolic());
    log.push_back("lift " + shape_str(concrete.shape()) + " " + dtype_name(concrete.dtype()));
    return std::make_shared<FakeValue>(*this, next_id++);
  }
  Tensor arg(Shape shape, DType dtype = DType::f32) {
    return make_symbolic(std::move(shape), dtype, std::make_shared<FakeValue>(*this, next_id++));
  }
  std::vector<std::string> log;
  int next_id = 0;
};

SymbolicContext& FakeValue::context() const { return ctx_; }

TEST(Symbolic, PrimitivesAreEmittedWithInferredShapes) {
  FakeContext ctx;
  NoGradGuard tracing;
  Tensor x = ctx.arg({2, 3}); // id 0
  Tensor w = ctx.arg({3, 4}); // id 1
  Tensor b = ctx.arg({4});    // id 2
  Tensor y = relu(matmul(x, w) + b);
  EXPECT_TRUE(y.is_symbolic());
  EXPECT_EQ(y.shape(), (Shape{2, 4}));
  EXPECT_EQ(ctx.log,
            (std::vector<std::string>{"matmul(0,1) -> [2,4] f32", "broadcast(2) -> [2,4] f32",
                                      "add(3,4) -> [2,4] f32", "relu(5) -> [2,4] f32"}));
}

TEST(Symbolic, ConcreteOperandsAreLiftedAndScalarsStayScalars) {
  FakeContext ctx;
  NoGradGuard tracing;
  Tensor x = ctx.arg({2, 3});      // id 0
  Tensor c = ones({3});            // a captured weight
  Tensor y = sum(x * c * 2.0, -1); // scalar 2.0: a 0-d constant broadcast, not a [2,3] one
  EXPECT_EQ(y.shape(), (Shape{2}));
  EXPECT_EQ(ctx.log, (std::vector<std::string>{"lift [3] f32", "broadcast(1) -> [2,3] f32",
                                               "mul(0,2) -> [2,3] f32", "lift [] f32",
                                               "broadcast(4) -> [2,3] f32", "mul(3,5) -> [2,3] f32",
                                               "sum(6) -> [2] f32 axes=[1]"}));
}

TEST(Symbolic, CompositesDecomposeIntoPrimitives) {
  FakeContext ctx;
  NoGradGuard tracing;
  Tensor logits = ctx.arg({4, 3});
  Tensor labels = ctx.arg({4}, DType::i64);
  Tensor loss = cross_entropy(logits, labels);
  EXPECT_EQ(loss.shape(), Shape{});
  std::vector<std::string> names;
  for (const std::string& l : ctx.log)
    names.push_back(l.substr(0, l.find('(')));
  // No gather: the one-hot pick is cmp + select + sum.
  EXPECT_EQ(std::count(names.begin(), names.end(), "gather"), 0);
  EXPECT_GE(std::count(names.begin(), names.end(), "cmp"), 1);
  EXPECT_GE(std::count(names.begin(), names.end(), "select"), 1);
  EXPECT_GE(std::count(names.begin(), names.end(), "max"), 1); // stable logsumexp
}

TEST(Symbolic, VjpRulesRunOnSymbolicTensors) {
  // What the compiler's autodiff pass does: call a rule from the op table with symbolic values.
  FakeContext ctx;
  NoGradGuard tracing;
  Tensor a = ctx.arg({2, 3}), b = ctx.arg({3, 4}), out = ctx.arg({2, 4}), g = ctx.arg({2, 4});
  std::vector<Tensor> inputs{a, b};
  OpAttrs attrs;
  VjpContext vctx{inputs, out, attrs, {true, true}};
  std::vector<Tensor> grads = op_info(OpKind::Matmul).vjp(vctx, g);
  ASSERT_EQ(grads.size(), 2u);
  EXPECT_TRUE(grads[0].is_symbolic());
  EXPECT_EQ(grads[0].shape(), (Shape{2, 3}));
  EXPECT_EQ(grads[1].shape(), (Shape{3, 4}));
  // Every differentiable primitive has a rule; Cmp and Constant have none.
  for (int k = 0; k < kNumOpKinds; ++k) {
    OpKind kind = static_cast<OpKind>(k);
    bool differentiable = kind != OpKind::Cmp && kind != OpKind::Constant;
    EXPECT_EQ(op_info(kind).vjp != nullptr, differentiable) << op_info(kind).name;
    EXPECT_EQ(op_info(kind).kind, kind);
    EXPECT_EQ(op_kind_from_name(op_info(kind).name), kind);
  }
  // Slice's rule scatters with broadcast zeros + concat (no dense constants).
  Tensor x = ctx.arg({6});
  OpAttrs sl;
  sl.starts = {1};
  sl.limits = {6};
  sl.strides = {2};
  std::vector<Tensor> sin{x};
  Tensor sout = ctx.arg({3});
  ctx.log.clear();
  VjpContext sctx{sin, sout, sl, {true}};
  Tensor gs = op_info(OpKind::Slice).vjp(sctx, ctx.arg({3}))[0];
  EXPECT_EQ(gs.shape(), (Shape{6}));
  for (const std::string& l : ctx.log)
    if (l.rfind("lift", 0) == 0)
      EXPECT_EQ(l, "lift [] f32");
}

TEST(Symbolic, ReadingValuesIsAClearError) {
  FakeContext ctx;
  Tensor x = ctx.arg({2, 3});
  try {
    x.item<float>();
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(std::string(e.what()),
              "item: cannot read the value of a symbolic tensor while tracing (shape [2,3], f32); "
              "data-dependent host control flow is not traceable: use grad::where for a "
              "data-dependent choice, or run eagerly");
  }
  EXPECT_THROW(x.to_vector<float>(), Error);
  EXPECT_THROW(x.data_ptr<float>(), Error);
  EXPECT_THROW(x.str(), Error);
  EXPECT_THROW(x.add_(1.0), Error);
  // Shape errors are the same as in eager mode.
  EXPECT_THROW(add(x, ctx.arg({4})), Error);
}

TEST(Symbolic, LayerNormAndGeluTraceAsPrimitives) {
  // Eagerly layer_norm runs a fused kernel; traced it stays the composite the compiler fuses:
  // mean, sub, mul, mean, add eps, rsqrt, mul (then weight and bias).
  auto names = [](const std::vector<std::string>& log) {
    std::string out;
    for (const std::string& l : log)
      out += l.substr(0, l.find_first_of("( ")) + " ";
    return out;
  };
  {
    FakeContext ctx;
    NoGradGuard tracing;
    Tensor x = ctx.arg({2, 3});
    Tensor y = gelu(layer_norm(x, {3}, ctx.arg({3}), ctx.arg({3})));
    EXPECT_TRUE(y.is_symbolic());
    EXPECT_EQ(names(ctx.log), "mean broadcast sub mul mean lift broadcast add rsqrt broadcast mul "
                              "broadcast mul broadcast add gelu ")
        << ::testing::PrintToString(ctx.log);
  }
  {
    FakeContext ctx;
    NoGradGuard tracing;
    // A concrete input with a symbolic weight: the normalization runs eagerly (composite), the
    // product with the weight is traced.
    Tensor y = layer_norm(ones({2, 3}), {3}, ctx.arg({3}));
    EXPECT_TRUE(y.is_symbolic());
    EXPECT_EQ(names(ctx.log), "lift broadcast mul ");
  }
}

TEST(Symbolic, ValueAndGradNeedsTheCompilerHook) {
  FakeContext ctx;
  auto vg = value_and_grad([](const std::vector<Tensor>& a) { return sum(a[0]); }, {0});
  EXPECT_THROW(vg({ctx.arg({2})}), Error);
  bool called = false;
  set_symbolic_value_and_grad_hook([&](const auto& fn, const auto& args, const auto& argnums) {
    called = true;
    return std::pair<Tensor, std::vector<Tensor>>{fn(args), {args[0]}};
  });
  auto [v, g] = vg({ctx.arg({2})});
  EXPECT_TRUE(called);
  EXPECT_TRUE(v.is_symbolic());
  set_symbolic_value_and_grad_hook(nullptr);
}

} // namespace
} // namespace grad
