// What a varying batch size costs under grad::jit's shape policy (issue 14; docs/dynamic-shapes.md).
// An MLP 64-128-10 training step (value_and_grad of the cross-entropy loss, SGD update on the
// host) over an epoch whose batch sizes vary in 8..64 (every size once, in a fixed shuffled
// order, twice over), run eagerly and under each policy in one run. Prints per policy: compiles,
// total compile time (the CompileEvents' compile_ms), total wall time, ms/step with and without
// the compile time, and the largest loss difference from eager.
// Then the sequence model: the examples/charlm step over a varying sequence length at a fixed
// batch, and over varying batch size and sequence length (eager, Static, Auto; compiles, compile
// time, ms/step, losses), and its dynamic code against its static code at one shape.
// Usage: bench_dynamic_shapes [--epochs N] [--min B] [--max B] [--fused-qkv]
//        bench_dynamic_shapes --profile-seq B T STEPS   (the charlm dynamic step only)
//        bench_dynamic_shapes --profile-seq-static B T STEPS   (its static code at (B, T))
//        (either with `--mlir FILE` after STEPS: also writes the step's optimized grad IR to FILE,
//        input to `grad-opt --grad-lower-to-llvm` for reading the generated code)
//        --fused-qkv anywhere: the char transformer's q, k, v as one projection and three slices
#include "../../examples/charlm/charlm.h"

#include "grad/jit.h"
#include "grad/ops.h"
#include "grad/threads.h"
#include "grad/transforms.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <random>
#include <string>
#include <vector>

using namespace grad;

namespace {

constexpr int64_t kIn = 64, kHidden = 128, kClasses = 10;
constexpr double kLr = 0.05;

Tensor mlpLoss(const std::vector<Tensor> &a) {
  Tensor h = relu(matmul(a[0], a[2]) + a[3]);
  return cross_entropy(matmul(h, a[4]) + a[5], a[1]);
}

std::vector<Tensor> initialParams() {
  return {randn({kIn, kHidden}, 11) * 0.1, zeros({kHidden}), randn({kHidden, kClasses}, 12) * 0.1,
          zeros({kClasses})};
}

struct Batch {
  Tensor x, labels;
};

std::vector<Batch> makeBatches(int epochs, int64_t lo, int64_t hi) {
  std::vector<int64_t> sizes;
  for (int64_t b = lo; b <= hi; ++b)
    sizes.push_back(b);
  std::mt19937 rng(7);
  std::vector<Batch> batches;
  for (int e = 0; e < epochs; ++e) {
    std::shuffle(sizes.begin(), sizes.end(), rng);
    for (int64_t b : sizes) {
      std::vector<int64_t> labels(b);
      for (int64_t i = 0; i < b; ++i)
        labels[i] = static_cast<int64_t>(rng() % kClasses);
      batches.push_back({randn({b, kIn}, 100 + batches.size()), tensor(labels, {b})});
    }
  }
  return batches;
}

struct Result {
  std::string policy;
  size_t compiles = 0;
  double compileMs = 0, totalMs = 0;
  std::vector<double> losses;
};

template <class Step> Result train(const std::string &policy, Step &&step,
                                   const std::vector<Batch> &batches) {
  Result r;
  r.policy = policy;
  std::vector<Tensor> params = initialParams();
  auto t0 = std::chrono::steady_clock::now();
  for (const Batch &b : batches) {
    std::vector<Tensor> args = {b.x, b.labels};
    args.insert(args.end(), params.begin(), params.end());
    auto [loss, grads] = step(args);
    r.losses.push_back(loss.template item<float>());
    for (size_t i = 0; i < params.size(); ++i)
      params[i] = params[i] - grads[i] * kLr;
  }
  r.totalMs = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0)
                  .count();
  return r;
}

