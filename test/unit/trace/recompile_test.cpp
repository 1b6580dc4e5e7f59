// The recompile policy of grad::jit made visible (issue 14): each compile is a CompileEvent
// naming the closest compiled signature and the input, dim and sizes that differ;
// GRAD_LOG=recompiles prints the same events; JitOptions::cache_limit bounds the cache (least
// recently used first) and warns once.
#include "grad/jit.h"

#include "grad/ops.h"
#include "grad/transforms.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <string>
#include <vector>

using namespace grad;

namespace {

Tensor scaleAndAdd(const std::vector<Tensor> &a) { return a[0] * 2.0 + a[1]; }

/// The Static policy (one compile per signature: what the events and the cache limit below
/// describe); RecompileAuto sets Auto, the default.
JitOptions interpreted(size_t cacheLimit = 8) {
  JitOptions options;
  options.dynamic = Dynamic::Static;
  options.name = "f";
  options.backend = JitBackend::Interpreter; // the events do not depend on the backend
  options.cache_limit = cacheLimit;
  return options;
}

std::vector<Tensor> args(Shape shape, DType dtype = DType::f32) {
  return {randn(shape, 1, dtype), randn(shape, 2, dtype)};
}

TEST(Recompile, FirstCompileThenEachNewSizeNamesInputDimAndSizes) {
  auto f = jit(scaleAndAdd, interpreted());
  f(args({8, 3}));
  f(args({8, 3})); // cache hit: no event
  f(args({16, 3}));
  std::vector<CompileEvent> events = f.compile_events();
  ASSERT_EQ(events.size(), 2u);

  EXPECT_EQ(events[0].function, "f");
  EXPECT_EQ(events[0].number, 1u);
  EXPECT_EQ(events[0].signature, "f32[8,3], f32[8,3]");
  EXPECT_TRUE(events[0].changes.empty());
  EXPECT_EQ(events[0].compared_to, "");
  EXPECT_GT(events[0].compile_ms, 0.0);

  EXPECT_EQ(events[1].number, 2u);
  EXPECT_EQ(events[1].compared_to, "f32[8,3], f32[8,3]");
  ASSERT_EQ(events[1].changes.size(), 2u); // both arguments changed their batch dim
  for (int i = 0; i < 2; ++i) {
    const SignatureChange &c = events[1].changes[i];
    EXPECT_EQ(c.kind, SignatureChange::Kind::Size);
    EXPECT_EQ(c.input, i);
    EXPECT_EQ(c.dim, 0);
    EXPECT_EQ(c.old_size, 8);
    EXPECT_EQ(c.new_size, 16);
  }
  std::string line = format_compile_event(events[1]);
  EXPECT_EQ(line.rfind("grad::jit @f: compile #2 (input #0 dim 0: 8 -> 16, input #1 dim 0: 8 -> "
                       "16; was f32[8,3], f32[8,3]) took ",
                       0),
            0u)
      << line;
  EXPECT_EQ(f.num_traces(), 2u);
  EXPECT_EQ(f.cache_size(), 2u);
}

TEST(Recompile, ReasonIsRelativeToTheClosestCompiledSignatureMostRecentAmongEquals) {
  auto g = jit([](const std::vector<Tensor> &a) { return a[0] * 2.0; }, interpreted());
  g({ones({8, 3})});
  g({ones({16, 5})}); // two dims differ from [8,3]
  g({ones({16, 3})}); // one dim from [8,3] and one from [16,5]: the more recent one wins
  g({ones({8, 5})});  // one from [8,3] and [16,5]; two from [16,3]
  std::vector<CompileEvent> e = g.compile_events();
  ASSERT_EQ(e.size(), 4u);
  ASSERT_EQ(e[1].changes.size(), 2u);
  ASSERT_EQ(e[2].changes.size(), 1u);
  EXPECT_EQ(e[2].compared_to, "f32[16,5]");
  EXPECT_EQ(format_signature_change(e[2].changes[0]), "input #0 dim 1: 5 -> 3");
  ASSERT_EQ(e[3].changes.size(), 1u);
  EXPECT_EQ(e[3].compared_to, "f32[16,5]");
  EXPECT_EQ(format_signature_change(e[3].changes[0]), "input #0 dim 0: 16 -> 8");
}

TEST(Recompile, DTypeRankAndArgumentCountChangesAreNamed) {
  auto f = jit(
      [](const std::vector<Tensor> &a) {
        Tensor s = sum(a[0]).to(DType::f32);
        for (size_t i = 1; i < a.size(); ++i)
          s = s + sum(a[i]).to(DType::f32);
        return s;
      },
      interpreted());
  f({ones({4}), ones({4})});
  f({ones({4}, DType::f64), ones({4})});
  f({ones({4}, DType::f64), ones({4, 1})});
  f({ones({4}), ones({4}), ones({4})});
  std::vector<CompileEvent> e = f.compile_events();
  ASSERT_EQ(e.size(), 4u);
  ASSERT_EQ(e[1].changes.size(), 1u);
  EXPECT_EQ(e[1].changes[0].kind, SignatureChange::Kind::DType);
  EXPECT_EQ(format_signature_change(e[1].changes[0]), "input #0 dtype f32 -> f64");
  ASSERT_EQ(e[2].changes.size(), 1u);
  EXPECT_EQ(e[2].changes[0].kind, SignatureChange::Kind::Rank);
  EXPECT_EQ(format_signature_change(e[2].changes[0]), "input #1 rank 1 -> 2");
  ASSERT_EQ(e[3].changes.size(), 1u);
  EXPECT_EQ(format_signature_change(e[3].changes[0]), "arguments 2 -> 3");
}

TEST(Recompile, CacheLimitEvictsTheLeastRecentlyUsedAndWarnsOnce) {
  auto f = jit(scaleAndAdd, interpreted(/*cacheLimit=*/2));
  testing::internal::CaptureStderr();
  f(args({1}));
  f(args({2}));
  f(args({1}));        // [1] is now more recently used than [2]
  f(args({3}));        // evicts [2]
  f(args({1}));        // still cached
  f(args({4}));        // [1] was used after [3]: evicts [3]
  std::string err = testing::internal::GetCapturedStderr();
  std::vector<CompileEvent> e = f.compile_events();
  ASSERT_EQ(e.size(), 4u);
  EXPECT_EQ(e[0].evicted, "");
  EXPECT_EQ(e[1].evicted, "");
  EXPECT_EQ(e[2].evicted, "f32[2], f32[2]");
  EXPECT_EQ(e[3].evicted, "f32[3], f32[3]");
  EXPECT_EQ(f.cache_size(), 2u);
  EXPECT_EQ(f.num_traces(), 4u);
  size_t first = err.find("warning: cache limit reached (JitOptions::cache_limit = 2");
  ASSERT_NE(first, std::string::npos) << err;
  EXPECT_NE(err.find("grad::jit @f"), std::string::npos) << err;
  EXPECT_EQ(err.find("warning", first + 1), std::string::npos) << "warns once: " << err;
  // An evicted signature compiles again and still computes the right values.
  std::vector<Tensor> a = args({2});
  EXPECT_EQ(f(a).to_vector<float>(), (a[0] * 2.0 + a[1]).to_vector<float>());
  EXPECT_EQ(f.compile_events().size(), 5u);
}

TEST(Recompile, NoLimitWhenCacheLimitIsZero) {
  auto f = jit(scaleAndAdd, interpreted(/*cacheLimit=*/0));
  testing::internal::CaptureStderr();
  for (int64_t n = 1; n <= 10; ++n)
    f(args({n}));
  EXPECT_EQ(testing::internal::GetCapturedStderr(), "");
  EXPECT_EQ(f.cache_size(), 10u);
}

TEST(Recompile, GradLogRecompilesPrintsEachEventAndNotTheStats) {
  ::setenv("GRAD_LOG", "recompiles", 1);
  JitOptions options = interpreted();
  options.backend = JitBackend::Native; // the compile time of real code generation
  auto f = jit(scaleAndAdd, options);
  testing::internal::CaptureStderr();
  f(args({8, 3}));
  f(args({8, 3}));
  f(args({5, 3}));
  std::string err = testing::internal::GetCapturedStderr();
  ::unsetenv("GRAD_LOG");
  std::vector<CompileEvent> e = f.compile_events();
  ASSERT_EQ(e.size(), 2u);
  EXPECT_EQ(err, format_compile_event(e[0]) + "\n" + format_compile_event(e[1]) + "\n");
  EXPECT_NE(err.find("compile #1 (first call: f32[8,3], f32[8,3]) took "), std::string::npos)
      << err;
  EXPECT_NE(err.find("compile #2 (input #0 dim 0: 8 -> 5, input #1 dim 0: 8 -> 5; was "
                     "f32[8,3], f32[8,3]) took "),
            std::string::npos)
      << err;
  // "recompiles" is its own channel: the CompileStats line is GRAD_LOG=compile's.
  EXPECT_EQ(err.find("graph passes"), std::string::npos) << err;
}

TEST(Recompile, GradLogTakesAListOfChannels) {
  ::setenv("GRAD_LOG", "compile,recompiles", 1);
  auto f = jit(scaleAndAdd, interpreted());
  testing::internal::CaptureStderr();
  f(args({2}));
  std::string err = testing::internal::GetCapturedStderr();
  ::unsetenv("GRAD_LOG");
  EXPECT_NE(err.find("graph passes"), std::string::npos) << err;
  EXPECT_NE(err.find("compile #1 (first call"), std::string::npos) << err;
}

// Auto is the default (API.md); its first compile is the static code Static compiles.
TEST(RecompileAuto, IsTheDefaultAndItsFirstCompileIsStatic) {
  EXPECT_EQ(JitOptions{}.dynamic, Dynamic::Auto);
  JitOptions options;
  options.name = "f";
  auto f = jit(scaleAndAdd, options);
  std::vector<Tensor> a = args({4, 3});
  Tensor got = f(a);
  ASSERT_EQ(f.compile_events().size(), 1u);
  EXPECT_TRUE(f.compile_events()[0].made_dynamic.empty());
  EXPECT_NE(f.mlir(a).find("tensor<4x3xf32>"), std::string::npos);
  EXPECT_EQ(f.mlir(a).find("?x"), std::string::npos);
  EXPECT_EQ(got.to_vector<float>(), (a[0] * 2.0 + a[1]).to_vector<float>());
}

TEST(RecompileAuto, SecondSizeCompilesOnceWithTheDimDynamicAndLaterSizesReuseIt) {
  for (JitBackend backend : {JitBackend::Interpreter, JitBackend::Native}) {
    JitOptions options = interpreted();
    options.backend = backend;
    options.dynamic = Dynamic::Auto;
    auto f = jit(scaleAndAdd, options);
    for (int64_t n : {8, 16, 5, 1, 33}) {
      std::vector<Tensor> a = args({n, 3});
      Tensor y = f(a);
      EXPECT_EQ(y.shape(), (Shape{n, 3}));
      EXPECT_LT(max(abs(y - (a[0] * 2.0 + a[1]))).item<float>(), 1e-6f);
    }
    EXPECT_EQ(f.num_traces(), 2u);
    std::vector<CompileEvent> events = f.compile_events();
    ASSERT_EQ(events.size(), 2u);
    EXPECT_TRUE(events[0].made_dynamic.empty()); // the first call compiles static code
    ASSERT_EQ(events[1].made_dynamic.size(), 2u);
    for (int i = 0; i < 2; ++i) {
      EXPECT_EQ(events[1].made_dynamic[i].input, i);
      EXPECT_EQ(events[1].made_dynamic[i].dim, 0);
      EXPECT_EQ(events[1].made_dynamic[i].old_size, 8);
      EXPECT_EQ(events[1].made_dynamic[i].new_size, 16);
    }
    EXPECT_EQ(events[1].static_reason, "");
    std::string line = format_compile_event(events[1]);
    EXPECT_NE(line.find("; dynamic: input #0 dim 0, input #1 dim 0"), std::string::npos) << line;
    // Another dtype is another function: static again.
    f(args({8, 3}, DType::f64));
    EXPECT_EQ(f.num_traces(), 3u);
  }
}

TEST(RecompileAuto, MeanOverTheDynamicDimAndItsGradientMatchEager) {
  // A mean over the batch (a count in the gradient: eager's g / n) and an iota-like constant.
  auto loss = [](const std::vector<Tensor> &a) { return mean(matmul(a[0], a[1]) * sum(a[0], {1}, true)); };
  JitOptions options = interpreted();
  options.backend = JitBackend::Native;
  options.dynamic = Dynamic::Auto;
  auto step = jit(value_and_grad(loss, {1}), options);
  for (int64_t n : {4, 9, 2, 17}) {
    std::vector<Tensor> a = {randn({n, 5}, n), randn({5, 1}, 3)};
    auto [l, g] = step(a);
    auto [le, ge] = value_and_grad(loss, {1})(a);
    EXPECT_NEAR(l.item<float>(), le.item<float>(), 1e-5f);
    EXPECT_LT(max(abs(g[0] - ge[0])).item<float>(), 1e-4f);
  }
  EXPECT_EQ(step.num_traces(), 2u);
  EXPECT_EQ(step.compile_events()[1].static_reason, "");
}

TEST(RecompileAuto, MlpTrainingStepOverBatchSizes8To64CompilesTwiceWithEagerLosses) {
  // The loop: value_and_grad of an MLP's cross-entropy (labels [n] -> one-hot, a mean
  // over the batch) with SGD on the host, over varying batch sizes, native code.
  auto loss = [](const std::vector<Tensor> &a) {
    Tensor h = relu(matmul(a[0], a[2]) + a[3]);
    return cross_entropy(matmul(h, a[4]) + a[5], a[1]);
  };
  JitOptions options = interpreted();
  options.backend = JitBackend::Native;
  options.dynamic = Dynamic::Auto;
  auto step = jit(value_and_grad(loss, {2, 3, 4, 5}), options);
  auto eagerStep = value_and_grad(loss, {2, 3, 4, 5});
  std::vector<Tensor> params = {randn({16, 32}, 11) * 0.1, zeros({32}), randn({32, 10}, 12) * 0.1,
                                zeros({10})};
  for (int64_t n : {8, 64, 13, 1, 37, 8, 50}) {
    std::vector<int64_t> labels(n);
    for (int64_t i = 0; i < n; ++i)
      labels[i] = (i * 7 + n) % 10;
    std::vector<Tensor> args = {randn({n, 16}, 100 + n), tensor(labels, {n})};
    args.insert(args.end(), params.begin(), params.end());
    auto [l, g] = step(args);
    auto [le, ge] = eagerStep(args);
    EXPECT_NEAR(l.item<float>(), le.item<float>(), 2e-6f) << "batch " << n;
    for (size_t i = 0; i < g.size(); ++i)
      EXPECT_LT(max(abs(g[i] - ge[i])).item<float>(), 1e-5f) << "batch " << n << " grad " << i;
    for (size_t i = 0; i < params.size(); ++i)
      params[i] = params[i] - g[i] * 0.05;
  }
  EXPECT_EQ(step.num_traces(), 2u);
  std::vector<CompileEvent> events = step.compile_events();
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[1].static_reason, "");
  ASSERT_EQ(events[1].made_dynamic.size(), 2u); // the batch dim of the inputs and the labels
  EXPECT_EQ(events[1].made_dynamic[0].input, 0);
  EXPECT_EQ(events[1].made_dynamic[1].input, 1);
}

