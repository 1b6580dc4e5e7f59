// Compiled (grad::jit, native backend) vs eager, one thread unless --threads, f32, all in one run (issue 5):
//   (1) MLP 784-512-512-10 training step at batch 256: eager tape + optim::SGD vs one jitted
//       function returning the loss and the SGD-updated parameters (the update is in the graph);
//   (2) y = gelu(layer_norm(x)) + x on 4096x1024, forward and forward+backward (value_and_grad);
//   (3) trace + compile time of the MLP step (first call) and the cost of a cache hit on a tiny
//       input;
//   (4) heap peak of one step (malloc-counting hook, alloc_counter.h) and, in fresh child
//       processes, getrusage's ru_maxrss after a few steps.
// Prints medians of wall and thread-CPU time and the ratios eager / compiled (> 1: compiled is
// faster). Usage: bench_compiled_step [--reps N] [--only mlp|block|overhead|memory|scaling]
//                 [--backend native|interpreter] [--threads N]
// --threads N (default 1) runs everything on N threads (grad::set_num_threads: the eager kernels,
// compiled code and OpenBLAS). --only scaling times the MLP step and the block's fwd+bwd, eager
// and compiled, at 1 thread and at every core (or --threads N) in one run, with the speedups.
// --only loop-eager|loop-compiled runs 100 steps of one kind (for perf); --only dump prints the
// step's optimized grad IR, --only dump-block the block's fwd+bwd IR. GRAD_JIT_MATMUL=generated: generated matmul code instead of OpenBLAS.
#include "alloc_counter.h"

#include "grad/Codegen/JitAllocator.h"

#include "grad/jit.h"
#include "grad/memory.h"
#include "grad/nn.h"
#include "grad/ops.h"
#include "grad/optim.h"
#include "grad/threads.h"
#include "grad/transforms.h"

#include <cblas.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <functional>
#include <optional>
#include <string>
#include <sys/resource.h>
#include <unistd.h>
#include <vector>

using namespace grad;

