// ddp: the spirals MLP trained data-parallel on MPI (grad::dist), eagerly or compiled.
//
//   mpirun -np 2 build/bin/ddp --steps 200 --batch 32     # 2 ranks, 32 rows each
//   build/bin/ddp --steps 200 --batch 64                  # 1 process, the same global batches
//   mpirun -np 2 build/bin/ddp --mode compiled ...        # the whole step compiled
//
// Each rank takes its shard of every global batch (examples/ddp/ddp_spirals.h), so both runs
// above end with the same parameters (up to float rounding), in either mode:
//  - eager: grad::dist::DistributedDataParallel averages the gradients across ranks in buckets
//    during backward (optim::SGD with momentum);
//  - compiled: one grad::jit function computes the loss, the gradients (value_and_grad), their
//    average across ranks (grad::dist::all_reduce, traced as grad.all_reduce and lowered to a
//    call into libgradrt_mpi) and the SGD update (optim::sgd_step); parameters and momentum
//    buffers are donated, so the model's parameters are updated in place.
// Rank 0 prints progress, the timing (wall and process CPU time per step) and DDP's counters,
// and with --out writes the parameters as safetensors.
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "ddp_spirals.h"
#include "grad/dist.h"
#include "grad/eager.h"
#if GRAD_DDP_HAVE_JIT
#include "grad/jit.h"
#endif

