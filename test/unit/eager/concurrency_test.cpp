// Thread-safety contract of the eager layer (docs/threads.md): backward passes from several
// threads into shared leaves, through a shared retained graph, and concurrent forward recording
// on a shared leaf. The suite name starts with "Threads": scripts/sanitize.sh's ThreadSanitizer
// mode runs every ctest matching ^Threads (add yours under that name to get it checked by TSan).
#include <gtest/gtest.h>

#include <thread>
#include <vector>

#include "grad/eager.h"

namespace grad {
namespace {

constexpr int kThreads = 8;
constexpr int kIterations = 150;
constexpr int64_t kSize = 256;

// Coefficients of thread t: small multiples of 1/4, so every partial sum below is exact in f32
// and the parallel result must equal the sequential one bit for bit, in any order.
Tensor coefficients(int t) {
  std::vector<float> c(kSize);
  for (int64_t i = 0; i < kSize; ++i)
    c[i] = static_cast<float>((t + 1) * ((i % 7) + 1)) * 0.25f;
  return tensor(c, {kSize});
}

// One step of thread t: its own graph, sum(w * c_t + b) -> dw += c_t, db += 1.
void step(const Tensor& w, const Tensor& b, const Tensor& c) { sum(w * c + b).backward(); }

TEST(ThreadsAutograd, ConcurrentBackwardIntoSharedLeafsIsExact) {
  std::vector<Tensor> coeff;
  for (int t = 0; t < kThreads; ++t)
    coeff.push_back(coefficients(t));

  Tensor w_seq = zeros({kSize}).requires_grad_(), b_seq = zeros({kSize}).requires_grad_();
  for (int t = 0; t < kThreads; ++t)
    for (int i = 0; i < kIterations; ++i)
      step(w_seq, b_seq, coeff[t]);

  Tensor w = zeros({kSize}).requires_grad_(), b = zeros({kSize}).requires_grad_();
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t)
    threads.emplace_back([&, t] {
      for (int i = 0; i < kIterations; ++i)
        step(w, b, coeff[t]);
    });
  for (std::thread& th : threads)
    th.join();

  std::vector<float> got_w = w.grad().to_vector<float>(), want_w = w_seq.grad().to_vector<float>();
  std::vector<float> got_b = b.grad().to_vector<float>();
  ASSERT_EQ(got_w.size(), static_cast<size_t>(kSize));
  for (int64_t i = 0; i < kSize; ++i) {
    // Closed form: sum over t of kIterations * (t+1) * ((i%7)+1) / 4.
    float closed = kIterations * (kThreads * (kThreads + 1) / 2) * ((i % 7) + 1) * 0.25f;
    ASSERT_EQ(want_w[i], closed) << "sequential reference, element " << i;
    ASSERT_EQ(got_w[i], closed) << "element " << i << ": lost or duplicated gradient updates";
    ASSERT_EQ(got_b[i], static_cast<float>(kThreads * kIterations)) << "element " << i;
  }
}

// Several threads run backward through one retained graph (shared interior nodes, one shared
// leaf): each node runs under its lock, saved tensors are read concurrently.
TEST(ThreadsAutograd, ConcurrentBackwardThroughSharedRetainedGraph) {
  Tensor x = full({kSize}, 3.0f).requires_grad_();
  Tensor y = sum(exp(x * 0.0f) * x * 2.0f); // dy/dx = 2 (exp(0) = 1 exactly)
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t)
    threads.emplace_back([&] {
      for (int i = 0; i < kIterations / 3; ++i)
        y.backward({}, /*retain_graph=*/true);
    });
  for (std::thread& th : threads)
    th.join();
  for (float g : x.grad().to_vector<float>())
    ASSERT_EQ(g, 2.0f * kThreads * (kIterations / 3));
}

// Forward passes on several threads create the shared leaf's AccumulateGrad concurrently: all of
// them must feed one accumulator (the leaf's grad is the sum of all threads' gradients).
TEST(ThreadsAutograd, ConcurrentForwardRecordingOnSharedLeaf) {
  for (int round = 0; round < 20; ++round) {
    Tensor w = ones({4}).requires_grad_();
    std::vector<Tensor> losses(kThreads);
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t)
      threads.emplace_back([&, t] { losses[t] = sum(w * static_cast<float>(t + 1)); });
    for (std::thread& th : threads)
      th.join();
    for (const Tensor& l : losses)
      l.backward();
    for (float g : w.grad().to_vector<float>())
      ASSERT_EQ(g, static_cast<float>(kThreads * (kThreads + 1) / 2)) << "round " << round;
  }
}

// grad() may be read while other threads accumulate: every value seen is one of the partial sums.
TEST(ThreadsAutograd, GradReadWhileAccumulating) {
  Tensor w = zeros({kSize}).requires_grad_();
  std::thread writer([&] {
    for (int i = 0; i < kIterations; ++i)
      sum(w * 1.0f).backward();
  });
  for (int i = 0; i < kIterations; ++i) {
    Tensor g = w.grad();
    if (g.defined()) {
      float v = g.to_vector<float>()[0];
      ASSERT_GE(v, 1.0f);
      ASSERT_LE(v, static_cast<float>(kIterations));
    }
  }
  writer.join();
  EXPECT_EQ(w.grad().to_vector<float>()[kSize - 1], static_cast<float>(kIterations));
}

} // namespace
} // namespace grad
