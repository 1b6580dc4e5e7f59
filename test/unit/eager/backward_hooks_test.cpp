// Hooks that distributed data parallel builds on: Tensor::register_post_accumulate_grad_hook
// (runs after a leaf's grad() was updated) and queue_backward_callback (runs when backward ends).
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "expect_error.h"
#include "grad/eager.h"

namespace grad {
namespace {

TEST(BackwardHooks, PostAccumulateSeesTheAccumulatedGradient) {
  Tensor w = tensor({1.0, 2.0}, {2}, true);
  std::vector<std::vector<double>> seen;
  w.register_post_accumulate_grad_hook(
      [&](const Tensor& leaf) { seen.push_back(leaf.grad().to_vector<double>()); });
  (w * 3.0).sum().backward();
  (w * w).sum().backward(); // accumulates: 3 + 2w
  ASSERT_EQ(seen.size(), 2u);
  EXPECT_EQ(seen[0], (std::vector<double>{3.0, 3.0}));
  EXPECT_EQ(seen[1], (std::vector<double>{5.0, 7.0}));
}

TEST(BackwardHooks, PostAccumulateRunsOncePerBackwardForAFanIn) {
  Tensor w = tensor({1.0}, {1}, true);
  int calls = 0;
  w.register_post_accumulate_grad_hook([&](const Tensor&) { ++calls; });
  (w * 2.0 + w * 5.0 + w).sum().backward();
  EXPECT_EQ(calls, 1);
  EXPECT_EQ(w.grad().item<double>(), 8.0);
}

TEST(BackwardHooks, PostAccumulateMayReplaceTheGradient) {
  Tensor w = tensor({1.0, 1.0}, {2}, true);
  w.register_post_accumulate_grad_hook([](const Tensor& leaf) {
    Tensor(leaf).set_grad(leaf.grad() * 0.5);
  });
  (w * 4.0).sum().backward();
  EXPECT_EQ(w.grad().to_vector<double>(), (std::vector<double>{2.0, 2.0}));
}

TEST(BackwardHooks, PostAccumulateNotRunByAutogradGrad) {
  Tensor w = tensor({1.0}, {1}, true);
  int calls = 0;
  w.register_post_accumulate_grad_hook([&](const Tensor&) { ++calls; });
  autograd_grad({(w * 2.0).sum()}, {w});
  EXPECT_EQ(calls, 0); // autograd_grad leaves .grad() alone, so nothing was accumulated
}

TEST(BackwardHooks, PostAccumulateRejectsNonLeavesAndTensorsWithoutGrad) {
  Tensor w = tensor({1.0}, {1}, true);
  Tensor y = w * 2.0;
  expect_error([&] { y.register_post_accumulate_grad_hook([](const Tensor&) {}); },
               {"register_post_accumulate_grad_hook", "leaf", "MulBackward0", "[1]"});
  expect_error(
      [&] { tensor({1.0}, {1}).register_post_accumulate_grad_hook([](const Tensor&) {}); },
      {"register_post_accumulate_grad_hook", "does not require grad"});
}

TEST(BackwardHooks, QueuedCallbackRunsAfterEveryNode) {
  Tensor a = tensor({1.0}, {1}, true), b = tensor({2.0}, {1}, true);
  std::vector<std::string> order;
  a.register_post_accumulate_grad_hook([&](const Tensor&) {
    order.push_back("a");
    queue_backward_callback([&] {
      // Both leaves have their gradient by now, whichever ran first.
      order.push_back(std::string("end:") + (a.grad().defined() && b.grad().defined() ? "ab" : "?"));
      queue_backward_callback([&] { order.push_back("queued-by-callback"); });
    });
  });
  b.register_post_accumulate_grad_hook([&](const Tensor&) { order.push_back("b"); });
  (a * b).sum().backward();
  ASSERT_EQ(order.size(), 4u);
  EXPECT_EQ(order[2], "end:ab");
  EXPECT_EQ(order[3], "queued-by-callback");
  order.clear();
  (a * b).sum().backward(); // a new backward: the callback list starts empty again
  EXPECT_EQ(order.size(), 4u);
}

TEST(BackwardHooks, QueueCallbackOutsideBackwardIsAnError) {
  expect_error([] { queue_backward_callback([] {}); },
               {"queue_backward_callback", "no backward pass is running"});
}

} // namespace
} // namespace grad