namespace {

constexpr int64_t kBatch = 256, kIn = 784, kHidden = 512, kClasses = 10;
constexpr double kLr = 0.01;
JitBackend gBackend = JitBackend::Native;

double threadCpuSeconds() {
  timespec ts;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return ts.tv_sec + ts.tv_nsec * 1e-9;
}

struct Timing {
  double wall = 0, cpu = 0; // medians, seconds
};

Timing measure(const std::function<void()> &fn, int reps) {
  std::vector<double> wall, cpu;
  for (int i = 0; i < reps; ++i) {
    double c0 = threadCpuSeconds();
    auto w0 = std::chrono::steady_clock::now();
    fn();
    auto w1 = std::chrono::steady_clock::now();
    cpu.push_back(threadCpuSeconds() - c0);
    wall.push_back(std::chrono::duration<double>(w1 - w0).count());
  }
  std::sort(wall.begin(), wall.end());
  std::sort(cpu.begin(), cpu.end());
  return {wall[wall.size() / 2], cpu[cpu.size() / 2]};
}

JitOptions jitOptions() {
  JitOptions o;
  o.backend = gBackend;
  return o;
}

nn::Sequential makeMlp() {
  return nn::Sequential{nn::Linear(nn::LinearOptions(kIn, kHidden).seed(1)), nn::ReLU(),
                        nn::Linear(nn::LinearOptions(kHidden, kHidden).seed(2)), nn::ReLU(),
                        nn::Linear(nn::LinearOptions(kHidden, kClasses).seed(3))};
}

Tensor makeLabels() {
  std::vector<int64_t> y(kBatch);
  for (int64_t i = 0; i < kBatch; ++i)
    y[i] = (i * 7) % kClasses;
  return tensor(std::move(y), {kBatch});
}

size_t bytesOf(const Tensor &t) { return t.defined() ? t.numel() * dtype_size(t.dtype()) : 0; }

/// The eager training step: zero_grad, forward, cross-entropy, backward, SGD::step.
struct EagerMlp {
  nn::Sequential model = makeMlp();
  optim::SGD opt{model.parameters(), optim::SGDOptions(kLr)};
  Tensor x = randn({kBatch, kIn}, 7), labels = makeLabels();
  void step() {
    opt.zero_grad();
    Tensor loss = cross_entropy(model.forward(x), labels);
    loss.backward();
    opt.step();
  }
  /// Tensor bytes held between steps: parameters, their gradients, the batch.
  size_t stateBytes() const {
    size_t n = bytesOf(x) + bytesOf(labels);
    for (const Tensor &p : model.parameters())
      n += bytesOf(p) + bytesOf(p.grad());
    return n;
  }
};

/// The compiled training step: args (x, labels, params...) -> (loss, updated params...), the same
/// nn::Sequential called through functional_call; the parameters are replaced by the outputs.
struct CompiledMlp {
  nn::Sequential model = makeMlp();
  std::vector<Tensor> args;
  std::optional<JitFunction<std::vector<Tensor>>> fn;
  /// donate: the parameters are donated (JitOptions::donate) and updated in place.
  explicit CompiledMlp(bool donate = false) {
    args = {randn({kBatch, kIn}, 7), makeLabels()};
    for (const Tensor &p : model.parameters())
      args.push_back(p.detach());
    auto loss = [this](const std::vector<Tensor> &a) {
      std::vector<Tensor> params(a.begin() + 2, a.end());
      return functional_call(model, params,
                             [&] { return cross_entropy(model.forward(a[0]), a[1]); });
    };
    std::vector<int> argnums;
    for (size_t i = 2; i < args.size(); ++i)
      argnums.push_back(static_cast<int>(i));
    auto step = [loss, argnums](const std::vector<Tensor> &a) {
      auto [value, grads] = value_and_grad(loss, argnums)(a);
      std::vector<Tensor> out = {value};
      for (size_t i = 0; i < grads.size(); ++i)
        out.push_back(a[argnums[i]] - grads[i] * kLr);
      return out;
    };
    JitOptions options = jitOptions();
    if (donate)
      options.donate = argnums; // the loss is a scalar: each parameter pairs with its update
    fn.emplace(jit(step, options));
    traceOnly = [step, this] { (void)trace(step, args); };
  }
  /// Traces (and differentiates, canonicalizes) the step without compiling it.
  std::function<void()> traceOnly;
  void step() {
    std::vector<Tensor> out = (*fn)(args);
    for (size_t i = 1; i < out.size(); ++i)
      args[i + 1] = out[i];
  }
  /// Tensor bytes held between steps: the batch and the parameters.
  size_t stateBytes() const {
    size_t n = 0;
    for (const Tensor &a : args)
      n += bytesOf(a);
    return n;
  }
};

Tensor block(const Tensor &x) { return gelu(layer_norm(x)) + x; }
/// sum(block(x) * g): its gradient with respect to x is block's VJP applied to the cotangent g.
Tensor blockLoss(const std::vector<Tensor> &a) { return sum(block(a[0]) * a[1]); }

void printRow(const char *name, Timing eager, Timing compiled, const char *unit, double scale) {
  std::printf("| %-38s | %10.3f | %10.3f | %10.3f | %10.3f | %6.2f | %6.2f |\n", name,
              eager.wall * scale, eager.cpu * scale, compiled.wall * scale, compiled.cpu * scale,
              eager.wall / compiled.wall, eager.cpu / compiled.cpu);
  (void)unit;
}

void printHeader(const char *unit) {
  std::printf("| %-38s | %10s | %10s | %10s | %10s | %6s | %6s |\n", "benchmark", "eager wall",
              "eager cpu", "comp wall", "comp cpu", "x wall", "x cpu");
  std::printf("|%s|---:|---:|---:|---:|---:|---:|\n", std::string(40, '-').c_str());
  std::printf("(times in %s; x = eager / compiled)\n", unit);
}

/// The floor under both: the step's eight matmuls alone as OpenBLAS sgemm calls (the shapes and
/// transposes that the compiled step issues), in seconds.
Timing sgemmFloor(int reps, double *gflop) {
  struct Mm {
    bool ta, tb;
    int m, n, k;
  };
  const Mm mms[] = {
      {false, true, kBatch, kHidden, kIn},       {false, true, kBatch, kHidden, kHidden},
      {false, true, kBatch, kClasses, kHidden},  {true, false, kClasses, kHidden, kBatch},
      {false, false, kBatch, kHidden, kClasses}, {true, false, kHidden, kHidden, kBatch},
      {false, false, kBatch, kHidden, kHidden},  {true, false, kHidden, kIn, kBatch}};
  std::vector<std::vector<float>> a, b, c;
  double flop = 0;
  for (const Mm &mm : mms) {
    a.emplace_back(size_t(mm.m) * mm.k, 0.5f);
    b.emplace_back(size_t(mm.k) * mm.n, 0.25f);
    c.emplace_back(size_t(mm.m) * mm.n, 0.f);
    flop += 2.0 * mm.m * mm.n * mm.k;
  }
  *gflop = flop * 1e-9;
  return measure(
      [&] {
        for (size_t i = 0; i < std::size(mms); ++i) {
          const Mm &mm = mms[i];
          cblas_sgemm(CblasRowMajor, mm.ta ? CblasTrans : CblasNoTrans,
                      mm.tb ? CblasTrans : CblasNoTrans, mm.m, mm.n, mm.k, 1.f, a[i].data(),
                      mm.ta ? mm.m : mm.k, b[i].data(), mm.tb ? mm.k : mm.n, 1.f, c[i].data(),
                      mm.n);
        }
      },
      reps);
}

void benchMlp(int reps) {
  EagerMlp eager;
  CompiledMlp compiled;
  // (3) first call: trace + autodiff + optimize + lower + LLVM + run once.
  auto t0 = std::chrono::steady_clock::now();
  compiled.step();
  double first = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  eager.step();
  Timing e = measure([&] { eager.step(); }, reps);
  Timing c = measure([&] { compiled.step(); }, reps);
  printHeader("ms");
  printRow("MLP 784-512-512-10 b256 train step", e, c, "ms", 1e3);
  double gflop;
  Timing floor = sgemmFloor(reps, &gflop);
  std::printf("the step's 8 matmuls alone (OpenBLAS sgemm, %.3f GFLOP): %.2f ms wall, %.2f ms cpu "
              "(%.0f GFLOP/s): eager / floor %.2f, compiled / floor %.2f (cpu)\n",
              gflop, floor.wall * 1e3, floor.cpu * 1e3, gflop / floor.cpu, e.cpu / floor.cpu,
              c.cpu / floor.cpu);
  auto t1 = std::chrono::steady_clock::now();
  compiled.traceOnly();
  double traceOnly = std::chrono::duration<double>(std::chrono::steady_clock::now() - t1).count();
  std::printf("MLP step trace + autodiff + canonicalize/CSE alone (grad::trace): %.1f ms\n",
              traceOnly * 1e3);
  std::printf("MLP step first call (trace+compile+run): %.1f ms; steady step %.2f ms -> "
              "trace+compile ~ %.1f ms\n",
              first * 1e3, c.wall * 1e3, (first - c.wall) * 1e3);
  // The two agree after the same number of steps (same init, same data, same lr).
  double maxDiff = 0;
  EagerMlp e2;
  CompiledMlp c2;
  for (int i = 0; i < 3; ++i) {
    e2.step();
    c2.step();
  }
  std::vector<Tensor> pe = e2.model.parameters();
  for (size_t i = 0; i < pe.size(); ++i)
    maxDiff = std::max<double>(maxDiff, grad::max(abs(pe[i] - c2.args[i + 2])).item<float>());
  std::printf("max |param eager - param compiled| after 3 steps: %.3g\n", maxDiff);
}

void benchBlock(int reps) {
  Tensor x = randn({4096, 1024}, 1), g = randn({4096, 1024}, 2);
  auto fwd = jit([](const std::vector<Tensor> &a) { return block(a[0]); }, jitOptions());
  auto bwd = jit(value_and_grad(blockLoss, {0}), jitOptions());
  auto eagerBwd = value_and_grad(blockLoss, {0});
  fwd({x});
  bwd({x, g});
  Timing ef = measure([&] { (void)block(x); }, reps);
  Timing cf = measure([&] { (void)fwd({x}); }, reps);
  Timing eb = measure([&] { (void)eagerBwd({x, g}); }, reps);
  Timing cb = measure([&] { (void)bwd({x, g}); }, reps);
  printHeader("ms");
  printRow("gelu(layer_norm(x))+x 4096x1024 fwd", ef, cf, "ms", 1e3);
  printRow("gelu(layer_norm(x))+x 4096x1024 fwd+bwd", eb, cb, "ms", 1e3);
  Tensor ge = eagerBwd({x, g}).second[0], gc = bwd({x, g}).second[0];
  std::printf("max |dx eager - dx compiled|: %.3g (max |dx| %.3g)\n",
              grad::max(abs(ge - gc)).item<float>(), grad::max(abs(ge)).item<float>());
}

void benchOverhead(int reps) {
  Tensor a = randn({4}, 1), b = randn({4}, 2);
  auto add = jit([](const std::vector<Tensor> &v) { return v[0] + v[1]; }, jitOptions());
  auto t0 = std::chrono::steady_clock::now();
  add({a, b});
  double first = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  Timing hit = measure([&] { (void)add({a, b}); }, reps * 100);
  Timing eager = measure([&] { (void)(a + b); }, reps * 100);
  std::printf("tiny add [4]: first call %.2f ms; cache hit %.2f us wall / %.2f us cpu "
              "(eager a+b: %.2f us)\n",
              first * 1e3, hit.wall * 1e6, hit.cpu * 1e6, eager.wall * 1e6);
}

/// The heap a step needs at its peak, in MiB: the highest heap during the step, minus the heap
/// before it, plus the tensor state the step starts from (`state()` bytes, measured before the
/// step), plus the JIT's cached temporaries (blocks kept between calls for the next one).
/// Compiled code and MLIR/LLVM objects alive before the step are not counted.
double stepPeak(const std::function<void()> &step, const std::function<size_t()> &state) {
  grad::jitAllocatorReleaseCached(); // only this step's temporaries in the cache
  step(); // warm: compiles, allocates the optimizer's state
  step();
  size_t held = state() + grad::jitAllocatorCachedBytes();
  size_t before = bench::heap_live_bytes();
  bench::reset_heap_peak();
  step();
  return (bench::heap_peak_bytes() - before + held) / (1024.0 * 1024.0);
}

/// The peak of grad::memory_stats() (tensor storages + compiled-code temporaries) during a warm
/// step, in MiB: everything the step's model holds, as tensors.
double tensorPeak(const std::function<void()> &step) {
  step();
  step();
  grad::reset_peak_memory_stats();
  step();
  return grad::memory_stats().peak_bytes / (1024.0 * 1024.0);
}

void benchMemory(const char *self) {
  double eager, compiled, donated, eagerT, compiledT, donatedT;
  {
    EagerMlp m;
    eager = stepPeak([&] { m.step(); }, [&] { return m.stateBytes(); });
    eagerT = tensorPeak([&] { m.step(); });
  }
  {
    CompiledMlp m;
    compiled = stepPeak([&] { m.step(); }, [&] { return m.stateBytes(); });
    compiledT = tensorPeak([&] { m.step(); });
  }
  {
    CompiledMlp m(/*donate=*/true);
    donated = stepPeak([&] { m.step(); }, [&] { return m.stateBytes(); });
    donatedT = tensorPeak([&] { m.step(); });
  }
  std::printf("MLP step, peak heap (state + temporaries): eager %.2f MiB, compiled %.2f MiB, "
              "compiled with the parameters donated %.2f MiB\n",
              eager, compiled, donated);
  std::printf("MLP step, peak of grad::memory_stats(): eager %.2f MiB, compiled %.2f MiB, "
              "compiled with the parameters donated %.2f MiB\n",
              eagerT, compiledT, donatedT);
  Tensor x = randn({4096, 1024}, 1), g = randn({4096, 1024}, 2);
  auto inputs = [&] { return bytesOf(x) + bytesOf(g); };
  {
    auto eagerBwd = value_and_grad(blockLoss, {0});
    eager = stepPeak([&] { (void)eagerBwd({x, g}); }, inputs);
  }
  {
    auto bwd = jit(value_and_grad(blockLoss, {0}), jitOptions());
    compiled = stepPeak([&] { (void)bwd({x, g}); }, inputs);
  }
  std::printf("block fwd+bwd, peak heap (inputs + temporaries + outputs): eager %.1f MiB, "
              "compiled %.1f MiB (inputs 32 MiB)\n",
              eager, compiled);
  // Whole-process view: maximum resident set of a fresh process doing 3 MLP steps.
  for (const char *mode : {"eager", "compiled"}) {
    std::string cmd = std::string(self) + " --rss " + mode +
                      (gBackend == JitBackend::Interpreter ? " --backend interpreter" : "");
    FILE *p = popen(cmd.c_str(), "r");
    char line[256] = {0};
    if (p && std::fgets(line, sizeof line, p))
      std::printf("fresh process, 3 MLP steps, %s: ru_maxrss %s", mode, line);
    if (p)
      pclose(p);
  }
}

int rssChild(const std::string &mode) {
  if (mode == "eager") {
    EagerMlp m;
    for (int i = 0; i < 3; ++i)
      m.step();
  } else {
    CompiledMlp m;
    for (int i = 0; i < 3; ++i)
      m.step();
  }
  rusage usage;
  getrusage(RUSAGE_SELF, &usage);
  std::printf("%.1f MiB\n", usage.ru_maxrss / 1024.0);
  return 0;
}

} // namespace