Result trainJit(const std::string &policy, JitOptions options, const std::vector<Batch> &b) {
  auto step = jit(value_and_grad(mlpLoss, {2, 3, 4, 5}), options);
  Result r = train(policy, step, b);
  for (const CompileEvent &e : step.compile_events())
    r.compileMs += e.compile_ms;
  r.compiles = step.compile_events().size();
  return r;
}

/// Dynamic against static code in alternating rounds (each round: ms/step of one call of
/// `staticRound`, then of `dynamicRound`), so both see the same machine load.
struct RoundsResult {
  double bestStatic = 1e30, bestDynamic = 1e30, medianRatio = 0;
};
template <typename S, typename D>
RoundsResult alternateRounds(int rounds, S staticRound, D dynamicRound) {
  RoundsResult result;
  std::vector<double> ratios;
  for (int r = 0; r < rounds; ++r) {
    double s = staticRound(), d = dynamicRound();
    result.bestStatic = std::min(result.bestStatic, s);
    result.bestDynamic = std::min(result.bestDynamic, d);
    ratios.push_back(d / s);
  }
  std::sort(ratios.begin(), ratios.end());
  result.medianRatio = ratios[rounds / 2];
  return result;
}

} // namespace

int main(int argc, char **argv) {
  // One thread (eager kernels, OpenBLAS and compiled code) unless GRAD_BENCH_THREADS says.
  const char *threads = std::getenv("GRAD_BENCH_THREADS");
  grad::set_num_threads(threads ? std::atoi(threads) : 1);
  // --fused-qkv (anywhere): the char transformer with q, k, v as one Linear(D, 3D) and three
  // slices (charlm.h's fused_qkv); removed from argv before the other options are read.
  bool fusedQkv = false;
  for (int i = 1; i < argc; ++i)
    if (!std::strcmp(argv[i], "--fused-qkv")) {
      fusedQkv = true;
      for (int j = i; j + 1 < argc; ++j)
        argv[j] = argv[j + 1];
      --argc;
      break;
    }
  int epochs = 2;
  int64_t lo = 8, hi = 64;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (!std::strcmp(argv[i], "--epochs"))
      epochs = std::atoi(argv[i + 1]);
    else if (!std::strcmp(argv[i], "--min"))
      lo = std::atoll(argv[i + 1]);
    else if (!std::strcmp(argv[i], "--max"))
      hi = std::atoll(argv[i + 1]);
  }
  bool profileArgs = argc == 5 || (argc == 7 && !std::strcmp(argv[5], "--mlir"));
  bool profileStatic = profileArgs && !std::strcmp(argv[1], "--profile-seq-static");
  if (profileArgs && (profileStatic || !std::strcmp(argv[1], "--profile-seq"))) {
    // Only the char transformer's dynamic step at (B, T) = (argv[2], argv[3]), argv[4] steps
    // after its compiles: for perf record.
    charlm::Config cfg;
    cfg.fused_qkv = fusedQkv;
    int64_t b = std::atoll(argv[2]), t = std::atoll(argv[3]);
    grad::JitOptions options;
    options.dynamic = profileStatic ? Dynamic::Static : Dynamic::Auto;
    charlm::CompiledTrainer trainer(cfg, 1e-3, options);
    auto zerosBatch = [&](int64_t bb, int64_t tt) {
      return std::make_pair(zeros({bb, tt}, DType::i64), zeros({bb * tt}, DType::i64));
    };
    auto [xw, yw] = zerosBatch(b - 2, t - 8);
    auto [x, y] = zerosBatch(b, t);
    if (!profileStatic)
      trainer.step(xw, yw); // Auto: the second size compiles the dynamic code
    trainer.step(x, y);
    if (argc == 7) {
      std::FILE *file = std::fopen(argv[6], "w");
      if (!file) {
        std::fprintf(stderr, "cannot write %s\n", argv[6]);
        return 1;
      }
      std::fputs(trainer.mlir(x, y).c_str(), file);
      std::fclose(file);
    }
    auto t0 = std::chrono::steady_clock::now();
    for (int k = 0; k < std::atoi(argv[4]); ++k)
      trainer.step(x, y);
    std::printf("%.3f ms/step\n", std::chrono::duration<double, std::milli>(
                                      std::chrono::steady_clock::now() - t0)
                                          .count() / std::atoi(argv[4]));
    return 0;
  }
  std::vector<Batch> batches = makeBatches(epochs, lo, hi);
  std::printf("MLP %lld-%lld-%lld training step, %zu steps, batch sizes %lld..%lld "
              "(%lld distinct), one thread\n",
              (long long)kIn, (long long)kHidden, (long long)kClasses, batches.size(),
              (long long)lo, (long long)hi, (long long)(hi - lo + 1));

  std::vector<Result> results;
  results.push_back(train("eager", value_and_grad(mlpLoss, {2, 3, 4, 5}), batches));
  JitOptions unlimited;
  unlimited.dynamic = Dynamic::Static;
  unlimited.cache_limit = 0;
  results.push_back(trainJit("Static, no cache limit", unlimited, batches));
  JitOptions limited;
  limited.dynamic = Dynamic::Static; // cache_limit 8: every epoch recompiles every size
  results.push_back(trainJit("Static, cache_limit 8", limited, batches));
  JitOptions autoDynamic;
  autoDynamic.dynamic = Dynamic::Auto;
  results.push_back(trainJit("Auto", autoDynamic, batches));
  JitOptions marked;
  marked.dynamic_dims = {{0, 0}, {1, 0}}; // the batch dim of the inputs and the labels
  results.push_back(trainJit("dynamic_dims (marks)", marked, batches));

  std::printf("%-24s %9s %12s %11s %9s %14s %12s\n", "policy", "compiles", "compile ms",
              "total ms", "ms/step", "ms/step w/o c.", "max |dloss|");
  const std::vector<double> &eager = results[0].losses;
  for (const Result &r : results) {
    double maxDiff = 0;
    for (size_t i = 0; i < eager.size(); ++i)
      maxDiff = std::max(maxDiff, std::abs(r.losses[i] - eager[i]));
    double steps = static_cast<double>(batches.size());
    std::printf("%-24s %9zu %12.1f %11.1f %9.3f %14.3f %12.2e\n", r.policy.c_str(), r.compiles,
                r.compileMs, r.totalMs, r.totalMs / steps, (r.totalMs - r.compileMs) / steps,
                maxDiff);
  }

  // The sequence model: the char transformer (examples/charlm: loss, gradients and Adam in one
  // jitted step) eagerly and under Static and Auto from the same initial weights, over two loops:
  // a varying sequence length at a fixed batch, then a batch size B and sequence length T that
  // both vary: compiles, compile time, ms/step, losses.
  {
    charlm::Config cfg;
    cfg.fused_qkv = fusedQkv;
    std::mt19937 rng(3);
    auto batchOf = [&](int64_t b, int64_t t) {
      std::vector<int64_t> x(b * t), y(b * t);
      for (auto &v : x)
        v = static_cast<int64_t>(rng() % cfg.vocab);
      for (auto &v : y)
        v = static_cast<int64_t>(rng() % cfg.vocab);
      return std::make_pair(tensor(x, {b, t}), tensor(y, {b * t}));
    };
    struct SeqResult {
      std::string policy;
      size_t compiles = 0;
      double compileMs = 0, totalMs = 0;
      std::vector<float> losses;
    };
    auto runLoop = [&](const std::string &title,
                       const std::vector<std::pair<int64_t, int64_t>> &shapes) {
      std::vector<std::pair<Tensor, Tensor>> data;
      for (auto [b, t] : shapes)
        data.push_back(batchOf(b, t));
      std::vector<SeqResult> seq;
      {
        charlm::EagerTrainer eager(cfg, 1e-3);
        SeqResult r;
        r.policy = "eager";
        auto t0 = std::chrono::steady_clock::now();
        for (auto &[x, y] : data)
          r.losses.push_back(eager.step(x, y));
        r.totalMs =
            std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0)
                .count();
        seq.push_back(r);
      }
      auto runJit = [&](const std::string &policy, grad::JitOptions options) {
        options.name = "charlm_step";
        charlm::CompiledTrainer trainer(cfg, 1e-3, options);
        SeqResult r;
        r.policy = policy;
        auto t0 = std::chrono::steady_clock::now();
        for (auto &[x, y] : data)
          r.losses.push_back(trainer.step(x, y));
        r.totalMs =
            std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0)
                .count();
        for (const CompileEvent &e : trainer.function().compile_events()) {
          r.compileMs += e.compile_ms;
          if (policy == "Auto")
            std::fprintf(stderr, "%s\n", format_compile_event(e).c_str());
        }
        r.compiles = trainer.function().compile_events().size();
        seq.push_back(r);
      };
      grad::JitOptions staticOptions;
      staticOptions.dynamic = Dynamic::Static;
      staticOptions.cache_limit = 0;
      runJit("Static, no cache limit", staticOptions);
      grad::JitOptions autoOptions;
      autoOptions.dynamic = Dynamic::Auto;
      runJit("Auto", autoOptions);
      std::printf("\ncharlm training step (context %lld, d_model %lld, %lld layers%s), %zu "
                  "steps: %s\n",
                  (long long)cfg.context, (long long)cfg.d_model, (long long)cfg.layers,
                  cfg.fused_qkv ? ", fused qkv" : "", data.size(), title.c_str());
      std::printf("(B, T) in order:");
      for (auto [b, t] : shapes)
        std::printf(" %lldx%lld", (long long)b, (long long)t);
      std::printf("\n");
      std::printf("%-24s %9s %12s %11s %9s %14s %12s\n", "policy", "compiles", "compile ms",
                  "total ms", "ms/step", "ms/step w/o c.", "max |dloss|");
      for (const SeqResult &r : seq) {
        double maxDiff = 0;
        for (size_t i = 0; i < data.size(); ++i)
          maxDiff = std::max(maxDiff, double(std::abs(r.losses[i] - seq[0].losses[i])));
        double steps = static_cast<double>(data.size());
        std::printf("%-24s %9zu %12.1f %11.1f %9.2f %14.2f %12.2e\n", r.policy.c_str(),
                    r.compiles, r.compileMs, r.totalMs, r.totalMs / steps,
                    (r.totalMs - r.compileMs) / steps, maxDiff);
      }
    };

    // 1. A sequence model over varying lengths: B = 16, T in 24..64 (step 8), shuffled, then a
    //    repeat and T = 37.
    std::vector<std::pair<int64_t, int64_t>> lengths;
    for (int64_t t = 24; t <= 64; t += 8)
      lengths.push_back({16, t});
    std::mt19937 order(9);
    std::shuffle(lengths.begin(), lengths.end(), order);
    lengths.push_back(lengths[0]);
    lengths.push_back({16, 37});
    runLoop("B = 16, T in {24,32,...,64} shuffled, then one repeat and T = 37", lengths);

    // 2. B and T both vary: the 3 x 3 grid shuffled (its first two shapes differ in B only, so
    //    Auto's second compile makes B `?` and the first new T compiles once more), then a repeat
    //    and (10, 40).
    std::vector<std::pair<int64_t, int64_t>> shapes;
    for (int64_t b : {8, 12, 16})
      for (int64_t t : {32, 48, 64})
        shapes.push_back({b, t});
    std::shuffle(shapes.begin(), shapes.end(), order);
    shapes.push_back(shapes[0]); // a shape seen before: no compile under either policy
    shapes.push_back({10, 40});  // sizes not in the grid
    runLoop("(B, T) in {8,12,16} x {32,48,64} shuffled, then one repeat and (10, 40)", shapes);

    // Dynamic vs static code at one shape: the step compiled for (B, T), and under Auto after a
    // first call at (B - 2, T - 8): its code for (B, T) is the second compile, B and T `?`.
    // The two trainers' steps alternate in
    // rounds of 10, so both see the same machine load; printed: the best round of each and the
    // median over rounds of the ratio within a round.
    std::printf("\n");
    for (auto [b, t] : std::vector<std::pair<int64_t, int64_t>>{{8, 32}, {16, 64}}) {
      auto [xt, yt] = batchOf(b, t);
      auto [xw, yw] = batchOf(b - 2, t - 8);
      grad::JitOptions dynamicOptions;
      dynamicOptions.dynamic = Dynamic::Auto;
      grad::JitOptions staticCode;
      staticCode.dynamic = Dynamic::Static;
      charlm::CompiledTrainer st(cfg, 1e-3, staticCode), dy(cfg, 1e-3, dynamicOptions);
      st.step(xt, yt); // compile: static code for (B, T)
      dy.step(xw, yw); // the static first compile, at other sizes
      dy.step(xt, yt); // compile: B and T `?`
      if (dy.function().compile_events().back().made_dynamic.empty())
        std::fprintf(stderr, "charlm: the Auto step did not go dynamic: %s\n",
                     dy.function().compile_events().back().static_reason.c_str());
      auto round = [&](charlm::CompiledTrainer &trainer) {
        auto t0 = std::chrono::steady_clock::now();
        for (int k = 0; k < 10; ++k)
          trainer.step(xt, yt);
        return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0)
                   .count() /
               10;
      };
      constexpr int kRounds = 9;
      RoundsResult r =
          alternateRounds(kRounds, [&] { return round(st); }, [&] { return round(dy); });
      std::printf("charlm (B, T) = (%lld, %lld): static code %.2f ms/step, dynamic code (B, T `?`) "
                  "%.2f ms/step (best of %d rounds of 10): dynamic/static %.2fx best, %.2fx "
                  "median of rounds\n",
                  (long long)b, (long long)t, r.bestStatic, r.bestDynamic, kRounds,
                  r.bestDynamic / r.bestStatic, r.medianRatio);
    }
    std::printf("\n");
  }

  // Dynamic code vs static code at one shape: the same step compiled static for the batch, and
  // with the batch dim `?` (JitOptions::dynamic_dims), timed in alternating rounds over the same
  // 200 steps (best round of each, and the median of the per-round ratios).
  for (int64_t batch : {8, 32, 64}) {
    std::vector<Batch> same;
    for (int k = 0; k < 200; ++k)
      same.push_back({randn({batch, kIn}, 500 + k), zeros({batch}, DType::i64)});
    JitOptions staticOptions;
    staticOptions.dynamic = Dynamic::Static;
    auto staticStep = jit(value_and_grad(mlpLoss, {2, 3, 4, 5}), staticOptions);
    JitOptions dynamicOptions;
    dynamicOptions.dynamic_dims = {{0, 0}, {1, 0}};
    auto dynamicStep = jit(value_and_grad(mlpLoss, {2, 3, 4, 5}), dynamicOptions);
    std::vector<Tensor> params = initialParams();
    auto round = [&](auto &step) {
      auto t0 = std::chrono::steady_clock::now();
      for (const Batch &b : same) {
        std::vector<Tensor> args = {b.x, b.labels};
        args.insert(args.end(), params.begin(), params.end());
        step(args);
      }
      return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0)
                 .count() /
             same.size();
    };
    round(staticStep); // compiles
    round(dynamicStep);
    RoundsResult r = alternateRounds(7, [&] { return round(staticStep); },
                                     [&] { return round(dynamicStep); });
    std::printf("batch %lld: static code %.4f ms/step, dynamic code (batch `?`) %.4f ms/step: "
                "dynamic/static %.2fx best, %.2fx median of rounds\n",
                (long long)batch, r.bestStatic, r.bestDynamic, r.bestDynamic / r.bestStatic,
                r.medianRatio);
  }
  return 0;
}