TEST(RecompileAuto, ASizeDependentConstantKeepsTheStaticPolicyAndSaysWhy) {
  // n * n is no count of one dim: the traces are not one function of n.
  auto f = jit([](const std::vector<Tensor> &a) {
                 double n = static_cast<double>(a[0].shape()[0]);
                 return a[0] * (n * n);
               },
               [] {
                 JitOptions o = interpreted();
                 o.dynamic = Dynamic::Auto;
                 return o;
               }());
  Tensor y = f({ones({3, 2})});
  y = f({ones({4, 2})});
  EXPECT_EQ(y.sum().item<float>(), 16.0f * 8);
  std::vector<CompileEvent> events = f.compile_events();
  ASSERT_EQ(events.size(), 2u);
  EXPECT_TRUE(events[1].made_dynamic.empty());
  EXPECT_NE(events[1].static_reason.find("a constant"), std::string::npos)
      << events[1].static_reason;
  EXPECT_NE(format_compile_event(events[1]).find("; static: a constant"), std::string::npos);
}

TEST(RecompileAuto, SlicesToTheEndOfADimGoDynamicARunTimeExtentStaysStatic) {
  // r = x[1:], then r[:, 1:3] and r[:, 0:2]: limits that are the end of the changing dim
  // become `?`.
  auto sliced = [](const std::vector<Tensor> &a) {
    Tensor r = slice(a[0], 0, 1, a[0].shape()[0]);
    return slice(r, 1, 1, 3) + slice(r, 1, 0, 2);
  };
  JitOptions options;
  options.dynamic = Dynamic::Auto;
  options.name = "sliced";
  auto f = jit(sliced, options); // the CPU backend: extract_slice with run-time sizes
  for (int64_t n : {3, 5, 8}) {
    Tensor x = randn({n, 4}, n);
    Tensor y = f({x});
    Tensor expected = sliced({x});
    ASSERT_EQ(y.shape(), expected.shape()) << "n " << n;
    EXPECT_LE(max(abs(y - expected)).item<float>(), 1e-6f) << "n " << n;
  }
  std::vector<CompileEvent> events = f.compile_events();
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[1].static_reason, "");
  ASSERT_EQ(events[1].made_dynamic.size(), 1u);

  // pos[:n] of a static table: the limit is n, not the end of pos's dim: static, and why.
  auto prefix = [](const std::vector<Tensor> &a) {
    return a[0] + slice(a[1], 0, 0, a[0].shape()[0]);
  };
  JitOptions o = interpreted();
  o.dynamic = Dynamic::Auto;
  auto g = jit(prefix, o);
  Tensor pos = randn({8, 2}, 7);
  g({ones({3, 2}), pos});
  Tensor z = g({ones({4, 2}), pos});
  EXPECT_EQ(z.shape(), (Shape{4, 2}));
  events = g.compile_events();
  ASSERT_EQ(events.size(), 2u);
  EXPECT_TRUE(events[1].made_dynamic.empty());
  EXPECT_NE(events[1].static_reason.find("a 'grad.slice' limit of dim 0 takes the values 3 and "
                                         "4, not the end of its operand dim"),
            std::string::npos)
      << events[1].static_reason;
}

