// Concurrent calls of one grad::jit function (docs/threads.md): only the signature lookup (and a
// compile on a miss) is locked, the native code runs in parallel from several threads, and every
// thread gets the eager results. Suite names start with "Threads" (the ThreadSanitizer mode of
// scripts/sanitize.sh runs ^Threads tests of the layers it builds).
#include "grad/jit.h"

#include "grad/ops.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <thread>
#include <vector>

using namespace grad;

namespace {

// A chain of elementwise ops: on 2^22 elements one call takes a good fraction of a second.
Tensor chain(const Tensor &x) {
  Tensor y = x;
  for (int k = 0; k < 24; ++k)
    y = sin(y) * 0.5f + x;
  return y;
}

void expectClose(const Tensor &got, const Tensor &want) {
  ASSERT_EQ(got.shape(), want.shape());
  std::vector<float> g = got.to_vector<float>(), w = want.to_vector<float>();
  for (size_t i = 0; i < g.size(); ++i)
    ASSERT_NEAR(g[i], w[i], 1e-4f) << "element " << i;
}

using Clock = std::chrono::steady_clock;
double seconds(Clock::duration d) { return std::chrono::duration<double>(d).count(); }

TEST(ThreadsJit, CallsOfOneFunctionRunInParallel) {
  auto f = jit([](const std::vector<Tensor> &a) { return chain(a[0]); });
  Tensor big = randn({1 << 22}, 1);
  Tensor small = randn({64}, 2);
  Tensor want_small = chain(small);
  // Compile both signatures first: the overlap below is of runs, not compiles.
  expectClose(f({small}), want_small);
  Tensor big_result = f({big});
  auto t0 = Clock::now();
  f({big});
  double big_seconds = seconds(Clock::now() - t0); // one warm run of the long signature
  ASSERT_EQ(f.cache_size(), 2u);

  // Thread A runs the long signature; once it is inside, thread B runs the short one 5 times.
  // If the whole call were locked, B's first call would wait for A's run, and B would end at
  // most a few microseconds before A's call returns; in parallel B ends about a whole long run
  // earlier. A busy machine can delay B by chance: the overlap must show in one of 3 attempts.
  bool overlapped = false;
  double margin = 0;
  for (int attempt = 0; attempt < 3 && !overlapped; ++attempt) {
    std::atomic<bool> a_started{false};
    Clock::time_point a_end, b_end;
    Tensor a_result;
    std::vector<Tensor> b_results;
    std::thread a([&] {
      a_started = true;
      a_result = f({big});
      a_end = Clock::now();
    });
    std::thread b([&] {
      while (!a_started)
        std::this_thread::yield();
      // Long enough for A to be past the cache lookup (microseconds), short against A's run.
      std::this_thread::sleep_for(std::chrono::duration<double>(big_seconds / 10));
      for (int i = 0; i < 5; ++i)
        b_results.push_back(f({small}));
      b_end = Clock::now();
    });
    a.join();
    b.join();
    for (const Tensor &r : b_results)
      expectClose(r, want_small);
    // Same compiled code, same input: bit-identical to the single-threaded run.
    EXPECT_EQ(a_result.to_vector<float>(), big_result.to_vector<float>());
    margin = seconds(a_end - b_end);
    overlapped = margin > big_seconds / 4;
  }
  EXPECT_TRUE(overlapped) << "5 calls of the 64-element signature ended only " << margin
                          << " s before one call of the 2^22-element signature (" << big_seconds
                          << " s alone) returned: calls of one jit function serialize";
  EXPECT_EQ(f.num_traces(), 2u);
}

// Many threads, mixed signatures including one first seen concurrently (compiled once under the
// cache lock while other threads run): every result equals eager.
TEST(ThreadsJit, ConcurrentCallsGiveEagerResults) {
  // Static: one signature per size (Auto would compile the second size with `?` dims and reuse
  // it); this test is about concurrent compiles of distinct signatures.
  JitOptions options;
  options.dynamic = Dynamic::Static;
  auto f = jit([](const std::vector<Tensor> &a) { return chain(a[0]) * a[1]; }, options);
  std::vector<std::vector<Tensor>> inputs;
  std::vector<Tensor> wants;
  for (int s = 0; s < 4; ++s) {
    int64_t n = 16 << s;
    inputs.push_back({randn({n}, 10 + s), randn({n}, 20 + s)});
    wants.push_back(chain(inputs.back()[0]) * inputs.back()[1]);
  }
  f(inputs[0]); // one signature compiled up front, the others on first concurrent use
  constexpr int kThreads = 4, kCalls = 30;
  std::vector<std::thread> threads;
  std::vector<std::vector<std::pair<int, Tensor>>> got(kThreads);
  for (int t = 0; t < kThreads; ++t)
    threads.emplace_back([&, t] {
      for (int i = 0; i < kCalls; ++i) {
        int s = (t + i) % 4;
        got[t].emplace_back(s, f(inputs[s]));
      }
    });
  for (std::thread &th : threads)
    th.join();
  for (int t = 0; t < kThreads; ++t)
    for (auto &[s, r] : got[t])
      expectClose(r, wants[s]);
  EXPECT_EQ(f.num_traces(), 4u);
  EXPECT_EQ(f.cache_size(), 4u);
}

} // namespace
