// grad::dist: data-parallel training across processes on MPI (run under `mpirun`).
//
//   grad::dist::init();                                   // joins the mpirun world
//   auto model = std::make_shared<grad::nn::Sequential>(...);
//   grad::dist::DistributedDataParallel ddp(model);       // rank 0's parameters everywhere
//   grad::optim::SGD opt(ddp.parameters(), grad::optim::SGDOptions(0.1));
//   for (...) {                                           // each rank: its share of the batch
//     opt.zero_grad();
//     grad::cross_entropy(ddp.forward(x_shard), y_shard).backward();  // gradients averaged
//     opt.step();
//   }
//   grad::dist::finalize();
//
// The collectives are libgradrt_mpi's (runtime/mpi): every wait has a deadline, so a rank that
// died or stopped makes the others throw grad::Error instead of hanging; after init() an uncaught
// exception on any rank ends the whole job (MPI_Abort) with its message. Without a launcher
// (`./prog`) the world is one process and every collective is local. See docs/distributed.md.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "grad/nn.h"
#include "grad/tensor.h"

namespace grad::dist {

/// The reduction of an all-reduce. Mean is Sum divided by world_size().
enum class ReduceOp { Sum, Mean, Max };

/// "sum", "mean", "max".
const char* reduce_op_name(ReduceOp op);

/// Joins the world the launcher (mpirun) set up; a world of one without a launcher. Also installs
/// a terminate handler that reports an uncaught exception with the rank and aborts every rank
/// (MPI_Abort), so that one failing rank never leaves the others waiting. Calling it again does
/// nothing. grad::Error if MPI fails to start.
void init();
/// True between init() and finalize().
bool is_initialized();
/// This process's rank in [0, world_size()). grad::Error before init().
int rank();
/// Number of processes. grad::Error before init().
int world_size();
/// Seconds a collective waits for the other ranks before it throws (env GRAD_DIST_TIMEOUT,
/// default 300).
double timeout();
void set_timeout(double seconds);

/// In place: every rank's `t` becomes the elementwise sum / mean / max over all ranks' `t`.
/// Shapes, dtypes and ops are compared across ranks first (one small all-gather): a mismatch
/// throws the same grad::Error on every rank naming each rank's shape. Bumps `t`'s version
/// counter; like other in-place ops, an error on a leaf that requires grad in grad mode.
void all_reduce_(const Tensor& t, ReduceOp op = ReduceOp::Sum);
/// In place: every rank's `t` becomes rank `root`'s `t` (shapes checked as for all_reduce_).
void broadcast_(const Tensor& t, int root = 0);
/// The all-reduced value as a new tensor, differentiable (the gradient of a sum/mean all-reduce
/// is the same all-reduce of the incoming gradient; of max, the summed gradient shared among the
/// ranks that hold the maximum). Traceable: inside grad::jit it becomes a grad.all_reduce op.
Tensor all_reduce(const Tensor& t, ReduceOp op = ReduceOp::Sum);
/// Waits until every rank calls it (with the timeout).
void barrier();
/// Leaves MPI (call once at the end; MPI cannot be started again in this process).
void finalize();

/// Options of DistributedDataParallel.
struct DDPOptions {
  /// Gradient bytes per bucket (PyTorch's bucket_cap_mb, 25 MiB); a bucket holds at least one
  /// parameter. Smaller buckets start communicating earlier in the backward pass.
  int64_t bucket_cap_bytes = int64_t{25} << 20;
  /// Broadcast rank 0's parameters at construction, so every rank starts from the same model.
  bool broadcast_parameters = true;
};

/// Timing counters of a DistributedDataParallel (seconds, accumulated since construction).
struct DDPStats {
  int64_t synced_backwards = 0; ///< backward passes whose gradients were averaged
  int64_t buckets_launched = 0; ///< all-reduces started
  double wait_seconds = 0;      ///< time blocked at the end of backward waiting for all-reduces
  double copy_seconds = 0;      ///< time copying gradients into and out of bucket buffers
};

/// Data-parallel wrapper of a module (PyTorch's torch.nn.parallel.DistributedDataParallel).
/// Construction checks that every rank holds the same parameter shapes and broadcasts rank 0's
/// values. Each parameter gets a post-accumulate-grad hook; when every gradient of a bucket has
/// arrived during backward, the bucket's averaging all-reduce starts (non-blocking) while the
/// rest of backward runs; buckets start in a fixed order on every rank. At the end of backward
/// the wrapper waits for all of them (with the timeout) and writes the averaged gradients into
/// the parameters' grad(). A parameter that got no gradient contributes zeros. The wrapper
/// registers the module as child "module" (parameter names "module.0.weight", ...).
class DistributedDataParallel : public nn::Module {
public:
  struct Reducer; // the bucket state shared with the hooks (defined in ddp.cpp)

  explicit DistributedDataParallel(std::shared_ptr<nn::Module> module, DDPOptions options = {});
  /// The wrapped module's forward.
  Tensor forward(const Tensor& input) override;
  std::string name() const override { return "DistributedDataParallel"; }
  /// The wrapped module.
  nn::Module& module() const { return *module_; }

  /// While a NoSync lives, backward accumulates gradients locally without communicating (for
  /// gradient accumulation over micro-batches); the first backward after it averages the
  /// accumulated gradients. PyTorch's `with ddp.no_sync():`.
  class NoSync {
  public:
    ~NoSync();
    NoSync(const NoSync&) = delete;
    NoSync& operator=(const NoSync&) = delete;

  private:
    friend class DistributedDataParallel;
    explicit NoSync(std::shared_ptr<Reducer> reducer);
    std::shared_ptr<Reducer> reducer_;
  };
  [[nodiscard]] std::unique_ptr<NoSync> no_sync();

  /// Indices into module().parameters() of each bucket, in launch order.
  std::vector<std::vector<int>> buckets() const;
  /// Timing counters (see DDPStats).
  DDPStats stats() const;

private:
  std::shared_ptr<nn::Module> module_;
  std::shared_ptr<Reducer> reducer_;
};

} // namespace grad::dist
