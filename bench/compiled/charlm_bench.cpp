// The issue-9 benchmark, one thread, f32, one run (numbers in docs/performance.md):
//   (1) the 2-block char transformer (examples/charlm) training step, eager vs compiled, with
//       q/k/v as three Linears and as one Linear + slices (nanoGPT's c_attn);
//   (2) the compiled step's first call: cold (nothing cached) with its per-phase breakdown, and
//       warm (a second JitFunction reading the persistent cache that the first one wrote, as a
//       second process would);
//   (3) the loss curves of both modes over --steps steps (max |difference|);
//   (4) compile time of value_and_grad(sum(exp(slice(x)))) across shapes: it must not grow
//       with the shape.
//   (5) --only scaling: the training step, eager and compiled, at 1 thread and at every core (or
//       --threads N) in one run, with the speedups.
// Usage: bench_charlm [--steps N] [--text FILE] [--threads N]
//                     [--only step|compile|curve|slice|scaling]
// --threads N (default 1) runs (1)-(4) on N threads (grad::set_num_threads).
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
#include <filesystem>
#include <string>
#include <unistd.h>
#include <vector>

using grad::Tensor;

namespace {

double now() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v.empty() ? 0 : v[v.size() / 2];
}

void benchStep(const charlm::Corpus &corpus, charlm::Config cfg, int steps) {
  charlm::EagerTrainer eager(cfg, 3e-3);
  charlm::CompiledTrainer compiled(cfg, 3e-3);
  std::vector<double> e, c;
  for (int s = 0; s < steps; ++s) {
    auto [x, y] = corpus.batch(cfg, s);
    double t0 = now();
    eager.step(x, y);
    double t1 = now();
    compiled.step(x, y);
    double t2 = now();
    e.push_back((t1 - t0) * 1e3);
    if (s > 0)
      c.push_back((t2 - t1) * 1e3);
  }
  std::printf("| transformer step%-14s | %8.2f | %8.2f | %6.2fx |\n",
              cfg.fused_qkv ? ", fused qkv" : "", median(e), median(c), median(e) / median(c));
}

// 1 thread and N threads alternate step by step (one trainer each), so that a change in the
// machine's load during the run reaches both columns alike.
void benchScaling(const charlm::Corpus &corpus, charlm::Config cfg, int steps, int threads) {
  std::printf("| transformer step (median of %d steps, ms) | 1 thread | %d threads | speedup |\n",
              steps, threads);
  std::printf("|---|---:|---:|---:|\n");
  for (bool compiledMode : {false, true}) {
    charlm::EagerTrainer eager[2] = {{cfg, 3e-3}, {cfg, 3e-3}};
    charlm::CompiledTrainer compiled[2] = {{cfg, 3e-3}, {cfg, 3e-3}};
    std::vector<double> t[2];
    for (int s = 0; s < steps; ++s) {
      auto [x, y] = corpus.batch(cfg, s);
      for (int k = 0; k < 2; ++k) {
        grad::set_num_threads(k == 0 ? 1 : threads);
        double t0 = now();
        compiledMode ? compiled[k].step(x, y) : eager[k].step(x, y);
        if (s > 0) // the compiled first call compiles
          t[k].push_back((now() - t0) * 1e3);
      }
    }
    double ms[2] = {median(t[0]), median(t[1])};
    std::printf("| %-8s%-33s | %8.2f | %10.2f | %6.2fx |\n", compiledMode ? "compiled" : "eager",
                cfg.fused_qkv ? ", fused qkv" : "", ms[0], ms[1], ms[0] / ms[1]);
  }
}

