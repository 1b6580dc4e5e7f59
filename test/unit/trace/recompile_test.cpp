// The recompile policy of grad::jit made visible (issue 14): each compile is a CompileEvent
// naming the closest compiled signature and the input, dim and sizes that differ;
// GRAD_LOG=recompiles prints the same events; JitOptions::cache_limit bounds the cache (least
// recently used first) and warns once.
#include "grad/jit.h"

#include "grad/ops.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <string>
#include <vector>

using namespace grad;

namespace {

Tensor scaleAndAdd(const std::vector<Tensor> &a) { return a[0] * 2.0 + a[1]; }

JitOptions interpreted(size_t cacheLimit = 8) {
  JitOptions options;
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

// Dynamic::Auto is named in API.md but not built: it must say so, and work as Static.
TEST(RecompileAuto, AutoWarnsThatItIsNotImplementedAndCompilesPerSignature) {
  JitOptions options = interpreted();
  options.dynamic = Dynamic::Auto;
  testing::internal::CaptureStderr();
  auto f = jit(scaleAndAdd, options);
  std::string err = testing::internal::GetCapturedStderr();
  EXPECT_NE(err.find("grad::jit @f: warning: Dynamic::Auto is not implemented yet"),
            std::string::npos)
      << err;
  std::vector<Tensor> a = args({8, 3}), b = args({16, 3});
  Tensor ya = f(a), yb = f(b);
  EXPECT_LT(max(abs(ya - (a[0] * 2.0 + a[1]))).item<float>(), 1e-6f);
  EXPECT_LT(max(abs(yb - (b[0] * 2.0 + b[1]))).item<float>(), 1e-6f);
  EXPECT_EQ(yb.shape(), (Shape{16, 3}));
  EXPECT_EQ(f.num_traces(), 2u);
}

} // namespace
