// The data-parallel spirals setup shared by examples/ddp and its tests: the MLP, and the
// global batch of each step split into per-rank shards, so that N ranks with batch b see exactly
// the rows one process with batch N*b sees.
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "grad/nn.h"
#include "grad/tensor.h"
#include "spirals.h"

namespace ddp_spirals {

/// 2-32-32-2 tanh MLP: `hidden` wide, with `layers` hidden-to-hidden layers (seeds seed + 1,
/// ...); `seed` fixes the initial parameters.
inline std::shared_ptr<grad::nn::Sequential> make_model(uint64_t seed, int64_t hidden = 32,
                                                        int layers = 1) {
  using grad::nn::Linear;
  using grad::nn::LinearOptions;
  auto model = std::make_shared<grad::nn::Sequential>(Linear(LinearOptions(2, hidden).seed(seed)),
                                                      grad::nn::Tanh());
  for (int i = 0; i < layers; ++i) {
    model->push_back(Linear(LinearOptions(hidden, hidden).seed(seed + 1 + i)));
    model->push_back(grad::nn::Tanh());
  }
  model->push_back(Linear(LinearOptions(hidden, 2).seed(seed + 1 + layers)));
  return model;
}

struct Batch {
  grad::Tensor x; // [rows, 2] f32
  grad::Tensor y; // [rows] i64
};

/// Rows [first, first + count) of the data set in a fixed shuffled order (a stride coprime to
/// the size walks every row once per epoch), wrapping around.
inline Batch rows(const spirals::Dataset& data, int64_t first, int64_t count) {
  const int64_t n = data.points.size(0);
  int64_t stride = 7919 % n; // a prime
  if (stride == 0)
    stride = 1;
  const std::vector<float> xy = data.points.to_vector<float>();
  const std::vector<int64_t> labels = data.labels.to_vector<int64_t>();
  std::vector<float> bx;
  std::vector<int64_t> by;
  for (int64_t i = 0; i < count; ++i) {
    const int64_t r = ((first + i) % n) * stride % n;
    bx.push_back(xy[2 * r]);
    bx.push_back(xy[2 * r + 1]);
    by.push_back(labels[r]);
  }
  return {grad::tensor(std::move(bx), {count, 2}), grad::tensor(std::move(by), {count})};
}

/// Rank `rank`'s shard of step `step`'s global batch of world * per_rank rows.
inline Batch shard(const spirals::Dataset& data, int64_t step, int64_t per_rank, int rank,
                   int world) {
  return rows(data, step * per_rank * world + rank * per_rank, per_rank);
}

} // namespace ddp_spirals