/// MLP step and block fwd+bwd, eager and compiled, at 1 thread and at `threads`: wall medians and
/// the speedups (1 thread / `threads`).
void benchScaling(int reps, int threads) {
  EagerMlp em;
  CompiledMlp cm;
  Tensor x = randn({4096, 1024}, 1), g = randn({4096, 1024}, 2);
  auto bwd = jit(value_and_grad(blockLoss, {0}), jitOptions());
  auto eagerBwd = value_and_grad(blockLoss, {0});
  struct Case {
    const char *name;
    std::function<void()> fn;
  };
  std::vector<Case> cases = {
      {"MLP 784-512-512-10 b256 step, eager", [&] { em.step(); }},
      {"MLP 784-512-512-10 b256 step, compiled", [&] { cm.step(); }},
      {"gelu(layer_norm(x))+x 4096x1024 fwd+bwd, eager", [&] { (void)eagerBwd({x, g}); }},
      {"gelu(layer_norm(x))+x 4096x1024 fwd+bwd, compiled", [&] { (void)bwd({x, g}); }},
  };
  std::printf("| %-50s | %9s | %9s | %7s |\n", "workload (median wall ms)", "1 thread",
              (std::to_string(threads) + " threads").c_str(), "speedup");
  std::printf("|%s|---:|---:|---:|\n", std::string(52, '-').c_str());
  for (Case &c : cases) {
    set_num_threads(1);
    c.fn(); // compiles on the first call
    Timing one = measure(c.fn, reps);
    set_num_threads(threads);
    c.fn();
    Timing many = measure(c.fn, reps);
    std::printf("| %-50s | %9.2f | %9.2f | %6.2fx |\n", c.name, one.wall * 1e3, many.wall * 1e3,
                one.wall / many.wall);
  }
}

