// charlm: a 2-block character-level GPT trained on a text file both ways, eagerly and through one
// compiled grad::jit(grad::value_and_grad(...)) step, from the same initial weights on the same
// batches. Prints the two loss curves side by side, ms/step of each and the compile time (first
// call) with its per-phase breakdown.
//
//   charlm [--steps N] [--text FILE] [--lr X] [--fused-qkv] [--mode both|eager|compiled]
//          [--print-every K] [--check-tol X] [--dump-ir FILE] [--no-donate]
//
// The default text is the GPL-3 under Debian's common-licenses (on every Debian machine).
// --check-tol X exits 1 when the two loss curves differ by more than X at any step (the ctest).
// --no-donate: the compiled step returns new parameters and Adam state instead of writing them
// into the old buffers (JitOptions::donate), for the memory comparison of docs/performance.md.
#include "charlm.h"

#include "grad/memory.h"
#include "grad/threads.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <string>
#include <vector>

namespace {

double now() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

double median(std::vector<double> v) {
  if (v.empty())
    return 0;
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

int usage() {
  std::fprintf(stderr, "usage: charlm [--steps N] [--text FILE] [--lr X] [--fused-qkv] "
                       "[--mode both|eager|compiled] [--print-every K] [--check-tol X] "
                       "[--dump-ir FILE] [--threads N] [--no-donate]\n");
  return 2;
}

} // namespace

int main(int argc, char **argv) {
  charlm::Config cfg;
  int steps = 100, printEvery = 10, threads = 0;
  double lr = 3e-3, checkTol = -1;
  std::string text = "/usr/share/common-licenses/GPL-3", mode = "both", dumpIr;
  bool donate = true;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto next = [&]() -> const char * { return i + 1 < argc ? argv[++i] : nullptr; };
    const char *v = nullptr;
    if (a == "--fused-qkv")
      cfg.fused_qkv = true;
    else if (a == "--no-donate")
      donate = false;
    else if (a == "--steps" && (v = next()))
      steps = std::atoi(v);
    else if (a == "--text" && (v = next()))
      text = v;
    else if (a == "--lr" && (v = next()))
      lr = std::atof(v);
    else if (a == "--mode" && (v = next()))
      mode = v;
    else if (a == "--print-every" && (v = next()))
      printEvery = std::max(1, std::atoi(v));
    else if (a == "--check-tol" && (v = next()))
      checkTol = std::atof(v);
    else if (a == "--dump-ir" && (v = next()))
      dumpIr = v;
    else if (a == "--threads" && (v = next()))
      threads = std::atoi(v);
    else
      return usage();
  }
  if (steps < 1 || threads < 0 || (mode != "both" && mode != "eager" && mode != "compiled"))
    return usage();

