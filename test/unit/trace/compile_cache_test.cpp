// The persistent compile cache of grad::jit (JitOptions::cache_dir, GRAD_CACHE_DIR) and the
// per-phase CompileStats: a second JitFunction (as a second process would) loads the object
// instead of compiling and computes the same values; a different signature or a corrupted
// entry compiles again; without a directory nothing is written.
#include "grad/jit.h"
#include "grad/memory.h"

#include "grad/ops.h"
#include "grad/transforms.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <unistd.h>
#include <vector>

using namespace grad;
namespace fs = std::filesystem;

namespace {

Tensor loss(const std::vector<Tensor> &a) {
  return mean(tanh(matmul(a[0], a[1]) + a[2]));
}

std::vector<Tensor> inputs(int64_t rows) {
  return {randn({rows, 3}, 1), randn({3, 2}, 2), randn({2}, 3)};
}

/// A fresh, empty directory under the test's temporary dir.
fs::path freshDir(const std::string &name) {
  fs::path dir = fs::temp_directory_path() /
                 ("grad_cache_test_" + name + "_" + std::to_string(::getpid()));
  fs::remove_all(dir);
  return dir;
}

size_t countFiles(const fs::path &dir) {
  if (!fs::exists(dir))
    return 0;
  size_t n = 0;
  for (const auto &entry : fs::directory_iterator(dir))
    n += entry.is_regular_file();
  return n;
}

using Step = JitFunction<std::pair<Tensor, std::vector<Tensor>>>;

Step makeStep(const fs::path &dir) {
  JitOptions options;
  options.cache_dir = dir.string();
  return jit(value_and_grad(loss, {1, 2}), options);
}

void expectSame(const std::pair<Tensor, std::vector<Tensor>> &a,
                const std::pair<Tensor, std::vector<Tensor>> &b) {
  EXPECT_EQ(a.first.item<float>(), b.first.item<float>());
  ASSERT_EQ(a.second.size(), b.second.size());
  for (size_t i = 0; i < a.second.size(); ++i)
    EXPECT_EQ(a.second[i].to_vector<float>(), b.second[i].to_vector<float>()) << "grad " << i;
}

TEST(CompileCache, SecondJitLoadsTheObjectAndComputesTheSame) {
  fs::path dir = freshDir("hit");
  std::vector<Tensor> args = inputs(4);
  Step first = makeStep(dir);
  auto r1 = first(args);
  CompileStats s1 = first.last_compile_stats();
  EXPECT_FALSE(s1.cache_hit);
  EXPECT_EQ(s1.cache_key.size(), 64u);
  EXPECT_GT(s1.object_bytes, 0u);
  EXPECT_GT(s1.lowering, 0.0);
  EXPECT_GT(s1.llvm, 0.0);
  EXPECT_TRUE(fs::exists(dir / (s1.cache_key + ".gradobj")));
  EXPECT_EQ(countFiles(dir), 1u);

  Step second = makeStep(dir); // a new cache in memory, as in a new process
  auto r2 = second(args);
  CompileStats s2 = second.last_compile_stats();
  EXPECT_TRUE(s2.cache_hit);
  EXPECT_EQ(s2.cache_key, s1.cache_key);
  EXPECT_EQ(s2.lowering, 0.0); // nothing was lowered or optimized
  EXPECT_EQ(countFiles(dir), 1u);
  expectSame(r1, r2);
  // The free function reports the same compile (this thread's latest).
  EXPECT_EQ(last_compile_stats().cache_key, s2.cache_key);
  EXPECT_TRUE(last_compile_stats().cache_hit);
  fs::remove_all(dir);
}

TEST(CompileCache, ANewSignatureIsANewEntry) {
  fs::path dir = freshDir("sig");
  Step step = makeStep(dir);
  step(inputs(4));
  std::string k4 = step.last_compile_stats().cache_key;
  step(inputs(5));
  CompileStats s5 = step.last_compile_stats();
  EXPECT_FALSE(s5.cache_hit);
  EXPECT_NE(s5.cache_key, k4);
  EXPECT_EQ(countFiles(dir), 2u);
  fs::remove_all(dir);
}

TEST(CompileCache, ACorruptedEntryIsRecompiled) {
  fs::path dir = freshDir("corrupt");
  std::vector<Tensor> args = inputs(4);
  Step first = makeStep(dir);
  auto r1 = first(args);
  std::string key = first.last_compile_stats().cache_key;
  // Each damaged entry is ignored: a new JitFunction compiles again and computes the same.
  const std::string damaged[] = {
      "GRADOBJ2\n" + key + "\n1\n",               // truncated after the object count
      "not an object file",                         // garbage from another program
      "GRADOBJ2\n" + key + "\n1\n5\nhello",       // framing fine, the JIT rejects the bytes
      "GRADOBJ2\n" + key + "\n1\n999999\nabc",    // an object size larger than the file
  };
  for (const std::string &content : damaged) {
    {
      std::ofstream out(dir / (key + ".gradobj"), std::ios::binary | std::ios::trunc);
      out << content;
    }
    Step again = makeStep(dir);
    auto r = again(args);
    EXPECT_FALSE(again.last_compile_stats().cache_hit) << content;
    expectSame(r1, r);
  }
  // The recompiled entry was written back: a later JitFunction hits it again.
  Step sixth = makeStep(dir);
  sixth(args);
  EXPECT_TRUE(sixth.last_compile_stats().cache_hit);
  fs::remove_all(dir);
}

TEST(CompileCache, EnvironmentVariableSetsTheDirectory) {
  fs::path dir = freshDir("env");
  ASSERT_EQ(::setenv("GRAD_CACHE_DIR", dir.c_str(), 1), 0);
  auto step = jit(value_and_grad(loss, {1, 2}));
  step(inputs(4));
  CompileStats s = step.last_compile_stats();
  ::unsetenv("GRAD_CACHE_DIR");
  EXPECT_FALSE(s.cache_key.empty());
  EXPECT_EQ(countFiles(dir), 1u);
  fs::remove_all(dir);
}

TEST(CompileCache, NoDirectoryNoCache) {
  ::unsetenv("GRAD_CACHE_DIR");
  auto step = jit(value_and_grad(loss, {1, 2}));
  step(inputs(4));
  CompileStats s = step.last_compile_stats();
  EXPECT_FALSE(s.cache_hit);
  EXPECT_TRUE(s.cache_key.empty());
  EXPECT_GE(s.total, s.lowering + s.llvm);
  EXPECT_NE(format_compile_stats(s).find("no cache"), std::string::npos);
}

TEST(CompileCache, AnUnwritableDirectoryStillCompiles) {
  // A regular file where the directory should be: the entry cannot be written, the function
  // still compiles and runs.
  fs::path file = freshDir("file");
  { std::ofstream(file) << "x"; }
  JitOptions options;
  options.cache_dir = (file / "sub").string();
  auto step = jit(value_and_grad(loss, {1, 2}), options);
  auto [value, grads] = step(inputs(4));
  EXPECT_TRUE(std::isfinite(value.item<float>()));
  EXPECT_FALSE(step.last_compile_stats().cache_hit);
  fs::remove(file);
}

} // namespace

