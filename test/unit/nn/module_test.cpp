// nn::Module: registration, recursive traversal with dotted names, train/eval, zero_grad, and
// the errors of bad registrations.
#include <gtest/gtest.h>

#include "grad/autograd.h"
#include "grad/nn.h"
#include "grad/ops.h"

namespace {

using grad::Tensor;
namespace nn = grad::nn;

// A module with one own parameter and one child, to check prefixes and ordering.
struct Block : nn::Module {
  Block() {
    scale = register_parameter("scale", grad::ones({3}));
    inner = register_module("inner", std::make_shared<nn::Linear>(3, 2));
  }
  Tensor forward(const Tensor& x) override { return inner->forward(x * scale); }
  Tensor scale;
  std::shared_ptr<nn::Linear> inner;
};

TEST(Module, RegisteredParametersRequireGradAndKeepOrder) {
  Block b;
  auto named = b.named_parameters();
  ASSERT_EQ(named.size(), 3u);
  EXPECT_EQ(named[0].first, "scale");
  EXPECT_EQ(named[1].first, "inner.weight");
  EXPECT_EQ(named[2].first, "inner.bias");
  EXPECT_EQ(named[1].second.shape(), (grad::Shape{2, 3}));
  EXPECT_EQ(named[2].second.shape(), (grad::Shape{2}));
  for (const auto& [name, p] : named) {
    EXPECT_TRUE(p.requires_grad()) << name;
    EXPECT_TRUE(p.is_leaf()) << name;
  }
  EXPECT_TRUE(named[0].second.is_same(b.scale));
  EXPECT_EQ(b.parameters(/*recurse=*/false).size(), 1u);
  ASSERT_EQ(b.named_children().size(), 1u);
  EXPECT_EQ(b.named_children()[0].first, "inner");
}

TEST(Module, SharedSubmoduleIsListedOnce) {
  auto shared = std::make_shared<nn::Linear>(2, 2);
  nn::Sequential seq{shared, nn::ReLU(), shared};
  EXPECT_EQ(seq.size(), 3u);
  EXPECT_EQ(seq.parameters().size(), 2u);
}

TEST(Module, TrainEvalIsRecursive) {
  Block b;
  EXPECT_TRUE(b.is_training());
  b.eval();
  EXPECT_FALSE(b.is_training());
  EXPECT_FALSE(b.inner->is_training());
  b.train();
  EXPECT_TRUE(b.inner->is_training());
}

TEST(Module, ZeroGradDropsEveryGradient) {
  Block b;
  b.forward(grad::ones({4, 3})).sum().backward();
  for (const Tensor& p : b.parameters())
    ASSERT_TRUE(p.grad().defined());
  b.zero_grad();
  for (const Tensor& p : b.parameters())
    EXPECT_FALSE(p.grad().defined());
}

TEST(Module, BadRegistrationsThrow) {
  nn::Module m;
  m.register_parameter("w", grad::zeros({2}));
  EXPECT_THROW(m.register_parameter("w", grad::zeros({2})), grad::Error);
  EXPECT_THROW(m.register_parameter("a.b", grad::zeros({2})), grad::Error);
  EXPECT_THROW(m.register_parameter("", grad::zeros({2})), grad::Error);
  EXPECT_THROW(m.register_parameter("u", Tensor()), grad::Error);
  m.register_module("c", std::make_shared<nn::ReLU>());
  EXPECT_THROW(m.register_module("c", std::make_shared<nn::ReLU>()), grad::Error);
  EXPECT_THROW(m.register_module("d", std::shared_ptr<nn::ReLU>()), grad::Error);
  try {
    m.forward(grad::zeros({2}));
    FAIL() << "Module::forward should throw";
  } catch (const grad::Error& e) {
    EXPECT_NE(std::string(e.what()).find("forward"), std::string::npos) << e.what();
  }
}

TEST(Module, ManualSeedMakesInitReproducible) {
  nn::manual_seed(123);
  nn::Linear a(4, 3);
  nn::Linear b(4, 3);
  nn::manual_seed(123);
  nn::Linear c(4, 3);
  EXPECT_EQ(a.weight.to_vector<float>(), c.weight.to_vector<float>());
  EXPECT_EQ(a.bias.to_vector<float>(), c.bias.to_vector<float>());
  EXPECT_NE(a.weight.to_vector<float>(), b.weight.to_vector<float>());
  nn::Linear d(nn::LinearOptions(4, 3).seed(9));
  nn::Linear e(nn::LinearOptions(4, 3).seed(9));
  EXPECT_EQ(d.weight.to_vector<float>(), e.weight.to_vector<float>());
  // A layer with an explicit seed does not draw from the generator.
  nn::manual_seed(5);
  nn::Linear f(4, 3);
  nn::manual_seed(5);
  nn::Linear pinned(nn::LinearOptions(4, 3).seed(1));
  nn::Linear g(4, 3);
  EXPECT_EQ(f.weight.to_vector<float>(), g.weight.to_vector<float>());
}

} // namespace