  try {
    // Every core by default (GRAD_NUM_THREADS or --threads to choose): eager kernels, compiled
    // code and OpenBLAS follow the one count.
    if (threads > 0)
      grad::set_num_threads(threads);
    charlm::Corpus corpus = charlm::Corpus::load(text);
    cfg.vocab = static_cast<int64_t>(corpus.alphabet.size());
    if (corpus.ids.size() < static_cast<size_t>(cfg.context) + 2)
      throw grad::Error("charlm: the text file '" + text + "' is too short");
    bool runEager = mode != "compiled", runCompiled = mode != "eager";
    std::printf("charlm: %s, %zu chars, vocab %lld; B=%lld T=%lld D=%lld heads=%lld layers=%lld%s; "
                "Adam lr=%g; %d steps; %d thread(s)\n",
                text.c_str(), corpus.ids.size(), static_cast<long long>(cfg.vocab),
                static_cast<long long>(cfg.batch), static_cast<long long>(cfg.context),
                static_cast<long long>(cfg.d_model), static_cast<long long>(cfg.heads),
                static_cast<long long>(cfg.layers), cfg.fused_qkv ? ", fused qkv" : "", lr,
                steps, grad::get_num_threads());

    if (!dumpIr.empty()) { // the compiled step's optimized grad IR, for gradc and grad-opt
      charlm::CompiledTrainer trainer(cfg, lr);
      auto [x, y] = corpus.batch(cfg, 0);
      std::ofstream(dumpIr) << trainer.mlir(x, y);
      std::printf("wrote %s\n", dumpIr.c_str());
      return 0;
    }
    std::optional<charlm::EagerTrainer> eager;
    std::optional<charlm::CompiledTrainer> compiled;
    if (runEager)
      eager.emplace(cfg, lr);
    if (runCompiled)
      compiled.emplace(cfg, lr, grad::JitOptions{}, donate);
    std::vector<double> eagerMs, compiledMs;
    double firstCall = 0, maxDiff = 0;
    // Peak tensor memory of one step above what is resident before it (activations, gradients,
    // temporaries), per mode; measured on the last step (grad/memory.h).
    // And the process's whole tensor memory at that peak (model, optimizer state, batch,
    // temporaries; with --mode both it includes the other trainer's model and state).
    int64_t eagerPeak = 0, compiledPeak = 0, eagerTotal = 0, compiledTotal = 0;
    std::printf("%6s %12s %12s %10s\n", "step", "eager loss", "jit loss", "|diff|");
    for (int s = 0; s < steps; ++s) {
      auto [x, y] = corpus.batch(cfg, static_cast<uint64_t>(s));
      float le = NAN, lc = NAN;
      if (eager) {
        grad::reset_peak_memory_stats();
        int64_t before = grad::memory_stats().current_bytes;
        double t0 = now();
        le = eager->step(x, y);
        eagerMs.push_back((now() - t0) * 1e3);
        eagerPeak = grad::memory_stats().peak_bytes - before;
        eagerTotal = grad::memory_stats().peak_bytes;
      }
      if (compiled) {
        grad::reset_peak_memory_stats();
        int64_t before = grad::memory_stats().current_bytes;
        double t0 = now();
        lc = compiled->step(x, y);
        compiledPeak = grad::memory_stats().peak_bytes - before;
        compiledTotal = grad::memory_stats().peak_bytes;
        double dt = now() - t0;
        if (s == 0)
          firstCall = dt;
        else
          compiledMs.push_back(dt * 1e3);
      }
      double diff = eager && compiled ? std::fabs(double(le) - double(lc)) : 0.0;
      if (!std::isfinite(diff))
        diff = INFINITY;
      maxDiff = std::max(maxDiff, diff);
      if (s % printEvery == 0 || s == steps - 1)
        std::printf("%6d %12.6f %12.6f %10.2e\n", s, le, lc, diff);
    }
    std::printf("\n");
    if (eager)
      std::printf("eager:    %8.2f ms/step (median of %zu); step peak %.2f MiB above resident, "
                  "%.2f MiB of tensors in all\n",
                  median(eagerMs), eagerMs.size(), eagerPeak / 1048576.0, eagerTotal / 1048576.0);
    if (compiled) {
      std::printf("compiled: %8.2f ms/step (median of %zu steps after the first); step peak %.2f "
                  "MiB above resident, %.2f MiB of tensors in all (%s)\n",
                  median(compiledMs), compiledMs.size(), compiledPeak / 1048576.0,
                  compiledTotal / 1048576.0, donate ? "parameters and Adam state donated"
                                                    : "no donation");
      std::printf("compiled: first call %.3f s (trace + autodiff + compile + run)\n", firstCall);
      grad::CompileStats stats = grad::last_compile_stats();
      std::printf("          %s\n", grad::format_compile_stats(stats).c_str());
    }
    if (eager && compiled && !compiledMs.empty())
      std::printf("speedup:  %.2fx (eager ms / compiled ms); max |loss diff| %.2e over %d steps\n",
                  median(eagerMs) / median(compiledMs), maxDiff, steps);
    if (checkTol >= 0 && eager && compiled && !(maxDiff <= checkTol)) {
      std::fprintf(stderr, "charlm: eager and compiled losses differ by %.3e > %.3e\n", maxDiff,
                   checkTol);
      return 1;
    }
  } catch (const std::exception &e) {
    std::fprintf(stderr, "charlm: %s\n", e.what());
    return 1;
  }
  return 0;
}
