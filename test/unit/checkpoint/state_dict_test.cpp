// Module::state_dict / load_state_dict and optimizer state: strict and lenient loading, errors
// that name the key and both shapes, and a training run that resumes from a checkpoint with
// parameters bit-identical to an uninterrupted run.
#include <gtest/gtest.h>

#include <cstring>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>

#include <unistd.h>

#include "grad/eager.h"
#include "temp_path.h"

namespace grad {
namespace {

using Named = std::vector<std::pair<std::string, Tensor>>;

bool bitEqual(const Tensor& a, const Tensor& b) {
  if (a.dtype() != b.dtype() || a.shape() != b.shape())
    return false;
  Tensor ca = a.contiguous(), cb = b.contiguous();
  size_t n = static_cast<size_t>(ca.numel()) * dtype_size(ca.dtype());
  return n == 0 || std::memcmp(ca.data_ptr(), cb.data_ptr(), n) == 0;
}

nn::Sequential makeModel(uint64_t seed) {
  return nn::Sequential{nn::Linear(nn::LinearOptions(4, 16).seed(seed)), nn::Tanh(),
                        nn::Linear(nn::LinearOptions(16, 3).seed(seed + 1))};
}

std::string errorOf(const std::function<void()>& fn) {
  try {
    fn();
  } catch (const Error& e) {
    return e.what();
  }
  return "<no error>";
}

TEST(StateDict, NamesAndSharesStorage) {
  nn::Sequential m = makeModel(1);
  Named sd = m.state_dict();
  ASSERT_EQ(sd.size(), 4u);
  EXPECT_EQ(sd[0].first, "0.weight");
  EXPECT_EQ(sd[3].first, "2.bias");
  EXPECT_FALSE(sd[0].second.requires_grad());
  EXPECT_TRUE(sd[0].second.shares_storage(m.parameters()[0]));
}

TEST(StateDict, LoadCopiesInPlaceThroughAFile) {
  nn::Sequential a = makeModel(1), b = makeModel(100);
  ASSERT_FALSE(bitEqual(a.parameters()[0], b.parameters()[0]));
  std::vector<Tensor> handles = b.parameters(); // e.g. the optimizer's
  const uint64_t v0 = handles[0].version();
  const std::string path = tempPath("m.safetensors");
  save(a.state_dict(), path);
  b.load_state_dict(load(path));
  for (size_t i = 0; i < handles.size(); ++i) {
    EXPECT_TRUE(bitEqual(handles[i], a.parameters()[i])) << i;
    EXPECT_TRUE(handles[i].is_same(b.parameters()[i])); // in place: same tensors
    EXPECT_TRUE(handles[i].requires_grad());
    EXPECT_TRUE(handles[i].is_leaf());
  }
  EXPECT_GT(handles[0].version(), v0);
  std::filesystem::remove(path);
}

TEST(StateDict, ShapeMismatchNamesTheKeyAndBothShapes) {
  nn::Linear fc(4, 2);
  Tensor before = fc.weight.contiguous().to(DType::f32);
  Named sd = fc.state_dict();
  sd[0].second = ones({4}); // [4] into [2,4]: no broadcasting
  std::string msg = errorOf([&] { fc.load_state_dict(sd); });
  EXPECT_NE(msg.find("'weight'"), std::string::npos) << msg;
  EXPECT_NE(msg.find("f32[4] in the state dict"), std::string::npos) << msg;
  EXPECT_NE(msg.find("f32[2,4] in the module"), std::string::npos) << msg;
  // Lenient mode still rejects shapes; nothing was copied (the bias is unchanged too).
  EXPECT_THROW(fc.load_state_dict(sd, /*strict=*/false), Error);
  sd[1].second = zeros({2});
  EXPECT_THROW(fc.load_state_dict(sd, false), Error);
  EXPECT_TRUE(bitEqual(fc.weight, before));
  EXPECT_FALSE(bitEqual(fc.bias, zeros({2})));
  // dtype mismatch.
  Named sd64 = {{"weight", fc.weight.to(DType::f64)}, {"bias", fc.bias}};
  msg = errorOf([&] { fc.load_state_dict(sd64); });
  EXPECT_NE(msg.find("'weight': f64[2,4] in the state dict, f32[2,4] in the module"),
            std::string::npos)
      << msg;
}

TEST(StateDict, StrictRejectsMissingAndUnexpectedKeysLenientSkipsThem) {
  nn::Linear fc(3, 2);
  Named sd = {{"weight", full({2, 3}, 0.5)}, {"extra", ones({1})}};
  std::string msg = errorOf([&] { fc.load_state_dict(sd); });
  EXPECT_NE(msg.find("missing keys: 'bias'"), std::string::npos) << msg;
  EXPECT_NE(msg.find("unexpected keys: 'extra'"), std::string::npos) << msg;
  EXPECT_FALSE(bitEqual(fc.weight, full({2, 3}, 0.5)));
  Tensor bias = fc.bias.contiguous().to(DType::f32);
  fc.load_state_dict(sd, /*strict=*/false);
  EXPECT_TRUE(bitEqual(fc.weight, full({2, 3}, 0.5)));
  EXPECT_TRUE(bitEqual(fc.bias, bias));
  Named dup = {{"weight", ones({2, 3})}, {"weight", ones({2, 3})}, {"bias", ones({2})}};
  EXPECT_NE(errorOf([&] { fc.load_state_dict(dup); }).find("'weight' occurs twice"),
            std::string::npos);
}

/// One training step on a deterministic batch (a function of the step index only).
template <class Opt> void trainStep(nn::Sequential& model, Opt& opt, int step) {
  Tensor x = randn({8, 4}, 1000 + step);
  Tensor y = randn({8, 3}, 2000 + step);
  opt.zero_grad();
  Tensor loss = mse_loss(model.forward(x), y);
  loss.backward();
  opt.step();
}

/// N steps straight vs k steps, save model + optimizer, fresh model and optimizer (other init),
/// load, N - k steps: the parameters must be bit-identical.
template <class Opt, class Options> void checkResume(const Options& options) {
  const int N = 12, k = 5;
  nn::Sequential straight = makeModel(3);
  Opt opt_straight(straight.parameters(), options);
  for (int s = 0; s < N; ++s)
    trainStep(straight, opt_straight, s);

  const std::string model_path = tempPath("model.safetensors");
  const std::string optim_path = tempPath("optim.safetensors");
  {
    nn::Sequential first = makeModel(3);
    Opt opt(first.parameters(), options);
    for (int s = 0; s < k; ++s)
      trainStep(first, opt, s);
    save(first.state_dict(), model_path);
    save(opt.state_dict(), optim_path);
  }
  nn::Sequential resumed = makeModel(77); // different init: everything comes from the files
  Opt opt(resumed.parameters(), options);
  resumed.load_state_dict(load(model_path));
  opt.load_state_dict(load(optim_path));
  for (int s = k; s < N; ++s)
    trainStep(resumed, opt, s);

  std::vector<Tensor> a = straight.parameters(), b = resumed.parameters();
  for (size_t i = 0; i < a.size(); ++i)
    EXPECT_TRUE(bitEqual(a[i], b[i])) << "parameter " << i;
  Named sa = opt_straight.state_dict(), sb = opt.state_dict();
  ASSERT_EQ(sa.size(), sb.size());
  for (size_t i = 0; i < sa.size(); ++i) {
    EXPECT_EQ(sa[i].first, sb[i].first);
    EXPECT_TRUE(bitEqual(sa[i].second, sb[i].second)) << sa[i].first;
  }
  std::filesystem::remove(model_path);
  std::filesystem::remove(optim_path);
}

TEST(StateDict, ResumeIsBitIdenticalAdam) {
  checkResume<optim::Adam>(optim::AdamOptions(1e-2).weight_decay(1e-3));
}
TEST(StateDict, ResumeIsBitIdenticalAdamAmsgrad) {
  checkResume<optim::Adam>(optim::AdamOptions(1e-2).amsgrad(true));
}
TEST(StateDict, ResumeIsBitIdenticalSgdMomentum) {
  checkResume<optim::SGD>(optim::SGDOptions(0.05).momentum(0.9).nesterov(true));
}

TEST(StateDict, WithoutOptimizerStateResumeDiffers) {
  // The control: dropping Adam's state at the checkpoint changes the result, so the test above
  // really depends on the optimizer state.
  nn::Sequential straight = makeModel(3), resumed = makeModel(3);
  optim::Adam a(straight.parameters(), optim::AdamOptions(1e-2));
  optim::Adam b(resumed.parameters(), optim::AdamOptions(1e-2));
  for (int s = 0; s < 6; ++s) {
    trainStep(straight, a, s);
    trainStep(resumed, b, s);
  }
  optim::Adam fresh(resumed.parameters(), optim::AdamOptions(1e-2));
  for (int s = 6; s < 8; ++s) {
    trainStep(straight, a, s);
    trainStep(resumed, fresh, s);
  }
  EXPECT_FALSE(bitEqual(straight.parameters()[0], resumed.parameters()[0]));
}

TEST(OptimizerState, KeysLikePyTorch) {
  nn::Linear fc(3, 2);
  optim::Adam adam(fc.parameters(), optim::AdamOptions(1e-3).amsgrad(true));
  EXPECT_TRUE(adam.state_dict().empty()); // no step yet: no state
  sum(fc.forward(ones({1, 3}))).backward();
  adam.step();
  adam.step();
  Named sd = adam.state_dict();
  ASSERT_EQ(sd.size(), 8u);
  EXPECT_EQ(sd[0].first, "state.0.step");
  EXPECT_EQ(sd[0].second.dtype(), DType::i64);
  EXPECT_TRUE(sd[0].second.shape().empty());
  EXPECT_EQ(sd[0].second.item<int64_t>(), 2);
  EXPECT_EQ(sd[1].first, "state.0.exp_avg");
  EXPECT_EQ(sd[3].first, "state.0.max_exp_avg_sq");
  EXPECT_EQ(sd[7].first, "state.1.max_exp_avg_sq");
  EXPECT_EQ(sd[7].second.shape(), (Shape{2}));

  optim::SGD sgd(fc.parameters(), optim::SGDOptions(0.1).momentum(0.9));
  sgd.step();
  Named ssd = sgd.state_dict();
  ASSERT_EQ(ssd.size(), 2u);
  EXPECT_EQ(ssd[1].first, "state.1.momentum_buffer");
  // Copies: a later step does not change a state dict already taken.
  Tensor snapshot = ssd[0].second.contiguous().to(DType::f32);
  sgd.step();
  EXPECT_TRUE(bitEqual(ssd[0].second, snapshot));
}

TEST(OptimizerState, LoadErrorsNameTheKeyAndShapes) {
  nn::Linear fc(3, 2);
  sum(fc.forward(ones({1, 3}))).backward();
  optim::Adam adam(fc.parameters(), optim::AdamOptions(1e-3));
  adam.step();
  const Named good = adam.state_dict();

  Named bad = good;
  bad[1].second = zeros({3}); // state.0.exp_avg for a [2,3] weight
  std::string msg = errorOf([&] { adam.load_state_dict(bad); });
  EXPECT_NE(msg.find("'state.0.exp_avg': f32[3] in the state dict, parameter 0 is f32[2,3]"),
            std::string::npos)
      << msg;

  bad = good;
  bad.erase(bad.begin() + 2); // state.0.exp_avg_sq
  msg = errorOf([&] { adam.load_state_dict(bad); });
  EXPECT_NE(msg.find("missing key 'state.0.exp_avg_sq'"), std::string::npos) << msg;

  bad = good;
  bad.emplace_back("state.0.max_exp_avg_sq", zeros({2, 3})); // amsgrad state into a plain Adam
  msg = errorOf([&] { adam.load_state_dict(bad); });
  EXPECT_NE(msg.find("unexpected key 'state.0.max_exp_avg_sq'"), std::string::npos) << msg;

  bad = good;
  bad.emplace_back("state.2.exp_avg", zeros({2})); // only 2 parameters
  EXPECT_NE(errorOf([&] { adam.load_state_dict(bad); }).find("unexpected key 'state.2.exp_avg'"),
            std::string::npos);

  bad = good;
  bad[0].second = scalar_tensor(1.0, DType::f32); // step must be i64
  msg = errorOf([&] { adam.load_state_dict(bad); });
  EXPECT_NE(msg.find("'state.0.step': expected an i64 scalar >= 1, got f32[]"), std::string::npos)
      << msg;

  // Nothing changed by the failed loads; the good dict loads.
  Named now = adam.state_dict();
  for (size_t i = 0; i < good.size(); ++i)
    EXPECT_TRUE(bitEqual(now[i].second, good[i].second)) << good[i].first;
  adam.load_state_dict(good);

  optim::SGD sgd(fc.parameters(), optim::SGDOptions(0.1).momentum(0.9));
  msg = errorOf([&] { sgd.load_state_dict(good); });
  EXPECT_NE(msg.find("SGD: load_state_dict: unexpected key 'state.0.step'"), std::string::npos)
      << msg;
}

TEST(OptimizerState, ParametersWithoutEntriesStartAfresh) {
  nn::Linear fc(3, 2);
  sum(fc.forward(ones({1, 3}))).backward();
  optim::SGD sgd(fc.parameters(), optim::SGDOptions(0.1).momentum(0.9));
  sgd.step();
  Named sd = sgd.state_dict();
  sd.pop_back(); // no buffer for the bias: it restarts like a first step
  sgd.load_state_dict(sd);
  EXPECT_EQ(sgd.state_dict().size(), 1u);
  sgd.load_state_dict({});
  EXPECT_TRUE(sgd.state_dict().empty());
}

} // namespace
} // namespace grad
