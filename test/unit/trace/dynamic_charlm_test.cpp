// A transformer over a varying batch AND sequence length under Dynamic::Auto (issue 14): the
// examples/charlm training step (loss, gradients and Adam in one jitted function) at (B, T) in
// {(8,32), (12,48), (16,64), (8,40)} compiles twice (static, then B and T `?`), its losses equal
// eager's, and the second compile event names the dims that went dynamic; the same with q, k, v
// fused into one projection and three slices (`fused_qkv`).
#include "../../../examples/charlm/charlm.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <random>
#include <utility>
#include <vector>

namespace {

charlm::Config smallConfig() {
  charlm::Config cfg;
  cfg.vocab = 20;
  cfg.context = 64;
  cfg.d_model = 16;
  cfg.heads = 2;
  cfg.layers = 1;
  return cfg;
}

std::pair<grad::Tensor, grad::Tensor> randomBatch(const charlm::Config &cfg, int64_t b, int64_t t,
                                                  std::mt19937 &rng) {
  std::vector<int64_t> x(b * t), y(b * t);
  for (auto &v : x)
    v = static_cast<int64_t>(rng() % cfg.vocab);
  for (auto &v : y)
    v = static_cast<int64_t>(rng() % cfg.vocab);
  return {grad::tensor(x, {b, t}), grad::tensor(y, {b * t})};
}

/// Trains `cfg` at (B, T) in {(8,32), (12,48), (16,64), (8,40)} under Auto: two compiles, the
/// second with B and T `?` everywhere and no static reason, the losses equal eager's.
void expectTwoCompilesWithEagerLosses(const charlm::Config &cfg) {
  grad::JitOptions options;
  options.dynamic = grad::Dynamic::Auto;
  options.name = "charlm_step";
  charlm::EagerTrainer eager(cfg, 1e-2);
  charlm::CompiledTrainer compiled(cfg, 1e-2, options);
  std::mt19937 rng(5);
  const std::vector<std::pair<int64_t, int64_t>> shapes = {{8, 32}, {12, 48}, {16, 64}, {8, 40}};
  for (auto [b, t] : shapes) {
    auto [x, y] = randomBatch(cfg, b, t, rng);
    if (std::getenv("GRAD_TEST_DUMP"))
      std::fprintf(stderr, "%s\n", compiled.mlir(x, y).c_str());
    float le = eager.step(x, y), lc = compiled.step(x, y);
    EXPECT_NEAR(lc, le, 1e-5) << "B " << b << ", T " << t;
  }
  const auto &events = compiled.function().compile_events();
  for (const grad::CompileEvent &e : events)
    std::fprintf(stderr, "%s\n", grad::format_compile_event(e).c_str());
  ASSERT_EQ(events.size(), 2u);
  EXPECT_TRUE(events[0].made_dynamic.empty());
  EXPECT_EQ(events[1].static_reason, "");
  // x [B,T] dims 0 and 1, y [B*T] dim 0, positions [T], both dims of the mask [T,T].
  std::vector<std::pair<int, int>> dims;
  for (const grad::SignatureChange &c : events[1].made_dynamic)
    dims.push_back({c.input, c.dim});
  std::vector<std::pair<int, int>> expected = {{0, 0}, {0, 1}, {1, 0}, {2, 0}, {3, 0}, {3, 1}};
  EXPECT_EQ(dims, expected);
  std::string line = grad::format_compile_event(events[1]);
  EXPECT_NE(line.find("dynamic: input #0 dim 0, input #0 dim 1, input #1 dim 0"), std::string::npos)
      << line;
}

TEST(DynamicCharlm, VaryingBatchAndSequenceLengthCompilesTwiceWithEagerLosses) {
  expectTwoCompilesWithEagerLosses(smallConfig());
}

// q, k, v as three slices of one Linear(D, 3D) (nanoGPT's c_attn): the slices of [B, T, 3D]
// along D run to the end of B and T (limits `?` after generalizing), and their gradient is a
// concat with zero pieces of run-time size [B, T, 2D].
TEST(DynamicCharlm, FusedQkvSlicesGoDynamicToo) {
  charlm::Config cfg = smallConfig();
  cfg.fused_qkv = true;
  expectTwoCompilesWithEagerLosses(cfg);
}

} // namespace

