// charlm: a 2-block character-level GPT trained on a text file both ways, eagerly and through one
// compiled grad::jit(grad::value_and_grad(...)) step, from the same initial weights on the same
// batches -- the demo scripts/setup.sh runs. Its screen is the contrast: the two loss curves side
// by side with the progress and the time each mode has spent, then a table of what each mode
// cost (ms/step, first call, kernels per step, peak memory; all measured in this run), then the
// two graph pictures written as Graphviz DOT (and SVG when `dot` is installed): the eager tape
// of one step and the compiled step, one box per fused kernel.
//
//   charlm [--steps N] [--text FILE] [--lr X] [--fused-qkv] [--mode both|eager|compiled]
//          [--print-every K] [--check-tol X] [--dump-ir FILE] [--threads N] [--no-donate]
//          [--graphs-dir DIR] [--no-graphs]
//
// The default text is the GPL-3 under Debian's common-licenses (on every Debian machine).
// --check-tol X exits 1 when the two loss curves differ by more than X at any step (the ctest).
// --no-donate: the compiled step returns new parameters and Adam state instead of writing them
// into the old buffers (JitOptions::donate), for the memory comparison of docs/performance.md.
// --graphs-dir DIR (default charlm-graphs): where eager-tape.dot and compiled-step.dot go.
#include "charlm.h"

#include "grad/kernel_count.h"
#include "grad/memory.h"
#include "grad/threads.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
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
                       "[--dump-ir FILE] [--threads N] [--no-donate] [--graphs-dir DIR] "
                       "[--no-graphs]\n");
  return 2;
}

/// "[#####.....]": `done` of `total` steps.
std::string progressBar(int done, int total, int width = 20) {
  int filled = static_cast<int>(static_cast<int64_t>(done) * width / total);
  return "[" + std::string(filled, '#') + std::string(width - filled, '.') + "]";
}

/// One row of the summary table: the label, the eager and compiled cells and their ratio.
void row(const char *label, const std::string &eager, const std::string &compiled,
         const std::string &ratio) {
  std::printf("  %-24s %14s %18s %12s\n", label, eager.c_str(), compiled.c_str(), ratio.c_str());
}

template <class... A> std::string fmt(const char *format, A... args) {
  char buf[128];
  std::snprintf(buf, sizeof buf, format, args...);
  return buf;
}

/// Nodes and edges of a DOT text as the two printers write it: one statement per line, a line
/// with "->" an edge, "ID [attributes]" a node ("node [...]" and "graph [...]" are defaults).
std::pair<int, int> countDot(const std::string &dot) {
  int nodes = 0, edges = 0;
  size_t start = 0;
  while (start < dot.size()) {
    size_t end = dot.find('\n', start);
    if (end == std::string::npos)
      end = dot.size();
    std::string line = dot.substr(start, end - start);
    line.erase(0, line.find_first_not_of(' '));
    if (line.find("->") != std::string::npos)
      ++edges;
    else if (line.find(" [") != std::string::npos && line.rfind("node [", 0) != 0 &&
             line.rfind("graph [", 0) != 0 && line.rfind("edge [", 0) != 0)
      ++nodes;
    start = end + 1;
  }
  return {nodes, edges};
}

/// Single-quoted for sh.
std::string shellQuote(const std::string &s) {
  std::string out = "'";
  for (char c : s)
    out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

/// Writes `dot` to DIR/NAME.dot and, when Graphviz is present, renders DIR/NAME.svg. Prints one
/// line saying what was written.
void writeGraph(const std::string &dir, const std::string &name, const std::string &dot,
                const std::string &what, bool haveDot) {
  std::string path = dir + "/" + name + ".dot";
  std::ofstream out(path);
  out << dot;
  out.close();
  if (!out)
    throw grad::Error("charlm: cannot write '" + path + "'");
  auto [nodes, edges] = countDot(dot);
  std::string svg;
  if (haveDot) {
    std::string svgPath = dir + "/" + name + ".svg";
    std::string cmd = "dot -Tsvg " + shellQuote(path) + " -o " + shellQuote(svgPath);
    if (std::system(cmd.c_str()) == 0)
      svg = " + " + name + ".svg";
    else
      svg = " (dot -Tsvg failed)";
  }
  std::printf("  %-20s %s.dot%s: %s, %d nodes, %d edges\n", what.c_str(), name.c_str(),
              svg.c_str(), what == "eager tape" ? "one step's backward graph" : "one box per kernel",
              nodes, edges);
}

} // namespace

