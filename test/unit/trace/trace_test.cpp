// grad::trace and grad::jit: the printed IR, the .mlir round trip through grad-opt, host loops
// unrolling, the data-dependent control flow error, escaped symbolic tensors, the jit cache.
#include "grad/jit.h"

#include "grad/Dialect/Registration.h"
#include "grad/Jit/Tracer.h"
#include "grad/autograd.h"
#include "grad/ops.h"
#include "grad/transforms.h"

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/Verifier.h"
#include "mlir/Parser/Parser.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

using namespace grad;
namespace fs = std::filesystem;

namespace {

size_t countOccurrences(const std::string &text, const std::string &needle) {
  size_t n = 0;
  for (size_t pos = text.find(needle); pos != std::string::npos;
       pos = text.find(needle, pos + needle.size()))
    ++n;
  return n;
}

std::vector<Tensor> mlpInputs() { return {randn({4, 3}, 1), randn({3, 2}, 2), randn({2}, 3)}; }

Tensor mlp(const std::vector<Tensor> &a) { return relu(matmul(a[0], a[1]) + a[2]); }

TEST(Trace, PrintsOneGradOpPerPrimitive) {
  TracedFunction t = trace(mlp, mlpInputs());
  std::string ir = t.mlir();
  EXPECT_NE(ir.find("func.func @forward(%arg0: tensor<4x3xf32>, %arg1: tensor<3x2xf32>, "
                    "%arg2: tensor<2xf32>) -> tensor<4x2xf32>"),
            std::string::npos)
      << ir;
  EXPECT_EQ(countOccurrences(ir, "grad.matmul"), 1u) << ir;
  EXPECT_EQ(countOccurrences(ir, "grad.broadcast"), 1u) << ir; // the bias, [2] -> [4,2]
  EXPECT_EQ(countOccurrences(ir, "grad.add"), 1u) << ir;
  EXPECT_EQ(countOccurrences(ir, "grad.relu"), 1u) << ir;
  // The parameters are arguments, not baked constants.
  EXPECT_EQ(countOccurrences(ir, "grad.constant"), 0u) << ir;
}

TEST(Trace, RunsLikeEager) {
  std::vector<Tensor> in = mlpInputs();
  TracedFunction t = trace(mlp, in);
  Tensor traced = t(in).at(0);
  Tensor eager = mlp(in);
  EXPECT_EQ(traced.to_vector<float>(), eager.to_vector<float>());
}

TEST(Trace, HostLoopsUnroll) {
  auto deep = [](const std::vector<Tensor> &a) {
    Tensor h = a[0];
    for (int layer = 0; layer < 3; ++layer)
      h = tanh(matmul(h, a[1]));
    return h;
  };
  std::string ir = trace(deep, {randn({2, 2}, 4), randn({2, 2}, 5)}).mlir();
  EXPECT_EQ(countOccurrences(ir, "grad.tanh"), 3u) << ir;
  EXPECT_EQ(countOccurrences(ir, "grad.matmul"), 3u) << ir;
}

TEST(Trace, CapturedConcreteTensorsBecomeConstants) {
  Tensor w = tensor(std::vector<float>{1, 2, 3}, {3});
  auto fn = [w](const std::vector<Tensor> &a) { return a[0] * w; };
  TracedFunction t = trace(fn, {ones({3})});
  EXPECT_NE(t.mlir().find("grad.constant"), std::string::npos) << t.mlir();
  EXPECT_EQ(t({tensor(std::vector<float>{2, 2, 2}, {3})}).at(0).to_vector<float>(),
            (std::vector<float>{2, 4, 6}));
}

TEST(Trace, SavedFileParsesBackAndGradOptReadsIt) {
  std::vector<Tensor> in = mlpInputs();
  // A scalar loss, so that gradc --grad can differentiate it.
  TracedFunction t = trace([](const std::vector<Tensor> &a) { return sum(mlp(a)); }, in);
  fs::path path =
      fs::temp_directory_path() / ("grad_trace_" + std::to_string(::getpid()) + ".mlir");
  t.save(path.string());

  // In process: the file parses and verifies in a fresh context.
  auto ctx = createTraceContext();
  mlir::OwningOpRef<mlir::ModuleOp> parsed =
      mlir::parseSourceFile<mlir::ModuleOp>(path.string(), ctx.get());
  ASSERT_TRUE(parsed);
  EXPECT_TRUE(mlir::succeeded(mlir::verify(*parsed)));

  // The tools: grad-opt (and gradc when built) read the saved file and print the same function.
  fs::path bin = fs::canonical("/proc/self/exe").parent_path();
  for (const char *tool : {"grad-opt", "gradc"}) {
    fs::path exe = bin / tool;
    if (!fs::exists(exe))
      continue;
    fs::path out = path;
    out += std::string(".") + tool + ".out";
    // gradc also differentiates the traced function (--grad runs the autodiff pass on it).
    bool isGradc = std::string(tool) == "gradc";
    std::string extra = isGradc ? " --emit=mlir --no-fuse --grad=forward" : "";
    std::string cmd = exe.string() + " " + path.string() + extra + " > " + out.string() + " 2>&1";
    ASSERT_EQ(std::system(cmd.c_str()), 0) << cmd;
    std::ifstream f(out);
    std::stringstream text;
    text << f.rdbuf();
    EXPECT_NE(text.str().find("grad.matmul"), std::string::npos) << tool << ": " << text.str();
    if (isGradc)
      EXPECT_NE(text.str().find("func.func @forward_grad("), std::string::npos) << text.str();
    fs::remove(out);
  }
  fs::remove(path);
}

TEST(Trace, SaveToBadPathThrows) {
  TracedFunction t = trace(mlp, mlpInputs());
  EXPECT_THROW(t.save("/nonexistent-dir/x.mlir"), Error);
}

TEST(Trace, DataDependentControlFlowIsAClearError) {
  auto branchy = [](const std::vector<Tensor> &a) {
    if (a[0].sum().item<float>() > 0) // reads a value while tracing
      return a[0] * 2.0;
    return a[0];
  };
  try {
    trace(branchy, {ones({2, 3})});
    FAIL() << "tracing a data-dependent branch must throw";
  } catch (const Error &e) {
    std::string msg = e.what();
    EXPECT_NE(msg.find("item"), std::string::npos) << msg;
    EXPECT_NE(msg.find("symbolic"), std::string::npos) << msg;
    EXPECT_NE(msg.find("grad::where"), std::string::npos) << msg;
    EXPECT_NE(msg.find("eager"), std::string::npos) << msg;
  }
  auto reads = [](const std::vector<Tensor> &a) {
    std::vector<float> host = a[0].to_vector<float>();
    return a[0] * static_cast<double>(host[0]);
  };
  try {
    trace(reads, {ones({2})});
    FAIL() << "to_vector on a symbolic tensor must throw";
  } catch (const Error &e) {
    EXPECT_NE(std::string(e.what()).find("to_vector"), std::string::npos) << e.what();
  }
  // The branch written with grad::where traces and runs both ways.
  auto selecting = [](const std::vector<Tensor> &a) {
    return where(gt(sum(a[0]), 0.0), a[0] * 2.0, a[0]);
  };
  Tensor x = tensor(std::vector<float>{1, -3}, {2});
  EXPECT_EQ(trace(selecting, {x})({x}).at(0).to_vector<float>(), (std::vector<float>{1, -3}));
}

TEST(Trace, EscapedSymbolicTensorIsAnError) {
  Tensor escaped;
  auto leaky = [&escaped](const std::vector<Tensor> &a) {
    escaped = a[0] * 2.0;
    return escaped;
  };
  trace(leaky, {ones({2})});
  ASSERT_TRUE(escaped.is_symbolic());
  try {
    Tensor y = escaped + 1.0;
    FAIL() << "using a symbolic tensor after its trace must throw";
  } catch (const Error &e) {
    EXPECT_NE(std::string(e.what()).find("after its trace ended"), std::string::npos) << e.what();
  }
}

TEST(Jit, CacheHitDoesNotRetrace) {
  int bodyRuns = 0;
  auto f = jit([&bodyRuns](const std::vector<Tensor> &a) {
    ++bodyRuns;
    return tanh(a[0]) * a[1];
  });
  Tensor x = randn({2, 3}, 6), y = randn({2, 3}, 7);
  Tensor first = f({x, y});
  EXPECT_EQ(bodyRuns, 1);
  for (uint64_t seed = 10; seed < 15; ++seed) {
    Tensor xi = randn({2, 3}, seed);
    std::vector<float> got = f({xi, y}).to_vector<float>();
    std::vector<float> want = (tanh(xi) * y).to_vector<float>();
    ASSERT_EQ(got.size(), want.size());
    for (size_t i = 0; i < got.size(); ++i) // native tanh is a polynomial: within a few ulp
      EXPECT_NEAR(got[i], want[i], 1e-6f);
  }
  EXPECT_EQ(bodyRuns, 1) << "same signature: the body must not run again";
  EXPECT_EQ(f.num_traces(), 1u);

  f({randn({4, 3}, 8), randn({4, 3}, 9)}); // new shape
  EXPECT_EQ(bodyRuns, 2);
  f({randn({2, 3}, 8, DType::f64), randn({2, 3}, 9, DType::f64)}); // new dtype
  EXPECT_EQ(bodyRuns, 3);
  f({x, y}); // the first signature is still cached
  EXPECT_EQ(bodyRuns, 3);
  EXPECT_EQ(f.cache_size(), 3u);
  std::vector<float> got = first.to_vector<float>(), want = (tanh(x) * y).to_vector<float>();
  for (size_t i = 0; i < got.size(); ++i)
    EXPECT_NEAR(got[i], want[i], 1e-6f);
}

TEST(Jit, ReturnsVectorsLikeTheWrappedFunction) {
  auto f = jit([](const std::vector<Tensor> &a) {
    return std::vector<Tensor>{a[0] + a[1], a[0] * a[1]};
  });
  Tensor x = tensor(std::vector<float>{1, 2}, {2}), y = tensor(std::vector<float>{3, 4}, {2});
  std::vector<Tensor> out = f({x, y});
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(out[0].to_vector<float>(), (std::vector<float>{4, 6}));
  EXPECT_EQ(out[1].to_vector<float>(), (std::vector<float>{3, 8}));
}

TEST(Jit, NestedJitIsInlined) {
  auto inner = jit([](const std::vector<Tensor> &a) { return exp(a[0]); });
  int outerRuns = 0;
  auto outer = jit([&](const std::vector<Tensor> &a) {
    ++outerRuns;
    return inner({a[0]}) + 1.0;
  });
  Tensor x = tensor(std::vector<float>{0, 1}, {2});
  std::vector<float> got = outer({x}).to_vector<float>();
  EXPECT_FLOAT_EQ(got[0], 2.0f);
  EXPECT_FLOAT_EQ(got[1], std::exp(1.0f) + 1.0f);
  EXPECT_EQ(inner.num_traces(), 0u); // inlined into outer's trace, never compiled on its own
  EXPECT_NE(outer.mlir({x}).find("grad.exp"), std::string::npos);
}

TEST(Jit, UnknownBackendInEnvironmentIsAnError) {
  ::setenv("GRAD_JIT_BACKEND", "tpu", 1);
  EXPECT_THROW(jit(mlp), Error);
  ::unsetenv("GRAD_JIT_BACKEND");
}

} // namespace