TEST(RecompileAuto, AMeanOverTwoChangingDimsAndASumBackToAMergedDimGoDynamic) {
  // The gradient of a mean over [B, T, 4] divides by 4 * B * T (a count of two dims), and the
  // sum over the [B, T*4] reshape broadcasts its seed back to [B, T*4] (T*4 is no argument dim:
  // the reshape's result dim gives it). Both are generalized, so B and T both changing compiles
  // dynamic code once.
  auto loss = [](const std::vector<Tensor> &a) {
    const Tensor &x = a[0];
    Tensor flat = reshape(x, {x.shape()[0], x.shape()[1] * 4});
    return mean(exp(x)) + sum(flat * flat);
  };
  JitOptions options = interpreted();
  options.backend = JitBackend::Native;
  options.dynamic = Dynamic::Auto;
  auto step = jit(value_and_grad(loss, {0}), options);
  auto eagerStep = value_and_grad(loss, {0});
  for (Shape shape : {Shape{2, 3, 4}, Shape{3, 5, 4}, Shape{4, 2, 4}, Shape{1, 7, 4}}) {
    std::vector<Tensor> a = {randn(shape, 31)};
    auto [l, g] = step(a);
    auto [le, ge] = eagerStep(a);
    EXPECT_NEAR(l.item<float>(), le.item<float>(), 1e-4f * std::abs(le.item<float>()))
        << shape_str(shape);
    EXPECT_LT(max(abs(g[0] - ge[0])).item<float>(), 1e-5f) << shape_str(shape);
  }
  std::vector<CompileEvent> events = step.compile_events();
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[1].static_reason, "");
  ASSERT_EQ(events[1].made_dynamic.size(), 2u); // x's B and T
}

