// The twelve eager semantics of DESIGN.md, one TEST each (plus graph structure, value_and_grad
// and leak-freedom checks).
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <thread>

#include "grad/eager.h"

namespace grad {
namespace {

std::vector<double> vec(const Tensor& t) { return t.to_vector<double>(); }

// 1. requires_grad is false by default; a result requires grad iff an input does and grad mode
//    is on.
TEST(AutogradSemantics, S01_RequiresGradPropagation) {
  Tensor a = ones({2}, DType::f64), b = ones({2}, DType::f64);
  EXPECT_FALSE(a.requires_grad());
  EXPECT_FALSE((a + b).requires_grad());
  b.requires_grad_();
  EXPECT_TRUE((a + b).requires_grad());
  EXPECT_TRUE((a * 2.0 + exp(b)).requires_grad());
  {
    NoGradGuard g;
    EXPECT_FALSE((a + b).requires_grad());
  }
  EXPECT_FALSE(gt(b, 0.0).requires_grad());       // b8 results never require grad
  EXPECT_FALSE(b.to(DType::i64).requires_grad()); // neither do integer results
}

// 2. Leaves have no grad_fn; results get PyTorch-named grad_fns.
TEST(AutogradSemantics, S02_LeavesAndGradFnNames) {
  Tensor x = randn({2, 3}, 1, DType::f64).requires_grad_();
  Tensor w = randn({3, 4}, 2, DType::f64).requires_grad_();
  EXPECT_TRUE(x.is_leaf());
  EXPECT_EQ(x.grad_fn(), nullptr);
  EXPECT_EQ((x + x).grad_fn()->name(), "AddBackward0");
  EXPECT_EQ((x - 1.0).grad_fn()->name(), "SubBackward0");
  EXPECT_EQ((x * x).grad_fn()->name(), "MulBackward0");
  EXPECT_EQ((x / 2.0).grad_fn()->name(), "DivBackward0");
  EXPECT_EQ(exp(x).grad_fn()->name(), "ExpBackward0");
  EXPECT_EQ(matmul(x, w).grad_fn()->name(), "MmBackward0");
  EXPECT_EQ(matmul(reshape(x, {1, 2, 3}), reshape(w, {1, 3, 4})).grad_fn()->name(), "BmmBackward0");
  EXPECT_EQ(sum(x).grad_fn()->name(), "SumBackward0");
  EXPECT_EQ(sum(x, 1).grad_fn()->name(), "SumBackward1");
  EXPECT_EQ(mean(x).grad_fn()->name(), "MeanBackward0");
  EXPECT_EQ(transpose(x, 0, 1).grad_fn()->name(), "TransposeBackward0");
  EXPECT_EQ(reshape(x, {6}).grad_fn()->name(), "ViewBackward0");
  EXPECT_EQ(relu(x).grad_fn()->name(), "ReluBackward0");
  EXPECT_FALSE((x + x).is_leaf());
  // Edges: MulBackward0 of x*x points twice to x's AccumulateGrad.
  auto fn = (x * x).grad_fn();
  ASSERT_EQ(fn->next_edges().size(), 2u);
  auto* acc = dynamic_cast<AccumulateGrad*>(fn->next_edges()[0].function.get());
  ASSERT_NE(acc, nullptr);
  EXPECT_EQ(acc->name(), "AccumulateGrad");
  EXPECT_TRUE(acc->variable().is_same(x));
  EXPECT_EQ(fn->next_edges()[1].function, fn->next_edges()[0].function);
  // A constant operand gets an invalid edge.
  EXPECT_FALSE((x * ones({2, 3}, DType::f64)).grad_fn()->next_edges()[1].is_valid());
}

// 3. backward() on a scalar needs no argument; on a non-scalar it needs a same-shape gradient.
TEST(AutogradSemantics, S03_BackwardNeedsGradientForNonScalar) {
  Tensor x = tensor({1.0, 2.0, 3.0}, {3}, true);
  Tensor y = x * x;
  try {
    y.backward();
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("shape [3]"), std::string::npos) << e.what();
  }
  EXPECT_THROW(y.backward(ones({2}, DType::f64)), Error);
  y.backward(tensor({1.0, 0.5, 0.0}));
  EXPECT_EQ(vec(x.grad()), (std::vector<double>{2.0, 2.0, 0.0}));
  Tensor z = sum(x * 3.0);
  x.zero_grad();
  z.backward();
  EXPECT_EQ(vec(x.grad()), (std::vector<double>{3.0, 3.0, 3.0}));
}

// 4. Gradients accumulate into leaves across backward calls until zeroed.
TEST(AutogradSemantics, S04_GradientsAccumulate) {
  Tensor x = tensor({1.0, -2.0}, {2}, true);
  sum(x * x).backward();
  sum(x * 3.0).backward();
  EXPECT_EQ(vec(x.grad()), (std::vector<double>{2.0 + 3.0, -4.0 + 3.0}));
  x.zero_grad();
  EXPECT_FALSE(x.grad().defined());
  sum(x).backward();
  EXPECT_EQ(vec(x.grad()), (std::vector<double>{1.0, 1.0}));
  // Fan-out inside one graph sums too: d/dx (x*x + x) = 2x + 1.
  x.zero_grad();
  sum(x * x + x).backward();
  EXPECT_EQ(vec(x.grad()), (std::vector<double>{3.0, -3.0}));
}

// A leaf's first gradient may be kept without a copy only when nothing else holds it: two leaves
// fed the same gradient (add), a user-given gradient and a weight used through a transposed view
// (nn::Linear) each end up with their own buffer.
TEST(AutogradSemantics, S04b_LeafGradientsNeverAlias) {
  Tensor a = tensor({1.0, 2.0}, {2}, true), b = tensor({3.0, 4.0}, {2}, true);
  sum(a + b).backward();
  a.grad().add_(tensor({10.0, 10.0}));
  EXPECT_EQ(vec(a.grad()), (std::vector<double>{11.0, 11.0}));
  EXPECT_EQ(vec(b.grad()), (std::vector<double>{1.0, 1.0}));

  Tensor c = tensor({1.0, 2.0}, {2}, true);
  Tensor seed = tensor({5.0, 6.0}, {2});
  (c * 1.0).backward(seed);
  c.grad().mul_(2.0);
  EXPECT_EQ(vec(seed), (std::vector<double>{5.0, 6.0}));

  // d/dW sum(x W^T) with x [2,3], W [2,3]: every row of the gradient is the column sum of x.
  Tensor x = tensor({1.0, 2.0, 3.0, 4.0, 5.0, 6.0}, {2, 3});
  Tensor w = tensor({1.0, 0.0, 0.0, 0.0, 1.0, 0.0}, {2, 3}, true);
  sum(matmul(x, transpose(w, 0, 1))).backward();
  EXPECT_TRUE(w.grad().is_contiguous());
  EXPECT_EQ(vec(w.grad()), (std::vector<double>{5.0, 7.0, 9.0, 5.0, 7.0, 9.0}));
}

// 4c. Fan-in gradients are summed in place into a buffered gradient only when nothing else holds
// it: a gradient passed to two edges (add's VJP returns g twice), a retained gradient, a seed
// and a captured gradient all keep their values.
TEST(AutogradSemantics, S04c_FanInSumsNeverWriteIntoSharedGradients) {
  Tensor x = tensor({1.0, 2.0}, {2}, true);
  Tensor h = x * 2.0;
  Tensor seed = tensor({1.0, 10.0}, {2});
  (h + h + h * 3.0).backward(seed); // d/dh = 5 seed
  EXPECT_EQ(vec(seed), (std::vector<double>{1.0, 10.0}));
  EXPECT_EQ(vec(x.grad()), (std::vector<double>{10.0, 100.0}));

  Tensor y = tensor({1.0, 2.0}, {2}, true);
  Tensor a = y * 1.0;
  a.retain_grad();
  Tensor b = a * 2.0, c = a * 3.0;
  sum(b + c + b * c).backward(); // d/da = 2 + 3 + 12 a
  EXPECT_EQ(vec(a.grad()), (std::vector<double>{17.0, 29.0}));
  EXPECT_EQ(vec(y.grad()), (std::vector<double>{17.0, 29.0}));

  Tensor z = tensor({1.0, 2.0}, {2}, true);
  Tensor m = z * 1.0;
  Tensor n = m * 2.0;
  std::vector<Tensor> gr = autograd_grad({sum(n + n * m)}, {n, m, z});
  EXPECT_EQ(vec(gr[0]), (std::vector<double>{2.0, 3.0}));  // 1 + m
  EXPECT_EQ(vec(gr[1]), (std::vector<double>{6.0, 10.0})); // n + 2 (1 + m)
  EXPECT_EQ(vec(gr[2]), (std::vector<double>{6.0, 10.0}));
}

// 5. Non-leaf tensors keep no .grad() unless retain_grad() was called.
TEST(AutogradSemantics, S05_RetainGrad) {
  Tensor x = tensor({1.0, 2.0}, {2}, true);
  Tensor h = x * 3.0;
  Tensor k = x * 5.0;
  h.retain_grad();
  sum(h * h + k).backward();
  EXPECT_FALSE(k.grad().defined());
  EXPECT_EQ(vec(h.grad()), (std::vector<double>{6.0, 12.0})); // 2h
  EXPECT_EQ(vec(x.grad()), (std::vector<double>{18.0 + 5.0, 36.0 + 5.0}));
}

// 6. Backward frees saved tensors; a second backward is an error unless retain_graph.
TEST(AutogradSemantics, S06_RetainGraph) {
  Tensor x = tensor({1.0, 2.0}, {2}, true);
  Tensor y = sum(x * x);
  y.backward(Tensor(), /*retain_graph=*/true);
  y.backward(); // allowed: the first kept the buffers
  EXPECT_EQ(vec(x.grad()), (std::vector<double>{4.0, 8.0}));
  try {
    y.backward();
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("MulBackward0"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("retain_graph"), std::string::npos) << e.what();
  }
}

// 7. NoGradGuard (thread-local) and detach() stop recording; requires_grad_() switches a leaf.
TEST(AutogradSemantics, S07_NoGradDetachRequiresGrad) {
  Tensor x = tensor({1.0}, {}, true);
  {
    NoGradGuard g;
    EXPECT_FALSE(is_grad_enabled());
    Tensor y = x * 2.0;
    EXPECT_FALSE(y.requires_grad());
    EXPECT_EQ(y.grad_fn(), nullptr);
    bool other_thread = false;
    std::thread([&] { other_thread = is_grad_enabled(); }).join();
    EXPECT_TRUE(other_thread); // thread-local
  }
  EXPECT_TRUE(is_grad_enabled());
  Tensor d = (x * 2.0).detach();
  EXPECT_FALSE(d.requires_grad());
  EXPECT_TRUE(d.is_leaf());
  // Gradient does not flow through the detached branch.
  sum(x * d).backward();
  EXPECT_EQ(x.grad().item<double>(), 2.0);
  x.requires_grad_(false);
  EXPECT_FALSE((x * 2.0).requires_grad());
  Tensor non_leaf = tensor({1.0}, {}, true) * 2.0;
  EXPECT_THROW(non_leaf.requires_grad_(false), Error);         // only leaves switch
  EXPECT_THROW(arange(3, DType::i64).requires_grad_(), Error); // only floats require grad
}

// 8. Custom functions with save_for_backward.
struct Cube : Function<Cube> {
  static Tensor forward(AutogradContext* ctx, const Tensor& x, double scale) {
    ctx->save_for_backward({x});
    ctx->saved_data["scale"] = scale;
    return x * x * x * scale;
  }
  static std::vector<Tensor> backward(AutogradContext* ctx, std::vector<Tensor> grads) {
    Tensor x = ctx->get_saved_variables()[0];
    double scale = std::any_cast<double>(ctx->saved_data["scale"]);
    return {grads[0] * x * x * (3.0 * scale)};
  }
};

struct SplitHalves : Function<SplitHalves> { // two outputs, saves an output
  static std::vector<Tensor> forward(AutogradContext* ctx, const Tensor& x) {
    Tensor e = exp(x);
    ctx->save_for_backward({e});
    return {e, x * 2.0};
  }
  static std::vector<Tensor> backward(AutogradContext* ctx, std::vector<Tensor> grads) {
    Tensor e = ctx->get_saved_variables()[0];
    return {grads[0] * e + grads[1] * 2.0};
  }
};

TEST(AutogradSemantics, S08_CustomFunction) {
  Tensor x = tensor({1.0, 2.0}, {2}, true);
  Tensor y = Cube::apply(x, 0.5);
  EXPECT_EQ(y.grad_fn()->name(), "CubeBackward");
  EXPECT_EQ(vec(y), (std::vector<double>{0.5, 4.0}));
  sum(y).backward();
  EXPECT_EQ(vec(x.grad()), (std::vector<double>{1.5, 6.0}));
  x.zero_grad();
  std::vector<Tensor> outs = SplitHalves::apply(x);
  sum(outs[0]).backward(); // grads[1] arrives as zeros
  EXPECT_NEAR(x.grad().to_vector<double>()[1], std::exp(2.0), 1e-12);
  // Without grad mode the function just runs.
  NoGradGuard g;
  EXPECT_FALSE(Cube::apply(x, 1.0).requires_grad());
}

// 9. An in-place change of a saved tensor is caught by the version counter.
TEST(AutogradSemantics, S09_VersionCounter) {
  Tensor w = tensor({1.0, 2.0}, {2}, true);
  Tensor x = tensor({3.0, 4.0});
  Tensor y = sum(x * w); // MulBackward0 saves x
  x.mul_(2.0);
  try {
    y.backward();
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_NE(
        std::string(e.what()).find(
            "a tensor saved by MulBackward0 was modified in place: saved at version 0, now 1"),
        std::string::npos)
        << e.what();
  }
  // Changing a tensor that no rule saved is fine: add saves nothing.
  Tensor a = tensor({1.0, 1.0});
  Tensor z = sum(a + w);
  a.add_(1.0);
  z.backward();
  EXPECT_EQ(vec(w.grad()), (std::vector<double>{1.0, 1.0}));
  // A view shares the counter: changing the base invalidates a saved view.
  Tensor base = tensor({1.0, 2.0, 3.0});
  Tensor view = slice(base, 0, 0, 2);
  Tensor q = sum(view * w);
  base.zero_();
  EXPECT_THROW(q.backward(), Error);
  // In-place on a leaf that requires grad is refused while recording.
  EXPECT_THROW(w.add_(1.0), Error);
  // ... and allowed under NoGradGuard (what optimizers do).
  {
    NoGradGuard g;
    w.sub_(tensor({0.5, 0.5}));
  }
  EXPECT_EQ(vec(w), (std::vector<double>{0.5, 1.5}));
}

// In-place on a non-leaf takes the result's history (rebase) and keeps gradients right.
TEST(AutogradSemantics, S09b_InplaceOnNonLeafRebasesHistory) {
  Tensor x = tensor({1.0, 2.0}, {2}, true);
  Tensor h = x * 3.0;
  h.mul_(x); // h = 3 x^2; the old h is snapshotted for MulBackward0
  EXPECT_EQ(h.grad_fn()->name(), "MulBackward0");
  EXPECT_EQ(h.version(), 1u);
  sum(h).backward();
  EXPECT_EQ(vec(x.grad()), (std::vector<double>{6.0, 12.0})); // 6 x
  // h.mul_(h) saves h itself as the other operand: caught like in PyTorch.
  Tensor k = x * 3.0;
  k.mul_(k);
  EXPECT_THROW(sum(k).backward(), Error);
}

// 10. create_graph records the backward pass: higher-order gradients.
TEST(AutogradSemantics, S10_CreateGraph) {
  Tensor x = tensor({0.5, 2.0}, {2}, true);
  Tensor y = sum(x * x * x); // dy/dx = 3x^2, d2y/dx2 = 6x
  y.backward(Tensor(), false, /*create_graph=*/true);
  Tensor g = x.grad();
  EXPECT_TRUE(g.requires_grad());
  EXPECT_EQ(vec(g), (std::vector<double>{0.75, 12.0}));
  x.zero_grad();
  sum(g).backward();
  EXPECT_EQ(vec(x.grad()), (std::vector<double>{3.0, 12.0}));
  // Through an op that saves its output (exp): d2/dx2 exp(x) = exp(x).
  Tensor z = tensor({0.3}, {}, true);
  std::vector<Tensor> dz = autograd_grad({exp(z)}, {z}, {}, false, true);
  std::vector<Tensor> ddz = autograd_grad({dz[0]}, {z});
  EXPECT_NEAR(ddz[0].item<double>(), std::exp(0.3), 1e-15);
  // tanh: d2/dx2 tanh = -2 tanh (1 - tanh^2).
  Tensor t = tensor({0.7}, {}, true);
  Tensor dt = autograd_grad({tanh(t)}, {t}, {}, false, true)[0];
  double th = std::tanh(0.7);
  EXPECT_NEAR(autograd_grad({dt}, {t})[0].item<double>(), -2 * th * (1 - th * th), 1e-14);
}

// 11. Hooks see and may replace a gradient.
TEST(AutogradSemantics, S11_Hooks) {
  Tensor x = tensor({1.0, 2.0}, {2}, true);
  Tensor seen;
  x.register_hook([&](const Tensor& g) {
    seen = g;
    return Tensor(); // observe only
  });
  Tensor h = x * 2.0;
  h.register_hook([](const Tensor& g) { return g * 10.0; }); // replace
  sum(h * h).backward();
  // dL/dh = 2h = [4, 8], hook -> [40, 80], dL/dx = 2 * that.
  EXPECT_EQ(vec(seen), (std::vector<double>{80.0, 160.0}));
  EXPECT_EQ(vec(x.grad()), (std::vector<double>{80.0, 160.0}));
  EXPECT_THROW(ones({1}).register_hook([](const Tensor& g) { return g; }), Error);
  // autograd_grad (no .grad() written) still applies leaf hooks to what it returns.
  Tensor z = tensor({1.0, 2.0}, {2}, true);
  z.register_hook([](const Tensor& g) { return g * 2.0; });
  EXPECT_EQ(vec(autograd_grad({sum(z * z)}, {z})[0]), (std::vector<double>{4.0, 8.0}));
  EXPECT_FALSE(z.grad().defined());
}

// 12. Anomaly mode: a NaN/Inf made in backward names the node and its forward op.
TEST(AutogradSemantics, S12_AnomalyMode) {
  AnomalyModeGuard anomaly;
  Tensor x = tensor({0.0, 1.0}, {2}, true);
  Tensor y = sum(sqrt(x)); // d sqrt / dx at 0 = inf
  try {
    y.backward();
    FAIL() << "expected an error";
  } catch (const Error& e) {
    std::string m = e.what();
    EXPECT_NE(m.find("SqrtBackward0"), std::string::npos) << m;
    EXPECT_NE(m.find("sqrt (f64[2]) created as op #"), std::string::npos) << m;
  }
  // Without anomaly mode the inf flows into .grad silently, like PyTorch.
  AnomalyModeGuard off(false);
  Tensor x2 = tensor({0.0, 1.0}, {2}, true);
  sum(sqrt(x2)).backward();
  EXPECT_TRUE(std::isinf(x2.grad().to_vector<double>()[0]));
}

TEST(Autograd, ValueAndGrad) {
  auto f = [](const std::vector<Tensor>& a) { return sum(a[0] * a[0] * a[1]); };
  Tensor x = tensor({1.0, 2.0}), w = tensor({3.0, 4.0});
  auto [value, grads] = value_and_grad(f, {0, 1})({x, w});
  EXPECT_EQ(value.item<double>(), 3.0 + 16.0);
  EXPECT_EQ(vec(grads[0]), (std::vector<double>{6.0, 16.0})); // 2 x w
  EXPECT_EQ(vec(grads[1]), (std::vector<double>{1.0, 4.0}));  // x^2
  EXPECT_FALSE(x.requires_grad());                            // the caller's tensors are untouched
  EXPECT_FALSE(x.grad().defined());
  // Works under NoGradGuard too, and gives zeros for an unused argument.
  NoGradGuard g;
  auto vg = value_and_grad([](const std::vector<Tensor>& a) { return sum(exp(a[0])); }, {0, 1});
  auto [v2, g2] = vg({tensor({0.0}), w});
  EXPECT_EQ(g2[0].item<double>(), 1.0);
  EXPECT_EQ(vec(g2[1]), (std::vector<double>{0.0, 0.0}));
}

TEST(Autograd, GraphIsFreedWithoutCycles) {
  // Saved outputs (exp, tanh, sigmoid save theirs) must not keep their node alive.
  std::weak_ptr<Node> node;
  {
    Tensor x = tensor({1.0, 2.0}, {2}, true);
    Tensor y = sigmoid(tanh(exp(x)));
    node = y.grad_fn();
    EXPECT_FALSE(node.expired());
  }
  EXPECT_TRUE(node.expired());
}

} // namespace
} // namespace grad
