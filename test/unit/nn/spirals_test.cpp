// End-to-end: an MLP trained eagerly on the seeded two-spirals data reaches >= 95% accuracy.
#include <gtest/gtest.h>

#include <algorithm>

#include "grad/autograd.h"
#include "grad/nn.h"
#include "grad/ops.h"
#include "grad/optim.h"
#include "spirals.h"

namespace {

namespace nn = grad::nn;

TEST(MlpSpirals, ReachesNinetyFivePercent) {
  const spirals::Dataset data = spirals::make(100, /*seed=*/7);
  nn::Sequential model{nn::Linear(nn::LinearOptions(2, 32).seed(1)), nn::Tanh(),
                       nn::Linear(nn::LinearOptions(32, 32).seed(2)), nn::Tanh(),
                       nn::Linear(nn::LinearOptions(32, 2).seed(3))};
  grad::optim::Adam opt(model.parameters(), grad::optim::AdamOptions(0.02));
  double first_loss = 0, last_loss = 0;
  for (int epoch = 0; epoch < 300; ++epoch) {
    opt.zero_grad();
    grad::Tensor loss = grad::cross_entropy(model.forward(data.points), data.labels);
    loss.backward();
    opt.step();
    (epoch == 0 ? first_loss : last_loss) = loss.item<double>();
  }
  grad::NoGradGuard no_grad;
  const double acc = spirals::accuracy(model.forward(data.points), data.labels);
  EXPECT_GE(acc, 0.95) << "loss " << first_loss << " -> " << last_loss;
  EXPECT_LT(last_loss, 0.5 * first_loss);
}

TEST(MlpSpirals, DataIsSeededAndBalanced) {
  auto a = spirals::make(50, 1), b = spirals::make(50, 1), c = spirals::make(50, 2);
  EXPECT_EQ(a.points.to_vector<float>(), b.points.to_vector<float>());
  EXPECT_NE(a.points.to_vector<float>(), c.points.to_vector<float>());
  auto y = a.labels.to_vector<int64_t>();
  EXPECT_EQ(std::count(y.begin(), y.end(), 1), 50);
  // Class 1 is class 0 rotated by 180 degrees (up to the noise).
  auto p = a.points.to_vector<float>();
  EXPECT_NEAR(p[0], -p[100], 0.061);
  EXPECT_NEAR(p[1], -p[101], 0.061);
}

} // namespace
