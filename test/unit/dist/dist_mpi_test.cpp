// grad::dist under `mpirun -np 2` (ctest dist_mpi_np2): collective values, cross-rank mismatch
// errors, the gradient of all_reduce, and DistributedDataParallel against one process training
// on the combined batch. Every rank runs every test; results are checked on every rank.
#include <gtest/gtest.h>

#include <cmath>
#include <memory>
#include <string>
#include <vector>

#include "ddp_spirals.h"
#include "expect_error.h"
#include "dist_test_util.h"
#include "grad/dist.h"
#include "grad/eager.h"

namespace grad {
namespace {

namespace dist = grad::dist;

using namespace grad::disttest;

TEST(DistMpi, LaunchedWithTwoRanks) {
  EXPECT_EQ(N(), 2) << "ctest runs this binary with mpirun -np 2";
  EXPECT_GE(R(), 0);
  EXPECT_LT(R(), N());
}

TEST(DistMpi, AllReduceSumMeanMax) {
  const double r = R(), n = N();
  Tensor s = tensor({float(r + 1), float(-r)}, {2});
  dist::all_reduce_(s, dist::ReduceOp::Sum);
  EXPECT_EQ(s.to_vector<double>(), (std::vector<double>{n * (n + 1) / 2, -n * (n - 1) / 2}));

  Tensor m = tensor({r + 1.0, 2.0 * r}, {2}); // f64
  dist::all_reduce_(m, dist::ReduceOp::Mean);
  EXPECT_DOUBLE_EQ(m.to_vector<double>()[0], (n + 1) / 2);
  EXPECT_DOUBLE_EQ(m.to_vector<double>()[1], n - 1);

  Tensor x = tensor(std::vector<int64_t>{int64_t(R()), int64_t(-R())}, {2});
  dist::all_reduce_(x, dist::ReduceOp::Max);
  EXPECT_EQ(x.to_vector<int64_t>(), (std::vector<int64_t>{int64_t(N() - 1), 0}));

  // A non-contiguous view is reduced in place through its strides.
  Tensor base = full({2, 2}, r + 1.0, DType::f64);
  Tensor col = transpose(base, 0, 1);
  dist::all_reduce_(col, dist::ReduceOp::Sum);
  EXPECT_EQ(base.to_vector<double>(), std::vector<double>(4, n * (n + 1) / 2));
}

TEST(DistMpi, BroadcastFromEachRoot) {
  for (int root = 0; root < N(); ++root) {
    Tensor t = full({3}, 10.0 * R() + 1, DType::f32);
    dist::broadcast_(t, root);
    EXPECT_EQ(t.to_vector<double>(), std::vector<double>(3, 10.0 * root + 1));
  }
}

TEST(DistMpi, MismatchedShapesAreNamedOnEveryRank) {
  Tensor t = zeros({2, 3 + R()});
  expect_error([&] { dist::all_reduce_(t, dist::ReduceOp::Sum); },
               {"grad::dist::all_reduce_", "rank 0: f32[2,3] sum", "rank 1: f32[2,4] sum"});
  Tensor u = zeros({4}, R() == 0 ? DType::f32 : DType::f64);
  expect_error([&] { dist::broadcast_(u, 0); },
               {"grad::dist::broadcast_", "rank 0: f32[4]", "rank 1: f64[4]"});
  Tensor v = zeros({2});
  expect_error([&] { dist::all_reduce_(v, R() == 0 ? dist::ReduceOp::Sum : dist::ReduceOp::Max); },
               {"rank 0: f32[2] sum", "rank 1: f32[2] max"});
  // The world is still usable afterwards: nothing was half-sent.
  Tensor w = ones({2});
  dist::all_reduce_(w, dist::ReduceOp::Sum);
  EXPECT_EQ(w.to_vector<double>(), std::vector<double>(2, N()));
}

TEST(DistMpi, MismatchedModelsAreNamed) {
  auto model = ddp_spirals::make_model(1, /*hidden=*/R() == 0 ? 8 : 9);
  expect_error([&] { dist::DistributedDataParallel ddp(model); },
               {"DistributedDataParallel", "different models", "rank 0: 6 parameters, 114",
                "rank 1: 6 parameters, 137"});
}

TEST(DistMpi, AllReduceGradient) {
  // y = all_reduce(x) on every rank, loss_r = sum(c_r * y): d loss_total / d x_r is the sum of
  // the c's for Sum and their mean for Mean; each rank's backward holds its own loss only.
  const double r = R(), n = N();
  double csum = n * (n + 1) / 2;
  for (auto op : {dist::ReduceOp::Sum, dist::ReduceOp::Mean}) {
    Tensor x = tensor({r, 1.0}, {2}, true);
    Tensor y = dist::all_reduce(x, op);
    (y * (r + 1.0)).sum().backward();
    const double expect = op == dist::ReduceOp::Sum ? csum : csum / n;
    EXPECT_EQ(x.grad().to_vector<double>(), std::vector<double>(2, expect));
  }
  // Max: the summed gradient goes to the ranks holding the maximum (shared on a tie).
  Tensor x = tensor({r, 5.0}, {2}, true);
  Tensor y = dist::all_reduce(x, dist::ReduceOp::Max);
  EXPECT_EQ(y.to_vector<double>(), (std::vector<double>{n - 1, 5.0}));
  (y * (r + 1.0)).sum().backward();
  std::vector<double> g = x.grad().to_vector<double>();
  EXPECT_EQ(g[0], R() == N() - 1 ? csum : 0.0);
  EXPECT_EQ(g[1], csum / n);
}

/// Trains `steps` SGD steps of the spirals MLP: with DDP on this rank's shard of each global
/// batch, or (ddp = false) locally on the whole global batch. Returns the parameters.
std::vector<Tensor> train(bool ddp, uint64_t seed, int steps, int64_t per_rank,
                          int64_t bucket_cap_bytes, int micro_batches = 1) {
  const spirals::Dataset data = spirals::make(64, 7);
  auto model = ddp_spirals::make_model(seed);
  std::shared_ptr<nn::Module> net = model;
  std::shared_ptr<dist::DistributedDataParallel> wrapper;
  if (ddp) {
    wrapper = std::make_shared<dist::DistributedDataParallel>(
        model, dist::DDPOptions{.bucket_cap_bytes = bucket_cap_bytes});
    net = wrapper;
  }
  optim::SGD opt(net->parameters(), optim::SGDOptions(0.2).momentum(0.9));
  for (int step = 0; step < steps; ++step) {
    opt.zero_grad();
    for (int m = 0; m < micro_batches; ++m) {
      const int64_t s = step * micro_batches + m;
      ddp_spirals::Batch b = ddp ? ddp_spirals::shard(data, s, per_rank, R(), N())
                                 : ddp_spirals::rows(data, s * per_rank * N(), per_rank * N());
      Tensor loss = cross_entropy(net->forward(b.x), b.y);
      if (ddp && m + 1 < micro_batches) {
        auto no_sync = wrapper->no_sync();
        loss.backward();
      } else {
        loss.backward();
      }
    }
    opt.step();
  }
  if (ddp) {
    EXPECT_EQ(wrapper->stats().synced_backwards, steps);
    EXPECT_EQ(wrapper->stats().buckets_launched,
              steps * static_cast<int64_t>(wrapper->buckets().size()));
  }
  return model->parameters();
}

TEST(DistMpi, DdpBroadcastMakesRanksStartEqual) {
  auto model = ddp_spirals::make_model(100 + R()); // different on purpose
  auto rank0 = ddp_spirals::make_model(100);
  dist::DistributedDataParallel ddp(model);
  std::vector<Tensor> p = model->parameters(), q = rank0->parameters();
  for (size_t i = 0; i < p.size(); ++i)
    EXPECT_EQ(max_abs_diff(p[i], q[i]), 0.0) << "parameter " << i;
}

TEST(DistMpi, DdpEqualsOneProcessWithTheCombinedBatch) {
  // Several buckets (64-byte cap: one per parameter) and one bucket: the same result.
  for (int64_t cap : {int64_t{64}, int64_t{1} << 20}) {
    std::vector<Tensor> got = train(true, 100 + R(), /*steps=*/6, /*per_rank=*/16, cap);
    std::vector<Tensor> want = train(false, 100, 6, 16, cap);
    for (size_t i = 0; i < got.size(); ++i)
      EXPECT_LT(max_abs_diff(got[i], want[i]), 1e-5) << "parameter " << i << " cap " << cap;
    // Training moved the parameters (the comparison is not between two untouched models).
    EXPECT_GT(max_abs_diff(want[0], ddp_spirals::make_model(100)->parameters()[0]), 1e-3);
  }
}

TEST(DistMpi, DdpNoSyncAccumulatesLikeOneProcess) {
  std::vector<Tensor> got = train(true, 100, 4, 8, 256, /*micro_batches=*/3);
  std::vector<Tensor> want = train(false, 100, 4, 8, 256, 3);
  for (size_t i = 0; i < got.size(); ++i)
    EXPECT_LT(max_abs_diff(got[i], want[i]), 1e-5) << "parameter " << i;
}

TEST(DistMpi, DdpBucketsInReverseOrder) {
  auto model = ddp_spirals::make_model(3);
  dist::DistributedDataParallel ddp(model, dist::DDPOptions{.bucket_cap_bytes = 4 * 40});
  // Parameters 0..5: w0[32,2] b0[32] w1[32,32] b1[32] w2[2,32] b2[2], bucketed from the last.
  std::vector<std::vector<int>> b = ddp.buckets();
  ASSERT_FALSE(b.empty());
  EXPECT_EQ(b.front().front(), 5); // the last parameter first
  EXPECT_EQ(b.back().back(), 0);
  size_t count = 0;
  for (auto& bucket : b)
    count += bucket.size();
  EXPECT_EQ(count, 6u);
}

} // namespace
} // namespace grad