void benchCompile(const charlm::Corpus &corpus, charlm::Config cfg) {
  std::filesystem::path dir = std::filesystem::temp_directory_path() /
                              ("grad_bench_cache_" + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  auto [x, y] = corpus.batch(cfg, 0);
  for (const char *kind : {"cold", "warm"}) {
    grad::JitOptions options;
    options.cache_dir = dir.string();
    charlm::CompiledTrainer trainer(cfg, 3e-3, options);
    double t0 = now();
    trainer.step(x, y);
    double first = now() - t0;
    grad::CompileStats s = grad::last_compile_stats();
    std::printf("| first call, %-4s cache%s | %7.3f s | %s |\n", kind,
                cfg.fused_qkv ? ", fused qkv" : "", first, grad::format_compile_stats(s).c_str());
  }
  std::filesystem::remove_all(dir);
}

void benchCurve(const charlm::Corpus &corpus, charlm::Config cfg, int steps) {
  charlm::EagerTrainer eager(cfg, 3e-3);
  charlm::CompiledTrainer compiled(cfg, 3e-3);
  double maxDiff = 0;
  float first = 0, last = 0;
  for (int s = 0; s < steps; ++s) {
    auto [x, y] = corpus.batch(cfg, s);
    float le = eager.step(x, y), lc = compiled.step(x, y);
    maxDiff = std::max(maxDiff, std::fabs(double(le) - double(lc)));
    if (s == 0)
      first = le;
    last = le;
  }
  std::printf("loss curves over %d steps: eager %.4f -> %.4f; max |eager - compiled| = %.2e\n",
              steps, first, last, maxDiff);
}

void benchSlice() {
  std::printf("| slice shape [B,T,3C] -> [B,T,C] | elements | compile (s) | object bytes |\n");
  std::printf("|---|---:|---:|---:|\n");
  const int64_t shapes[][3] = {{16, 32, 192}, {16, 64, 192}, {64, 64, 768}, {256, 256, 768}};
  for (const auto &shape : shapes) {
    int64_t c = shape[2] / 3;
    auto fn = [c](const std::vector<Tensor> &a) {
      return grad::sum(grad::exp(grad::slice(a[0], 2, 0, c)));
    };
    auto step = grad::jit(grad::value_and_grad(fn, {0}));
    Tensor x = grad::randn({shape[0], shape[1], shape[2]}, 1) * 0.1;
    step({x});
    grad::CompileStats s = step.last_compile_stats();
    std::printf("| [%lld,%lld,%lld] | %lld | %.3f | %zu |\n", static_cast<long long>(shape[0]),
                static_cast<long long>(shape[1]), static_cast<long long>(shape[2]),
                static_cast<long long>(shape[0] * shape[1] * shape[2]), s.total, s.object_bytes);
  }
}

} // namespace

int main(int argc, char **argv) {
  int steps = 30;
  int threads = 0;
  std::string text = "/usr/share/common-licenses/GPL-3", only;
  for (int i = 1; i < argc; ++i) {
    if (!std::strcmp(argv[i], "--steps") && i + 1 < argc)
      steps = std::max(2, std::atoi(argv[++i]));
    else if (!std::strcmp(argv[i], "--text") && i + 1 < argc)
      text = argv[++i];
    else if (!std::strcmp(argv[i], "--only") && i + 1 < argc)
      only = argv[++i];
    else if (!std::strcmp(argv[i], "--threads") && i + 1 < argc)
      threads = std::max(1, std::atoi(argv[++i]));
    else {
      std::fprintf(stderr, "usage: bench_charlm [--steps N] [--text FILE] [--threads N] "
                           "[--only step|compile|curve|slice|scaling]\n");
      return 2;
    }
  }
  try {
    if (only == "scaling") {
      charlm::Corpus corpus = charlm::Corpus::load(text);
      charlm::Config cfg;
      cfg.vocab = static_cast<int64_t>(corpus.alphabet.size());
      benchScaling(corpus, cfg, steps, threads ? threads : grad::get_num_threads());
      return 0;
    }
    grad::set_num_threads(threads ? threads : 1);
    charlm::Corpus corpus = charlm::Corpus::load(text);
    charlm::Config cfg;
    cfg.vocab = static_cast<int64_t>(corpus.alphabet.size());
    charlm::Config fused = cfg;
    fused.fused_qkv = true;
    std::printf("char transformer: B=%lld T=%lld D=%lld heads=%lld layers=%lld vocab=%lld; %d "
                "thread(s), f32\n\n",
                static_cast<long long>(cfg.batch), static_cast<long long>(cfg.context),
                static_cast<long long>(cfg.d_model), static_cast<long long>(cfg.heads),
                static_cast<long long>(cfg.layers), static_cast<long long>(cfg.vocab),
                grad::get_num_threads());
    if (only.empty() || only == "step") {
      std::printf("| benchmark (median of %d steps) | eager ms | compiled ms | eager/compiled |\n",
                  steps);
      std::printf("|---|---:|---:|---:|\n");
      benchStep(corpus, cfg, steps);
      benchStep(corpus, fused, steps);
      std::printf("\n");
    }
    if (only.empty() || only == "compile") {
      std::printf("| compile | wall | breakdown |\n|---|---:|---|\n");
      benchCompile(corpus, cfg);
      benchCompile(corpus, fused);
      std::printf("\n");
    }
    if (only.empty() || only == "curve") {
      benchCurve(corpus, cfg, std::max(steps, 100));
      std::printf("\n");
    }
    if (only.empty() || only == "slice")
      benchSlice();
  } catch (const std::exception &e) {
    std::fprintf(stderr, "bench_charlm: %s\n", e.what());
    return 1;
  }
  return 0;
}
