// DistributedDataParallel: parameters broadcast from rank 0, gradients averaged in buckets whose
// all-reduces start during backward (from post-accumulate-grad hooks) and are waited for in a
// callback at the end of backward (PyTorch's Reducer, reduced to what a CPU/MPI build needs).
#include <chrono>
#include <cstring>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "grad/autograd.h"
#include "grad/dist.h"
#include "grad/ops.h"
#include "status.h"

namespace grad::dist {

using detail::throw_if_error;
using detail::to_rt;

namespace {
double seconds_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}
} // namespace

// Note [Bucket launch order]
// MPI requires every rank to start collectives in the same order. Gradients may become ready in
// a different order on different ranks (and buckets may fill in a different order), so a bucket
// is launched only when it is full *and* every bucket before it has been launched: the launch
// order is the bucket index on every rank. Buckets hold the parameters in reverse registration
// order, which is roughly the order backward produces their gradients, so the first buckets fill
// first and communication starts early.
struct DistributedDataParallel::Reducer : std::enable_shared_from_this<Reducer> {
  struct Bucket {
    DType dtype = DType::f32;
    std::vector<int> params;
    std::vector<int64_t> offsets; // element offset of each parameter in `flat`
    int64_t numel = 0;
    Tensor flat;
    size_t ready = 0;
    gradrt_dist_request request = nullptr;
  };

  std::vector<Tensor> params;
  std::vector<int> bucket_of; // -1: the parameter needs no gradient
  std::vector<char> param_ready;
  std::vector<Bucket> buckets;
  size_t next_launch = 0;
  bool syncing = false; // a synced backward is running; its end callback is queued
  int no_sync_depth = 0;
  DDPStats stats;

  void on_grad_ready(int index) {
    if (no_sync_depth > 0 || bucket_of[index] < 0)
      return;
    if (!syncing) {
      syncing = true;
      std::weak_ptr<Reducer> weak = weak_from_this();
      queue_backward_callback([weak] {
        if (auto self = weak.lock())
          self->finish();
      });
    }
    if (param_ready[index])
      return;
    param_ready[index] = 1;
    ++buckets[bucket_of[index]].ready;
    while (next_launch < buckets.size() &&
           buckets[next_launch].ready == buckets[next_launch].params.size())
      launch(buckets[next_launch++]);
    // Open MPI progresses non-blocking collectives inside MPI calls: poke the ones in flight.
    for (size_t b = 0; b < next_launch; ++b)
      gradrt_dist_test(buckets[b].request);
  }

  void launch(Bucket& bucket) {
    auto t0 = std::chrono::steady_clock::now();
    bucket.flat = empty({bucket.numel}, bucket.dtype);
    const size_t es = dtype_size(bucket.dtype);
    char* dst = static_cast<char*>(bucket.flat.data_ptr());
    for (size_t k = 0; k < bucket.params.size(); ++k) {
      const Tensor& p = params[bucket.params[k]];
      const size_t bytes = static_cast<size_t>(p.numel()) * es;
      Tensor g = p.grad();
      if (g.defined()) {
        Tensor c = g.contiguous();
        std::memcpy(dst + bucket.offsets[k] * es, c.data_ptr(), bytes);
      } else {
        std::memset(dst + bucket.offsets[k] * es, 0, bytes); // unused parameter: zeros
      }
    }
    stats.copy_seconds += seconds_since(t0);
    throw_if_error(gradrt_dist_all_reduce_start(bucket.flat.data_ptr(), bucket.numel,
                                                to_rt(bucket.dtype), GRAD_REDUCE_MEAN,
                                                "DistributedDataParallel (gradient bucket)",
                                                &bucket.request));
    ++stats.buckets_launched;
  }

  void reset() {
    syncing = false;
    next_launch = 0;
    std::fill(param_ready.begin(), param_ready.end(), 0);
    for (Bucket& b : buckets) {
      b.ready = 0;
      b.request = nullptr;
      b.flat = Tensor();
    }
  }

  void finish() {
    try {
      while (next_launch < buckets.size()) // buckets with parameters that got no gradient
        launch(buckets[next_launch++]);
      auto t0 = std::chrono::steady_clock::now();
      for (Bucket& b : buckets) {
        gradrt_dist_request r = b.request;
        b.request = nullptr;
        throw_if_error(gradrt_dist_wait(r));
      }
      stats.wait_seconds += seconds_since(t0);
      t0 = std::chrono::steady_clock::now();
      for (Bucket& b : buckets) {
        const size_t es = dtype_size(b.dtype);
        const char* src = static_cast<const char*>(b.flat.data_ptr());
        for (size_t k = 0; k < b.params.size(); ++k) {
          const Tensor& p = params[b.params[k]];
          Tensor g = empty(p.shape(), p.dtype());
          std::memcpy(g.data_ptr(), src + b.offsets[k] * es, static_cast<size_t>(p.numel()) * es);
          Tensor(p).set_grad(g);
        }
      }
      stats.copy_seconds += seconds_since(t0);
      ++stats.synced_backwards;
    } catch (...) {
      reset();
      throw;
    }
    reset();
  }
};

DistributedDataParallel::NoSync::NoSync(std::shared_ptr<Reducer> reducer)
    : reducer_(std::move(reducer)) {
  ++reducer_->no_sync_depth;
}
DistributedDataParallel::NoSync::~NoSync() { --reducer_->no_sync_depth; }

std::unique_ptr<DistributedDataParallel::NoSync> DistributedDataParallel::no_sync() {
  return std::unique_ptr<NoSync>(new NoSync(reducer_));
}