namespace {

/// A step with dense constants, a gather, reductions and matmuls: many kernels and globals.
Tensor modelLoss(const std::vector<Tensor> &a) {
  Tensor table = tensor(std::vector<float>{0.5f, -1.f, 2.f, 0.25f, 1.5f, -0.75f}, {3, 2});
  Tensor h = tanh(matmul(a[0], a[1]) + embedding(table, a[2]));
  return mean(softmax(h, -1) * h) + sum(exp(h * 0.1));
}

TEST(ParallelCodegen, SplitIntoPartsComputesTheSameAsOnePart) {
  std::vector<Tensor> args = {randn({4, 3}, 1), randn({3, 2}, 2),
                              tensor(std::vector<int64_t>{0, 2, 1, 2}, {4})};
  auto run = [&](const char *threads) {
    ::setenv("GRAD_COMPILE_THREADS", threads, 1);
    auto step = jit(value_and_grad(modelLoss, {0, 1}));
    auto result = step(args);
    ::unsetenv("GRAD_COMPILE_THREADS");
    return result;
  };
  auto one = run("1"), four = run("4");
  expectSame(one, four);
  JitOptions interp;
  interp.backend = JitBackend::Interpreter;
  auto ref = jit(value_and_grad(modelLoss, {0, 1}), interp)(args);
  EXPECT_NEAR(four.first.item<float>(), ref.first.item<float>(), 1e-5);
  for (size_t i = 0; i < ref.second.size(); ++i) {
    std::vector<float> got = four.second[i].to_vector<float>(),
                       want = ref.second[i].to_vector<float>();
    ASSERT_EQ(got.size(), want.size());
    for (size_t j = 0; j < got.size(); ++j)
      EXPECT_NEAR(got[j], want[j], 1e-5) << "grad " << i << " element " << j;
  }
}

} // namespace

namespace {

// Compiled code's temporaries count in grad::memory_stats() while they are alive.
TEST(MemoryStats, CompiledTemporariesAreCounted) {
  auto fn = [](const std::vector<Tensor> &a) {
    Tensor t = matmul(a[0], a[0]); // a temporary of 512x512 f32 feeding a second kernel
    return sum(t * t);
  };
  auto f = jit(fn);
  Tensor x = randn({512, 512}, 3) * 0.01;
  f({x}); // compile
  reset_peak_memory_stats();
  MemoryStats before = memory_stats();
  Tensor y = f({x});
  MemoryStats after = memory_stats();
  // The result (4 bytes) stays; the temporary (1 MiB) was allocated and freed during the call.
  EXPECT_GE(after.peak_bytes - before.current_bytes, 512 * 512 * 4);
  EXPECT_LE(after.current_bytes - before.current_bytes, 4096);
}

} // namespace
