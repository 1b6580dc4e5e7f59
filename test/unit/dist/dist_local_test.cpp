// grad::dist in a plain process (no mpirun): errors before init(), then the world of one, where
// every collective is local (the identity for sum, mean and max) and DDP changes nothing.
#include <gtest/gtest.h>

#include <memory>
#include <vector>

#include "expect_error.h"
#include "grad/dist.h"
#include "grad/eager.h"

namespace grad {
namespace {

namespace dist = grad::dist;

// One TEST: the order matters (before init, after init, after finalize) in this process.
TEST(DistLocal, UninitialisedThenWorldOfOne) {
  ASSERT_FALSE(dist::is_initialized());
  expect_error([] { dist::rank(); }, {"grad::dist::rank", "not initialized", "init()"});
  expect_error([] { dist::world_size(); }, {"grad::dist::world_size", "not initialized"});
  Tensor t = tensor({1.f, 2.f}, {2});
  expect_error([&] { dist::all_reduce_(t, dist::ReduceOp::Sum); },
               {"grad::dist::all_reduce_", "not initialized"});
  expect_error([&] { dist::broadcast_(t, 0); }, {"grad::dist::broadcast_", "not initialized"});
  expect_error([&] { dist::all_reduce(t, dist::ReduceOp::Mean); },
               {"grad::dist::all_reduce", "not initialized"});
  expect_error([] { dist::barrier(); }, {"grad::dist::barrier", "not initialized"});
  auto model = std::make_shared<nn::Linear>(nn::LinearOptions(2, 2).seed(1));
  expect_error([&] { dist::DistributedDataParallel ddp(model); },
               {"DistributedDataParallel", "not initialized"});

  dist::init();
  dist::init(); // a second call does nothing
  EXPECT_TRUE(dist::is_initialized());
  EXPECT_EQ(dist::rank(), 0);
  EXPECT_EQ(dist::world_size(), 1);
  for (auto op : {dist::ReduceOp::Sum, dist::ReduceOp::Mean, dist::ReduceOp::Max}) {
    Tensor x = tensor({1.f, -2.f, 3.f}, {3});
    uint64_t v = x.version();
    dist::all_reduce_(x, op);
    EXPECT_EQ(x.to_vector<float>(), (std::vector<float>{1.f, -2.f, 3.f}));
    EXPECT_GT(x.version(), v); // in place: the version counter moved
  }
  Tensor b = tensor({5.0, 6.0}, {2});
  dist::broadcast_(b, 0);
  EXPECT_EQ(b.to_vector<double>(), (std::vector<double>{5.0, 6.0}));
  expect_error([&] { dist::broadcast_(b, 1); }, {"grad::dist::broadcast_", "root 1", "of 1"});

  // Bad input is named even in a world of one.
  expect_error([] { dist::all_reduce_(bool_tensor({true, false}), dist::ReduceOp::Sum); },
               {"grad::dist::all_reduce_", "b8", "[2]"});
  expect_error([] { dist::all_reduce_(tensor(std::vector<int64_t>{1, 2}), dist::ReduceOp::Mean); },
               {"grad::dist::all_reduce_", "mean of an i64", "[2]"});
  Tensor leaf = tensor({1.f}, {1}, true);
  expect_error([&] { dist::all_reduce_(leaf, dist::ReduceOp::Sum); },
               {"grad::dist::all_reduce_", "leaf", "requires grad"});
  expect_error([] { dist::set_timeout(0); }, {"set_timeout", "positive"});

  // The differentiable all_reduce is the identity here, gradient included.
  Tensor x = tensor({1.0, 2.0}, {2}, true);
  Tensor y = dist::all_reduce(x, dist::ReduceOp::Mean);
  (y * tensor({3.0, 4.0}, {2})).sum().backward();
  EXPECT_EQ(x.grad().to_vector<double>(), (std::vector<double>{3.0, 4.0}));

  // DDP in a world of one: the same gradients as the bare module.
  auto m = std::make_shared<nn::Linear>(nn::LinearOptions(3, 2).seed(4).dtype(DType::f64));
  dist::DistributedDataParallel ddp(m, dist::DDPOptions{.bucket_cap_bytes = 16});
  EXPECT_EQ(ddp.buckets().size(), 2u); // weight and bias do not fit one 16-byte bucket
  Tensor in = randn({4, 3}, 9, DType::f64);
  ddp.forward(in).sum().backward();
  auto bare = std::make_shared<nn::Linear>(nn::LinearOptions(3, 2).seed(4).dtype(DType::f64));
  bare->forward(in).sum().backward();
  std::vector<Tensor> got = m->parameters(), want = bare->parameters();
  for (size_t i = 0; i < got.size(); ++i)
    EXPECT_EQ(got[i].grad().to_vector<double>(), want[i].grad().to_vector<double>());
  EXPECT_EQ(ddp.stats().synced_backwards, 1);
  EXPECT_EQ(ddp.named_parameters()[0].first, "module.weight");

  dist::finalize();
  EXPECT_FALSE(dist::is_initialized());
  expect_error([] { dist::rank(); }, {"not initialized"});
}

} // namespace
} // namespace grad