int main(int argc, char **argv) {
  charlm::Config cfg;
  int steps = 100, printEvery = 10, threads = 0;
  double lr = 3e-3, checkTol = -1;
  std::string text = "/usr/share/common-licenses/GPL-3", mode = "both", dumpIr;
  std::string graphsDir = "charlm-graphs";
  bool donate = true;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto next = [&]() -> const char * { return i + 1 < argc ? argv[++i] : nullptr; };
    const char *v = nullptr;
    if (a == "--fused-qkv")
      cfg.fused_qkv = true;
    else if (a == "--no-donate")
      donate = false;
    else if (a == "--no-graphs")
      graphsDir.clear();
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
    else if (a == "--graphs-dir" && (v = next()) && *v)
      graphsDir = v;
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
    std::printf("charlm: a character-level GPT (B=%lld T=%lld D=%lld heads=%lld layers=%lld%s) "
                "on %s\n        (%zu chars, vocab %lld), Adam lr=%g, %d steps, %d thread(s)\n",
                static_cast<long long>(cfg.batch), static_cast<long long>(cfg.context),
                static_cast<long long>(cfg.d_model), static_cast<long long>(cfg.heads),
                static_cast<long long>(cfg.layers), cfg.fused_qkv ? ", fused qkv" : "",
                text.c_str(), corpus.ids.size(), static_cast<long long>(cfg.vocab), lr, steps,
                grad::get_num_threads());

    if (!dumpIr.empty()) { // the compiled step's optimized grad IR, for gradc and grad-opt
      charlm::CompiledTrainer trainer(cfg, lr);
      auto [x, y] = corpus.batch(cfg, 0);
      std::ofstream(dumpIr) << trainer.mlir(x, y);
      std::printf("wrote %s\n", dumpIr.c_str());
      return 0;
    }
    std::printf("The same model, initial weights and batches trained two ways: eager (a tape, "
                "optim::Adam)\nand compiled (loss, gradients and Adam update as one grad::jit "
                "step).\n\n");
    // The graphs' folder first, so that a bad path fails before the training.
    if (!graphsDir.empty())
      std::filesystem::create_directories(graphsDir);
    std::optional<charlm::EagerTrainer> eager;
    std::optional<charlm::CompiledTrainer> compiled;
    if (runEager)
      eager.emplace(cfg, lr);
    if (runCompiled)
      compiled.emplace(cfg, lr, grad::JitOptions{}, donate);
    std::vector<double> eagerMs, compiledMs;
    double firstCall = 0, eagerFirst = 0, maxDiff = 0, eagerTime = 0, compiledTime = 0;
    // Peak tensor memory of one step above what is resident before it (activations, gradients,
    // temporaries), per mode; measured on the last step (grad/memory.h).
    // And the process's whole tensor memory at that peak (model, optimizer state, batch,
    // temporaries; with --mode both it includes the other trainer's model and state).
    int64_t eagerPeak = 0, compiledPeak = 0, eagerTotal = 0, compiledTotal = 0;
    // Eager kernels one step runs (grad/kernel_count.h), on the last step; and those a compiled
    // step still runs eagerly (reading the loss, copies without donation).
    int64_t eagerKernels = 0, compiledEagerKernels = 0;
    std::printf("  %5s  %-22s %11s %11s %9s %9s %9s\n", "step", "progress", "eager loss",
                "jit loss", "|diff|", "eager s", "jit s");
    for (int s = 0; s < steps; ++s) {
      auto [x, y] = corpus.batch(cfg, static_cast<uint64_t>(s));
      float le = NAN, lc = NAN;
      if (eager) {
        grad::reset_peak_memory_stats();
        int64_t before = grad::memory_stats().current_bytes;
        int64_t kernelsBefore = grad::eager_kernel_count();
        double t0 = now();
        le = eager->step(x, y);
        double dt = now() - t0;
        eagerKernels = grad::eager_kernel_count() - kernelsBefore;
        eagerMs.push_back(dt * 1e3);
        eagerTime += dt;
        if (s == 0)
          eagerFirst = dt;
        eagerPeak = grad::memory_stats().peak_bytes - before;
        eagerTotal = grad::memory_stats().peak_bytes;
      }
      if (compiled) {
        grad::reset_peak_memory_stats();
        int64_t before = grad::memory_stats().current_bytes;
        int64_t kernelsBefore = grad::eager_kernel_count();
        double t0 = now();
        lc = compiled->step(x, y);
        double dt = now() - t0;
        compiledEagerKernels = grad::eager_kernel_count() - kernelsBefore;
        compiledPeak = grad::memory_stats().peak_bytes - before;
        compiledTotal = grad::memory_stats().peak_bytes;
        compiledTime += dt;
        if (s == 0)
          firstCall = dt;
        else
          compiledMs.push_back(dt * 1e3);
      }
      double diff = eager && compiled ? std::fabs(double(le) - double(lc)) : 0.0;
      if (!std::isfinite(diff))
        diff = INFINITY;
      maxDiff = std::max(maxDiff, diff);
      if (s % printEvery == 0 || s == steps - 1) {
        std::string d = eager && compiled ? fmt("%9.1e", diff) : fmt("%9s", "-");
        // A mode that does not run shows "-", not the NaN its loss starts as.
        std::string eLoss = eager ? fmt("%11.6f", le) : fmt("%11s", "-");
        std::string cLoss = compiled ? fmt("%11.6f", lc) : fmt("%11s", "-");
        std::printf("  %5d  %-22s %s %s %s %9.2f %9.2f%s\n", s,
                    progressBar(s + 1, steps).c_str(), eLoss.c_str(), cLoss.c_str(), d.c_str(),
                    eagerTime, compiledTime,
                    s == 0 && compiled ? "  <- jit: first call compiles" : "");
        std::fflush(stdout);
      }
    }

    // The summary: what each mode cost, measured above.
    grad::CompileStats stats = compiled ? grad::last_compile_stats() : grad::CompileStats{};
    auto mib = [](int64_t bytes) { return fmt("%.2f MiB", bytes / 1048576.0); };
    auto ratio = [](double e, double c) { return c > 0 ? fmt("%.2fx", e / c) : std::string("-"); };
    double eMs = median(eagerMs), cMs = median(compiledMs);
    std::printf("\n  %-24s %14s %18s %12s\n", "", "eager", "compiled", "eager/jit");
    row("ms/step (median)", eager ? fmt("%.2f", eMs) : "-",
        compiled && !compiledMs.empty() ? fmt("%.2f", cMs) : "-",
        eager && !compiledMs.empty() ? ratio(eMs, cMs) : "-");
    row("first call (s)", eager ? fmt("%.3f", eagerFirst) : "-",
        compiled ? fmt("%.3f", firstCall) : "-", eager && compiled ? ratio(eagerFirst, firstCall) : "-");
    row("kernels per step", eager ? fmt("%lld", static_cast<long long>(eagerKernels)) : "-",
        compiled ? fmt("%lld -> %lld fused", static_cast<long long>(stats.kernels_before_fusion),
                       static_cast<long long>(stats.kernels_after_fusion))
                 : "-",
        eager && compiled ? ratio(double(eagerKernels), double(stats.kernels_after_fusion)) : "-");
    row("step peak memory", eager ? mib(eagerPeak) : "-", compiled ? mib(compiledPeak) : "-",
        eager && compiled ? ratio(double(eagerPeak), double(compiledPeak)) : "-");
    row("tensors at the peak", eager ? mib(eagerTotal) : "-", compiled ? mib(compiledTotal) : "-",
        "");
    if (compiled) {
      std::printf("  compiled: first call = trace + autodiff + compile + run; %s\n",
                  grad::format_compile_stats(stats).c_str());
      std::printf("  compiled: %lld eager kernels per step outside the compiled code; %s\n",
                  static_cast<long long>(compiledEagerKernels),
                  donate ? "parameters and Adam state donated (updated in place)"
                         : "no donation (--no-donate)");
    }
    if (eager && compiled) {
      std::printf("  max |loss diff| %.2e over %d steps", maxDiff, steps);
      if (!compiledMs.empty() && eMs > cMs)
        std::printf("; the compile pays for itself after %.0f steps",
                    std::ceil((firstCall - eagerFirst) / ((eMs - cMs) / 1e3)));
      std::printf("\n");
    }

    // The two pictures.
    if (!graphsDir.empty()) {
      bool haveDot = std::system("command -v dot >/dev/null 2>&1") == 0;
      auto [x, y] = corpus.batch(cfg, 0);
      std::printf("\ngraphs in %s/%s\n", graphsDir.c_str(),
                  haveDot ? "" : " (DOT only: install graphviz for SVG)");
      if (eager)
        writeGraph(graphsDir, "eager-tape", eager->tape_dot(x, y), "eager tape", haveDot);
      if (compiled)
        writeGraph(graphsDir, "compiled-step", compiled->dot(x, y), "compiled step", haveDot);
    }
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