namespace {

/// FNV-1a over the parameters' shapes and dtypes (the same model gives the same value everywhere).
int64_t signature_hash(const std::vector<Tensor>& params) {
  uint64_t h = 1469598103934665603ull;
  auto mix = [&h](uint64_t v) {
    for (int i = 0; i < 8; ++i) {
      h ^= (v >> (8 * i)) & 0xff;
      h *= 1099511628211ull;
    }
  };
  for (const Tensor& p : params) {
    mix(static_cast<uint64_t>(p.dtype()));
    mix(static_cast<uint64_t>(p.dim()));
    for (int64_t s : p.shape())
      mix(static_cast<uint64_t>(s));
  }
  return static_cast<int64_t>(h >> 1);
}

void check_same_model(const std::vector<Tensor>& params) {
  const char* what = "DistributedDataParallel";
  int64_t total = 0;
  for (const Tensor& p : params)
    total += p.numel();
  const int64_t mine[3] = {static_cast<int64_t>(params.size()), total, signature_hash(params)};
  const int n = world_size();
  std::vector<int64_t> all(static_cast<size_t>(n) * 3);
  throw_if_error(gradrt_dist_all_gather_i64(mine, 3, all.data(), what));
  bool same = true;
  for (int r = 1; r < n; ++r)
    same &= all[3 * r] == all[0] && all[3 * r + 1] == all[1] && all[3 * r + 2] == all[2];
  if (same)
    return;
  std::string table;
  for (int r = 0; r < n; ++r)
    table += fmt::format("{}rank {}: {} parameters, {} elements{}", r ? ", " : "", r, all[3 * r],
                         all[3 * r + 1], all[3 * r + 2] == all[2] ? "" : " (other shapes)");
  throw Error(fmt::format("{}: the ranks hold different models ({}); every rank must build the "
                          "same module",
                          what, table));
}

} // namespace

DistributedDataParallel::DistributedDataParallel(std::shared_ptr<nn::Module> module,
                                                 DDPOptions options)
    : module_(std::move(module)), reducer_(std::make_shared<Reducer>()) {
  if (!is_initialized())
    throw Error("DistributedDataParallel: grad::dist is not initialized: call "
                "grad::dist::init() first");
  if (!module_)
    throw Error("DistributedDataParallel: null module");
  if (options.bucket_cap_bytes <= 0)
    throw Error(fmt::format("DistributedDataParallel: bucket_cap_bytes is {}; it must be positive",
                            options.bucket_cap_bytes));
  register_module("module", module_);
  Reducer& r = *reducer_;
  r.params = module_->parameters();
  check_same_model(r.params);

  // Buckets: reverse registration order, one dtype each, up to bucket_cap_bytes.
  r.bucket_of.assign(r.params.size(), -1);
  r.param_ready.assign(r.params.size(), 0);
  for (int i = static_cast<int>(r.params.size()) - 1; i >= 0; --i) {
    const Tensor& p = r.params[i];
    if (!p.requires_grad())
      continue;
    const int64_t bytes = p.numel() * static_cast<int64_t>(dtype_size(p.dtype()));
    if (r.buckets.empty() || r.buckets.back().dtype != p.dtype() ||
        (r.buckets.back().numel * static_cast<int64_t>(dtype_size(p.dtype())) + bytes >
             options.bucket_cap_bytes &&
         !r.buckets.back().params.empty())) {
      r.buckets.emplace_back();
      r.buckets.back().dtype = p.dtype();
    }
    Reducer::Bucket& b = r.buckets.back();
    b.params.push_back(i);
    b.offsets.push_back(b.numel);
    b.numel += p.numel();
    r.bucket_of[i] = static_cast<int>(r.buckets.size() - 1);
  }

  if (options.broadcast_parameters) {
    NoGradGuard no_grad;
    for (Reducer::Bucket& b : r.buckets) {
      // One broadcast per bucket through a flat buffer, not one per parameter.
      Tensor flat = empty({b.numel}, b.dtype);
      const size_t es = dtype_size(b.dtype);
      char* data = static_cast<char*>(flat.data_ptr());
      for (size_t k = 0; k < b.params.size(); ++k) {
        Tensor c = r.params[b.params[k]].contiguous();
        std::memcpy(data + b.offsets[k] * es, c.data_ptr(), static_cast<size_t>(c.numel()) * es);
      }
      throw_if_error(gradrt_dist_broadcast(flat.data_ptr(), b.numel, to_rt(b.dtype), 0,
                                           "DistributedDataParallel (parameter broadcast)"));
      for (size_t k = 0; k < b.params.size(); ++k) {
        Tensor p = r.params[b.params[k]];
        const int64_t n = p.numel();
        p.copy_(slice(flat, 0, b.offsets[k], b.offsets[k] + n).reshape(p.shape()));
      }
    }
  }

  std::weak_ptr<Reducer> weak = reducer_;
  for (size_t i = 0; i < r.params.size(); ++i) {
    if (r.bucket_of[i] < 0)
      continue;
    r.params[i].register_post_accumulate_grad_hook([weak, i](const Tensor&) {
      if (auto self = weak.lock())
        self->on_grad_ready(static_cast<int>(i));
    });
  }
}

Tensor DistributedDataParallel::forward(const Tensor& input) { return module_->forward(input); }

std::vector<std::vector<int>> DistributedDataParallel::buckets() const {
  std::vector<std::vector<int>> out;
  for (const Reducer::Bucket& b : reducer_->buckets)
    out.push_back(b.params);
  return out;
}

DDPStats DistributedDataParallel::stats() const { return reducer_->stats; }

} // namespace grad::dist