namespace {

TEST(Jit, DetachStopsTheGradientLikeEager) {
  // d/dx sum(x * detach(x)) = detach(x) = x, not 2x.
  TensorFn f = [](const std::vector<Tensor> &a) { return sum(a[0] * a[0].detach()); };
  Tensor x = tensor(std::vector<double>{1.5, -2.0, 0.25}, {3});
  auto [ev, eg] = value_and_grad(f, {0})({x});
  auto jitted = jit(value_and_grad(f, {0}));
  auto [jv, jg] = jitted({x});
  EXPECT_EQ(eg[0].to_vector<double>(), x.to_vector<double>());
  EXPECT_EQ(jg[0].to_vector<double>(), x.to_vector<double>());
  EXPECT_DOUBLE_EQ(jv.item<double>(), ev.item<double>());
  // The stop-gradient mark is an identity that the cleanup removes from the final IR.
  EXPECT_EQ(jitted.mlir({x}).find("stop_gradient"), std::string::npos);
}

} // namespace

namespace {

TEST(Jit, ShapeErrorWhileTracingIsTheEagerError) {
  auto bad = jit([](const std::vector<Tensor> &a) { return a[0] + a[1]; });
  try {
    bad({ones({2, 3}), ones({4})});
    FAIL() << "non-broadcastable shapes must throw while tracing";
  } catch (const Error &e) {
    std::string msg = e.what();
    EXPECT_NE(msg.find("[2,3]"), std::string::npos) << msg;
    EXPECT_NE(msg.find("[4]"), std::string::npos) << msg;
  }
  // The failed signature is not cached: a good call afterwards traces and runs.
  EXPECT_EQ(bad({ones({2}), ones({2})}).to_vector<float>(), (std::vector<float>{2, 2}));
  EXPECT_EQ(bad.cache_size(), 1u);
}

TEST(Jit, ValueAndGradOfANonScalarIsAClearError) {
  TensorFn notScalar = [](const std::vector<Tensor> &a) { return a[0] * 2.0; };
  try {
    jit(value_and_grad(notScalar, {0}))({ones({3})});
    FAIL() << "value_and_grad of a [3] result must throw";
  } catch (const Error &e) {
    std::string msg = e.what();
    EXPECT_NE(msg.find("value_and_grad"), std::string::npos) << msg;
    EXPECT_NE(msg.find("one element"), std::string::npos) << msg;
  }
}

TEST(Jit, SameTensorPassedTwiceGetsTwoGradients) {
  // f(a, b) = sum(a * b) at a = b = x: df/da = b = x and df/db = a = x (as on the tape).
  TensorFn f = [](const std::vector<Tensor> &a) { return sum(a[0] * a[1]); };
  Tensor x = tensor(std::vector<double>{1, 2}, {2});
  auto [v, g] = jit(value_and_grad(f, {0, 1}))({x, x});
  EXPECT_EQ(g[0].to_vector<double>(), (std::vector<double>{1, 2}));
  EXPECT_EQ(g[1].to_vector<double>(), (std::vector<double>{1, 2}));
}

} // namespace