int main(int argc, char **argv) {
  int reps = 20, threads = 0;
  std::string only, rss;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string flag = argv[i], value = argv[i + 1];
    if (flag == "--reps")
      reps = std::atoi(value.c_str());
    else if (flag == "--only")
      only = value;
    else if (flag == "--rss")
      rss = value;
    else if (flag == "--backend")
      gBackend = value == "interpreter" ? JitBackend::Interpreter : JitBackend::Native;
    else if (flag == "--threads")
      threads = std::max(1, std::atoi(value.c_str()));
  }
  if (only == "scaling") {
    const int n = threads ? threads : get_num_threads();
    std::printf("backend: %s, reps %d, 1 thread vs %d threads\n",
                gBackend == JitBackend::Native ? "native" : "interpreter", reps, n);
    benchScaling(reps, n);
    return 0;
  }
  set_num_threads(threads ? threads : 1);
  if (!rss.empty())
    return rssChild(rss);
  if (only == "loop-eager" || only == "loop-compiled") { // for perf: 100 steps of one kind
    EagerMlp e;
    CompiledMlp c;
    for (int i = 0; i < 100; ++i)
      only == "loop-eager" ? e.step() : c.step();
    return 0;
  }
  if (only == "dump") { // the optimized grad IR of the MLP step
    CompiledMlp m;
    std::printf("%s", m.fn->mlir(m.args).c_str());
    return 0;
  }
  if (only == "dump-block") { // the optimized grad IR of the block's forward + backward
    Tensor x = randn({4096, 1024}, 1), g = randn({4096, 1024}, 2);
    auto bwd = jit(value_and_grad(blockLoss, {0}), jitOptions());
    std::printf("%s", bwd.mlir({x, g}).c_str());
    return 0;
  }
  std::printf("backend: %s, reps %d, %d thread(s)\n",
              gBackend == JitBackend::Native ? "native" : "interpreter", reps, get_num_threads());
  if (only.empty() || only == "mlp")
    benchMlp(reps);
  if (only.empty() || only == "block")
    benchBlock(reps);
  if (only.empty() || only == "overhead")
    benchOverhead(reps);
  if (only.empty() || only == "memory")
    benchMemory(argv[0]);
  return 0;
}
