// ddp: the spirals MLP trained data-parallel with grad::dist::DistributedDataParallel.
//
//   mpirun -np 2 build/bin/ddp --steps 200 --batch 32     # 2 ranks, 32 rows each
//   build/bin/ddp --steps 200 --batch 64                  # 1 process, the same global batches
//
// Each rank takes its shard of every global batch (examples/ddp/ddp_spirals.h); gradients are
// averaged across ranks in buckets during backward, so both runs above end with the same
// parameters (up to float rounding). Rank 0 prints progress, the timing and DDP's counters, and
// with --out writes the parameters as safetensors.
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>

#include "ddp_spirals.h"
#include "grad/dist.h"
#include "grad/grad.h"

namespace {

struct Args {
  int steps = 200;
  int64_t batch = 32; // rows per rank
  int64_t hidden = 32;
  double lr = 0.2;
  int64_t bucket_kb = 25 * 1024;
  std::string out;
  bool quiet = false;
};

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
    else if (!std::strcmp(argv[i], "--lr"))
      a.lr = std::atof(next("--lr"));
    else if (!std::strcmp(argv[i], "--bucket-kb"))
      a.bucket_kb = std::atoll(next("--bucket-kb"));
    else if (!std::strcmp(argv[i], "--out"))
      a.out = next("--out");
    else if (!std::strcmp(argv[i], "--quiet"))
      a.quiet = true;
    else {
      std::fprintf(stderr,
                   "usage: ddp [--steps N] [--batch ROWS_PER_RANK] [--hidden H] [--lr LR] "
                   "[--bucket-kb KB] [--out params.safetensors] [--quiet]\n");
      std::exit(2);
    }
  }
  if (a.steps < 1 || a.batch < 1 || a.hidden < 1 || a.bucket_kb < 1) {
    std::fprintf(stderr, "ddp: --steps, --batch, --hidden and --bucket-kb must be positive\n");
    std::exit(2);
  }
  return a;
}

} // namespace

int main(int argc, char** argv) {
  const Args args = parse(argc, argv);
  grad::dist::init();
  const int rank = grad::dist::rank(), world = grad::dist::world_size();
  const spirals::Dataset data = spirals::make(/*n_per_class=*/256, /*seed=*/42);

  // Every rank seeds differently on purpose: DDP's broadcast makes them start from rank 0's.
  auto model = ddp_spirals::make_model(/*seed=*/1000 + 10 * rank, args.hidden);
  grad::dist::DistributedDataParallel ddp(
      model, grad::dist::DDPOptions{.bucket_cap_bytes = args.bucket_kb * 1024});
  grad::optim::SGD opt(ddp.parameters(), grad::optim::SGDOptions(args.lr).momentum(0.9));
  if (rank == 0 && !args.quiet)
    std::printf("ddp: %d rank(s), %lld rows per rank (global batch %lld), %zu buckets, %d steps\n",
                world, static_cast<long long>(args.batch),
                static_cast<long long>(args.batch * world), ddp.buckets().size(), args.steps);

  const int warmup = args.steps > 10 ? 5 : 0;
  std::chrono::steady_clock::time_point t0;
  grad::dist::DDPStats at_warmup;
  for (int step = 0; step < args.steps; ++step) {
    if (step == warmup) {
      t0 = std::chrono::steady_clock::now();
      at_warmup = ddp.stats();
    }
    ddp_spirals::Batch b = ddp_spirals::shard(data, step, args.batch, rank, world);
    opt.zero_grad();
    grad::Tensor loss = grad::cross_entropy(ddp.forward(b.x), b.y);
    loss.backward();
    opt.step();
    if (!args.quiet && (step % 50 == 0 || step + 1 == args.steps)) {
      grad::Tensor l = loss.detach();
      grad::dist::all_reduce_(l, grad::dist::ReduceOp::Mean);
      if (rank == 0)
        std::printf("step %4d  loss %.4f\n", step, l.item<double>());
    }
  }
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  const int timed = args.steps - warmup;
  const grad::dist::DDPStats s = ddp.stats();

  grad::NoGradGuard no_grad;
  const double acc = spirals::accuracy(model->forward(data.points), data.labels);
  if (rank == 0) {
    std::printf("final accuracy %.1f%%\n", 100.0 * acc);
    std::printf("timing: %.3f ms/step  wait %.3f ms/step  copy %.3f ms/step  (%d steps, %d "
                "rank(s), %zu buckets)\n",
                1e3 * seconds / timed, 1e3 * (s.wait_seconds - at_warmup.wait_seconds) / timed,
                1e3 * (s.copy_seconds - at_warmup.copy_seconds) / timed, timed, world,
                ddp.buckets().size());
    if (!args.out.empty())
      grad::save(model->state_dict(), args.out);
  }
  grad::dist::finalize();
  return 0;
}