namespace {

// Issue 10 item 4: a tensor that requires grad captured by a traced function (not passed as an
// argument) is an error naming it and pointing at functional_call, never a silent constant.
TEST(Jit, CapturedTensorThatRequiresGradIsAnError) {
  Tensor w = randn({3, 2}, 2).requires_grad_();
  auto f = jit([&](const std::vector<Tensor> &a) { return sum(matmul(a[0], w)); });
  try {
    f({randn({4, 3}, 1)});
    FAIL() << "expected grad::Error";
  } catch (const Error &e) {
    std::string msg = e.what();
    EXPECT_NE(msg.find("requires grad"), std::string::npos) << msg;
    EXPECT_NE(msg.find("[3,2] f32"), std::string::npos) << msg;
    EXPECT_NE(msg.find("functional_call"), std::string::npos) << msg;
  }
  // The same tensor detached (a constant on purpose) traces, and the module-parameter form
  // through an argument works.
  Tensor c = w.detach();
  auto g = jit([&](const std::vector<Tensor> &a) { return sum(matmul(a[0], c)); });
  Tensor x = randn({4, 3}, 1);
  EXPECT_NEAR(g({x}).item<float>(), sum(matmul(x, c)).item<float>(), 1e-5);
}

TEST(Jit, ModuleCalledWithoutFunctionalCallIsAnError) {
  nn::Linear layer(nn::LinearOptions(3, 2).seed(4));
  auto f = jit([&](const std::vector<Tensor> &a) { return sum(layer.forward(a[0])); });
  EXPECT_THROW(f({randn({4, 3}, 1)}), Error);
}

} // namespace