// JitOptions::dynamic_dims marks of dims whose sizes are coupled: the labels' `[B*T]` is marked
// with x's B and T (and the positions' and the mask's T). The marked trace grows B and T by one
// and the labels to (B+1)(T+1) (a product of two marked sizes), so the step is `?` in all six
// dims from the first call: one compile for every (B, T), losses equal to eager's.
TEST(DynamicCharlm, MarkedCoupledDimsCompileOnceWithEagerLosses) {
  charlm::Config cfg = smallConfig();
  grad::JitOptions options;
  options.dynamic = grad::Dynamic::Static;
  options.dynamic_dims = {{0, 0}, {0, 1}, {1, 0}, {2, 0}, {3, 0}, {3, 1}};
  options.name = "charlm_step";
  charlm::EagerTrainer eager(cfg, 1e-2);
  charlm::CompiledTrainer compiled(cfg, 1e-2, options);
  std::mt19937 rng(7);
  const std::vector<std::pair<int64_t, int64_t>> shapes = {{8, 32}, {8, 48}, {12, 48}, {5, 17}};
  for (auto [b, t] : shapes) {
    auto [x, y] = randomBatch(cfg, b, t, rng);
    float le = eager.step(x, y), lc = compiled.step(x, y);
    EXPECT_NEAR(lc, le, 1e-5) << "B " << b << ", T " << t;
  }
  const auto &events = compiled.function().compile_events();
  ASSERT_EQ(events.size(), 1u) << grad::format_compile_event(events.back());
  EXPECT_EQ(events[0].static_reason, "");
  std::vector<std::pair<int, int>> dims;
  for (const grad::SignatureChange &c : events[0].made_dynamic)
    dims.push_back({c.input, c.dim});
  std::vector<std::pair<int, int>> expected = {{0, 0}, {0, 1}, {1, 0}, {2, 0}, {3, 0}, {3, 1}};
  EXPECT_EQ(dims, expected);
}

// Auto when B and T change at different calls: T changes first (compile #2: T `?`), then B at
// the first T. The third compile keeps T `?` (a dim stays dynamic once it has changed, as in
// torch.compile) and adds B, so no later (B, T) compiles again: three compiles for the five
// shapes, not four, losses equal to eager's. (Compile #3's second trace must move T down to 63:
// at T = 65 a [T, context] constant broadcast is over the folding bound of 4096 elements and
// the graphs differ.)
TEST(DynamicCharlm, ADimThatWentDynamicStaysDynamicWhenAnotherChanges) {
  charlm::Config cfg = smallConfig();
  grad::JitOptions options;
  options.dynamic = grad::Dynamic::Auto;
  options.name = "charlm_step";
  charlm::EagerTrainer eager(cfg, 1e-2);
  charlm::CompiledTrainer compiled(cfg, 1e-2, options);
  std::mt19937 rng(11);
  const std::vector<std::pair<int64_t, int64_t>> shapes = {
      {16, 64}, {16, 48}, {8, 64}, {8, 32}, {12, 40}};
  for (auto [b, t] : shapes) {
    auto [x, y] = randomBatch(cfg, b, t, rng);
    float le = eager.step(x, y), lc = compiled.step(x, y);
    EXPECT_NEAR(lc, le, 1e-5) << "B " << b << ", T " << t;
  }
  const auto &events = compiled.function().compile_events();
  ASSERT_EQ(events.size(), 3u) << grad::format_compile_event(events.back());
  auto dynamicDims = [&](const grad::CompileEvent &e) {
    std::vector<std::pair<int, int>> dims;
    for (const grad::SignatureChange &c : e.made_dynamic)
      dims.push_back({c.input, c.dim});
    return dims;
  };
  // Compile #2: T in x, the labels [B*T], the positions and the mask.
  std::vector<std::pair<int, int>> t = {{0, 1}, {1, 0}, {2, 0}, {3, 0}, {3, 1}};
  EXPECT_EQ(dynamicDims(events[1]), t);
  // Compile #3 (B changed at T = 64): B and T.
  std::vector<std::pair<int, int>> bt = {{0, 0}, {0, 1}, {1, 0}, {2, 0}, {3, 0}, {3, 1}};
  EXPECT_EQ(dynamicDims(events[2]), bt);
  // What changed is still reported against the closest compiled signature: only B.
  ASSERT_EQ(events[2].changes.size(), 2u);
  EXPECT_EQ(events[2].changes[0].input, 0);
  EXPECT_EQ(events[2].changes[0].dim, 0);
  EXPECT_EQ(events[2].changes[0].old_size, 16);
  EXPECT_EQ(events[2].changes[0].new_size, 8);
}
