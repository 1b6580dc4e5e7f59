// Grad of grad with the function-level transformation: @f -> @f_grad, then
// @h(x, v) = sum(f_grad(x).grad * v) built from f_grad's body, then @h -> @h_grad whose gradient
// is the Hessian-vector product. The backward IR is ordinary grad IR, so it differentiates again.
#include "autodiff_check.h"

#include "mlir/IR/IRMapping.h"

#include <gtest/gtest.h>

using namespace grad;
using namespace grad::testing;

namespace {

TEST(AutodiffTwice, HessianVectorProductOfTheGradFunction) {
  // f(x) = sum(exp(x) * x) + (sum x^2)^2
  //   grad_i = exp(x_i)(1 + x_i) + 4 s x_i with s = sum x^2
  //   (H v)_i = exp(x_i)(2 + x_i) v_i + 4 s v_i + 8 x_i (x . v)
  auto f = [](const std::vector<Tensor> &a) {
    Tensor s = sum(a[0] * a[0]);
    return sum(exp(a[0]) * a[0]) + s * s;
  };
  Tensor x = tensor(std::vector<double>{0.3, -0.7, 1.1, 0.2}, {4});
  Tensor v = tensor(std::vector<double>{1.0, -2.0, 0.5, 0.25}, {4});

  auto ctx = createTraceContext();
  mlir::OwningOpRef<mlir::ModuleOp> module =
      mlir::ModuleOp::create(mlir::UnknownLoc::get(ctx.get()));
  std::vector<size_t> structure;
  detail::FlatFn flat = [&](const std::vector<Tensor> &args, std::vector<size_t> &) {
    return std::vector<Tensor>{f(args)};
  };
  mlir::func::FuncOp fOp = traceFunction(*module, "f", flat, {x}, structure);
  mlir::FailureOr<mlir::func::FuncOp> fGrad = buildGradFunction(fOp, {0});
  ASSERT_TRUE(mlir::succeeded(fGrad));

  // @h(x, v): f_grad's body inlined, then sum(grad * v).
  mlir::Type xType = fOp.getArgumentTypes()[0];
  mlir::OpBuilder mb = mlir::OpBuilder::atBlockEnd(module->getBody());
  auto h = mb.create<mlir::func::FuncOp>(fOp.getLoc(), "h",
                                         mlir::FunctionType::get(ctx.get(), {xType, xType}, {}));
  mlir::Block *entry = h.addEntryBlock();
  mlir::IRMapping mapping;
  mapping.map(fGrad->getArgument(0), entry->getArgument(0));
  mlir::OpBuilder body = mlir::OpBuilder::atBlockEnd(entry);
  for (mlir::Operation &op : fGrad->getBody().front().without_terminator())
    body.clone(op, mapping);
  mlir::Value g = mapping.lookup(fGrad->getBody().front().getTerminator()->getOperand(1));
  auto sctx = IRSymbolicContext::create(body, fOp.getLoc());
  Tensor hv = sum(sctx->wrap(g) * sctx->wrap(entry->getArgument(1)));
  mlir::Value hvValue = sctx->valueOf(hv);
  sctx->close();
  body.create<mlir::func::ReturnOp>(fOp.getLoc(), hvValue);
  h.setType(mlir::FunctionType::get(ctx.get(), {xType, xType}, {hvValue.getType()}));

  mlir::FailureOr<mlir::func::FuncOp> hGrad = buildGradFunction(h, {0});
  ASSERT_TRUE(mlir::succeeded(hGrad));
  optimizeTracedModule(*module, /*optimize=*/true);

  std::vector<Tensor> out = compileEntry(*module, "h_grad", JitBackend::Interpreter)->run({x, v});
  ASSERT_EQ(out.size(), 2u);
  std::vector<double> xs = x.to_vector<double>(), vs = v.to_vector<double>();
  double s = 0, xv = 0, gv = 0;
  for (int i = 0; i < 4; ++i) {
    s += xs[i] * xs[i];
    xv += xs[i] * vs[i];
  }
  for (int i = 0; i < 4; ++i)
    gv += (std::exp(xs[i]) * (1 + xs[i]) + 4 * s * xs[i]) * vs[i];
  EXPECT_NEAR(out[0].item<double>(), gv, 1e-12);
  std::vector<double> got = out[1].to_vector<double>();
  for (int i = 0; i < 4; ++i)
    EXPECT_NEAR(got[i], std::exp(xs[i]) * (2 + xs[i]) * vs[i] + 4 * s * vs[i] + 8 * xs[i] * xv,
                1e-12)
        << i;
}

} // namespace
