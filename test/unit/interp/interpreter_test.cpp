//===- interpreter_test.cpp - grad::interpret through its C++ API ---------===//
//
// The API the tracer and the backends' tests use: hand-computed results, and each argument
// error (count, shape, dtype, undefined tensor) as a failure with a diagnostic naming the
// function, the argument and both types, never an exception.
//
//===----------------------------------------------------------------------===//

#include "grad/Dialect/Registration.h"
#include "grad/Interpreter/Interpreter.h"
#include "grad/ops.h"

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/Parser/Parser.h"

#include <gtest/gtest.h>

using namespace mlir;

namespace {

constexpr const char *kModule = R"mlir(
func.func private @square(%x: tensor<2xf32>) -> tensor<2xf32> {
  %0 = grad.mul %x, %x : tensor<2xf32>
  return %0 : tensor<2xf32>
}
func.func @f(%x: tensor<2xf32>, %n: tensor<2xi64>) -> (tensor<2xf32>, tensor<i64>) {
  %s = func.call @square(%x) : (tensor<2xf32>) -> tensor<2xf32>
  %r = grad.fusion (%s) : (tensor<2xf32>) -> tensor<2xf32> {
  ^bb0(%a: tensor<2xf32>):
    %one = grad.constant dense<1.0> : tensor<2xf32>
    %b = grad.add %a, %one : tensor<2xf32>
    grad.yield %b : tensor<2xf32>
  }
  %t = grad.sum %n {axes = array<i64: 0>} : tensor<2xi64> -> tensor<i64>
  return %r, %t : tensor<2xf32>, tensor<i64>
}
)mlir";

class InterpreterTest : public ::testing::Test {
protected:
  InterpreterTest() {
    DialectRegistry registry;
    grad::registerGradDialects(registry);
    ctx.appendDialectRegistry(registry);
    ctx.loadAllAvailableDialects();
    module = parseSourceString<ModuleOp>(kModule, &ctx);
  }

  /// Runs @f and returns the diagnostics it emitted (empty on success).
  std::string runExpectingError(const std::vector<grad::Tensor> &args) {
    std::string messages;
    ScopedDiagnosticHandler handler(&ctx, [&](Diagnostic &d) {
      messages += d.str() + "\n";
      return success();
    });
    EXPECT_TRUE(failed(grad::interpret(fn(), args)));
    return messages;
  }
  func::FuncOp fn() { return module->lookupSymbol<func::FuncOp>("f"); }

  MLIRContext ctx;
  OwningOpRef<ModuleOp> module;
};

TEST_F(InterpreterTest, CallFusionAndIntegerReduction) {
  ASSERT_TRUE(module);
  auto out = grad::interpret(
      fn(), {grad::tensor({1.5f, -3.0f}, {2}), grad::tensor(std::vector<int64_t>{40, 2}, {2})});
  ASSERT_TRUE(succeeded(out));
  ASSERT_EQ(out->size(), 2u);
  EXPECT_EQ((*out)[0].to_vector<float>(), (std::vector<float>{3.25f, 10.0f})); // x*x + 1
  EXPECT_EQ((*out)[1].dim(), 0);
  EXPECT_EQ((*out)[1].item<int64_t>(), 42);
}

TEST_F(InterpreterTest, WrongArgumentCount) {
  ASSERT_TRUE(module);
  EXPECT_NE(runExpectingError({grad::tensor({1.0f, 2.0f}, {2})})
                .find("interpreter: @f takes 2 argument(s), got 1"),
            std::string::npos);
}

TEST_F(InterpreterTest, WrongShapeAndDtype) {
  ASSERT_TRUE(module);
  grad::Tensor n = grad::tensor(std::vector<int64_t>{1, 2}, {2});
  std::string shape = runExpectingError({grad::tensor({1.0f, 2.0f, 3.0f}, {3}), n});
  EXPECT_NE(shape.find("argument #0 of @f must be 'tensor<2xf32>', got f32[3]"), std::string::npos)
      << shape;
  std::string dtype = runExpectingError({grad::tensor({1.0f, 2.0f}, {2}), n.to(grad::DType::f64)});
  EXPECT_NE(dtype.find("argument #1 of @f must be 'tensor<2xi64>', got f64[2]"), std::string::npos)
      << dtype;
  std::string undefined = runExpectingError({grad::Tensor(), n});
  EXPECT_NE(undefined.find("got an undefined tensor"), std::string::npos) << undefined;
}

TEST_F(InterpreterTest, KernelErrorBecomesDiagnosticAtTheOp) {
  const char *src = R"mlir(
func.func @g(%i: tensor<1xi64>) -> tensor<1x2xf32> {
  %t = grad.constant dense<[[1.0, 2.0], [3.0, 4.0]]> : tensor<2x2xf32>
  %0 = grad.gather %t, %i : tensor<2x2xf32>, tensor<1xi64> -> tensor<1x2xf32>
  return %0 : tensor<1x2xf32>
}
)mlir";
  OwningOpRef<ModuleOp> m = parseSourceString<ModuleOp>(src, &ctx);
  ASSERT_TRUE(m);
  std::string messages;
  ScopedDiagnosticHandler handler(&ctx, [&](Diagnostic &d) {
    messages += d.str();
    return success();
  });
  auto g = m->lookupSymbol<func::FuncOp>("g");
  EXPECT_TRUE(failed(grad::interpret(g, {grad::tensor(std::vector<int64_t>{5}, {1})})));
  EXPECT_NE(messages.find("evaluation failed"), std::string::npos) << messages;
  // A valid index runs.
  auto ok = grad::interpret(g, {grad::tensor(std::vector<int64_t>{1}, {1})});
  ASSERT_TRUE(succeeded(ok));
  EXPECT_EQ((*ok)[0].to_vector<float>(), (std::vector<float>{3.0f, 4.0f}));
}

} // namespace