TEST(RecompileMarks, MarkedDimsAreDynamicFromTheFirstCall) {
  JitOptions options = interpreted();
  options.backend = JitBackend::Native;
  options.dynamic_dims = {{0, 0}, {1, 0}};
  auto f = jit(scaleAndAdd, options);
  for (int64_t n : {8, 3, 40}) {
    std::vector<Tensor> a = args({n, 3});
    EXPECT_LT(max(abs(f(a) - (a[0] * 2.0 + a[1]))).item<float>(), 1e-6f);
  }
  EXPECT_EQ(f.num_traces(), 1u);
  ASSERT_EQ(f.compile_events().size(), 1u);
  EXPECT_EQ(f.compile_events()[0].made_dynamic.size(), 2u);
  // Sizes that must agree are checked before the code runs: an error naming the op and sizes.
  try {
    f({randn({4, 3}, 1), randn({5, 3}, 2)});
    FAIL() << "expected a size mismatch";
  } catch (const Error &e) {
    EXPECT_NE(std::string(e.what()).find("has size 5 but operand #0 dim 0 has size 4"),
              std::string::npos)
        << e.what();
  }
  // A mark naming a dim the arguments do not have.
  JitOptions bad = interpreted();
  bad.dynamic_dims = {{0, 2}};
  auto g = jit(scaleAndAdd, bad);
  EXPECT_THROW(g(args({8, 3})), Error);
}

} // namespace