namespace {

struct Args {
  int steps = 200;
  int64_t batch = 32; // rows per rank
  int64_t hidden = 32;
  int layers = 1; // hidden-to-hidden layers
  double lr = 0.2;
  int64_t bucket_kb = 25 * 1024;
  std::string mode = "eager";
  std::string out;
  bool quiet = false;
};

[[noreturn]] void usage() {
  std::fprintf(stderr,
               "usage: ddp [--mode eager|compiled] [--steps N] [--batch ROWS_PER_RANK] "
               "[--hidden H] [--layers L] [--lr LR] [--bucket-kb KB] [--out params.safetensors] "
               "[--quiet]\n");
  std::exit(2);
}

Args parse(int argc, char** argv) {
  Args a;
  for (int i = 1; i < argc; ++i) {
    auto next = [&](const char* flag) -> const char* {
      if (i + 1 >= argc) {
        std::fprintf(stderr, "ddp: %s needs a value\n", flag);
        std::exit(2);
      }
      return argv[++i];
    };
    if (!std::strcmp(argv[i], "--steps"))
      a.steps = std::atoi(next("--steps"));
    else if (!std::strcmp(argv[i], "--batch"))
      a.batch = std::atoll(next("--batch"));
    else if (!std::strcmp(argv[i], "--hidden"))
      a.hidden = std::atoll(next("--hidden"));
    else if (!std::strcmp(argv[i], "--layers"))
      a.layers = std::atoi(next("--layers"));
    else if (!std::strcmp(argv[i], "--lr"))
      a.lr = std::atof(next("--lr"));
    else if (!std::strcmp(argv[i], "--bucket-kb"))
      a.bucket_kb = std::atoll(next("--bucket-kb"));
    else if (!std::strcmp(argv[i], "--mode"))
      a.mode = next("--mode");
    else if (!std::strcmp(argv[i], "--out"))
      a.out = next("--out");
    else if (!std::strcmp(argv[i], "--quiet"))
      a.quiet = true;
    else
      usage();
  }
  if (a.steps < 1 || a.batch < 1 || a.hidden < 1 || a.layers < 1 || a.bucket_kb < 1) {
    std::fprintf(stderr,
                 "ddp: --steps, --batch, --hidden, --layers and --bucket-kb must be positive\n");
    std::exit(2);
  }
  if (a.mode != "eager" && a.mode != "compiled") {
    std::fprintf(stderr, "ddp: --mode must be eager or compiled, not '%s'\n", a.mode.c_str());
    std::exit(2);
  }
#if !GRAD_DDP_HAVE_JIT
  if (a.mode == "compiled") {
    std::fprintf(stderr, "ddp: --mode compiled needs grad::jit (built without the compiler)\n");
    std::exit(2);
  }
#endif
  return a;
}

double cpu_seconds() {
  timespec ts{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + 1e-9 * static_cast<double>(ts.tv_nsec);
}

/// One training step on this rank's shard; returns this rank's loss (not averaged).
class Trainer {
public:
  virtual ~Trainer() = default;
  virtual grad::Tensor step(const ddp_spirals::Batch& b) = 0;
  virtual size_t buckets() const { return 0; }
  virtual grad::dist::DDPStats stats() const { return {}; }
};

/// Eager: DistributedDataParallel (broadcast at construction, bucketed all-reduce during
/// backward) + optim::SGD.
class EagerTrainer : public Trainer {
public:
  EagerTrainer(const std::shared_ptr<grad::nn::Sequential>& model, const Args& args)
      : ddp_(model, grad::dist::DDPOptions{.bucket_cap_bytes = args.bucket_kb * 1024}),
        opt_(ddp_.parameters(), grad::optim::SGDOptions(args.lr).momentum(0.9)) {}
  grad::Tensor step(const ddp_spirals::Batch& b) override {
    opt_.zero_grad();
    grad::Tensor loss = grad::cross_entropy(ddp_.forward(b.x), b.y);
    loss.backward(); // the gradients are averaged across ranks when it returns
    opt_.step();
    return loss.detach();
  }
  size_t buckets() const override { return ddp_.buckets().size(); }
  grad::dist::DDPStats stats() const override { return ddp_.stats(); }

private:
  grad::dist::DistributedDataParallel ddp_;
  grad::optim::SGD opt_;
};

#if GRAD_DDP_HAVE_JIT
/// Compiled: args (x, y, parameters..., momentum buffers...) -> (parameters'..., buffers'...,
/// loss); the gradient sync is grad.all_reduce inside the compiled code.
class CompiledTrainer : public Trainer {
public:
  CompiledTrainer(const std::shared_ptr<grad::nn::Sequential>& model, const Args& args)
      : model_(model), sgd_(grad::optim::SGDOptions(args.lr).momentum(0.9)) {
    grad::NoGradGuard no_grad;
    for (const grad::Tensor& p : model->parameters()) {
      grad::dist::broadcast_(p, /*root=*/0); // ranks start from rank 0's parameters
      params_.push_back(p.detach());         // the same storage as the module's parameter
    }
    state_ = grad::optim::sgd_init(params_, sgd_);
    const size_t n = params_.size();
    std::vector<int> argnums;
    for (size_t i = 0; i < n; ++i)
      argnums.push_back(static_cast<int>(2 + i));
    auto loss_fn = [model, n](const std::vector<grad::Tensor>& a) {
      std::vector<grad::Tensor> p(a.begin() + 2, a.begin() + 2 + static_cast<long>(n));
      return grad::functional_call(
          *model, p, [&] { return grad::cross_entropy(model->forward(a[0]), a[1]); });
    };
    auto step_fn = [loss_fn, argnums, n, sgd = sgd_](const std::vector<grad::Tensor>& a) {
      auto [loss, grads] = grad::value_and_grad(loss_fn, argnums)(a);
      for (grad::Tensor& g : grads) // the gradient sync, compiled
        g = grad::dist::all_reduce(g, grad::dist::ReduceOp::Mean);
      const auto first = a.begin() + 2, state = first + static_cast<long>(n);
      auto [params, buffers] = grad::optim::sgd_step({first, state}, grads, {state, a.end()}, sgd);
      std::vector<grad::Tensor> out = std::move(params);
      out.insert(out.end(), buffers.begin(), buffers.end());
      out.push_back(loss); // after the donated outputs (JitOptions::donate pairs in order)
      return out;
    };
    grad::JitOptions options;
    for (size_t i = 0; i < n + state_.size(); ++i)
      options.donate.push_back(static_cast<int>(2 + i));
    step_.emplace(grad::jit(step_fn, std::move(options)));
  }
  grad::Tensor step(const ddp_spirals::Batch& b) override {
    std::vector<grad::Tensor> a{b.x, b.y};
    a.insert(a.end(), params_.begin(), params_.end());
    a.insert(a.end(), state_.begin(), state_.end());
    std::vector<grad::Tensor> out = (*step_)(a);
    // Donated: out[i] is params_[i] itself (the module's parameter), already updated.
    for (size_t k = 0; k < state_.size(); ++k)
      state_[k] = out[params_.size() + k];
    return out.back();
  }

private:
  std::shared_ptr<grad::nn::Sequential> model_;
  grad::optim::SGDOptions sgd_;
  std::vector<grad::Tensor> params_, state_;
  std::optional<grad::JitFunction<std::vector<grad::Tensor>>> step_;
};
#endif

} // namespace

int main(int argc, char** argv) {
  const Args args = parse(argc, argv);
  grad::dist::init();
  const int rank = grad::dist::rank(), world = grad::dist::world_size();
  const spirals::Dataset data = spirals::make(/*n_per_class=*/256, /*seed=*/42);

  // Every rank seeds differently on purpose: the broadcast makes them start from rank 0's.
  auto model = ddp_spirals::make_model(/*seed=*/1000 + 100 * rank, args.hidden, args.layers);
  std::unique_ptr<Trainer> trainer;
#if GRAD_DDP_HAVE_JIT
  if (args.mode == "compiled")
    trainer = std::make_unique<CompiledTrainer>(model, args);
#endif
  if (!trainer)
    trainer = std::make_unique<EagerTrainer>(model, args);
  if (rank == 0 && !args.quiet)
    std::printf("ddp: %s, %d rank(s), %lld rows per rank (global batch %lld), %zu buckets, %d "
                "steps\n",
                args.mode.c_str(), world, static_cast<long long>(args.batch),
                static_cast<long long>(args.batch * world), trainer->buckets(), args.steps);

  // The first steps (and, compiled, the compile in the first one) are not timed.
  const int warmup = args.steps > 10 ? 5 : 0;
  std::chrono::steady_clock::time_point t0;
  double cpu0 = 0, first_step_seconds = 0;
  grad::dist::DDPStats at_warmup;
  for (int step = 0; step < args.steps; ++step) {
    if (step == warmup) {
      t0 = std::chrono::steady_clock::now();
      cpu0 = cpu_seconds();
      at_warmup = trainer->stats();
    }
    const auto s0 = std::chrono::steady_clock::now();
    ddp_spirals::Batch b = ddp_spirals::shard(data, step, args.batch, rank, world);
    grad::Tensor loss = trainer->step(b);
    if (step == 0)
      first_step_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - s0).count();
    if (!args.quiet && (step % 50 == 0 || step + 1 == args.steps)) {
      grad::dist::all_reduce_(loss, grad::dist::ReduceOp::Mean);
      if (rank == 0)
        std::printf("step %4d  loss %.4f\n", step, loss.item<double>());
    }
  }
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  // Process CPU time per step, the most of any rank (the host may be shared: wall time alone
  // does not say whether a rank waited for a core).
  grad::Tensor cpu = grad::tensor(std::vector<double>{cpu_seconds() - cpu0}, {1});
  grad::dist::all_reduce_(cpu, grad::dist::ReduceOp::Max);
  const int timed = args.steps - warmup;
  const grad::dist::DDPStats s = trainer->stats();

  grad::NoGradGuard no_grad;
  const double acc = spirals::accuracy(model->forward(data.points), data.labels);
  if (rank == 0) {
    std::printf("final accuracy %.1f%%\n", 100.0 * acc);
    std::printf("timing: %.3f ms/step  wait %.3f ms/step  copy %.3f ms/step  cpu %.3f ms/step  "
                "first step %.1f ms  (%s, %d steps, %d rank(s), %zu buckets)\n",
                1e3 * seconds / timed, 1e3 * (s.wait_seconds - at_warmup.wait_seconds) / timed,
                1e3 * (s.copy_seconds - at_warmup.copy_seconds) / timed,
                1e3 * cpu.item<double>() / timed, 1e3 * first_step_seconds, args.mode.c_str(),
                timed, world, trainer->buckets());
    if (!args.out.empty())
      grad::save(model->state_dict(), args.out);
  }
  grad::dist::finalize();
  return 0;
}
