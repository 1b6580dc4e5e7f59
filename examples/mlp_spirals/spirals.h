// Two interleaved spirals: the seeded synthetic data set of the mlp_spirals demo (also used by
// the nn tests). Header-only; the generator is spelled out so the data is the same everywhere.
#pragma once

#include <cmath>
#include <cstdint>
#include <vector>

#include "grad/tensor.h"

namespace spirals {

/// Points [2n, 2] (f32) and labels [2n] (i64): class 0 is a spiral of 1.5 turns, class 1 the
/// same spiral rotated by 180 degrees; uniform noise of +-`noise` on each coordinate.
struct Dataset {
  grad::Tensor points;
  grad::Tensor labels;
};

inline uint64_t splitmix64(uint64_t& state) {
  uint64_t z = (state += 0x9e3779b97f4a7c15ull);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}

/// Uniform in [0, 1) from the top 53 bits.
inline double uniform01(uint64_t& state) {
  return static_cast<double>(splitmix64(state) >> 11) * 0x1.0p-53;
}

inline Dataset make(int64_t n_per_class, uint64_t seed, double noise = 0.03) {
  constexpr double kPi = 3.14159265358979323846;
  const double max_theta = 0.5 + 3.0 * kPi;
  uint64_t state = seed;
  std::vector<float> xy;
  std::vector<int64_t> labels;
  for (int64_t cls = 0; cls < 2; ++cls) {
    const double sign = cls == 0 ? 1.0 : -1.0;
    for (int64_t i = 0; i < n_per_class; ++i) {
      const double theta =
          0.5 + 3.0 * kPi * (static_cast<double>(i) + 0.5) / static_cast<double>(n_per_class);
      const double r = theta / max_theta;
      xy.push_back(
          static_cast<float>(sign * r * std::cos(theta) + noise * (2.0 * uniform01(state) - 1.0)));
      xy.push_back(
          static_cast<float>(sign * r * std::sin(theta) + noise * (2.0 * uniform01(state) - 1.0)));
      labels.push_back(cls);
    }
  }
  return {grad::tensor(std::move(xy), {2 * n_per_class, 2}),
          grad::tensor(std::move(labels), {2 * n_per_class})};
}

/// Fraction of rows of `logits` [N, C] whose argmax equals `labels` [N].
inline double accuracy(const grad::Tensor& logits, const grad::Tensor& labels) {
  const std::vector<double> z = logits.to_vector<double>();
  const std::vector<int64_t> y = labels.to_vector<int64_t>();
  const int64_t n = logits.size(0), c = logits.size(1);
  int64_t correct = 0;
  for (int64_t i = 0; i < n; ++i) {
    int64_t best = 0;
    for (int64_t j = 1; j < c; ++j)
      if (z[i * c + j] > z[i * c + best])
        best = j;
    correct += best == y[i];
  }
  return n == 0 ? 0.0 : static_cast<double>(correct) / static_cast<double>(n);
}

} // namespace spirals
